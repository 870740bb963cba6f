"""The value codec and the call plumbing on both sides of it, without Docker.

What crosses the sandbox boundary is plain data: data-like objects of the candidate
(subclasses of builtins, Counter, Enum members, numpy values, Fraction, ...) are converted
by reading their data, never by trusting their methods, and decode into the judge's own
objects; everything else is refused.
"""

from __future__ import annotations

import collections
import decimal
import enum
import fractions
import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from reward_server.verifiers.code import assert_calls
from reward_server.verifiers.code.valuecodec_loader import CODEC_DIR, valuecodec
from reward_server.verifiers.code.verdicts import plain_equal

from .conftest import decimal_text

np = pytest.importorskip("numpy")


def cross(value: object) -> object:
    """What the other side gets: encoded, sent as JSON text, decoded."""
    return valuecodec.loads(valuecodec.dumps(value))


class Color(enum.Enum):
    RED = "red"
    PAIR = (1, 2)
    NOTHING = None


class Level(enum.IntEnum):
    HIGH = 3


class Letter(str, enum.Enum):
    A = "a"


Point = collections.namedtuple("Point", "x y")


class RiggedList(list):
    def __eq__(self, other):
        return True

    __hash__ = None

    def __iter__(self):
        return iter([42])

    def __len__(self):
        return 99


class RiggedDict(dict):
    def __eq__(self, other):
        return True

    def items(self):
        return [("forged", 1)]

    def keys(self):
        return ["forged"]


class RiggedStr(str):
    def __eq__(self, other):
        return True

    def __str__(self):
        return "forged"

    __hash__ = str.__hash__


class RiggedInt(int):
    def __eq__(self, other):
        return True

    def __int__(self):
        return 7

    def __index__(self):
        return 7

    __hash__ = int.__hash__


class RiggedFloat(float):
    def __float__(self):
        return 7.0


class RiggedTuple(tuple):
    def __iter__(self):
        return iter(())


class RiggedSet(set):
    def __iter__(self):
        return iter([42])


CONVERTED = [
    # (value, what the other side must get, its exact type)
    (collections.Counter("abca"), {"a": 2, "b": 1, "c": 1}, collections.Counter),
    (collections.defaultdict(list, {1: [2]}), {1: [2]}, collections.defaultdict),
    (collections.OrderedDict([("b", 1), ("a", 2)]), {"b": 1, "a": 2}, collections.OrderedDict),
    (Point(1, 2), (1, 2), None),
    (fractions.Fraction(1, 3), fractions.Fraction(1, 3), fractions.Fraction),
    (decimal.Decimal("1.10"), decimal.Decimal("1.10"), decimal.Decimal),
    (Color.RED, "red", str),
    (Color.PAIR, (1, 2), tuple),
    (Color.NOTHING, None, type(None)),
    (Level.HIGH, 3, int),
    (Letter.A, "a", str),
    (np.int64(3), 3, int),
    (np.float32(0.5), 0.5, float),
    (np.float64(2.5), 2.5, float),
    (np.bool_(True), True, bool),
    (np.array([[1, 2], [3, 4]]), [[1, 2], [3, 4]], list),
    (np.array(7), 7, int),
    ({1, 2}, {1, 2}, set),
    (frozenset({3}), frozenset({3}), frozenset),
    (RiggedList([1, 2]), [1, 2], list),
    (RiggedDict(a=1), {"a": 1}, dict),
    (RiggedStr("ab"), "ab", str),
    (RiggedInt(3), 3, int),
    (RiggedFloat(1.5), 1.5, float),
    (RiggedTuple((1, 2)), (1, 2), tuple),
    (RiggedSet({1, 2}), {1, 2}, set),
    (range(2, 10, 3), range(2, 10, 3), range),
    (bytearray(b"xy"), bytearray(b"xy"), bytearray),
    (b"\x00\xff", b"\x00\xff", bytes),
    (complex(1, -2), complex(1, -2), complex),
    (math.factorial(2000), math.factorial(2000), int),
    (-(10**5000), -(10**5000), int),
    ({1: "a", (2, 3): ["b"]}, {1: "a", (2, 3): ["b"]}, dict),
    ({1: 2}.keys(), {1: 2}.keys(), type({}.keys())),
    ({1: 2}.items(), {1: 2}.items(), type({}.items())),
]


@pytest.mark.parametrize(
    "value, want, kind", CONVERTED, ids=[type(v).__name__ for v, _, _ in CONVERTED]
)
def test_data_like_objects_cross_as_their_data(value, want, kind):
    got = cross(value)
    assert got == want
    if kind is not None:
        assert type(got) is kind


