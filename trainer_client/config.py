"""The trainer's settings: frozen dataclasses, every knob documented and checked.

``TrainConfig`` nests the components' own configs, each of which checks itself:
``sampling`` (:class:`~trainer_client.rollout.SamplingConfig`), ``loss``
(:class:`~trainer_client.loss.LossConfig`), ``update``
(:class:`~trainer_client.update.UpdateConfig`) and ``correction``
(:class:`~trainer_client.sampler_correction.SamplerCorrectionConfig`); the run's other
settings are its own fields. Flags and YAML keys stay flat: ``--eps_high 0.28`` (or
``eps_high: 0.28``) sets ``cfg.loss.eps_high``. :func:`knobs` maps every flat name to
where it lives, :meth:`TrainConfig.from_flat` builds a config from flat values and
:meth:`TrainConfig.to_dict` gives them back.

A bad value stops the run at start-up with a message that names the field and what to
change; :mod:`trainer_client.flags` reads the YAML file and the flags.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from trainer_client.advantages import SCALES
from trainer_client.loss import LossConfig
from trainer_client.rollout import SamplingConfig
from trainer_client.sampler_correction import SamplerCorrectionConfig
from trainer_client.update import UpdateConfig

RECIPE_NAMES = ("r1-zero", "r1", "distill")
"""DeepSeek-R1's ways to a reasoning model (see ``TrainConfig.recipe``); what each runs is
:data:`trainer_client.recipes.RECIPES`."""


def _opt(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class TrainConfig:
    """Everything a GRPO run needs; see each field's ``help``."""

    # --- policy -------------------------------------------------------------------------
    model: str = _opt(
        "scratch",
        "'scratch' builds a small GPT-2 with a character tokenizer; otherwise a local "
        "directory holding a Hugging Face tokenizer and causal LM (no downloads).",
    )
    sampler: str = _opt(
        "hf",
        "'hf' samples with transformers (CPU or GPU); 'vllm' with a vLLM engine on a GPU "
        "(pip install '.[gpu]'; needs model to be a local directory), weights synced into "
        "the engine after every update.",
    )
    n_layer: int = _opt(4, "Scratch model: transformer layers.")
    n_embd: int = _opt(128, "Scratch model: hidden size (a multiple of n_head).")
    n_head: int = _opt(4, "Scratch model: attention heads.")
    n_positions: int = _opt(256, "Scratch model: longest prompt + completion in tokens.")
    # --- tasks --------------------------------------------------------------------------
    tasks: str = _opt(
        "bundled",
        "Training tasks: 'bundled' (procedural arithmetic, plus small function-writing "
        "tasks when the server has a code verifier), 'gsm8k' (../shared/data/gsm8k), or "
        "a path to a JSONL file in the user schema (see trainer_client.tasks).",
    )
    data_dir: str = _opt(
        "../shared/data", "Folder holding gsm8k/ and humaneval/ for tasks='gsm8k'."
    )
    code_fraction: float = _opt(
        0.25, "Share of bundled training prompts that are code tasks (code servers only)."
    )
    sft_code_fraction: float | None = _opt(
        None,
        "Share of code tasks in the bundled SFT cold start; none = code_fraction. Short "
        "one-line functions are learned from far fewer examples than arithmetic.",
    )
    arith_max: int = _opt(
        20, "Bundled arithmetic: largest operand; the difficulty knob of the demo."
    )
    # --- sampling -----------------------------------------------------------------------
    group_size: int = _opt(8, "G: completions sampled per prompt (>= 2).")
    prompts_per_step: int = _opt(16, "Prompts per GRPO step; rows = prompts * G.")
    prompts_per_generate: int = _opt(
        4,
        "Prompts per generate call; each finished chunk is streamed to the server while "
        "the next chunk is generated.",
    )
    sampling: SamplingConfig = field(
        default_factory=SamplingConfig,
        metadata={"help": "Sampling (rollout.SamplingConfig): max_new_tokens, temperature, top_p."},
    )
    # --- optimisation -------------------------------------------------------------------
    learning_rate: float = _opt(2e-4, "AdamW learning rate of the GRPO updates.")
    weight_decay: float = _opt(0.0, "AdamW weight decay.")
    steps: int = _opt(100, "GRPO steps (one rollout batch each).")
    loss: LossConfig = field(
        default_factory=LossConfig,
        metadata={
            "help": "The loss (loss_config.LossConfig): loss_type, eps_low, eps_high, beta, "
            "mask_truncated, importance_sampling_level, delta, cispo_max_ratio, "
            "sapo_temperature_pos/neg, top_entropy_quantile; its max_completion_length "
            "follows max_new_tokens."
        },
    )
    scale_rewards: str = _opt(
        "group", "Advantage std scaling: " + ", ".join(SCALES) + " ('none' = Dr. GRPO)."
    )
    update: UpdateConfig = field(
        default_factory=UpdateConfig,
        metadata={
            "help": "The update (update.UpdateConfig): num_iterations, minibatch_size, "
            "micro_batch_size, max_grad_norm; rows keep their order (shuffle_seed none)."
        },
    )
    correction: SamplerCorrectionConfig = field(
        default_factory=SamplerCorrectionConfig,
        metadata={
            "help": "The sampler-mismatch correction (sampler_correction."
            "SamplerCorrectionConfig): vllm_importance_sampling_correction, _cap, _mode."
        },
    )
    dynamic_sampling: bool = _opt(
        False,
        "DAPO's dynamic sampling: when groups come back with no reward variance, sample "
        "more prompts (prompts_per_step at a time) and keep only groups with variance "
        "until the step has prompts_per_step of them, so the batch and its normaliser do "
        "not shrink. Off: such groups are dropped and the step trains on fewer rows.",
    )
    dynamic_sampling_max_rounds: int = _opt(
        3,
        "Dynamic sampling: most generate rounds per step (the first included); a step "
        "still short after them trains on the groups it has (metrics ds_*).",
    )
    truncation_penalty: float = _opt(
        0.0, "Subtracted from the reward of truncated completions (0 = off)."
    )
    format_weight: float = _opt(
        0.0, "Server-side reward shaping: weight of the think/answer format component."
    )
    # --- reward server ------------------------------------------------------------------
    server: str | None = _opt(
        None,
        "Reward server target(s), 'host:port' or comma-separated; none = "
        "$REWARD_SERVER_TARGETS (the demo starts its own server when none is given).",
    )
    server_timeout_s: float = _opt(120.0, "Longest wait for one group's scores.")
    score_streams: int = _opt(
        4,
        "Concurrent ScoreStreams to the server(s). Each stream is one RPC on one replica: "
        "with N replicas behind the targets (a list, or a DNS name with N records) the "
        "groups spread over up to this many of them.",
    )
    # --- recipe (DeepSeek-R1) -----------------------------------------------------------
    recipe: str | None = _opt(
        None,
        "'r1-zero': GRPO from the initial policy, no SFT (sft_steps must be 0). 'r1': a "
        "short cold-start SFT on worked reasoning examples (sft_steps >= 1), then GRPO. "
        "'distill': sample the teacher checkpoint on training prompts, keep only the "
        "completions the reward server scores CORRECT, SFT this policy (the student) on "
        "them for sft_steps, then GRPO for steps (0 = distillation only). none = 'r1' "
        "when sft_steps > 0, else 'r1-zero'. On the command line a recipe also sets the "
        "defaults it needs (r1-zero: sft_steps 0; r1: sft_steps 100 if 0; distill: steps "
        "0, sft_steps 200 if 0) unless they are given.",
    )
    teacher: str | None = _opt(
        None,
        "distill: the teacher, a local Hugging Face model directory or a checkpoint-N "
        "folder of an earlier run.",
    )
    distill_prompts: int = _opt(
        256, "distill: training prompts the teacher answers (drawn like GRPO prompts)."
    )
    distill_samples: int = _opt(
        4,
        "distill: completions sampled per prompt at `temperature`; the CORRECT ones "
        "(duplicates dropped) become the student's SFT data, written to distill.jsonl.",
    )
    # --- cold start, evaluation, bookkeeping --------------------------------------------
    sft_steps: int = _opt(
        0, "Supervised steps: the r1 cold start on worked examples, or distill's SFT."
    )
    sft_batch_size: int = _opt(32, "Examples per SFT step.")
    sft_learning_rate: float = _opt(1e-3, "AdamW learning rate of the SFT steps.")
    eval_size: int = _opt(200, "Held-out problems per evaluation (greedy decoding).")
    eval_every: int = _opt(0, "Evaluate every N GRPO steps; 0 = only before and after.")
    seed: int = _opt(0, "Seeds the model init, task sampling, generation and shuffling.")
    out_dir: str = _opt("runs/grpo", "Where metrics.jsonl, checkpoints and plots go.")
    save_every: int = _opt(50, "Checkpoint every N steps (and at the end); 0 = end only.")
    resume: bool = _opt(False, "Continue from the latest checkpoint in out_dir if any.")
    threads: int = _opt(0, "torch CPU threads; 0 = torch's default.")
    progress: bool = _opt(True, "Show tqdm progress bars.")
    log_samples: int = _opt(
        1,
        "Completions per GRPO step written to samples.jsonl in out_dir (prompt, "
        "completion, reward, verdict); 0 = none.",
    )
    moderate_traces: bool = _opt(
        True,
        "Redact PII and secrets (reward_server.client.moderate) in the traces a run "
        "writes: samples.jsonl and distill.jsonl. Needs the [moderation] extra.",
    )

    def __post_init__(self) -> None:
        # Frozen: settle the implicit values once, here.
        if self.recipe is None:
            object.__setattr__(self, "recipe", "r1" if self.sft_steps > 0 else "r1-zero")
        if self.loss.max_completion_length is None:  # dr_grpo divides by the length limit
            limit = self.sampling.max_new_tokens
            object.__setattr__(self, "loss", replace(self.loss, max_completion_length=limit))
        problems = [
            *_policy_problems(self),
            *_task_problems(self),
            *_step_problems(self),
            *_run_problems(self),
            *_recipe_problems(self),
        ]
        if problems:
            raise ValueError("invalid TrainConfig:\n  " + "\n  ".join(problems))

    @classmethod
    def from_flat(cls, **values: Any) -> TrainConfig:
        """A config from flat values named as the flags and YAML keys name them, e.g.
        ``from_flat(steps=5, eps_high=0.28)``; each nested config is built from its own
        keys and checks itself."""
        table = knobs()
        unknown = sorted(set(values) - set(table))
        if unknown:
            raise ValueError(
                f"unknown TrainConfig keys {unknown}; valid keys: {', '.join(sorted(table))}"
            )
        parts: dict[str | None, dict[str, Any]] = {
            None: {},
            "sampling": {},
            "loss": {},
            "update": {},
            "correction": {},
        }
        for name, value in values.items():
            parts[table[name].section][name] = value
        sampling = SamplingConfig(**parts["sampling"])
        loss = LossConfig(**parts["loss"], max_completion_length=sampling.max_new_tokens)
        update = UpdateConfig(**parts["update"])
        correction = SamplerCorrectionConfig(**parts["correction"])
        return cls(
            **parts[None], sampling=sampling, loss=loss, update=update, correction=correction
        )

    @property
    def rows_per_step(self) -> int:
        """Completions per GRPO step: ``prompts_per_step * group_size``."""
        return self.prompts_per_step * self.group_size

    def to_dict(self) -> dict[str, Any]:
        """Every knob by its flat name, so a run's saved config loads back as YAML."""
        out = {}
        for name, knob in knobs().items():
            holder = self if knob.section is None else getattr(self, knob.section)
            out[name] = getattr(holder, name)
        return out


