"""Pretrain chapter 17's DQN on CartPole-v1 and run its ablations (deterministic, CPU, one thread).

    nice python scripts/train_ch17_dqn.py main              # the shipped agent
    nice python scripts/train_ch17_dqn.py ablation --seed 0 # 4 variants x 1 seed
    nice python scripts/train_ch17_dqn.py ablation --seed 1

``main`` trains ``DQNConfig(seed=0)`` (the chapter's settings) for up to 100,000 steps, evaluating the
greedy policy every 5,000 steps on seeds 1000-1009; it stops at the first evaluation that scores the
500-step cap on all ten episodes and writes those weights to ``checkpoints/ch17/dqn_cartpole.pt``
(a state_dict, saved atomically; load it with ``weights_only=True``). Without such an evaluation it
keeps the best one (a tie goes to the later step). ``ablation`` trains four variants (full DQN, no
target network, no replay, neither) for 30,000 steps each with one seed. Every run writes its log
(curves, evaluations, max |Q|, wall time, versions) to ``checkpoints/ch17/log_<run>.json``; the
notebook reads them and never retrains. Runs of the same command reproduce every number on one
machine; the wall times depend on the load.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import replace
from pathlib import Path

import _seeding  # noqa: F401  (pins the CPU kernels before torch loads, as the Makefile does)
import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers.files import atomic_path  # noqa: E402
from helpers.rl import DQNConfig, train_dqn  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "checkpoints" / "ch17"
VARIANTS = {"full": dict(use_target=True, use_replay=True),
            "no target": dict(use_target=False, use_replay=True),
            "no replay": dict(use_target=True, use_replay=False),
            "neither": dict(use_target=False, use_replay=False)}
ABLATION_STEPS = 30_000
MAIN_STEPS = 100_000


def versions() -> dict:
    return {"python": platform.python_version(), "torch": torch.__version__,
            "gymnasium": gym.__version__, "numpy": np.__version__, "threads": 1}


def write_json(path: Path, payload: dict) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=1) + "\n")


def run_main() -> None:
    config = DQNConfig(total_steps=MAIN_STEPS, seed=0)
    log, best = train_dqn(config, progress=True, stop_at=500.0)
    log["versions"] = versions()
    with atomic_path(OUT / "dqn_cartpole.pt") as tmp:
        torch.save(best, tmp)
    write_json(OUT / "log_main.json", log)
    print("main:", list(zip(log["eval_steps"], log["eval_means"])), f"{log['wall_s']:.0f} s")


def run_ablation(seed: int) -> None:
    for name, flags in VARIANTS.items():
        config = replace(DQNConfig(total_steps=ABLATION_STEPS, seed=seed), **flags)
        log, _ = train_dqn(config, progress=True)
        log["versions"] = versions()
        log["variant"] = name
        write_json(OUT / f"log_{name.replace(' ', '_')}_seed{seed}.json", log)
        print(name, seed, log["eval_means"], [round(q, 1) for q in log["eval_max_abs_q"]],
              f"{log['wall_s']:.0f} s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["main", "ablation"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    run_main() if args.what == "main" else run_ablation(args.seed)
