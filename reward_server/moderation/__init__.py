"""Redacts PII and secrets from model traces before they are logged or written to disk.

    from reward_server.client import moderate
    moderated = moderate(text)
    moderated.text       # "mail [EMAIL] or call [PHONE]"
    moderated.findings   # [Finding("EMAIL", 5, 22), Finding("PHONE", 31, 45)]

Needs the ``moderation`` extra (``pip install 'reward-server[moderation]'``):
detect-secrets for API keys and tokens, phonenumbers for phone numbers.
"""

from reward_server.moderation.redact import KINDS, Finding, Moderated, moderate

__all__ = ["KINDS", "Finding", "Moderated", "moderate"]
