"""Trace moderation measured on labelled snippets (moderation_cases.py): precision and
recall per kind and overall, printed, and held above floors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from moderation_cases import CASES

from reward_server.client import moderate
from reward_server.moderation import KINDS, Finding

# Measured on the 113 snippets: 1.00 for every kind but IP precision, 0.92 (a section
# number, 4.2.1.3, reads as an IPv4 address); overall 0.99 / 1.00. The floors leave room
# for a miss or two as cases are added, no more.
PRECISION_FLOOR = dict.fromkeys(KINDS, 0.9)
RECALL_FLOOR = dict.fromkeys(KINDS, 0.9)
OVERALL_FLOOR = 0.95


def spans(text: str, labels: list[tuple[str, str]]) -> list[Finding]:
    out, at = [], {}
    for kind, value in labels:
        start = text.index(value, at.get(value, 0))
        at[value] = start + len(value)
        out.append(Finding(kind, start, start + len(value)))
    return out


def covered(expected: Finding, found: list[Finding]) -> bool:
    return any(
        f.kind == expected.kind and f.start <= expected.start and expected.end <= f.end
        for f in found
    )


def overlaps(finding: Finding, expected: list[Finding]) -> bool:
    return any(
        e.kind == finding.kind and e.start < finding.end and finding.start < e.end for e in expected
    )


def measure() -> dict[str, tuple[int, int, int]]:
    """kind -> (true positives, false positives, false negatives)."""
    counts = {kind: [0, 0, 0] for kind in KINDS}
    for text, labels in CASES:
        expected = spans(text, labels)
        found = moderate(text).findings
        for e in expected:
            counts[e.kind][0 if covered(e, found) else 2] += 1
        for f in found:
            if not overlaps(f, expected):
                counts[f.kind][1] += 1
    return {kind: tuple(c) for kind, c in counts.items()}


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def test_precision_and_recall():
    counts = measure()
    rows = dict(counts)
    rows["overall"] = tuple(sum(c[i] for c in counts.values()) for i in range(3))
    print(f"\n{len(CASES)} snippets\n{'kind':<12} {'tp':>4} {'fp':>4} {'fn':>4}  prec  recall")
    for kind, (tp, fp, fn) in rows.items():
        precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
        print(f"{kind:<12} {tp:>4} {fp:>4} {fn:>4}  {precision:.2f}  {recall:.2f}")
    for kind, (tp, fp, fn) in counts.items():
        assert ratio(tp, tp + fp) >= PRECISION_FLOOR[kind], kind
        assert ratio(tp, tp + fn) >= RECALL_FLOOR[kind], kind
    tp, fp, fn = rows["overall"]
    assert ratio(tp, tp + fp) >= OVERALL_FLOOR and ratio(tp, tp + fn) >= OVERALL_FLOOR


def test_the_fixture_is_big_enough_and_covers_every_kind():
    assert len(CASES) >= 100
    kinds = {kind for _, labels in CASES for kind, _ in labels}
    assert kinds == set(KINDS)
    assert sum(1 for _, labels in CASES if not labels) >= 40  # hard negatives


@pytest.mark.parametrize(("text", "labels"), [c for c in CASES if c[1]][:40])
def test_redacted_text_holds_placeholders_not_the_values(text, labels):
    moderated = moderate(text)
    for kind, value in labels:
        if covered(spans(text, [(kind, value)])[0], moderated.findings):
            assert value not in moderated.text
            assert f"[{kind}]" in moderated.text


def test_spans_point_into_the_original_text():
    text = "Mail ann@example.com, then call (415) 555-2671."
    moderated = moderate(text)
    assert moderated.text == "Mail [EMAIL], then call [PHONE]."
    assert [text[f.start : f.end] for f in moderated.findings] == [
        "ann@example.com",
        "(415) 555-2671",
    ]


def test_overlapping_findings_keep_the_stronger_kind():
    key = (
        "-----BEGIN PRIVATE KEY-----\nAKIAIOSFODNN7EXAMPLE a@example.com\n-----END PRIVATE KEY-----"
    )
    assert moderate(key).text == "[PRIVATE_KEY]"


def test_without_the_extra_moderate_says_what_to_install():
    code = (
        "import sys; sys.modules['detect_secrets'] = None\n"
        "from reward_server.client import moderate\n"
        "moderate('x')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "pip install 'reward-server[moderation]'" in run.stderr


def test_reward_client_moderate_reads_a_file_or_stdin(tmp_path):
    trace = tmp_path / "trace.txt"
    trace.write_text("ssh root@198.51.100.7 with key AKIAIOSFODNN7EXAMPLE\n", encoding="utf-8")
    cli = [sys.executable, "-m", "reward_server.client.cli", "moderate"]
    run = subprocess.run([*cli, str(trace)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "ssh root@[IP] with key [SECRET]\n"
    assert "IP 9-21" in run.stderr and "SECRET" in run.stderr
    run = subprocess.run(
        [*cli, "--json"], input="mail a@example.com", capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "text": "mail [EMAIL]",
        "findings": [{"kind": "EMAIL", "start": 5, "end": 18}],
    }
