"""The task record: one codec between the JSON shape users write tasks in and the reward
server's ``Task`` / ``Group`` messages. The request builders, the trainer adapters and the
bundled trainer all read and write tasks through it.

A record is a JSON object (a dict); its task fields are one of::

    {"gold": "5"}                                                          math
    {"tests": {"function": {"entry_point": "f", "cases": [[[1], 2], [[2], 3]]}},
     "language": "python"}                                                 code
    {"tests": {"io": [["stdin", "expected stdout"], ...]}}
    {"tests": {"asserts": {"entry_point": "f", "test_code": "assert f(1) == 2"}}}

A code record may also hold ``"report_tests": true`` (one result per test in each score)
and, for io tests, ``"compare"`` (``{"abs_tolerance": 1e-6, "rel_tolerance": 0,
"ignore_case": false, "ignore_whitespace": false}``, any subset) or ``"checker"``
(``{"language": "cpp", "source": "..."}``), the ``IoTests.compare`` / ``.checker`` fields.

Other keys (``prompt``, ``reference``, ...) belong to the caller and are ignored here; a
key set to null counts as absent. ``language`` defaults to ``python``; ``tests`` may also
be a JSON string. A function case is ``[args, expected]``: the JSON array of positional
arguments and the JSON value the call must return (tagged values as in ``FunctionCase``).

Only the shape is checked here (what cannot be encoded raises ValueError); whether the
content can be judged (an empty gold, an unknown language) is the server's answer, per
group (``GroupResult.error``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from reward_server.api import reward_pb2
from reward_server.languages import DEFAULT_TASK_LANGUAGE
from reward_server.quoting import quote

TEST_KINDS = ("function", "io", "asserts")
CODE_OPTIONS = ("compare", "checker", "report_tests")  # a code record's optional fields
COMPARE_FLOATS = ("abs_tolerance", "rel_tolerance")
COMPARE_FLAGS = ("ignore_case", "ignore_whitespace")


def check_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The task fields of ``record`` in canonical form: ``{"gold": str}`` or ``{"tests":
    {...}, "language": str}``, with plain lists and the tests parsed from JSON text.
    Equal tasks give equal (and equally serialised) results."""
    if not isinstance(record, Mapping):
        raise ValueError(f"a task record must be a JSON object, got {quote(record)}")
    gold, tests = record.get("gold"), record.get("tests")
    if gold is not None and tests is not None:
        raise ValueError("a task record has 'gold' (math) or 'tests' (code), not both")
    if gold is not None:
        if isinstance(gold, bool) or not isinstance(gold, str | int | float):
            raise ValueError(f"'gold' must be a string or a number, got {quote(gold)}")
        return {"gold": str(gold)}
    if tests is None:
        raise ValueError(
            f"a task record needs 'gold' (math) or 'tests' (code), got keys {sorted(record)}"
        )
    language = record.get("language")
    if language is None:
        language = DEFAULT_TASK_LANGUAGE
    if not isinstance(language, str) or not language:
        raise ValueError(f"'language' must be a non-empty string, got {quote(language)}")
    fields = {"tests": check_tests(tests), "language": language}
    fields.update(_code_options(record, "io" in fields["tests"]))
    return fields


def _code_options(record: Mapping[str, Any], io: bool) -> dict[str, Any]:
    """The optional compare / checker / report_tests of a code record, canonical, only
    the ones set (so a record without them reads as it did before they existed)."""
    out: dict[str, Any] = {}
    report = record.get("report_tests")
    if report is not None and not isinstance(report, bool):
        raise ValueError(f"'report_tests' must be true or false, got {quote(report)}")
    if report:
        out["report_tests"] = True
    for key in ("compare", "checker"):
        if record.get(key) is not None and not io:
            raise ValueError(f"'{key}' applies to io tests only")
    compare = record.get("compare")
    if compare is not None:
        out["compare"] = _compare(compare)
    checker = record.get("checker")
    if checker is not None:
        if not isinstance(checker, Mapping) or set(checker) != {"language", "source"}:
            raise ValueError(
                f"'checker' must be an object with 'language' and 'source', got {quote(checker)}"
            )
        out["checker"] = {
            "language": _text(checker["language"]),
            "source": _text(checker["source"]),
        }
    return out


def _compare(compare: Any) -> dict[str, Any]:
    known = COMPARE_FLOATS + COMPARE_FLAGS
    if not isinstance(compare, Mapping) or not set(compare) <= set(known):
        raise ValueError(
            f"'compare' must be an object with keys among {known}, got {quote(compare)}"
        )
    out: dict[str, Any] = {}
    for key in COMPARE_FLOATS:
        value = compare.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"compare.{key} must be a number, got {quote(value)}")
        out[key] = float(value)
    for key in COMPARE_FLAGS:
        value = compare.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f"compare.{key} must be true or false, got {quote(value)}")
        out[key] = value
    return out


