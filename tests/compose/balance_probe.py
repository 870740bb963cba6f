"""Run inside the compose network (stdin of `docker-compose run -T trainer python -`):
scores `ROUNDS` unary batches of one math and one Python code group through
dns:///reward-server:50051 and prints one JSON line with each replica's
reward_groups_total before and after, keyed by its address, and the verdicts."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.request

from reward_server.client import RewardClient, Verdict, code_group, math_group

ROUNDS = 20
SERVICE, PORT, METRICS_PORT = "reward-server", 50051, 9100


def replicas() -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(SERVICE, PORT, socket.AF_INET)})


def groups_scored(ip: str) -> float:
    url = f"http://{ip}:{METRICS_PORT}/metrics"
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    return sum(float(v) for v in re.findall(r"^reward_groups_total\{[^}]*\} (\S+)$", text, re.M))


def main() -> None:
    ips = replicas()
    before = {ip: groups_scored(ip) for ip in ips}
    verdicts: list[str] = []
    with RewardClient(f"dns:///{SERVICE}:{PORT}", timeout=60) as client:
        client.wait_ready(60)
        time.sleep(1.0)  # let round-robin connect to every address
        for i in range(ROUNDS):
            batch = [
                math_group("42", [f"The answer is \\boxed{{{40 + 2}}}"], group_id=f"m{i}"),
                code_group(
                    "python",
                    ["```python\ndef add7(x):\n    return x + 7\n```"],
                    function=("add7", [([1], 8), ([35], 42)]),
                    group_id=f"c{i}",
                ),
            ]
            for result in client.score(batch):
                verdicts.extend(Verdict.Name(s.verdict) for s in result.scores)
    after = {ip: groups_scored(ip) for ip in ips}
    print(json.dumps({"before": before, "after": after, "verdicts": verdicts}))


if __name__ == "__main__":
    main()
