"""The only format in which values cross the sandbox boundary: tagged JSON of exact builtins.

Both sides use this file: the candidate side encodes return values (and decodes
arguments), the judge side decodes them into fresh builtin objects. The encoder accepts
exact builtin types only (`type(x) is int`, never a subclass), so an object with a
rigged `__eq__` cannot be sent at all; whatever the candidate's process does to this
module, the judge only ever sees JSON text.

Encoding: None, bool, int, str, finite floats and lists map to themselves; everything
else is an object {"$": tag, "v": ...} with tags tuple, dict (list of [key, value]
pairs), set, frozenset, bytes (latin-1 text), complex ([re, im]) and float ("nan",
"inf", "-inf").
"""

from __future__ import annotations

import json
import math

MAX_DEPTH = 100


def to_wire(value: object, depth: int = 0) -> object:
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply to send")
    t = type(value)
    if value is None or t is bool or t is str or t is int:
        return value
    if t is float:
        if math.isfinite(value):
            return value
        return {"$": "float", "v": repr(value)}
    if t is list:
        return [to_wire(x, depth + 1) for x in value]
    if t is tuple:
        return {"$": "tuple", "v": [to_wire(x, depth + 1) for x in value]}
    if t is dict:
        return {
            "$": "dict",
            "v": [[to_wire(k, depth + 1), to_wire(v, depth + 1)] for k, v in value.items()],
        }
    if t is set or t is frozenset:
        return {"$": t.__name__, "v": [to_wire(x, depth + 1) for x in value]}
    if t is bytes:
        return {"$": "bytes", "v": value.decode("latin-1")}
    if t is complex:
        return {"$": "complex", "v": [to_wire(value.real), to_wire(value.imag)]}
    raise TypeError(f"a value of type {t.__name__} cannot cross the sandbox boundary")


def from_wire(wire: object, depth: int = 0) -> object:
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t = type(wire)
    if wire is None or t in (bool, int, float, str):
        return wire
    if t is list:
        return [from_wire(x, depth + 1) for x in wire]
    if t is not dict or set(wire) != {"$", "v"}:
        raise ValueError(f"malformed value of type {t.__name__}")
    tag, v = wire["$"], wire["v"]
    if tag == "float" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag == "bytes" and type(v) is str:
        return v.encode("latin-1")
    if type(v) is not list:
        raise ValueError(f"malformed {tag!r} value")
    items = [from_wire(x, depth + 1) for x in v]
    if tag == "tuple":
        return tuple(items)
    if tag == "set":
        return set(items)
    if tag == "frozenset":
        return frozenset(items)
    if tag == "complex" and len(items) == 2:
        return complex(*items)
    if tag == "dict" and all(type(p) is list and len(p) == 2 for p in items):
        return {k: val for k, val in items}
    raise ValueError(f"unknown or malformed tag {tag!r}")


def dumps(value: object) -> str:
    return json.dumps(to_wire(value), separators=(",", ":"), allow_nan=False)


def loads(text: str) -> object:
    return from_wire(json.loads(text))
