"""The assert-test judge: runs a task's test code against a proxy of the candidate.

Started by the server as its own process (as `nobody` when the server is root):
`python -I judge_worker.py SANDBOXES_PYTHON_DIR`. No candidate code ever runs here. The
test code (HumanEval `check(candidate)` or MBPP top-level asserts) is executed with
`candidate` and the program's other top-level functions bound to proxies; a proxy call
is sent to the server, which forwards it to the candidate's process in the sandbox and
sends back the reply line. Return values are decoded by valuecodec into fresh builtins,
so the asserts here compare plain data, and each test's pass/fail is decided here.

Protocol (JSON lines on private copies of stdin/stdout; the test code's prints go to
/dev/null): in {"op": "run", "test_code", "entry_point", "names", "stop_on_fail"};
out {"op": "begin", "index"} before each test, {"op": "call", "name", "args"} per call
(answered by the candidate's reply line or {"fail": reason, "detail"}), finally
{"op": "done", "results": [{"passed", "kind", "detail"}]}.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import json
import os
import sys

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


def plan_tests(test_code: str) -> list[tuple[str, str]]:
    """Splits test code into steps: ("setup", code) and ("test", code).

    With a top-level `check` function the whole code is setup and `check(candidate)` is
    the one test; otherwise every top-level assert is a test and the rest is setup.
    """
    tree = ast.parse(test_code)
    if any(isinstance(n, ast.FunctionDef) and n.name == "check" for n in tree.body):
        return [("setup", test_code), ("test", "check(candidate)")]
    steps = []
    for node in tree.body:
        kind = "test" if isinstance(node, ast.Assert) else "setup"
        steps.append((kind, ast.unparse(node)))
    return steps


class CandidateFailure(BaseException):
    """The candidate's process failed (timeout, crash, limit); not catchable as Exception."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class Channel:
    def __init__(self) -> None:
        self.inp = os.fdopen(os.dup(0), "r", encoding="utf-8")
        self.out = os.fdopen(os.dup(1), "w", encoding="utf-8")
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)

    def send(self, msg: dict) -> None:
        self.out.write(json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n")
        self.out.flush()

    def recv(self) -> dict:
        line = self.inp.readline()
        if not line:
            sys.exit(0)
        return json.loads(line)


class Proxy:
    """Stands for one of the candidate's functions; calls cross the boundary as data."""

    def __init__(self, name: str, channel: Channel, state: dict, codec) -> None:
        self._name, self._channel, self._state, self._codec = name, channel, state, codec
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError("keyword arguments cannot cross the sandbox boundary")
        if self._state.get("failure"):
            raise self._state["failure"]
        try:
            wire_args = self._codec.to_wire(list(args))
        except (TypeError, ValueError) as exc:
            raise JudgeError(f"test arguments cannot be sent: {exc}") from None
        self._channel.send({"op": "call", "name": self._name, "args": wire_args})
        reply = self._channel.recv()
        if "fail" in reply:
            failure = CandidateFailure(str(reply["fail"]), str(reply.get("detail", "")))
            self._state["failure"] = failure
            raise failure
        if "ok" in reply:
            try:
                return self._codec.from_wire(reply["ok"])
            except (ValueError, TypeError, RecursionError) as exc:
                failure = CandidateFailure("bad_reply", str(exc))
                self._state["failure"] = failure
                raise failure from None
        exc = _rebuild_exception(str(reply.get("raise", "Exception")), str(reply.get("msg", "")))
        self._state["raised"] = exc
        raise exc


class JudgeError(BaseException):
    """The test itself could not be run (not the candidate's fault)."""


def _rebuild_exception(name: str, msg: str) -> BaseException:
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)):
        cls = RuntimeError
        msg = f"{name}: {msg}"
    try:
        return cls(msg)
    except Exception:  # constructors with other signatures
        return RuntimeError(f"{name}: {msg}")


def _namespace(names: dict, channel: Channel, state: dict, codec) -> dict:
    ns: dict = {"__name__": "__judge__", "__builtins__": builtins}
    for name, info in names.items():
        # A candidate name must never shadow a builtin (a rigged `abs` or `isinstance`
        # would turn the test's own comparisons) nor a module the test imports itself.
        if name.startswith("__") or hasattr(builtins, name) or not name.isidentifier():
            continue
        kind = info.get("kind")
        if kind == "callable":
            ns[name] = Proxy(name, channel, state, codec)
        elif kind == "module" and info.get("module") in SAFE_MODULES:
            ns[name] = importlib.import_module(info["module"])
        elif kind == "value" and name not in SAFE_MODULES:
            with contextlib.suppress(ValueError, TypeError, RecursionError):
                ns[name] = codec.from_wire(info.get("v"))
    return ns


def run_job(job: dict, channel: Channel, codec) -> list[dict]:
    state: dict = {}
    ns = _namespace(job.get("names", {}), channel, state, codec)
    entry = job["entry_point"]
    if isinstance(ns.get(entry), Proxy):
        ns["candidate"] = ns[entry]
    results: list[dict] = []
    index = 0
    for kind, code in plan_tests(job["test_code"]):
        if kind == "test":
            channel.send({"op": "begin", "index": index})
            index += 1
        state.pop("raised", None)
        try:
            if "candidate" not in ns:
                raise NameError(f"the program does not define {entry!r}")
            exec(compile(code, "<test>", "exec"), ns)  # trusted: the task's own test code
            outcome = {"passed": state.get("failure") is None, "kind": "ok", "detail": ""}
            if state.get("failure"):
                outcome = _failure(state["failure"])
        except CandidateFailure as exc:
            outcome = _failure(exc)
        except JudgeError as exc:
            outcome = {"passed": False, "kind": "judge_error", "detail": str(exc)}
        except AssertionError as exc:
            outcome = {"passed": False, "kind": "assert", "detail": f"assertion failed {exc}"}
        except BaseException as exc:  # test code may fail in any way
            raised = exc is state.get("raised")
            outcome = {
                "passed": False,
                "kind": "candidate_raise" if raised else "error",
                "detail": f"{type(exc).__name__}: {exc}"[:500],
            }
        if kind == "setup" and outcome["passed"]:
            continue
        results.append(outcome)
        if state.get("failure") or (not outcome["passed"] and job.get("stop_on_fail")):
            break  # the candidate's process is gone; later tests cannot run
    return results


def _failure(exc: CandidateFailure) -> dict:
    return {
        "passed": False,
        "kind": "candidate_fail",
        "reason": exc.reason,
        "detail": str(exc)[:500],
    }


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    import valuecodec

    sys.path.pop(0)
    sys.setrecursionlimit(10000)
    channel = Channel()
    while True:
        job = channel.recv()
        results = run_job(job, channel, valuecodec)
        channel.send({"op": "done", "results": results})


if __name__ == "__main__":
    main()
