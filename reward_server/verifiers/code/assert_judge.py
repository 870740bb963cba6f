"""The assert-test judge: runs a task's test code against a proxy of the candidate.

Started by the server as its own process (as `nobody` when the server is root):
`python -I assert_judge.py SANDBOXES_PYTHON_DIR [--memory-mb MB] [--uid UID]`. No
candidate code ever runs here. The test code (HumanEval `check(candidate)` or MBPP
top-level asserts) is executed with `candidate` and the program's other top-level
functions bound to proxies; a proxy call is sent to the server, which forwards it to the
candidate's process in the sandbox and sends back the reply line. Return values are
decoded by valuecodec into fresh objects of the judge's own, so the asserts here compare
plain data, and each test's pass/fail is decided here. An argument the call changed in
place (a list sorted in place) comes back as data too, and the test's own object is
changed to match.

Protocol (JSON lines on private copies of stdin/stdout; the test code's prints go to
/dev/null): in {"op": "run", "test_code", "entry_point", "names", "stop_on_fail"};
out {"op": "begin", "index"} before each test, {"op": "calls", "calls": [call, ...]} for
one call, or for it and the calls known to follow it (see assert_predict.py and
assert_lookahead.py), where a call is {"name", "args", "kwargs"?, "track": true} (a call
made ahead also "guard", "refs", "assume" and "keep") or a read of a top-level value
{"get": name} (see harness.py), answered by {"replies": [candidate reply line, ...]}
plus {"fail": reason, "detail"} when a call did not answer; finally {"op": "done",
"results": [{"passed", "kind", "detail"}], "retire": bool} (retire: the judge ran out of
memory).
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import functools
import importlib
import json
import os
import re
import sys

if __package__:
    from . import assert_calls, assert_judge_start, assert_lookahead, assert_predict
else:  # run as a script with -I: its own folder is not on sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import assert_calls
    import assert_judge_start
    import assert_lookahead
    import assert_predict

    sys.path.pop(0)

# Modules a candidate program may have imported that test code may use by name; the judge
# imports its own copy (never the candidate's object) and only from this list.
SAFE_MODULES = frozenset(
    {
        "math",
        "cmath",
        "re",
        "string",
        "itertools",
        "functools",
        "collections",
        "heapq",
        "bisect",
        "random",
        "statistics",
        "fractions",
        "decimal",
        "operator",
        "copy",
        "hashlib",
        "json",
        "datetime",
        "typing",
    }
)


@functools.lru_cache(maxsize=256)  # every sample of a group runs the same test code
def plan_tests(test_code: str) -> tuple[tuple[str, str], ...]:
    """Splits test code into steps: ("setup", code) and ("test", code).

    With a top-level `check` function the whole code is setup and `check(candidate)` is
    the one test; otherwise every top-level assert is a test and the rest is setup.
    """
    tree = ast.parse(test_code)
    if any(isinstance(n, ast.FunctionDef) and n.name == "check" for n in tree.body):
        return (("setup", test_code), ("test", "check(candidate)"))
    return tuple(
        ("test" if isinstance(node, ast.Assert) else "setup", ast.unparse(node))
        for node in tree.body
    )


def step_kinds(test_code: str) -> list[str]:
    """The kinds of plan_tests' steps, for the server. Its interpreter keeps the default
    int digit limit, so an integer literal past it (a test comparing with factorial(2000))
    parses in the judge, which raises its own limit, but not there: long digit runs are
    shortened first (the kinds never depend on them; the judge runs the original code)."""
    try:
        return [kind for kind, _ in plan_tests(test_code)]
    except SyntaxError:
        shortened = re.sub(r"[0-9]{600,}", "0", test_code)
        if shortened == test_code:
            raise
        return [kind for kind, _ in plan_tests(shortened)]


class CandidateFailure(BaseException):
    """The candidate's process failed (timeout, crash, limit); not catchable as Exception."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class JudgeError(BaseException):
    """The test itself could not be run as written (not the candidate's fault)."""


