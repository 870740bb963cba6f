"""The one task-record codec: the documented JSON shapes round-trip through Task and
Group messages, the builders and the trainer produce the same messages, and the codec
imports on a client-only install."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from reward_server.client import code_group, math_group
from reward_server.client.records import (
    check_record,
    group_to_record,
    record_to_group,
    record_to_task,
    task_to_record,
)
from reward_server.integrations.common import TaskRef
from trainer_client.distill import task_record
from trainer_client.tasks import user_task

# The shapes README and trainer_client/tasks.py document, with what JSON lacks in tagged
# values and an int longer than a double.
RECORDS = [
    {"gold": "5"},
    {"gold": "#### 18"},
    {
        "tests": {
            "function": {
                "entry_point": "f",
                "cases": [
                    [[1], 2],
                    [[{"$": "dict", "v": [[1, "a"]]}, 2**80], {"$": "tuple", "v": [1, 2]}],
                ],
            }
        },
        "language": "python",
    },
    {"tests": {"io": [["1 2\n", "3\n"], ["", ""]]}, "language": "cpp"},
    {"tests": {"asserts": {"entry_point": "f", "test_code": "assert f(1) == 2"}}},
]


@pytest.mark.parametrize("record", RECORDS)
def test_records_round_trip_through_task_and_group(record):
    canonical = check_record(record)
    assert task_to_record(record_to_task(record)) == canonical
    group = record_to_group(record, ["a", "b"], "g", completion_lengths=[1, 2])
    assert (group.group_id, list(group.completions)) == ("g", ["a", "b"])
    assert list(group.completion_lengths) == [1, 2]
    assert group_to_record(group) == canonical
    assert record_to_task(group_to_record(group)) == group.task
    assert json.loads(json.dumps(canonical)) == canonical  # plain JSON


@pytest.mark.parametrize("record", RECORDS)
def test_the_trainer_and_the_adapters_read_a_record_alike(record):
    jsonl = {"prompt": "p", "reference": "r", **record}
    task = user_task(jsonl)
    assert task.to_group(["x"], "g").task == record_to_task(record)
    assert user_task(task_record(task)) == task  # distill.jsonl reads back
    assert task_record(task) == {"prompt": "p", "reference": "r", **check_record(record)}
    assert TaskRef.of(record).group(["x"], "g").task == record_to_task(record)
    assert TaskRef.from_label(json.dumps(record)) == TaskRef.of(record)


def test_builders_make_the_same_tasks_as_records():
    assert math_group("5", ["x"]).task == record_to_task({"gold": "5"})
    function = code_group("python", ["x"], function=("f", [((1,), 2), ([3], [4])]))
    want = {"tests": {"function": {"entry_point": "f", "cases": [[[1], 2], [[3], [4]]]}}}
    assert group_to_record(function) == {**want, "language": "python"}
    io = code_group("cpp", ["x"], io_cases=[("1\n", "2\n")], time_limit_s=2.0, memory_mb=64)
    assert group_to_record(io) == {"tests": {"io": [["1\n", "2\n"]]}, "language": "cpp"}
    assert (io.task.code.limits.time_limit_s, io.task.code.limits.memory_mb) == (2.0, 64)
    asserts = code_group("python", ["x"], asserts=("f", "assert f()"))
    assert asserts.task.code.asserts.test_code == "assert f()"


def test_canonical_form():
    tests = {"io": [("a", "b")]}
    assert check_record({"tests": tests}) == {"tests": {"io": [["a", "b"]]}, "language": "python"}
    assert check_record({"tests": json.dumps(tests), "language": None}) == check_record(
        {"tests": tests}
    )
    assert check_record({"gold": 7, "tests": None, "prompt": "ignored"}) == {"gold": "7"}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"gold": "1", "tests": {"io": []}}, "not both"),
        ({"answer": "1"}, r"needs 'gold' \(math\) or 'tests' \(code\), got keys \['answer'\]"),
        ({"gold": True}, "must be a string or a number"),
        ({"gold": [1]}, "must be a string or a number"),
        ({"tests": {}}, "exactly one of function, io, asserts"),
        ({"tests": {"io": [], "asserts": {}}}, "exactly one of function, io, asserts"),
        ({"tests": "{oops"}, "not valid JSON"),
        ({"tests": {"function": {"cases": []}}}, "malformed 'function' tests"),
        ({"tests": {"function": {"entry_point": "f", "cases": [[1, 2]]}}}, "must be a list"),
        ({"tests": {"io": ["ab"]}}, r"a case must be a pair"),
        ({"tests": {"io": [["a", 1]]}}, "expected a string"),
        ({"tests": {"asserts": {"entry_point": "f"}}}, "malformed 'asserts' tests"),
        ({"tests": {"io": []}, "language": ""}, "non-empty string"),
        ("5", "must be a JSON object"),
    ],
)
def test_shapes_that_cannot_be_encoded_say_what_is_wrong(record, message):
    with pytest.raises(ValueError, match=message):
        record_to_task(record)


def test_content_is_left_to_the_server():
    # An empty gold or an unknown language has the right shape: the server answers it
    # with a GroupResult.error for that group alone.
    assert record_to_task({"gold": ""}).math.gold == ""
    assert record_to_task({"tests": {"io": []}, "language": "cobol"}).code.language == "cobol"


def test_the_codec_imports_without_the_server_dependencies():
    # A client-only install has grpcio and protobuf: docker, sympy, torch must not load.
    blocked = ["docker", "sympy", "torch", "math_verify", "prometheus_client", "yaml"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        "from reward_server.client import RewardClient, AsyncRewardClient, record_to_group\n"
        "from reward_server.client.records import task_to_record\n"
        "from reward_server.languages import DEFAULT_LANGUAGES\n"
        "print(task_to_record(record_to_group({'gold': '1'}, ['x']).task))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "{'gold': '1'}"
