"""Sampling completions and turning them into a padded rollout batch with log-probs.

A :class:`Sampler` turns prompts (token ids) into G completions each; :class:`HFSampler`
does it with ``model.generate`` on the training model (batched, KV cache, temperature /
top-p sampling), and :mod:`trainer_client.vllm_sampler` can sit behind the same protocol.
:func:`collate` pads the samples into a :class:`RolloutBatch`; :func:`completion_logprobs`
is the one forward pass that scores completion tokens, used both for the sampling
log-probs ``old_logp`` and, with gradient, in the update, so the importance ratio of the
first optimisation pass is exactly 1.

Layout of a batch of ``B`` rows (prompt-major: rows ``g*G .. g*G+G-1`` share prompt g)::

    input_ids       (B, P + T)  prompt left-padded to P, completion right-padded to T
    attention_mask  (B, P + T)  1 on real tokens (completion up to and including EOS)
    completion_mask (B, T)      1 on completion tokens that count in the loss
    old_logp        (B, T)      log-probs of the completion tokens when sampled
    truncated       (B,)        bool: hit max_new_tokens without EOS
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor

from trainer_client.logprobs import token_logprobs, token_logprobs_and_entropy

if TYPE_CHECKING:  # transformers is imported where generation happens: the config stays light
    from transformers import PreTrainedModel

    from trainer_client.policy import Policy


@dataclass
class Samples:
    """What a sampler returns: ``len(prompts) * n`` rows, prompt-major."""

    prompt_ids: list[list[int]]
    """Per row, the prompt's token ids (no padding)."""
    completion_ids: list[list[int]]
    """Per row, the completion's ids, ending with EOS unless truncated (no padding)."""
    texts: list[str]
    """Per row, the decoded completion without special tokens."""
    truncated: list[bool]
    """Per row, True when the completion hit the length limit without EOS."""
    logprobs: list[list[float]] | None = None
    """Per row, the sampler's own log-prob of each completion token (NaN where unknown),
    when the sampler reports them; for the sampler-mismatch correction."""


class Sampler(Protocol):
    """Generates completions from the current policy weights."""

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, *, greedy: bool = False
    ) -> Samples:
        """``n`` completions for each prompt (token ids), prompt-major."""
        ...

    def sync_weights(self, model: PreTrainedModel) -> None:
        """Make the sampler use ``model``'s current weights (after an update)."""
        ...


@dataclass(frozen=True)
class SamplingConfig:
    """How completions are sampled; checked on construction."""

    max_new_tokens: int = field(default=32, metadata={"help": "Completion length limit in tokens."})
    temperature: float = field(
        default=1.0, metadata={"help": "Sampling temperature (also applied to the log-probs)."}
    )
    top_p: float = field(default=1.0, metadata={"help": "Nucleus sampling; 1.0 = off."})

    def __post_init__(self) -> None:
        if isinstance(self.max_new_tokens, bool) or not (
            isinstance(self.max_new_tokens, int) and self.max_new_tokens >= 1
        ):
            raise ValueError(f"max_new_tokens={self.max_new_tokens!r}: set it to an int >= 1")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(
                f"temperature={self.temperature}: set it > 0 (1.0 samples the model as is)"
            )
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p={self.top_p}: set it in (0, 1]")


