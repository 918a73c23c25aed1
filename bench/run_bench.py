#!/usr/bin/env python
"""Trainer benchmark: does the book's ``StepByStep`` cost speed?

Trains three of the book's small models for a fixed number of optimizer steps with four
runners and compares the time per step and the memory they need:

* ``hand``       a hand-written PyTorch loop (the loop of chapter 2, nothing else);
* ``stepbystep`` the book's trainer, ``helpers.stepbystep.v5.StepByStep`` with its defaults;
* ``lightning``  PyTorch Lightning (``pytorch_lightning.Trainer``, CPU, everything optional off);
* ``ignite``     PyTorch Ignite (``create_supervised_trainer``).

All of them start from the same initial weights (each model is built under its chapter's seed)
and see the mini-batches in the same order: every run gets a fresh DataLoader that shuffles with
a ``SubsetRandomSampler`` whose generator is seeded with 42 (see ``build`` for why not
``shuffle=True``), and torch's global generator is seeded with 42 right before training, which
is what ``StepByStep.train(seed=42)`` does. So they must end with the same parameters: the
script checks this and exits with status 1 when they do not.

How time is measured
--------------------
Every runner calls the same ``tick()`` at the end of each optimizer step, through the hook that
its framework offers for this: inline in the hand-written loop, ``StepByStep``'s
``_on_train_batch_end`` hook, a Lightning ``Callback.on_train_batch_end`` and Ignite's
``Events.ITERATION_COMPLETED``. The time per step of one run is
``(t[last step] - t[end of warm-up]) / (steps after warm-up)``: it includes the data loading and
the epoch boundaries between those steps, and excludes each framework's one-time setup
(building the Trainer/Engine, Lightning's connectors and hooks before the first step) and
tear-down. The first 10% of the steps of every run are warm-up, and a whole first round of runs is
thrown away. Rounds are interleaved (hand, stepbystep, lightning, ignite, then the next round
rotated by one) so that a noisy, shared machine disturbs all runners alike; the report gives the
median over rounds. The whole call (setup + training + tear-down) is reported separately.

How memory is measured
----------------------
Each runner runs once more in its own subprocess, which imports only what that runner needs:
the peak resident set size of the process (Linux ``VmHWM``: the framework's import footprint
plus training), the growth of the peak RSS during one training after a one-epoch warm-up (``VmHWM``
after resetting it through ``/proc/self/clear_refs``), and the peak of Python allocations during a
second, identical training (``tracemalloc``; tensor storage is allocated by PyTorch in C and is
not traced). ``ru_maxrss`` would be wrong here: Linux carries it over ``exec``, so a child would
report its parent's peak.

Run: ``python bench/run_bench.py`` (about 3 minutes on 2 idle cores, more on a busy machine;
chapter 19's compile and DDP tables included). It writes
``book/benchmarks.json`` and ``book/benchmarks.md``. ``--help`` lists the options;
``--profile linear`` prints a cProfile of the hand-written loop and of StepByStep instead.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import gc
import io
import json
import logging
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, SubsetRandomSampler, TensorDataset

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # works without `pip install -e .` too
    sys.path.insert(0, str(REPO))

from data_generation.simple_linear_regression import make_linear_data, split_indices  # noqa: E402

RUNNERS = ("hand", "stepbystep", "lightning", "ignite")
RUNNER_NAMES = {"hand": "hand-written loop", "stepbystep": "StepByStep (v5)",
                "lightning": "PyTorch Lightning", "ignite": "PyTorch Ignite"}
TRAIN_SEED = 42      # torch's global seed before training, and the loader's shuffling seed
WARMUP_FRACTION = 0.1
DEVICE = "cpu"       # a CPU benchmark: every runner is told to use the CPU
# tolerances of the loss check (all runners do the same float32 operations in the same order,
# so the results are expected to agree to the last bit; these leave room for summation order)
LOSS_RTOL, PARAM_ATOL = 1e-5, 1e-5


# ----------------------------------------------------------------------------- the tasks
@dataclass
class Task:
    """A model, its data, loss, optimizer and how long to train it."""
    name: str
    title: str
    description: str
    make_data: Callable[[], tuple[torch.Tensor, torch.Tensor]]
    make_model: Callable[[], nn.Module]
    model_seed: int
    make_loss: Callable[[], nn.Module]
    make_optimizer: Callable[[object], torch.optim.Optimizer]
    n_epochs: int
    batch_size: int = 16
    data_note: str = ""
    _data: tuple | None = field(default=None, repr=False)

    def data(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._data is None:
            self._data = self.make_data()
        return self._data

    def steps_per_epoch(self) -> int:
        n = len(self.data()[0])
        return -(-n // self.batch_size)

    def n_steps(self) -> int:
        return self.n_epochs * self.steps_per_epoch()


def _linear_data():
    x, y = make_linear_data(100, true_b=1.0, true_w=2.0, noise_std=0.1, seed=42)
    train_idx, _ = split_indices(100, 0.8)
    return (torch.as_tensor(x[train_idx], dtype=torch.float32),
            torch.as_tensor(y[train_idx], dtype=torch.float32))


def _lines_data():
    try:
        from data_generation.image_lines import make_lines
    except ImportError:  # pragma: no cover - the generator ships with the book
        g = torch.Generator().manual_seed(17)
        images = torch.rand(800, 1, 10, 10, generator=g)
        labels = torch.randint(0, 3, (800,), generator=g)
        return (images - 0.5) / 0.5, labels
    from helpers.data import index_splitter

    images, labels = make_lines(img_size=10, n_images=1000, binary=False, seed=17)
    train_subset, _ = index_splitter(1000, [80, 20])
    idx = torch.as_tensor(train_subset.indices)
    x = torch.as_tensor(images, dtype=torch.float32)[idx] / 255.0
    # chapter 5's Normalize(mean=.5, std=.5), applied once up front instead of per item
    return (x - 0.5) / 0.5, torch.as_tensor(labels, dtype=torch.long)[idx]


def _squares_data():
    try:
        from data_generation.square_sequences import generate_sequences
    except ImportError:  # pragma: no cover - the generator ships with the book
        g = torch.Generator().manual_seed(13)
        return torch.randn(128, 4, 2, generator=g), torch.randint(0, 2, (128, 1), generator=g).float()
    points, directions = generate_sequences(n=128, seed=13)
    return (torch.as_tensor(points, dtype=torch.float32),
            torch.as_tensor(directions, dtype=torch.float32).view(-1, 1))


def _cnn1() -> nn.Module:
    """Chapter 5's model_cnn1: one 3x3 filter, max-pooling, and a two-layer classifier."""
    return nn.Sequential(nn.Conv2d(1, 1, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(16, 10), nn.ReLU(), nn.Linear(10, 3))


def _square_lstm() -> nn.Module:
    try:
        from helpers.nn.recurrent import SquareModelLSTM
    except ImportError:  # pragma: no cover
        raise RuntimeError("helpers.nn.recurrent.SquareModelLSTM is missing") from None
    return SquareModelLSTM(n_features=2, hidden_dim=2, n_outputs=1)


def _has_module(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


TASKS: dict[str, Task] = {
    "linear": Task(
        name="linear", title="Linear regression (chapter 1, mini-batches)",
        description="nn.Linear(1, 1) on the 80 training points of y = 1 + 2x + noise; "
                    "MSELoss, SGD lr=0.1, batch 16 (5 steps per epoch), 100 epochs.",
        make_data=_linear_data, make_model=lambda: nn.Sequential(nn.Linear(1, 1)), model_seed=42,
        make_loss=nn.MSELoss, make_optimizer=lambda p: optim.SGD(p, lr=0.1), n_epochs=100,
        data_note="data_generation.simple_linear_regression (seed 42, the book's 80/20 split)"),
    "cnn": Task(
        name="cnn", title="Small CNN on 10x10 line images (chapter 5)",
        description="chapter 5's model_cnn1 (Conv2d(1, 1, 3), ReLU, MaxPool2d(2), Linear(16, 10), "
                    "ReLU, Linear(10, 3)) on 800 three-class images; CrossEntropyLoss, SGD lr=0.1, "
                    "batch 16 (50 steps per epoch), 6 epochs.",
        make_data=_lines_data, make_model=_cnn1, model_seed=13,
        make_loss=nn.CrossEntropyLoss, make_optimizer=lambda p: optim.SGD(p, lr=0.1), n_epochs=6,
        data_note=("data_generation.image_lines.make_lines(img_size=10, n_images=1000, "
                   "binary=False, seed=17), the 800 training images of index_splitter(1000, "
                   "[80, 20]), scaled to [-1, 1] once up front (a plain shuffled loader, not "
                   "chapter 5's balanced sampler)")
        if _has_module("data_generation.image_lines") else
        "RANDOM 1x10x10 images and labels (data_generation.image_lines is missing)"),
    "lstm": Task(
        name="lstm", title="LSTM on the squares (chapter 8)",
        description="SquareModelLSTM(n_features=2, hidden_dim=2, n_outputs=1) on 128 "
                    "four-corner sequences; BCEWithLogitsLoss, Adam lr=0.01, batch 16 "
                    "(8 steps per epoch), 40 epochs.",
        make_data=_squares_data, make_model=_square_lstm, model_seed=21,
        make_loss=nn.BCEWithLogitsLoss, make_optimizer=lambda p: optim.Adam(p, lr=0.01),
        n_epochs=40,
        data_note="data_generation.square_sequences.generate_sequences(n=128, seed=13)"
        if _has_module("data_generation.square_sequences") else
        "RANDOM sequences (data_generation.square_sequences is missing)"),
}


def build(task: Task):
    """Fresh model (under the chapter's seed), loss, optimizer and a freshly seeded loader."""
    x, y = task.data()
    torch.manual_seed(task.model_seed)
    model = task.make_model()
    loss_fn = task.make_loss()
    optimizer = task.make_optimizer(model.parameters())
    # Shuffled like shuffle=True, but with a sampler that draws exactly one permutation per
    # epoch. RandomSampler (what shuffle=True uses) draws a second, empty permutation for the
    # remainder when its iterator is run to the end; the hand-written loop, StepByStep and Ignite
    # do that, Lightning stops after len(loader) batches and does not, so from the second epoch
    # on Lightning would see the mini-batches in another order.
    generator = torch.Generator().manual_seed(TRAIN_SEED)
    sampler = SubsetRandomSampler(range(len(x)), generator=generator)
    loader = DataLoader(TensorDataset(x, y), batch_size=task.batch_size, sampler=sampler,
                        num_workers=0, generator=generator)
    return model, loss_fn, optimizer, loader


# --------------------------------------------------------------------------- the runners
# Each runner trains ``task`` for ``n_epochs`` and calls ``tick()`` after every optimizer step.
# It returns the trained model.

def run_hand(task: Task, n_epochs: int, tick: Callable[[], None]) -> nn.Module:
    """The plain loop of chapter 2: forward, loss, backward, step, zero_grad."""
    model, loss_fn, optimizer, loader = build(task)
    torch.manual_seed(TRAIN_SEED)
    losses = []
    for _ in range(n_epochs):
        model.train()
        batch_losses = []
        for x_batch, y_batch in loader:
            x_batch, y_batch = x_batch.to(DEVICE), y_batch.to(DEVICE)
            yhat = model(x_batch)
            loss = loss_fn(yhat, y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            batch_losses.append(loss.item())
            tick()
        losses.append(sum(batch_losses) / len(batch_losses))
    return model


_TIMED_SBS = None


def _timed_stepbystep_class():
    """StepByStep v5 with a tick in its per-mini-batch hook (built once)."""
    global _TIMED_SBS
    if _TIMED_SBS is None:
        from helpers.stepbystep.v5 import StepByStep

        class TimedStepByStep(StepByStep):
            tick = staticmethod(lambda: None)

            def _on_train_batch_end(self, frac_epoch):
                super()._on_train_batch_end(frac_epoch)
                self.tick()

        _TIMED_SBS = TimedStepByStep
    return _TIMED_SBS


def run_stepbystep(task: Task, n_epochs: int, tick: Callable[[], None]) -> nn.Module:
    """The book's trainer, used as a reader would: set_loaders, then train."""
    model, loss_fn, optimizer, loader = build(task)
    sbs = _timed_stepbystep_class()(model, loss_fn, optimizer)
    sbs.tick = tick
    sbs.to(DEVICE)
    sbs.set_loaders(loader)
    sbs.train(n_epochs, seed=TRAIN_SEED, progress=False)
    return model


def _quiet_lightning() -> None:
    for name in ("pytorch_lightning", "lightning_fabric", "lightning", "lightning.pytorch"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # "The 'train_dataloader' does not have many workers": num_workers=0 is the book's choice
    warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
    # pytorch_lightning 2.6.6 calls a torch.utils._pytree API that torch 2.14 deprecates
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")


def run_lightning(task: Task, n_epochs: int, tick: Callable[[], None]) -> nn.Module:
    """A LightningModule wrapping the same model and optimizer; Trainer on the CPU, quiet."""
    import pytorch_lightning as pl

    _quiet_lightning()
    model, loss_fn, optimizer, loader = build(task)

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model

        def training_step(self, batch, batch_idx):
            x_batch, y_batch = batch
            return loss_fn(self.model(x_batch), y_batch)

        def configure_optimizers(self):
            return optimizer

    class Tick(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            tick()

    trainer = pl.Trainer(accelerator="cpu", devices=1, max_epochs=n_epochs,
                         enable_progress_bar=False, logger=False, enable_checkpointing=False,
                         enable_model_summary=False, num_sanity_val_steps=0, callbacks=[Tick()])
    torch.manual_seed(TRAIN_SEED)
    trainer.fit(Module(), train_dataloaders=loader)
    return model


def run_ignite(task: Task, n_epochs: int, tick: Callable[[], None]) -> nn.Module:
    """Ignite's ready-made supervised trainer (it returns loss.item() every step)."""
    from ignite.engine import Events, create_supervised_trainer

    model, loss_fn, optimizer, loader = build(task)
    engine = create_supervised_trainer(model, optimizer, loss_fn, device=DEVICE)
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda _engine: tick())
    torch.manual_seed(TRAIN_SEED)
    engine.run(loader, max_epochs=n_epochs)
    return model


RUNNER_FUNCS = {"hand": run_hand, "stepbystep": run_stepbystep,
                "lightning": run_lightning, "ignite": run_ignite}
RUNNER_MODULES = {"hand": None, "stepbystep": "helpers.stepbystep.v5",
                  "lightning": "pytorch_lightning", "ignite": "ignite"}


def available_runners() -> list[str]:
    """The runners whose framework can be imported here."""
    out = []
    for name in RUNNERS:
        module = RUNNER_MODULES[name]
        if module is None or _has_module(module):
            out.append(name)
    return out


# ---------------------------------------------------------------------------- measuring
def flat_params(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1).double() for p in model.parameters()])


def final_loss(task: Task, model: nn.Module) -> float:
    """Loss of the trained model on the whole training set (eval mode, no gradients)."""
    x, y = task.data()
    model.eval()
    with torch.no_grad():
        return float(task.make_loss()(model(x), y))


def timed_run(task: Task, runner: str) -> dict:
    """Run once; return wall-clock and CPU time per step (s), the whole call's time, the model."""
    wall: list[float] = []
    cpu: list[float] = []
    wall_append, cpu_append = wall.append, cpu.append
    wall_clock, cpu_clock = time.perf_counter, time.process_time

    def tick():
        wall_append(wall_clock())
        cpu_append(cpu_clock())

    gc.collect()
    t0 = wall_clock()
    model = RUNNER_FUNCS[runner](task, task.n_epochs, tick)
    t1 = wall_clock()
    n = len(wall)
    if n != task.n_steps():
        raise RuntimeError(f"{runner} made {n} steps on {task.name}, expected {task.n_steps()}")
    w = max(1, int(n * WARMUP_FRACTION))
    return {"per_step": (wall[-1] - wall[w - 1]) / (n - w),
            "cpu_per_step": (cpu[-1] - cpu[w - 1]) / (n - w),
            "intervals": np.diff(wall[w - 1:]).tolist(),
            "whole_call": t1 - t0, "model": model}


def _status_kb(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+)", text, re.M).group(1))


def memory_child(runner: str, task_names: list[str]) -> dict:
    """Run inside a fresh interpreter: memory of ``runner`` on each task.

    Peak RSS is read from ``VmHWM``, not from ``ru_maxrss``: Linux carries ``ru_maxrss`` over
    ``exec``, so a child would report the parent's peak (the parent has every framework loaded).
    """
    if RUNNER_MODULES[runner]:
        __import__(RUNNER_MODULES[runner])
    if runner == "lightning":
        _quiet_lightning()
    for name in task_names:
        TASKS[name].data()
    out = {"rss_after_import_mb": _status_kb("VmRSS") / 1024,
           "hwm_after_import_mb": _status_kb("VmHWM") / 1024, "tasks": {}}
    noop = lambda: None  # noqa: E731
    # one short training per task first: the first use of autograd, the optimizers and the
    # kernels maps code and buffers once per process, which is not what training needs
    for name in task_names:
        RUNNER_FUNCS[runner](TASKS[name], 1, noop)
    peak = _status_kb("VmHWM")
    for name in task_names:
        task = TASKS[name]
        gc.collect()
        rss0 = _status_kb("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            hwm_ok = True
        except OSError:
            hwm_ok = False
        RUNNER_FUNCS[runner](task, task.n_epochs, noop)
        hwm = _status_kb("VmHWM")
        growth = (hwm - rss0) / 1024 if hwm_ok else None
        peak = max(peak, hwm)
        gc.collect()
        tracemalloc.start()
        RUNNER_FUNCS[runner](task, task.n_epochs, noop)
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["tasks"][name] = {"train_rss_growth_mb": growth, "python_heap_peak_kb": heap_peak / 1024}
    out["peak_rss_mb"] = peak / 1024
    return out


def measure_memory(runners: list[str], task_names: list[str], threads: int) -> dict:
    results = {}
    for runner in runners:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", runner,
               "--threads", str(threads), "--tasks", *task_names]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        if proc.returncode != 0:
            raise RuntimeError(f"memory run of {runner} failed:\n{proc.stderr[-3000:]}")
        results[runner] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"  memory {runner:<10} peak RSS {results[runner]['peak_rss_mb']:.0f} MB", flush=True)
    return results


def machine_info(threads: int) -> dict:
    cpu = "unknown"
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1).strip() if m else platform.processor() or "unknown"
    except OSError:
        pass
    versions = {"python": platform.python_version(), "torch": torch.__version__,
                "numpy": np.__version__}
    for dist in ("pytorch-lightning", "pytorch-ignite"):
        try:
            from importlib.metadata import version
            versions[dist] = version(dist)
        except Exception:  # noqa: BLE001 - not installed
            versions[dist] = None
    return {"cpu_model": cpu, "logical_cpus": os.cpu_count(),
            "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch_interop_threads":
            torch.get_num_interop_threads(), "requested_threads": threads,
            "platform": platform.platform(), "versions": versions,
            "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d"),
            "load_average_start": list(os.getloadavg())}


