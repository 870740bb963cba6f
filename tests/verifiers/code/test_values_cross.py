"""Correct programs whose values are not exact builtins score CORRECT, through a real
CodeVerifier: data-like results (Counter, Enum members, numpy values, Fraction, big ints,
subclasses ...), big module-level data, keyword arguments, arguments changed in place,
and every plain argument the test code passes. Rigged or wrong ones still do not.
"""

from __future__ import annotations

import math

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict

from .conftest import decimal_text, fenced

pytestmark = pytest.mark.docker


FACT_2000 = decimal_text(math.factorial(2000))  # 5736 digits
BIG_ARG = "7" * 5000

# (id, entry point, program, test code): each must score CORRECT.
ASSERT_ROWS = [
    (
        "counter",
        "f",
        "from collections import Counter\ndef f(s):\n    return Counter(s)",
        "def check(candidate):\n    assert candidate('aab') == {'a': 2, 'b': 1}\n"
        "    assert candidate('aab').most_common(1) == [('a', 2)]",
    ),
    (
        "defaultdict",
        "f",
        "from collections import defaultdict\ndef f(words):\n    d = defaultdict(list)\n"
        "    for w in words:\n        d[w[0]].append(w)\n    return d",
        "def check(candidate):\n"
        "    assert candidate(['ab', 'ac', 'b']) == {'a': ['ab', 'ac'], 'b': ['b']}\n"
        "    assert candidate([])['z'] == []",
    ),
    (
        "ordereddict",
        "f",
        "from collections import OrderedDict\ndef f(pairs):\n    return OrderedDict(pairs)",
        "from collections import OrderedDict\ndef check(candidate):\n"
        "    assert candidate([('b', 1), ('a', 2)]) == OrderedDict([('b', 1), ('a', 2)])\n"
        "    assert list(candidate([('b', 1), ('a', 2)])) == ['b', 'a']",
    ),
    (
        "namedtuple",
        "f",
        "from collections import namedtuple\nP = namedtuple('P', 'x y')\n"
        "def f(a, b):\n    return P(a, b)",
        "def check(candidate):\n    assert candidate(1, 2) == (1, 2)\n"
        "    assert candidate(1, 2).y == 2",
    ),
    (
        "typing_namedtuple",
        "f",
        "from typing import NamedTuple\nclass P(NamedTuple):\n    x: int\n    y: int\n"
        "def f(a, b):\n    return [P(a, b)]",
        "assert f(1, 2) == [(1, 2)]\nassert f(3, 4)[0].x == 3",
    ),
    (
        "fraction",
        "f",
        "from fractions import Fraction\ndef f(a, b):\n    return Fraction(a, b)",
        "from fractions import Fraction\ndef check(candidate):\n"
        "    assert candidate(1, 3) == Fraction(1, 3)\n    assert candidate(1, 2) == 0.5\n"
        "    assert candidate(4, 2) == 2",
    ),
    (
        "decimal",
        "f",
        "from decimal import Decimal\ndef f(a, b):\n    return Decimal(a) + Decimal(b)",
        "from decimal import Decimal\ndef check(candidate):\n"
        "    assert candidate('1.1', '2.2') == Decimal('3.3')\n"
        "    assert str(candidate('1.10', '0')) == '1.10'",
    ),
    (
        "enum",
        "f",
        "import enum\nclass Color(enum.Enum):\n    RED = 'red'\n    PAIR = (1, 2)\n"
        "def f(x):\n    return Color.RED if x else Color.PAIR",
        "def check(candidate):\n    assert candidate(1) == 'red'\n"
        "    assert candidate(0) == (1, 2)",
    ),
    (
        "intenum_strenum",
        "f",
        "import enum\nclass L(enum.IntEnum):\n    HIGH = 3\nclass S(enum.StrEnum):\n    A = 'a'\n"
        "def f(x):\n    return L.HIGH if x else S.A",
        "def check(candidate):\n    assert candidate(1) == 3 and candidate(1) + 1 == 4\n"
        "    assert candidate(0) == 'a' and candidate(0).upper() == 'A'",
    ),
    (
        "numpy_scalars",
        "f",
        "import numpy as np\ndef f(xs):\n    a = np.array(xs)\n"
        "    return a.sum(), a.mean(), a.max() > 2",
        "def check(candidate):\n    assert candidate([1, 2, 3]) == (6, 2.0, True)\n"
        "    assert type(candidate([1])[0]) is int and candidate([5])[2] is True",
    ),
    (
        "numpy_array",
        "f",
        "import numpy as np\ndef f(n):\n    return np.arange(n).reshape(-1, 2) * 2",
        "def check(candidate):\n    assert candidate(4) == [[0, 2], [4, 6]]\n"
        "    assert list(map(list, candidate(2))) == [[0, 2]]",
    ),
    (
        "set_frozenset",
        "f",
        "class Bag(set):\n    pass\ndef f(xs):\n    return frozenset(xs), Bag(xs)",
        "def check(candidate):\n    assert candidate([1, 1, 2]) == ({1, 2}, {1, 2})",
    ),
    (
        "builtin_subclasses",
        "f",
        "class L(list): pass\nclass D(dict): pass\nclass S(str): pass\nclass I(int): pass\n"
        "class F(float): pass\nclass T(tuple): pass\n"
        "def f(x):\n    return [L([x]), D(k=x), S('s'), I(x), F(x / 2), T((x,))]",
        "def check(candidate):\n"
        "    assert candidate(3) == [[3], {'k': 3}, 's', 3, 1.5, (3,)]\n"
        "    assert type(candidate(3)[3]) is int",
    ),
    (
        "big_int",
        "f",
        "import math\ndef f(n):\n    return math.factorial(n)",
        f"import math\ndef check(candidate):\n    assert candidate(2000) == {FACT_2000}\n"
        "    assert candidate(2000) == math.factorial(2000)\n"
        f"    assert len(str(candidate(2000))) == {len(FACT_2000)}\n"
        f"    assert candidate(1) + {BIG_ARG} == {BIG_ARG} + 1",
    ),
    (
        "million_item_module_list",
        "f",
        "TABLE = list(range(1_000_000))\nSQUARES = {i: i * i for i in range(1000)}\n"
        "def f(i):\n    return TABLE[i]",
        "def check(candidate):\n    assert candidate(999_999) == 999_999\n"
        "    assert SQUARES[30] == candidate(900)",  # a big-ish value the test reads itself
    ),
    (
        "keyword_arguments",
        "f",
        "def f(a, b=1, *, scale=1):\n    return (a + b) * scale",
        "def check(candidate):\n    assert candidate(1, b=2, scale=3) == 9\n"
        "    assert candidate(a=1) == 2\n    assert candidate(2, **{'scale': 2}) == 6",
    ),
    (
        "keyword_arguments_top_level",
        "f",
        "def f(a, b=1, *, scale=1):\n    return (a + b) * scale",
        "assert f(1, scale=2) == 4\nassert f(b=0, a=5) == 5",
    ),
    (
        "sort_in_place",
        "f",
        "def f(xs):\n    xs.sort()",
        "def check(candidate):\n    lst = [3, 1, 2]\n    alias = lst\n"
        "    assert candidate(lst) is None\n"
        "    assert lst == [1, 2, 3] and alias is lst",
    ),
    (
        "sort_in_place_top_level",
        "f",
        "def f(xs):\n    xs.reverse()",
        "lst = [3, 1, 2]\nf(lst)\nassert lst == [2, 1, 3]",
    ),
    (
        "mutate_dict_set_bytearray_kwarg",
        "f",
        "def f(d, s, *, buf):\n    d[len(d)] = 'x'\n    s.add(len(s))\n    buf.reverse()",
        "def check(candidate):\n    d, s, b = {}, set(), bytearray(b'ab')\n"
        "    candidate(d, s, buf=b)\n    candidate(d, s, buf=b)\n"
        "    assert d == {0: 'x', 1: 'x'} and s == {0, 1} and b == bytearray(b'ab')",
    ),
    (
        "mutate_nested_then_raise",
        "f",
        "def f(grid):\n    grid[0][0] = 1\n    grid.append([])\n    raise ValueError('done')",
        "def check(candidate):\n    row = [0, 0]\n    grid = [row, [0]]\n    try:\n"
        "        candidate(grid)\n    except ValueError:\n        pass\n"
        "    assert row == [1, 0] and grid == [[1, 0], [0], []] and grid[0] is row",
    ),
    (
        "plain_arguments",
        "f",
        "def f(x):\n    return x",
        "import math\ndef check(candidate):\n    assert candidate(range(3)) == range(3)\n"
        "    assert candidate(bytearray(b'ab')) == b'ab'\n"
        "    assert candidate(b'\\x00') == b'\\x00'\n"
        "    assert candidate(1 + 2j) == 1 + 2j\n    assert candidate(None) is None\n"
        "    assert candidate(True) is True\n    assert candidate((1, (2,))) == (1, (2,))\n"
        "    assert candidate(float('inf')) == float('inf')\n"
        "    assert math.isnan(candidate(float('nan')))\n"
        "    assert candidate({1: 2}.keys()) == {1}\n"
        "    assert list(candidate(iter([1, 2]))) == [1, 2]",
    ),
    (
        "iterable_arguments",
        "f",
        "def f(xs):\n    return sum(xs)",
        "def check(candidate):\n    assert candidate(range(4)) == 6\n"
        "    assert candidate(x * x for x in range(3)) == 5\n"
        "    assert candidate(map(abs, [-1, -2])) == 3",
    ),
    (
        "returns_iterators",
        "f",
        "def f(n):\n    return (i for i in range(n)) if n else map(str, [1])",
        "def check(candidate):\n    assert list(candidate(3)) == [0, 1, 2]\n"
        "    assert list(candidate(0)) == ['1']",
    ),
    (
        "exceptions_keep_their_type",
        "f",
        "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x",
        "def check(candidate):\n    try:\n        candidate(-1)\n    except ValueError:\n"
        "        pass\n"
        "    else:\n        assert False\n    assert candidate(2) == 2",
    ),
]

