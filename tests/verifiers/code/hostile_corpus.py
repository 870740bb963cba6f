"""The hostile corpus as data: every program in hostile/, the task it names, the program it
names as its follow-up, and a correct program per task (used by test_hostile.py against a
verifier and by tests/server/test_hostile_server.py through the gRPC contract).

Each file names its task in its first line (`# task: NAME`) and may name a follow-up in
its second (`# then: FILE`): a program that exploits what the first tried to leave
behind, run right after it in the same container. A file's language is the one whose
runtime.json source_file has its suffix. Every language has the task `<language>_add_io`
(sum two numbers); a task's correct program may be given as correct/<task>.<suffix>.
"""

from __future__ import annotations

from pathlib import Path

from reward_server.api import reward_pb2
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.runtimes import available_languages, load_runtimes

from .conftest import fenced, py_task_io

HOSTILE = Path(__file__).parent / "hostile"
CORRECT_DIR = Path(__file__).parent / "correct"
RUNTIMES = load_runtimes(
    SandboxConfig().sandboxes_dir, tuple(available_languages(SandboxConfig().sandboxes_dir))
)
SUFFIXES = {Path(rt.source_file).suffix: name for name, rt in RUNTIMES.items()}
ADD_CASES = [("1 2", "3"), ("40 2", "42"), ("-5 5", "0")]
LIMITS = reward_pb2.Limits(time_limit_s=2.0, memory_mb=128)


def _inc_function(language: str) -> reward_pb2.CodeTask:
    """Function tests of inc(x) = x + 1, for any language that runs them."""
    return reward_pb2.CodeTask(
        language=language,
        limits=LIMITS,
        function=reward_pb2.FunctionTests(
            entry_point="inc",
            cases=[
                reward_pb2.FunctionCase(args_json="[1]", expected_json="2"),
                reward_pb2.FunctionCase(args_json="[41]", expected_json="42"),
            ],
        ),
    )


def _asserts(entry: str, test_code: str) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        limits=LIMITS,
        asserts=reward_pb2.AssertTests(entry_point=entry, test_code=test_code),
    )


# An async iterator whose __anext__ calls the candidate: a StopAsyncIteration from the
# candidate would end the `async for` as if the cases ran out.
ASYNC_CHECK = """import asyncio

class Checks:
    def __init__(self, candidate, xs):
        self.candidate, self.xs = candidate, list(xs)

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self.xs:
            raise StopAsyncIteration
        x = self.xs.pop(0)
        return self.candidate(x) == x * x

async def all_pass(candidate):
    return all([ok async for ok in Checks(candidate, [1, 2, 3])])

def check(candidate):
    assert asyncio.run(all_pass(candidate))
"""

TASKS: dict[str, reward_pb2.CodeTask] = {
    "add_io": py_task_io(ADD_CASES, time_limit_s=2.0, memory_mb=128),
    "cpp_add_io": reward_pb2.CodeTask(language="cpp", limits=LIMITS, io=py_task_io(ADD_CASES).io),
    "inc_asserts": _asserts(
        "inc",
        "def check(candidate):\n    assert candidate(1) == 2\n"
        "    assert candidate(41) == 42\n    assert candidate(-3) == -2\n",
    ),
    # The correct program imports numpy: an attack on the warm interpreter's limits
    # shows as an import failure in the next completion.
    "numpy_add_io": py_task_io(ADD_CASES, time_limit_s=5.0, memory_mb=256),
    "half_asserts": _asserts(
        "half",
        "def check(candidate):\n"
        "    assert abs(candidate(2.0) - 1.0) < 1e-9\n"
        "    assert isinstance(candidate(4.0), float)\n",
    ),
    "javascript_inc_function": _inc_function("javascript"),
    "inc_function": _inc_function("python"),
    # Test shapes in which an exception of the candidate could steer the test's own
    # control flow (end an iteration early) instead of failing it.
    "sq_map_asserts": _asserts(
        "sq",
        "def check(candidate):\n    cases = [(1, 1), (2, 4), (3, 9)]\n"
        "    assert all(map(lambda c: candidate(c[0]) == c[1], cases))\n",
    ),
    "sq_loop_asserts": _asserts(
        "sq",
        "def check(candidate):\n"
        "    for ok in map(lambda x: candidate(x) == x * x, [1, 2, 3]):\n        assert ok\n",
    ),
    "sq_genexpr_asserts": _asserts(
        "sq",
        "def check(candidate):\n    assert all(candidate(x) == x * x for x in (1, 2, 3))\n"
        "    assert not any(candidate(x) != x * x for x in (4, 5))\n",
    ),
    "sq_async_asserts": _asserts("sq", ASYNC_CHECK),
    # Test code that allocates what the candidate returns: the judge's own memory limit.
    "repeat_asserts": _asserts(
        "times",
        "def check(candidate):\n    assert 'ab' * candidate(2) == 'abab'\n"
        "    assert [0] * candidate(3) == [0, 0, 0]\n",
    ),
}
CORRECT = {
    "add_io": fenced("a, b = map(int, input().split())\nprint(a + b)"),
    "cpp_add_io": fenced(
        "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}",
        "cpp",
    ),
    "numpy_add_io": fenced(
        "import numpy as np\na, b = map(int, input().split())\nprint(int(np.add(a, b)))"
    ),
    "inc_asserts": fenced("def inc(x):\n    return x + 1"),
    "half_asserts": fenced("def half(x):\n    return x / 2"),
    "inc_function": fenced("def inc(x):\n    return x + 1"),
    **{
        name: fenced("def sq(x):\n    return x * x")
        for name in ("sq_map_asserts", "sq_loop_asserts", "sq_genexpr_asserts", "sq_async_asserts")
    },
    "repeat_asserts": fenced("def times(x):\n    return x"),
}


def task_name(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    return first.split("task:")[1].strip()


def follow_up(path: Path) -> Path | None:
    lines = path.read_text().splitlines()
    if len(lines) > 1 and "then:" in lines[1]:
        return HOSTILE / lines[1].split("then:")[1].strip()
    return None


ALL_FILES = sorted(HOSTILE.iterdir())
FOLLOW_UPS = {f for f in map(follow_up, ALL_FILES) if f is not None}
FILES = [p for p in ALL_FILES if p not in FOLLOW_UPS]


def language(path: Path) -> str:
    return SUFFIXES[path.suffix]


for _name in RUNTIMES:  # every language's add task, unless named above
    TASKS.setdefault(
        f"{_name}_add_io",
        reward_pb2.CodeTask(language=_name, limits=LIMITS, io=py_task_io(ADD_CASES).io),
    )
for _path in sorted(CORRECT_DIR.iterdir()):  # correct/<task>.<suffix>
    CORRECT.setdefault(_path.stem, fenced(_path.read_text(), language(_path)))
