"""Several replicas behind one client: the trainer's groups spread over all of them."""

from __future__ import annotations

from conftest import start_server, symbolic_group

from reward_server.client import RewardClient
from trainer_client.scoring import StreamScorer

from .faults import groups_scored


def test_trainer_streams_spread_over_every_replica():
    replicas = [
        start_server("--math-workers", "1", "--metrics-port", "0") for _ in range(3)
    ]
    client = RewardClient(",".join(r.address for r in replicas), timeout=60)
    client.wait_ready(30)
    scorer = StreamScorer(client, streams=6)
    try:
        groups = [symbolic_group(4, f"g{k}") for k in range(36)]
        for g in groups:
            scorer.submit(g)
        out = scorer.collect([g.group_id for g in groups], timeout=120)
        assert all(s.verdicts == ["CORRECT"] * 4 for s in out.values())
        per_replica = [groups_scored(r.metrics_port) for r in replicas]
        assert sum(per_replica) == len(groups)
        assert all(n > 0 for n in per_replica), per_replica
    finally:
        scorer.close()
        client.close()
        for r in replicas:
            r.stop()