# Programs that must not score CORRECT (nor INFRA_ERROR) although they return data-like
# values: conversion keeps data, never a rigged comparison or a missing behaviour.
WRONG_ROWS = [
    (
        "rigged_list_wrong_data",
        "f",
        "class L(list):\n    def __eq__(self, o):\n        return True\n"
        "    def __iter__(self):\n        return iter([1, 1])\ndef f(x):\n    return L([0])",
        "def check(candidate):\n    assert candidate(1) == [1, 1]",
    ),
    (
        "rigged_counter_wrong_data",
        "f",
        "from collections import Counter\nclass C(Counter):\n    def __eq__(self, o):\n"
        "        return True\ndef f(s):\n    return C('x')",
        "def check(candidate):\n    assert candidate('aab') == {'a': 2, 'b': 1}",
    ),
    (
        "ordereddict_wrong_order",
        "f",
        "from collections import OrderedDict\ndef f(pairs):\n    return OrderedDict(sorted(pairs))",
        "from collections import OrderedDict\ndef check(candidate):\n"
        "    assert candidate([('b', 1), ('a', 2)]) == OrderedDict([('b', 1), ('a', 2)])",
    ),
    (
        "generator_is_not_a_list",
        "f",
        "def f(n):\n    return (i for i in range(n))",
        "def check(candidate):\n    assert candidate(3) == [0, 1, 2]",
    ),
    (
        "enum_with_wrong_value",
        "f",
        "import enum\nclass Color(enum.Enum):\n    RED = 'blue'\n"
        "    def __eq__(self, o):\n        return True\ndef f(x):\n    return Color.RED",
        "def check(candidate):\n    assert candidate(1) == 'red'",
    ),
    (
        "no_sort_in_place",
        "f",
        "def f(xs):\n    return sorted(xs)",
        "def check(candidate):\n    lst = [3, 1, 2]\n    candidate(lst)\n"
        "    assert lst == [1, 2, 3]",
    ),
    (
        "test_argument_that_cannot_cross",
        "f",
        "def f(x):\n    return x",
        "class Node:\n    pass\ndef check(candidate):\n    assert candidate(Node()) is not None",
    ),
]

