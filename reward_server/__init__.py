"""A sandboxed verifiable-reward service for RL on language models."""

__version__ = "0.1.0"
