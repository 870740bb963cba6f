"""``grpo-train eval``: pass@k of a model served behind an OpenAI-compatible API.

    grpo-train eval --base-url http://HOST:8000/v1 --model NAME --tasks gsm8k \\
        --samples 8 --server HOST:PORT --out runs/eval.json

K completions per problem are sampled (:mod:`trainer_client.openai_client`), each
problem's group is streamed to the reward server as soon as its samples are in, and the
run reports pass@1 and pass@k (the unbiased estimator of Chen et al. 2021, per problem
then averaged), mean reasoning and answer lengths, the verdict histogram and a JSON
summary. Samples the server could not judge (INFRA_ERROR) are left out of n; a problem
the server cannot judge at all (``GroupResult.error``) or whose sampling failed is left
out of the averages and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer_client.openai_client import EndpointConfig, OpenAISampler, Sample, ServedModelError
from trainer_client.scoring import GroupErrorLog, GroupScores, Scorer
from trainer_client.tasks import Task

Log = Callable[[str], None]


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k of one problem with ``c`` correct out of ``n`` samples:
    ``1 - C(n-c, k) / C(n, k)`` (Chen et al. 2021), exact in integers."""
    if not 0 <= c <= n or k < 1:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and k >= 1, got n={n} c={c} k={k}")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per problem, got {n}")
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


@dataclass
class ProblemResult:
    """One problem's samples and verdicts; ``error`` when it was not judged."""

    index: int
    task: Task
    samples: list[Sample] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def judged(self) -> int:
        return sum(v != "INFRA_ERROR" for v in self.verdicts)

    @property
    def correct(self) -> int:
        return sum(v == "CORRECT" for v in self.verdicts)


# --- tasks --------------------------------------------------------------------------------


def load_eval_tasks(spec: str, data_dir: str, limit: int | None = None) -> list[Task]:
    """``gsm8k`` (its test split), ``humaneval``, ``bundled`` (the demo's held-out
    arithmetic and function-writing problems, 200 of each by default) or a JSONL file in
    the user schema."""
    from trainer_client import tasks as t

    if spec == "gsm8k":
        out = [t.gsm8k_task(r) for r in t.read_jsonl(Path(data_dir) / "gsm8k" / "test.jsonl")]
    elif spec == "humaneval":
        out = t.load_humaneval(data_dir)
    elif spec == "bundled":  # --limit applies per kind here: both kinds stay in
        bundled = t.TaskSet.bundled(10, code=True, code_fraction=0.5)  # the demo's arith_max
        return bundled.heldout("math", limit or 200) + bundled.heldout("code", limit or 200)
    elif Path(spec).suffix in (".jsonl", ".gz") and Path(spec).exists():
        out = [t.user_task(r) for r in t.read_jsonl(spec)]
    else:
        raise ValueError(f"--tasks {spec!r}: use gsm8k, humaneval, bundled or an existing .jsonl")
    return out[:limit] if limit else out


# --- sampling and scoring -----------------------------------------------------------------


async def sample_and_submit(
    results: list[ProblemResult],
    config: EndpointConfig,
    samples: int,
    concurrency: int,
    scorer: Scorer,
    progress: bool = True,
) -> OpenAISampler:
    """Sample every problem (``concurrency`` requests in flight), submitting each group
    to ``scorer`` as soon as its samples are in. A problem whose sampling failed after
    every retry gets ``error``; a rejected request (bad settings) stops the run."""
    import aiohttp

    from trainer_client.report import progress_bar

    gate = asyncio.Semaphore(concurrency)
    bar = progress_bar(len(results), "sampling", progress)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        sampler = OpenAISampler(config, session)

        async def one(result: ProblemResult) -> None:
            async with gate:
                try:
                    result.samples = await sampler.sample(result.task.prompt, samples)
                except ServedModelError as err:
                    result.error = f"sampling failed: {err}"
                else:
                    texts = [s.text for s in result.samples]
                    scorer.submit(result.task.to_group(texts, group_id(result)))
            bar.update(1)

        jobs = [asyncio.ensure_future(one(r)) for r in results]
        try:
            await asyncio.gather(*jobs)
        finally:  # a rejected request stops the run: the other requests are cancelled
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            bar.close()
    return sampler


def group_id(result: ProblemResult) -> str:
    return f"eval-{result.index}"


def collect_scores(
    results: Sequence[ProblemResult], scorer: Scorer, timeout: float, log: Log
) -> int:
    """Fill in the verdicts; the number of groups the server could not judge."""
    sampled = [r for r in results if r.error is None]
    scores: dict[str, GroupScores] = scorer.collect([group_id(r) for r in sampled], timeout)
    not_judged = GroupErrorLog(log=log).count(scores.values())
    for r in sampled:
        s = scores[group_id(r)]
        if s.error is not None:
            r.error = f"not judged: {s.error}"
        else:
            r.verdicts = s.verdicts
    return not_judged


