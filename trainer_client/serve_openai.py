"""A minimal OpenAI-compatible server for a local checkpoint, on CPU.

    python -m trainer_client.serve_openai --checkpoint runs/demo/checkpoint-120 --port 8000
    grpo-train eval --base-url http://127.0.0.1:8000/v1 --model demo --tasks bundled

It answers ``GET /v1/models``, ``POST /v1/completions`` (the prompt as given) and ``POST
/v1/chat/completions`` (the last user message formatted as the policy formats prompts:
``Q: ...\\nA: <think>`` for scratch models, the chat template otherwise) with ``n``,
``temperature`` (0 = greedy), ``top_p``, ``max_tokens`` / ``max_completion_tokens`` and
``seed``. With ``--reasoning-parser`` a chat message carries the text before ``</think>``
as ``reasoning_content`` and the rest as ``content``, as vLLM's reasoning parsers do.

It exists so a checkpoint of the bundled trainer can be evaluated by the same command as
a model served by vLLM; it generates one request at a time and is no production server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from trainer_client.policy import Policy
from trainer_client.rollout import HFSampler, SamplingConfig

CLOSE = "</think>"


class BadRequest(ValueError):
    """A request the API rejects with 400 and an OpenAI-style error body."""


def _int(body: dict[str, Any], key: str, default: int, low: int = 1) -> int:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise BadRequest(f"'{key}' must be an integer >= {low}, got {value!r}")
    return value


def _sampling(body: dict[str, Any], default_max_tokens: int) -> tuple[SamplingConfig, bool]:
    """The request's sampling settings, and whether it asks for greedy decoding."""
    temperature = body.get("temperature", 1.0)
    top_p = body.get("top_p", 1.0)
    if not isinstance(temperature, int | float) or temperature < 0:
        raise BadRequest(f"'temperature' must be a number >= 0, got {temperature!r}")
    if not isinstance(top_p, int | float) or not 0 < top_p <= 1:
        raise BadRequest(f"'top_p' must be in (0, 1], got {top_p!r}")
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    max_tokens = _int({"max_tokens": max_tokens}, "max_tokens", default_max_tokens)
    greedy = temperature == 0
    config = SamplingConfig(max_tokens, float(temperature) if not greedy else 1.0, float(top_p))
    return config, greedy


def split_message(text: str) -> tuple[str | None, str]:
    """``(reasoning_content, content)`` the way vLLM's R1 parser splits a chat message:
    the prompt opened the block, so everything before ``</think>`` is reasoning."""
    head, sep, tail = text.partition(CLOSE)
    if not sep:
        return text, ""  # cut off while thinking: all reasoning, no answer yet
    return head.removeprefix("<think>"), tail


class Generator:
    """The policy behind the endpoints; one generation at a time, off the event loop."""

    def __init__(self, policy: Policy, model_name: str, max_tokens: int = 64) -> None:
        self.policy = policy
        self.model_name = model_name
        self.max_tokens = max_tokens
        self._lock = threading.Lock()  # torch already uses every core: no parallel calls

    def generate(self, prompt_ids: list[int], n: int, body: dict[str, Any]):
        config, greedy = _sampling(body, self.max_tokens)
        sampler = HFSampler(
            self.policy.model, self.policy.tokenizer, self.policy.eos_id, self.policy.pad_id, config
        )
        with self._lock:
            if isinstance(body.get("seed"), int):
                import torch

                torch.manual_seed(body["seed"])
            return sampler.generate([prompt_ids], n, greedy=greedy)


GENERATOR = web.AppKey("generator", Generator)
REASONING_PARSER = web.AppKey("reasoning_parser", bool)


def _choice_fields(samples, i: int) -> tuple[str, str, int]:
    finish = "length" if samples.truncated[i] else "stop"
    return samples.texts[i], finish, len(samples.completion_ids[i])


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


async def _run(request: web.Request, prompt_ids: list[int], body: dict[str, Any]):
    gen: Generator = request.app[GENERATOR]
    n = _int(body, "n", 1)
    return await asyncio.to_thread(gen.generate, prompt_ids, n, body)