def test_rigged_subclasses_cross_as_their_real_contents():
    assert cross(RiggedList([1, 2])) != [42]  # the rigged __iter__ was not used
    assert cross(RiggedDict(a=1)) == {"a": 1}  # nor the rigged items()
    assert cross(RiggedStr("ab")) != "anything"
    assert cross(RiggedInt(3)) != 7 and cross(RiggedInt(3)) != 4
    assert cross([RiggedList([1])]) == [[1]]


def test_judge_side_types_are_the_judges_own():
    ordered = cross(collections.OrderedDict([("b", 1), ("a", 2)]))
    assert ordered != collections.OrderedDict([("a", 2), ("b", 1)])  # order still counts
    assert cross(collections.Counter("aab")).most_common(1) == [("a", 2)]
    assert cross(collections.defaultdict(int))["missing"] == 0
    assert cross(collections.defaultdict(lambda: 5)).default_factory is None
    point = cross(Point(1, 2))
    assert point.x == 1 and point == (1, 2)
    assert cross(fractions.Fraction(1, 2)) == 0.5
    gen = cross(x for x in range(3))
    assert gen != [0, 1, 2] and list(gen) == [0, 1, 2]  # an iterator, as in Python


def test_objects_that_are_not_data_are_refused():
    class Opaque:
        def __eq__(self, other):
            return True

    for value in (Opaque(), [Opaque()], {1: Opaque()}, print, object, {1: 2}.values):
        with pytest.raises(TypeError):
            valuecodec.dumps(value)
    with pytest.raises(ValueError):
        valuecodec.dumps(iter(range(valuecodec.MAX_ITEMS + 1)))


@pytest.mark.parametrize(
    "wire",
    [
        {"$": "evil", "v": []},
        {"$": "int", "v": "0x10"},
        {"$": "int", "v": "1_0"},
        {"$": "float", "v": "1.5"},
        {"$": "range", "v": [0, 1, 0]},
        {"$": "fraction", "v": [1, 0]},
        {"$": "fraction", "v": [1, 1 << (valuecodec.MAX_FRACTION_BITS + 1)]},
        {"$": "decimal", "v": "one"},
        {"$": "namedtuple", "v": ["P", ["x", "x"], [1, 2]]},
        {"$": "namedtuple", "v": ["P", ["class"], [1]]},
        {"$": "namedtuple", "v": ["P", ["ﬁ", "fi"], [1, 2]]},
        {"$": "defaultdict", "v": ["os.system", []]},
        {"$": "dict", "v": [[1]]},
        {"a": 1},  # plain objects are task JSON, never wire data
    ],
)
def test_malformed_wire_is_refused(wire):
    with pytest.raises((ValueError, TypeError)):
        valuecodec.from_wire(wire)


def test_task_json_int_keys_tags_and_big_ints():
    assert valuecodec.loads_json('{"$": "dict", "v": [[1, "a"], [2, "b"]]}') == {1: "a", 2: "b"}
    assert valuecodec.loads_json('[{"k": {"$": "tuple", "v": [1, 2]}}]') == [{"k": (1, 2)}]
    big = math.factorial(2000)
    text = decimal_text(big)
    assert len(text) > 4300
    assert valuecodec.loads_json(text) == big
    assert valuecodec.loads_json(f"[-{text}]") == [-big]
    with pytest.raises(ValueError):
        valuecodec.loads_json("9" * (valuecodec.MAX_INT_DIGITS + 1))


def test_big_ints_cross_as_hex_without_digit_limits():
    wire = json.loads(valuecodec.dumps(10**5000))
    assert wire["$"] == "int" and wire["v"] == format(10**5000, "x")
    assert valuecodec.to_wire(2**100) == 2**100  # small ones stay JSON numbers


def test_plain_equal_numbers_and_tagged_expectations():
    assert plain_equal(fractions.Fraction(1, 2), 0.5)
    assert plain_equal(decimal.Decimal("2"), 2)
    assert not plain_equal(fractions.Fraction(1, 3), 0.3333)
    assert plain_equal(fractions.Fraction(1, 3), 1 / 3)
    assert plain_equal(decimal.Decimal("3.3"), 3.3)
    assert not plain_equal(2**53 + 1, float(2**53))  # ints against floats stay exact
    assert plain_equal(fractions.Fraction(1, 3), 0.3333333, 1e-6)
    assert not plain_equal(decimal.Decimal("sNaN"), 1.0)
    assert plain_equal(collections.Counter("aab"), {"a": 2, "b": 1})
    assert plain_equal(Point(1, 2), [1, 2]) and plain_equal(range(3), [0, 1, 2])
    assert plain_equal({1, 2}, frozenset({1, 2})) and not plain_equal([1, 2], {1, 2})
    assert plain_equal(bytearray(b"a"), b"a") and not plain_equal("a", b"a")
    assert not plain_equal(True, fractions.Fraction(1))