# --- the report ---------------------------------------------------------------------------


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pass_rates(judged: Sequence[ProblemResult], samples: int) -> dict[str, float | None]:
    """pass@1 and pass@``samples``, each averaged over the problems with at least k
    judged samples (an INFRA_ERROR can leave fewer); None when there are none."""
    rates: dict[str, float | None] = {}
    for k in sorted({1, samples}):
        eligible = [r for r in judged if r.judged >= k]
        rates[f"pass@{k}"] = _mean([pass_at_k(r.judged, r.correct, k) for r in eligible])
    return rates


def summarize(results: Sequence[ProblemResult], samples: int) -> dict[str, Any]:
    """pass@1 and pass@``samples`` over the judged problems, lengths (characters), the
    verdict histogram and where the reasoning came from."""
    judged = [r for r in results if r.error is None and r.judged > 0]
    kinds = sorted({r.task.kind for r in judged})
    all_samples = [s for r in results for s in r.samples]
    reasoned = [s for s in all_samples if s.reasoning is not None]
    return {
        **pass_rates(judged, samples),
        "problems": len(results),
        "problems_judged": len(judged),
        "by_kind": {
            kind: {
                **pass_rates([r for r in judged if r.task.kind == kind], samples),
                "problems_judged": sum(r.task.kind == kind for r in judged),
            }
            for kind in kinds
        },
        "samples_per_problem": samples,
        "samples": len(all_samples),
        "verdicts": dict(collections.Counter(v for r in results for v in r.verdicts)),
        "reasoning_chars_mean": _mean([len(s.reasoning or "") for s in reasoned]),
        "answer_chars_mean": _mean([len(s.answer) for s in all_samples]),
        "reasoning_source": dict(collections.Counter(s.source for s in all_samples)),
        "reasoning_unclosed": sum(not s.closed for s in all_samples),
        "finish_length": sum(s.finish_reason == "length" for s in all_samples),
        "sampling_errors": sum(1 for r in results if (r.error or "").startswith("sampling")),
        "not_judged": sum(1 for r in results if (r.error or "").startswith("not judged")),
        "first_error": next((r.error for r in results if r.error), None),
        "per_problem": [
            {"index": r.index, "n": r.judged, "correct": r.correct, "error": r.error}
            for r in results
        ],
    }


def _passes(rates: dict[str, Any]) -> str:
    return "  ".join(
        f"{k} {v:.3f}" if v is not None else f"{k} n/a"
        for k, v in rates.items()
        if k.startswith("pass@")
    )


def format_report(summary: dict[str, Any]) -> list[str]:
    """The lines ``grpo-train eval`` prints."""
    lines = [
        f"{_passes(summary)}  ({summary['problems_judged']} of {summary['problems']} problems "
        f"judged, {summary['samples_per_problem']} samples each)"
    ]
    if len(summary["by_kind"]) > 1:
        for kind, rates in summary["by_kind"].items():
            lines.append(f"  {kind}: {_passes(rates)}  ({rates['problems_judged']} problems)")
    r, a = summary["reasoning_chars_mean"], summary["answer_chars_mean"]
    lines.append(
        "mean length (chars): reasoning "
        + (f"{r:.1f}" if r is not None else "n/a")
        + ", answer "
        + (f"{a:.1f}" if a is not None else "n/a")
        + "; reasoning from "
        + ", ".join(f"{src} {n}" for src, n in summary["reasoning_source"].items())
        + ", "
        f"{summary['reasoning_unclosed']} cut off while thinking, "
        f"{summary['finish_length']} hit max_tokens"
    )
    verdicts = sorted(summary["verdicts"].items(), key=lambda kv: -kv[1])
    lines.append("verdicts: " + (", ".join(f"{v} {n}" for v, n in verdicts) or "none"))
    for key in ("sampling_errors", "not_judged"):
        if summary[key]:
            lines.append(f"{key.replace('_', ' ')}: {summary[key]} problems left out")
    if summary["first_error"]:
        lines.append(f"first error: {summary['first_error']}")
    return lines


# --- the command --------------------------------------------------------------------------


