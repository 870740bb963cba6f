"""The only format in which values cross the sandbox boundary: tagged JSON of plain data.

Both sides use this file: the candidate side encodes return values (and decodes
arguments), the judge side encodes arguments and decodes return values. Only JSON text
crosses, and the decoder builds nothing but builtins and a few standard-library data
types of its own (below), so no behaviour of a candidate's object (a rigged `__eq__`,
`__hash__`, `__iter__`, `__len__`) ever reaches the judge: whatever the candidate's
process does to this module, the judge decodes plain data.

Encoding reads data with the builtin base type's own methods (`list.copy(x)`,
`dict.items(x)`, `int.__int__(x)`, ...), not with methods a subclass may override, so a
`list` subclass crosses as the plain list of its elements: its rigging is lost, not sent.
Conversions: subclasses of int, float, complex, str, bytes, bytearray, list, tuple, dict,
set and frozenset cross as their base type's data; an Enum member as its value (IntEnum
and StrEnum members are ints and strs); numpy scalars as `.item()`, arrays as
`.tolist()`; Fraction and Decimal exactly (decoded as the decoder's own
fractions.Fraction / decimal.Decimal, never as a lossy float); Counter, OrderedDict,
defaultdict (with a builtin default factory, else none) and namedtuples as the decoder's
own instances of those types. Objects that are not data are refused (TypeError).

Wire: None, bool, str, finite floats, lists and ints of at most PLAIN_INT_BITS bits map to
themselves; everything else is an object {"$": tag, "v": ...}: int (hex text: linear
time both ways, no digit limit), float ("nan", "inf", "-inf"), tuple, set, frozenset,
dict ([key, value] pairs), bytes and bytearray (latin-1 text), complex ([re, im]), range
([start, stop, step]), iter (the items of an iterator, drained when sent; decoded as an
iterator), keys / values / items (dict views, decoded as views of a fresh dict),
fraction ([num, den]), decimal (text), namedtuple ([typename, fields, items]), Counter
and OrderedDict (pairs), defaultdict ([factory name or null, pairs]).

Task data (FunctionTests JSON) is read by `loads_json`: plain JSON objects are dicts with
string keys, and the tagged objects above stand for what JSON lacks (int keys, tuples, ...).
"""

from __future__ import annotations

import collections
import collections.abc
import functools
import json
import keyword
import math
import sys

MAX_DEPTH = 100
MAX_ITEMS = 1_000_000  # items drained from one iterator
PLAIN_INT_BITS = 2000  # larger ints cross as hex text (JSON digits are quadratic to parse)
MAX_INT_DIGITS = 100_000  # decimal digits the judge side converts to and from text
MAX_FRACTION_BITS = 1 << 16  # a decoded Fraction is normalized (gcd: quadratic time)
# Unequal keys sharing one hash (ints k*(2**61-1)+c, tuples of them) cost a probe per
# earlier one: a set of n of them takes n**2/2 steps to build. A decoder (the judge, the
# server for FunctionTests) refuses containers with more than this many.
MAX_HASH_COLLISIONS = 64
_FACTORIES = {
    f.__name__: f
    for f in (int, float, complex, str, bytes, bool, list, tuple, dict, set, frozenset)
}
_VIEWS = {type({}.keys()): "keys", type({}.values()): "values", type({}.items()): "items"}


def _tag(tag: str, v: object) -> dict:
    return {"$": tag, "v": v}


def _items(values, depth: int) -> list:
    return [to_wire(x, depth) for x in values]


def _pairs(pairs, depth: int) -> list:
    return [[to_wire(k, depth), to_wire(v, depth)] for k, v in pairs]


def _int(value: int) -> object:
    return value if value.bit_length() <= PLAIN_INT_BITS else _tag("int", format(value, "x"))


