#!/usr/bin/env python
"""Chapter 19's benchmark: compiled vs eager, and one vs two DDP processes, side by side.

Two tables, printed as Markdown (and written as JSON with ``--json``):

* **compile**, for chapter 5's small CNN (1x10x10 images, batch 16) and chapter 6's ``CNN2(5)``
  (3x28x28, batch 32): the hand-written eager loop, StepByStep v5 with its default path, and v5
  with ``set_compile()`` (Inductor) train for the same number of steps from the same weights on
  the same random tensors; then inference at batch 256, eager vs ``torch.compile``. Compile time
  (the first call) is reported apart from the median time per step after it. All three training
  runners must end within 1e-5 of each other (the correctness gate): exit status 1 otherwise.
* **ddp**: chapter 12's FizzBuzz net (F3) for 5 epochs at a global batch of 64, launched the same
  way twice, ``torchrun`` with 1 process x 64 and with 2 processes x 32 (``helpers.distributed``):
  whole call (process start-up included) and the training epochs alone, and the largest weight
  difference to one plain process without DDP (must be below 1e-6).

``bench/run_bench.py`` (``make bench``) runs both and puts them on the benchmark page.

Every timing depends on the machine and on what else runs on it; the load average is printed
with the tables. Inductor needs a C++ compiler (``g++``).

    python bench/scaling_bench.py [--steps 60] [--json out.json] [--skip-compile] [--skip-ddp]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from helpers.nn.vision import CNN2  # noqa: E402
from helpers.stepbystep.v5 import NonFiniteLossError, StepByStep  # noqa: E402
from run_bench import _cnn1  # noqa: E402  (chapter 5's model, as the trainer benchmark builds it)

TOLERANCE = 1e-5        # compiled kernels may add in another order
DDP_TOLERANCE = 1e-6    # 2 x 32 vs 1 x 64: the same mean gradient, summed in another order


@dataclass(frozen=True)
class CompileCase:
    """One model of the compile table: how to build it, its input and its optimizer."""
    title: str
    build: Callable[[], nn.Module]
    seed: int
    image_shape: tuple[int, ...]
    batch: int
    make_optimizer: Callable[[object], torch.optim.Optimizer]
    inference_batch: int = 256


COMPILE_CASES = {
    "cnn1": CompileCase("chapter 5's CNN (model_cnn1) on 1x10x10, batch 16, SGD 0.1", _cnn1, 13,
                        (1, 10, 10), 16, lambda p: torch.optim.SGD(p, lr=0.1)),
    "cnn2": CompileCase("chapter 6's CNN2(5) on 3x28x28, batch 32, Adam 3e-4",
                        lambda: CNN2(5, p=0.0), 13, (3, 28, 28), 32,
                        lambda p: torch.optim.Adam(p, lr=3e-4)),
    # the same network with 8 filters: see the benchmark page for why both are measured
    "cnn2_8": CompileCase("CNN2 with 8 filters on 3x28x28, batch 32, Adam 3e-4",
                          lambda: CNN2(8, p=0.0), 13, (3, 28, 28), 32,
                          lambda p: torch.optim.Adam(p, lr=3e-4)),
}


def _data(case: CompileCase, steps: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(steps * case.batch, *case.image_shape, generator=gen)
    y = torch.randint(0, 3, (steps * case.batch,), generator=gen)
    return list(zip(x.split(case.batch), y.split(case.batch)))


def _fresh(case: CompileCase):
    torch.manual_seed(case.seed)
    model = case.build()
    return model, case.make_optimizer(model.parameters())


def _step_times(run_step, batches) -> list[float]:
    times = []
    for x, y in batches:
        start = time.perf_counter()
        run_step(x, y)
        times.append(time.perf_counter() - start)
    return times


def _summary(times: list[float]) -> dict:
    """The first call (it compiles) apart from the median of the calls after it."""
    return {"first_s": times[0], "median_ms": 1e3 * statistics.median(times[1:])}


def _flat(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def compile_case(case: CompileCase, steps: int) -> dict:
    """Eager hand loop, v5 default and v5 compiled on one model; inference eager vs compiled."""
    batches = _data(case, steps)
    loss_fn = nn.CrossEntropyLoss()
    rows, finals = {}, {}

    # warm-up on a throwaway copy: the first runner would otherwise pay for cold caches and the
    # allocator's first requests, and look slower than the runners after it
    warm, warm_opt = _fresh(case)
    for xb, yb in batches[:5]:
        loss_fn(warm(xb), yb).backward()
        warm_opt.step()
        warm_opt.zero_grad()

    model, opt = _fresh(case)

    def hand_step(xb, yb):
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()   # what a hand-written loop logs, and what v5 reads to check it

    models = {"hand (eager)": model}
    steps_fn = {"hand (eager)": hand_step}
    trainers = {}
    for name, compiled in (("StepByStep v5", False), ("StepByStep v5 + compile", True)):
        net, net_opt = _fresh(case)
        sbs = StepByStep(net, loss_fn, net_opt)
        sbs.to("cpu")
        if compiled:
            sbs.set_compile()
        models[name], steps_fn[name], trainers[name] = net, sbs.train_step_fn, sbs

    # Interleaved: every mini-batch is stepped by each runner in turn (the order rotating), so a
    # slow moment of a shared machine hits all three alike. Each runner has its own model.
    times = {name: [] for name in steps_fn}
    failed = {}
    for i, (xb, yb) in enumerate(batches):
        names = list(steps_fn)
        for name in names[i % 3:] + names[:i % 3]:
            if name in failed:
                continue
            start = time.perf_counter()
            try:
                steps_fn[name](xb, yb)
            except (NonFiniteLossError, RuntimeError) as err:
                # a run stopped by v5's NaN check or by an error inside compiled code: report
                # it in the table instead of a time (see the benchmark page's note)
                failed[name] = {"failed_step": trainers[name]._batch_in_epoch,
                                "error": ("NaN loss" if isinstance(err, NonFiniteLossError)
                                          else str(err).splitlines()[0][-80:])}
                continue
            times[name].append(time.perf_counter() - start)
    for name in steps_fn:
        if name in failed:
            rows[name] = failed[name]
        else:
            rows[name] = _summary(times[name])
            finals[name] = _flat(models[name])

    reference = finals["hand (eager)"]
    gaps = {name: (w - reference).abs().max().item() for name, w in finals.items()}

    model, _ = _fresh(case)
    model.eval()
    big = torch.randn(case.inference_batch, *case.image_shape,
                      generator=torch.Generator().manual_seed(13))
    inference = {}
    for name, fn in (("eager", model), ("compiled", torch.compile(model))):
        outputs = []
        with torch.no_grad():
            times = _step_times(lambda xb, _: outputs.append(fn(xb)), [(big, None)] * 21)
        inference[name] = _summary(times)
        inference[name]["nan_calls"] = sum(not bool(o.isfinite().all()) for o in outputs)
    return {"title": case.title, "training": rows, "max_weight_gap": gaps,
            "inference": inference, "inference_batch": case.inference_batch}


def _compile_case_in_child(name: str, steps: int) -> dict:
    """``compile_case`` in a fresh process: a crash inside compiled code cannot take the
    benchmark down with it, and every case starts from the same cold state."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--compile-case", name,
           "--steps", str(steps)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    if done.returncode == 0:
        return json.loads(done.stdout.strip().splitlines()[-1])
    if done.returncode < 0:
        how = f"killed by signal {signal.Signals(-done.returncode).name}"
    else:
        how = f"exit status {done.returncode}"
    last = (done.stderr.strip().splitlines() or ["(no message)"])[-1][-100:]
    return {"title": COMPILE_CASES[name].title, "crashed": how, "message": last}