def measure_train_call(task: Task) -> dict:
    """CPU time of one ``model.train()`` call on this task's model (best of 5 x 2000 calls)."""
    import timeit

    model = task.make_model()
    best = min(timeit.repeat(model.train, number=2000, repeat=5, timer=time.process_time))
    return {"model_train_call_us": best / 2000 * 1e6, "n_modules": len(list(model.modules()))}


def summarize(values: list[float]) -> dict:
    q = np.percentile(values, [25, 50, 75])
    return {"median": float(q[1]), "q1": float(q[0]), "q3": float(q[2]),
            "min": float(min(values)), "n": len(values)}


def run_benchmark(task_names: list[str], runners: list[str], reps: int) -> dict:
    results: dict = {}
    for name in task_names:
        task = TASKS[name]
        task.data()
        print(f"{task.title}: {task.n_steps()} steps x {reps} rounds (+1 warm-up round)",
              flush=True)
        per_step = {r: [] for r in runners}
        cpu_step = {r: [] for r in runners}
        intervals = {r: [] for r in runners}
        whole = {r: [] for r in runners}
        models = {}
        for rep in range(reps + 1):
            order = runners[rep % len(runners):] + runners[:rep % len(runners)]
            for runner in order:
                res = timed_run(task, runner)
                models[runner] = res["model"]
                if rep == 0:
                    continue  # warm-up round
                per_step[runner].append(res["per_step"])
                cpu_step[runner].append(res["cpu_per_step"])
                intervals[runner].extend(res["intervals"])
                whole[runner].append(res["whole_call"])
            if rep:
                line = "  ".join(f"{r} {per_step[r][-1] * 1e6:6.0f} ({cpu_step[r][-1] * 1e6:4.0f})"
                                 for r in runners)
                print(f"  round {rep:2d} us/step wall (cpu): {line}", flush=True)
        ref_params = flat_params(models["hand"]) if "hand" in models else None
        ref_loss = final_loss(task, models["hand"]) if "hand" in models else None
        task_res = {"title": task.title, "description": task.description,
                    "data": task.data_note, "n_steps": task.n_steps(),
                    "steps_per_epoch": task.steps_per_epoch(), "n_epochs": task.n_epochs,
                    "warmup_steps": max(1, int(task.n_steps() * WARMUP_FRACTION)),
                    "runners": {}}
        hand_med = statistics.median(per_step["hand"]) if "hand" in per_step else None
        hand_int = statistics.median(intervals["hand"]) if "hand" in intervals else None
        hand_cpu = statistics.median(cpu_step["hand"]) if "hand" in cpu_step else None
        for runner in runners:
            loss = final_loss(task, models[runner])
            diff = float((flat_params(models[runner]) - ref_params).abs().max()) \
                if ref_params is not None else None
            med = statistics.median(per_step[runner])
            med_int = statistics.median(intervals[runner])
            ok = ref_loss is None or (abs(loss - ref_loss) <= LOSS_RTOL * abs(ref_loss) + 1e-8
                                      and diff <= PARAM_ATOL)
            task_res["runners"][runner] = {
                "per_step_s": per_step[runner], "per_step": summarize(per_step[runner]),
                "ratio_to_hand": med / hand_med if hand_med else None,
                "cpu_per_step_s": cpu_step[runner], "cpu_per_step": summarize(cpu_step[runner]),
                "cpu_ratio_to_hand":
                    statistics.median(cpu_step[runner]) / hand_cpu if hand_cpu else None,
                # each round's ratio to the hand loop of the same round, then the median: a
                # machine whose speed drifts from round to round moves both terms alike
                "paired_cpu_ratio_to_hand": statistics.median(
                    a / b for a, b in zip(cpu_step[runner], cpu_step["hand"]))
                    if "hand" in cpu_step else None,
                "step_interval_median_s": med_int,
                "step_interval_ratio_to_hand": med_int / hand_int if hand_int else None,
                "whole_call_s": summarize(whole[runner]),
                "final_train_loss": loss, "max_abs_param_diff_vs_hand": diff, "loss_check_ok": ok}
        task_res.update(measure_train_call(task))
        results[name] = task_res
    return results


