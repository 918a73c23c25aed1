"""Smoke tests for helpers/plots/chapter3.py: each figure builds; bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.metrics import threshold_sweep
from helpers.plots import chapter3 as p3

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 2))
Y = (X[:, 0] > 0).astype(int)
PROBS = np.clip(0.5 + X[:, 0] / 4, 0, 1)
W, B = np.array([[1.2, -1.9]]), np.array([-0.06])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("make", [
    lambda: p3.plot_moons(X, Y, X[:5], Y[:5]),
    p3.plot_odds_ratio,
    p3.plot_log_odds,
    p3.plot_sigmoid,
    p3.plot_logistic_diagram,
    lambda: p3.plot_decision_boundary(W, B, X, Y),
    p3.plot_separability,
    lambda: p3.plot_probability_line(Y, PROBS),
    lambda: p3.plot_probability_line(Y, PROBS, threshold=0.3, split=True, annotate=True),
    lambda: p3.plot_contour_and_line(W, B, X, Y, PROBS),
    lambda: p3.plot_roc_pr_points(threshold_sweep(Y, PROBS, [0.3, 0.5, 0.7])),
    lambda: p3.plot_roc_pr_curves([0, 0.5, 1], [0, 0.8, 1], [1, 0.9, 0.5], [0, 0.6, 1],
                                  worst_precision=0.5, title="t"),
    lambda: p3.plot_precision_quirk(Y, PROBS),
])
def test_every_figure_builds(make):
    assert isinstance(make(), Figure)


def test_decision_boundary_has_a_3d_panel_and_the_boundary_line():
    fig = p3.plot_decision_boundary(W, B, X, Y)
    assert any(ax.name == "3d" for ax in fig.axes)
    boundary = [line for line in fig.axes[-2].get_lines() if line.get_color() == "gray"]
    assert len(boundary) == 1
    x1, x2 = boundary[0].get_data()
    # The line is z = 0: b + w1 x1 + w2 x2 = 0
    np.testing.assert_allclose(B[0] + W[0, 0] * x1 + W[0, 1] * x2, 0, atol=1e-12)


def test_probability_line_colours_edges_by_prediction_and_fill_by_label():
    fig = p3.plot_probability_line([0, 1], [0.7, 0.2], threshold=0.5)
    points = fig.axes[0].collections[0]
    fill = [tuple(np.round(c, 3)) for c in points.get_facecolors()]
    edge = [tuple(np.round(c, 3)) for c in points.get_edgecolors()]
    assert fill[0] == edge[1] and fill[1] == edge[0]  # both points are misclassified


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"shape \(n_points, 2\)"):
        p3.plot_moons(X[:, :1], Y, X, Y)
    with pytest.raises(ValueError, match="two numbers"):
        p3.plot_decision_boundary([1, 2, 3], B, X, Y)
    with pytest.raises(ValueError, match="sigmoid"):
        p3.plot_probability_line(Y, PROBS * 5)
    with pytest.raises(ValueError, match="threshold"):
        p3.plot_probability_line(Y, PROBS, threshold=2)
    with pytest.raises(ValueError, match="keys"):
        p3.plot_roc_pr_points({"tpr": [1]})
    with pytest.raises(ValueError, match="equal length"):
        p3.plot_roc_pr_curves([0, 1], [0], [1], [1])
