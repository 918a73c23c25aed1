"""Lightning and Ignite runners of the benchmark reach the hand-written loop's parameters.

Run by ``make bench`` after ``pip install -r bench/requirements.txt`` (these frameworks are not
part of the book's environment, so ``make test`` does not collect this folder).
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_bench import bench, train  # noqa: E402,F401  (the fixture and helper are shared)


@pytest.mark.parametrize("runner, module", [("lightning", "pytorch_lightning"),
                                            ("ignite", "ignite")])
def test_framework_runner_reaches_the_same_parameters(bench, runner, module):
    importlib.import_module(module)  # installed by `make bench` (bench/requirements.txt)
    hand, _ = train(bench, "hand")
    other, n_ticks = train(bench, runner)
    assert n_ticks == 10
    torch.testing.assert_close(bench.flat_params(other), bench.flat_params(hand),
                               rtol=0, atol=1e-6)