@dataclass
class HFSampler:
    """Samples with ``model.generate`` on the training model itself (no copy to sync)."""

    model: PreTrainedModel
    tokenizer: object
    eos_id: int
    pad_id: int
    config: SamplingConfig = field(default_factory=SamplingConfig)
    return_logprobs: bool = False
    """Also report each sampled token's log-prob under the logits it was drawn from
    (temperature applied), as a vLLM engine does; costs one (B, V) tensor per step."""

    def sync_weights(self, model: PreTrainedModel) -> None:
        self.model = model  # shares the parameters: nothing to copy

    @torch.no_grad()
    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, *, greedy: bool = False
    ) -> Samples:
        from transformers import GenerationConfig

        rows = [list(p) for p in prompts for _ in range(n)]
        limit = getattr(self.model.config, "max_position_embeddings", None)
        longest = max(len(r) for r in rows) + self.config.max_new_tokens
        if limit is not None and longest > limit:
            raise ValueError(
                f"a prompt of {longest - self.config.max_new_tokens} tokens plus "
                f"max_new_tokens={self.config.max_new_tokens} exceeds the model's "
                f"{limit} positions: raise n_positions (scratch models), lower "
                "max_new_tokens or use shorter prompts"
            )
        input_ids, attention_mask = left_pad(rows, self.pad_id)
        gen = GenerationConfig(
            max_new_tokens=self.config.max_new_tokens,
            do_sample=not greedy,
            temperature=self.config.temperature if not greedy else None,
            top_p=self.config.top_p if not greedy else None,
            top_k=None,
            eos_token_id=self.eos_id,
            pad_token_id=self.pad_id,
            use_cache=True,
            output_logits=self.return_logprobs,
            return_dict_in_generate=True,
        )
        was_training = self.model.training
        self.model.eval()
        out = self.model.generate(
            input_ids=input_ids, attention_mask=attention_mask, generation_config=gen
        )
        self.model.train(was_training)
        new_tokens = out.sequences[:, input_ids.size(1) :]  # (B, <= max_new_tokens)
        ids, truncated = self._cut_at_eos(new_tokens.tolist())
        texts = [
            self.tokenizer.decode(c, skip_special_tokens=True)  # type: ignore[attr-defined]
            for c in ids
        ]
        logprobs = None
        if self.return_logprobs and not greedy:
            logprobs = self._sampled_logprobs(out.logits, new_tokens, ids)
        return Samples(rows, ids, texts, truncated, logprobs)

    def _sampled_logprobs(
        self, logits: Sequence[Tensor], tokens: Tensor, ids: list[list[int]]
    ) -> list[list[float]]:
        """Each kept token's log-prob under the step's logits / temperature."""
        steps = torch.stack(list(logits), dim=1)[:, : tokens.size(1)]  # (B, T, V) raw
        lp = token_logprobs(steps, tokens, temperature=self.config.temperature)  # (B, T)
        return [lp[i, : len(c)].tolist() for i, c in enumerate(ids)]

    def _cut_at_eos(self, completions: list[list[int]]) -> tuple[list[list[int]], list[bool]]:
        """Each completion up to and including its EOS; truncated when it has none."""
        ids: list[list[int]] = []
        truncated: list[bool] = []
        for row in completions:
            if self.eos_id in row:
                ids.append(row[: row.index(self.eos_id) + 1])
                truncated.append(False)
            else:
                ids.append(row[: self.config.max_new_tokens])
                truncated.append(True)
        return ids, truncated


def make_sampler(
    policy: Policy,
    kind: str,
    sampling: SamplingConfig,
    *,
    model_dir: str,
    seed: int,
    logprobs: bool = False,
) -> Sampler:
    """The sampler a run asks for: ``"hf"`` generates with ``policy``'s model itself,
    ``"vllm"`` starts an engine from ``model_dir`` (a local model directory; GPU only).
    With ``logprobs`` it reports its own log-prob of every sampled token."""
    if kind == "vllm":
        from trainer_client.vllm_sampler import VLLMSampler  # GPU only: imported on demand

        return VLLMSampler(
            model_dir,
            eos_id=policy.eos_id,
            max_new_tokens=sampling.max_new_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            seed=seed,
            logprobs=logprobs,
        )
    return HFSampler(
        policy.model, policy.tokenizer, policy.eos_id, policy.pad_id, sampling, logprobs
    )


