"""``TrainConfig`` from a YAML file and ``--key value`` flags, one flat name per knob.

Every knob of :func:`trainer_client.config.knobs` is a flag of the same name and a YAML
key (``--eps_high 0.28``, ``eps_high: 0.28``), whichever nested config holds it. Values
come from defaults, then the caller's defaults (e.g. the demo's), then what the chosen
recipe needs, then the YAML file, then the flags (flags win). ``--key none`` sets an
optional field to None and booleans take ``true``/``false``.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trainer_client.config import TrainConfig, knobs


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
    """Add ``--config FILE`` and ``--key value`` for every knob."""
    parser.add_argument("--config", default=None, help="YAML file of TrainConfig fields.")
    for knob in knobs().values():
        parser.add_argument(
            f"--{knob.name}",
            dest=knob.name,
            type=_parser_for(knob.annotation, knob.name),
            default=argparse.SUPPRESS,
            metavar="VALUE",
            help=f"{knob.help} (default: {knob.default!r})",
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
    """Read a YAML mapping of knobs (flat names), refusing unknown keys."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping of TrainConfig fields")
    table = knobs()
    unknown = sorted(set(data) - set(table))
    if unknown:
        raise ValueError(f"{path}: unknown keys {unknown}; valid keys: {', '.join(sorted(table))}")
    return {k: _check_yaml_value(k, v, table[k].annotation) for k, v in data.items()}


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
    names = knobs()
    given.update({k: v for k, v in vars(ns).items() if k in names})
    values: dict[str, Any] = {**defaults, **given}
    values.update(recipe_defaults(values, set(given)))
    return TrainConfig.from_flat(**values)


def parse_config(argv: Sequence[str] | None = None, **defaults: Any) -> TrainConfig:
    """``TrainConfig`` from ``--config`` and ``--key value`` arguments."""
    parser = argparse.ArgumentParser(description="GRPO training settings")
    add_config_arguments(parser)
    return config_from_namespace(parser.parse_args(argv), **defaults)