def check_tests(tests: Any) -> dict[str, Any]:
    """A tests object (or its JSON text) in canonical form; ValueError saying what is
    wrong with its shape."""
    if isinstance(tests, str):
        try:
            tests = json.loads(tests)
        except json.JSONDecodeError as err:
            raise ValueError(f"tests is not valid JSON: {err}") from None
    if not isinstance(tests, Mapping) or len(tests) != 1 or next(iter(tests)) not in TEST_KINDS:
        raise ValueError(
            f"tests must be an object with exactly one of {', '.join(TEST_KINDS)}, "
            f"got {quote(tests)}"
        )
    ((kind, spec),) = tests.items()
    try:
        if kind == "function":
            cases = [[_json_list(args), want] for args, want in map(_pair, spec["cases"])]
            canonical: Any = {"entry_point": _text(spec["entry_point"]), "cases": cases}
        elif kind == "io":
            canonical = [[_text(stdin), _text(stdout)] for stdin, stdout in map(_pair, spec)]
        else:
            canonical = {
                "entry_point": _text(spec["entry_point"]),
                "test_code": _text(spec["test_code"]),
            }
        # Through JSON once: tuples become lists, so equal tests compare equal.
        return {kind: json.loads(json.dumps(canonical))}
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"malformed {kind!r} tests {quote(spec)}: {quote(err)}") from None


def _pair(case: Any) -> tuple[Any, Any]:
    if isinstance(case, str | bytes | Mapping) or not isinstance(case, Sequence) or len(case) != 2:
        raise TypeError(f"a case must be a pair [input, expected], got {quote(case)}")
    return case[0], case[1]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise TypeError(f"a case's arguments must be a list, got {type(value).__name__}")
    return list(value)


def record_to_task(record: Mapping[str, Any]) -> reward_pb2.Task:
    """The ``Task`` message of a record."""
    fields = check_record(record)
    if "gold" in fields:
        return reward_pb2.Task(math=reward_pb2.MathTask(gold=fields["gold"]))
    code = reward_pb2.CodeTask(language=fields["language"])
    ((kind, spec),) = fields["tests"].items()
    if kind == "function":
        code.function.entry_point = spec["entry_point"]
        code.function.cases.extend(
            reward_pb2.FunctionCase(args_json=json.dumps(args), expected_json=json.dumps(want))
            for args, want in spec["cases"]
        )
    elif kind == "io":
        code.io.cases.extend(reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in spec)
        if "compare" in fields:
            code.io.compare.CopyFrom(reward_pb2.Compare(**fields["compare"]))
        if "checker" in fields:
            code.io.checker.CopyFrom(reward_pb2.Checker(**fields["checker"]))
    else:
        code.asserts.entry_point = spec["entry_point"]
        code.asserts.test_code = spec["test_code"]
    code.report_tests = fields.get("report_tests", False)
    return reward_pb2.Task(code=code)


def task_to_record(task: reward_pb2.Task) -> dict[str, Any]:
    """The task fields of a ``Task`` message, as :func:`check_record` gives them. Limits
    are not part of a record and are left out."""
    kind = task.WhichOneof("kind")
    if kind == "math":
        return {"gold": task.math.gold}
    if kind != "code":
        raise ValueError("the task has neither math nor code set")
    code = task.code
    tests_kind = code.WhichOneof("tests")
    options: dict[str, Any] = {"report_tests": True} if code.report_tests else {}
    if tests_kind == "function":
        cases = [
            [json.loads(c.args_json), json.loads(c.expected_json)] for c in code.function.cases
        ]
        tests: dict[str, Any] = {
            "function": {"entry_point": code.function.entry_point, "cases": cases}
        }
    elif tests_kind == "io":
        tests = {"io": [[c.stdin, c.expected_stdout] for c in code.io.cases]}
        if code.io.HasField("compare"):
            c = code.io.compare
            options["compare"] = {k: getattr(c, k) for k in COMPARE_FLOATS + COMPARE_FLAGS}
        if code.io.HasField("checker"):
            checker = code.io.checker
            options["checker"] = {"language": checker.language, "source": checker.source}
    elif tests_kind == "asserts":
        tests = {
            "asserts": {
                "entry_point": code.asserts.entry_point,
                "test_code": code.asserts.test_code,
            }
        }
    else:
        raise ValueError("the code task has no tests set")
    return {"tests": tests, "language": code.language, **options}


def make_group(
    task: reward_pb2.Task,
    completions: Sequence[str],
    group_id: str | None = None,
    reward: reward_pb2.RewardSpec | None = None,
    completion_lengths: Sequence[int] | None = None,
) -> reward_pb2.Group:
    """A ``Group``: ``task`` and its completions (``group_id`` made up when None)."""
    return reward_pb2.Group(
        group_id=group_id or uuid.uuid4().hex,
        task=task,
        completions=list(completions),
        reward=reward,
        completion_lengths=list(completion_lengths or []),
    )


def record_to_group(
    record: Mapping[str, Any],
    completions: Sequence[str],
    group_id: str | None = None,
    reward: reward_pb2.RewardSpec | None = None,
    completion_lengths: Sequence[int] | None = None,
) -> reward_pb2.Group:
    """The ``Group`` that asks the server to judge ``completions`` of a record's task."""
    return make_group(record_to_task(record), completions, group_id, reward, completion_lengths)


def group_to_record(group: reward_pb2.Group) -> dict[str, Any]:
    """The task fields of a group's task (see :func:`task_to_record`)."""
    return task_to_record(group.task)
