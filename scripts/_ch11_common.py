"""Shared set-up for chapter 11's pre-training scripts (offline, deterministic, quiet)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.setdefault(_name, "1")

from _seeding import seed_everything  # noqa: E402  (sets the CPU pins before torch loads)
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python scripts/x.py` without installing the repo
    sys.path.insert(0, str(ROOT))


def training_options(doc: str, checkpoint: str, epochs: int, batch_size: int,
                     lr: float) -> argparse.ArgumentParser:
    """The options every pre-training script takes, with its defaults (add more, then parse)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--out", default=str(ROOT / "checkpoints" / checkpoint),
                        help="folder for the checkpoint and its training_log.json")
    return parser


def setup(seed: int = 42) -> float:
    """Seed everything, make torch deterministic, silence HF; return the start time.

    The scripts run on one CPU thread: the results then do not depend on how many cores the
    machine has, and a busy machine does not slow the run down with idle-spinning threads.
    """
    from helpers.text import quiet_hf

    quiet_hf()
    return seed_everything(seed)


def corpus_splits(tmp_folder: str | os.PathLike):
    """The chapter's dataset: all rows (with a ``row`` column), and the train/test splits."""
    from data_generation.nlp_corpus import build_sentence_csvs, load_sentence_dataset, \
        make_corpus_splits

    dataset = load_sentence_dataset(build_sentence_csvs(out_folder=tmp_folder))
    dataset = dataset.add_column("row", list(range(len(dataset))))
    return dataset, make_corpus_splits(dataset, test_size=0.2, seed=42)


def write_log(folder: Path, start: float, **info) -> dict:
    """Save ``training_log.json`` (run time, versions, numbers) next to the checkpoint."""
    log = {"seconds": round(time.perf_counter() - start, 1), "torch": torch.__version__,
           "threads": torch.get_num_threads(), "machine": platform.machine(), **info}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "training_log.json").write_text(json.dumps(log, indent=1) + "\n")
    return log


def log_epoch(history: list[dict], epoch: int, since: float, **numbers: float) -> None:
    """Keep one epoch's ``numbers`` (rounded to 4 places) in ``history`` and print them."""
    row = {"epoch": epoch, **{name: round(value, 4) for name, value in numbers.items()}}
    history.append(row)
    shown = "  ".join(f"{name.replace('_', ' ')} {value:.4f}" for name, value in row.items()
                      if name != "epoch")
    print(f"epoch {epoch}: {shown}  ({time.perf_counter() - since:.0f} s)", flush=True)


def finish(folder: Path, start: float, history: list[dict], **info) -> dict:
    """Write the log, with the last epoch's numbers as ``final_*``, and print a summary."""
    final = {f"final_{name}": value for name, value in history[-1].items() if name != "epoch"}
    log = write_log(folder, start, **info, history=history, **final)
    summary = ", ".join(f"{name[len('final_'):].replace('_', ' ')} {value:.4f}"
                        for name, value in final.items())
    print(f"run time {log['seconds']:.0f} s; final {summary}; saved to {folder}")
    return log
