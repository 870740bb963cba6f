"""The policy: a causal LM and its tokenizer, built from scratch or loaded from disk.

``build_policy(cfg)`` makes a small GPT-2 (``GPT2Config`` + ``AutoModelForCausalLM
.from_config``) with the character tokenizer of :mod:`trainer_client.tokenizer`; with
``cfg.model`` a local directory it loads any Hugging Face causal LM and its tokenizer,
and formats prompts with the tokenizer's chat template when it has one.

Checkpoints are folders: ``model/`` (``save_pretrained``, with the tokenizer),
``optimizer.pt``, ``rng.pt`` and ``state.json`` (step, config).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    GPT2Config,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from trainer_client.config import TrainConfig
from trainer_client.tokenizer import build_char_tokenizer

THINK_OPEN = "<think>"
"""Prompts for scratch models end with this, so completions start inside the reasoning."""


@dataclass
class Policy:
    """A causal LM and its tokenizer, and how a task's text becomes a prompt."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    chat: bool = False
    """Format prompts with the tokenizer's chat template."""

    def format_prompt(self, question: str) -> str:
        """The text the model continues: ``Q: ...\\nA: <think>`` or the chat template."""
        if self.chat:
            messages = [{"role": "user", "content": question}]
            return self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        return f"Q: {question}\nA: {THINK_OPEN}"

    def encode_prompt(self, question: str) -> list[int]:
        """Token ids of the formatted prompt, starting with BOS when there is one."""
        ids = self.tokenizer(self.format_prompt(question), add_special_tokens=False)[
            "input_ids"
        ]
        bos = self.tokenizer.bos_token_id
        if bos is not None and not self.chat and (not ids or ids[0] != bos):
            ids = [bos, *ids]
        return ids

    def reference_completion(self, reference: str) -> str:
        """A task's worked answer as a completion: scratch prompts already opened
        ``<think>``, chat prompts did not."""
        return f"{THINK_OPEN}{reference}" if self.chat else reference

    @property
    def eos_id(self) -> int:
        eos = self.tokenizer.eos_token_id
        if eos is None:
            raise ValueError("the tokenizer has no eos token; generation cannot stop")
        return int(eos)

    @property
    def pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return int(pad) if pad is not None else self.eos_id


def build_policy(cfg: TrainConfig) -> Policy:
    """A fresh scratch policy seeded with ``cfg.seed``, or the local model ``cfg.model``."""
    if cfg.model != "scratch":
        return load_policy(cfg.model)
    tokenizer = build_char_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=cfg.n_positions,
        n_embd=cfg.n_embd,
        n_layer=cfg.n_layer,
        n_head=cfg.n_head,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(cfg.seed)
    model = AutoModelForCausalLM.from_config(config)
    return Policy(model=model, tokenizer=tokenizer, chat=False)


def load_policy(path: str | Path) -> Policy:
    """Load a causal LM and tokenizer from a local directory (never from the network)."""
    path = Path(path)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, dtype=torch.float32
    )
    chat = bool(getattr(tokenizer, "chat_template", None))
    return Policy(model=model, tokenizer=tokenizer, chat=chat)


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- checkpoints -----------------------------------------------------------------------


def rng_state() -> dict[str, Any]:
    """Every random state a run draws from, to restore on resume."""
    return {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def save_checkpoint(
    directory: str | Path,
    policy: Policy,
    optimizer: torch.optim.Optimizer | None,
    step: int,
    extra: dict[str, Any] | None = None,
    task_rng: random.Random | None = None,
) -> Path:
    """Write ``directory`` (replacing it atomically) and return it."""
    directory = Path(directory)
    tmp = directory.with_name(directory.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    policy.model.save_pretrained(tmp / "model")
    policy.tokenizer.save_pretrained(tmp / "model")
    if optimizer is not None:
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    rng = rng_state()
    if task_rng is not None:
        rng["tasks"] = task_rng.getstate()
    torch.save(rng, tmp / "rng.pt")
    state = {"step": step, "chat": policy.chat, **(extra or {})}
    (tmp / "state.json").write_text(json.dumps(state, indent=2, default=str))
    if directory.exists():
        old = directory.with_name(directory.name + ".old")
        directory.rename(old)
        tmp.rename(directory)
        _rmtree(old)
    else:
        tmp.rename(directory)
    return directory


def load_checkpoint(
    directory: str | Path, optimizer_factory=None
) -> tuple[Policy, torch.optim.Optimizer | None, dict[str, Any]]:
    """Load a checkpoint folder; ``optimizer_factory(model)`` rebuilds the optimizer.

    Restores the global random states too, so a resumed run continues the same random
    stream; ``state["task_rng"]`` holds the task sampler's state when one was saved.
    """
    directory = Path(directory)
    policy = load_policy(directory / "model")
    state = json.loads((directory / "state.json").read_text())
    policy.chat = bool(state.get("chat", policy.chat))
    optimizer = None
    if optimizer_factory is not None:
        optimizer = optimizer_factory(policy.model)
        opt_path = directory / "optimizer.pt"
        if opt_path.exists():
            optimizer.load_state_dict(torch.load(opt_path, weights_only=False))
    rng = torch.load(directory / "rng.pt", weights_only=False)
    set_rng_state(rng)
    state["task_rng"] = rng.get("tasks")
    return policy, optimizer, state


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    """The ``checkpoint-N`` folder with the largest N in ``out_dir``, if any."""
    found = []
    for p in Path(out_dir).glob("checkpoint-*"):
        suffix = p.name.rsplit("-", 1)[1]
        if suffix.isdigit() and (p / "state.json").exists():
            found.append((int(suffix), p))
    return max(found)[1] if found else None


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
