"""Train chapter 13's two fully connected nets for 100 epochs on T-shirt/top vs Shirt.

    .venv/bin/python scripts/train_ch13_fashion_fc.py              # both nets, 100 epochs each
    .venv/bin/python scripts/train_ch13_fashion_fc.py --nets fc --epochs 5 --out /tmp/ch13

The recipe is the notebook's: weights drawn right after ``torch.manual_seed(42)``, SGD with lr
1e-2, batches of 64 shuffled by a ``torch.Generator`` seeded with 42, ``NLLLoss`` on the
``LogSoftmax`` outputs, inputs from ``data_generation.fashion_mnist.pair_tensors`` (the pair
normalized with its training mean and std). One thread and the book's CPU kernel pins make the
run repeatable bit for bit, so its first epochs are the ones the notebook trains live. After
every epoch both sets are scored (mean NLL and accuracy). Writes, under ``--out``:

    fashion_fc.safetensors        the 784-512-2 net (float32 state_dict, 1.6 MB)
    fashion_fc_deep.safetensors   the 784-1024-512-128-2 net (5.6 MB)
    fashion_fc.json               per-epoch numbers of each net, seeds, versions, wall times

On one thread of a busy 2-core machine the run took six minutes (the deep net three quarters).
"""
from __future__ import annotations

# train_ch14_common first: it pins the CPU kernels before torch loads, and holds the seeding helper
from train_ch14_common import ROOT, save_tensors, setup
import argparse  # noqa: I001
import json
import platform
import time
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm

from data_generation.fashion_mnist import pair_tensors
from helpers.files import atomic_path
from helpers.nn.fashion import DEEP_NET, FIRST_NET, make_fc

NETS = {"fc": FIRST_NET, "deep": DEEP_NET}
FILES = {"fc": "fashion_fc.safetensors", "deep": "fashion_fc_deep.safetensors"}
LOG = "fashion_fc.json"
SEED, LR, BATCH, CLASSES = 42, 1e-2, 64, (0, 6)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read and check the command line (argparse exits with status 2 and a message on errors)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=_positive_int, default=100,
                        help="epochs per net (default 100)")
    parser.add_argument("--nets", nargs="+", choices=list(NETS), default=list(NETS),
                        help="which nets to train (default: both)")
    parser.add_argument("--out", type=Path, default=ROOT / "checkpoints" / "ch13",
                        help="folder for the checkpoints and the JSON log")
    parser.add_argument("--data", type=Path, default=ROOT / "notebooks" / "data" / "ch13",
                        help="folder where Fashion-MNIST is unpacked (the notebook's own)")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file; name a folder (it is created if missing)")
    if len(set(args.nets)) != len(args.nets):
        parser.error(f"--nets names a net twice: {' '.join(args.nets)}")
    return args


def score(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, int]:
    """Mean NLL and number of right answers on a whole set, in evaluation mode."""
    model.eval()
    with torch.no_grad():
        log_probs = model(x)
        loss = nn.functional.nll_loss(log_probs, y).item()
        correct = int((log_probs.argmax(dim=1) == y).sum())
    model.train()
    return loss, correct


def train_one(name: str, data, epochs: int) -> tuple[nn.Module, dict]:
    """The notebook's mini-batch loop for ``epochs`` epochs; returns the net and its log."""
    torch.manual_seed(SEED)
    model = make_fc(NETS[name])
    loader = DataLoader(TensorDataset(data.train_x, data.train_y), batch_size=BATCH, shuffle=True,
                        generator=torch.Generator().manual_seed(SEED))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.NLLLoss()
    log = {"hidden": list(NETS[name]), "parameters": sum(p.numel() for p in model.parameters()),
           "epochs": []}
    start = time.perf_counter()
    bar = tqdm(range(1, epochs + 1), desc=f"{name} net", unit="epoch")
    for epoch in bar:
        for x, y in loader:
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        (train_loss, train_ok), (val_loss, val_ok) = (score(model, data.train_x, data.train_y),
                                                      score(model, data.val_x, data.val_y))
        log["epochs"].append({"epoch": epoch, "last_batch_loss": round(loss.item(), 6),
                              "train_loss": round(train_loss, 6), "train_correct": train_ok,
                              "train_accuracy": train_ok / len(data.train_y),
                              "val_loss": round(val_loss, 6), "val_correct": val_ok,
                              "val_accuracy": val_ok / len(data.val_y)})
        bar.set_postfix(train=f"{train_ok / len(data.train_y):.2%}",
                        val=f"{val_ok / len(data.val_y):.2%}")
    log["seconds"] = round(time.perf_counter() - start, 1)
    return model, log


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    start = setup(SEED)
    data = pair_tensors(args.data, CLASSES)
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {"torch": torch.__version__, "threads": torch.get_num_threads(),
               "machine": platform.machine(), "classes": list(CLASSES),
               "sizes": {"train": len(data.train_y), "validation": len(data.val_y)},
               "normalization": {"mean": data.mean, "std": data.std},
               "seeds": {"weights": SEED, "shuffle": SEED},
               "recipe": {"optimizer": "SGD", "lr": LR, "batch_size": BATCH, "loss": "NLLLoss",
                          "epochs": args.epochs},
               "files": {}, "nets": {}}
    for name in args.nets:
        model, log = train_one(name, data, args.epochs)
        save_tensors(model.state_dict(), FILES[name], folder=args.out)
        summary["files"][name] = FILES[name]
        summary["nets"][name] = log
        last = log["epochs"][-1]
        print(f"{name}: {log['parameters']:,} parameters, {log['seconds']:.0f} s, after epoch "
              f"{last['epoch']}: train {last['train_accuracy']:.2%}  "
              f"validation {last['val_accuracy']:.2%}")
    summary["seconds"] = round(time.perf_counter() - start, 1)
    with atomic_path(args.out / LOG) as tmp:
        tmp.write_text(json.dumps(summary, indent=1) + "\n")
    return summary


if __name__ == "__main__":
    main()
