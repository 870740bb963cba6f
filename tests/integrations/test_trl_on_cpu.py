"""The TRL reward functions: a real GRPOTrainer on CPU against a live reward server."""

from __future__ import annotations

import re
import urllib.request

import pytest
from stub_reward_server import BAD_GOLD, stub_server

from reward_server.api import reward_pb2
from reward_server.integrations.trl import (
    AsyncRewardServerReward,
    RewardServerReward,
    completion_text,
)
from reward_server.integrations.unjudged import GroupContentError

trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")


class RecordingReward(RewardServerReward):
    """Records what it returns to the trainer."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.returned: list[list[float | None]] = []

    def __call__(self, *args, **kwargs):
        out = super().__call__(*args, **kwargs)
        self.returned.append(out)
        return out


class RecordingAsyncReward(AsyncRewardServerReward):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.returned: list[list[float | None]] = []

    async def __call__(self, *args, **kwargs):
        out = await super().__call__(*args, **kwargs)
        self.returned.append(out)
        return out


def _completions_counted(metrics_port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read()
    pattern = r"^reward_completions_total\{[^}]*\} (\S+)$"
    return sum(float(v) for v in re.findall(pattern, text.decode(), flags=re.M))


def _mean(values: list[float | None]) -> float:
    judged = [v for v in values if v is not None]
    return sum(judged) / len(judged)


@pytest.mark.slow
def test_grpo_trainer_logs_rewards_from_the_server(fresh_server, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("WANDB_DISABLED", "true")
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from trainer_client.tokenizer import build_char_tokenizer

    server = fresh_server("--metrics-port", "0")
    assert server.metrics_port
    before = _completions_counted(server.metrics_port)

    # Digits only and one-token completions, with the final layer norm set so that the
    # policy says "4" about half the time: rewards are mixed, so the update is not empty.
    tokenizer = build_char_tokenizer("0123456789+=")
    torch.manual_seed(0)
    model = GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=32,
            n_embd=16,
            n_layer=1,
            n_head=2,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )
    four = model.transformer.wte.weight[tokenizer.convert_tokens_to_ids("4")].detach()
    with torch.no_grad():
        model.transformer.ln_f.weight.zero_()
        model.transformer.ln_f.bias.copy_(6 * four / four.norm() ** 2)
    problems = [(1, 3), (2, 2), (3, 1), (0, 4), (2, 3), (4, 1), (1, 1), (4, 0)]
    dataset = datasets.Dataset.from_dict(
        {"prompt": [f"{a}+{b}=" for a, b in problems], "answer": [str(a + b) for a, b in problems]}
    )
    sync_reward = RecordingReward(server.address, gold_column="answer")
    async_reward = RecordingAsyncReward(server.address, gold_column="answer", name="reward_async")
    config = trl.GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=1,
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        use_cpu=True,
        bf16=False,
        seed=0,
        learning_rate=1e-3,
        temperature=1.5,
    )
    trainer = trl.GRPOTrainer(
        model=model,
        reward_funcs=[sync_reward, async_reward],
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()

    logs = [entry for entry in trainer.state.log_history if "rewards/reward_server/mean" in entry]
    assert len(logs) == 2 == len(sync_reward.returned) == len(async_reward.returned)
    for entry, sync_values, async_values in zip(
        logs, sync_reward.returned, async_reward.returned, strict=True
    ):
        assert len(sync_values) == len(async_values) == 8
        assert entry["rewards/reward_server/mean"] == pytest.approx(_mean(sync_values), abs=1e-6)
        assert entry["rewards/reward_async/mean"] == pytest.approx(_mean(async_values), abs=1e-6)
        assert all(v in (0.0, 1.0) for v in sync_values + async_values)
        assert entry["reward_server/infra_error"] == 0.0
        assert entry["reward_server/correct"] == pytest.approx(
            (sum(sync_values) + sum(async_values)) / 16
        )
    returned = [v for values in sync_reward.returned + async_reward.returned for v in values]
    assert 0.0 in returned and 1.0 in returned
    # Every completion each reward function returned was judged by the server.
    assert _completions_counted(server.metrics_port) - before == 2 * 2 * 8


def test_completions_of_one_prompt_are_one_group_and_conversations_are_read(server):
    reward = RewardServerReward(server.address, gold_column="answer")
    sent: list[reward_pb2.Group] = []
    stream = reward.client.score_stream

    def spy(groups, timeout=None):
        groups = list(groups)
        sent.extend(groups)
        return stream(groups, timeout=timeout)

    reward.client.score_stream = spy
    chat = [[{"role": "user", "content": "6*7?"}]] * 2
    out = reward(
        prompts=["1+1=", "1+1=", "1+1=", *chat, "1+1="],
        completions=[
            "\\boxed{2}",
            "3",
            "The answer is 2",
            [{"role": "assistant", "content": "<think>6*7</think> \\boxed{42}"}],
            [{"role": "assistant", "content": [{"type": "text", "text": "41"}]}],
            "2",
        ],
        completion_ids=[[0] * 3] * 6,
        answer=["2", "2", "2", "42", "42", "2"],
    )
    assert out == [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    # Runs of the same prompt: [0..2], [3..4], [5] (a repeated prompt later is a new group).
    assert [list(g.completions) for g in sent] == [
        ["\\boxed{2}", "3", "The answer is 2"],
        ["<think>6*7</think> \\boxed{42}", "41"],
        ["2"],
    ]
    assert list(sent[0].completion_lengths) == [3, 3, 3]
    assert reward.__name__ == "reward_server"


async def test_async_reward_scores_against_the_server(server):
    reward = AsyncRewardServerReward(server.address, gold_column="answer")
    assert trl.trainer.utils.is_async_callable(reward)
    out = await reward(
        prompts=["q", "q"], completions=["\\boxed{5}", "\\boxed{6}"], answer=["5", "5"]
    )
    assert out == [1.0, 0.0]


def test_infra_error_is_none_for_trl(infra_error_client):
    reward = RewardServerReward(client=infra_error_client, gold_column="answer")
    logged = {}
    out = reward(
        prompts=["p"] * 4,
        completions=["1", "broken", "0", "broken"],
        answer=["1"] * 4,
        log_metric=lambda name, value: logged.__setitem__(name, value),
    )
    assert out == [1.0, None, 0.0, None]
    assert logged == {
        "reward_server/correct": 0.25,
        "reward_server/infra_error": 0.5,
        "reward_server/group_error": 0.0,
    }


def test_code_rows_use_the_tests_column_and_bad_columns_say_what_exists():
    reward = RewardServerReward("127.0.0.1:1", gold_column="answer", tests_column="tests")
    tests = '{"function": {"entry_point": "f", "cases": [[[1], 2]]}}'
    groups, _ = reward._groups(
        ["w", "m"],
        ["def f(x): return x+1", "3"],
        None,
        {"tests": [tests, None], "answer": [None, "3"]},
    )
    assert groups[0].task.code.function.entry_point == "f"
    assert groups[1].task.math.gold == "3"
    # compare / checker / report_tests columns reach the rows that have them.
    io = '{"io": [["1 2", "3"]]}'
    groups, _ = reward._groups(
        ["a", "b"],
        ["print(3)", "print(3)"],
        None,
        {
            "tests": [io, io],
            "answer": [None, None],
            "compare": [{"rel_tolerance": 1e-6}, None],
            "report_tests": [True, None],
        },
    )
    assert groups[0].task.code.io.compare.rel_tolerance == 1e-6
    assert groups[0].task.code.report_tests
    assert not groups[1].task.code.io.HasField("compare")
    assert not groups[1].task.code.report_tests
    with pytest.raises(KeyError, match=r"'answer'.*columns passed: \['gold'\]"):
        RewardServerReward("127.0.0.1:1")._groups(["p"], ["x"], None, {"gold": ["1"]})


def test_completion_text_rejects_what_trl_never_sends():
    assert completion_text([{"role": "assistant", "content": "x"}]) == "x"
    with pytest.raises(TypeError):
        completion_text(3)


GROUP_ERROR_ROWS = dict(
    prompts=["p", "p", "q", "q", "w"],
    completions=["7", "8", "7", "8", "def f(): ..."],
    answer=["7", "7", BAD_GOLD, BAD_GOLD, None],
    tests=[None, None, None, None, {"asserts": {"entry_point": "f", "test_code": "f()"}}],
)


def test_a_group_the_server_cannot_judge_is_none_for_trl():
    # A bad gold and a code task on a server without --code: each group alone is not
    # judged; the rest of the call is.
    with stub_server() as (address, servicer):
        reward = RewardServerReward(address, gold_column="answer", tests_column="tests")
        logged = {}
        out = reward(**GROUP_ERROR_ROWS, log_metric=logged.__setitem__)
        assert out == [1.0, 0.0, None, None, None]
        assert logged["reward_server/group_error"] == pytest.approx(3 / 5)
        assert logged["reward_server/infra_error"] == 0.0
        assert logged["reward_server/correct"] == pytest.approx(1 / 5)
        assert len(servicer.received) == 3  # one group per prompt, never re-sent
        strict = RewardServerReward(
            address, gold_column="answer", tests_column="tests", on_group_error="raise"
        )
        with pytest.raises(GroupContentError, match="INVALID_ARGUMENT: gold 'bad'") as err:
            strict(**GROUP_ERROR_ROWS)
        assert "UNIMPLEMENTED" in str(err.value) and err.value.code == "INVALID_ARGUMENT"
    with pytest.raises(ValueError, match="'none' or 'raise'"):
        RewardServerReward(address, on_group_error="neutral")


async def test_async_reward_gives_none_for_a_group_the_server_cannot_judge():
    with stub_server() as (address, _):
        reward = AsyncRewardServerReward(address, gold_column="answer", tests_column="tests")
        assert await reward(**GROUP_ERROR_ROWS) == [1.0, 0.0, None, None, None]
        strict = AsyncRewardServerReward(
            address, gold_column="answer", tests_column="tests", on_group_error="raise"
        )
        with pytest.raises(GroupContentError):
            await strict(**GROUP_ERROR_ROWS)


def test_a_row_the_live_server_cannot_judge_is_none(server):
    reward = RewardServerReward(server.address, gold_column="answer")
    logged = {}
    out = reward(
        prompts=["a", "a", "b", "b"],
        completions=["\\boxed{2}", "3", "x", "y"],
        answer=["2", "2", "", ""],  # an empty gold: the server cannot judge that group
        log_metric=logged.__setitem__,
    )
    assert out == [1.0, 0.0, None, None]
    assert logged["reward_server/group_error"] == 0.5
