"""In-process scorers with the trainer's scorer interface (submit, collect, close), for
trainer tests that need no reward server; each says how it judges a group in `judge`."""

from __future__ import annotations

from reward_server.api import reward_pb2
from trainer_client.scoring import GroupScores


def scores(group_id: str, rewards: list[float], verdicts: list[str]) -> GroupScores:
    return GroupScores(group_id, rewards, verdicts, [{"correctness": r} for r in rewards])


def not_judged(group_id: str) -> GroupScores:
    """What the server answers for a group it cannot judge (it names the group)."""
    error = f"INVALID_ARGUMENT: group {group_id!r}: the math gold answer is empty"
    return GroupScores(group_id, [], [], [], error=error)


class FakeScorer:
    def __init__(self) -> None:
        self.pending: dict[str, GroupScores] = {}

    def judge(self, group: reward_pb2.Group) -> GroupScores:
        raise NotImplementedError

    def submit(self, group: reward_pb2.Group) -> None:
        self.pending[group.group_id] = self.judge(group)

    def collect(self, ids, timeout):
        return {g: self.pending.pop(g) for g in ids}

    def close(self) -> None:
        pass


class FirstRight(FakeScorer):
    """The first completion of each group is right, the others wrong."""

    def judge(self, group: reward_pb2.Group) -> GroupScores:
        n = len(group.completions)
        return scores(group.group_id, [1.0] + [0.0] * (n - 1), ["CORRECT"] + ["WRONG"] * (n - 1))
