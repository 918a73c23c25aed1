"""helpers/plots/chapter13.py: each figure draws what it is given, and bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers.plots import chapter13 as p13


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


RNG = np.random.default_rng(0)


def test_channels_draws_the_photo_and_three_channels():
    image = RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    fig = p13.plot_channels(image, "noise")
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert fig.axes[0].get_title() == "noise (20x30x3)"
    assert np.array_equal(fig.axes[2].images[0].get_array(), image[:, :, 1])
    with pytest.raises(ValueError, match="RGB"):
        p13.plot_channels(image[:, :, :2])
    with pytest.raises(ValueError, match="3 dimensions"):
        p13.plot_channels(image[:, :, 0])


def test_batch_moves_channels_last():
    batch = RNG.random((2, 3, 8, 8))
    fig = p13.plot_batch(batch, ["a", "b"])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert fig.axes[1].images[0].get_array().shape == (8, 8, 3)
    with pytest.raises(ValueError, match="one title per image"):
        p13.plot_batch(batch, ["a"])


def test_volume_slices_and_hounsfield_panel():
    volume = RNG.random((10, 16, 12))
    fig = p13.plot_volume(volume)
    assert len(fig.axes) == 3
    assert fig.axes[1].images[0].get_array().shape == (10, 12)   # coronal: depth x width
    with_ct = p13.plot_volume(volume, hounsfield=RNG.random((5, 5)), spacing=(5, 1, 1))
    assert len(with_ct.axes) == 5                                  # 4 panels + a colour bar
    assert with_ct.axes[4].get_ylabel() == "Hounsfield units"
    with pytest.raises(ValueError):
        p13.plot_volume(volume[0])


def test_threshold_draws_a_histogram_per_class_and_the_lines():
    values = RNG.random(30) * 1000
    labels = np.repeat([0, 1, 2], 10)
    fig = p13.plot_threshold(values, labels, {"mean": 500.0, "strict": 800.0})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.lines[0].get_xdata()[0] == 500.0
    assert len(ax.containers) == 3
    with pytest.raises(ValueError, match="same length"):
        p13.plot_threshold(values, labels[:5], {"mean": 1.0})


def test_bike_hours_heatmap_and_two_profiles():
    counts = RNG.poisson(100, (14, 24))
    working = np.array([True, False] * 7)
    fig = p13.plot_bike_hours(counts, working)
    right = fig.axes[1]
    assert len(right.lines) == 2
    assert np.allclose(right.lines[0].get_ydata(), counts[working].mean(axis=0))
    with pytest.raises(ValueError, match="days x 24"):
        p13.plot_bike_hours(counts[:, :12], working)


def test_top_classes_one_panel_per_entry():
    fig = p13.plot_top_classes({"a": [("cat", 80.0), ("dog", 15.0)], "b": [("cup", 50.0)]})
    assert len(fig.axes) == 2 and fig.axes[0].get_title() == "a"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["dog", "cat"]
    with pytest.raises(ValueError):
        p13.plot_top_classes({})


def test_garments_grid_titles():
    fig = p13.plot_garments(RNG.random((7, 1, 28, 28)), [0, 1, 1, 0, 0, 1, 0], ["tee", "shirt"])
    titles = [ax.get_title() for ax in fig.axes]
    assert len(fig.axes) == 10 and titles[:3] == ["tee", "shirt", "shirt"] and titles[-1] == ""


def test_losses_by_probability_and_shift_probe():
    p = np.linspace(0.1, 0.9, 5)
    fig = p13.plot_losses_by_probability(p, {"nll": -np.log(p), "mse": (1 - p) ** 2})
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="values for"):
        p13.plot_losses_by_probability(p, {"bad": [1.0]})
    fig = p13.plot_shift_probe(RNG.random((1, 28, 28)), RNG.random((1, 28, 28)),
                               {"net": (0.8, 0.5), "aug": (0.78, 0.75)})
    bars = fig.axes[2].patches
    assert len(bars) == 4 and bars[0].get_height() == pytest.approx(80.0)


def test_training_curves_two_lines_per_net_and_panel():
    history = {"train_loss": [0.5, 0.3, 0.2], "val_loss": [0.55, 0.4, 0.45],
               "train_accuracy": [0.8, 0.9, 0.95], "val_accuracy": [0.78, 0.85, 0.84]}
    fig = p13.plot_training_curves({"first": history, "deep": history})
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 4 and len(acc_ax.lines) == 4
    assert list(acc_ax.lines[1].get_ydata()) == pytest.approx([78, 85, 84])
    assert list(loss_ax.lines[0].get_xdata()) == [1, 2, 3]
    assert acc_ax.lines[2].get_label() == "deep, training" and acc_ax.get_ylabel() == "accuracy (%)"
    with pytest.raises(ValueError, match="lacks"):
        p13.plot_training_curves({"bad": {"train_loss": [1.0]}})
    with pytest.raises(ValueError, match="equal, non-zero length"):
        p13.plot_training_curves({"bad": {**history, "val_loss": [0.5]}})
