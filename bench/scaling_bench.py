#!/usr/bin/env python
"""Chapter 19's benchmark: compiled vs eager, and one vs two DDP processes, side by side.

Two tables, printed as Markdown (and written as JSON with ``--json``):

* **compile**: ``CNN2(5)`` on 3x28x28 tensors. The hand-written eager loop, StepByStep v5 with
  its default path, and v5 with ``set_compile()`` (Inductor) train for the same number of steps at
  batch 32 from the same weights; inference at batch 256, eager vs ``torch.compile``. Compile time
  (the first call) is reported apart from the median time per step after it. All three training
  runners must end within 1e-5 of each other (the correctness gate): exit status 1 otherwise.
* **ddp**: chapter 12's FizzBuzz net (F3) for 5 epochs, one process with batch 64 against
  ``torchrun`` with 2 processes x 32 (``helpers.distributed``), whole call and per-epoch time, and
  the largest weight difference (must be below 1e-6).

Every timing depends on the machine and on what else runs on it; the load average is printed
with the tables. Inductor needs a C++ compiler (``g++``).

    python bench/scaling_bench.py [--steps 60] [--json out.json] [--skip-compile] [--skip-ddp]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from helpers.nn.vision import CNN2  # noqa: E402
from helpers.stepbystep.v5 import StepByStep  # noqa: E402

TOLERANCE = 1e-5


def _cnn2_data(steps: int, batch: int = 32):
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(steps * batch, 3, 28, 28, generator=gen)
    y = torch.randint(0, 3, (steps * batch,), generator=gen)
    return x, y


def _fresh_cnn2():
    torch.manual_seed(13)
    model = CNN2(5, p=0.0)
    return model, torch.optim.Adam(model.parameters(), lr=3e-4)


def _step_times(run_step, batches) -> list[float]:
    times = []
    for x, y in batches:
        start = time.perf_counter()
        run_step(x, y)
        times.append(time.perf_counter() - start)
    return times


def compile_table(steps: int) -> dict:
    """Eager hand loop, v5 default and v5 compiled on CNN2; inference eager vs compiled."""
    x, y = _cnn2_data(steps)
    batches = list(zip(x.split(32), y.split(32)))
    loss_fn = nn.CrossEntropyLoss()
    rows, finals = {}, {}

    model, opt = _fresh_cnn2()

    def hand_step(xb, yb):
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()

    times = _step_times(hand_step, batches)
    rows["hand (eager)"] = {"first_s": times[0], "median_ms": 1e3 * statistics.median(times[1:])}
    finals["hand (eager)"] = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    for name, compiled in (("StepByStep v5", False), ("StepByStep v5 + compile", True)):
        model, opt = _fresh_cnn2()
        sbs = StepByStep(model, loss_fn, opt)
        sbs.to("cpu")
        if compiled:
            sbs.set_compile()
        times = _step_times(sbs.train_step_fn, batches)
        rows[name] = {"first_s": times[0], "median_ms": 1e3 * statistics.median(times[1:])}
        finals[name] = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    reference = finals["hand (eager)"]
    gaps = {name: (w - reference).abs().max().item() for name, w in finals.items()}

    model, _ = _fresh_cnn2()
    model.eval()
    big = torch.randn(256, 3, 28, 28, generator=torch.Generator().manual_seed(13))
    inference = {}
    for name, fn in (("eager", model), ("compiled", torch.compile(model))):
        with torch.no_grad():
            times = _step_times(lambda xb, _: fn(xb), [(big, None)] * 21)
        inference[name] = {"first_s": times[0], "median_ms": 1e3 * statistics.median(times[1:])}
    return {"training": rows, "max_weight_gap": gaps, "inference": inference, "steps": steps}


def ddp_table(epochs: int = 5) -> dict:
    """FizzBuzz F3: one process x 64 in this process, 2 processes x 32 under torchrun."""
    from helpers.distributed import reference_run

    start = time.perf_counter()
    single = reference_run(batch=64, epochs=epochs)
    single_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ddp.json"
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
               "2", "-m", "helpers.distributed", "--batch", "32", "--epochs", str(epochs),
               "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=600)
        ddp_s = time.perf_counter() - start
        ddp = json.loads(out.read_text())
    gap = max(abs(a - b) for a, b in zip(ddp["weights"], single["weights"]))
    return {"one process x 64": {"whole_s": single_s},
            "torchrun 2 x 32": {"whole_s": ddp_s, "epochs_s": sum(ddp["epoch_times"])},
            "max_weight_gap": gap}


def markdown(report: dict) -> str:
    lines = [f"load average: {report['load']}", ""]
    if "compile" in report:
        c = report["compile"]
        lines += [f"**CNN2, batch 32, {c['steps']} training steps (Adam 3e-4)**", "",
                  "| runner | first step (s) | median step after it (ms) | max weight gap to hand |",
                  "|---|---|---|---|"]
        for name, r in c["training"].items():
            lines.append(f"| {name} | {r['first_s']:.2f} | {r['median_ms']:.2f} | "
                         f"{c['max_weight_gap'][name]:.1e} |")
        lines += ["", "**CNN2 inference, batch 256**", "",
                  "| runner | first call (s) | median call after it (ms) |", "|---|---|---|"]
        for name, r in c["inference"].items():
            lines.append(f"| {name} | {r['first_s']:.2f} | {r['median_ms']:.2f} |")
    if "ddp" in report:
        d = report["ddp"]
        lines += ["", "**FizzBuzz F3, 5 epochs: one process vs two**", "",
                  "| runner | whole call (s) | training epochs (s) |", "|---|---|---|",
                  f"| one process x 64 | {d['one process x 64']['whole_s']:.2f} | - |",
                  f"| torchrun 2 x 32 | {d['torchrun 2 x 32']['whole_s']:.2f} | "
                  f"{d['torchrun 2 x 32']['epochs_s']:.2f} |", "",
                  f"max weight gap, 2 x 32 vs 1 x 64: {d['max_weight_gap']:.1e}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="CNN2 training steps per runner")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument("--skip-compile", action="store_true")
    parser.add_argument("--skip-ddp", action="store_true")
    args = parser.parse_args(argv)
    if args.steps < 2:
        parser.error("--steps must be at least 2 (the first step is reported apart)")
    torch.set_num_threads(1)
    report = {"load": " ".join(f"{v:.1f}" for v in os.getloadavg())}
    ok = True
    if not args.skip_compile:
        report["compile"] = compile_table(args.steps)
        ok &= max(report["compile"]["max_weight_gap"].values()) < TOLERANCE
    if not args.skip_ddp:
        report["ddp"] = ddp_table()
        ok &= report["ddp"]["max_weight_gap"] < 1e-6
    print(markdown(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    if not ok:
        print("FAILED: a runner did not reach the reference weights.", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