def test_candidate_exceptions_that_steer_control_flow_become_runtime_errors():
    for name in ("StopIteration", "StopAsyncIteration", "GeneratorExit", "SystemExit",
                 "KeyboardInterrupt", "BaseException", "MyOwnError"):  # fmt: skip
        exc = assert_calls.rebuild_exception(name, "m")
        assert type(exc) is RuntimeError and name in str(exc)
    for name, cls in (("ValueError", ValueError), ("KeyError", KeyError), ("ZeroDivisionError",
                      ZeroDivisionError), ("RecursionError", RecursionError)):  # fmt: skip
        assert type(assert_calls.rebuild_exception(name, "m")) is cls


def test_sync_in_place_keeps_the_tests_objects():
    inner = [3, 1]
    grid = [inner, (inner,)]
    assert assert_calls.sync_in_place(grid, [[1, 3], ([1, 3],), [9]])
    assert grid == [[1, 3], ([1, 3],), [9]] and grid[0] is inner and grid[1][0] is inner
    d = collections.OrderedDict(a=1)
    assert assert_calls.sync_in_place(d, {"b": 2, "a": 1}) and list(d) == ["b", "a"]
    s, b = {1}, bytearray(b"x")
    assert assert_calls.sync_in_place(s, {2}) and s == {2}
    assert assert_calls.sync_in_place(b, bytearray(b"yz")) and b == b"yz"
    assert not assert_calls.sync_in_place((1,), (2,))  # immutable: left as it was
    assert not assert_calls.sync_in_place(5, [5])


def _harness():
    spec = importlib.util.spec_from_file_location(
        "harness_under_test", Path(CODEC_DIR) / "harness.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_harness_sends_small_values_and_only_names_big_or_odd_ones():
    h = _harness()
    it = iter([1, 2])
    ns = {"SMALL": {1: [2, 3]}, "BIG": list(range(100_000)), "IT": it, "f": len, "C": Color.RED}
    names = h._describe(ns)
    assert names["SMALL"] == {"kind": "value", "v": valuecodec.to_wire({1: [2, 3]})}
    assert names["BIG"] == names["IT"] == names["C"] == {"kind": "value", "lazy": True}
    assert names["f"] == {"kind": "callable"}
    assert next(it) == 1  # describing did not drain the program's iterator
    assert len(json.dumps(names)) < 2000
    got = json.loads(h.answer(ns, json.dumps({"get": "BIG"}), h.Calls()))
    assert valuecodec.from_wire(got["ok"]) == list(range(100_000))


def test_harness_calls_with_keywords_and_reports_changed_arguments():
    h = _harness()

    def f(xs, *, into):
        xs.sort()
        into["n"] = len(xs)
        return None

    ns = {"f": f}
    call = assert_calls.encode_call("f", ([3, 1, 2], (1, 2)), {"into": {}}, valuecodec)
    call["args"].append(5)  # an extra positional argument: f fails
    reply = json.loads(h.answer(ns, json.dumps(call), h.Calls()))
    assert reply["raise"] == "TypeError"
    call = assert_calls.encode_call("f", ([3, 1, 2],), {"into": {}}, valuecodec)
    reply = json.loads(h.answer(ns, json.dumps(call), h.Calls()))
    assert reply["ok"] is None
    assert reply["mutated"] == [[0, [1, 2, 3]], ["into", valuecodec.to_wire({"n": 3})]]
    lst, into = [3, 1, 2], {}
    assert_calls.apply_mutations(reply["mutated"], (lst,), {"into": into}, valuecodec)
    assert lst == [1, 2, 3] and into == {"n": 3}
    with pytest.raises(ValueError):
        assert_calls.apply_mutations([[5, []]], (lst,), {}, valuecodec)


COLLIDING = [k * (2**61 - 1) + 7 for k in range(1, 20_001)]  # all hash to 7


@pytest.mark.parametrize(
    "wire",
    [
        {"$": "set", "v": COLLIDING},
        {"$": "frozenset", "v": COLLIDING},
        {"$": "keys", "v": COLLIDING},
        {"$": "dict", "v": [[k, 0] for k in COLLIDING]},
        {"$": "Counter", "v": [[{"$": "tuple", "v": [k, 1]}, 1] for k in COLLIDING]},
    ],
    ids=["set", "frozenset", "keys", "dict", "Counter-tuple-keys"],
)
def test_containers_of_colliding_keys_are_refused_in_linear_time(wire):
    # Built naively, 20,000 keys of one hash take 2e8 probes (minutes of server CPU).
    with pytest.raises(ValueError, match="malformed"):
        valuecodec.from_wire(wire)


def test_equal_keys_and_a_few_collisions_still_decode():
    assert valuecodec.from_wire({"$": "set", "v": [5] * 10_000}) == {5}
    few = COLLIDING[: valuecodec.MAX_HASH_COLLISIONS]
    assert valuecodec.from_wire({"$": "set", "v": few}) == set(few)
