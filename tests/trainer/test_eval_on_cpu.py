"""``grpo-train eval`` end to end on CPU: a real OpenAI-compatible HTTP server on loopback
(``trainer_client.serve_openai``, backed by a tiny GPT-2 with the character tokenizer,
briefly trained to answer one question) and a real reward server."""

from __future__ import annotations

import json
import math
import socket

import pytest
import torch
from aiohttp import web
from conftest import requires_docker
from tiny import TINY

from trainer_client.cli import main as cli_main
from trainer_client.config import TrainConfig
from trainer_client.eval_served import pass_at_k
from trainer_client.openai_client import sample_from_choice
from trainer_client.policy import build_policy
from trainer_client.serve_openai import make_app, serve_in_thread
from trainer_client.sft import sft_batch
from trainer_client.tasks import Task

LEARNED = Task(prompt="What is 2+3?", gold="5", reference="2+3=5</think>\\boxed{5}")
LEARNED_CODE = Task(
    prompt="Write a Python function add3(x) that returns x plus 3.",
    kind="code",
    tests={"function": {"entry_point": "add3", "cases": [[[1], 4], [[-2], 1]]}},
    reference="</think>```python\ndef add3(x):\n    return x + 3\n```",
)
PROBLEMS = [{"prompt": "What is 2+3?", "gold": "5"}, {"prompt": "What is 2+4?", "gold": "6"}]
K = 4


@pytest.fixture(scope="module")
def policy():
    """A tiny GPT-2 that has memorised two worked answers, one arithmetic and one
    function (a few seconds of SFT; sampled at temperature 1 it is mostly right)."""
    torch.set_num_threads(1)
    policy = build_policy(TrainConfig.from_flat(**{**TINY, "seed": 0}))
    optimizer = torch.optim.AdamW(policy.model.parameters(), lr=3e-3)
    batch = sft_batch(policy, [LEARNED, LEARNED, LEARNED_CODE, LEARNED_CODE])
    policy.model.train()
    for _ in range(200):
        policy.model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    policy.model.eval()
    return policy


