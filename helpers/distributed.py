"""Data-parallel training of chapter 12's FizzBuzz net, one process per rank (chapter 19).

Run it with two CPU processes on this machine::

    torchrun --standalone --nproc_per_node 2 -m helpers.distributed --batch 32 --out result.json

``torchrun`` starts the processes and gives each one RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR
and MASTER_PORT; every process joins a gloo process group, trains its shard of each global
mini-batch through StepByStep v5 (``distribute``), and leaves the group in the end, even after an
error. Only rank 0 writes: the checkpoint (atomically, by the trainer) and the JSON result
(final weights, per-epoch losses, epoch times). ``reference_run`` trains the same model in this
one process with the sampler's single-replica twin, so the two runs can be compared.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from data_generation.fizzbuzz import FizzBuzzDataset, fizzbuzz_split
from helpers.checks import check_int, check_positive
from helpers.files import atomic_path
from helpers.nn.fizzbuzz import fizzbuzz_classifier
from helpers.stepbystep.v5 import StepByStep

__all__ = ["fizzbuzz_train_set", "make_trainer", "reference_run", "write_json_atomic", "main"]

SAMPLER_SEED = 13
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


def fizzbuzz_train_set(n_samples: int = 896) -> TensorDataset:
    """The first ``n_samples`` of chapter 12's 900 training numbers (896 = 14 x 64: no padding)."""
    n_samples = check_int("n_samples", n_samples, minimum=1)
    train_idx, _ = fizzbuzz_split(seed=42)
    if n_samples > len(train_idx):
        raise ValueError(f"n_samples must be at most {len(train_idx)}, got {n_samples}.")
    x, y = FizzBuzzDataset().tensors()
    chosen = train_idx[:n_samples]
    return TensorDataset(x[chosen], y[chosen])


def make_trainer(batch: int, optimizer: str = "sgd", lr: float = 0.1, num_replicas: int = 1,
                 rank: int = 0, n_samples: int = 896) -> StepByStep:
    """F3 (seed 42) in a v5 trainer, its loader drawing from a DistributedSampler (seed 13)."""
    batch = check_int("batch", batch, minimum=1)
    lr = check_positive("lr", lr)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}.")
    model = fizzbuzz_classifier(seed=42)
    sbs = StepByStep(model, nn.CrossEntropyLoss(), OPTIMIZERS[optimizer](model.parameters(), lr=lr))
    sbs.to("cpu")
    dataset = fizzbuzz_train_set(n_samples)
    # drop_last=False and no padding: 896 divides evenly by every batch the chapter uses
    sampler = DistributedSampler(dataset, num_replicas=num_replicas, rank=rank, shuffle=True,
                                 seed=SAMPLER_SEED)
    sbs.set_loaders(DataLoader(dataset, batch_size=batch, sampler=sampler))
    return sbs


def _weights(model: nn.Module) -> list[float]:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).tolist()


def reference_run(batch: int, epochs: int, optimizer: str = "sgd", lr: float = 0.1) -> dict:
    """One process, one replica: what the distributed run must reproduce with half the batch."""
    sbs = make_trainer(batch, optimizer, lr)
    sbs.train(check_int("epochs", epochs, minimum=1))
    return {"world_size": 1, "batch_per_rank": batch, "losses": sbs.losses,
            "weights": _weights(sbs.model)}


def write_json_atomic(record: dict, path: str | os.PathLike) -> None:
    """Write ``record`` as JSON next to ``path`` and rename it into place."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32, help="mini-batch per rank")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--out", type=Path, required=True, help="JSON result (rank 0 writes)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="where rank 0 saves the trainer's checkpoint")
    args = parser.parse_args(argv)
    if "RANK" not in os.environ:
        parser.error("run me under torchrun, e.g. torchrun --standalone --nproc_per_node 2 "
                     "-m helpers.distributed --out result.json")
    torch.set_num_threads(1)  # one core per process: two processes on two cores
    dist.init_process_group("gloo")
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        sbs = make_trainer(args.batch, args.optimizer, args.lr, num_replicas=world, rank=rank)
        sbs.distribute()
        sbs.train(args.epochs)
        if args.checkpoint is not None:
            sbs.save_checkpoint(args.checkpoint)  # rank 0 writes, every rank waits
        if sbs.is_main_process:  # one log line and one result file, not one per rank
            print(f"rank 0 of {world}: {args.epochs} epochs, batch {args.batch} per rank, "
                  f"loss {sbs.losses[0]:.4f} -> {sbs.losses[-1]:.4f} (averaged over ranks)",
                  flush=True)
            write_json_atomic({"world_size": world, "batch_per_rank": args.batch,
                               "losses": sbs.losses, "epoch_times": sbs.epoch_times,
                               "weights": _weights(sbs.module)}, args.out)
        dist.barrier()
    finally:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
