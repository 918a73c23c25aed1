"""The trainer benchmark's runners train the same model to the same parameters.

``bench/run_bench.py`` times four ways of training; its timings only mean something if all four
do the same work. These tests run the runners for a few steps on the chapter-1 linear model.
Lightning and Ignite are installed only for the benchmark (``bench/requirements.txt``): their
runners are tested by ``bench/test_frameworks.py``, which ``make bench`` runs first.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run_bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("run_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_bench"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("run_bench", None)


def train(bench, runner: str, n_epochs: int = 2):
    """Train the linear task for ``n_epochs`` (5 steps each); return the model and tick count."""
    task = bench.TASKS["linear"]
    ticks = []
    model = bench.RUNNER_FUNCS[runner](task, n_epochs, lambda: ticks.append(1))
    return model, len(ticks)


def test_hand_loop_learns_and_ticks_once_per_step(bench):
    task = bench.TASKS["linear"]
    untrained_loss = bench.final_loss(task, bench.build(task)[0])
    model, n_ticks = train(bench, "hand", n_epochs=4)
    assert n_ticks == 4 * task.steps_per_epoch() == 20
    assert bench.final_loss(task, model) < 0.5 * untrained_loss


def test_stepbystep_reaches_the_hand_written_loops_parameters(bench):
    hand, _ = train(bench, "hand")
    sbs, n_ticks = train(bench, "stepbystep")
    assert n_ticks == 10
    torch.testing.assert_close(bench.flat_params(sbs), bench.flat_params(hand),
                               rtol=0, atol=1e-7)
    # and training moved the parameters at all (same start for both)
    start = bench.flat_params(bench.build(bench.TASKS["linear"])[0])
    assert (bench.flat_params(sbs) - start).abs().max() > 1e-3


def test_a_different_data_order_gives_different_parameters(bench):
    """The comparison above can fail: shuffling with another seed changes the result."""
    hand, _ = train(bench, "hand")
    old_seed = bench.TRAIN_SEED
    bench.TRAIN_SEED = old_seed + 1
    try:
        other, _ = train(bench, "hand")
    finally:
        bench.TRAIN_SEED = old_seed
    assert (bench.flat_params(other) - bench.flat_params(hand)).abs().max() > 1e-6


def test_page_and_json_are_written(bench, tmp_path, monkeypatch):
    """A tiny end-to-end run (two runners, one round, 20 steps, no memory subprocesses)."""
    monkeypatch.setattr(bench.TASKS["linear"], "n_epochs", 4)
    code = bench.main(["--tasks", "linear", "--runners", "hand", "stepbystep", "--reps", "1",
                       "--no-memory", "--skip-scaling", "--out-dir", str(tmp_path)])
    assert code == 0
    report = json.loads((tmp_path / "benchmarks.json").read_text())
    res = report["tasks"]["linear"]["runners"]
    assert res["hand"]["ratio_to_hand"] == 1.0 == res["hand"]["paired_cpu_ratio_to_hand"]
    assert res["stepbystep"]["paired_cpu_ratio_to_hand"] > 0
    assert res["stepbystep"]["loss_check_ok"] is True
    assert res["stepbystep"]["per_step"]["median"] > 0
    page = (tmp_path / "benchmarks.md").read_text()
    assert page.count("\n# ") + page.startswith("# ") == 1  # one title
    assert "## Linear regression" in page and "## The loss check" in page


def test_bad_arguments_are_refused(bench):
    with pytest.raises(SystemExit):
        bench.main(["--reps", "0", "--no-memory"])
    with pytest.raises(SystemExit):
        bench.main(["--scaling-steps", "1", "--no-memory"])


def _scaling(compiled_ms: float) -> dict:
    def row(first, ms):
        return {"first_s": first, "median_ms": ms}
    model = {"title": "chapter 6's CNN2(5)", "inference_batch": 256,
             "training": {"hand (eager)": row(0.01, 4.0), "StepByStep v5": row(0.01, 4.1),
                          "StepByStep v5 + compile": row(40.0, compiled_ms)},
             "max_weight_gap": {"hand (eager)": 0.0, "StepByStep v5": 0.0,
                                "StepByStep v5 + compile": 3e-8},
             "inference": {"eager": row(0.02, 10.0), "compiled": row(20.0, 5.0)}}
    return {"load_start": [1.0, 1.0, 1.0], "load_end": [1.0, 1.0, 1.0],
            "compile": {"steps": 60, "models": {"cnn2": model}},
            "ddp": {"epochs": 5, "runs": {
                "torchrun 1 x 64": {"whole_s": 8.0, "epochs_s": 0.05, "max_weight_gap": 0.0},
                "torchrun 2 x 32": {"whole_s": 10.0, "epochs_s": 0.30, "max_weight_gap": 5e-8}}}}


def test_scaling_section_states_what_the_numbers_show(bench):
    faster = "\n".join(bench.scaling_section(_scaling(compiled_ms=2.0)))
    assert "## Compiled vs eager, one process vs two (chapter 19)" in faster
    assert "`StepByStep` v5 takes 1.02× the hand-written loop's time per step" in faster
    assert "pays for itself after about 20,000 steps" in faster   # 40 s / 2 ms saved
    assert "| torchrun 2 x 32 | 10.00 | 0.300 | 5.0e-08 |" in faster
    assert "Two processes train FizzBuzz 6.0× slower than one" in faster
    slower = "\n".join(bench.scaling_section(_scaling(compiled_ms=5.0)))
    assert "Compiling does not pay for training here" in slower and "pays for itself" not in slower
    assert "In this run: it did not strike." in slower
    broken = _scaling(compiled_ms=2.0)
    broken["compile"]["models"]["cnn2"]["training"]["StepByStep v5 + compile"] = {
        "failed_step": 1, "error": "NaN loss"}
    page = "\n".join(bench.scaling_section(broken))
    assert "training stopped at step 1: the loss was NaN" in page
    assert "| StepByStep v5 + compile | failed at step 1 (NaN loss, stopped by v5's check) |" in page
    assert "In this run: it struck (chapter 6's CNN2(5))." in page
    broken["compile"]["models"]["cnn2"]["training"]["StepByStep v5 + compile"]["error"] = "oops"
    page = "\n".join(bench.scaling_section(broken))
    assert "training failed at step 1 inside the generated code (`oops`)" in page
    broken["compile"]["models"]["cnn2"] = {"title": "CNN2(5)", "crashed": "killed by signal "
                                           "SIGABRT", "message": "double free or corruption"}
    page = "\n".join(bench.scaling_section(broken))
    assert "the process running this case crashed (killed by signal SIGABRT" in page
    assert "In this run: it struck (CNN2(5))." in page
