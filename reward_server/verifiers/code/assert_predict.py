"""Call prediction for the assert-test judge: the proxy calls a test step will make, known
before it runs, so the judge can make them in one round trip (see assert_judge.py).

Runs in the judge process, which imports it as a sibling module; it knows proxies only
through the `proxy_type` it is given, so it never imports assert_judge itself.
"""

from __future__ import annotations

import ast
import builtins
import functools
import sys
from typing import NamedTuple

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


class _Scope(NamedTuple):
    ns: dict  # the test's namespace
    params: dict  # check()'s parameter, bound to what it was called with
    local: set  # names the step assigns itself
    proxy_type: type


def predict_calls(
    code: str, tree: ast.Module, ns: dict, proxy_type: type
) -> list[tuple[str, list]]:
    """The proxy calls a test step will make first, in order, as (name, args), when the
    test code alone decides them: straight-line statements whose proxy calls take literal
    arguments. Prediction stops at the first statement it cannot follow (a loop, a branch,
    a call into a helper the test defines, ...). A wrong prediction costs only speed:
    `Proxy` uses a reply made ahead only when the actual call matches it exactly."""
    try:
        step = parse(code).body
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
    scope = _Scope(ns, params, local, proxy_type)
    calls: list[tuple[str, list]] = []
    for st in body:
        try:
            calls += _statement_calls(st, scope)
        except _Unpredictable:
            break
    return calls


@functools.lru_cache(maxsize=256)
def parse(code: str) -> ast.Module:
    """Test code's tree, parsed once (every sample of a group runs the same test code);
    callers only ever read it."""
    return ast.parse(code)


def _statement_calls(st: ast.stmt, scope: _Scope) -> list:
    if isinstance(st, (ast.Pass, ast.Import, ast.ImportFrom)):
        return []
    if isinstance(st, ast.Assert):  # its message runs only once the test has failed
        return _expr_calls(st.test, scope)
    if isinstance(st, ast.Expr):
        return _expr_calls(st.value, scope)
    if isinstance(st, ast.Assign) and all(isinstance(t, ast.Name) for t in st.targets):
        return _expr_calls(st.value, scope)
    raise _Unpredictable


def _resolve(name: str, scope: _Scope) -> tuple[str, object]:
    """("proxy", a proxy) | ("builtin", fn) | ("data", None); anything else is refused."""
    if name in scope.params:
        value = scope.params[name]
    elif name in scope.local:
        return "data", None  # built here from literals, builtins and proxy results
    elif name in scope.ns:
        value = scope.ns[name]
    elif hasattr(builtins, name) and name not in _OPAQUE_BUILTINS:
        return "builtin", getattr(builtins, name)
    else:
        raise _Unpredictable
    if isinstance(value, scope.proxy_type):
        return "proxy", value
    if isinstance(value, (type(sys), int, float, complex, str, bytes, bool, type(None))):
        return "data", None
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        items = value.values() if isinstance(value, dict) else value
        if any(callable(v) for v in items):
            raise _Unpredictable
        return "data", None
    raise _Unpredictable  # the test's own functions and classes may call proxies


def _expr_calls(node: ast.AST, scope: _Scope) -> list:
    """Proxy calls of an expression in evaluation order; _Unpredictable if not knowable."""
    if isinstance(node, _UNORDERED):
        raise _Unpredictable
    if isinstance(node, ast.Name):
        kind, _ = _resolve(node.id, scope)
        if kind == "proxy":
            raise _Unpredictable  # a proxy passed around may be called from anywhere
        return []
    if isinstance(node, ast.Call):
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _Unpredictable
        if isinstance(node.func, ast.Name):
            kind, value = _resolve(node.func.id, scope)
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
            out = _expr_calls(node.func.value, scope)
        else:
            raise _Unpredictable
        for part in [*node.args, *(k.value for k in node.keywords)]:
            out += _expr_calls(part, scope)
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
        out += _expr_calls(part, scope)
    return out


def free_names(tree: ast.Module) -> set[str]:
    """Names the test code reads but never binds anywhere (nor are builtins): what it
    needs from the program. Scopes are not told apart, so a name bound in one function
    counts as bound everywhere."""
    loaded, bound = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (loaded if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(n.name)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and n.name:
            bound.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            bound.add(n.rest)
    return {name for name in loaded - bound if not hasattr(builtins, name)}
