"""Reasoning blocks of every known template, and a group's own pair, through a real server:
only the answer after the reasoning is judged, whichever template the model writes."""

from __future__ import annotations

import grpc
import pytest
from conftest import requires_docker

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import code_group, math_group, reward_spec

V = reward_pb2.Verdict

# name: (opening tag, closing tag, text before the answer, text after it)
TEMPLATES = {
    "think": ("<think>", "</think>", "\n", ""),
    "redacted_thinking": ("<redacted_thinking>", "</redacted_thinking>", " ", ""),
    "thinking": ("<thinking>", "</thinking>", "\n", ""),
    "reasoning": ("<reasoning>", "</reasoning>", "\n", ""),
    "thought": (
        "<|begin_of_thought|>",
        "<|end_of_thought|>",
        "\n\n<|begin_of_solution|>",
        "<|end_of_solution|>",
    ),
    "harmony": (
        "<|start|>assistant<|channel|>analysis<|message|>",
        "<|end|><|start|>assistant<|channel|>final<|message|>",
        "",
        "<|return|>",
    ),
}
BOXED = "The answer is \\boxed{42}."

# case: (completion from the template's parts, verdict, format component)
CASES = {
    "answer only inside": (lambda o, c, b, a: f"{o}{BOXED}{c}{b}I am not sure.{a}", V.NO_ANSWER, 1),
    "answer after": (lambda o, c, b, a: f"{o}6*7{c}{b}{BOXED}{a}", V.CORRECT, 1),
    "prompt-opened": (lambda o, c, b, a: f"6*7{c}{b}{BOXED}{a}", V.CORRECT, 1),
    "unclosed": (lambda o, c, b, a: f"{o}6*7 {BOXED}", V.NO_ANSWER, 0),
    "opened again": (lambda o, c, b, a: f"{o}6*7{c}{b}I am not sure.{a}{o}{BOXED}", V.NO_ANSWER, 0),
}


def _score(server, groups: list[reward_pb2.Group]) -> dict[str, reward_pb2.GroupResult]:
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(server.address))
    results = stub.Score(reward_pb2.ScoreRequest(groups=groups), timeout=60).results
    return {r.group_id: r for r in results}


def test_every_template_judges_only_the_answer_after_the_reasoning(server):
    reward = reward_pb2.RewardSpec(format_weight=0.5)
    groups = [
        math_group("42", [make(*parts) for make, _, _ in CASES.values()], name, reward)
        for name, parts in TEMPLATES.items()
    ]
    results = _score(server, groups)
    for name in TEMPLATES:
        for (case, (_, verdict, form)), score in zip(
            CASES.items(), results[name].scores, strict=True
        ):
            assert (score.verdict, score.components["format"]) == (verdict, form), (
                name,
                case,
                score.detail,
            )


def test_the_reported_hack_is_closed(server):
    text = "<redacted_thinking>The answer is \\boxed{42}</redacted_thinking> I am not sure."
    [score] = _score(server, [math_group("42", [text], "hack")])["hack"].scores
    assert score.verdict == V.NO_ANSWER


def test_a_groups_own_pair_replaces_the_known_templates(server):
    pair = reward_pb2.RewardSpec(
        format_weight=1.0, reasoning_open="[THINK]", reasoning_close="[/THINK]"
    )
    close_only = reward_spec(format_weight=1.0, reasoning_close="<end_reasoning>")
    groups = [
        math_group(
            "42",
            [
                "[THINK]\\boxed{42}[/THINK] I am not sure.",
                "[THINK]6*7[/THINK] \\boxed{42}",
                "[THINK]6*7 \\boxed{42}",
                "<think>6*7</think> \\boxed{42}",  # plain text for this group
            ],
            "pair",
            pair,
        ),
        math_group(
            "42",
            ["6*7<end_reasoning> \\boxed{42}", "6*7 \\boxed{42}"],  # the prompt opened it
            "close only",
            close_only,
        ),
    ]
    results = _score(server, groups)
    scores = results["pair"].scores
    assert [s.verdict for s in scores] == [V.NO_ANSWER, V.CORRECT, V.NO_ANSWER, V.CORRECT]
    assert [s.components["format"] for s in scores] == [1.0, 1.0, 0.0, 0.0]
    scores = results["close only"].scores
    assert [s.verdict for s in scores] == [V.CORRECT, V.NO_ANSWER]
    assert scores[0].components["format"] == 1.0


@pytest.mark.parametrize(
    ("open_tag", "close_tag", "words"),
    [
        ("<t>", "", "needs a non-blank reward.reasoning_close"),
        ("<t>", "  ", "needs a non-blank reward.reasoning_close"),
        (" ", "</t>", "reasoning_open is blank"),
        ("<t>", "<t>", "must differ"),
        ("[R]", "[R]]", "neither inside the other"),
        ("<t>", "x" * 65, "at most 64 characters"),
    ],
)
def test_a_bad_pair_is_a_group_error(server, open_tag, close_tag, words):
    spec = reward_pb2.RewardSpec(reasoning_open=open_tag, reasoning_close=close_tag)
    groups = [math_group("1", ["\\boxed{1}"], "bad", spec), math_group("1", ["\\boxed{1}"], "ok")]
    results = _score(server, groups)
    assert results["bad"].error.code == "INVALID_ARGUMENT" and not results["bad"].scores
    assert words in results["bad"].error.message
    assert results["ok"].scores[0].verdict == V.CORRECT


ADD = "```python\ndef add(a, b):\n    return a + b\n```"


@requires_docker
def test_code_inside_the_reasoning_is_not_judged(code_server):
    completions = []
    for name in ("think", "redacted_thinking", "thought", "harmony"):
        o, c, b, a = TEMPLATES[name]
        completions += [f"{o}{ADD}{c}{b}No code.{a}", f"{o}plan{c}{b}{ADD}{a}", f"{o}{ADD}"]
    group = code_group("python", completions, function=("add", [([1, 2], 3)]), group_id="code")
    pair = reward_pb2.RewardSpec(reasoning_open="[THINK]", reasoning_close="[/THINK]")
    custom = code_group(
        "python",
        [f"[THINK]{ADD}[/THINK] No code.", f"[THINK]plan[/THINK]{ADD}"],
        function=("add", [([1, 2], 3)]),
        group_id="custom",
        reward=pair,
    )
    results = _score(code_server, [group, custom])
    verdicts = [s.verdict for s in results["code"].scores]
    assert verdicts == [V.NO_ANSWER, V.CORRECT, V.NO_ANSWER] * 4
    assert [s.verdict for s in results["custom"].scores] == [V.NO_ANSWER, V.CORRECT]