_EXACT = {
    tuple: lambda v, d: _tag("tuple", _items(v, d)),
    dict: lambda v, d: _tag("dict", _pairs(dict.items(v), d)),
    set: lambda v, d: _tag("set", _items(v, d)),
    frozenset: lambda v, d: _tag("frozenset", _items(v, d)),
    bytes: lambda v, d: _tag("bytes", bytes.decode(v, "latin-1")),
    bytearray: lambda v, d: _tag("bytearray", bytearray.decode(v, "latin-1")),
    complex: lambda v, d: _tag("complex", [to_wire(v.real), to_wire(v.imag)]),
    range: lambda v, d: _tag("range", [_int(v.start), _int(v.stop), _int(v.step)]),
}


def to_wire(value: object, depth: int = 0) -> object:
    """The wire form of `value`: TypeError for what is not data, ValueError when it is
    nested too deeply or is an iterator too long to drain."""
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply to send")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return _int(value)
    if t is float:
        return value if math.isfinite(value) else _tag("float", repr(value))
    if t is list:
        return [to_wire(x, depth + 1) for x in value]
    encode = _EXACT.get(t)
    if encode is not None:
        return encode(value, depth + 1)
    return _convert(value, t, depth + 1)


def _convert(value: object, t: type, depth: int) -> object:
    """Objects that are not exact builtins: their data, read without their own methods
    where the base type allows (issubclass, not isinstance: `__class__` can lie)."""
    special = _special(value, t, depth)
    if special is not _NOT_SPECIAL:
        return special
    if issubclass(t, int):
        return _int(int.__int__(value))
    if issubclass(t, float):
        return to_wire(float.__float__(value), depth)
    if issubclass(t, complex):
        re_im = [complex.real.__get__(value), complex.imag.__get__(value)]
        return _tag("complex", [to_wire(x) for x in re_im])
    if issubclass(t, str):
        return str.__str__(value)
    for base in (bytes, bytearray):
        if issubclass(t, base):
            return _tag(base.__name__, base.decode(value, "latin-1"))
    for base in (set, frozenset):
        if issubclass(t, base):
            return _tag(base.__name__, _items(base.__iter__(value), depth))
    if issubclass(t, list):
        return _items(list.copy(value), depth)
    if issubclass(t, tuple):
        return _tuple(value, t, depth)
    if issubclass(t, dict):
        return _dict(value, t, depth)
    if t in _VIEWS:
        view = _VIEWS[t]
        return _tag(view, _pairs(value, depth) if view == "items" else _items(value, depth))
    if issubclass(t, collections.abc.Iterator):
        return _tag("iter", _drain(value, depth))
    raise TypeError(f"a value of type {t.__name__} cannot cross the sandbox boundary")


_NOT_SPECIAL = object()


def _special(value: object, t: type, depth: int) -> object:
    """Enum members, numpy values, Fraction and Decimal; _NOT_SPECIAL otherwise. Their
    modules are looked up, never imported: a program without them cannot make them."""
    enum = sys.modules.get("enum")
    if enum is not None and issubclass(t, enum.Enum):
        return to_wire(value._value_, depth)
    np = sys.modules.get("numpy")
    if np is not None and issubclass(t, np.ndarray):
        return to_wire(value.tolist(), depth)
    if np is not None and issubclass(t, np.generic):
        item = value.item()
        if type(item) is t:
            raise TypeError(f"a value of type {t.__name__} cannot cross the sandbox boundary")
        return to_wire(item, depth)
    fractions = sys.modules.get("fractions")
    if fractions is not None and issubclass(t, fractions.Fraction):
        return _tag("fraction", [_int(_as_int(value.numerator)), _int(_as_int(value.denominator))])
    decimal = sys.modules.get("decimal")
    if decimal is not None and issubclass(t, decimal.Decimal):
        return _tag("decimal", decimal.Decimal.__str__(value))
    return _NOT_SPECIAL


def _as_int(value: object) -> int:
    if not issubclass(type(value), int):
        raise TypeError("a Fraction of non-integers cannot cross the sandbox boundary")
    return int.__int__(value)


def _tuple(value: tuple, t: type, depth: int) -> object:
    items = _items(tuple.__getitem__(value, slice(None)), depth)
    fields = getattr(t, "_fields", None)
    if type(fields) is tuple and namedtuple_ok(t.__name__, list(fields), len(items)):
        return _tag("namedtuple", [t.__name__, list(fields), items])
    return _tag("tuple", items)