def compile_table(steps: int, cases: list[str] | None = None) -> dict:
    """``compile_case`` for each model (default: all of COMPILE_CASES), one process each."""
    cases = list(COMPILE_CASES) if cases is None else cases
    unknown = [c for c in cases if c not in COMPILE_CASES]
    if unknown:
        raise ValueError(f"unknown compile case(s) {unknown}; choose from {list(COMPILE_CASES)}.")
    return {"steps": steps, "models": {c: _compile_case_in_child(c, steps) for c in cases}}


def _torchrun(nproc: int, batch: int, epochs: int) -> dict:
    """helpers.distributed under torchrun: the JSON it writes plus the whole call's wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ddp.json"
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
               str(nproc), "-m", "helpers.distributed", "--batch", str(batch), "--epochs",
               str(epochs), "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, timeout=600)
        whole = time.perf_counter() - start
        result = json.loads(out.read_text())
    result["whole_s"] = whole
    return result


def ddp_table(epochs: int = 5) -> dict:
    """FizzBuzz F3: torchrun with 1 process x 64 and 2 processes x 32, same global batch."""
    from helpers.distributed import reference_run

    single = reference_run(batch=64, epochs=epochs)   # plain, in this process: the reference
    rows = {}
    for name, nproc, batch in (("torchrun 1 x 64", 1, 64), ("torchrun 2 x 32", 2, 32)):
        run = _torchrun(nproc, batch, epochs)
        gap = max(abs(a - b) for a, b in zip(run["weights"], single["weights"]))
        rows[name] = {"whole_s": run["whole_s"], "epochs_s": sum(run["epoch_times"]),
                      "max_weight_gap": gap}
    return {"epochs": epochs, "runs": rows}


def markdown(report: dict) -> str:
    """The tables, as Markdown."""
    lines = []
    if "compile" in report:
        c = report["compile"]
        for m in c["models"].values():
            if "crashed" in m:
                lines += [f"**Training: {m['title']}**: the process running this case crashed "
                          f"({m['crashed']}; last message: `{m['message']}`), so it has no "
                          "timings.", ""]
                continue
            lines += [f"**Training: {m['title']}, {c['steps']} steps**", "",
                      "| runner | first step (s) | median step after it (ms) | ratio to hand | "
                      "max weight gap to hand |", "|---|---:|---:|---:|---:|"]
            hand = m["training"]["hand (eager)"]["median_ms"]
            for name, r in m["training"].items():
                if "failed_step" in r:
                    what = ("NaN loss, stopped by v5's check" if r["error"] == "NaN loss"
                            else f"error: `{r['error']}`")
                    lines.append(f"| {name} | failed at step {r['failed_step']} ({what}) | - | - "
                                 "| - |")
                    continue
                lines.append(f"| {name} | {r['first_s']:.2f} | {r['median_ms']:.3f} | "
                             f"{r['median_ms'] / hand:.2f}x | {m['max_weight_gap'][name]:.1e} |")
            lines += ["", f"**Inference: the same model, batch {m['inference_batch']}**", "",
                      "| runner | first call (s) | median call after it (ms) | ratio to eager |",
                      "|---|---:|---:|---:|"]
            eager = m["inference"]["eager"]["median_ms"]
            for name, r in m["inference"].items():
                nan = f" ({r['nan_calls']} of 21 calls NaN)" if r.get("nan_calls") else ""
                lines.append(f"| {name}{nan} | {r['first_s']:.2f} | {r['median_ms']:.3f} | "
                             f"{r['median_ms'] / eager:.2f}x |")
            lines.append("")
    if "ddp" in report:
        d = report["ddp"]
        lines += [f"**Data parallel: FizzBuzz F3, {d['epochs']} epochs, global batch 64**", "",
                  "| runner | whole call (s) | training epochs (s) | max weight gap to one "
                  "process without DDP |", "|---|---:|---:|---:|"]
        for name, r in d["runs"].items():
            lines.append(f"| {name} | {r['whole_s']:.2f} | {r['epochs_s']:.3f} | "
                         f"{r['max_weight_gap']:.1e} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def gates_ok(report: dict) -> bool:
    """Every run that finished reached the reference weights (the timings compare like with like).

    A compiled run that failed (a NaN loss, an error, a crashed process) is reported in its table,
    not counted here.
    """
    ok = True
    for m in report.get("compile", {}).get("models", {}).values():
        if "crashed" not in m:
            ok &= max(m["max_weight_gap"].values()) < TOLERANCE
    for r in report.get("ddp", {}).get("runs", {}).values():
        ok &= r["max_weight_gap"] < DDP_TOLERANCE
    return ok


def run(steps: int = 60, compile_cases: list[str] | None = None, ddp: bool = True) -> dict:
    """Both tables (or the parts asked for), with the load average before and after."""
    report = {"load_start": list(os.getloadavg())}
    if compile_cases != []:
        report["compile"] = compile_table(steps, compile_cases)
    if ddp:
        report["ddp"] = ddp_table()
    report["load_end"] = list(os.getloadavg())
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="training steps per runner")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument("--skip-compile", action="store_true")
    parser.add_argument("--skip-ddp", action="store_true")
    parser.add_argument("--compile-case", choices=list(COMPILE_CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.steps < 2:
        parser.error("--steps must be at least 2 (the first step is reported apart)")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    if args.compile_case:   # the child process of _compile_case_in_child: one JSON line out
        print(json.dumps(compile_case(COMPILE_CASES[args.compile_case], args.steps)))
        return 0
    try:
        report = run(args.steps, [] if args.skip_compile else None, not args.skip_ddp)
    finally:
        torch.set_num_threads(threads)
    print(markdown(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    if not gates_ok(report):
        print("FAILED: a runner did not reach the reference weights.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
