"""The assert-test judge: runs a task's test code against a proxy of the candidate.

Started by the server as its own process (as `nobody` when the server is root):
`python -I judge_worker.py SANDBOXES_PYTHON_DIR [--uid UID]`. No candidate code ever runs here. The
test code (HumanEval `check(candidate)` or MBPP top-level asserts) is executed with
`candidate` and the program's other top-level functions bound to proxies; a proxy call
is sent to the server, which forwards it to the candidate's process in the sandbox and
sends back the reply line. Return values are decoded by valuecodec into fresh builtins,
so the asserts here compare plain data, and each test's pass/fail is decided here.

Protocol (JSON lines on private copies of stdin/stdout; the test code's prints go to
/dev/null): in {"op": "run", "test_code", "entry_point", "names", "stop_on_fail"};
out {"op": "begin", "index"} before each test, {"op": "calls", "calls": [{"name", "args"}]}
for one call, or for the calls of a test known before it runs (see `predict_calls`),
answered by {"replies": [candidate reply line, ...]} plus {"fail": reason, "detail"} when
a call did not answer; finally {"op": "done", "results": [{"passed", "kind", "detail"}]}.
"""

from __future__ import annotations

import ast
import builtins
import collections
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

    def call(self, calls: list[dict]) -> dict:
        self.send({"op": "calls", "calls": calls})
        return self.recv()


class Proxy:
    """Stands for one of the candidate's functions; calls cross the boundary as data.

    Calls the judge predicted for the current test (see `predict_calls`) were already
    made, in the same order with the same arguments, in one round trip; their replies
    wait in state["ahead"] and are used only while the actual calls match them exactly.
    """

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
        reply = self._ahead(wire_args)
        if reply is None:
            call = {"name": self._name, "args": wire_args}
            reply = _replies(self._channel.call([call]), 1)[0]
        if "fail" in reply:
            failure = CandidateFailure(str(reply["fail"]), str(reply.get("detail", "")))
            self._state["failure"] = failure
            raise failure
        try:
            reply = json.loads(reply["line"])
            if not isinstance(reply, dict):
                raise ValueError("the reply is not an object")
            if "ok" in reply:
                return self._codec.from_wire(reply["ok"])
        except (ValueError, TypeError, RecursionError) as exc:
            failure = CandidateFailure("bad_reply", str(exc))
            self._state["failure"] = failure
            raise failure from None
        exc = _rebuild_exception(str(reply.get("raise", "Exception")), str(reply.get("msg", "")))
        self._state["raised"] = exc
        raise exc

    def _ahead(self, wire_args: object) -> dict | None:
        ahead = self._state.get("ahead")
        if not ahead:
            return None
        key, reply = ahead[0]
        if key != (self._name, json.dumps(wire_args, separators=(",", ":"))):
            ahead.clear()  # the test went another way: make the remaining calls one by one
            return None
        ahead.popleft()
        return reply


def _replies(msg: dict, n: int) -> list[dict]:
    """The host's answer to n calls: a {"line"} per answered call, then a {"fail"} for the
    call that did not answer (its process is gone, so the calls after it never ran)."""
    out: list[dict] = [{"line": str(line)} for line in msg.get("replies", [])[:n]]
    if "fail" in msg and len(out) < n:
        out.append({"fail": msg["fail"], "detail": msg.get("detail", "")})
    return out


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
    tree = ast.parse(job["test_code"])
    for kind, code in plan_tests(job["test_code"]):
        if kind == "test":
            channel.send({"op": "begin", "index": index})
            index += 1
        state.pop("raised", None)
        if kind == "test" and "candidate" in ns:
            _call_ahead(predict_calls(code, tree, ns), channel, state, codec)
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
    return results


# Builtins through which a test could reach a proxy other than by calling it by name.
_OPAQUE_BUILTINS = frozenset(
    {"eval", "exec", "compile", "getattr", "vars", "globals", "locals", "__import__"}
)
# Nodes whose parts run conditionally, lazily or in another scope.
_UNORDERED = (
    ast.BoolOp,
    ast.IfExp,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.NamedExpr,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
)


class _Unpredictable(Exception):
    pass


def predict_calls(code: str, tree: ast.Module, ns: dict) -> list[tuple[str, list]]:
    """The proxy calls a test step will make first, in order, as (name, args), when the
    test code alone decides them: straight-line statements whose proxy calls take literal
    arguments. Prediction stops at the first statement it cannot follow (a loop, a branch,
    a call into a helper the test defines, ...). A wrong prediction costs only speed:
    `Proxy` uses a reply made ahead only when the actual call matches it exactly."""
    try:
        step = ast.parse(code).body
    except SyntaxError:
        return []
    params: dict[str, object] = {}
    body = step
    if (
        len(step) == 1
        and isinstance(step[0], ast.Expr)
        and isinstance(call := step[0].value, ast.Call)
        and isinstance(call.func, ast.Name)
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Name)
        and not call.keywords
    ):  # check(candidate): follow into the body of the test's own check()
        fn = ns.get(call.func.id)
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == call.func.id]
        code_obj = getattr(fn, "__code__", None)
        if not defs or code_obj is None or code_obj.co_firstlineno != defs[-1].lineno:
            return []
        fdef = defs[-1]
        a = fdef.args
        if fdef.decorator_list or a.posonlyargs or a.vararg or a.kwonlyargs or a.kwarg:
            return []
        if len(a.args) != 1 or a.defaults:
            return []
        params[a.args[0].arg] = ns.get(call.args[0].id)
        body = fdef.body
    local: set[str] = set()
    for n in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            local.add(n.id)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            local.update((a.asname or a.name).split(".")[0] for a in n.names)
    if local & set(params):
        return []  # check() rebinds its argument: what `candidate(...)` calls is unknown
    calls: list[tuple[str, list]] = []
    for st in body:
        try:
            calls += _statement_calls(st, ns, params, local)
        except _Unpredictable:
            break
    return calls


