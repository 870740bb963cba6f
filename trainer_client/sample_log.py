"""``samples.jsonl``: a few of each GRPO step's completions with their reward, so a run's
outputs can be read as text, redacted of PII and secrets unless ``moderate_traces`` is off.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainer_client.scoring import GroupScores
from trainer_client.tasks import Task


def moderated(text: str, enabled: bool) -> str:
    """``text`` with PII and secrets replaced by placeholders (when ``enabled``)."""
    if not enabled:
        return text
    from reward_server.client import moderate

    return moderate(text).text


class SampleLog:
    """Appends ``per_step`` completions of each step to ``path``: the first completion of
    the first groups, one per group, so different prompts are seen."""

    def __init__(self, path: str | Path, per_step: int, moderate: bool) -> None:
        self.path = Path(path)
        self.per_step = per_step
        self.moderate = moderate

    def records(
        self, step: int, tasks: Sequence[Task], texts: Sequence[str], scores: Sequence[GroupScores]
    ) -> list[dict[str, Any]]:
        """The step's records; ``texts`` holds each group's completions in turn."""
        group_size = len(texts) // max(len(tasks), 1)
        out = []
        for g, (task, score) in enumerate(zip(tasks, scores, strict=True)):
            if g == self.per_step:
                break
            judged = score.error is None and not math.isnan(score.rewards[0])
            out.append(
                {
                    "step": step,
                    "kind": task.kind,
                    "prompt": moderated(task.prompt, self.moderate),
                    "completion": moderated(texts[g * group_size], self.moderate),
                    "reward": score.rewards[0] if judged else None,
                    "verdict": score.verdicts[0] if score.error is None else score.error,
                }
            )
        return out

    def write(
        self, step: int, tasks: Sequence[Task], texts: Sequence[str], scores: Sequence[GroupScores]
    ) -> None:
        if self.per_step <= 0:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            for record in self.records(step, tasks, texts, scores):
                fh.write(json.dumps(record) + "\n")
