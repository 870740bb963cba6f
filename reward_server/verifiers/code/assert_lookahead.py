"""Look-ahead for the proxy calls a test decides at run time, for the assert-test judge.

assert_predict sees the calls written in the test code; a loop over generated inputs
(`for _ in range(100): x = rng.randint(0, 99); assert candidate(x) == ref(x)`) it
cannot see, and would cost one round trip per call. Here a forked copy of the judge runs
the rest of the test step as if the call had answered, and reports the calls it makes
next, which then go in the same round trip as the call itself.

In the copy a call's result is PENDING: an assert may test it (and passes), arithmetic
and comparisons give PENDING again, and anything else done with it (a branch, a loop, a
conversion, an argument of another call) ends the copy. So every call it reports is the
one the real run makes next, with the same arguments, as long as the test code is
deterministic: the copy starts from the judge's exact state, `random`'s global generator
included. It also ends after a call with an argument that can change in place (the real
call may change it), after MAX_CALLS calls, on any use of the channel to the server, and
when WAIT_S is up. The judge (assert_judge.Proxy) still compares every actual call with
the reported one and drops the rest of the replies at the first difference; then this job
looks ahead no further, so a wrong look-ahead costs at most MAX_CALLS calls the candidate
need not have answered, once per job. No candidate code or data runs here: the copy is
the judge's own process image, as the uid the judge runs as. A copy's report is kept,
keyed by everything it depends on (state_key), so the other samples of a group that
reach the same state reuse it without a copy; one the actual calls did not follow is
forgotten.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import os
import select
import signal
import sys
import time
from collections.abc import Callable

MAX_CALLS = 64  # calls reported by one look-ahead
# Wall time one job may spend waiting for look-aheads before it makes its remaining calls
# one round trip at a time.
LOOK_BUDGET_S = 1.0
# A proxy whose look-aheads reported fewer than LOOK_USEFUL calls this many times in a row
# is not looked ahead from again in the job: a copy (a fork of the judge) costs more CPU
# than the one round trip it would save (HumanEval 38/50 chain each call on the last).
LOOK_MISSES = 2
LOOK_USEFUL = 2
MAX_KEPT = 1024  # look-ahead results kept (see recall)
MAX_KEPT_CHARS = 1 << 16  # a bigger result is not kept
WAIT_S = 0.25  # how long the judge waits for them; the copy usually needs well under 1 ms
COPY_ALARM_S = 2  # the copy's own wall-clock bound, should the judge die first
ASSERT_HOOK = "__judge_assert__"  # the name instrumented asserts call (see compile_step)
_PLAIN = (int, float, complex, str, bytes, bool, type(None))

_copy = {"fd": -1, "calls": 0}
_kept: dict[int, list[str]] = {}  # oldest first


def in_copy() -> bool:
    """True in the look-ahead copy of the judge."""
    return _copy["fd"] >= 0


def end_copy() -> None:
    """Ends the look-ahead copy (what it reported so far stands)."""
    os._exit(0)


def _ends(*_args, **_kwargs):
    end_copy()


def _same(self, *_args):
    return self


class _Pending:
    """A call's result in the look-ahead copy (only there: the real run never sees it)."""

    __slots__ = ()
    # What a test's comparison needs keeps the copy going; what would decide on the value
    # (truth, iteration, conversion, hashing, attributes) ends it.
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _same
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same
    __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __round__ = _same
    __bool__ = __len__ = __iter__ = __reversed__ = __contains__ = __hash__ = _ends
    __int__ = __float__ = __complex__ = __index__ = __str__ = __repr__ = __format__ = _ends
    __bytes__ = __getattr__ = __getitem__ = __call__ = _ends


PENDING = _Pending()


def assert_value(value: object) -> object:
    """What an instrumented assert tests: the value itself, or True for PENDING."""
    return True if value is PENDING else value


