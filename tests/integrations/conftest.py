"""A fake reward client for the failure paths a live server will not produce on demand."""

from __future__ import annotations

import math

import pytest

from reward_server.api import reward_pb2


class InfraErrorClient:
    """Speaks the clients' score_stream; every completion whose text is "broken" is an
    INFRA_ERROR, "1" is CORRECT (reward 1) and anything else WRONG (reward 0)."""

    target = "fake"

    def __init__(self) -> None:
        self.groups: list[reward_pb2.Group] = []

    def _result(self, group: reward_pb2.Group) -> reward_pb2.GroupResult:
        self.groups.append(group)
        scores = []
        for text in group.completions:
            if text == "broken":
                scores.append(
                    reward_pb2.CompletionScore(reward=math.nan, verdict=reward_pb2.INFRA_ERROR)
                )
            elif text == "1":
                scores.append(reward_pb2.CompletionScore(reward=1.0, verdict=reward_pb2.CORRECT))
            else:
                scores.append(reward_pb2.CompletionScore(reward=0.0, verdict=reward_pb2.WRONG))
        return reward_pb2.GroupResult(group_id=group.group_id, scores=scores)

    def score_stream(self, groups, timeout=None):
        for group in groups:
            yield self._result(group)


class AsyncInfraErrorClient(InfraErrorClient):
    async def score_stream(self, groups, timeout=None):
        for group in groups:
            yield self._result(group)

    async def close(self) -> None:
        return None


@pytest.fixture
def infra_error_client() -> InfraErrorClient:
    return InfraErrorClient()


@pytest.fixture
def async_infra_error_client() -> AsyncInfraErrorClient:
    return AsyncInfraErrorClient()
