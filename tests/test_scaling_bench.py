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


def test_markdown_puts_compiled_and_eager_side_by_side(bench):
    run = {"first_s": 1.0, "median_ms": 2.0}
    report = {"load": "1.0 1.0 1.0",
              "compile": {"steps": 20, "training": {"hand (eager)": run, "StepByStep v5": run,
                                                    "StepByStep v5 + compile": run},
                          "max_weight_gap": {"hand (eager)": 0.0, "StepByStep v5": 0.0,
                                             "StepByStep v5 + compile": 2e-8},
                          "inference": {"eager": run, "compiled": run}},
              "ddp": {"one process x 64": {"whole_s": 3.0},
                      "torchrun 2 x 32": {"whole_s": 9.0, "epochs_s": 0.5},
                      "max_weight_gap": 6e-8}}
    page = bench.markdown(report)
    assert "| StepByStep v5 + compile | 1.00 | 2.00 | 2.0e-08 |" in page
    assert "| torchrun 2 x 32 | 9.00 | 0.50 |" in page
    assert "max weight gap, 2 x 32 vs 1 x 64: 6.0e-08" in page


def test_arguments_are_checked(bench):
    with pytest.raises(SystemExit):
        bench.main(["--steps", "1"])
    assert bench.main(["--skip-compile", "--skip-ddp"]) == 0