def _dict(value: dict, t: type, depth: int) -> object:
    if issubclass(t, collections.OrderedDict):  # its order is its own, not the dict's
        return _tag("OrderedDict", _pairs(collections.OrderedDict.items(value), depth))
    pairs = _pairs(dict.items(value), depth)
    if issubclass(t, collections.Counter):
        return _tag("Counter", pairs)
    if issubclass(t, collections.defaultdict):
        factory = collections.defaultdict.default_factory.__get__(value)
        name = next((n for n, f in _FACTORIES.items() if f is factory), None)
        return _tag("defaultdict", [name, pairs])
    return _tag("dict", pairs)


def _drain(iterator, depth: int) -> list:
    out = []
    for x in iterator:
        if len(out) >= MAX_ITEMS:
            raise ValueError(f"an iterator of more than {MAX_ITEMS} items cannot be sent")
        out.append(to_wire(x, depth))
    return out


def namedtuple_ok(name: object, fields: object, n: int) -> bool:
    """A namedtuple type the decoder may build: ASCII identifiers only (its fields become
    parameter names of generated code), distinct, not private, not keywords."""

    def ok(s: object) -> bool:
        return (
            type(s) is str
            and 0 < len(s) <= 100
            and s.isascii()
            and s.isidentifier()
            and not keyword.iskeyword(s)
        )

    return (
        ok(name)
        and type(fields) is list
        and len(fields) == n <= 1000
        and len(set(fields)) == n
        and all(ok(f) and not f.startswith("_") for f in fields)
    )


@functools.lru_cache(maxsize=256)
def _namedtuple_type(name: str, fields: tuple) -> type:
    return collections.namedtuple(name, fields)


def from_wire(wire: object, depth: int = 0) -> object:
    """Fresh objects from wire data (ValueError or TypeError when it is malformed)."""
    return _decode(wire, depth, False)


def loads_json(text: str) -> object:
    """Task data (FunctionTests args_json / expected_json): JSON whose objects are dicts
    with string keys, except tagged objects ({"$": tag, "v": ...}, as on the wire) for what
    JSON lacks; an object whose keys are exactly "$" and "v" is always read as a tag.
    Integers may have up to MAX_INT_DIGITS digits, whatever the interpreter's own limit."""
    return _decode(json.loads(text, parse_int=parse_int), 0, True)


def parse_int(text: str) -> int:
    """Decimal text to int without the interpreter's digit limit (4300 by default), up to
    MAX_INT_DIGITS digits: halves are converted separately and combined."""
    digits = len(text) - text.startswith(("-", "+"))
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"an integer of more than {MAX_INT_DIGITS} digits")
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if not limit or digits <= limit:
        return int(text)
    sign, body = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
    return sign * _parse_digits(body, limit)


def _parse_digits(s: str, limit: int) -> int:
    if len(s) <= limit:
        return int(s)
    k = len(s) // 2
    return _parse_digits(s[:-k], limit) * 10**k + _parse_digits(s[-k:], limit)


def _decode(wire: object, depth: int, plain: bool) -> object:
    if depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t = type(wire)
    if wire is None or t in (bool, int, float, str):
        return wire
    if t is list:
        return [_decode(x, depth + 1, plain) for x in wire]
    if t is dict and (set(wire) != {"$", "v"}) and plain:
        return {k: _decode(v, depth + 1, plain) for k, v in wire.items()}
    if t is not dict or set(wire) != {"$", "v"} or type(wire["$"]) is not str:
        raise ValueError(f"malformed value of type {t.__name__}")
    tag, v = wire["$"], wire["v"]
    if tag in _TEXT_TAGS:
        if type(v) is not str:
            raise ValueError(f"malformed {tag!r} value")
        return _TEXT_TAGS[tag](v)
    build = _LIST_TAGS.get(tag)
    if build is None or type(v) is not list:
        raise ValueError(f"unknown or malformed tag {tag!r}")
    return build([_decode(x, depth + 1, plain) for x in v])