# (id, entry point, program, [(args_json, expected_json)]): each must score CORRECT.
FUNCTION_ROWS = [
    (
        "int_keyed_dict",
        "f",
        "def f(n):\n    return {i: str(i) for i in range(n)}",
        [
            ("[2]", '{"$": "dict", "v": [[0, "0"], [1, "1"]]}'),
            ("[0]", "{}"),
        ],
    ),
    (
        "int_keyed_dict_argument",
        "f",
        "def f(d):\n    return sorted(d)",
        [('[{"$": "dict", "v": [[2, "b"], [1, "a"]]}]', "[1, 2]")],
    ),
    (
        "big_ints",
        "f",
        "import math\ndef f(n):\n    return math.factorial(n) if n < 10**4 else n % 1000",
        [("[2000]", FACT_2000), (f"[{BIG_ARG}]", "777")],
    ),
    (
        "data_like_results",
        "f",
        "from collections import Counter, namedtuple\nfrom fractions import Fraction\n"
        "from decimal import Decimal\nimport numpy as np\nP = namedtuple('P', 'a b')\n"
        "def f(k):\n    return [Counter('aab'), Fraction(1, 2), Decimal('0.25'), np.arange(2),\n"
        "            P(1, 2), np.int64(k), {1, 2}, (3, 4), Decimal('1.1') + Decimal('2.2'),\n"
        "            Fraction(2, 6)][k]",
        [
            ("[0]", '{"a": 2, "b": 1}'),
            ("[1]", "0.5"),
            ("[2]", "0.25"),
            ("[3]", "[0, 1]"),
            ("[4]", "[1, 2]"),
            ("[5]", "5"),
            ("[6]", '{"$": "set", "v": [2, 1]}'),
            ("[7]", '{"$": "tuple", "v": [3, 4]}'),
            ("[8]", "3.3"),
            ("[9]", '{"$": "fraction", "v": [1, 3]}'),
        ],
    ),
]


