"""helpers/plots/chapter17.py: each figure draws what it is given, and bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.plots import chapter17 as p17


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_discount_weights_draws_one_line_and_one_horizon_per_gamma():
    fig = p17.discount_weights([0.5, 0.9, 0.99])
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and ax.get_yscale() == "log"
    assert len(ax.lines) == 6  # a curve and a vertical horizon marker each
    assert ax.lines[3].get_xdata()[0] == pytest.approx(10.0)
    with pytest.raises(ValueError):
        p17.discount_weights([1.0])


def test_value_sweeps_marks_the_policy_and_the_switch():
    values = np.array([[4.0, 1.2], [6.8, 3.6], [9.3, 6.2]])
    policies = np.array([[0, 0], [0, 2], [0, 2]])
    gammas = np.linspace(0.3, 0.9, 7)
    fig = p17.value_sweeps(values, policies, ("high", "low"), ("search", "wait", "recharge"),
                           gammas, gammas - 0.5, 10 / 17)
    left, right = fig.axes
    assert len(left.lines) == 2 and len(left.collections) == 3  # high: search; low: search, recharge
    assert right.lines[-1].get_xdata()[0] == pytest.approx(10 / 17)
    with pytest.raises(ValueError):
        p17.value_sweeps(values, policies[:2], ("high", "low"), ("s",), gammas, gammas, 0.5)


def test_lake_values_writes_arrows_except_on_terminal_cells():
    terminal = np.zeros(16, dtype=bool)
    terminal[[5, 7, 11, 12, 15]] = True
    fig = p17.lake_values(np.linspace(0, 1, 16), {"a": np.zeros(16, int), "b": np.full(16, 2)}, terminal)
    assert len(fig.axes) == 2
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert sum(t.startswith("\u2192") for t in texts) == 11 and texts.count("") == 5


def test_learning_curve_smooths_and_draws_the_reference():
    fig = p17.learning_curve({"run": np.ones(100)}, window=10, reference=0.74)
    ax = fig.axes[0]
    assert len(ax.lines[0].get_xdata()) == 91
    assert ax.lines[1].get_ydata()[0] == pytest.approx(0.74)
    with pytest.raises(ValueError, match="window"):
        p17.learning_curve({"short": np.ones(5)}, window=10)


def test_dqn_run_has_a_twin_axis_for_epsilon():
    fig = p17.dqn_run([10, 30], [10.0, 20.0], [20], [15.0], [2.0], np.arange(3), np.ones(3) * 0.5)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylim() == (0.0, 1.0)
    with pytest.raises(ValueError):
        p17.dqn_run([10], [10.0, 20.0], [20], [15.0], [2.0], np.arange(3), np.ones(3))


def test_ablation_curves_one_line_and_band_per_variant():
    fig = p17.ablation_curves([5, 10], {"full": [[100, 500], [200, 500]], "no target": [[9, 9]]})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    assert ax.lines[0].get_ydata().tolist() == [150.0, 500.0]
    with pytest.raises(ValueError):
        p17.ablation_curves([5, 10, 15], {"full": [[1, 2]]})


def test_peer_bars_and_trajectory():
    fig = p17.peer_bars(["ours", "sb3"], [500.0, 200.0], [0.0, 10.0])
    assert [p.get_height() for p in fig.axes[0].patches] == [500.0, 200.0]
    fig = p17.cartpole_trajectory(np.zeros(50), np.zeros(50))
    top, bottom = fig.axes
    assert [line.get_ydata()[0] for line in top.lines[1:]] == [-2.4, 2.4]
    assert bottom.lines[2].get_ydata()[0] == pytest.approx(np.degrees(0.2095))
    with pytest.raises(ValueError):
        p17.peer_bars(["a"], [1.0, 2.0], [0.0])
