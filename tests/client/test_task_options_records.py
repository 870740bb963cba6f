"""The task-record codec's compare / checker / report_tests: builders, JSONL records and the
trainer's tasks all reach the same Task message, and back."""

from __future__ import annotations

import pytest

from reward_server.api import reward_pb2
from reward_server.client import code_group
from reward_server.client.records import check_record, record_to_task, task_to_record
from reward_server.integrations.common import TaskRef
from trainer_client.tasks import user_task

IO = {"io": [["1 2\n", "3\n"]]}
CHECKER = {"language": "cpp", "source": "int main() { return 0; }"}


def test_record_options_reach_the_task_and_come_back():
    record = {
        "tests": IO,
        "compare": {"rel_tolerance": 1e-6, "ignore_whitespace": True},
        "report_tests": True,
    }
    task = record_to_task(record)
    io = task.code.io
    assert io.HasField("compare") and not io.HasField("checker")
    assert io.compare.rel_tolerance == 1e-6 and io.compare.ignore_whitespace
    assert io.compare.abs_tolerance == 0 and not io.compare.ignore_case
    assert task.code.report_tests
    back = task_to_record(task)
    assert back == check_record(record)
    assert record_to_task(back) == task

    checked = record_to_task({"tests": IO, "checker": CHECKER})
    assert checked.code.io.checker == reward_pb2.Checker(**CHECKER)
    assert task_to_record(checked)["checker"] == CHECKER


def test_records_without_options_are_unchanged():
    fields = check_record({"tests": IO, "report_tests": False, "compare": None})
    assert fields == {"tests": IO, "language": "python"}
    task = record_to_task(fields)
    assert not task.code.io.HasField("compare") and not task.code.report_tests


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"tests": {"asserts": {"entry_point": "f", "test_code": "assert 1"}}, "compare": {}},
            "io tests only",
        ),
        ({"tests": IO, "checker": {"language": "cpp"}}, "'language' and 'source'"),
        ({"tests": IO, "compare": {"tolerance": 1}}, "keys among"),
        ({"tests": IO, "compare": {"abs_tolerance": "1e-6"}}, "must be a number"),
        ({"tests": IO, "compare": {"ignore_case": 1}}, "true or false"),
        ({"tests": IO, "report_tests": "yes"}, "report_tests"),
    ],
)
def test_bad_options_say_what_is_wrong(record, message):
    with pytest.raises(ValueError, match=message):
        check_record(record)


def test_builders_adapters_and_trainer_tasks_agree():
    compare = {"abs_tolerance": 1e-3}
    group = code_group(
        "python", ["x"], io_cases=[("1 2\n", "3\n")], compare=compare, report_tests=True
    )
    assert group.task.code.io.compare.abs_tolerance == 1e-3 and group.task.code.report_tests
    with_checker = code_group("python", ["x"], io_cases=[("1\n", "1\n")], checker=("cpp", "s"))
    assert with_checker.task.code.io.checker.source == "s"
    with pytest.raises(ValueError, match="io tests only"):
        code_group("python", ["x"], function=("f", [([1], 2)]), compare=compare)

    ref = TaskRef.code(IO, "python", {"compare": compare, "report_tests": True, "prompt": "p"})
    from_ref = ref.group(["x"], "g").task.code
    assert from_ref.io == group.task.code.io and from_ref.report_tests
    task = user_task({"prompt": "p", "tests": IO, "compare": compare, "report_tests": True})
    assert task.to_group(["x"], "g").task == ref.group(["x"], "g").task
