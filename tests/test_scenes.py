"""data_generation/scenes.py: exact masks, seeded output, sensible statistics, clear errors."""
from __future__ import annotations

import numpy as np
import pytest
from skimage import draw

from data_generation import scenes
from data_generation.scenes import CLASS_NAMES, VOID, colorize, make_dataset, make_scene


def test_a_circle_is_exactly_skimages_disk():
    # draw the circle's parameters from a twin generator, in the order _shape_pixels draws them
    twin = np.random.default_rng(3)
    radius = twin.uniform(0.09, 0.22) * 64
    row, col = twin.uniform(radius, 64 - radius, size=2)
    rows, cols = scenes._shape_pixels(np.random.default_rng(3), 1, 64)
    expected = np.zeros((64, 64), bool)
    expected[draw.disk((row, col), radius, shape=(64, 64))] = True
    got = np.zeros((64, 64), bool)
    got[rows, cols] = True
    assert np.array_equal(got, expected) and got.sum() > 0.09 ** 2 * np.pi * 64 ** 2 * 0.8


def test_one_shape_scene_labels_exactly_the_pixels_that_were_repainted():
    for seed in range(5):
        image, mask = make_scene(np.random.default_rng(seed), size=48, max_shapes=1)
        labels = set(np.unique(mask).tolist())
        assert labels <= {0, 1, 2, 3} and len(labels) == 2 and 0 in labels
        # the same draws without the shape give the bare background
        rng = np.random.default_rng(seed)
        background = scenes._tint(rng, scenes._crop(rng, "brick", 48, int(rng.integers(1, 3))))
        changed = np.abs(image - background).max(axis=0) > 1e-6  # float32 vs float64
        assert not changed[mask == 0].any()
        assert changed[mask > 0].mean() > 0.9  # a fill pixel can match the wall by chance, rarely


def test_dataset_is_seeded_and_typed():
    images, masks = make_dataset(12, size=32, seed=5)
    again, masks_again = make_dataset(12, size=32, seed=5)
    other, _ = make_dataset(12, size=32, seed=6)
    assert images.shape == (12, 3, 32, 32) and images.dtype == np.float32
    assert masks.shape == (12, 32, 32) and masks.dtype == np.int64
    assert np.array_equal(images, again) and np.array_equal(masks, masks_again)
    assert not np.array_equal(images, other)
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert set(np.unique(masks).tolist()) <= set(range(len(CLASS_NAMES)))


def test_background_dominates_and_every_class_appears():
    _, masks = make_dataset(200, size=64, seed=0)
    frequency = np.bincount(masks.ravel(), minlength=4) / masks.size
    assert 0.8 < frequency[0] < 0.9
    assert (frequency[1:] > 0.02).all()
    assert (masks == 0).any(axis=(1, 2)).all()  # every scene shows some wall


def test_untied_scenes_use_only_grass_and_gravel_for_shapes():
    a, _ = make_dataset(4, size=32, seed=1, tied=True)
    b, _ = make_dataset(4, size=32, seed=1, tied=False)
    assert not np.array_equal(a, b)


def test_colorize_paints_classes_and_void():
    mask = np.array([[0, 1], [3, VOID]])
    rgb = colorize(mask)
    assert rgb.shape == (2, 2, 3)
    assert np.allclose(rgb[0, 1], scenes.CLASS_COLORS[1]) and np.allclose(rgb[1, 1], 1.0)
    with pytest.raises(ValueError, match="labels outside"):
        colorize(np.array([[0, 7]]))
    with pytest.raises(ValueError, match="2-D"):
        colorize(np.zeros((2, 4, 4), int))


@pytest.mark.parametrize("kwargs, error", [
    ({"rng": 0}, TypeError),
    ({"size": 8}, ValueError),
    ({"size": 32.0}, TypeError),
    ({"max_shapes": 0}, ValueError),
    ({"tied": "yes"}, TypeError),
])
def test_make_scene_rejects_bad_arguments(kwargs, error):
    arguments = {"rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(error):
        make_scene(**arguments)


def test_make_dataset_rejects_bad_counts_and_seeds():
    with pytest.raises(ValueError):
        make_dataset(0)
    with pytest.raises(TypeError):
        make_dataset(3, seed="one")