def assert_task(entry: str, test_code: str) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        asserts=reward_pb2.AssertTests(entry_point=entry, test_code=test_code),
        limits=reward_pb2.Limits(time_limit_s=5.0, memory_mb=256),
    )


def function_task(entry: str, cases: list[tuple[str, str]]) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        function=reward_pb2.FunctionTests(
            entry_point=entry,
            cases=[reward_pb2.FunctionCase(args_json=a, expected_json=e) for a, e in cases],
        ),
        limits=reward_pb2.Limits(time_limit_s=5.0, memory_mb=256),
    )


def _verdicts(verifier, rows, make_task) -> dict[str, tuple[str, str]]:
    batches = [(make_task(entry, test), [fenced(program)]) for _, entry, program, test in rows]
    for task, _ in batches:
        verifier.v.validate(task)
    out = verifier.score_many(batches)
    return {row[0]: (o[0].verdict.name, o[0].detail) for row, o in zip(rows, out, strict=True)}


def test_correct_programs_with_data_like_values_are_correct(verifier):
    got = _verdicts(verifier, ASSERT_ROWS, assert_task)
    assert {k: v for k, v in got.items() if v[0] != "CORRECT"} == {}


def test_function_tests_with_tagged_and_big_expectations_are_correct(verifier):
    got = _verdicts(verifier, FUNCTION_ROWS, function_task)
    assert {k: v for k, v in got.items() if v[0] != "CORRECT"} == {}


def test_rigged_or_wrong_values_are_still_not_correct(verifier):
    got = _verdicts(verifier, WRONG_ROWS, assert_task)
    bad = {k: v for k, v in got.items() if v[0] in ("CORRECT", "INFRA_ERROR")}
    assert bad == {}
    assert got["test_argument_that_cannot_cross"][0] == Verdict.WRONG.name


def test_big_module_level_data_costs_nothing_unless_used(verifier):
    """A million-item table at module level used to be sent with the names at load
    (OUTPUT_LIMIT, container retired); now only its name is."""
    program = fenced("TABLE = [0] * 3_000_000\ndef f(x):\n    return x + 1")
    task = assert_task("f", "def check(candidate):\n    assert candidate(1) == 2")
    out = verifier.score(task, [program] * 3)
    assert [o.verdict for o in out] == [Verdict.CORRECT] * 3, out
