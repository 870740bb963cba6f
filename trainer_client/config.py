"""The trainer's settings: one frozen dataclass, every knob documented, YAML and flags.

``TrainConfig`` is built from defaults, then a YAML file (``--config run.yaml``), then
``--key value`` flags (flags win). Every field is a flag of the same name; ``--key none``
sets an optional field to None and booleans take ``true``/``false``. A bad value stops the
run at start-up with a message that names the field and what to change.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer_client.advantages import SCALES
from trainer_client.loss import LOSS_AGGREGATORS

RECIPES = ("r1-zero", "r1", "distill")
"""DeepSeek-R1's ways to a reasoning model; see ``TrainConfig.recipe``."""


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
    max_new_tokens: int = _opt(32, "Completion length limit in tokens.")
    temperature: float = _opt(1.0, "Sampling temperature (also applied to the log-probs).")
    top_p: float = _opt(1.0, "Nucleus sampling; 1.0 = off.")
    # --- optimisation -------------------------------------------------------------------
    learning_rate: float = _opt(2e-4, "AdamW learning rate of the GRPO updates.")
    weight_decay: float = _opt(0.0, "AdamW weight decay.")
    steps: int = _opt(100, "GRPO steps (one rollout batch each).")
    loss_type: str = _opt(
        "dapo", "Token aggregation: " + ", ".join(sorted(LOSS_AGGREGATORS)) + "."
    )
    eps_low: float = _opt(0.2, "Clip floor 1 - eps_low of the importance ratio.")
    eps_high: float = _opt(0.28, "Clip ceiling 1 + eps_high (DAPO clip-higher: 0.28).")
    beta: float = _opt(
        0.0, "KL coefficient to a frozen reference; 0 loads no reference model."
    )
    scale_rewards: str = _opt(
        "group", "Advantage std scaling: " + ", ".join(SCALES) + " ('none' = Dr. GRPO)."
    )
    num_iterations: int = _opt(1, "mu: optimisation passes over each rollout batch.")
    minibatch_size: int | None = _opt(
        None, "Rows per optimizer step; none = the whole batch (one step per pass)."
    )
    micro_batch_size: int | None = _opt(
        None, "Rows per forward/backward (gradient accumulation); none = the minibatch."
    )
    max_grad_norm: float | None = _opt(1.0, "Gradient-norm clip; none = off.")
    mask_truncated: bool = _opt(
        False, "Leave completions that hit max_new_tokens without EOS out of the loss."
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
        4, "distill: completions sampled per prompt at `temperature`; the CORRECT ones "
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

    def __post_init__(self) -> None:
        if self.recipe is None:  # frozen: resolve the implicit recipe once, here
            object.__setattr__(self, "recipe", "r1" if self.sft_steps > 0 else "r1-zero")
        problems: list[str] = []

        def need(ok: bool, message: str) -> None:
            if not ok:
                problems.append(message)

        for name in ("n_layer", "n_embd", "n_head", "n_positions", "group_size",
                     "prompts_per_step", "prompts_per_generate", "max_new_tokens",
                     "num_iterations", "sft_batch_size"):
            need(getattr(self, name) >= 1, f"{name}={getattr(self, name)}: set it >= 1")
        for name in ("steps", "sft_steps", "eval_size", "eval_every", "save_every",
                     "threads", "seed"):
            need(getattr(self, name) >= 0, f"{name}={getattr(self, name)}: set it >= 0")
        need(self.n_embd % self.n_head == 0,
             f"n_embd={self.n_embd} is not a multiple of n_head={self.n_head}: change one")
        need(self.group_size >= 2,
             f"group_size={self.group_size}: GRPO needs >= 2 completions per prompt")
        need(self.arith_max >= 2, f"arith_max={self.arith_max}: set it >= 2")
        need(self.sampler in ("hf", "vllm"), f"sampler={self.sampler!r}: use 'hf' or 'vllm'")
        need(self.sampler != "vllm" or self.model != "scratch",
             "sampler='vllm' needs model to be a local checkpoint directory, not 'scratch'")
        need(0.0 <= self.code_fraction <= 1.0,
             f"code_fraction={self.code_fraction}: set it in [0, 1]")
        need(self.sft_code_fraction is None or 0.0 <= self.sft_code_fraction <= 1.0,
             f"sft_code_fraction={self.sft_code_fraction}: set it in [0, 1] or none")
        need(math.isfinite(self.temperature) and self.temperature > 0,
             f"temperature={self.temperature}: set it > 0 (1.0 samples the model as is)")
        need(0.0 < self.top_p <= 1.0, f"top_p={self.top_p}: set it in (0, 1]")
        for name in ("learning_rate", "sft_learning_rate"):
            value = getattr(self, name)
            need(math.isfinite(value) and value > 0, f"{name}={value}: set it > 0")
        need(self.weight_decay >= 0, f"weight_decay={self.weight_decay}: set it >= 0")
        need(self.loss_type in LOSS_AGGREGATORS,
             f"loss_type={self.loss_type!r}: use one of {', '.join(sorted(LOSS_AGGREGATORS))}")
        need(self.scale_rewards in SCALES,
             f"scale_rewards={self.scale_rewards!r}: use one of {', '.join(SCALES)}")
        need(0.0 <= self.eps_low < 1.0, f"eps_low={self.eps_low}: set it in [0, 1)")
        need(self.eps_high >= 0.0, f"eps_high={self.eps_high}: set it >= 0")
        need(self.beta >= 0.0, f"beta={self.beta}: set it >= 0 (0 = no KL, no reference)")
        need(self.truncation_penalty >= 0.0,
             f"truncation_penalty={self.truncation_penalty}: set it >= 0")
        need(self.format_weight >= 0.0, f"format_weight={self.format_weight}: set it >= 0")
        need(self.score_streams >= 1, f"score_streams={self.score_streams}: set it >= 1")
        need(self.server_timeout_s > 0, f"server_timeout_s={self.server_timeout_s}: set it > 0")
        for name in ("minibatch_size", "micro_batch_size"):
            value = getattr(self, name)
            need(value is None or value >= 1, f"{name}={value}: set it >= 1 or none")
        need(self.max_grad_norm is None or self.max_grad_norm > 0,
             f"max_grad_norm={self.max_grad_norm}: set it > 0 or none")
        need(self.model == "scratch" or Path(self.model).is_dir(),
             f"model={self.model!r}: give 'scratch' or an existing local model directory")
        need(self.recipe in RECIPES,
             f"recipe={self.recipe!r}: use one of {', '.join(RECIPES)}")
        need(self.recipe != "r1-zero" or self.sft_steps == 0,
             f"recipe='r1-zero' runs RL from the start but sft_steps={self.sft_steps}: "
             "set sft_steps 0 or use recipe 'r1'")
        need(self.recipe != "r1" or self.sft_steps >= 1,
             "recipe='r1' starts with a cold-start SFT: set sft_steps >= 1 or use "
             "recipe 'r1-zero'")
        if self.recipe == "distill":
            need(self.teacher is not None and Path(self.teacher).is_dir(),
                 f"recipe='distill' needs teacher to be an existing local model or "
                 f"checkpoint directory, got {self.teacher!r}")
            need(self.sft_steps >= 1,
                 "recipe='distill' trains the student by SFT: set sft_steps >= 1")
        else:
            need(self.teacher is None,
                 f"teacher={self.teacher!r} is only used by recipe 'distill' "
                 f"(recipe is {self.recipe!r})")
        for name in ("distill_prompts", "distill_samples"):
            need(getattr(self, name) >= 1, f"{name}={getattr(self, name)}: set it >= 1")
        if problems:
            raise ValueError("invalid TrainConfig:\n  " + "\n  ".join(problems))

    @property
    def rows_per_step(self) -> int:
        """Completions per GRPO step: ``prompts_per_step * group_size``."""
        return self.prompts_per_step * self.group_size

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --- YAML and command line ---------------------------------------------------------------


def field_types() -> dict[str, Any]:
    """Resolved type of every TrainConfig field."""
    return typing.get_type_hints(TrainConfig)


def _parser_for(annotation: Any, name: str):
    """A string -> value converter for one field's type (``int | None``, ``bool``...)."""
    args = typing.get_args(annotation)
    optional = type(None) in args and (
        typing.get_origin(annotation) in (typing.Union, types.UnionType)
    )
    base = next(a for a in args if a is not type(None)) if optional else annotation

    def parse(text: str) -> Any:
        if optional and text.strip().lower() in ("none", "null", ""):
            return None
        if base is bool:
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off"):
                return False
            raise argparse.ArgumentTypeError(f"--{name} takes true or false, got {text!r}")
        try:
            return base(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"--{name} takes a {base.__name__}, got {text!r}"
            ) from None

    parse.__name__ = getattr(base, "__name__", "value")
    return parse


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--config FILE`` and ``--key value`` for every TrainConfig field."""
    parser.add_argument("--config", default=None, help="YAML file of TrainConfig fields.")
    hints = field_types()
    for f in dataclasses.fields(TrainConfig):
        parser.add_argument(
            f"--{f.name}",
            dest=f.name,
            type=_parser_for(hints[f.name], f.name),
            default=argparse.SUPPRESS,
            metavar="VALUE",
            help=f"{f.metadata['help']} (default: {f.default!r})",
        )


def _check_yaml_value(name: str, value: Any, annotation: Any) -> Any:
    """Coerce a YAML scalar to the field's type, or explain what is wrong."""
    if value is None:
        return value
    if isinstance(value, str):
        return _parser_for(annotation, name)(value)
    args = typing.get_args(annotation) or (annotation,)
    if float in args and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not any(isinstance(value, a) for a in args if isinstance(a, type)) or (
        isinstance(value, bool) and bool not in args
    ):
        raise ValueError(f"{name}: expected {annotation}, got {value!r} in the YAML file")
    return value


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping of TrainConfig fields, refusing unknown keys."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping of TrainConfig fields")
    hints = field_types()
    unknown = sorted(set(data) - set(hints))
    if unknown:
        raise ValueError(
            f"{path}: unknown keys {unknown}; valid keys: {', '.join(sorted(hints))}"
        )
    return {k: _check_yaml_value(k, v, hints[k]) for k, v in data.items()}