# --- checks, one group of settings each ---------------------------------------------------


def _below(cfg: Any, low: int, names: Sequence[str]) -> list[str]:
    return [f"{n}={getattr(cfg, n)}: set it >= {low}" for n in names if getattr(cfg, n) < low]


def _policy_problems(cfg: TrainConfig) -> list[str]:
    out = _below(cfg, 1, ("n_layer", "n_embd", "n_head", "n_positions"))
    if cfg.n_head >= 1 and cfg.n_embd % cfg.n_head:
        out.append(f"n_embd={cfg.n_embd} is not a multiple of n_head={cfg.n_head}: change one")
    if cfg.sampler not in ("hf", "vllm"):
        out.append(f"sampler={cfg.sampler!r}: use 'hf' or 'vllm'")
    if cfg.sampler == "vllm" and cfg.model == "scratch":
        out.append("sampler='vllm' needs model to be a local checkpoint directory, not 'scratch'")
    if cfg.model != "scratch" and not Path(cfg.model).is_dir():
        out.append(f"model={cfg.model!r}: give 'scratch' or an existing local model directory")
    return out


def _task_problems(cfg: TrainConfig) -> list[str]:
    out = _below(cfg, 2, ("arith_max",))
    if not 0.0 <= cfg.code_fraction <= 1.0:
        out.append(f"code_fraction={cfg.code_fraction}: set it in [0, 1]")
    if cfg.sft_code_fraction is not None and not 0.0 <= cfg.sft_code_fraction <= 1.0:
        out.append(f"sft_code_fraction={cfg.sft_code_fraction}: set it in [0, 1] or none")
    return out


