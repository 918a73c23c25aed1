"""Smoke tests for helpers/plots/chapter2.py and chapter2_1.py: each figure builds; bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.plots.chapter2 import plot_losses, plot_tensorboard_scalars
from helpers.plots.chapter2_1 import plot_full_dataset


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_losses():
    losses = np.linspace(1, 0.01, 50)
    fig = plot_losses(losses, losses * 0.9, resumed_at=25)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 3  # training, validation, resume marker
    assert isinstance(plot_losses(losses), Figure)
    with pytest.raises(ValueError, match="one value per epoch"):
        plot_losses(losses, losses[:10])
    with pytest.raises(ValueError, match="non-empty"):
        plot_losses([])


def test_plot_tensorboard_scalars():
    steps = np.arange(10)
    fig = plot_tensorboard_scalars({"training": (steps, steps * 1.0),
                                    "validation": (steps, steps * 2.0)})
    assert isinstance(fig, Figure)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["training", "validation"]
    single = plot_tensorboard_scalars({"training": (np.array([199]), np.array([0.01]))})
    assert single.axes[0].get_lines()[0].get_marker() == "o"
    with pytest.raises(ValueError, match="scalars is empty"):
        plot_tensorboard_scalars({})


def test_plot_full_dataset():
    x = np.linspace(0, 1, 20).reshape(-1, 1)
    fig = plot_full_dataset(x, 1 + 2 * x)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].collections) == 1
    with pytest.raises(ValueError, match="same number"):
        plot_full_dataset(x, x[:5])