def recipe_defaults(values: Mapping[str, Any], given: set[str]) -> dict[str, Any]:
    """What a chosen recipe changes among the settings the user did not give: r1-zero
    skips the SFT, r1 gets a cold start, distill is SFT only unless steps are given."""
    recipe = values.get("recipe")
    sft_steps = values.get("sft_steps", 0)
    out: dict[str, Any] = {}
    if "sft_steps" not in given:
        if recipe == "r1-zero":
            out["sft_steps"] = 0
        elif recipe == "r1" and sft_steps == 0:
            out["sft_steps"] = 100
        elif recipe == "distill" and sft_steps == 0:
            out["sft_steps"] = 200
    if recipe == "distill" and "steps" not in given:
        out["steps"] = 0
    return out


def config_from_namespace(ns: argparse.Namespace, **defaults: Any) -> TrainConfig:
    """Defaults < ``defaults`` (e.g. the demo's) < the recipe's < YAML file < flags."""
    given: dict[str, Any] = {}
    if getattr(ns, "config", None):
        given.update(load_yaml(ns.config))
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    given.update({k: v for k, v in vars(ns).items() if k in names})
    values: dict[str, Any] = {**defaults, **given}
    values.update(recipe_defaults(values, set(given)))
    return TrainConfig(**values)


def parse_config(argv: Sequence[str] | None = None, **defaults: Any) -> TrainConfig:
    """``TrainConfig`` from ``--config`` and ``--key value`` arguments."""
    parser = argparse.ArgumentParser(description="GRPO training settings")
    add_config_arguments(parser)
    return config_from_namespace(parser.parse_args(argv), **defaults)