def _step_problems(cfg: TrainConfig) -> list[str]:
    """The GRPO step's settings that live on TrainConfig, and how the nested ones meet."""
    out = _below(cfg, 1, ("prompts_per_step", "prompts_per_generate"))
    out += _below(cfg, 0, ("steps",))
    if cfg.group_size < 2:
        out.append(f"group_size={cfg.group_size}: GRPO needs >= 2 completions per prompt")
    if not (math.isfinite(cfg.learning_rate) and cfg.learning_rate > 0):
        out.append(f"learning_rate={cfg.learning_rate}: set it > 0")
    if cfg.weight_decay < 0:
        out.append(f"weight_decay={cfg.weight_decay}: set it >= 0")
    if cfg.scale_rewards not in SCALES:
        out.append(f"scale_rewards={cfg.scale_rewards!r}: use one of {', '.join(SCALES)}")
    if isinstance(cfg.dynamic_sampling_max_rounds, bool) or cfg.dynamic_sampling_max_rounds < 1:
        out.append(
            f"dynamic_sampling_max_rounds={cfg.dynamic_sampling_max_rounds}: set it >= 1"
        )
    if cfg.truncation_penalty < 0.0:
        out.append(f"truncation_penalty={cfg.truncation_penalty}: set it >= 0")
    if cfg.format_weight < 0.0:
        out.append(f"format_weight={cfg.format_weight}: set it >= 0")
    if cfg.loss.max_completion_length != cfg.sampling.max_new_tokens:
        out.append(
            f"loss.max_completion_length={cfg.loss.max_completion_length} differs from "
            f"max_new_tokens={cfg.sampling.max_new_tokens}: leave it None (it follows "
            "max_new_tokens)"
        )
    return out


