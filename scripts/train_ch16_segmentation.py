"""Pretrain chapter 16's segmentation models into checkpoints/ch16/ (deterministic, CPU, one thread).

    .venv/bin/python scripts/train_ch16_segmentation.py noskip linknet unet smp_linknet

Each model named on the command line is trained the same way: 2,000 tied scenes (seed 0),
standardised with their own channel statistics, 6 epochs of Adam (lr 3e-3, cosine to 0 by the
last step), batch 32 shuffled by a torch.Generator seeded with 0, cross-entropy, model weights
seeded with 42. After every epoch it scores 300 validation scenes (seed 1); at the end it scores
the 500 test scenes (seed 2) that the notebook uses and writes

    checkpoints/ch16/<name>.safetensors   the final weights (float32, with batch-norm buffers)
    checkpoints/ch16/<name>.json          versions, settings, per-epoch loss and validation mIoU,
                                          test scores and wall time

The models are independent, so the four can run as four processes at once. The CPU kernels are
pinned to AVX2 (as in the Makefile), so the notebook re-scores the same test numbers.
"""
from __future__ import annotations

import os

import _seeding  # noqa: E402,F401  (pins the CPU kernels before torch loads)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data_generation.scenes import make_dataset  # noqa: E402
from helpers.files import atomic_path  # noqa: E402
from helpers.metrics_segmentation import evaluate_segmentation, segmentation_scores  # noqa: E402
from helpers.nn.segmentation import MODEL_NAMES, build_model  # noqa: E402

OUT = ROOT / "checkpoints" / "ch16"
SETTINGS = {"splits": {"train": [2000, 0], "validation": [300, 1], "test": [500, 2]},
            "size": 64, "epochs": 6,
            "batch_size": 32, "lr": 3e-3, "schedule": "cosine to 0, stepped every batch",
            "model_seed": 42, "shuffle_seed": 0, "threads": 1}


def load_splits():
    """Standardised train/validation/test tensors, exactly as the notebook builds them."""
    splits = {}
    for split, (n, seed) in SETTINGS["splits"].items():
        images, masks = make_dataset(n, size=SETTINGS["size"], seed=seed)
        splits[split] = (torch.from_numpy(images), torch.from_numpy(masks))
    train_images = splits["train"][0]
    mean = train_images.mean(dim=(0, 2, 3), keepdim=True)
    std = train_images.std(dim=(0, 2, 3), keepdim=True)
    return {k: ((x - mean) / std, y) for k, (x, y) in splits.items()}


def train(name: str) -> dict:
    data = load_splits()
    x_train, y_train = data["train"]
    torch.manual_seed(SETTINGS["model_seed"])
    model = build_model(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=SETTINGS["lr"])
    steps_per_epoch = math.ceil(len(x_train) / SETTINGS["batch_size"])
    total = steps_per_epoch * SETTINGS["epochs"]
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total)))
    generator = torch.Generator().manual_seed(SETTINGS["shuffle_seed"])
    log = {"model": name, "parameters": sum(p.numel() for p in model.parameters()),
           "epochs": []}
    start = time.perf_counter()
    for epoch in range(1, SETTINGS["epochs"] + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        losses = []
        for i in range(steps_per_epoch):
            idx = order[i * SETTINGS["batch_size"]:(i + 1) * SETTINGS["batch_size"]]
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
        val = segmentation_scores(evaluate_segmentation(model, *data["validation"], n_classes=4))
        log["epochs"].append({"epoch": epoch, "loss": float(np.mean(losses)),
                              "val_miou": val["miou"], "val_pixel_accuracy": val["pixel_accuracy"]})
        print(f"{name} epoch {epoch}: loss {np.mean(losses):.4f}  val mIoU {val['miou']:.4f}",
              flush=True)
    log["train_seconds"] = round(time.perf_counter() - start, 1)
    log["test"] = segmentation_scores(evaluate_segmentation(model, *data["test"], n_classes=4))
    return model, log


def save_atomically(model, log, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(OUT / f"{name}.safetensors") as tmp:
        save_file(state, str(tmp))
    log |= {"settings": SETTINGS, "torch": torch.__version__, "python": platform.python_version(),
            "cpu_capability": os.environ["ATEN_CPU_CAPABILITY"]}
    (OUT / f"{name}.json").write_text(json.dumps(log, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", choices=MODEL_NAMES)
    args = parser.parse_args()
    torch.set_num_threads(SETTINGS["threads"])
    torch.use_deterministic_algorithms(True)
    for name in args.models:
        model, log = train(name)
        save_atomically(model, log, name)
        print(f"{name}: test mIoU {log['test']['miou']:.4f} in {log['train_seconds']} s", flush=True)


if __name__ == "__main__":
    main()