def left_pad(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[Tensor, Tensor]:
    """Left-pad id lists into ``(B, P)`` ids and a ``(B, P)`` attention mask."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        if r:
            ids[i, width - len(r) :] = torch.tensor(r, dtype=torch.long)
            mask[i, width - len(r) :] = 1
    return ids, mask


@dataclass
class RolloutBatch:
    """Padded tensors of one rollout (see the module docstring for shapes)."""

    input_ids: Tensor
    attention_mask: Tensor
    completion_mask: Tensor
    truncated: Tensor
    prompt_len: int
    texts: list[str]
    old_logp: Tensor | None = None
    sampling_logp: Tensor | None = None
    """``(B, T)`` the sampler's own log-probs (NaN where unknown), when it reports them."""

    @property
    def completion_ids(self) -> Tensor:
        """``(B, T)`` completion token ids (padding where ``completion_mask`` is 0)."""
        return self.input_ids[:, self.prompt_len :]

    @property
    def lengths(self) -> Tensor:
        """``(B,)`` completion tokens, EOS included."""
        return self.completion_mask.sum(-1).long()

    def tensors(self) -> dict[str, Tensor]:
        """The batch as a mapping for :func:`trainer_client.update.grpo_update`."""
        out = {
            "input_ids": self.input_ids,
            "attention_mask": self.attention_mask,
            "mask": self.completion_mask,
            "truncated": self.truncated,
        }
        if self.old_logp is not None:
            out["old_logp"] = self.old_logp
        return out


def collate(samples: Samples, pad_id: int) -> RolloutBatch:
    """Pad samples into a :class:`RolloutBatch` (without ``old_logp``)."""
    prompt_ids, prompt_mask = left_pad(samples.prompt_ids, pad_id)
    width = max(1, max(len(c) for c in samples.completion_ids))
    rows = len(samples.completion_ids)
    comp = torch.full((rows, width), pad_id, dtype=torch.long)
    comp_mask = torch.zeros((rows, width), dtype=torch.long)
    for i, c in enumerate(samples.completion_ids):
        comp[i, : len(c)] = torch.tensor(c, dtype=torch.long)
        comp_mask[i, : len(c)] = 1
    sampling_logp = None
    if samples.logprobs is not None:
        sampling_logp = torch.full((rows, width), float("nan"))
        for i, lp in enumerate(samples.logprobs):
            sampling_logp[i, : len(lp)] = torch.tensor(lp, dtype=torch.float32)
    return RolloutBatch(
        input_ids=torch.cat([prompt_ids, comp], dim=1),
        attention_mask=torch.cat([prompt_mask, comp_mask], dim=1),
        completion_mask=comp_mask.float(),
        truncated=torch.tensor(samples.truncated, dtype=torch.bool),
        prompt_len=prompt_ids.size(1),
        texts=list(samples.texts),
        sampling_logp=sampling_logp,
    )


def completion_logprobs(
    model: PreTrainedModel,
    input_ids: Tensor,
    attention_mask: Tensor,
    prompt_len: int,
    *,
    temperature: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """Log-probs and entropies of the completion tokens under ``model``.

    Args:
        input_ids: ``(B, P + T)``, prompt left-padded to ``P = prompt_len``.
        attention_mask: ``(B, P + T)``.
        temperature: the sampler's temperature (logits are divided by it).

    Returns:
        ``(logp, entropy)``, both ``(B, T)``; values at padding are meaningless.
    """
    position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)  # (B, P+T)
    logits = model(
        input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids
    ).logits  # (B, P+T, V)
    logits = logits[:, prompt_len - 1 : -1]  # (B, T, V) the logits predicting completions
    targets = input_ids[:, prompt_len:]  # (B, T)
    return token_logprobs_and_entropy(logits, targets, temperature=temperature)


def rollout(
    sampler: Sampler,
    model: PreTrainedModel,
    prompts: Sequence[Sequence[int]],
    n: int,
    *,
    pad_id: int,
    temperature: float = 1.0,
) -> RolloutBatch:
    """Sample ``n`` completions per prompt and score them: a batch with ``old_logp``."""
    batch = collate(sampler.generate(prompts, n), pad_id)
    with torch.no_grad():
        batch.old_logp, _ = completion_logprobs(
            model,
            batch.input_ids,
            batch.attention_mask,
            batch.prompt_len,
            temperature=temperature,
        )
    return batch