def _run_problems(cfg: TrainConfig) -> list[str]:
    """Reward server, evaluation and bookkeeping."""
    out = _below(cfg, 1, ("score_streams",))
    out += _below(
        cfg, 0, ("eval_size", "eval_every", "save_every", "threads", "seed", "log_samples")
    )
    if not cfg.server_timeout_s > 0:
        out.append(f"server_timeout_s={cfg.server_timeout_s}: set it > 0")
    return out


def _recipe_problems(cfg: TrainConfig) -> list[str]:
    """The recipe, its SFT and, for distill, its teacher."""
    out = _below(cfg, 0, ("sft_steps",))
    out += _below(cfg, 1, ("sft_batch_size", "distill_prompts", "distill_samples"))
    if not (math.isfinite(cfg.sft_learning_rate) and cfg.sft_learning_rate > 0):
        out.append(f"sft_learning_rate={cfg.sft_learning_rate}: set it > 0")
    if cfg.recipe not in RECIPE_NAMES:
        out.append(f"recipe={cfg.recipe!r}: use one of {', '.join(RECIPE_NAMES)}")
    if cfg.recipe == "r1-zero" and cfg.sft_steps != 0:
        out.append(
            f"recipe='r1-zero' runs RL from the start but sft_steps={cfg.sft_steps}: "
            "set sft_steps 0 or use recipe 'r1'"
        )
    if cfg.recipe == "r1" and cfg.sft_steps < 1:
        out.append(
            "recipe='r1' starts with a cold-start SFT: set sft_steps >= 1 or use recipe 'r1-zero'"
        )
    if cfg.recipe == "distill":
        if cfg.teacher is None or not Path(cfg.teacher).is_dir():
            out.append(
                "recipe='distill' needs teacher to be an existing local model or "
                f"checkpoint directory, got {cfg.teacher!r}"
            )
        if cfg.sft_steps < 1:
            out.append("recipe='distill' trains the student by SFT: set sft_steps >= 1")
    elif cfg.teacher is not None:
        out.append(
            f"teacher={cfg.teacher!r} is only used by recipe 'distill' (recipe is {cfg.recipe!r})"
        )
    return out


# --- flat names: flags and YAML keys ------------------------------------------------------

NOT_KNOBS = {("loss", "max_completion_length"), ("update", "shuffle_seed")}
"""Nested fields the trainer sets itself: the dr_grpo length is max_new_tokens; the update
keeps the rows in order."""


@dataclass(frozen=True)
class Knob:
    """One setting as the flags and YAML keys name it."""

    name: str
    section: str | None
    """The TrainConfig field of the nested config that holds it; None = TrainConfig."""
    help: str
    default: Any
    annotation: Any
    """The field's resolved type (``int | None``, ``bool``...)."""


@functools.cache
def knobs() -> dict[str, Knob]:
    """Every knob by its flat name, in TrainConfig's field order, a nested config's fields
    in its place."""
    out: dict[str, Knob] = {}
    hints = typing.get_type_hints(TrainConfig)
    for f in dataclasses.fields(TrainConfig):
        if not dataclasses.is_dataclass(hints[f.name]):
            out[f.name] = Knob(f.name, None, f.metadata["help"], f.default, hints[f.name])
            continue
        sub_hints = typing.get_type_hints(hints[f.name])
        for g in dataclasses.fields(hints[f.name]):
            if (f.name, g.name) in NOT_KNOBS:
                continue
            if g.name in out:  # flat names must stay unique across the nested configs
                raise RuntimeError(f"{f.name}.{g.name} clashes with another knob")
            out[g.name] = Knob(g.name, f.name, g.metadata["help"], g.default, sub_hints[g.name])
    return out
