"""Regenerates the committed gRPC stubs from proto/reward/v1/reward.proto.

Run `python scripts/generate_proto.py` (or `make proto`) after editing the proto; a test
fails when the committed stubs drift from it. A development tool: it needs grpcio-tools
(the dev extra) and is not part of the installed package.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from grpc_tools import protoc

REPO_ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = REPO_ROOT / "proto"
PROTO_FILE = "reward/v1/reward.proto"
OUT_DIR = REPO_ROOT / "reward_server" / "api"
GENERATED = ("reward_pb2.py", "reward_pb2.pyi", "reward_pb2_grpc.py")


def generate() -> dict[str, str]:
    """Returns {file name: text} of the stubs for the current proto."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTO_ROOT}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            str(PROTO_ROOT / PROTO_FILE),
        ]
        if protoc.main(args) != 0:
            raise RuntimeError(f"protoc failed on {PROTO_ROOT / PROTO_FILE}")
        out = Path(tmp) / "reward" / "v1"
        files = {name: (out / name).read_text() for name in GENERATED}
    # protoc writes absolute imports of the proto path; the stubs live in this package.
    files["reward_pb2_grpc.py"] = files["reward_pb2_grpc.py"].replace(
        "from reward.v1 import reward_pb2", "from reward_server.api import reward_pb2"
    )
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    for name, text in generate().items():
        (OUT_DIR / name).write_text(text)
        print(f"wrote {OUT_DIR / name}")


if __name__ == "__main__":
    main()
