"""Sampling completions from an OpenAI-compatible server (vLLM, SGLang, the OpenAI API,
or :mod:`trainer_client.serve_openai`) over ``/v1/chat/completions`` or
``/v1/completions``, with bounded concurrency and retries.

A request asks for ``n`` completions of one prompt; a server that returns fewer choices
(some cap ``n``) is asked again for the rest. 429, 5xx, connection errors and timeouts
are retried with exponential backoff (or the server's ``Retry-After``); any other 4xx
is a mistake in the settings (a wrong model name, a bad parameter) and stops the run.

Reasoning: a chat message's ``reasoning_content`` (or ``reasoning``, its newer vLLM name)
when the server parses it out; otherwise the reasoning block inside the text, split by
``reward_server.reasoning.split_reasoning``.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reward_server.reasoning import split_reasoning

if TYPE_CHECKING:  # imported where requests are made: grpo-train's other commands skip it
    import aiohttp

RETRY_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))
MAX_BACKOFF_S = 30.0


class ServedModelError(ConnectionError):
    """The server kept failing (after every retry) or could not be reached."""


class RequestRejected(ValueError):
    """The server rejected a request (4xx other than 408/409/429): fix the settings."""


class RetryableError(Exception):
    """One failed attempt worth retrying; ``retry_after`` is the server's hint, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Sample:
    """One completion: ``text`` is what the reward server judges (the reasoning put back
    in a ``<think>`` block when the server sent it apart), ``reasoning``/``answer`` its
    split, ``source`` where the reasoning came from (``reasoning_content``, ``block`` or
    ``none``)."""

    text: str
    reasoning: str | None
    answer: str
    source: str
    finish_reason: str | None
    closed: bool = True


@dataclass(frozen=True)
class EndpointConfig:
    """Where and how to sample; ``chat`` picks ``/chat/completions`` over ``/completions``."""

    base_url: str
    model: str
    chat: bool = True
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 4096
    prompt_template: str = "{prompt}"
    retries: int = 5
    backoff_s: float = 1.0
    timeout_s: float = 600.0
    api_key: str | None = None
    seed: int | None = None
    """Sent with every request (vLLM seeds each request's sampling with it)."""

    def __post_init__(self) -> None:
        if "{prompt}" not in self.prompt_template:
            raise ValueError("prompt_template must contain {prompt}")
        if self.retries < 0 or self.backoff_s < 0:
            raise ValueError("retries and backoff_s must be >= 0")

    @property
    def url(self) -> str:
        path = "chat/completions" if self.chat else "completions"
        return f"{self.base_url.rstrip('/')}/{path}"


def sample_from_choice(choice: dict[str, Any], chat: bool) -> Sample:
    """A choice of either endpoint as a :class:`Sample`."""
    finish = choice.get("finish_reason")
    if chat:
        message = choice.get("message") or {}
        content = message.get("content") or ""
        reasoning = message.get("reasoning_content")
        if reasoning is None:
            reasoning = message.get("reasoning")
        if reasoning is not None:
            # Cut off while thinking: no close tag, as the raw text would have been.
            cut = finish == "length" and not content
            text = f"<think>{reasoning}" if cut else f"<think>{reasoning}</think>{content}"
            return Sample(text, reasoning, content, "reasoning_content", finish, not cut)
        text = content
    else:
        text = choice.get("text") or ""
    split = split_reasoning(text)
    source = "none" if split.reasoning is None else "block"
    return Sample(text, split.reasoning, split.answer, source, finish, split.closed)


def _retry_after(headers: Any) -> float | None:
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return None


class OpenAISampler:
    """Samples ``n`` completions of a prompt; shares one HTTP session."""

    def __init__(self, config: EndpointConfig, session: aiohttp.ClientSession) -> None:
        self.config = config
        self.session = session
        self.retried = 0
        """Attempts that failed and were retried, over the sampler's life."""
        self.completion_tokens = 0
        """``usage.completion_tokens`` summed over the answers that reported it."""

    def payload(self, prompt: str, n: int) -> dict[str, Any]:
        c = self.config
        text = c.prompt_template.replace("{prompt}", prompt)
        body: dict[str, Any] = {
            "model": c.model,
            "n": n,
            "temperature": c.temperature,
            "top_p": c.top_p,
            "max_tokens": c.max_tokens,
        }
        if c.seed is not None:
            body["seed"] = c.seed
        if c.chat:
            body["messages"] = [{"role": "user", "content": text}]
        else:
            body["prompt"] = text
        return body

    async def sample(self, prompt: str, n: int) -> list[Sample]:
        """``n`` samples of ``prompt``, asking again while the server returns fewer."""
        samples: list[Sample] = []
        while len(samples) < n:
            reply = await self.post(self.payload(prompt, n - len(samples)))
            choices = reply.get("choices") or []
            if not choices:
                raise ServedModelError(f"{self.config.url} answered without choices: {reply}")
            choices.sort(key=lambda ch: ch.get("index", 0))
            samples += [sample_from_choice(ch, self.config.chat) for ch in choices]
            self.completion_tokens += int((reply.get("usage") or {}).get("completion_tokens", 0))
        return samples[:n]

    async def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries; the decoded JSON answer."""
        c = self.config
        for attempt in range(c.retries + 1):
            try:
                return await self._attempt(body)
            except RetryableError as err:
                if attempt == c.retries:
                    raise ServedModelError(
                        f"{c.url}: gave up after {c.retries + 1} attempts: {err}"
                    ) from err
                self.retried += 1
                delay = c.backoff_s * 2**attempt * (0.5 + random.random() / 2)  # jitter
                if err.retry_after is not None:
                    delay = err.retry_after
                await asyncio.sleep(min(delay, MAX_BACKOFF_S))
        raise AssertionError("unreachable")

    async def _attempt(self, body: dict[str, Any]) -> dict[str, Any]:
        import aiohttp

        c = self.config
        headers = {"Authorization": f"Bearer {c.api_key}"} if c.api_key else {}
        timeout = aiohttp.ClientTimeout(total=c.timeout_s)
        try:
            async with self.session.post(
                c.url, json=body, headers=headers, timeout=timeout
            ) as resp:
                text = await resp.text()
                if resp.status in RETRY_STATUSES:
                    raise RetryableError(
                        f"HTTP {resp.status}: {text[:200]}", _retry_after(resp.headers)
                    )
                if resp.status >= 400:
                    raise RequestRejected(
                        f"{c.url} rejected the request: HTTP {resp.status}: {text[:500]}"
                    )
                return await resp.json(content_type=None)
        except (
            aiohttp.ClientConnectionError,
            aiohttp.ClientPayloadError,
            asyncio.TimeoutError,
        ) as err:
            raise RetryableError(f"{type(err).__name__}: {err}") from err
