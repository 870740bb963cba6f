"""How a proxy call's data crosses for the assert-test judge (see assert_judge.py): the
call as the call server reads it, the candidate's exceptions as test code sees them, and
arguments the call changed in place, applied to the test's own objects.
"""

from __future__ import annotations

import builtins
import json

# Exceptions that steer the test's control flow instead of failing it: a StopIteration
# the candidate raises inside map() or all() ends the iteration as if the cases ran out
# (`all(map(check, cases))` would pass), a StopAsyncIteration ends an `async for`. They,
# and every BaseException that is not an Exception (SystemExit, KeyboardInterrupt,
# GeneratorExit), reach the test as a RuntimeError naming the candidate's type.
CONTROL_FLOW = (StopIteration, StopAsyncIteration)


def encode_call(name: str, args: tuple, kwargs: dict, codec) -> dict:
    """A call as the call server reads it; "track" asks for the arguments it changed."""
    call = {"name": name, "args": codec.to_wire(list(args)), "track": True}
    if kwargs:
        call["kwargs"] = {k: codec.to_wire(v) for k, v in kwargs.items()}
    return call


def call_key(call: dict) -> str:
    return json.dumps(call, separators=(",", ":"))


def rebuild_exception(name: str, msg: str) -> BaseException:
    """The candidate's exception as test code sees it: a builtin Exception keeps its type
    (tests expecting ValueError catch it); anything else becomes a RuntimeError."""
    cls = getattr(builtins, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Exception)) or issubclass(cls, CONTROL_FLOW):
        return RuntimeError(f"{name}: {msg}")
    try:
        return cls(msg)
    except Exception:  # constructors with other signatures
        return RuntimeError(f"{name}: {msg}")


def apply_mutations(mutated: object, args: tuple, kwargs: dict, codec) -> None:
    """The call changed these arguments in the candidate's process: change the test's own
    objects the same way, so a test checking an in-place sort sees it."""
    if mutated is None:
        return
    if type(mutated) is not list:
        raise ValueError("malformed changed arguments")
    for entry in mutated:
        if type(entry) is not list or len(entry) != 2:
            raise ValueError("malformed changed argument")
        where, wire = entry
        if type(where) is int and 0 <= where < len(args):
            sync_in_place(args[where], codec.from_wire(wire))
        elif type(where) is str and where in kwargs:
            sync_in_place(kwargs[where], codec.from_wire(wire))
        else:
            raise ValueError(f"no argument {where!r} was passed")


def sync_in_place(old: object, new: object, depth: int = 0) -> bool:
    """Makes the test's object `old` equal the decoded `new` without replacing it (every
    name the test holds for it, or for a list inside it, sees the change). False when
    `old` cannot change that way: the caller replaces it, or leaves an argument as is."""
    if depth > 100:
        return False
    if isinstance(old, list) and type(new) is list:
        n = min(len(old), len(new))  # items kept in place where the lengths allow
        for i in range(n):
            if not sync_in_place(old[i], new[i], depth + 1):
                old[i] = new[i]
        old[n:] = new[n:]
        return True
    if isinstance(old, dict) and isinstance(new, dict):
        kept = {k for k in new if k in old and sync_in_place(old[k], new[k], depth + 1)}
        items = [(k, old[k] if k in kept else v) for k, v in new.items()]
        old.clear()
        old.update(items)
        return True
    if isinstance(old, set) and isinstance(new, (set, frozenset)):
        old.clear()
        old.update(new)
        return True
    if isinstance(old, bytearray) and type(new) is bytearray:
        old[:] = new
        return True
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new):
        return all([sync_in_place(o, n, depth + 1) for o, n in zip(old, new, strict=True)])
    return type(old) is type(new) and old == new
