"""What a trainer imports from the base install must not pull in the server's dependencies."""

from __future__ import annotations

import subprocess
import sys

import pytest

SERVER_ONLY = ("docker", "sympy", "math_verify", "torch", "prometheus_client", "py3langid")
CLIENT_MODULES = (
    "reward_server.client",
    "reward_server.client.cli",
    "reward_server.integrations.common",
    "reward_server.integrations.trl",
    "reward_server.integrations.verl",
    "reward_server.launch",
)


@pytest.mark.parametrize("module", CLIENT_MODULES)
def test_client_modules_import_nothing_server_only(module):
    code = f"import sys, {module}\nprint(sorted(m for m in {SERVER_ONLY!r} if m in sys.modules))\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", f"{module} imports {run.stdout.strip()}"