# ------------------------------------------------------------------------------ the page
def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def _iqr_us(s: dict) -> str:
    return f"{_us(s['median'])} [{_us(s['q1'])}–{_us(s['q3'])}]"


def write_page(report: dict, path: Path) -> None:
    """Write the MyST page that presents ``report``."""
    m = report["machine"]
    v = m["versions"]
    cfg = report["config"]
    runners = cfg["runners"]
    load0 = ", ".join(f"{x:.1f}" for x in m["load_average_start"])
    load1 = ", ".join(f"{x:.1f}" for x in report["load_average_end"])
    lines = [
        "# Benchmark: what does the trainer cost?",
        "",
        "Does wrapping the training loop in a class cost speed? This page compares the book's "
        "trainer, `StepByStep` (version 5, with its defaults), with a hand-written PyTorch loop and with two "
        "trainers readers often reach for instead, PyTorch Lightning and PyTorch Ignite, on "
        "three of the book's small models. The numbers come from `bench/run_bench.py` (run it "
        "with `make bench`), which writes this page and `book/benchmarks.json` (every raw "
        "number); to change the page, change the script and run it again.",
        "",
        "## The machine",
        "",
        f"- CPU: {m['cpu_model']}, {m['logical_cpus']} logical CPUs "
        f"({m['cpus_available']} available to the process)",
        f"- PyTorch {v['torch']} on the CPU, {m['torch_threads']} intra-op thread(s) and "
        f"{m['torch_interop_threads']} inter-op threads; Python {v['python']}, NumPy {v['numpy']}",
        f"- PyTorch Lightning {v.get('pytorch-lightning') or 'not installed'}, "
        f"PyTorch Ignite {v.get('pytorch-ignite') or 'not installed'}",
        f"- {m['platform']}",
        f"- Date: {m['date']}. Load average (1, 5, 15 min) when the run started: {load0}; "
        f"when it ended: {load1}.",
        f"- The whole run, memory measurements included, took {report['total_seconds']:.0f} s.",
        "",
    ]
    if max(m["load_average_start"][0], report["load_average_end"][0]) > m["cpus_available"]:
        lines += [
            "```{note}",
            "The load average was above the number of CPUs: other programs were running and "
            "the benchmark waited for the CPU part of the time. Wall-clock times are then "
            "pessimistic and noisy; the CPU times (time the process actually ran) and the "
            "ratios are the numbers to trust.",
            "```",
            ""]
    lines += [
        "## How it was measured",
        "",
        "- **Same work for everyone.** Each model is built under its chapter's seed; each run "
        "gets a fresh `DataLoader` (batch 16, `num_workers=0`) that shuffles with a "
        "`SubsetRandomSampler` whose generator is seeded with 42 (why not `shuffle=True`: see "
        "the loss check), and torch's global seed is set to 42 right before training (what "
        "`StepByStep.train(seed=42)` does). All runners see the same mini-batches in the "
        "same order and must end with the same parameters.",
        "- **Training only.** No validation loader, no logging, no checkpoints, no progress "
        "bar. Lightning runs with `accelerator='cpu'`, `logger=False`, "
        "`enable_checkpointing=False`, `enable_progress_bar=False`, "
        "`enable_model_summary=False` and `num_sanity_val_steps=0`; Ignite with "
        "`create_supervised_trainer`; `StepByStep` with `set_loaders(train_loader)` and "
        "`train(n_epochs, progress=False)`. The hand-written loop is chapter 2's: "
        "`model.train()` once per epoch, then for each mini-batch `.to(device)`, forward, "
        "loss, `backward()`, `step()`, `zero_grad()` and `loss.item()`. `StepByStep` "
        "(no gradient clipping, no learning-rate scheduler) runs the same epoch: it sets the "
        "training mode once (`model.train(True)`), then for each mini-batch "
        "`.to(device, non_blocking=True)`, the same five calls and its two per-step hooks; "
        "like the hand-written loop it reads the loss with `.item()` on every step, between "
        "forward and backward, to stop at the first NaN or infinite loss (v5's non-finite "
        "check, on by default), and it also keeps the detached loss: one `.item()` per epoch "
        "turns the epoch's losses into their mean.",
        "- **Time per step.** Every runner records a timestamp at the end of every optimizer "
        "step through its own hook (inline in the loop; `StepByStep`'s `_on_train_batch_end`; "
        "a Lightning `Callback.on_train_batch_end`; Ignite's `Events.ITERATION_COMPLETED`). "
        f"The first {cfg['warmup_fraction']:.0%} of the steps of each run are warm-up. The "
        "time per step of a run is the time from the end of the warm-up to the end of the "
        "last step, divided by the number of steps in between: it includes data loading and "
        "what each trainer does at epoch boundaries, and it excludes the one-time setup "
        "(building the Lightning `Trainer` or the Ignite `Engine` and everything before the "
        "first step) and the tear-down, which the *whole call* column shows. *Wall* is "
        "elapsed time (`time.perf_counter`); *CPU* is the time the process actually ran "
        "(`time.process_time`), which other programs on the machine disturb much less.",
        f"- **Fair on a noisy machine.** {cfg['reps']} rounds after one warm-up round that is "
        "thrown away; in each round the runners run one after the other, and the order "
        "rotates from round to round. Tables give the median over the rounds, with the "
        "interquartile range in brackets; a ratio is a runner's median divided by the "
        "hand-written loop's. The *paired* ratio divides, round by round, a runner's CPU time "
        "per step by the hand-written loop's in the same round and takes the median of those "
        "ratios: when the machine itself speeds up and slows down from round to round (a "
        "virtual machine sharing its host), both terms of a pair move together, so this is "
        "the steadiest of the ratios. *Median single step* is the median of all individual step "
        "times (wall), which leaves out the rare slow steps: epoch boundaries, garbage "
        "collection, another program taking the CPU.",
        "- **Memory**, in a separate subprocess per runner that imports only that runner's "
        "framework: *peak RSS* is the highest resident set size of the process (Linux "
        "`VmHWM`), so it includes importing torch and the framework; *training growth* is how "
        "far the peak RSS rose during one training, after a one-epoch warm-up training of "
        "every model (`VmHWM` reset through `/proc/self/clear_refs` before training); "
        "*Python heap peak* is the `tracemalloc` peak during a second, identical training "
        "(tensor storage is allocated by PyTorch in C and is not traced). We do not use "
        "`ru_maxrss`: Linux carries it over `exec`, so a subprocess reports its parent's peak.",
        f"- One intra-op thread (`torch.set_num_threads({m['requested_threads']})`): these "
        "models are far too small to gain from more, and extra threads only add noise on a "
        "shared machine.",
        "",
    ]
    mem = report.get("memory") or {}
    for name, task in report["tasks"].items():
        lines += [f"## {task['title']}", "",
                  f"{task['description']} That is {task['n_steps']} optimizer steps per run, "
                  f"the first {task['warmup_steps']} of them warm-up. Data: {task['data']}.", "",
                  "| runner | wall per step (µs) | ratio | CPU per step (µs) | ratio | "
                  "paired ratio | median single step (µs) | whole call (ms) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in runners:
            res = task["runners"][r]
            lines.append(
                f"| {RUNNER_NAMES[r]} | {_iqr_us(res['per_step'])} | "
                f"{res['ratio_to_hand']:.2f}× | {_iqr_us(res['cpu_per_step'])} | "
                f"{res['cpu_ratio_to_hand']:.2f}× | {res['paired_cpu_ratio_to_hand']:.2f}× | "
                f"{_us(res['step_interval_median_s'])} | "
                f"{res['whole_call_s']['median'] * 1e3:,.0f} |")
        lines.append("")
        if mem:
            lines += ["| runner | RSS after imports (MB) | peak RSS (MB) | "
                      "training growth (MB) | Python heap peak (KB) |",
                      "|---|---:|---:|---:|---:|"]
            for r in runners:
                if r not in mem:
                    continue
                mt = mem[r]["tasks"][name]
                growth = "n/a" if mt["train_rss_growth_mb"] is None \
                    else f"{mt['train_rss_growth_mb']:.1f}"
                lines.append(f"| {RUNNER_NAMES[r]} | {mem[r]['rss_after_import_mb']:.0f} | "
                             f"{mem[r]['peak_rss_mb']:.0f} | {growth} | "
                             f"{mt['python_heap_peak_kb']:,.0f} |")
            lines.append("")

    others = [r for r in runners if r != "hand"]
    lines += ["## Ratios at a glance", "",
              "Median time per step divided by the hand-written loop's (1.00× = as fast): "
              "wall-clock / CPU time / paired CPU ratio.", "",
              "| model | " + " | ".join(RUNNER_NAMES[r] for r in others) + " |",
              "|---|" + "---:|" * len(others)]
    for name, task in report["tasks"].items():
        cells = [f"{task['runners'][r]['ratio_to_hand']:.2f}× / "
                 f"{task['runners'][r]['cpu_ratio_to_hand']:.2f}× / "
                 f"{task['runners'][r]['paired_cpu_ratio_to_hand']:.2f}×" for r in others]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")

    all_ok = all(res["loss_check_ok"] for t in report["tasks"].values()
                 for res in t["runners"].values())
    lines += ["## The loss check", "",
              "After training, every runner's model is evaluated on the whole training set, and "
              "its parameters are compared with those of the hand-written loop (tolerances: "
              f"relative {cfg['loss_rtol']:g} on the loss, absolute {cfg['param_atol']:g} on "
              "every parameter).", "",
              "| model | " + " | ".join(RUNNER_NAMES[r] for r in runners)
              + " | largest parameter difference | same result? |",
              "|---|" + "---:|" * (len(runners) + 1) + "---|"]
    for name, task in report["tasks"].items():
        cells = [f"{task['runners'][r]['final_train_loss']:.6f}" for r in runners]
        diff = max(task["runners"][r]["max_abs_param_diff_vs_hand"] for r in runners)
        ok = all(task["runners"][r]["loss_check_ok"] for r in runners)
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {diff:.1e} | {'yes' if ok else '**NO**'} |")
    lines += ["", "All runners trained the very same models." if all_ok else
              "**At least one runner did not reproduce the hand-written loop: the timings "
              "above do not compare like with like.**", "",
              "```{admonition} A trap we fell into: shuffle=True and Lightning",
              "With `shuffle=True` the loader's `RandomSampler` draws one permutation per epoch "
              "and then, when its iterator is run to the end, a second, empty one for the "
              "remainder. The hand-written loop, `StepByStep` and Ignite run it to the end; "
              "Lightning stops after `len(loader)` mini-batches and never asks for the rest. "
              "The shared generator then differs from the second epoch on, and so do the "
              "mini-batches and the final weights. The benchmark shuffles with a "
              "`SubsetRandomSampler` over all indices instead, which draws exactly one "
              "permutation per epoch, and every runner sees the same data.",
              "```", ""]
    lines += discussion(report)
    if report.get("scaling"):
        lines += scaling_section(report["scaling"])
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def discussion(report: dict) -> list[str]:
    """The closing section: where the overhead comes from (numbers filled in from the run)."""
    tasks = report["tasks"]
    runners = report["config"]["runners"]

    def ratio_range(r, key="paired_cpu_ratio_to_hand"):
        vals = [t["runners"][r][key] for t in tasks.values()]
        return f"{min(vals):.2f}× to {max(vals):.2f}×"

    hand_cpu = {n: t["runners"]["hand"]["cpu_per_step"]["median"] for n, t in tasks.items()}
    out = ["## Where the overhead comes from", "",
           "The ratios below are paired CPU-time ratios. These models are tiny on purpose: a step of "
           "the hand-written loop takes "
           + ", ".join(f"{hand_cpu[n] * 1e6:,.0f} µs of CPU ({n})" for n in tasks)
           + ", and a good part of it is the `DataLoader` fetching 16 items one by one and "
           "collating them, the same for all four runners. Whatever a trainer does per step "
           "on top of that shows up in full; with a model that does real work per step the "
           "same absolute overhead becomes a rounding error.", "",
           "How much the machine itself wobbled: from one round to the next, the very same "
           "hand-written loop ran at "
           + ", ".join(f"{min(t['runners']['hand']['cpu_per_step_s']) * 1e6:,.0f} to "
                       f"{max(t['runners']['hand']['cpu_per_step_s']) * 1e6:,.0f} µs of CPU per "
                       f"step ({n})" for n, t in tasks.items())
           + ". Differences of a few percent between runners are within that noise; the "
           "paired ratios cancel the slow part of it, not all of it.", ""]
    if "stepbystep" in runners:
        train_cost = ", ".join(f"{t['model_train_call_us']:.1f} µs for the {n} model "
                               f"({t['n_modules']} modules, "
                               f"{t['model_train_call_us'] / (hand_cpu[n] * 1e6):.1%} of its "
                               f"step)" for n, t in tasks.items())
        sbs_gap = ", ".join(
            f"{(t['runners']['stepbystep']['cpu_per_step']['median'] - hand_cpu[n]) * 1e6:+,.0f}"
            f" µs ({n})" for n, t in tasks.items())
        out.append(
            f"- **StepByStep ({ratio_range('stepbystep')}).** Its step is the hand-written "
            "step: forward, loss, `backward()`, `step()`, `zero_grad()`; and like the "
            "hand-written loop it puts the model in training mode once per epoch: "
            "`_mini_batch` calls `model.train(not validation)` before it loops over the "
            "mini-batches, and the step function only reads `model.training`, calling "
            "`model.train()` only when something (a hook, a callback) switched the model to "
            "evaluation mode in between. What remains per step: the two hooks that later "
            "versions extend, `_after_backward` (v4 looks whether gradient clipping is set) "
            "and `_on_train_batch_end` (v3 looks for a mini-batch scheduler; here it also "
            "records the timestamp), the fraction of the epoch passed to the latter, and "
            "`non_blocking=True` on the two `.to(device)` calls that the hand-written loop "
            "makes too; each costs well under a microsecond. Like the hand-written loop, v5 "
            "calls `loss.item()` on every step: its non-finite check reads the loss between "
            "forward and backward and stops training, with the weights of the last good step, "
            "at the first NaN or infinity. The step also returns the detached loss, and the "
            "epoch ends with one more host sync: `torch.stack`, `.double()`, `.mean()`, "
            "`.item()` over the epoch's losses. (v4 had no per-step `.item()`; on the CPU "
            "that gains nothing, since there is no device to wait for, but on a GPU it spares "
            "a wait on every step: `set_nonfinite_check(False)` gives v4's step back.) Then "
            "there is fixed work once per epoch: that average, the epoch hook, "
            "and a call for the validation pass under `torch.no_grad()` that finds no "
            "validation loader and returns at once. That is a few microseconds per epoch, "
            "which shows only when an epoch is as short as the linear model's five steps. "
            "Measured alone, all of this adds up to a few microseconds per step of the linear "
            "model and less for the others; the gap in CPU time per step in the tables is "
            f"{sbs_gap}. Loops that do the same work in a slightly different shape (the "
            "hand-written loop with its step moved into a function, or keeping detached "
            "losses) move by as much on this shared machine: differences of a few percent "
            "are at the limit of what this benchmark resolves. Why the mode is set once per epoch and not on every step, as chapter 2's "
            "train-step function does: `Module.train()` visits every submodule and sets its "
            "`training` flag through `nn.Module.__setattr__`; measured alone, with everything "
            f"in the CPU's caches, one call takes {train_cost}.")
    if "lightning" in runners:
        out.append(
            f"- **PyTorch Lightning ({ratio_range('lightning')}).** Every step goes through "
            "Lightning's loop machinery: a prefetching data fetcher, the strategy and "
            "precision plugins, an optimizer closure (`training_step` and `backward` run "
            "inside `optimizer.step(closure)`), bookkeeping of the returned loss, progress "
            "counters, and a couple of dozen hook calls per step (`on_train_batch_start`, "
            "`on_before_backward`, `on_after_backward`, `on_before_optimizer_step`, "
            "`on_before_zero_grad`, `on_train_batch_end`, ...), each dispatched to the "
            "module, the callbacks and the strategy. Each is cheap; together they cost as "
            "much per step as these models' whole forward and backward pass. Its setup "
            "(building the `Trainer`, connecting the module and the loader) is the largest "
            "one-time cost: see the *whole call* columns.")
    if "ignite" in runners:
        out.append(
            f"- **PyTorch Ignite ({ratio_range('ignite')}).** Its `Engine` fires events "
            "around every step and every batch fetch (`ITERATION_STARTED`, "
            "`GET_BATCH_STARTED`, `GET_BATCH_COMPLETED`, `ITERATION_COMPLETED`), keeps its "
            "`state` up to date and converts the loss to a Python float; the update itself "
            "is the same five lines as the hand-written loop. A thinner layer than "
            "Lightning.")
    out += ["",
            "What the numbers do not say: on a GPU, or with a model that needs milliseconds "
            "per step, all four runners spend nearly all their time in the same PyTorch "
            "kernels, and the choice between them is about features and readability, not "
            "speed. Memory tells a similar story: the trainers differ mostly in what they "
            "import (compare the peak RSS columns), hardly in what training needs.",
            ""]
    return out


def _scaling_module():
    """bench/scaling_bench.py, imported by path (bench/ is a folder of scripts, not a package)."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:   # called several times per run: add the folder once
        sys.path.insert(0, here)
    import scaling_bench
    return scaling_bench


def _compiled_training_finding(comp: dict, hand_ms: float) -> str:
    """One sentence or two on a compiled training run that finished."""
    first, ratio = comp["first_s"], comp["median_ms"] / hand_ms
    text = (f"Compiled, a training step takes {ratio:.2f}× the eager hand loop's "
            f"({comp['median_ms']:.3f} ms against {hand_ms:.3f} ms), after a first step "
            f"of {first:.1f} s that compiles the forward and backward graphs. ")
    if ratio < 1:
        saved_ms = hand_ms - comp["median_ms"]
        return text + (f"Each step saves {saved_ms:.3f} ms, so the compilation pays for itself "
                       f"after about {first * 1e3 / saved_ms:,.0f} steps. ")
    return text + ("Compiling does not pay for training here: fusing the small elementwise "
                   "operations saves little in steps dominated by convolutions, matrix products "
                   "and the optimizer, while the compiled step carries costs of its own (the "
                   "guards that check the inputs on every call, the wrapper that runs the "
                   "captured forward and backward graphs). Profile both with `torch.profiler` "
                   "(chapter 19) before choosing. ")


def scaling_section(scaling: dict) -> list[str]:
    """Chapter 19's tables (compiled vs eager, one vs two processes) and what they show."""
    sb = _scaling_module()
    load0 = ", ".join(f"{x:.1f}" for x in scaling["load_start"])
    load1 = ", ".join(f"{x:.1f}" for x in scaling["load_end"])
    out = ["## Compiled vs eager, one process vs two (chapter 19)", "",
           "Chapter 19 adds two ways to go faster: `torch.compile` (here with its default "
           "backend, Inductor, which generates C++ for the CPU) and data-parallel training over "
           "several processes. These tables come from `bench/scaling_bench.py`, in the same "
           "`make bench` run, with one intra-op thread per process. Load average when this part "
           f"started: {load0}; when it ended: {load1}.", "",
           "- **Compiled vs eager.** The hand-written eager loop, `StepByStep` v5 with its "
           "defaults and v5 after `set_compile()` train the same model from the same weights on "
           "the same random mini-batches. The first step of a compiled run includes "
           "compilation, so it is shown apart; the median is taken over the steps after it. "
           "Inference runs one batch 21 times, eagerly and through `torch.compile`. The weight "
           "gap checks that all three trained the same model (it must stay below "
           f"{sb.TOLERANCE:g}).",
           "- **One process vs two.** Both rows are launched the same way, by `torchrun`, with "
           "the same global batch of 64: one process of 64 and two of 32, so both compute the "
           "same mean gradient and must end with the same weights as a plain run without DDP "
           f"(below {sb.DDP_TOLERANCE:g}). *Whole call* includes starting the processes, "
           "importing torch in each and the rendezvous; *training epochs* is the time inside "
           "`train`, added over the epochs.", ""]
    out += sb.markdown(scaling).splitlines()
    out += [""]
    findings = []
    for m in scaling.get("compile", {}).get("models", {}).values():
        if "crashed" in m:
            findings.append(f"- **{m['title']}.** The process that ran this case crashed "
                            f"({m['crashed']}) inside the compiled code; see the note below.")
            continue
        hand = m["training"]["hand (eager)"]["median_ms"]
        v5 = m["training"]["StepByStep v5"]["median_ms"]
        comp = m["training"]["StepByStep v5 + compile"]
        text = (f"- **{m['title']}.** `StepByStep` v5 takes {v5 / hand:.2f}× the hand-written "
                "loop's time per step. ")
        if "failed_step" in comp and comp["error"] == "NaN loss":
            text += (f"Compiled, training stopped at step {comp['failed_step']}: the loss was "
                     "NaN, on the same batches and weights that train normally in eager mode, "
                     "and v5's non-finite check caught it before any update (see the note "
                     "below). ")
        elif "failed_step" in comp:
            text += (f"Compiled, training failed at step {comp['failed_step']} inside the "
                     f"generated code (`{comp['error']}`), on the same batches and weights that "
                     "train normally in eager mode (see the note below). ")
        else:
            text += _compiled_training_finding(comp, hand)
        inf = m["inference"]
        if inf["compiled"].get("nan_calls"):
            text += (f"Compiled inference returned NaN in {inf['compiled']['nan_calls']} of 21 "
                     "calls. ")
        text += (f"Inference on {m['inference_batch']} images: compiled "
                 f"{inf['compiled']['median_ms']:.3f} ms against {inf['eager']['median_ms']:.3f} "
                 f"ms eager ({inf['compiled']['median_ms'] / inf['eager']['median_ms']:.2f}×).")
        findings.append(text)
    runs = scaling.get("ddp", {}).get("runs", {})
    if len(runs) == 2:
        one, two = runs["torchrun 1 x 64"], runs["torchrun 2 x 32"]
        findings.append(
            f"- **Two processes train FizzBuzz {two['epochs_s'] / one['epochs_s']:.1f}× slower "
            f"than one** ({two['epochs_s']:.3f} s against {one['epochs_s']:.3f} s of training "
            "epochs), with the same weights. The net has 1,504 parameters: each step's "
            "arithmetic takes microseconds, while the all-reduce that averages the gradients "
            "goes through gloo's sockets after every backward pass, and two processes share the "
            "machine's two cores with everything else. Data parallelism pays when a step's "
            "compute is large against the gradient exchange; with two cores the ideal is a 2× "
            f"speed-up. The start-up ({one['whole_s']:.1f} s and {two['whole_s']:.1f} s for "
            "the whole calls) is paid once per run.")
    out += findings + [""]
    failed = [m["title"] for m in scaling.get("compile", {}).get("models", {}).values()
              if "crashed" in m or "failed_step" in m["training"]["StepByStep v5 + compile"]]
    out += ["```{admonition} A NaN from the compiler",
            ":class: warning",
            "While preparing this page, the compiled CNN2 with 5 filters sometimes produced NaN, "
            "sometimes stopped with an out-of-bounds index in the backward pass of its max "
            "pooling, and once crashed the process with a corrupted heap (which is why every "
            "case now runs in a process of its own). We narrowed it down on the build machine, an AVX-512 CPU. The book's pin "
            "`ATEN_CPU_CAPABILITY=avx2` also makes Inductor generate AVX2 code, and with it the "
            "compiled network returned NaN in anywhere from 1 to 40 of 40 forward calls, "
            "depending on the process (the indices that max pooling records look uninitialised); "
            "with 4, 8 or 16 filters, or without the pin, it never did. That is a code-generation bug of "
            "this PyTorch version (2.14.1), not a problem of the model, and it is why the table "
            "also has an 8-filter CNN2. In this run: "
            + (f"it struck ({'; '.join(failed)})." if failed else "it did not strike.")
            + " The lesson holds for any compiler: compare a compiled model's outputs with "
            "eager mode before trusting its speed.",
            "```", ""]
    return out


# ------------------------------------------------------------------------------- profile
def profile(task_name: str, reps: int = 3) -> None:
    """Print where the time goes in the hand-written loop and in StepByStep."""
    task = TASKS[task_name]
    task.data()
    for runner in ("hand", "stepbystep"):
        timed_run(task, runner)  # warm-up
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(reps):
            RUNNER_FUNCS[runner](task, task.n_epochs, lambda: None)
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).sort_stats("tottime")
        stats.print_stats(25)
        print(f"===== {runner}: {reps} x {task.n_steps()} steps on {task_name} =====")
        print(buf.getvalue())


