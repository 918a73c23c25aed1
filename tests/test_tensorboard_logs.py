"""Tests for helpers/tensorboard_logs.py: what SummaryWriter writes, read_run reads back."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.utils.tensorboard import SummaryWriter

from helpers.tensorboard_logs import read_run


def _log(folder, offset=0.0, graph=False):
    writer = SummaryWriter(str(folder))
    if graph:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            writer.add_graph(nn.Sequential(nn.Linear(1, 1)), torch.zeros(4, 1))
    for step in range(5):
        writer.add_scalars("loss", {"training": 1.0 / (step + 1) + offset,
                                    "validation": 2.0 / (step + 1) + offset}, step)
        writer.add_scalar("lr", 0.1 * (step + 1), step)
    writer.close()


def test_read_run_returns_what_was_logged(tmp_path):
    _log(tmp_path / "run", graph=True)
    run = read_run(tmp_path / "run")
    assert run.has_graph
    assert set(run.scalars) == {"training", "validation", "lr"}
    steps, values = run.scalars["training"]
    assert list(steps) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(values, [1.0 / (s + 1) for s in range(5)], rtol=1e-6)
    np.testing.assert_allclose(run.scalars["lr"][1], [0.1, 0.2, 0.3, 0.4, 0.5], rtol=1e-6)
    assert run.messages == []


def test_two_runs_in_one_folder_are_mixed_and_reported(tmp_path):
    _log(tmp_path / "run", graph=True)
    _log(tmp_path / "run", offset=10.0, graph=True)
    run = read_run(tmp_path / "run")
    steps, values = run.scalars["training"]
    assert len(steps) == 10  # both runs' points, one after the other
    assert sorted(steps) == sorted(list(range(5)) * 2)
    assert any("more than one graph" in message for message in run.messages)


def test_bad_folders_raise_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no log folder"):
        read_run(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no TensorBoard event files"):
        read_run(tmp_path / "empty")