def add_eval_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``grpo-train eval``."""
    p.add_argument(
        "--base-url",
        required=True,
        help="e.g. http://HOST:8000/v1 (OPENAI_API_KEY, when set, is sent as the bearer token)",
    )
    p.add_argument("--model", required=True, help="the served model name")
    p.add_argument("--tasks", required=True, help="gsm8k, humaneval, bundled or PATH.jsonl")
    p.add_argument("--data-dir", default="../shared/data", help="holds gsm8k/ and humaneval/")
    p.add_argument(
        "--limit", type=int, default=None, help="the first N problems (of each kind: bundled)"
    )
    p.add_argument("--samples", type=int, default=8, help="K completions per problem (%(default)s)")
    p.add_argument("--server", default=None, help="reward server HOST:PORT (else one is started)")
    p.add_argument(
        "--endpoint",
        choices=("chat", "completions"),
        default="chat",
        help="/v1/chat/completions (default: the server applies the chat template and, with "
        "a reasoning parser, returns reasoning_content) or /v1/completions (raw prompt)",
    )
    p.add_argument(
        "--prompt-template",
        default="{prompt}",
        help="how a problem becomes the prompt/user message, e.g. 'Q: {prompt}\\nA: <think>'",
    )
    p.add_argument("--temperature", type=float, default=0.6, help="default %(default)s")
    p.add_argument("--top-p", type=float, default=0.95, help="default %(default)s")
    p.add_argument("--max-tokens", type=int, default=4096, help="per completion (%(default)s)")
    p.add_argument("--seed", type=int, default=None, help="sent with every request")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight (%(default)s)")
    p.add_argument("--retries", type=int, default=5, help="on 429/5xx/no connection (%(default)s)")
    p.add_argument("--backoff", type=float, default=1.0, help="first retry delay (s), doubling")
    p.add_argument("--request-timeout", type=float, default=600.0, help="per request (s)")
    p.add_argument("--score-timeout", type=float, default=600.0, help="for all verdicts (s)")
    p.add_argument("--out", default=None, help="write the JSON summary here")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def endpoint_config(args: argparse.Namespace) -> EndpointConfig:
    if args.samples < 1 or args.concurrency < 1:
        raise ValueError("--samples and --concurrency must be >= 1")
    return EndpointConfig(
        base_url=args.base_url,
        model=args.model,
        chat=args.endpoint == "chat",
        temperature=args.temperature,
        top_p=args.top_p,
        max_tokens=args.max_tokens,
        prompt_template=args.prompt_template.replace("\\n", "\n"),
        retries=args.retries,
        backoff_s=args.backoff,
        timeout_s=args.request_timeout,
        api_key=os.environ.get("OPENAI_API_KEY"),
        seed=args.seed,
    )


@contextlib.contextmanager
def reward_server_address(server: str | None, code: bool, log: Log) -> Iterator[str]:
    """``--server``, else ``REWARD_SERVER_TARGETS``, else a server started for the run
    (with ``--code`` when code tasks need it and a Docker engine answers)."""
    address = server or os.environ.get("REWARD_SERVER_TARGETS")
    if address:
        yield address
        return
    from trainer_client.cli import docker_engine_problem, reward_server

    code = code and docker_engine_problem() is None
    log(f"no --server: starting a reward server ({'math and code' if code else 'math'})")
    with reward_server(code=code) as started:
        yield started


def evaluate_served(args: argparse.Namespace, log: Log = print) -> dict[str, Any]:
    """Sample, score and summarise (see the module docstring)."""
    from reward_server.client import RewardClient
    from trainer_client.scoring import StreamScorer, server_verifiers

    config = endpoint_config(args)
    tasks = load_eval_tasks(args.tasks, args.data_dir, args.limit)
    start = time.perf_counter()
    with reward_server_address(args.server, any(t.kind == "code" for t in tasks), log) as addr:
        client = RewardClient(addr, timeout=args.score_timeout)
        client.wait_ready(30)
        if "code" not in server_verifiers(client) and any(t.kind == "code" for t in tasks):
            log(f"reward server {addr} has no code verifier: code problems left out")
            tasks = [t for t in tasks if t.kind != "code"]
        results = [ProblemResult(i, t) for i, t in enumerate(tasks)]
        log(
            f"{config.model} at {config.url}: {len(results)} problems x {args.samples} "
            f"samples, scored by {addr}"
        )
        scorer = StreamScorer(client)
        try:
            sampler = asyncio.run(
                sample_and_submit(
                    results, config, args.samples, args.concurrency, scorer, not args.no_progress
                )
            )
            collect_scores(results, scorer, args.score_timeout, log)
        finally:
            scorer.close()
            client.close()
    summary = {
        "model": config.model,
        "base_url": config.base_url,
        "endpoint": "chat" if config.chat else "completions",
        "tasks": args.tasks,
        **summarize(results, args.samples),
    }
    summary["retried_requests"] = sampler.retried
    summary["completion_tokens_mean"] = (
        sampler.completion_tokens / summary["samples"] if summary["samples"] else None
    )
    summary["wall_s"] = time.perf_counter() - start
    summary["per_problem"] = summary.pop("per_problem")  # the long part last
    return summary


def run_eval(args: argparse.Namespace, log: Log = print) -> int:
    """``grpo-train eval``: print the report, write ``--out``; 1 when nothing was judged."""
    summary = evaluate_served(args, log)
    for line in format_report(summary):
        log(line)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=2))
        log(f"summary: {args.out}")
    if not summary["problems_judged"]:
        print("grpo-train eval: no problem was judged", file=sys.stderr)
        return 1
    return 0
