"""``grpo-train``: ``train`` (any config), ``demo`` (from scratch, end to end) and
``eval`` (pass@k of a served model, see ``trainer_client/eval_served.py``).

    grpo-train train --config run.yaml --steps 200 --server 127.0.0.1:50051
    grpo-train demo --out runs/demo            # starts its own reward server
    torchrun --nproc_per_node 2 -m trainer_client.cli train --server ADDR ...  # 2 ranks

The demo builds a small GPT-2 with a character tokenizer, runs a short SFT cold start on
worked examples, measures held-out accuracy, runs GRPO against the live reward server on
the bundled task mix, measures again, and writes ``metrics.jsonl``,
``reward_curve.png``, checkpoints and ``summary.json`` into ``--out``. Without
``--server`` it starts its own server, with ``--code`` when a Docker engine answers: the
mix is then arithmetic (math verifier) and function-writing tasks (sandbox); without an
engine it says so and the mix is arithmetic only (code accuracy null).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from trainer_client.config import TrainConfig
from trainer_client.flags import add_config_arguments, config_from_namespace

DEMO_DEFAULTS: dict[str, Any] = {
    "n_layer": 2,
    "n_embd": 96,
    "n_head": 4,
    "arith_max": 10,
    "code_fraction": 0.5,
    "sft_code_fraction": 0.05,
    "sft_steps": 350,
    "sft_batch_size": 32,
    "sft_learning_rate": 2e-3,
    "steps": 120,
    "group_size": 8,
    "prompts_per_step": 16,
    "prompts_per_generate": 8,
    "max_new_tokens": 72,
    "temperature": 1.0,
    "learning_rate": 1e-4,
    "loss_type": "dapo",
    "mask_truncated": True,
    "eval_size": 200,
    "eval_every": 20,
    "save_every": 50,
    "threads": 2,
}
"""The demo's settings (flags and --config still override them). One-line functions are
learned from far fewer examples than arithmetic, so the cold start holds few of them
(sft_code_fraction) and leaves GRPO room on both; half the GRPO prompts are code."""


def docker_engine_problem() -> str | None:
    """None when a Docker engine answers a ping, else why not (for the demo's message)."""
    try:
        import docker

        docker.from_env(timeout=5).ping()
    except Exception as err:  # no SDK, no socket, no permission: all mean "no engine"
        return f"{type(err).__name__}: {err}".strip()
    return None


@contextlib.contextmanager
def reward_server(math_workers: int = 1, code: bool = False) -> Iterator[str]:
    """Start ``python -m reward_server serve --port 0 [--code]``; yield its address; stop
    it. With ``code`` the server judges code in Docker sandboxes (it builds missing
    sandbox images first, which can take minutes)."""
    from reward_server.launch import launch_server

    repo = str(Path(__file__).resolve().parents[1])
    env = {"PYTHONPATH": os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH")) if p)}
    flags = ["--math-workers", str(math_workers), "--no-log-json", "--log-level", "WARNING"]
    flags += ["--code", "--sandbox-pool-size", "2"] if code else []
    with launch_server(*flags, env=env, timeout=900 if code else 60) as server:
        yield server.address


@contextlib.contextmanager
def demo_server(log=print) -> Iterator[str]:
    """The demo's own server: with ``--code`` when a Docker engine is reachable, else (or
    when the code server cannot start) math only, saying so."""
    problem = docker_engine_problem()
    with contextlib.ExitStack() as stack:
        address = None
        if problem is None:
            log(
                "Docker engine reachable: starting the reward server with --code "
                "(math and function-writing tasks)"
            )
            try:
                address = stack.enter_context(reward_server(code=True))
            except RuntimeError as err:
                log(
                    f"WARNING: the reward server did not start with --code ({err}); "
                    "falling back to math only: code accuracy will be null"
                )
        else:
            log(
                f"WARNING: no Docker engine reachable ({problem}); the demo runs math "
                "tasks only and code accuracy will be null (scripts/install_docker.sh "
                "sets one up)"
            )
        if address is None:
            address = stack.enter_context(reward_server())
        yield address


def run(cfg: TrainConfig, address: str, log=print) -> dict[str, Any]:
    """Connect to the server, pick the task mix it supports, train, plot."""
    from reward_server.client import RewardClient
    from trainer_client.scoring import StreamScorer, server_verifiers
    from trainer_client.tasks import make_taskset
    from trainer_client.train import train

    client = RewardClient(address, timeout=cfg.server_timeout_s)
    client.wait_ready(30)
    verifiers = server_verifiers(client)
    code = "code" in verifiers
    log(
        f"reward server {address}: verifiers {sorted(verifiers)}"
        + ("" if code else " (no code verifier: math tasks only)")
    )
    taskset = make_taskset(
        cfg.tasks,
        arith_max=cfg.arith_max,
        code=code,
        code_fraction=cfg.code_fraction,
        data_dir=cfg.data_dir,
    )
    sft_taskset = None
    if cfg.sft_code_fraction is not None and cfg.tasks == "bundled":
        sft_taskset = make_taskset(
            cfg.tasks,
            arith_max=cfg.arith_max,
            code=code,
            code_fraction=cfg.sft_code_fraction,
            data_dir=cfg.data_dir,
        )
    scorer = StreamScorer(client, streams=cfg.score_streams)
    try:
        summary = train(cfg, scorer, taskset, log=log, sft_taskset=sft_taskset)
    finally:
        scorer.close()
        client.close()
    from trainer_client import distributed

    if distributed.is_main():
        plot_rewards(
            Path(cfg.out_dir) / "metrics.jsonl",
            Path(cfg.out_dir) / "reward_curve.png",
            before=summary.get("heldout_accuracy_before"),
        )
    distributed.barrier()
    return summary


def plot_rewards(
    metrics_path: Path, png_path: Path, before: dict[str, float | None] | None = None
) -> None:
    """Reward and accuracy per step (and a moving average) as a PNG; held-out accuracy
    at the evaluations, starting at step 0 with ``before`` (after SFT) when given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in metrics_path.read_text().splitlines() if line]
    if not rows:
        return
    steps = [r["step"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (("reward_mean", "reward"), ("accuracy", "train accuracy")):
        values = [r.get(key, float("nan")) for r in rows]
        ax.plot(steps, values, alpha=0.35, label=label)
        window = max(1, len(values) // 15)
        smooth = [_mean(values[max(0, i - window + 1) : i + 1]) for i in range(len(values))]
        ax.plot(steps, smooth, label=f"{label} (moving avg {window})")
    for kind in ("math", "code"):
        held = [(r["step"], r[f"heldout_{kind}"]) for r in rows if f"heldout_{kind}" in r]
        if held and before and before.get(kind) is not None:
            held.insert(0, (0, before[kind]))
        if held:
            ax.plot(*zip(*held, strict=True), "o-", label=f"held-out {kind} accuracy")
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("mean over the step's completions")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grpo-train", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train_p = sub.add_parser("train", help="GRPO on a config (YAML and/or flags)")
    add_config_arguments(train_p)
    demo_p = sub.add_parser("demo", help="from-scratch SFT + GRPO demo against a live server")
    demo_p.add_argument("--out", default="runs/demo", help="output folder (= --out_dir)")
    add_config_arguments(demo_p)
    from trainer_client.eval_served import add_eval_arguments

    eval_p = sub.add_parser("eval", help="pass@k of a model behind an OpenAI-compatible API")
    add_eval_arguments(eval_p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except (ValueError, ConnectionError) as err:  # bad settings, no server: say what to fix
        print(f"grpo-train: {err}", file=sys.stderr)
        return 2


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "eval":  # needs no torch model: an HTTP client and the reward server
        from trainer_client.eval_served import run_eval

        return run_eval(args)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    if args.command == "train":
        from trainer_client import distributed

        distributed.init_from_env()  # torchrun: one process per rank, gradients averaged
        cfg = config_from_namespace(args)
        if cfg.server is None and not os.environ.get("REWARD_SERVER_TARGETS"):
            print(
                "no --server given and REWARD_SERVER_TARGETS is unset; trying 127.0.0.1:50051",
                file=sys.stderr,
            )
        summary = run(cfg, cfg.server or os.environ.get("REWARD_SERVER_TARGETS", "127.0.0.1:50051"))
    else:
        defaults = {**DEMO_DEFAULTS, "out_dir": args.out}
        cfg = config_from_namespace(args, **defaults)
        start = time.perf_counter()
        if cfg.server:
            summary = run(cfg, cfg.server)
        else:
            with demo_server() as address:
                summary = run(cfg, address)
        summary["wall_s"] = time.perf_counter() - start
        Path(cfg.out_dir, "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    keys = ("heldout_accuracy_before", "heldout_accuracy_after", "total_s", "wall_s")
    print(json.dumps({k: summary[k] for k in keys if k in summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
