"""Math judge accuracy: this server's judge vs Math-Verify, on the same (gold, answer) pairs.

Two sets, both in tests/fixtures/:
- mathverify_suite/cases.jsonl: the 255 parametrized regression cases of Math-Verify's own
  test suite (Apache 2.0, see its LICENCE). Agreement with their expected verdicts is
  printed for our judge and for Math-Verify run with its default settings (their tests use
  extraction settings of their own for some cases, so it does not agree with all of them).
- math_hard_pairs.jsonl: hard pairs by class (labelled answers, solution sets, relations,
  numbers written differently, rounded-decimal golds, functions and equations, text-wrapped
  answers, false-positive traps), about half equivalent. Accuracy and false positives
  (a non-equivalent pair judged correct) are printed per judge, overall and per class.

Both judges see the same text: ours through `parse_gold` / `verify` in this process (the
code every math worker runs) or, with --target, through a running server's gRPC contract
(one group per pair); Math-Verify through `parse` / `verify` (gold and answer parsed with
its default extraction; on the hard pairs a gold without math delimiters is wrapped in
"$...$", as its LaTeX extraction needs them; the suite's golds are as its tests give
them). `--disagreements` lists the cases where ours differs.

    python bench/math_accuracy.py [--disagreements] [--target HOST:PORT]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reward_server.outcome import Verdict  # noqa: E402
from reward_server.verifiers.math.verify import parse_gold, verify  # noqa: E402

SUITE = REPO / "tests" / "fixtures" / "mathverify_suite" / "cases.jsonl"
HARD = REPO / "tests" / "fixtures" / "math_hard_pairs.jsonl"


def ours(gold: str, answer: str) -> bool:
    try:
        parsed = parse_gold(gold)
    except ValueError:
        return False  # the server refuses such a gold as a group error: nothing is correct
    return verify(parsed, answer).verdict == Verdict.CORRECT


def math_verify(gold: str, answer: str) -> bool:
    from math_verify import parse
    from math_verify import verify as mv_verify

    try:
        return bool(mv_verify(parse(gold), parse(answer)))
    except Exception:  # a crash of the library counts as not correct
        return False


def load(path: Path, answer_key: str) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [{**r, "answer": r[answer_key]} for r in rows]


def delimited(gold: str) -> str:
    """Math-Verify's LaTeX extraction needs delimiters: a bare LaTeX gold goes in $...$."""
    return gold if "$" in gold or "\\boxed" in gold else f"${gold}$"


def through_server(address: str, rows: list[dict]) -> list[bool]:
    """Our verdicts through a running server's gRPC contract: one group per pair, a gold
    the server refuses (a group error) counts as not correct."""
    from reward_server.client import RewardClient, math_group

    with RewardClient(address, timeout=120) as client:
        client.wait_ready(60)
        groups = [
            math_group(r["gold"], [r["answer"]], group_id=f"p{i}") for i, r in enumerate(rows)
        ]
        results = []
        for start in range(0, len(groups), 32):
            results += client.score(groups[start : start + 32])
    return [
        not result.HasField("error") and result.scores[0].components["correctness"] == 1.0
        for result in results
    ]


def judge_all(rows: list[dict], wrap_gold: bool, target: str | None) -> dict[str, list[bool]]:
    verdicts: dict[str, list[bool]] = {}
    for name, judge in (("this server", ours), ("Math-Verify", math_verify)):
        start = time.perf_counter()
        wrap = wrap_gold and judge is math_verify
        if judge is ours and target:
            verdicts[name] = through_server(target, rows)
        else:
            verdicts[name] = [
                judge(delimited(r["gold"]) if wrap else r["gold"], r["answer"]) for r in rows
            ]
        print(f"  {name}: judged {len(rows)} pairs in {time.perf_counter() - start:.1f} s")
    return verdicts


def suite_report(rows: list[dict], verdicts: dict[str, list[bool]], show: bool) -> None:
    print(f"\nMath-Verify's regression cases ({len(rows)}): agreement with their expectation")
    for name, said in verdicts.items():
        agree = sum(s == r["equal"] for s, r in zip(said, rows, strict=True))
        print(f"  {name:12s} {agree:4d} / {len(rows)}")
    if show:
        for i, (s, r) in enumerate(zip(verdicts["this server"], rows, strict=True)):
            if s != r["equal"]:
                print(f"    #{i} expected {r['equal']}: {r['gold'][:60]!r} <- {r['answer'][:80]!r}")


def hard_report(rows: list[dict], verdicts: dict[str, list[bool]], show: bool) -> None:
    positives = sum(r["equal"] for r in rows)
    print(f"\nHard pairs ({len(rows)}: {positives} equivalent, {len(rows) - positives} not)")
    print(f"  {'judge':12s} {'accuracy':>8s} {'false pos':>9s} {'false neg':>9s}")
    for name, said in verdicts.items():
        right = sum(s == r["equal"] for s, r in zip(said, rows, strict=True))
        fp = sum(s and not r["equal"] for s, r in zip(said, rows, strict=True))
        fn = sum(r["equal"] and not s for s, r in zip(said, rows, strict=True))
        print(f"  {name:12s} {right / len(rows):8.3f} {fp:9d} {fn:9d}")
    by_class: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_class[r["class"]].append(i)
    print(f"\n  {'class':12s} {'pairs':>5s} " + " ".join(f"{n:>12s}" for n in verdicts))
    for cls, indices in by_class.items():
        cells = []
        for said in verdicts.values():
            right = sum(said[i] == rows[i]["equal"] for i in indices)
            cells.append(f"{right:>5d} right")
        print(f"  {cls:12s} {len(indices):5d} " + " ".join(f"{c:>12s}" for c in cells))
    if show:
        for s, r in zip(verdicts["this server"], rows, strict=True):
            if s != r["equal"]:
                print(f"    [{r['class']}] expected {r['equal']}: {r['gold']!r} <- {r['answer']!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--disagreements", action="store_true", help="list our misses")
    parser.add_argument("--target", help="HOST:PORT of a running server to judge ours through")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # Math-Verify warns on every unparsable answer
    suite = load(SUITE, "pred")
    print("Math-Verify's regression cases:")
    suite_report(suite, judge_all(suite, False, args.target), args.disagreements)
    hard = load(HARD, "answer")
    print("\nHard pairs:")
    hard_report(hard, judge_all(hard, True, args.target), args.disagreements)


if __name__ == "__main__":
    main()
