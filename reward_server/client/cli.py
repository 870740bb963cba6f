"""`reward-client`: try a reward server by hand.

reward-client info
reward-client score --math-gold 42 "<think>6*7</think> The answer is \\boxed{42}" "41"
reward-client score --group-json group.json     # a reward.v1.Group in protobuf JSON
reward-client moderate trace.txt > redacted.txt  # PII and secrets redacted (or stdin)

Exits 1 when the server refuses the request or cannot judge a group (GroupResult.error).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import grpc
from google.protobuf import json_format

from reward_server.api import reward_pb2
from reward_server.client.groups import math_group, reward_spec
from reward_server.client.sync import RewardClient
from reward_server.moderation import moderate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reward-client",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target",
        default=None,
        help="server address(es), comma-separated (default $REWARD_SERVER_TARGETS "
        "or 127.0.0.1:50051)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="deadline in seconds")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print what the server can judge and its limits")
    score = sub.add_parser("score", help="score completions")
    score.add_argument("completions", nargs="*", help="completions to score")
    score.add_argument("--math-gold", help="gold answer of a math task")
    score.add_argument(
        "--group-json",
        type=Path,
        help="a file holding one reward.v1.Group (or ScoreRequest) as JSON",
    )
    score.add_argument("--format-weight", type=float, default=0.0)
    score.add_argument("--max-length", type=int, default=0)
    score.add_argument("--overlong-buffer", type=int, default=0)
    score.add_argument(
        "--language", default="", help="ISO 639-1 code the reasoning should be written in"
    )
    score.add_argument("--language-weight", type=float, default=0.0)
    score.add_argument("--json", action="store_true", help="print the result as JSON")
    mod = sub.add_parser(
        "moderate",
        help="print a text with PII and secrets redacted (needs the [moderation] extra); "
        "what was found goes to stderr",
    )
    mod.add_argument("file", nargs="?", type=Path, help="the text (default: stdin)")
    mod.add_argument(
        "--json", action="store_true", help="print {text, findings: [{kind, start, end}]}"
    )
    return parser


def _moderate(args: argparse.Namespace) -> int:
    text = args.file.read_text(encoding="utf-8") if args.file else sys.stdin.read()
    try:
        moderated = moderate(text)
    except ModuleNotFoundError as err:
        print(f"reward-client: {err}", file=sys.stderr)
        return 1
    findings = [{"kind": f.kind, "start": f.start, "end": f.end} for f in moderated.findings]
    if args.json:
        print(json.dumps({"text": moderated.text, "findings": findings}))
        return 0
    sys.stdout.write(moderated.text)
    found = ", ".join(f"{f['kind']} {f['start']}-{f['end']}" for f in findings) or "nothing"
    print(f"reward-client moderate: redacted {found}", file=sys.stderr)
    return 0


def _groups(args: argparse.Namespace) -> list[reward_pb2.Group]:
    if args.group_json:
        text = args.group_json.read_text()
        try:
            return list(json_format.Parse(text, reward_pb2.ScoreRequest()).groups)
        except json_format.ParseError:
            return [json_format.Parse(text, reward_pb2.Group())]
    if args.math_gold is None:
        raise SystemExit("reward-client score: give --math-gold GOLD or --group-json FILE")
    if not args.completions:
        raise SystemExit("reward-client score: give at least one completion")
    spec = reward_spec(
        args.format_weight,
        args.max_length,
        args.overlong_buffer,
        language=args.language,
        language_weight=args.language_weight,
    )
    return [math_group(args.math_gold, args.completions, group_id="cli", reward=spec)]


def _print_result(result: reward_pb2.GroupResult) -> None:
    if result.HasField("error"):
        print(f"group {result.group_id}: not judged: {result.error.code}: {result.error.message}")
        return
    print(f"group {result.group_id}: mean {result.reward_mean:.3f} std {result.reward_std:.3f}")
    for i, s in enumerate(result.scores):
        parts = " ".join(f"{k}={v:g}" for k, v in sorted(s.components.items()))
        tests = f" tests {s.tests_passed}/{s.tests_total}" if s.tests_total else ""
        print(
            f"  [{i}] {reward_pb2.Verdict.Name(s.verdict):<13} reward {s.reward:.3f} "
            f"answer={s.extracted_answer!r}{tests} ({s.detail}) {parts}"
        )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "moderate":  # local: no server involved
        return _moderate(args)
    try:
        with RewardClient(args.target, timeout=args.timeout) as client:
            if args.command == "info":
                print(json_format.MessageToJson(client.info()))
                return 0
            results = client.score(_groups(args))
    except grpc.RpcError as err:
        print(f"reward-client: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    for result in results:
        if args.json:
            print(json_format.MessageToJson(result))
        else:
            _print_result(result)
    return 1 if any(r.HasField("error") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
