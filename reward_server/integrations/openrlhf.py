"""An HTTP endpoint for OpenRLHF's ``--remote_rm_url`` (OpenRLHF 0.8 convention).

    python -m reward_server.integrations.openrlhf --port 5000 --targets 127.0.0.1:50051
    python -m openrlhf.cli.train_ppo_ray ... --label_key answer \
        --remote_rm_url http://127.0.0.1:5000/get_reward

OpenRLHF posts ``{"query": [...], "prompts": [...], "labels": [...]}`` (``query`` is the
prompt followed by the response, as decoded text) and reads ``{"rewards": [...],
"scores": [...], "extra_logs": {...}}``: ``rewards`` feed the advantages, ``scores`` the
dynamic filtering (0-1), and each ``extra_logs`` entry is a per-sample list that it
concatenates across batches and logs. Here ``scores`` is 1.0 for CORRECT, else 0.0, and
``extra_logs`` holds ``correct``, ``infra_error`` and ``group_error`` (0/1 per sample).

The response is what follows the prompt in ``query`` (text before the prompt, such as
left padding, is dropped), with trailing end/pad token texts (``--strip-suffix``)
removed. ``labels`` are gold answers, or code records ``{"tests": {...}, "language":
...}`` (see ``reward_server.client.records``). Consecutive samples with the same
prompt and label are one group; all groups of a request go out on one gRPC stream.

OpenRLHF has no "no reward" value (NaN would reach the advantages), so by default an
unjudged sample (INFRA_ERROR) gets the mean reward of the judged samples of its group
(advantage 0 under group baselines), or ``--infra-error-reward`` when none were judged,
and ``extra_logs.infra_error`` = 1; ``--on-infra-error raise`` answers 503 instead, which
OpenRLHF retries. A group whose task the server cannot judge (``GroupResult.error``: a
bad gold, bad tests, an unknown language) gets ``--infra-error-reward`` for each sample
and ``extra_logs.group_error`` = 1; ``--on-group-error raise`` answers 400 with the
server's message instead (retrying cannot help). Bad input is answered 400 with
``{"error": "..."}``; a request the reward server refuses 400, an unreachable server 503
(``HTTP_STATUS``).

aiohttp serves it: one asyncio process, the same event loop as the asyncio gRPC client,
so requests from many rollout workers are forwarded concurrently without threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from aiohttp import web

from reward_server.api import reward_pb2
from reward_server.client import AsyncRewardClient, resolve_target
from reward_server.integrations.common import (
    TaskRef,
    ascore_completions,
    build_groups,
    reward_spec_from,
)
from reward_server.integrations.unjudged import (
    GroupContentError,
    InfraError,
    apply_policies,
)

DEFAULT_STRIP_SUFFIXES = ("<|endoftext|>", "<|im_end|>", "<|eot_id|>", "</s>", "<pad>", "<eos>")
"""End-of-sequence and padding token texts of common tokenizers, removed from the end of
a response (OpenRLHF decodes with special tokens kept)."""

CLIENT_KEY = web.AppKey("reward_client", AsyncRewardClient)


EXTRA_LOGS = ("correct", "infra_error", "group_error")
"""The per-sample lists of ``extra_logs``, 0/1 each."""

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,  # a bad label: the reward server says what
    grpc.StatusCode.UNIMPLEMENTED: 400,  # a code task, server started without --code
    grpc.StatusCode.UNAVAILABLE: 503,  # still down after the client's retries
    grpc.StatusCode.RESOURCE_EXHAUSTED: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}
"""The HTTP answer to a status of the reward server (others: 502). OpenRLHF retries
any failed request a few times, then stops the run."""


ENDPOINT_POLICIES = ("neutral", "raise")
"""What an unjudged sample gets (see ``unjudged.py``); NaN is not JSON."""


class BadRequest(ValueError):
    """Input that OpenRLHF should never send; answered with HTTP 400."""


@dataclass(frozen=True)
class EndpointConfig:
    targets: str | None = None  # None: $REWARD_SERVER_TARGETS
    reward: reward_pb2.RewardSpec | None = None  # shaping of every group; None: correctness
    on_infra_error: str = "neutral"
    on_group_error: str = "neutral"
    infra_error_reward: float = 0.0
    strip_suffixes: tuple[str, ...] = field(default=DEFAULT_STRIP_SUFFIXES)
    timeout: float = 600.0

    def __post_init__(self) -> None:
        for name in ("on_infra_error", "on_group_error"):
            if getattr(self, name) not in ENDPOINT_POLICIES:
                raise ValueError(
                    f"{name} must be 'neutral' or 'raise' (NaN is not JSON), "
                    f"got {getattr(self, name)!r}"
                )


def split_response(query: str, prompt: str, strip_suffixes: Sequence[str] = ()) -> str:
    """The response part of ``query`` = [padding] + prompt + response [+ end tokens]."""
    at = query.find(prompt)
    if at < 0:
        raise BadRequest(f"prompt {prompt[:80]!r} does not occur in its query {query[:80]!r}")
    response = query[at + len(prompt) :]
    stripped = True
    while stripped:
        stripped = False
        response = response.rstrip()
        for suffix in strip_suffixes:
            if suffix and response.endswith(suffix):
                response = response[: -len(suffix)]
                stripped = True
    return response


def parse_request(body: Any) -> tuple[list[str], list[str], list[Any]]:
    if not isinstance(body, dict):
        raise BadRequest(
            'the body must be a JSON object {"query": [...], "prompts": [...], "labels": [...]}'
        )
    missing = [k for k in ("query", "prompts", "labels") if k not in body]
    if missing:
        raise BadRequest(f"missing field(s) {missing}; got {sorted(body)}")
    query, prompts, labels = body["query"], body["prompts"], body["labels"]
    for name, value in (("query", query), ("prompts", prompts)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequest(f"{name} must be a list of strings")
    if not isinstance(labels, list):
        raise BadRequest("labels must be a list")
    if not len(query) == len(prompts) == len(labels):
        raise BadRequest(
            f"query, prompts and labels must have the same length, got "
            f"{len(query)}, {len(prompts)}, {len(labels)}"
        )
    return query, prompts, labels


async def score_request(
    client: AsyncRewardClient, config: EndpointConfig, body: Any
) -> dict[str, Any]:
    query, prompts, labels = parse_request(body)
    if not query:
        return {"rewards": [], "scores": [], "extra_logs": {k: [] for k in EXTRA_LOGS}}
    responses = [
        split_response(q, p, config.strip_suffixes) for q, p in zip(query, prompts, strict=True)
    ]
    try:
        tasks = [TaskRef.from_label(label) for label in labels]
    except ValueError as err:
        raise BadRequest(f"bad label: {err}") from None
    groups, index_runs = build_groups(
        tasks,
        responses,
        prompts,
        config.reward,
    )
    outcomes = await ascore_completions(client, groups, index_runs, config.timeout)
    rewards = apply_policies(
        outcomes,
        index_runs,
        config.on_infra_error,
        config.on_group_error,
        config.infra_error_reward,
    )
    correct = [float(o.correct) for o in outcomes]
    return {
        "rewards": rewards,
        "scores": correct,
        "extra_logs": {
            "correct": correct,
            "infra_error": [float(o.infra_error) for o in outcomes],
            "group_error": [float(o.group_error) for o in outcomes],
        },
    }


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def create_app(config: EndpointConfig) -> web.Application:
    """The aiohttp application; the gRPC client is made on start-up, inside the loop."""

    async def reward(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return _error(400, f"the body is not valid JSON: {err}")
        try:
            return web.json_response(await score_request(request.app[CLIENT_KEY], config, body))
        except BadRequest as err:
            return _error(400, str(err))
        except InfraError as err:
            return _error(503, str(err))
        except GroupContentError as err:  # retrying cannot help: 400 like a refused label
            code = grpc.StatusCode.__members__.get(err.code)
            return _error(HTTP_STATUS.get(code, 400) if code else 400, str(err))
        except grpc.aio.AioRpcError as err:
            return _error(
                HTTP_STATUS.get(err.code(), 502),
                f"reward server: {err.code().name}: {err.details()}",
            )

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "target": request.app[CLIENT_KEY].target})

    async def client_context(app: web.Application):
        app[CLIENT_KEY] = AsyncRewardClient(config.targets, timeout=config.timeout)
        yield
        await app[CLIENT_KEY].close()

    app = web.Application(client_max_size=256 << 20)
    app.cleanup_ctx.append(client_context)
    app.router.add_post("/get_reward", reward)
    app.router.add_post("/", reward)
    app.router.add_get("/health", health)
    return app


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m reward_server.integrations.openrlhf",
        description="HTTP reward endpoint for OpenRLHF --remote_rm_url, forwarding to the "
        "reward server over gRPC.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument(
        "--port", type=int, default=5000, help="port (0 picks a free one; default %(default)s)"
    )
    p.add_argument(
        "--targets",
        default=None,
        help="reward server address(es), comma-separated (default $REWARD_SERVER_TARGETS "
        "or 127.0.0.1:50051)",
    )
    p.add_argument(
        "--format-weight", type=float, default=0.0, help="weight of the R1 format reward"
    )
    p.add_argument(
        "--max-length", type=int, default=0, help="DAPO overlong length in characters (0 = off)"
    )
    p.add_argument("--overlong-buffer", type=int, default=0, help="DAPO overlong ramp length")
    p.add_argument(
        "--reasoning-language",
        default="",
        help="ISO 639-1 code: R1's language-consistency component (RewardSpec.language)",
    )
    p.add_argument("--language-weight", type=float, default=0.0, help="its weight")
    p.add_argument("--reasoning-open", default="", help="the model's own reasoning open tag")
    p.add_argument("--reasoning-close", default="", help="the model's own reasoning close tag")
    p.add_argument(
        "--on-infra-error",
        default="neutral",
        choices=ENDPOINT_POLICIES,
        help="an unjudged sample: 'neutral' (group mean, flagged) or 'raise' (HTTP 503)",
    )
    p.add_argument(
        "--on-group-error",
        default="neutral",
        choices=ENDPOINT_POLICIES,
        help="a group whose task the server cannot judge (bad gold, bad tests): 'neutral' "
        "(--infra-error-reward, flagged) or 'raise' (HTTP 400)",
    )
    p.add_argument(
        "--infra-error-reward",
        type=float,
        default=0.0,
        help="reward of an unjudged sample whose whole group is unjudged",
    )
    p.add_argument(
        "--strip-suffix",
        action="append",
        default=None,
        help="token text removed from the end of a response (repeatable; default: "
        + " ".join(DEFAULT_STRIP_SUFFIXES)
        + ")",
    )
    p.add_argument("--timeout", type=float, default=600.0, help="deadline of one request, seconds")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = EndpointConfig(
            targets=args.targets,
            reward=reward_spec_from(
                args.format_weight,
                args.max_length,
                args.overlong_buffer,
                reasoning_language=args.reasoning_language,
                language_weight=args.language_weight,
                reasoning_open=args.reasoning_open,
                reasoning_close=args.reasoning_close,
            ),
            on_infra_error=args.on_infra_error,
            on_group_error=args.on_group_error,
            infra_error_reward=args.infra_error_reward,
            strip_suffixes=tuple(args.strip_suffix)
            if args.strip_suffix is not None
            else DEFAULT_STRIP_SUFFIXES,
            timeout=args.timeout,
        )
    except ValueError as err:
        print(f"openrlhf endpoint: {err}", file=sys.stderr)
        return 2
    asyncio.run(serve(config, args.host, args.port))
    return 0


async def serve(config: EndpointConfig, host: str, port: int) -> None:
    """Serves until SIGINT/SIGTERM; prints the bound address first (so --port 0 works)."""
    runner = web.AppRunner(create_app(config), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound = runner.addresses[0][1]
        print(
            f"openrlhf reward endpoint listening on http://{host}:{bound}/get_reward "
            f"(reward server {resolve_target(config.targets)})",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    sys.exit(main())
