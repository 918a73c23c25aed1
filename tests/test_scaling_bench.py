"""bench/scaling_bench.py renders its tables and gates on the weights (no timing is asserted)."""
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "scaling_bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("scaling_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["scaling_bench"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("scaling_bench", None)


def _report(gap=2e-8, ddp_gap=6e-8):
    run = {"first_s": 1.0, "median_ms": 2.0}
    fast = {"first_s": 30.0, "median_ms": 1.0}
    model = {"title": "CNN2", "inference_batch": 256,
             "training": {"hand (eager)": run, "StepByStep v5": run,
                          "StepByStep v5 + compile": fast},
             "max_weight_gap": {"hand (eager)": 0.0, "StepByStep v5": 0.0,
                                "StepByStep v5 + compile": gap},
             "inference": {"eager": run, "compiled": fast}}
    return {"compile": {"steps": 20, "models": {"cnn2": model}},
            "ddp": {"epochs": 5, "runs": {
                "torchrun 1 x 64": {"whole_s": 8.0, "epochs_s": 0.4, "max_weight_gap": 0.0},
                "torchrun 2 x 32": {"whole_s": 9.0, "epochs_s": 0.5, "max_weight_gap": ddp_gap}}}}


def test_markdown_puts_compiled_and_eager_side_by_side(bench):
    page = bench.markdown(_report())
    assert "| StepByStep v5 + compile | 30.00 | 1.000 | 0.50x | 2.0e-08 |" in page
    assert "| compiled | 30.00 | 1.000 | 0.50x |" in page
    assert "| torchrun 2 x 32 | 9.00 | 0.500 | 6.0e-08 |" in page


def test_the_gate_fails_when_a_runner_ends_elsewhere(bench):
    assert bench.gates_ok(_report())
    assert not bench.gates_ok(_report(gap=1e-3))
    assert not bench.gates_ok(_report(ddp_gap=1e-4))
    crashed = _report()
    crashed["compile"]["models"]["cnn2"] = {"title": "CNN2", "crashed": "exit status 1",
                                            "message": "boom"}
    assert bench.gates_ok(crashed) and "crashed (exit status 1" in bench.markdown(crashed)
    with pytest.raises(ValueError, match="unknown compile case"):
        bench.compile_table(3, ["resnet"])


def test_arguments_are_checked(bench):
    with pytest.raises(SystemExit):
        bench.main(["--steps", "1"])
    assert bench.main(["--skip-compile", "--skip-ddp"]) == 0
