"""Figures of helpers/plots/chapter6.py: each test checks something the figure draws."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from helpers.plots.chapter6 import plot_bias_correction, plot_plateau, plot_schedule_grid


def test_bias_correction_draws_one_curve_per_beta_and_three_series():
    t = np.arange(1, 101)
    sums = {"beta 0.9": 1 - 0.9 ** t, "beta 0.99": 1 - 0.99 ** t}
    values = np.ones(100)
    fig = plot_bias_correction(sums, values, 1 - 0.99 ** t, values, beta=0.99)
    left, right = fig.axes
    assert len(left.get_lines()) == 3  # two betas and the line at one
    assert left.get_xscale() == "log"
    assert [line.get_label() for line in right.get_lines()] == [
        "Values", "EWMA", "Bias-corrected EWMA"]
    assert right.get_title() == "beta = 0.99"
    plt.close(fig)


def test_schedule_grid_has_a_panel_per_scheduler_and_hides_the_rest():
    schedules = {"a": ([0.1, 0.05, 0.025], "Epoch"), "b": (np.linspace(0, 1, 50), "Mini-batch"),
                 "c": ([1.0, 1.0], "Epoch")}
    fig = plot_schedule_grid(schedules, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["a", "b", "c"]
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()
    assert visible[1].get_xlabel() == "Mini-batch"
    assert np.isclose(visible[0].get_ylim()[1], 0.11)
    plt.close(fig)


def test_plateau_draws_the_loss_and_the_rate_on_two_axes():
    fig = plot_plateau([1.0, 0.9, 0.95], [0.1, 0.1, 0.05], title="demo")
    loss_ax, rate_ax = fig.axes
    assert loss_ax.get_title() == "demo"
    assert list(loss_ax.get_lines()[0].get_ydata()) == [1.0, 0.9, 0.95]
    assert rate_ax.get_yscale() == "log"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "Validation loss", "Learning rate"]
    plt.close(fig)
