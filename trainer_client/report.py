"""How a run reports progress: tqdm bars, and one line of the numbers worth watching per
GRPO step (every metric also goes to ``metrics.jsonl``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Log = Callable[[str], None]
"""Where a run's messages go (``print`` by default; tests pass a no-op)."""

METRICS_LINE = [
    ("reward_mean", "reward", ".3f"),
    ("accuracy", "acc", ".2f"),
    ("frac_zero_std", "zero_std", ".2f"),
    ("completion_len_mean", "len", ".1f"),
    ("clip_frac_region", "clip", ".3f"),
    ("kl", "kl", ".4f"),
    ("entropy", "ent", ".3f"),
    ("loss", "loss", ".4f"),
    ("tokens_per_s", "tok/s", ".0f"),
    ("gen_s", "gen", ".2f"),
    ("score_wait_s", "wait", ".2f"),
    ("update_s", "upd", ".2f"),
    ("score_hidden_frac", "hidden", ".2f"),
    ("group_errors", "not_judged", ".0f"),
]
"""``(metric, label, format)`` of the per-step line, in order."""

SHOWN_WHEN_NONZERO = {"group_errors"}
"""Metrics of the line that are left out while 0 (they flag a problem)."""


def progress_bar(total: int, desc: str, enabled: bool) -> Any:
    """A tqdm bar (disabled when ``enabled`` is False, e.g. in tests and logs)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, dynamic_ncols=True, leave=False)


def format_metrics(m: dict[str, Any]) -> str:
    """One line per step: the numbers worth watching."""
    parts = [f"step {int(m['step'])}"]
    for key, label, fmt in METRICS_LINE:
        if key in SHOWN_WHEN_NONZERO and not m.get(key):
            continue
        if key in m and m[key] is not None:
            parts.append(f"{label} {m[key]:{fmt}}")
    return " | ".join(parts)
