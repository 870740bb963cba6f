"""A vLLM sampler behind the same :class:`~trainer_client.rollout.Sampler` protocol.

vLLM needs a GPU and is an optional extra (``pip install reward-server[gpu]``); it is
imported only inside these functions, so the trainer imports and runs without it. The
engine holds its own copy of the weights: ``sync_weights`` pushes the training model's
weights into it after every update, and the old log-probs are still computed by the
training model (:func:`trainer_client.rollout.completion_logprobs`), as TRL does. With
``logprobs=True`` the engine also reports its own log-prob of every sampled token
(after temperature and top-p, vLLM's ``processed_logprobs``), which the sampler-mismatch
correction (:mod:`trainer_client.sampler_correction`) compares with the trainer's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from transformers import PreTrainedModel

from trainer_client.rollout import Samples

INSTALL_HINT = (
    "the vLLM sampler needs the 'vllm' package and a GPU: pip install 'reward-server[gpu]', "
    "or use the default Hugging Face sampler (HFSampler)"
)


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as err:
        raise RuntimeError(INSTALL_HINT) from err
    return vllm


class VLLMSampler:
    """Samples with a vLLM engine started from ``model_path`` (a local HF directory)."""

    def __init__(
        self,
        model_path: str,
        *,
        eos_id: int,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_p: float = 1.0,
        gpu_memory_utilization: float = 0.3,
        seed: int = 0,
        logprobs: bool = False,
    ) -> None:
        vllm = _import_vllm()
        extra = {"logprobs_mode": "processed_logprobs"} if logprobs else {}
        self.llm = vllm.LLM(
            model=model_path, gpu_memory_utilization=gpu_memory_utilization, seed=seed,
            enable_prefix_caching=True, **extra,
        )
        self.logprobs = logprobs
        self.eos_id = eos_id
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_p = top_p
        self._vllm = vllm

    def generate(
        self, prompts: Sequence[Sequence[int]], n: int, *, greedy: bool = False
    ) -> Samples:
        params = self._vllm.SamplingParams(
            n=n,
            temperature=0.0 if greedy else self.temperature,
            top_p=1.0 if greedy else self.top_p,
            max_tokens=self.max_new_tokens,
            logprobs=0 if self.logprobs and not greedy else None,  # 0: the sampled token's
        )
        requests = [{"prompt_token_ids": list(p)} for p in prompts]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        rows, ids, texts, truncated, logprobs = [], [], [], [], []
        for prompt, out in zip(prompts, outputs, strict=True):
            for choice in out.outputs:
                tokens = list(choice.token_ids)
                logprobs.append(sampled_logprobs(tokens, choice.logprobs))
                stopped = choice.finish_reason == "stop"
                if stopped and (not tokens or tokens[-1] != self.eos_id):
                    tokens.append(self.eos_id)  # the trainer scores the EOS token too
                    logprobs[-1].append(float("nan"))  # not sampled: no log-prob
                rows.append(list(prompt))
                ids.append(tokens)
                texts.append(choice.text)
                truncated.append(choice.finish_reason == "length")
        reported = self.logprobs and not greedy
        return Samples(rows, ids, texts, truncated, logprobs if reported else None)

    def sync_weights(self, model: PreTrainedModel) -> None:
        """Load the training model's current weights into the engine."""
        load_weights(self.llm, model.state_dict().items())


def sampled_logprobs(tokens: Sequence[int], per_position: Any) -> list[float]:
    """The log-prob vLLM reported for each sampled token (``SamplingParams(logprobs=0)``
    gives one ``{token_id: Logprob}`` per position); NaN where it reported none."""
    if per_position is None:
        return [float("nan")] * len(tokens)
    out = []
    for token, entry in zip(tokens, per_position, strict=False):
        lp = entry.get(token) if entry else None
        out.append(float("nan") if lp is None else float(lp.logprob))
    return out + [float("nan")] * (len(tokens) - len(out))


def load_weights(llm: Any, weights: Iterable[tuple[str, Any]]) -> None:
    """Push ``(name, tensor)`` pairs into a vLLM engine's model, across vLLM versions.

    Newer vLLM exposes ``LLM.apply_model`` (runs a function on the model in each worker);
    older (V0) engines are reached through the driver worker's model runner.
    """
    weights = [(name, tensor.detach()) for name, tensor in weights]
    if hasattr(llm, "apply_model"):
        llm.apply_model(lambda m: m.load_weights(weights))
    else:
        executor = llm.llm_engine.model_executor
        executor.driver_worker.model_runner.model.load_weights(weights)
    if hasattr(llm, "reset_prefix_cache"):
        llm.reset_prefix_cache()  # cached KV blocks were computed with the old weights