class Recorder:
    """Middleware: keeps each POST body; answers the first ``fail`` POSTs with 503."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.bodies: list[dict] = []
        self.attempts = 0

    def middleware(self):
        @web.middleware
        async def record(request, handler):
            if request.method == "POST":
                self.attempts += 1
                if self.attempts <= self.fail:
                    return web.json_response({"error": {"message": "busy"}}, status=503)
                self.bodies.append(await request.json())
            return await handler(request)

        return record


@pytest.fixture
def tasks_file(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PROBLEMS))
    return path


@pytest.fixture
def one_task(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(PROBLEMS[0]) + "\n")
    return path


def _eval(base_url, tasks_file, out, server, *extra: str) -> int:
    return cli_main(
        [
            "eval",
            "--base-url", base_url,
            "--model", "tiny",
            "--tasks", str(tasks_file),
            "--samples", str(K),
            "--server", server.address,
            "--max-tokens", "24",
            "--temperature", "1.0",
            "--seed", "3",
            "--top-p", "1.0",
            "--concurrency", "2",
            "--backoff", "0.01",
            "--no-progress",
            "--out", str(out),
            *extra,
        ]
    )  # fmt: skip


def test_pass_at_k_matches_hand_computed_values():
    assert pass_at_k(5, 2, 1) == pytest.approx(2 / 5)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)  # 1 - C(3,2)/C(5,2)
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)  # 1 - C(7,5)/C(10,5)
    assert pass_at_k(4, 0, 4) == 0.0
    assert pass_at_k(5, 4, 2) == 1.0  # fewer than k wrong: some k-subset always passes
    assert pass_at_k(4, 1, 4) == 1.0
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)


def test_choices_become_samples():
    chat = {"message": {"content": " \\boxed{5}", "reasoning_content": "2+3"}}
    s = sample_from_choice({**chat, "finish_reason": "stop"}, chat=True)
    assert (s.source, s.reasoning, s.answer) == ("reasoning_content", "2+3", " \\boxed{5}")
    assert s.text == "<think>2+3</think> \\boxed{5}"
    cut = {"message": {"content": "", "reasoning_content": "2+"}, "finish_reason": "length"}
    s = sample_from_choice(cut, chat=True)
    assert s.text == "<think>2+" and not s.closed
    s = sample_from_choice({"text": "2+3=5</think>\\boxed{5}", "finish_reason": "stop"}, False)
    assert (s.source, s.reasoning, s.answer) == ("block", "2+3=5", "\\boxed{5}")
    s = sample_from_choice({"message": {"content": "5"}, "finish_reason": "stop"}, chat=True)
    assert (s.source, s.reasoning, s.answer) == ("none", None, "5")


def _check_summary(summary: dict, n_problems: int) -> None:
    """pass@1 and pass@K are the per-problem estimators averaged; verdicts add up."""
    rows = summary["per_problem"]
    assert summary["problems"] == summary["problems_judged"] == n_problems
    assert all(r["n"] == K and r["error"] is None for r in rows)
    assert sum(summary["verdicts"].values()) == K * n_problems
    for k in (1, K):
        want = sum(pass_at_k(r["n"], r["correct"], k) for r in rows) / len(rows)
        assert summary[f"pass@{k}"] == pytest.approx(want)
    assert summary["pass@1"] == pytest.approx(sum(r["correct"] for r in rows) / (K * len(rows)))


def test_eval_chat_reads_reasoning_content(policy, server, tasks_file, tmp_path, capsys):
    recorder = Recorder()
    app = make_app(policy, "tiny", reasoning_parser=True, middlewares=[recorder.middleware()])
    with serve_in_thread(app) as base_url:
        assert _eval(base_url, tasks_file, tmp_path / "eval.json", server) == 0
    summary = json.loads((tmp_path / "eval.json").read_text())
    _check_summary(summary, len(PROBLEMS))
    assert summary["per_problem"][0]["correct"] >= 1  # the memorised answer, judged CORRECT
    assert 0 < summary["pass@1"] < summary[f"pass@{K}"]  # seeded: some samples right, not all
    assert summary["reasoning_source"] == {"reasoning_content": K * len(PROBLEMS)}
    assert summary["endpoint"] == "chat" and summary["retried_requests"] == 0
    assert summary["reasoning_chars_mean"] > 0 and summary["completion_tokens_mean"] > 0
    for body in recorder.bodies:  # what the client asked the server for
        assert body["n"] == K and body["max_tokens"] == 24 and body["temperature"] == 1.0
        assert body["seed"] == 3
        assert body["messages"][0]["content"] in {p["prompt"] for p in PROBLEMS}
    out = capsys.readouterr().out
    assert f"pass@1 {summary['pass@1']:.3f}  pass@{K} {summary[f'pass@{K}']:.3f}" in out
    assert "verdicts: " in out and "mean length (chars): reasoning" in out


def test_eval_completions_splits_the_block(policy, server, tasks_file, tmp_path):
    recorder = Recorder()
    with serve_in_thread(make_app(policy, "tiny", middlewares=[recorder.middleware()])) as base_url:
        template = ["--endpoint", "completions", "--prompt-template", "Q: {prompt}\\nA: <think>"]
        assert _eval(base_url, tasks_file, tmp_path / "eval.json", server, *template) == 0
    summary = json.loads((tmp_path / "eval.json").read_text())
    _check_summary(summary, len(PROBLEMS))
    assert recorder.bodies[0]["prompt"].startswith("Q: What is 2+")
    assert recorder.bodies[0]["prompt"].endswith("\nA: <think>")
    assert summary["per_problem"][0]["correct"] >= 1
    assert summary["reasoning_source"].get("block", 0) >= 1  # split from the text


def test_retries_a_server_that_fails_twice(policy, server, one_task, tmp_path):
    recorder = Recorder(fail=2)
    with serve_in_thread(make_app(policy, "tiny", middlewares=[recorder.middleware()])) as base_url:
        assert _eval(base_url, one_task, tmp_path / "eval.json", server, "--retries", "2") == 0
    summary = json.loads((tmp_path / "eval.json").read_text())
    assert recorder.attempts == 3 and summary["retried_requests"] == 2
    assert summary["problems_judged"] == 1 and summary["sampling_errors"] == 0
    assert not math.isnan(summary["pass@1"])


def test_gives_up_after_the_retries(policy, server, one_task, tmp_path):
    recorder = Recorder(fail=10)
    with serve_in_thread(make_app(policy, "tiny", middlewares=[recorder.middleware()])) as base_url:
        assert _eval(base_url, one_task, tmp_path / "eval.json", server, "--retries", "1") == 1
    summary = json.loads((tmp_path / "eval.json").read_text())
    assert recorder.attempts == 2 and summary["sampling_errors"] == 1
    assert "HTTP 503" in summary["first_error"]


def test_an_unreachable_server_is_retried_then_counted(server, one_task, tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    assert _eval(base_url, one_task, tmp_path / "eval.json", server, "--retries", "1") == 1
    summary = json.loads((tmp_path / "eval.json").read_text())
    assert summary["sampling_errors"] == 1 and summary["retried_requests"] == 1
    assert "gave up after 2 attempts" in summary["first_error"]


def test_a_rejected_request_stops_the_run(policy, server, tasks_file, tmp_path, capsys):
    recorder = Recorder()
    with serve_in_thread(
        make_app(policy, "other", middlewares=[recorder.middleware()])
    ) as base_url:
        assert _eval(base_url, tasks_file, tmp_path / "eval.json", server) == 2
    assert recorder.attempts <= len(PROBLEMS)  # a 404 is not retried; the rest are cancelled
    assert not (tmp_path / "eval.json").exists()
    assert "HTTP 404" in capsys.readouterr().err


@requires_docker
def test_eval_judges_code_in_the_sandbox(policy, code_server, tmp_path):
    tasks = tmp_path / "code.jsonl"
    record = {"prompt": LEARNED_CODE.prompt, **LEARNED_CODE.record()}
    tasks.write_text(json.dumps(record) + "\n" + json.dumps(PROBLEMS[0]) + "\n")
    with serve_in_thread(make_app(policy, "tiny", reasoning_parser=True)) as base_url:
        out = tmp_path / "eval.json"
        assert _eval(base_url, tasks, out, code_server, "--max-tokens", "56") == 0
    summary = json.loads(out.read_text())
    _check_summary(summary, 2)
    assert summary["per_problem"][0]["correct"] >= 1  # the memorised function passes its tests
    assert "INFRA_ERROR" not in summary["verdicts"]
    code = summary["by_kind"]["code"]
    assert code["problems_judged"] == 1 and set(summary["by_kind"]) == {"code", "math"}
    assert code["pass@1"] == pytest.approx(summary["per_problem"][0]["correct"] / K)
