"""Through the real server: answers with hidden or contradicting parts score WRONG."""

from __future__ import annotations

from reward_server.api import reward_pb2
from reward_server.client import RetryPolicy, RewardClient, math_group

V = reward_pb2.Verdict

HIDDEN_OR_CONTRADICTING = [
    r"\boxed{42 \approx 1000}",  # an approximation whose other side is not 42
    r"\boxed{41\phantom{+1}}",  # shows 41
    r"\boxed{42_{1000}}",  # no base 1000: never the bare 42
    r"\boxed{42}. Wait, actually the answer is 43.",  # a later answer that differs
]


def test_hidden_or_contradicting_parts_score_wrong(server) -> None:
    completions = [r"\boxed{42}", *HIDDEN_OR_CONTRADICTING]
    with RewardClient(server.address, retry=RetryPolicy(attempts=1)) as client:
        [result] = client.score([math_group("42", completions, group_id="hidden")])
    verdicts = [s.verdict for s in result.scores]
    assert verdicts == [V.CORRECT] + [V.WRONG] * len(HIDDEN_OR_CONTRADICTING)
    assert [s.reward for s in result.scores] == [1.0] + [0.0] * len(HIDDEN_OR_CONTRADICTING)
    assert "hedged" in result.scores[-1].detail
