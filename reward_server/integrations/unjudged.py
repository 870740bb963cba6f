"""What a trainer without a notion of "no reward" (veRL, OpenRLHF) gets for a completion
the server did not judge, and what stops the step instead.

Two kinds of completion have no verdict:

* an INFRA_ERROR: the server could not judge this one completion (a sandbox died, the
  engine failed); chosen by ``on_infra_error``;
* a group error (``GroupResult.error``): the server cannot judge the group's content
  (a bad gold, bad tests, an unknown language, a task kind it does not run), so none of
  the group's completions has a score; chosen by ``on_group_error``.

Policies, the same for both:

* ``"neutral"``: the mean reward of the judged samples of its group, so its
  group-relative advantage is 0 and the group mean is unchanged; ``fallback`` when none
  of the group was judged (always so for a group error: all equal, so again no advantage
  under GRPO);
* ``"nan"``: NaN, for managers that filter it;
* ``"raise"``: :class:`InfraError` / :class:`GroupContentError` stop the step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reward_server.integrations.common import Outcome

POLICIES = ("neutral", "nan", "raise")


class InfraError(RuntimeError):
    """Raised under ``on_infra_error="raise"`` when a completion could not be judged."""


class GroupContentError(ValueError):
    """Raised under ``on_group_error="raise"`` when the server cannot judge a group's
    content. ``code`` is the status name the server gave (INVALID_ARGUMENT, ...)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def check_policy(policy: str, name: str = "on_infra_error") -> str:
    if policy not in POLICIES:
        raise ValueError(f"unknown {name} {policy!r}; valid: {', '.join(POLICIES)}")
    return policy


def raise_group_errors(outcomes: Sequence[Outcome]) -> None:
    """GroupContentError naming each distinct error and its completions, if any."""
    by_message: dict[tuple[str, str], list[int]] = {}
    for i, outcome in enumerate(outcomes):
        if outcome.error is not None:
            by_message.setdefault((outcome.error.code, outcome.error.message), []).append(i)
    if by_message:
        parts = [
            f"{code}: {message} (completions {idx})" for (code, message), idx in by_message.items()
        ]
        first_code = next(iter(by_message))[0]
        raise GroupContentError(
            "the reward server cannot judge these tasks: " + "; ".join(parts), first_code
        )


def apply_policies(
    outcomes: Sequence[Outcome],
    index_runs: list[list[int]],
    on_infra_error: str = "neutral",
    on_group_error: str = "neutral",
    fallback: float = 0.0,
) -> list[float]:
    """One reward per completion: the judged ones as scored, the others per policy.
    ``index_runs`` are the completions of each group."""
    check_policy(on_infra_error, "on_infra_error")
    check_policy(on_group_error, "on_group_error")
    if on_group_error == "raise":
        raise_group_errors(outcomes)
    rewards = [o.reward for o in outcomes]  # NaN: not judged
    if on_infra_error == "raise":
        bad = [i for i, o in enumerate(outcomes) if o.infra_error]
        if bad:
            raise InfraError(f"the reward server could not judge completions {bad} (INFRA_ERROR)")
    out = list(rewards)
    for idx in index_runs:
        judged = [rewards[i] for i in idx if not math.isnan(rewards[i])]
        fill = sum(judged) / len(judged) if judged else fallback
        for i in idx:
            if math.isnan(rewards[i]):
                policy = on_group_error if outcomes[i].group_error else on_infra_error
                out[i] = fill if policy == "neutral" else math.nan
    return out
