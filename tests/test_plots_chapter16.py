"""helpers/plots/chapter16.py: each figure draws what it is given."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from data_generation.scenes import CLASS_NAMES, make_dataset
from helpers.plots import chapter16 as p16


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenes():
    return make_dataset(6, size=32, seed=4)


def test_kernels_panel_per_result_with_numbers():
    image = np.arange(36.0).reshape(6, 6)
    fig = p16.show_kernels(image, {"a": image[:4, :4], "b": image[1:5, 1:5]}, annotate=True)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["input", "a", "b"]
    assert len(fig.axes[1].texts) == 16


def test_scenes_show_images_over_masks_with_a_legend(scenes):
    fig = p16.show_scenes(*scenes, n=4)
    assert len(fig.axes) == 8
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(CLASS_NAMES)
    assert fig.axes[0].images[0].get_array().shape == (32, 32, 3)


def test_overlaps_one_heat_map_each():
    fig = p16.show_overlaps({"k3": np.ones((9, 9)), "k4": np.ones((8, 8))})
    assert [ax.get_title() for ax in fig.axes] == ["k3", "k4"]


def test_triptychs_have_a_row_per_model(scenes):
    images, masks = scenes
    fig = p16.show_triptychs(images[:3], masks[:3], {"m1": masks[:3], "m2": masks[:3]})
    assert len(fig.axes) == 4 * 3
    assert [fig.axes[3 * r].get_ylabel() for r in range(4)] == ["image", "truth", "m1", "m2"]


def test_iou_bars_one_bar_per_model_and_class():
    fig = p16.plot_iou_bars({"a": [0.9, 0.5, 0.4, 0.3], "b": [0.95, 0.8, 0.7, 0.6]})
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert len(ax.patches) == 8 and heights[-1] == 0.95
    assert ax.get_ylim() == (0, 1)


def test_curves_one_line_per_model_on_both_panels():
    fig = p16.plot_curves({"a": {"loss": [1, 0.5], "val_miou": [0.2, 0.4]},
                           "b": {"loss": [1, 0.4, 0.3], "val_miou": [0.3, 0.5, 0.6]}})
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert fig.axes[1].get_title() == "Validation mIoU"


def test_pairs_show_void_in_white(scenes):
    images, masks = scenes
    masks = masks[:2].copy()
    masks[0, 0, 0] = 255
    fig = p16.show_pairs(images[:2], masks, title="draws")
    assert fig._suptitle.get_text() == "draws"
    assert np.allclose(fig.axes[2].images[0].get_array()[0, 0], 1.0)
