"""veRL's calling conventions (0.4-0.5 reward managers) against a live reward server."""

from __future__ import annotations

import functools
import importlib.util
import math

import numpy as np
import pytest
from stub_reward_server import BAD_GOLD, stub_server

from reward_server.integrations import unjudged, verl
from reward_server.integrations.verl import compute_score, compute_score_batch, task_for


def load_like_verl(name: str, **reward_kwargs):
    """What veRL's get_custom_reward_fn does: load custom_reward_function.path as a module
    named "custom_module", take custom_reward_function.name, bind reward_kwargs."""
    spec = importlib.util.spec_from_file_location("custom_module", verl.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return functools.partial(getattr(module, name), **reward_kwargs)


def test_batch_manager_convention(server):
    fn = load_like_verl("compute_score_batch", targets=server.address, format_weight=0.5)
    # BatchRewardManager passes non_tensor_batch columns: numpy object arrays.
    scores = fn(
        data_sources=np.array(["openai/gsm8k"] * 4 + ["math"] * 2, dtype=object),
        solution_strs=[
            "<think>9*2</think> #### 18",
            "#### 17",  # wrong, and no reasoning block: no format reward either
            "<think>x</think> 18",
            "no idea",
            "\\boxed{\\frac{1}{2}}",
            "\\boxed{0.5}",
        ],
        ground_truths=np.array(["18"] * 4 + ["\\frac12"] * 2, dtype=object),
        extra_infos=np.array([{"index": i} for i in range(6)], dtype=object),
    )
    assert [s["score"] for s in scores] == [1.5, 0.0, 1.5, 0.0, 1.0, 1.0]
    assert [s["acc"] for s in scores] == [1.0, 0.0, 1.0, 0.0, 1.0, 1.0]
    keys = {"score", "acc", "infra_error", "group_error"}
    assert all(set(s) == keys for s in scores)  # the same keys, always
    assert all(s["infra_error"] == 0.0 == s["group_error"] for s in scores)


def test_naive_manager_convention_reads_the_env(server, monkeypatch):
    monkeypatch.setenv("REWARD_SERVER_TARGETS", server.address)
    fn = load_like_verl("compute_score")
    # NaiveRewardManager: keyword arguments, extra_info with num_turns added.
    out = fn(
        data_source="openai/gsm8k",
        solution_str="So the answer is 42.",
        ground_truth="#### 42",
        extra_info={"index": 0, "num_turns": None},
    )
    assert out == {"score": 1.0, "acc": 1.0, "infra_error": 0.0, "group_error": 0.0}
    assert compute_score("x", "41", "42")["score"] == 0.0


def test_code_tasks_come_from_extra_info_or_the_label(server):
    tests = {"function": {"entry_point": "f", "cases": [[[1], 2]]}}
    assert task_for("ignored", {"tests": tests}).kind == "code"
    assert task_for({"tests": tests, "language": "cpp"}).language == "cpp"
    assert task_for('{"tests": {"io": [["1", "2"]]}}').kind == "code"
    assert task_for("{1, 2}").gold == "{1, 2}"  # a set in LaTeX is a gold answer
    # A row's comparison options, checker and report_tests travel with its tests.
    io = {"io": [["1 2", "3.0"]]}
    checker = {"language": "python", "source": "import sys; sys.exit(0)"}
    extra = {"tests": io, "compare": {"abs_tolerance": 1e-6}, "report_tests": True}
    code = task_for("ignored", extra).record
    assert code["compare"]["abs_tolerance"] == 1e-6 and code["report_tests"] is True
    assert task_for("x", {"tests": io, "checker": checker}).record["checker"] == checker
    with pytest.raises(ValueError, match="'compare' applies to io tests only"):
        task_for("", {"tests": tests, "compare": {"abs_tolerance": 1e-6}})
    with pytest.raises(ValueError, match="exactly one of function, io, asserts"):
        task_for("", {"tests": {"nope": 1}})
    # A server without --code cannot judge code tasks: that group is not judged (flagged,
    # never a zero verdict), and the math group beside it is.
    args = (["c", "m"], ["def f(x): return x + 1", "7"], ["-", "7"], [{"tests": tests}, None])
    out = compute_score_batch(*args, targets=server.address)
    assert [s["group_error"] for s in out] == [1.0, 0.0]
    assert [s["acc"] for s in out] == [0.0, 1.0]
    with pytest.raises(unjudged.GroupContentError, match=r"UNIMPLEMENTED: .*--code") as err:
        compute_score_batch(*args, targets=server.address, on_group_error="raise")
    assert err.value.code == "UNIMPLEMENTED"


def test_infra_error_policies(monkeypatch, infra_error_client):
    monkeypatch.setattr(verl, "_client", lambda targets: infra_error_client)
    args = (["d"] * 5, ["1", "0", "broken", "broken", "broken"], ["1", "1", "1", "2", "2"])
    neutral = compute_score_batch(*args)
    # Group "1": judged rewards 1 and 0, so the unjudged one gets their mean 0.5. Group
    # "2": none judged, so both get infra_error_score.
    assert [s["score"] for s in neutral] == [1.0, 0.0, 0.5, 0.0, 0.0]
    assert [s["infra_error"] for s in neutral] == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert [len(g.completions) for g in infra_error_client.groups] == [3, 2]
    nan = compute_score_batch(*args, on_infra_error="nan")
    assert math.isnan(nan[2]["score"]) and nan[0]["score"] == 1.0
    with pytest.raises(unjudged.InfraError, match=r"\[2, 3, 4\]"):
        compute_score_batch(*args, on_infra_error="raise")
    with pytest.raises(ValueError, match="valid: neutral, nan, raise"):
        compute_score_batch(*args, on_infra_error="zero")
    assert compute_score("d", "broken", "1", infra_error_score=-1.0)["score"] == -1.0


def test_unknown_reward_kwargs_are_reported(monkeypatch, infra_error_client):
    monkeypatch.setattr(verl, "_client", lambda targets: infra_error_client)
    with pytest.warns(UserWarning, match=r"\['formt_weight'\]"):
        compute_score("d", "1", "1", formt_weight=0.1)


def test_batch_of_nothing_and_mismatched_lengths():
    assert compute_score_batch([], [], [], []) == []
    with pytest.raises(ValueError, match="2 solution_strs, 1 ground_truths"):
        compute_score_batch(["d", "d"], ["a", "b"], ["1"], None)


def test_group_errors_are_neutral_flagged_or_raised():
    code = {"tests": {"asserts": {"entry_point": "f", "test_code": "f()"}}}
    args = (
        ["d"] * 5,
        ["7", "8", "7", "8", "def f(): ..."],
        ["7", "7", BAD_GOLD, BAD_GOLD, "-"],
        [None, None, None, None, code],
    )
    with stub_server() as (address, _):
        out = compute_score_batch(*args, targets=address, infra_error_score=-1.0)
        # The bad gold and the code task (a server without --code) are groups with no
        # judged sample: the fallback, flagged; the other group is scored.
        assert [s["score"] for s in out] == [1.0, 0.0, -1.0, -1.0, -1.0]
        assert [s["group_error"] for s in out] == [0.0, 0.0, 1.0, 1.0, 1.0]
        assert [s["infra_error"] for s in out] == [0.0] * 5
        assert [s["acc"] for s in out] == [1.0, 0.0, 0.0, 0.0, 0.0]
        nan = compute_score_batch(*args, targets=address, on_group_error="nan")
        assert [math.isnan(s["score"]) for s in nan] == [False, False, True, True, True]
        with pytest.raises(unjudged.GroupContentError, match=r"UNIMPLEMENTED: .*\[4\]"):
            compute_score_batch(*args, targets=address, on_group_error="raise")
        one = compute_score("d", "7", BAD_GOLD, targets=address)
        assert one == {"score": 0.0, "acc": 0.0, "infra_error": 0.0, "group_error": 1.0}
    with pytest.raises(ValueError, match="unknown on_group_error"):
        compute_score_batch(*args, on_group_error="skip")


def test_reasoning_tags_and_language_reach_the_server(server):
    # The model's own tags: an answer inside them never counts, one after them does; the
    # language component rewards the share of the reasoning in the named language.
    fn = load_like_verl(
        "compute_score_batch",
        targets=server.address,
        reasoning_open="[[plan]]",
        reasoning_close="[[/plan]]",
        reasoning_language="en",
        language_weight=0.5,
    )
    scores = fn(
        data_sources=np.array(["math"] * 2, dtype=object),
        solution_strs=[
            "[[plan]]Six times seven is the number we need here.[[/plan]] \\boxed{42}",
            "[[plan]]The result is \\boxed{42}[[/plan]] I am not sure.",
        ],
        ground_truths=np.array(["42"] * 2, dtype=object),
        extra_infos=np.array([{"index": 0}, {"index": 1}], dtype=object),
    )
    assert [s["acc"] for s in scores] == [1.0, 0.0]
    assert scores[0]["score"] == pytest.approx(1.5)  # correct + 0.5 * an English share of 1
