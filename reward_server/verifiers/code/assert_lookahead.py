"""Look-ahead for the proxy calls a test decides at run time, for the assert-test judge.

assert_predict sees the calls written in the test code; a loop over generated inputs
(`for _ in range(100): x = rng.randint(0, 99); assert candidate(x) == ref(x)`) it
cannot see, and would cost one round trip per call. Here a forked copy of the judge runs
the rest of the test step as if the call had answered, and reports the calls it makes
next, which then go in the same round trip as the call itself.

In the copy a call's result is a stand-in (`_Result`). Compared with data by `==` or
`!=` it is assumed equal (True, or False), and the calls reported after that carry the
assumption ("assume"); other comparisons, arithmetic and the math module's functions on
it give PENDING, which an assert passes. It may be passed whole as an argument of a later
call: that call is reported with a reference to the earlier one ("refs"), so a chain
such as `candidate(encode(s))` or `poly(xs, candidate(xs))` goes in one round trip too.
Anything else done with it (a branch on PENDING, a loop, a conversion, an item or
attribute) ends the copy. Every call the copy reports is marked "guard": the call server
(harness.py) skips it, and the rest of the batch, when a call before it in the batch
changed an argument or returned other than assumed. So the program sees exactly the
calls a one-at-a-time run makes (short of a failed assert on PENDING or on a NaN), as
long as the test code is deterministic: the copy starts from the judge's exact state,
`random`'s global generator included. It also ends after MAX_CALLS calls, on any
use of the channel to the server, and when WAIT_S is up. The judge (assert_judge.Proxy)
still compares every actual call, references filled in from the replies (expected_keys),
with the reported one and drops the rest of the replies at the first difference; then
this job looks ahead no further, so a wrong look-ahead costs at most MAX_CALLS calls the
candidate need not have answered, once per job. No candidate code or data runs here: the
copy is the judge's own process image, as the uid the judge runs as. A copy's report is
kept, keyed by everything it depends on (state_key), so the other samples of a group
that reach the same state reuse it without a copy; one the actual calls did not follow
is forgotten.
"""

from __future__ import annotations

import ast
import cmath
import contextlib
import functools
import json
import math
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
# than the one round trip it would save (a test that branches on every result). One whose
# batch the call server cut short (a call changed an argument) is not looked ahead from
# again either.
LOOK_MISSES = 2
LOOK_USEFUL = 2
MAX_ASSUMED_CHARS = 1 << 14  # a result is not assumed equal to bigger data (the line's size)
MAX_KEPT = 1024  # look-ahead results kept (see recall)
MAX_KEPT_CHARS = 1 << 16  # a bigger result is not kept
WAIT_S = 0.25  # how long the judge waits for them; the copy usually needs well under 1 ms
COPY_ALARM_S = 2  # the copy's own wall-clock bound, should the judge die first
ASSERT_HOOK = "__judge_assert__"  # the name instrumented asserts call (see compile_step)

_copy: dict = {"fd": -1, "calls": 0, "to_wire": None, "assumed": []}
_kept: dict[int, list[str]] = {}  # oldest first


def in_copy() -> bool:
    """True in the look-ahead copy of the judge."""
    return _copy["fd"] >= 0


def end_copy() -> None:
    """Ends the look-ahead copy (what it reported so far stands)."""
    os._exit(0)


def _ends(*_args, **_kwargs):
    end_copy()


def _pending(*_args):
    return PENDING


class _Pending:
    """A value the copy cannot know (only there: the real run never sees one)."""

    __slots__ = ()
    # What a test's comparison needs keeps the copy going; what would decide on the value
    # (truth, iteration, conversion, hashing, attributes) ends it.
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _pending
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _pending
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _pending
    __mod__ = __rmod__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __round__ = _pending
    __bool__ = __len__ = __iter__ = __reversed__ = __contains__ = __hash__ = _ends
    __int__ = __float__ = __complex__ = __index__ = __str__ = __repr__ = __format__ = _ends
    __bytes__ = __getattr__ = __getitem__ = __call__ = _ends

    def __copy__(self):  # a copy of a result has the result's value
        return self

    def __deepcopy__(self, _memo):
        return self


class _Result(_Pending):
    """The result of the copy's call number `index` (0: the call it was forked at), which
    a later call may take whole as an argument."""

    __slots__ = ("index",)
    __hash__ = _ends

    def __init__(self, index: int) -> None:
        self.index = index

    def __eq__(self, other: object) -> object:
        return _assume_equal(self, other, True)

    def __ne__(self, other: object) -> object:
        return _assume_equal(self, other, False)


def _assume_equal(result: _Result, other: object, equal: bool) -> object:
    """`result == other` in the copy: `equal` (what a passing test sees) when `other` is
    data, and the calls reported next carry the assumption; PENDING otherwise."""
    if isinstance(other, _Pending):
        return PENDING
    try:
        wire = _copy["to_wire"](other)
        if len(json.dumps(wire, separators=(",", ":"))) > MAX_ASSUMED_CHARS:
            return PENDING
    except Exception:  # not data
        return PENDING
    _copy["assumed"].append([result.index, wire])
    return equal


PENDING = _Pending()


def assert_value(value: object) -> object:
    """What an instrumented assert tests: the value itself, or True for a stand-in."""
    return True if isinstance(value, _Pending) else value


def forked_result() -> object:
    """In the copy: the result of the call the copy was forked at."""
    return _Result(0)


def _passes_pending(fn: Callable) -> Callable:
    def wrapper(*args, **kwargs):
        if any(isinstance(a, _Pending) for a in (*args, *kwargs.values())):
            return PENDING
        return fn(*args, **kwargs)

    return wrapper