class Channel:
    def __init__(self) -> None:
        self.inp = os.fdopen(os.dup(0), "r", encoding="utf-8")
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)

    def send(self, msg: dict) -> None:
        if assert_lookahead.in_copy():  # the look-ahead copy never talks to the server
            assert_lookahead.end_copy()
        self.out.write(json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n")
        self.out.flush()

    def recv(self) -> dict:
        if assert_lookahead.in_copy():
            assert_lookahead.end_copy()
        line = self.inp.readline()
        if not line:
            sys.exit(0)
        return json.loads(line)

    def call(self, calls: list[dict]) -> dict:
        self.send({"op": "calls", "calls": calls})
        return self.recv()


class Proxy:
    """Stands for one of the candidate's functions; calls cross the boundary as data.

    Calls the judge predicted for the current test (see assert_predict) were already
    made, in the same order with the same arguments, in one round trip; their replies
    wait in state["ahead"] and are used only while the actual calls match them exactly.
    A call with no reply waiting goes out with the calls a look-ahead copy of the judge
    says come next (see assert_lookahead), whose replies then wait the same way.
    """

    def __init__(self, name: str, channel: Channel, state: dict, codec) -> None:
        self._name, self._channel, self._state, self._codec = name, channel, state, codec
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        if assert_lookahead.in_copy():
            return assert_lookahead.record(self._name, args, kwargs, self._encode)
        if self._state.get("failure"):
            raise self._state["failure"]
        try:
            call = assert_calls.encode_call(self._name, args, kwargs, self._codec)
        except (TypeError, ValueError, RecursionError) as exc:
            raise JudgeError(f"the test's arguments cannot be sent: {exc}") from None
        key = assert_calls.call_key(call)
        reply = self._ahead(key)
        if reply is None:
            ahead = assert_lookahead.ahead_of(self._state, self._name, key, self._codec.to_wire)
            if ahead is None:  # in the look-ahead copy: this call's result is not known
                return assert_lookahead.forked_result()
            calls = [call, *(json.loads(line) for line in ahead)]
            assert_lookahead.keep_referred(calls)
            replies = _replies(self._channel.call(calls), len(calls))
            reply = replies[0]
            if ahead:
                entries, cut = assert_lookahead.expected_keys(calls, replies)
                self._state["ahead"] = collections.deque(entries)
                if cut:  # a call changed an argument: look-aheads from here go astray
                    misses = self._state.setdefault("look_misses", {})
                    misses[self._name] = assert_lookahead.LOOK_MISSES
        # Everything the test has seen so far, for the kept look-aheads (state_key).
        self._state["trace"] = hash(
            (self._state.get("trace"), key, reply.get("line"), reply.get("fail"))
        )
        if "fail" in reply:
            raise self._fail(str(reply["fail"]), str(reply.get("detail", "")))
        try:
            msg = json.loads(reply["line"])
            if not isinstance(msg, dict):
                raise ValueError("the reply is not an object")
            assert_calls.apply_mutations(msg.get("mutated"), args, kwargs, self._codec)
            if "ok" in msg:
                return self._codec.from_wire(msg["ok"])
        except (ValueError, TypeError, RecursionError) as exc:
            raise self._fail("bad_reply", str(exc)) from None
        exc = assert_calls.rebuild_exception(
            str(msg.get("raise", "Exception")), str(msg.get("msg", ""))
        )
        self._state["raised"] = exc
        raise exc

    def _encode(self, name: str, args: tuple, kwargs: dict) -> dict:
        return assert_calls.encode_call(name, args, kwargs, self._codec)

    def _fail(self, reason: str, detail: str) -> CandidateFailure:
        failure = CandidateFailure(reason, detail)
        self._state["failure"] = failure
        return failure

    def _ahead(self, key: str) -> dict | None:
        ahead = self._state.get("ahead")
        if not ahead:
            return None
        if key != ahead[0][0]:
            ahead.clear()  # the test went another way: make the remaining calls one by one
            self._state["no_look"] = True  # and look no further ahead in this job
            assert_lookahead.forget(self._state.get("ahead_key"))
            return None
        return ahead.popleft()[1]


def _replies(msg: dict, n: int) -> list[dict]:
    """The host's answer to n calls: a {"line"} per answered call, then a {"fail"} for the
    call that did not answer (its process is gone, so the calls after it never ran)."""
    out: list[dict] = [{"line": str(line)} for line in msg.get("replies", [])[:n]]
    if "fail" in msg and len(out) < n:
        out.append({"fail": msg["fail"], "detail": msg.get("detail", "")})
    return out


def _bindable(name: str) -> bool:
    # A candidate name must never shadow a builtin (a rigged `abs` or `isinstance` would
    # turn the test's own comparisons) nor a module the test imports itself.
    return not name.startswith("__") and not hasattr(builtins, name) and name.isidentifier()


def _namespace(names: dict, channel: Channel, state: dict, codec) -> dict:
    ns: dict = {
        "__name__": "__judge__",
        "__builtins__": builtins,
        assert_lookahead.ASSERT_HOOK: assert_lookahead.assert_value,
    }
    for name, info in names.items():
        if not _bindable(name):
            continue
        kind = info.get("kind")
        if kind == "callable":
            ns[name] = Proxy(name, channel, state, codec)
        elif kind == "module" and info.get("module") in SAFE_MODULES:
            ns[name] = importlib.import_module(info["module"])
        elif kind == "value" and "v" in info and name not in SAFE_MODULES:
            with contextlib.suppress(ValueError, TypeError, RecursionError):
                ns[name] = codec.from_wire(info["v"])
    return ns


def _fetch_values(names: dict, tree: ast.Module, ns: dict, channel, state: dict, codec) -> None:
    """Top-level values the candidate only named (big ones) that the test code names
    itself, read from its process in one round trip; the others cost nothing."""
    lazy = [
        name
        for name, info in names.items()
        if info.get("kind") == "value" and info.get("lazy")
        if _bindable(name) and name not in SAFE_MODULES
    ]
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if lazy else set()
    wanted = [name for name in lazy if name in used]
    if not wanted:
        return
    replies = _replies(channel.call([{"get": n} for n in wanted]), len(wanted))
    state["trace"] = hash((state.get("trace"), *(str(r) for r in replies)))
    for name, reply in zip(wanted, replies, strict=False):
        if "fail" in reply:
            state["failure"] = CandidateFailure(str(reply["fail"]), str(reply.get("detail", "")))
            return
        with contextlib.suppress(ValueError, TypeError, RecursionError, AttributeError):
            msg = json.loads(reply["line"])
            if "ok" in msg:  # a value that is not data stays undefined, as before it was read
                ns[name] = codec.from_wire(msg["ok"])


def run_job(job: dict, channel: Channel, codec) -> dict:
    """Runs one task's tests; returns the "done" message."""
    state: dict = {}
    names = job.get("names", {})
    ns = _namespace(names, channel, state, codec)
    entry = job["entry_point"]
    if isinstance(ns.get(entry), Proxy):
        ns["candidate"] = ns[entry]
    results: list[dict] = []
    index = 0
    made = job.get("made")
    tree = assert_predict.parse(job["test_code"])
    state["trace"] = hash((job["test_code"], entry, json.dumps(names, sort_keys=True)))
    # Test code that never names it cannot draw from `random` (a module the program
    # imported reaches the test only under the name the program gave it).
    state["random"] = "random" in job["test_code"] or any(
        info.get("module") == "random" for info in names.values()
    )
    _fetch_values(names, tree, ns, channel, state, codec)
    for kind, code in plan_tests(job["test_code"]):
        if kind == "test":
            channel.send({"op": "begin", "index": index})
            index += 1
        state.pop("raised", None)
        if kind == "test" and "candidate" in ns and not state.get("failure"):
            predicted = assert_predict.predict_calls(code, tree, ns, Proxy)
            _call_ahead(predicted, channel, state, codec, made)
        if kind == "test":
            made = None  # only the first test's calls come with the program's start
        try:
            if "candidate" not in ns:
                raise NameError(f"the program does not define {entry!r}")
            exec(assert_lookahead.compile_step(code), ns)  # trusted: the task's own test code
            outcome = {"passed": state.get("failure") is None, "kind": "ok", "detail": ""}
            if state.get("failure"):
                outcome = _failure(state["failure"])
        except BaseException as exc:  # test code may fail in any way
            outcome = _error_outcome(exc, state)
        ahead = state.pop("ahead", None)
        if ahead and "fail" in ahead[-1][1] and not state.get("failure"):
            # A call made ahead killed the process, though the test ended before using
            # its result: the tests after this one cannot run either.
            last = ahead[-1][1]
            state["failure"] = CandidateFailure(str(last["fail"]), str(last.get("detail", "")))
        if kind == "setup" and outcome["passed"]:
            continue
        results.append(outcome)
        if state.get("failure") or (not outcome["passed"] and job.get("stop_on_fail")):
            break  # the candidate's process is gone; later tests cannot run
    return {"op": "done", "results": results, "retire": bool(state.get("retire"))}


def _error_outcome(exc: BaseException, state: dict) -> dict:
    def out(kind: str, detail: str) -> dict:
        return {"passed": False, "kind": kind, "detail": detail[:500]}

    if isinstance(exc, CandidateFailure):
        return _failure(exc)
    if isinstance(exc, JudgeError):
        return out("test_error", str(exc))
    if isinstance(exc, AssertionError):
        return out("assert", f"assertion failed {exc}")
    if exc is state.get("raised"):
        return out("candidate_raise", f"{type(exc).__name__}: {exc}")
    if isinstance(exc, MemoryError):  # the test code's own allocation hit the judge's limit
        state["retire"] = True
        return out("memory", "the test code ran out of memory in the judge")
    return out("error", f"{type(exc).__name__}: {exc}")


def _encoded(predicted: list, codec) -> list[dict]:
    calls = []
    for name, args in predicted:
        try:
            calls.append(assert_calls.encode_call(name, args, {}, codec))
        except (TypeError, ValueError, RecursionError):
            break
    return calls


def _call_ahead(predicted: list, channel: Channel, state: dict, codec, made=None) -> None:
    """Makes the predicted calls in one round trip and queues their replies; `made`: the
    ones the server made with the program's start (first_calls), if they lead them."""
    calls = _encoded(predicted, codec)
    keys = [assert_calls.call_key(c) for c in calls]
    replies: list[dict] = []
    if made and made.get("calls"):
        made_keys = [assert_calls.call_key(c) for c in made["calls"]]
        if keys[: len(made_keys)] == made_keys:
            replies = _replies(made, len(made_keys))
    state.pop("ahead_key", None)  # these were predicted, not looked ahead for
    rest = calls[len(replies) :]
    if rest and not (replies and "fail" in replies[-1]):  # else the process is gone
        replies += _replies(channel.call(rest), len(rest))
    if replies:
        state["ahead"] = collections.deque(zip(keys, replies, strict=False))


def first_calls(job: dict, codec) -> list[dict]:
    """The first test's first calls, known from the test code alone (which must name
    nothing of the program's but its entry point), for the server to make with the
    program's start; [] if unknown. Setup runs here with an uncallable entry point."""
    entry = str(job.get("entry_point", ""))
    try:
        tree = assert_predict.parse(job["test_code"])
        if not _bindable(entry) or assert_predict.free_names(tree) - {entry, "candidate"}:
            return []
        proxy = Proxy(entry, None, {"failure": JudgeError("no calls before the run")}, codec)
        ns = _namespace({}, None, {}, codec)
        ns[entry] = ns["candidate"] = proxy
        for kind, code in plan_tests(job["test_code"]):
            if kind == "test":
                return _encoded(assert_predict.predict_calls(code, tree, ns, Proxy), codec)
            exec(assert_lookahead.compile_step(code), ns)  # trusted: the task's test code
    except BaseException:  # setup that needs the program (or fails): no first calls
        return []
    return []


def predict_calls(code: str, tree: ast.Module, ns: dict) -> list[tuple[str, list]]:
    """assert_predict.predict_calls for this module's proxies."""
    return assert_predict.predict_calls(code, tree, ns, Proxy)


def _failure(exc: CandidateFailure) -> dict:
    return {
        "passed": False,
        "kind": "candidate_fail",
        "reason": exc.reason,
        "detail": str(exc)[:500],
    }


def main() -> None:
    codec_dir, uid, memory_mb = assert_judge_start.parse_args(sys.argv)
    assert_judge_start.limit_memory(memory_mb)
    assert_judge_start.drop_privileges(uid)
    sys.path.insert(0, codec_dir)
    import valuecodec

    sys.path.pop(0)
    sys.setrecursionlimit(10000)
    if hasattr(sys, "set_int_max_str_digits"):  # big ints in test code and its messages
        sys.set_int_max_str_digits(valuecodec.MAX_INT_DIGITS)
    channel = Channel()
    while True:
        job = channel.recv()
        if job.get("op") == "plan":
            channel.send({"op": "plan", "calls": first_calls(job, valuecodec)})
        else:
            channel.send(run_job(job, channel, valuecodec))


if __name__ == "__main__":
    main()