def _statement_calls(st: ast.stmt, ns: dict, params: dict, local: set) -> list:
    if isinstance(st, (ast.Pass, ast.Import, ast.ImportFrom)):
        return []
    if isinstance(st, ast.Assert):  # its message runs only once the test has failed
        return _expr_calls(st.test, ns, params, local)
    if isinstance(st, ast.Expr):
        return _expr_calls(st.value, ns, params, local)
    if isinstance(st, ast.Assign) and all(isinstance(t, ast.Name) for t in st.targets):
        return _expr_calls(st.value, ns, params, local)
    raise _Unpredictable


def _resolve(name: str, ns: dict, params: dict, local: set) -> tuple[str, object]:
    """("proxy", Proxy) | ("builtin", fn) | ("data", None); anything else is refused."""
    if name in params:
        value = params[name]
    elif name in local:
        return "data", None  # built here from literals, builtins and proxy results
    elif name in ns:
        value = ns[name]
    elif hasattr(builtins, name) and name not in _OPAQUE_BUILTINS:
        return "builtin", getattr(builtins, name)
    else:
        raise _Unpredictable
    if isinstance(value, Proxy):
        return "proxy", value
    if isinstance(value, (type(sys), int, float, complex, str, bytes, bool, type(None))):
        return "data", None
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        items = value.values() if isinstance(value, dict) else value
        if any(callable(v) for v in items):
            raise _Unpredictable
        return "data", None
    raise _Unpredictable  # the test's own functions and classes may call proxies


def _expr_calls(node: ast.AST, ns: dict, params: dict, local: set) -> list:
    """Proxy calls of an expression in evaluation order; _Unpredictable if not knowable."""
    if isinstance(node, _UNORDERED):
        raise _Unpredictable
    if isinstance(node, ast.Name):
        kind, _ = _resolve(node.id, ns, params, local)
        if kind == "proxy":
            raise _Unpredictable  # a proxy passed around may be called from anywhere
        return []
    if isinstance(node, ast.Call):
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _Unpredictable
        if isinstance(node.func, ast.Name):
            kind, value = _resolve(node.func.id, ns, params, local)
            if kind == "proxy":
                if node.keywords:
                    raise _Unpredictable
                try:
                    args = [ast.literal_eval(a) for a in node.args]
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    raise _Unpredictable from None
                return [(value._name, args)]
            if kind != "builtin":
                raise _Unpredictable
            out = []
        elif isinstance(node.func, ast.Attribute):
            out = _expr_calls(node.func.value, ns, params, local)
        else:
            raise _Unpredictable
        for part in [*node.args, *(k.value for k in node.keywords)]:
            out += _expr_calls(part, ns, params, local)
        return out
    if isinstance(node, ast.Compare) and any(
        isinstance(n, ast.Call) for c in node.comparators[1:] for n in ast.walk(c)
    ):
        raise _Unpredictable  # a < f(x) < g(y) short-circuits
    if isinstance(node, ast.Dict):  # evaluated key, value, key, value, ...
        parts = [p for kv in zip(node.keys, node.values, strict=True) for p in kv if p]
    else:
        parts = list(ast.iter_child_nodes(node))
    out = []
    for part in parts:
        out += _expr_calls(part, ns, params, local)
    return out


def _call_ahead(predicted: list, channel: Channel, state: dict, codec) -> None:
    """Makes the predicted calls in one round trip and queues their replies."""
    calls, keys = [], []
    for name, args in predicted:
        try:
            wire = codec.to_wire(list(args))
        except (TypeError, ValueError, RecursionError):
            break
        calls.append({"name": name, "args": wire})
        keys.append((name, json.dumps(wire, separators=(",", ":"))))
    if not calls:
        return
    replies = _replies(channel.call(calls), len(calls))
    state["ahead"] = collections.deque(zip(keys, replies, strict=False))


def _failure(exc: CandidateFailure) -> dict:
    return {
        "passed": False,
        "kind": "candidate_fail",
        "reason": exc.reason,
        "detail": str(exc)[:500],
    }


def drop_privileges(argv: list[str]) -> None:
    """`--uid N` (given when the server runs as root): become N, with no groups, before
    reading anything. The judge drops privileges itself so that the server can start it
    with vfork: a fork() of the gRPC server runs gRPC's fork handlers, which can crash
    the child before it execs."""
    if len(argv) == 4 and argv[2] == "--uid":
        uid = int(argv[3])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            sys.exit("could not drop privileges")


def main() -> None:
    drop_privileges(sys.argv)
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