def _math_passes_pending() -> None:
    """In the copy only: `math.fabs(poly(xs, x)) < 1e-6` and `math.isclose(r, 0.5)` give
    PENDING, as the same test written with abs() does."""
    for module in (math, cmath):
        for name, fn in list(vars(module).items()):
            if callable(fn) and not name.startswith("_"):
                setattr(module, name, _passes_pending(fn))


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


def ahead_of(
    state: dict, name: str, key: str, to_wire: Callable[[object], object]
) -> list[str] | None:
    """For the judge's proxy `name` called as `key` in a job whose `state` this keeps: the
    calls that come after this one (call lines), [] when not looked for, None in the
    look-ahead copy itself. `to_wire` encodes the data a result is assumed equal to."""
    misses = state.setdefault("look_misses", {})
    if state.get("no_look") or misses.get(name, 0) >= LOOK_MISSES or not hasattr(os, "fork"):
        return []
    seen = state_key(state.get("trace"), key, state.get("random", True))
    state["ahead_key"] = seen
    ahead = recall(seen)
    if ahead is None:
        t0 = time.monotonic()
        ahead = look_ahead(to_wire)
        if ahead is None:
            return None
        remember(seen, ahead)
        state["look_s"] = state.get("look_s", 0.0) + time.monotonic() - t0
        state["no_look"] = state["look_s"] > LOOK_BUDGET_S
    misses[name] = 0 if len(ahead) >= LOOK_USEFUL else misses.get(name, 0) + 1
    return ahead


def look_ahead(to_wire: Callable[[object], object] = repr) -> list[str] | None:
    """Forks the copy. In the judge: the calls the copy made next (call lines, in order,
    possibly none). In the copy: None (its caller returns forked_result())."""
    rnd = sys.modules.get("random")
    saved = rnd.getstate() if rnd is not None else None
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _copy.update(fd=w, calls=0, to_wire=to_wire, assumed=[])
        signal.alarm(COPY_ALARM_S)  # SIGALRM's default action ends it
        if saved is not None:  # random's at-fork hook reseeded its generator in the copy
            rnd.setstate(saved)
        _math_passes_pending()
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


def record(name: str, args: tuple, kwargs: dict, encode: Callable[..., dict]) -> object:
    """A proxy call in the copy: reports it and returns its stand-in result, or ends the
    copy when its arguments are not known here (built on a result) or cannot be sent.
    `encode(name, args, kwargs)` gives the call as a dict (assert_calls.encode_call)."""
    index = _copy["calls"] + 1
    refs: list[list] = []
    args, kwargs = list(args), dict(kwargs)
    for where, value in (*enumerate(args), *kwargs.items()):
        if type(value) is _Result:  # a result passed whole: the call server fills it in
            refs.append([where, index - value.index])
            if type(where) is int:
                args[where] = None
            else:
                kwargs[where] = None
    try:
        call = encode(name, tuple(args), kwargs)
        call["guard"] = True
        if refs:
            call["refs"] = refs
        if _copy["assumed"]:  # checked once, before this call: each holds or the rest go
            call["assume"] = [[index - i, wire] for i, wire in _copy["assumed"]]
            _copy["assumed"] = []
        line = json.dumps(call, separators=(",", ":"))
    except Exception:  # PENDING in the arguments, or not data: the real call decides
        end_copy()
    data = memoryview((line + "\n").encode())
    while data:
        data = data[os.write(_copy["fd"], data) :]
    _copy["calls"] = index
    if index >= MAX_CALLS:
        end_copy()
    return _Result(index)


def keep_referred(calls: list[dict]) -> None:
    """Marks the calls of a batch whose results a later one refers to or assumes, for the
    call server to keep (calls[0] is the call the copy was forked at)."""
    for i, call in enumerate(calls):
        backs = [back for _where, back in call.get("refs", ())]
        for back in backs + [back for back, _wire in call.get("assume", ())]:
            calls[i - back]["keep"] = True


def expected_keys(calls: list[dict], replies: list[dict]) -> tuple[list[tuple], bool]:
    """For the calls after the first of a batch: (the call key the test's actual call must
    have for the reply to be its answer, or None when no call can match, the reply), up
    to the first call the call server skipped; and whether one was skipped."""
    results: dict[int, object] = {}  # index -> wire of the result a call returned
    entries: list[tuple] = []
    for i, (call, reply) in enumerate(zip(calls, replies, strict=False)):
        msg = _parsed(reply)
        if msg.get("skipped") is True:
            return entries, True
        if i:
            entries.append((_filled_key(call, i, results), reply))
        if "ok" in msg:
            results[i] = msg["ok"]
    return entries, False


def _parsed(reply: dict) -> dict:
    try:
        msg = json.loads(reply.get("line", "{}"))
    except (ValueError, RecursionError):
        return {}
    return msg if isinstance(msg, dict) else {}


def _filled_key(call: dict, index: int, results: dict) -> str | None:
    plain = {k: v for k, v in call.items() if k not in ("guard", "keep", "refs", "assume")}
    if call.get("refs"):
        plain["args"] = list(plain["args"])
        plain["kwargs"] = dict(plain.get("kwargs", {}))
        for where, back in call["refs"]:
            if index - back not in results:
                return None  # that call raised or failed: the test went another way
            plain["args" if type(where) is int else "kwargs"][where] = results[index - back]
        if not plain["kwargs"]:
            del plain["kwargs"]
    return json.dumps(plain, separators=(",", ":"))
