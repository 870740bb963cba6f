"""`reward-server`: serve, or run the embedded demo."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys

from reward_server import config as config_mod
from reward_server.logs import setup_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reward-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gRPC reward server")
    config_mod.add_arguments(serve)
    demo = sub.add_parser(
        "demo", help="start a server and score a bundled sample of GSM8K-style groups"
    )
    demo.add_argument("--groups", type=int, default=64, help="groups to score (default 64)")
    demo.add_argument("--group-size", type=int, default=16, help="completions per group")
    demo.add_argument("--server", default=None, help="use this server instead of starting one")
    sub.add_parser("options", help="print every server option with its env variable")
    return parser


# What the `server` extra installs (the base install is the client only).
SERVER_MODULES = (
    "grpc_health",
    "grpc_reflection",
    "math_verify",
    "sympy",
    "prometheus_client",
    "docker",
)


def missing_server_modules() -> list[str]:
    return [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "options":
        print(config_mod.describe())
        return 0
    missing = missing_server_modules()
    if missing:
        print(
            f"reward-server: {args.command} needs the server extra (missing "
            f"{', '.join(missing)}): pip install 'reward-server[server]'",
            file=sys.stderr,
        )
        return 2
    if args.command == "demo":
        from reward_server.demo import run_demo

        return asyncio.run(run_demo(args.groups, args.group_size, args.server))
    try:
        cfg = config_mod.from_sources(args)
    except ValueError as err:
        print(f"reward-server: {err}", file=sys.stderr)
        return 2
    setup_logging(cfg.log_level, cfg.log_json)
    from reward_server.server import serve

    try:
        asyncio.run(serve(cfg))
    except (RuntimeError, OSError) as err:  # start-up failures: say what to fix, no traceback
        print(f"reward-server: cannot start: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
