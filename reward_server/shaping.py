"""Turns a verifier's Outcome into the reward a trainer sees.

reward = correctness_weight * correctness + format_weight * format + length
         + language_weight * language (only when the group's RewardSpec names a language)
- correctness: the verifier's score in [0, 1].
- format (R1): 1.0 when the completion reasons inside one reasoning block of a known
  template (<think>, <redacted_thinking>, <thinking>, <reasoning>, <|begin_of_thought|>
  with its solution block, harmony's analysis then final message; see reasoning.py) or of
  the group's own pair, then gives a non-empty answer, with no other tag; else 0.0. A
  template that opens the block in the prompt leaves only "reasoning</think>answer" in the
  completion; that counts too.
- length (DAPO soft overlong punishment): 0 up to max_length - overlong_buffer, then a
  linear ramp down to -overlong_penalty at max_length, and -overlong_penalty beyond.
  Length is in tokens when the client sends them (Group.completion_lengths), else in
  characters.
- language (R1 language consistency): the share of the reasoning's words (of the answer's
  when there is no reasoning block) written in RewardSpec.language, in [0, 1]; measured
  in reward_server.language_share, off the event loop, and passed in here.
A completion that could not be judged (INFRA_ERROR) gets reward NaN: never a silent 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reward_server.outcome import Outcome, Verdict
from reward_server.reasoning import ReasoningPair, split_reasoning


@dataclass(frozen=True)
class Shaping:
    correctness_weight: float = 1.0
    format_weight: float = 0.0
    max_length: int = 0
    overlong_buffer: int = 0
    overlong_penalty: float = 1.0
    reasoning: ReasoningPair | None = None  # the group's own reasoning tags (None: known)
    language_weight: float = 0.0


def format_score(completion: str, pair: ReasoningPair | None = None) -> float:
    """1.0 for one reasoning block followed by a non-empty answer, else 0.0."""
    split = split_reasoning(completion, pair)
    if not split.only_block or split.reasoning is None:
        return 0.0
    return 1.0 if split.reasoning.strip() and split.answer.strip() else 0.0


def overlong_penalty(length: int, shaping: Shaping) -> float:
    """DAPO's soft overlong punishment (0 or negative)."""
    if shaping.max_length <= 0:
        return 0.0
    soft_start = shaping.max_length - shaping.overlong_buffer
    if length <= soft_start:
        return 0.0
    if length > shaping.max_length:
        return -shaping.overlong_penalty
    return -shaping.overlong_penalty * (length - soft_start) / max(shaping.overlong_buffer, 1)


def shape(
    outcome: Outcome,
    completion: str,
    length: int,
    shaping: Shaping,
    language: float | None = None,
) -> tuple[float, dict]:
    """Returns (reward, components) for one completion; `language` is its language share
    when the group asks for one (None: no language component)."""
    components = {
        "correctness": outcome.correctness,
        "format": format_score(completion, shaping.reasoning),
        "length": overlong_penalty(length, shaping),
    }
    if language is not None:
        components["language"] = language
    if outcome.verdict == Verdict.INFRA_ERROR:
        return math.nan, components
    reward = (
        shaping.correctness_weight * components["correctness"]
        + shaping.format_weight * components["format"]
        + components["length"]
        + shaping.language_weight * components.get("language", 0.0)
    )
    return reward, components


def group_stats(rewards: list[float]) -> tuple[float, float]:
    """Mean and population std over the rewards that are not NaN (0, 0 when none are)."""
    judged = [r for r in rewards if not math.isnan(r)]
    if not judged:
        return 0.0, 0.0
    mean = sum(judged) / len(judged)
    var = sum((r - mean) ** 2 for r in judged) / len(judged)
    return mean, math.sqrt(var)