class _AssertHook(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        self.generic_visit(node)
        hook = ast.Call(ast.Name(ASSERT_HOOK, ast.Load()), [node.test], [])
        node.test = ast.copy_location(hook, node.test)
        return node


@functools.lru_cache(maxsize=512)
def compile_step(code: str) -> object:
    """Compiles test code with every `assert X` as `assert __judge_assert__(X)`: the same
    test for every value (assert_value returns it), except PENDING in the copy. Kept:
    every sample of a group runs the same test code."""
    tree = _AssertHook().visit(ast.parse(code))
    return compile(ast.fix_missing_locations(tree), "<test>", "exec")


def plain(values: object, budget: int = 256) -> bool:
    """True when no value can change in place: numbers, strings, bytes and tuples or
    frozensets of them (at most `budget` items looked at)."""
    stack = [values]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        v = stack.pop()
        t = type(v)
        if t in _PLAIN:
            continue
        if t is tuple or t is frozenset:
            stack.extend(v)
            continue
        return False
    return True


def ahead_of(state: dict, name: str, args: tuple, key: str) -> list[str] | None:
    """For the judge's proxy `name` called with `args` (encoded as `key`) in a job whose
    `state` this keeps: the calls that come after this one (call_key lines), [] when not
    looked for, None in the look-ahead copy itself."""
    misses = state.setdefault("look_misses", {})
    if state.get("no_look") or misses.get(name, 0) >= LOOK_MISSES:
        return []
    if not hasattr(os, "fork") or not plain(args):
        return []  # the call may change an argument: what follows may depend on it
    seen = state_key(state.get("trace"), key, state.get("random", True))
    state["ahead_key"] = seen
    ahead = recall(seen)
    if ahead is None:
        t0 = time.monotonic()
        ahead = look_ahead()
        if ahead is None:
            return None
        remember(seen, ahead)
        state["look_s"] = state.get("look_s", 0.0) + time.monotonic() - t0
        state["no_look"] = state["look_s"] > LOOK_BUDGET_S
    misses[name] = 0 if len(ahead) >= LOOK_USEFUL else misses.get(name, 0) + 1
    return ahead


def look_ahead() -> list[str] | None:
    """Forks the copy. In the judge: the calls the copy made next (call_key lines, in
    order, possibly none). In the copy: None (its caller returns PENDING)."""
    rnd = sys.modules.get("random")
    saved = rnd.getstate() if rnd is not None else None
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _copy["fd"], _copy["calls"] = w, 0
        signal.alarm(COPY_ALARM_S)  # SIGALRM's default action ends it
        if saved is not None:  # random's at-fork hook reseeded its generator in the copy
            rnd.setstate(saved)
        return None
    os.close(w)
    try:
        return _collect(r)
    finally:
        os.close(r)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def state_key(trace: int, call: str, seeded: bool) -> int:
    """What a look-ahead from this call reports depends on, for deterministic test code:
    the job (test code and the program's names) and every reply the test saw so far (both
    in `trace`), the call itself and, for test code that may use it (`seeded`), the state
    of `random`'s global generator."""
    rnd = sys.modules.get("random") if seeded else None
    return hash((trace, call, hash(rnd.getstate()) if rnd is not None else 0))


def recall(key: int) -> list[str] | None:
    """A look-ahead's result from the same state before (the samples of a group run the
    same test code against answers that mostly agree), or None: look ahead afresh."""
    ahead = _kept.get(key)
    return None if ahead is None else list(ahead)


def remember(key: int, ahead: list[str]) -> None:
    if sum(map(len, ahead)) <= MAX_KEPT_CHARS:
        _kept[key] = list(ahead)
        while len(_kept) > MAX_KEPT:
            del _kept[next(iter(_kept))]


def forget(key: int | None) -> None:
    """A result the actual calls did not follow (test code that is not deterministic)."""
    _kept.pop(key, None)


def _collect(fd: int) -> list[str]:
    deadline = time.monotonic() + WAIT_S
    buf = b""
    lines: list[bytes] = []
    while len(lines) < MAX_CALLS:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        *done, buf = (buf + chunk).split(b"\n")
        lines += done
    return [line.decode() for line in lines[:MAX_CALLS]]


def record(name: str, args: tuple, kwargs: dict, encode: Callable[..., str]) -> object:
    """A proxy call in the copy: reports it and returns PENDING, or ends the copy when
    its arguments are not known here (built on a result) or cannot be sent."""
    try:
        line = encode(name, args, kwargs)
    except Exception:  # PENDING in the arguments, or not data: the real call decides
        end_copy()
    data = memoryview((line + "\n").encode())
    while data:
        data = data[os.write(_copy["fd"], data) :]
    _copy["calls"] += 1
    if _copy["calls"] >= MAX_CALLS or not plain((*args, *kwargs.values())):
        end_copy()  # the real call may change that argument: what follows may differ
    return PENDING
