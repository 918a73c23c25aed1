"""Shared set-up for chapter 14's training scripts: seeding, the data, atomic checkpoint files.

Every script imports this module before torch, so the Makefile's CPU kernel pins (ATEN, oneDNN,
MKL) apply, and runs on one thread with deterministic algorithms: the same command gives the same
checkpoint on every x86-64 machine with AVX2.
"""
from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

from _seeding import seed_everything  # noqa: E402  (sets the CPU pins before torch loads)
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/x.py` without installing the repo
    sys.path.insert(0, str(ROOT))

CHECKPOINTS = ROOT / "checkpoints" / "ch14"
DATA_ROOT = ROOT / "notebooks" / "data" / "ch14"   # the notebook's own data folder (git-ignored)


def setup(seed: int = 42) -> float:
    """One thread, deterministic algorithms, every generator seeded; return the start time."""
    return seed_everything(seed)


def fashion_tensors(train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """All Fashion-MNIST images of a split as floats in [-1, 1], shape (N, 1, 28, 28), and labels."""
    from data_generation.fashion_mnist import fashion_mnist

    dataset = fashion_mnist(DATA_ROOT, train=train)
    images = dataset.data.float().div(127.5).sub(1).unsqueeze(1)
    return images, dataset.targets.clone()


def save_tensors(tensors: dict, name: str, folder: Path = CHECKPOINTS) -> Path:
    """Write a safetensors file (``folder``/``name``, checkpoints/ch14 by default) via a temporary
    file, so a crash never leaves a half-written checkpoint."""
    from safetensors.torch import save_file

    from helpers.files import atomic_path

    target = Path(folder) / name
    with atomic_path(target) as tmp:
        save_file({key: value.detach().contiguous().cpu() for key, value in tensors.items()},
                  str(tmp))
    return target


def write_log(name: str, start: float, **info) -> dict:
    """Save ``<name>.json`` (run time, versions and the run's numbers) next to the checkpoints."""
    log = {"seconds": round(time.perf_counter() - start, 1), "torch": torch.__version__,
           "threads": torch.get_num_threads(), "machine": platform.machine(), **info}
    CHECKPOINTS.mkdir(parents=True, exist_ok=True)
    (CHECKPOINTS / f"{name}.json").write_text(json.dumps(log, indent=1) + "\n")
    return log
