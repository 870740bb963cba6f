"""Tasks the trainer learns from: the bundled procedural mix, GSM8K, HumanEval, user JSONL.

A :class:`Task` is one problem: a question, how the reward server judges it (a math gold
answer, or code tests) and, when known, a worked reference answer used for the SFT cold
start. ``Task.record`` gives its task fields in the record shape below and
``Task.to_group`` turns it plus G completions into a reward-server ``Group``, both through
the one task-record codec (``reward_server/client/records.py``).

Bundled mix (``TaskSet.bundled``):

* arithmetic word problems, "Tom has 3 apples and buys 4 more. How many apples does Tom
  have now?" -> gold ``"7"``, reference ``3+4=7</think>\\boxed{7}``; ``arith_max`` bounds
  the operands;
* small function-writing tasks, "Write a Python function add3(x) that returns x plus 3."
  (five families times constants 1..``CODE_K_MAX``) judged by ``FunctionTests`` in the
  sandbox; used only when the server reports a ``code`` verifier.

Held-out split: a problem is held out when a hash of its question text says so (1 in
``HELDOUT_MODULUS``); training never samples a held-out question, and the held-out set is
drawn with its own seed. So the split does not depend on the training seed.

User JSONL schema, one object per line::

    {"prompt": "What is 2+3?", "gold": "5"}                           # math
    {"prompt": "Write f(x) ...", "language": "python",                # code
     "tests": {"function": {"entry_point": "f", "cases": [[[1], 2], [[2], 3]]}}}
    # or "tests": {"io": [["stdin", "expected stdout"], ...]}
    # or "tests": {"asserts": {"entry_point": "f", "test_code": "assert f(1) == 2"}}
    # io tests may add "compare": {"rel_tolerance": 1e-6, "ignore_whitespace": true}
    # or "checker": {"language": "cpp", "source": "..."}; any code task "report_tests": true

``language`` defaults to ``python``. An optional ``"reference"`` field holds a worked
answer for SFT, in any reasoning template the reward server knows (``reference_completion``
rewrites it as ``reasoning</think>answer``).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reward_server.client.records import CODE_OPTIONS, check_record, record_to_group
from reward_server.languages import DEFAULT_TASK_LANGUAGE
from reward_server.reasoning import split_reasoning

HELDOUT_MODULUS = 5
"""One question in this many is held out of training."""


@dataclass(frozen=True)
class Task:
    """One problem and how it is judged. ``kind`` is ``"math"`` or ``"code"``."""

    prompt: str
    kind: str = "math"
    gold: str = ""
    """Math: the gold answer (plain, LaTeX or a GSM8K solution ending in ``#### n``)."""
    language: str = DEFAULT_TASK_LANGUAGE
    tests: dict[str, Any] = field(default_factory=dict)
    """Code: the tests object of the JSONL schema, e.g. ``{"function": {"entry_point":
    "f", "cases": [[[1], 2]]}}``."""
    reference: str | None = None
    """A correct completion (after the prompt) for the SFT cold start, if known."""
    options: dict[str, Any] = field(default_factory=dict)
    """Code: the record's optional ``compare``, ``checker`` and ``report_tests``."""

    def record(self) -> dict[str, Any]:
        """The task fields of this task in the JSONL schema (``{"gold"}`` or ``{"tests",
        "language"}``), checked and canonical."""
        if self.kind == "math":
            return check_record({"gold": self.gold})
        if self.kind == "code":
            return check_record({"tests": self.tests, "language": self.language, **self.options})
        raise ValueError(f"unknown task kind {self.kind!r}; valid kinds: math, code")

    def to_group(
        self,
        completions: Sequence[str],
        group_id: str,
        reward=None,
        completion_lengths: Sequence[int] | None = None,
    ):
        """The reward-server ``Group`` for this task and its completions."""
        return record_to_group(self.record(), completions, group_id, reward, completion_lengths)


def is_heldout(prompt: str) -> bool:
    """Whether a question belongs to the held-out split (a stable hash of its text)."""
    return zlib.crc32(prompt.encode("utf-8")) % HELDOUT_MODULUS == 0


# --- bundled arithmetic ---------------------------------------------------------------

NAMES = ("Tom", "Ann", "Sam", "Mia", "Ben", "Zoe", "Max", "Eva", "Leo", "Ivy")
ITEMS = ("apples", "pens", "cards", "coins", "books", "eggs", "shells", "stamps")
ADD_PHRASES = ("buys {b} more", "finds {b} more", "gets {b} more")
SUB_PHRASES = ("gives away {b}", "loses {b}", "eats {b}")


THINK_CLOSE = "</think>"


def worked_reference(reasoning: str, answer: str) -> str:
    """A reference completion: trainer prompts end inside an opened ``<think>`` block
    (chat prompts get it prepended), so a reference continues the reasoning, closes it
    and answers."""
    return f"{reasoning}{THINK_CLOSE}{answer}"


def reference_completion(text: str) -> str:
    """A worked answer written in any reasoning template the reward server knows
    (``<redacted_thinking>``, harmony, a solution block...) in the trainer's own, split
    by the server's splitter: SFT then learns the answer the server judges. Text without
    a closed reasoning block is kept as written."""
    split = split_reasoning(text)
    if split.reasoning is None or not split.closed:
        return text
    return worked_reference(split.reasoning, split.answer)


def arithmetic_task(rng: random.Random, arith_max: int) -> Task:
    """One word problem whose answer is ``a + b`` or ``a - b`` (never negative)."""
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    a, b = rng.randint(1, arith_max), rng.randint(1, arith_max)
    if rng.random() < 0.5:
        op, phrase, answer = "+", rng.choice(ADD_PHRASES), a + b
    else:
        a, b = max(a, b), min(a, b)
        op, phrase, answer = "-", rng.choice(SUB_PHRASES), a - b
    question = (
        f"{name} has {a} {item} and {phrase.format(b=b)}. How many {item} does {name} have now?"
    )
    reference = worked_reference(f"{a}{op}{b}={answer}", f"\\boxed{{{answer}}}")
    return Task(prompt=question, kind="math", gold=str(answer), reference=reference)


# --- bundled code ---------------------------------------------------------------------


@dataclass(frozen=True)
class _CodeFamily:
    name: str  # the function name, with {k}
    description: str  # with {k}
    params: str
    body: str  # a Python expression with {k}
    fn: Callable[..., Any]  # (k, *args) -> expected
    args: Callable[[random.Random], list[Any]]


_INT = lambda r: [r.randint(-9, 9)]  # noqa: E731
_TWO = lambda r: [r.randint(-9, 9), r.randint(-9, 9)]  # noqa: E731
CODE_FAMILIES = (
    _CodeFamily("add{k}", "returns x plus {k}", "x", "x + {k}", lambda k, x: x + k, _INT),
    _CodeFamily("mul{k}", "returns x times {k}", "x", "x * {k}", lambda k, x: x * k, _INT),
    _CodeFamily("sub{k}", "returns x minus {k}", "x", "x - {k}", lambda k, x: x - k, _INT),
    _CodeFamily(
        "sum{k}",
        "returns a plus b plus {k}",
        "a, b",
        "a + b + {k}",
        lambda k, a, b: a + b + k,
        _TWO,
    ),
    _CodeFamily(
        "max{k}",
        "returns the larger of a and b plus {k}",
        "a, b",
        "max(a, b) + {k}",
        lambda k, a, b: max(a, b) + k,
        _TWO,
    ),
)
CODE_K_MAX = 50
"""Bundled code tasks use constants 1..CODE_K_MAX: 5 * 50 = 250 distinct problems."""


def code_task(rng: random.Random) -> Task:
    """A one-line function to write, judged by ``FunctionTests`` with three cases.

    "Write a Python function add7(x) that returns x plus 7." -> reference
    ``</think>```python\ndef add7(x):\n    return x + 7\n```. A problem is the pair
    (family, constant); the test inputs vary from draw to draw.
    """
    family, k = rng.choice(CODE_FAMILIES), rng.randint(1, CODE_K_MAX)
    name = family.name.format(k=k)
    cases = []
    for _ in range(3):
        args = family.args(rng)
        cases.append([args, family.fn(k, *args)])
    question = f"Write a Python function {name}({family.params}) that " + (
        family.description.format(k=k) + "."
    )
    reference = worked_reference(
        "", f"```python\ndef {name}({family.params}):\n    return {family.body.format(k=k)}\n```"
    )
    return Task(
        prompt=question,
        kind="code",
        language="python",
        tests={"function": {"entry_point": name, "cases": cases}},
        reference=reference,
    )


# --- loaders ----------------------------------------------------------------------------

_GSM_FINAL = re.compile(r"####\s*(.+?)\s*$", re.DOTALL)


def gsm8k_task(record: dict[str, Any]) -> Task:
    """A GSM8K ``{"question", "answer"}`` record; the gold is the whole solution."""
    answer = record["answer"]
    match = _GSM_FINAL.search(answer)
    reference = None
    if match:
        steps = re.sub(r"<<[^>]*>>", "", answer[: match.start()]).strip()
        reference = worked_reference(steps, f"\\boxed{{{match.group(1).replace(',', '')}}}")
    return Task(prompt=record["question"], kind="math", gold=answer, reference=reference)


def humaneval_task(record: dict[str, Any]) -> Task:
    """A HumanEval record: the prompt is the signature and docstring; tests via check()."""
    reference = None
    if record.get("canonical_solution"):
        code = f"```python\n{record['prompt']}{record['canonical_solution']}```"
        reference = worked_reference("", code)
    return Task(
        prompt="Complete this Python function:\n" + record["prompt"],
        kind="code",
        language="python",
        tests={"asserts": {"entry_point": record["entry_point"], "test_code": record["test"]}},
        reference=reference,
    )


def user_task(record: dict[str, Any]) -> Task:
    """A record in the user JSONL schema (see the module docstring)."""
    if "prompt" not in record:
        raise ValueError(f"a task record needs 'prompt', got keys {sorted(record)}")
    fields = check_record(record)
    reference = record.get("reference")
    if reference is not None:
        reference = reference_completion(reference)
    if "gold" in fields:
        return Task(prompt=record["prompt"], kind="math", gold=fields["gold"], reference=reference)
    return Task(
        prompt=record["prompt"],
        kind="code",
        language=fields["language"],
        tests=fields["tests"],
        reference=reference,
        options={k: v for k, v in fields.items() if k in CODE_OPTIONS},
    )


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file (``.gz`` too)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# --- task sets ----------------------------------------------------------------------------


@dataclass
class TaskSet:
    """Where training problems come from and which problems are held out.

    ``sample(rng)`` draws a training task; ``heldout(kind, n)`` returns a fixed list of
    held-out tasks of one kind (or fewer if the source has fewer).
    """

    kinds: tuple[str, ...]
    _sample: Callable[[random.Random], Task]
    _heldout: Callable[[str, int], list[Task]]

    def sample(self, rng: random.Random) -> Task:
        return self._sample(rng)

    def heldout(self, kind: str, n: int) -> list[Task]:
        return self._heldout(kind, n) if kind in self.kinds else []

    @classmethod
    def bundled(cls, arith_max: int, code: bool, code_fraction: float) -> TaskSet:
        """Procedural arithmetic, plus code tasks when ``code`` (the server can judge)."""
        makers: dict[str, Callable[[random.Random], Task]] = {
            "math": lambda r: arithmetic_task(r, arith_max),
            "code": code_task,
        }

        def draw(kind: str, rng: random.Random, heldout: bool) -> Task:
            for _ in range(10_000):
                task = makers[kind](rng)
                if is_heldout(task.prompt) == heldout:
                    return task
            raise RuntimeError(f"could not draw a {kind} task; raise arith_max")

        def sample(rng: random.Random) -> Task:
            kind = "code" if code and rng.random() < code_fraction else "math"
            return draw(kind, rng, heldout=False)

        def heldout(kind: str, n: int) -> list[Task]:
            rng = random.Random(f"heldout-{kind}")
            seen: dict[str, Task] = {}
            for _ in range(50 * n + 100):
                if len(seen) >= n:
                    break
                task = draw(kind, rng, heldout=True)
                seen.setdefault(task.prompt, task)
            return list(seen.values())

        return cls(("math", "code") if code else ("math",), sample, heldout)

    @classmethod
    def from_tasks(cls, train: Sequence[Task], test: Sequence[Task] | None = None) -> TaskSet:
        """Fixed lists; without ``test`` the held-out hash split of ``train`` is used."""
        if test is None:
            test = [t for t in train if is_heldout(t.prompt)]
            train = [t for t in train if not is_heldout(t.prompt)]
        if not train:
            raise ValueError("no training tasks")
        kinds = tuple(sorted({t.kind for t in train}))
        pool = list(train)

        def heldout(kind: str, n: int) -> list[Task]:
            return [t for t in test if t.kind == kind][:n]

        return cls(kinds, lambda rng: rng.choice(pool), heldout)

    @classmethod
    def gsm8k(cls, data_dir: str | Path) -> TaskSet:
        folder = Path(data_dir) / "gsm8k"
        train = [gsm8k_task(r) for r in read_jsonl(folder / "train.jsonl")]
        test = [gsm8k_task(r) for r in read_jsonl(folder / "test.jsonl")]
        return cls.from_tasks(train, test)

    @classmethod
    def jsonl(cls, path: str | Path) -> TaskSet:
        return cls.from_tasks([user_task(r) for r in read_jsonl(path)])


def load_humaneval(data_dir: str | Path) -> list[Task]:
    """The 164 HumanEval problems from ``data_dir/humaneval/HumanEval.jsonl.gz``."""
    return [
        humaneval_task(r) for r in read_jsonl(Path(data_dir) / "humaneval" / "HumanEval.jsonl.gz")
    ]


def make_taskset(
    spec: str, *, arith_max: int, code: bool, code_fraction: float, data_dir: str | Path
) -> TaskSet:
    """``"bundled"``, ``"gsm8k"`` or a JSONL path; code tasks only when ``code``."""
    if spec == "bundled":
        return TaskSet.bundled(arith_max, code, code_fraction)
    if spec == "gsm8k":
        return TaskSet.gsm8k(data_dir)
    path = Path(spec)
    if path.suffix in (".jsonl", ".gz") and path.exists():
        return TaskSet.jsonl(path)
    raise ValueError(f"tasks={spec!r}: use 'bundled', 'gsm8k' or an existing .jsonl file")