async def completions(request: web.Request) -> web.Response:
    body = await request.json()
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1:
        prompt = prompt[0]
    if not isinstance(prompt, str):
        raise BadRequest("'prompt' must be a string (one prompt per request)")
    policy: Policy = request.app[GENERATOR].policy
    ids = policy.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    if policy.tokenizer.bos_token_id is not None and not policy.chat:
        ids = [policy.tokenizer.bos_token_id, *ids]
    samples = await _run(request, ids, body)
    choices, used = [], 0
    for i in range(len(samples.texts)):
        text, finish, tokens = _choice_fields(samples, i)
        used += tokens
        choices.append({"index": i, "text": text, "finish_reason": finish, "logprobs": None})
    return _reply(request, "text_completion", "cmpl", choices, _usage(len(ids), used))


async def chat_completions(request: web.Request) -> web.Response:
    body = await request.json()
    messages = body.get("messages")
    users = [m for m in messages or [] if isinstance(m, dict) and m.get("role") == "user"]
    if not users or not isinstance(users[-1].get("content"), str):
        raise BadRequest("'messages' must hold a user message with string content")
    policy: Policy = request.app[GENERATOR].policy
    ids = policy.encode_prompt(users[-1]["content"])
    samples = await _run(request, ids, body)
    choices, used = [], 0
    for i in range(len(samples.texts)):
        text, finish, tokens = _choice_fields(samples, i)
        used += tokens
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if request.app[REASONING_PARSER]:
            message["reasoning_content"], message["content"] = split_message(text)
        choices.append({"index": i, "message": message, "finish_reason": finish})
    return _reply(request, "chat.completion", "chatcmpl", choices, _usage(len(ids), used))


def _reply(request: web.Request, obj: str, prefix: str, choices: list, usage: dict):
    return web.json_response(
        {
            "id": f"{prefix}-{uuid.uuid4().hex}",
            "object": obj,
            "created": int(time.time()),
            "model": request.app[GENERATOR].model_name,
            "choices": choices,
            "usage": usage,
        }
    )


async def models(request: web.Request) -> web.Response:
    name = request.app[GENERATOR].model_name
    return web.json_response(
        {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "local"}]}
    )


@web.middleware
async def openai_errors(request: web.Request, handler):
    """Bad requests as OpenAI error bodies (400), and the model name checked."""
    try:
        if request.method == "POST":
            body = await request.json()
            if not isinstance(body, dict):
                raise BadRequest("the request body must be a JSON object")
            name = request.app[GENERATOR].model_name
            if body.get("model") not in (None, name):
                message = f"model {body.get('model')!r} not found; this server serves {name!r}"
                error = {"message": message, "type": "NotFoundError", "code": 404}
                return web.json_response({"error": error}, status=404)
        return await handler(request)
    except (BadRequest, ValueError) as err:  # json decoding errors are ValueErrors too
        error = {"message": str(err), "type": "BadRequestError", "code": 400}
        return web.json_response({"error": error}, status=400)


def make_app(
    policy: Policy,
    model_name: str = "local",
    *,
    reasoning_parser: bool = False,
    max_tokens: int = 64,
    middlewares: Sequence = (),
) -> web.Application:
    """The aiohttp application; ``middlewares`` run before the error handling."""
    app = web.Application(middlewares=[*middlewares, openai_errors])
    app[GENERATOR] = Generator(policy, model_name, max_tokens)
    app[REASONING_PARSER] = reasoning_parser
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/completions", completions)
    app.router.add_post("/v1/chat/completions", chat_completions)
    return app


@contextlib.contextmanager
def serve_in_thread(app: web.Application, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free port from a background thread; yield its ``/v1`` base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    started = threading.Event()
    port: list[int] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, host, 0)
        await site.start()
        port.append(runner.addresses[0][1])

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="openai-server", daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the OpenAI-compatible server did not start within 30 s")
    try:
        yield f"http://{host}:{port[0]}/v1"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


def load(checkpoint: str) -> Policy:
    """A checkpoint folder of the trainer (``checkpoint-N``) or a model directory."""
    from trainer_client.policy import load_checkpoint, load_policy

    path = Path(checkpoint)
    if (path / "state.json").exists():
        return load_checkpoint(path)[0]
    return load_policy(path)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", required=True, help="checkpoint-N folder or model dir")
    parser.add_argument("--model-name", default=None, help="the served name (default: folder)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-tokens", type=int, default=64, help="default max_tokens")
    parser.add_argument(
        "--reasoning-parser",
        action="store_true",
        help="chat messages carry reasoning_content (the text before </think>)",
    )
    args = parser.parse_args(argv)
    policy = load(args.checkpoint)
    policy.model.eval()
    name = args.model_name or Path(args.checkpoint).name
    app = make_app(policy, name, reasoning_parser=args.reasoning_parser, max_tokens=args.max_tokens)
    web.run_app(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
