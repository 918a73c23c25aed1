"""helpers.plots.chapter14: each figure draws what it is given."""
import math

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from helpers.plots.chapter14 import (anomaly_figure, code_map, gan_curves, image_grid,  # noqa: E402
                                     ring_snapshots, translation_scores)


def test_image_grid_one_axis_per_image_with_titles():
    fig = image_grid(torch.zeros(2, 3, 1, 28, 28), row_titles=["a", "b"], col_titles=["x", "y", "z"])
    axes = fig.get_axes()
    assert len(axes) == 6
    assert axes[0].get_ylabel() == "a" and axes[3].get_ylabel() == "b"
    assert [ax.get_title() for ax in axes[:3]] == ["x", "y", "z"]
    assert axes[0].images[0].get_clim() == (-1, 1)
    assert image_grid(torch.full((1, 2, 28, 28), 200, dtype=torch.uint8)).get_axes()[0] \
        .images[0].get_clim() == (0, 255)
    with pytest.raises(ValueError):
        image_grid(torch.zeros(28, 28))


def test_code_map_one_scatter_per_class_and_a_legend():
    points = np.random.default_rng(0).normal(size=(30, 2))
    fig = code_map(points, np.arange(30) % 3, ["a", "b", "c"])
    ax = fig.get_axes()[0]
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]


def test_anomaly_figure_curves_and_areas_in_the_legend():
    fig = anomaly_figure(np.linspace(0, 1, 50), {"odd": np.linspace(0.5, 2, 20)},
                         {"odd": ([0, 0.5, 1], [0, 0.9, 1], 0.875)})
    left, right = fig.get_axes()
    assert len(right.lines) == 2                               # the curve and chance
    assert "AUC 0.88" in right.get_legend().get_texts()[0].get_text()
    assert len(left.get_legend().get_texts()) == 2


def test_gan_curves_reference_levels():
    log = {k: list(np.linspace(0, 1, 40)) for k in ("loss_d", "loss_g", "d_real", "d_fake")}
    top, bottom = gan_curves(log, smooth=5).get_axes()
    levels = sorted(line.get_ydata()[0] for line in top.lines[2:])
    assert levels == pytest.approx([math.log(2), 2 * math.log(2)])
    assert len(top.lines[0].get_ydata()) == 36                 # running mean of 5 over 40 rounds
    assert bottom.get_ylim() == (0, 1)


def test_ring_snapshots_grid_and_titles():
    real, centres = torch.zeros(10, 2), torch.ones(8, 2)
    runs = {"A": [(100, torch.zeros(5, 2), 1), (200, torch.zeros(5, 2), 0)],
            "B": [(50, torch.zeros(5, 2), 8)]}
    axes = ring_snapshots(real, runs, centres).get_axes()
    assert len(axes) == 6
    assert axes[1].get_title() == "round 100: 1 modes" and axes[3].get_ylabel() == "B"


def test_translation_scores_bars_and_threshold():
    fig = translation_scores({"x": (0.9, 0.1), "y": (0.8, 0.95)}, threshold=0.75)
    ax = fig.get_axes()[0]
    assert [p.get_height() for p in ax.patches] == [0.9, 0.8, 0.1, 0.95]
    assert ax.lines[0].get_ydata()[0] == 0.75