def _hex_int(v: str) -> int:
    digits = v[1:] if v.startswith("-") else v
    if not digits or digits.strip("0123456789abcdef"):
        raise ValueError("malformed 'int' value")
    return int(v, 16)


def _special_float(v: str) -> float:
    if v not in ("nan", "inf", "-inf"):
        raise ValueError("malformed 'float' value")
    return float(v)


def _decimal(v: str) -> object:
    import decimal

    try:
        return decimal.Decimal(v)
    except (ArithmeticError, ValueError):
        raise ValueError("malformed 'decimal' value") from None


_TEXT_TAGS = {
    "int": _hex_int,
    "float": _special_float,
    "bytes": lambda v: v.encode("latin-1"),
    "bytearray": lambda v: bytearray(v.encode("latin-1")),
    "decimal": _decimal,
}


def _need(ok: bool, tag: str) -> None:
    if not ok:
        raise ValueError(f"malformed {tag!r} value")


def _pair_list(items: list, tag: str) -> list:
    _need(all(type(p) is list and len(p) == 2 for p in items), tag)
    _few_collisions([p[0] for p in items], tag)
    return items


def _few_collisions(keys: list, tag: str) -> list:
    """Checks in linear time that building a hashed container of `keys` is linear too:
    each key is compared with one earlier key of the same hash (equal keys are mere
    duplicates), and unequal ones are counted."""
    first: dict[int, object] = {}  # hash values are small ints: they never collide here
    collisions = 0
    for key in keys:
        try:
            h = hash(key)
        except TypeError:
            raise ValueError(f"unhashable key in {tag!r}") from None
        seen = first.setdefault(h, key)
        if seen is not key and seen != key:
            collisions += 1
            _need(collisions <= MAX_HASH_COLLISIONS, tag)
    return keys


def _is_int(x: object) -> bool:
    return type(x) is int


def _complex(items: list) -> complex:
    _need(len(items) == 2 and all(type(x) in (int, float) for x in items), "complex")
    return complex(*items)


def _range(items: list) -> range:
    _need(len(items) == 3 and all(map(_is_int, items)) and items[2] != 0, "range")
    return range(*items)


def _fraction(items: list) -> object:
    import fractions

    _need(len(items) == 2 and all(map(_is_int, items)) and items[1] > 0, "fraction")
    _need(all(x.bit_length() <= MAX_FRACTION_BITS for x in items), "fraction")
    return fractions.Fraction(*items)


def _namedtuple(items: list) -> tuple:
    _need(len(items) == 3 and type(items[2]) is list, "namedtuple")
    name, fields, values = items
    _need(namedtuple_ok(name, fields, len(values)), "namedtuple")
    return _namedtuple_type(name, tuple(fields))(*values)


def _defaultdict(items: list) -> dict:
    _need(len(items) == 2 and type(items[1]) is list, "defaultdict")
    factory = items[0]
    _need(factory is None or (type(factory) is str and factory in _FACTORIES), "defaultdict")
    pairs = _pair_list(items[1], "defaultdict")
    return collections.defaultdict(_FACTORIES.get(factory), pairs)


_LIST_TAGS = {
    "tuple": tuple,
    "set": lambda items: set(_few_collisions(items, "set")),
    "frozenset": lambda items: frozenset(_few_collisions(items, "frozenset")),
    "iter": iter,
    "complex": _complex,
    "range": _range,
    "fraction": _fraction,
    "namedtuple": _namedtuple,
    "defaultdict": _defaultdict,
    "dict": lambda items: dict(_pair_list(items, "dict")),
    "Counter": lambda items: collections.Counter(dict(_pair_list(items, "Counter"))),
    "OrderedDict": lambda items: collections.OrderedDict(_pair_list(items, "OrderedDict")),
    "keys": lambda items: dict.fromkeys(_few_collisions(items, "keys")).keys(),
    "values": lambda items: dict(enumerate(items)).values(),
    "items": lambda items: dict(_pair_list(items, "items")).items(),
}


def dumps(value: object) -> str:
    return json.dumps(to_wire(value), separators=(",", ":"), allow_nan=False)


def loads(text: str) -> object:
    return from_wire(json.loads(text))
