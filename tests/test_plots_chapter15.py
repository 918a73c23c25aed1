"""helpers/plots/chapter15.py: each figure draws what it is given, and bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.nn.autoregressive import raster_mask
from helpers.plots import chapter15 as p15


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_mask_grid_titles_count_the_weights():
    fig = p15.mask_grid({"A": raster_mask("A", 5), "B": raster_mask("B", 5)})
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["A: 12 of 25 weights", "B: 13 of 25 weights"]
    with pytest.raises(ValueError):
        p15.mask_grid({"bad": np.zeros(3)})
    with pytest.raises(ValueError):
        p15.mask_grid({})


def test_dependency_maps_outline_the_position():
    grad = torch.zeros(8, 8)
    grad[:4] = 1.0
    fig = p15.dependency_maps({"eval": grad, "train": grad + 1e-3}, (4, 3))
    assert len(fig.axes) == 2
    box = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)][0]
    assert box.get_xy() == (2.5, 3.5)
    # exact zeros are not coloured (NaN in the image)
    assert np.ma.getmaskarray(fig.axes[0].images[0].get_array())[5, 5]


def test_learning_curves_draw_lines_and_baselines():
    fig = p15.learning_curves({"a": ([1, 2, 3], [3, 2, 1])}, {"uniform": 2.0, "hist": 1.2})
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    assert ax.lines[1].get_ydata()[0] == 2.0
    with pytest.raises(ValueError, match="x has"):
        p15.learning_curves({"a": ([1, 2], [1])})


def test_image_rows_grid():
    fig = p15.image_rows({"one": torch.zeros(3, 8, 8), "two": torch.ones(2, 8, 8)}, vmax=3)
    assert len(fig.axes) == 6
    assert fig.axes[0].get_ylabel() == "one"
    assert not fig.axes[5].axison                 # row "two" has only two images
    with pytest.raises(ValueError):
        p15.image_rows({"bad": torch.zeros(8, 8)})


def test_mu_law_figure_has_both_panels():
    x = np.linspace(-1, 1, 11)
    fig = p15.mu_law_figure(x, x, [0.1, 0.5], {"lin": [10, 40], "mu": [30, 38]})
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 2
    assert fig.axes[1].get_xscale() == "log"
    with pytest.raises(ValueError):
        p15.mu_law_figure(x, x, [0.1], {"lin": [10, 40]})


def test_receptive_field_diagram_counts_inputs():
    fig = p15.receptive_field_diagram({"plain": [1, 1, 1, 1], "dilated": [1, 2, 4, 8]})
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["plain: the last output sees 5 inputs",
                      "dilated: the last output sees 16 inputs"]


def test_waves_and_spectrograms_rows():
    waves = [torch.zeros(800), torch.ones(800)]
    specs = [torch.ones(129, 26), torch.ones(129, 26)]
    fig = p15.waves_and_spectrograms(waves, specs, ["A3", "B3"], 8000)
    assert len(fig.axes) == 4
    assert fig.axes[2].get_ylabel() == "B3"
    assert fig.axes[1].images[0].get_extent()[3] == 4000
    with pytest.raises(ValueError):
        p15.waves_and_spectrograms(waves, specs[:1], ["A3"], 8000)
