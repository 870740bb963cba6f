"""Pass/fail decisions. Runs in the server, on plain data that came out of the sandbox.

Nothing the candidate prints or returns is taken as a claim of success: a test passes
only when these functions, applied to the candidate's output bytes or decoded values
(fresh builtins), say it matches what the task expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from reward_server.api import reward_pb2
from reward_server.outcome import Outcome, TestResult, Verdict


def passed() -> TestResult:
    return TestResult(True, Verdict.CORRECT)


def failed(verdict: Verdict, detail: str) -> TestResult:
    return TestResult(False, verdict, detail[:500])


@dataclass(frozen=True)
class CompareRule:
    """How an io test's output is compared with the expected output (IoTests.compare).

    The default is exact, line by line, ignoring trailing whitespace and trailing blank
    lines. Tolerances compare number tokens: equal within abs OR rel tolerance.
    ignore_whitespace compares the whitespace-separated tokens of the whole output.
    """

    abs_tolerance: float = 0.0
    rel_tolerance: float = 0.0
    ignore_case: bool = False
    ignore_whitespace: bool = False

    @property
    def tolerant(self) -> bool:
        return self.abs_tolerance > 0 or self.rel_tolerance > 0


def compare_rule(compare: reward_pb2.Compare | None, float_tolerance: float = 0.0) -> CompareRule:
    """The rule of a task's Compare message; None (unset) gives the server-wide default,
    where --float-tolerance is both the absolute and the relative tolerance."""
    if compare is None:
        return CompareRule(float_tolerance, float_tolerance)
    return CompareRule(
        abs_tolerance=float(compare.abs_tolerance),
        rel_tolerance=float(compare.rel_tolerance),
        ignore_case=bool(compare.ignore_case),
        ignore_whitespace=bool(compare.ignore_whitespace),
    )


def _lines(text: str) -> list[str]:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _close(a: float, b: float, rule: CompareRule) -> bool:
    return math.isclose(a, b, rel_tol=rule.rel_tolerance, abs_tol=rule.abs_tolerance)


def _tokens_match(g: list[str], w: list[str], rule: CompareRule) -> bool:
    if len(g) != len(w):
        return False
    for x, y in zip(g, w, strict=True):
        if x == y:
            continue
        if rule.tolerant and _NUM.match(x) and _NUM.match(y):
            if _close(float(x), float(y), rule):
                continue
            return False
        if not (rule.ignore_case and x.casefold() == y.casefold()):
            return False
    return True


def output_matches(got: str, want: str, rule: CompareRule | float | None = None) -> bool:
    """Whether a program's output matches the expected output under `rule` (default:
    exact lines, tolerant of trailing whitespace and trailing blank lines; a number is
    the server-wide float tolerance)."""
    if not isinstance(rule, CompareRule):
        rule = compare_rule(None, float(rule or 0.0))
    if rule.ignore_whitespace:
        return _tokens_match(got.split(), want.split(), rule)
    g, w = _lines(got), _lines(want)
    if g == w:
        return True
    if len(g) != len(w):
        return False
    if rule.tolerant:
        return all(_tokens_match(x.split(), y.split(), rule) for x, y in zip(g, w, strict=True))
    if rule.ignore_case:
        return all(x.casefold() == y.casefold() for x, y in zip(g, w, strict=True))
    return False


def plain_equal(got: object, want: object, float_tolerance: float = 0.0) -> bool:
    """Compares a decoded return value with the decoded expected data.

    JSON has no tuples, so sequences (list, tuple, namedtuple, range) compare item by item
    whatever their kind; bool never equals a number; numbers (int, float, Fraction,
    Decimal) compare by value, floats with the tolerance; dicts (Counter, OrderedDict and
    defaultdict too) by keys and values; other expected values, given in tagged form
    (sets, bytes, complex, ...), must match in kind and value.
    """
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is bool and type(want) is bool and got == want
    if _is_number(want) and _is_number(got):
        return _numbers_equal(got, want, float_tolerance)
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple, range)):
        return len(got) == len(want) and all(
            plain_equal(g, w, float_tolerance) for g, w in zip(got, want, strict=True)
        )
    if isinstance(want, dict) and isinstance(got, dict):
        return set(got) == set(want) and all(
            plain_equal(got[k], want[k], float_tolerance) for k in want
        )
    if want is None or isinstance(want, str):
        return type(got) is type(want) and got == want
    for kinds in ((set, frozenset), (bytes, bytearray)):
        if isinstance(want, kinds) and isinstance(got, kinds):
            return got == want
    return type(got) is type(want) and got == want


def _is_number(x: object) -> bool:
    return type(x) in (int, float) or isinstance(x, (Fraction, Decimal))


def _numbers_equal(got: object, want: object, tol: float) -> bool:
    try:
        if got == want:  # exact, across int, float, Fraction and Decimal
            return True
        if type(got) is not float and type(want) is not float:
            return False
        g, w = float(got), float(want)
    except (ArithmeticError, ValueError):  # overflow, a signalling Decimal NaN
        return False
    if math.isnan(g) or math.isnan(w):
        return math.isnan(g) and math.isnan(w)
    if g == w and not (type(got) is int or type(want) is int):
        return True  # an exact number that rounds to the JSON float (Decimal("3.3"), 3.3)
    return tol > 0 and math.isclose(g, w, rel_tol=tol, abs_tol=tol)


def run_failure(res: dict, memory_mb: int) -> TestResult | None:
    """Maps a supervisor run report to a failure, or None when the program ran cleanly."""
    reason = res.get("reason")
    stderr = res.get("stderr", "")
    if reason == "timeout":
        return failed(Verdict.TIME_LIMIT, f"exceeded the time limit ({res.get('wall')}s wall)")
    if reason == "output_limit":
        return failed(Verdict.OUTPUT_LIMIT, "output exceeded the limit")
    if res.get("leftover"):
        return failed(Verdict.RUNTIME_ERROR, "left processes running after it exited")
    code, sig = res.get("exit_code"), res.get("signal")
    if code == 0 and sig is None and reason in ("exited", "ok"):
        return None
    tail = stderr.strip().splitlines()[-1:] or [""]
    out_of_memory = res.get("out_of_memory")  # the runtime's own words (memory_markers)
    if out_of_memory or any(m in stderr for m in ("MemoryError", "bad_alloc", "Cannot allocate")):
        return failed(Verdict.MEMORY_LIMIT, f"exceeded the memory limit ({memory_mb} MiB)")
    if sig == 9 and not res.get("killed"):  # our own kills are "timeout" or flagged
        return failed(Verdict.MEMORY_LIMIT, f"killed, most likely out of memory ({memory_mb} MiB)")
    if sig is not None:
        return failed(Verdict.RUNTIME_ERROR, f"killed by signal {sig}: {tail[0]}")
    if reason == "died":
        return failed(Verdict.RUNTIME_ERROR, f"the program exited during the test: {tail[0]}")
    return failed(Verdict.RUNTIME_ERROR, f"exit code {code}: {tail[0]}")


def not_run(why: str) -> TestResult:
    """A test that did not run (VERDICT_UNSPECIFIED) and why."""
    return TestResult(False, Verdict.VERDICT_UNSPECIFIED, f"not run: {why}")


def timed(result: TestResult, res: dict) -> TestResult:
    """The result with the wall time of the run the supervisor reported."""
    return replace(result, time_s=float(res.get("wall") or 0.0))


def test_reports(results: list[TestResult], total: int) -> list[TestResult]:
    """One result per test, in order: the ones that ran, then the ones that did not."""
    if results and results[0].verdict == Verdict.COMPILE_ERROR:
        return [not_run("the program did not compile")] * total
    why = "an earlier test failed" if any(not r.passed for r in results) else "stopped early"
    return results[:total] + [not_run(why)] * (total - len(results))


def combine(
    results: list[TestResult],
    total: int,
    partial_credit: bool,
    extracted: str,
    report: bool = False,
) -> Outcome:
    """One Outcome from per-test results; tests never run (early stop) count as failed.
    `report`: the Outcome carries one result per test (CodeTask.report_tests)."""
    tests = test_reports(results, total) if report else []
    n_pass = sum(r.passed for r in results)
    first_fail = next((r for r in results if not r.passed), None)
    if first_fail is None and n_pass == total and total > 0:
        return Outcome(
            Verdict.CORRECT, 1.0, extracted, f"passed {n_pass}/{total} tests", n_pass, total, tests
        )
    verdict = first_fail.verdict if first_fail else Verdict.WRONG
    credit = n_pass / total if partial_credit and total else 0.0
    detail = first_fail.detail if first_fail else "not every test ran"
    return Outcome(verdict, credit, extracted, detail, n_pass, total, tests)
