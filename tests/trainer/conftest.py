"""Fixtures of the trainer tests: a StreamScorer on the shared loopback server."""

from __future__ import annotations

import pytest

from reward_server.client import RewardClient
from trainer_client.scoring import StreamScorer


@pytest.fixture
def scorer(server):
    client = RewardClient(server.address, timeout=30)
    client.wait_ready(30)
    s = StreamScorer(client)
    yield s
    s.close()
    client.close()