# ---------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=15,
                        help="timed rounds per model after the warm-up round (default 15)")
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--runners", nargs="+", default=None, choices=list(RUNNERS),
                        help="default: every runner whose framework is installed")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--out-dir", type=Path, default=REPO / "book")
    parser.add_argument("--profile", choices=list(TASKS), help="cProfile hand vs StepByStep")
    parser.add_argument("--skip-scaling", action="store_true",
                        help="leave out chapter 19's compile and DDP tables")
    parser.add_argument("--scaling-steps", type=int, default=60,
                        help="training steps per runner in the compile table (default 60)")
    parser.add_argument("--memory-child", choices=list(RUNNERS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reps < 1 or args.threads < 1:
        parser.error("--reps and --threads must be positive integers")
    if args.scaling_steps < 2:
        parser.error("--scaling-steps must be at least 2 (the first step is reported apart)")

    threads_before = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _run(args, parser)
    finally:  # leave the process as we found it (the unit tests call main)
        torch.set_num_threads(threads_before)


def _run(args, parser) -> int:
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.tasks)))
        return 0
    if args.profile:
        profile(args.profile)
        return 0

    start = time.perf_counter()
    runners = args.runners or available_runners()
    missing = [r for r in RUNNERS if r not in runners]
    if missing:
        print(f"not benchmarked (not installed or not asked for): {', '.join(missing)}; "
              "`pip install -r bench/requirements.txt` brings Lightning and Ignite", flush=True)
    if "hand" not in runners:
        parser.error("the hand-written loop is the reference: keep 'hand' in --runners")
    if "lightning" in runners:
        _quiet_lightning()
        import pytorch_lightning  # noqa: F401  (import once, outside every timing)
    if "ignite" in runners:
        import ignite.engine  # noqa: F401
    machine = machine_info(args.threads)
    # Everything imported so far lives as long as the process: freeze it, so that the
    # gc.collect() before every run (and any collection during a run) does not walk the
    # hundreds of thousands of objects of torch, Lightning and friends.
    gc.collect()
    gc.freeze()
    try:
        results = run_benchmark(args.tasks, runners, args.reps)
    finally:
        gc.unfreeze()
    memory = None
    if not args.no_memory:
        print("memory (one subprocess per runner)", flush=True)
        memory = measure_memory(runners, args.tasks, args.threads)
    scaling = None
    if not args.skip_scaling:
        print("compiled vs eager, one process vs two (bench/scaling_bench.py)", flush=True)
        scaling = _scaling_module().run(steps=args.scaling_steps)
    report = {"machine": machine,
              "config": {"reps": args.reps, "warmup_rounds": 1, "runners": runners,
                         "warmup_fraction": WARMUP_FRACTION, "train_seed": TRAIN_SEED,
                         "device": DEVICE, "loss_rtol": LOSS_RTOL, "param_atol": PARAM_ATOL,
                         "timing": "tick at the end of every optimizer step; per run: "
                                   "(t_last - t_warmup_end) / steps; median over rounds",
                         "memory": "subprocess per runner: VmHWM peak, VmHWM growth during "
                                   "training, tracemalloc peak"},
              "tasks": results, "memory": memory, "scaling": scaling,
              "load_average_end": list(os.getloadavg()),
              "total_seconds": time.perf_counter() - start}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "benchmarks.json").write_text(json.dumps(report, indent=1) + "\n")
    write_page(report, args.out_dir / "benchmarks.md")

    print("\nratio of the time per step to the hand-written loop's (wall / paired CPU):")
    for name, task in results.items():
        cells = "  ".join(f"{r} {task['runners'][r]['ratio_to_hand']:.2f}x / "
                          f"{task['runners'][r]['paired_cpu_ratio_to_hand']:.2f}x"
                          for r in runners)
        print(f"  {name:<7} {cells}")
    bad = [(n, r) for n, t in results.items() for r, res in t["runners"].items()
           if not res["loss_check_ok"]]
    if scaling is not None and not _scaling_module().gates_ok(scaling):
        print("SCALING CHECK FAILED: a compiled or DDP run did not reach the reference weights",
              file=sys.stderr)
        bad.append(("scaling", "compile/ddp"))
    for n, r in bad:
        if n == "scaling":
            continue
        res = results[n]["runners"][r]
        print(f"LOSS CHECK FAILED: {r} on {n}: loss {res['final_train_loss']:.8f}, "
              f"max param diff {res['max_abs_param_diff_vs_hand']:.2e}", file=sys.stderr)
    print(f"wrote {args.out_dir / 'benchmarks.json'} and {args.out_dir / 'benchmarks.md'} "
          f"in {report['total_seconds']:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
