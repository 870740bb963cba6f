"""The judge process's own limits, without Docker."""

from __future__ import annotations

import time

from reward_server.verifiers.code.assert_judges import JudgeProcess
from reward_server.verifiers.code.valuecodec_loader import CODEC_DIR


def test_judge_limits_its_address_space_and_asks_to_be_retired_after_a_memory_error():
    proc = JudgeProcess(CODEC_DIR, memory_mb=256)
    try:
        test_code = "def check(candidate):\n    block = bytearray(512 << 20)\n"
        names = {"f": {"kind": "callable"}}
        proc.send({"op": "run", "test_code": test_code, "entry_point": "f", "names": names})
        done = proc.recv(time.monotonic() + 30)
        while done["op"] != "done":  # "begin" before each test
            done = proc.recv(time.monotonic() + 30)
        assert done["results"][0]["kind"] == "memory" and done["retire"] is True
        with open(f"/proc/{proc.proc.pid}/limits") as f:
            line = next(ln for ln in f if ln.startswith("Max address space"))
        assert line.split()[3:5] == [str(256 << 20)] * 2
    finally:
        proc.kill()
