"""The facts chapter 4 uses to explain its ReLU model's 100% validation accuracy.

The chapter's split of the 5x5 line images (seed 13, 80/20) and the bound it quotes: a mean binary
cross-entropy L allows at most L / ln 2 of the points to be misclassified.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from data_generation.image_lines import make_lines
from helpers.data import index_splitter


@pytest.fixture(scope="module")
def chapter4_split():
    images, labels = make_lines(img_size=5, n_images=300, binary=True, seed=13)
    train, val = (part.indices for part in index_splitter(len(images), [80, 20]))
    return images[train], labels[train], images[val], labels[val]


def test_every_validation_image_is_also_a_training_image(chapter4_split):
    x_train, _, x_val, _ = chapter4_split
    seen = {image.tobytes() for image in x_train}
    assert len(seen) == 25
    assert sum(image.tobytes() in seen for image in x_val) == len(x_val) == 60


def test_class_counts_training_2_to_1_validation_24_to_36(chapter4_split):
    _, y_train, _, y_val = chapter4_split
    assert np.bincount(y_train).tolist() == [80, 160]
    assert np.bincount(y_val).tolist() == [24, 36]


def test_a_validation_label_never_contradicts_a_training_label(chapter4_split):
    """Same picture, same label: separating the training pictures is enough for 100%."""
    x_train, y_train, x_val, y_val = chapter4_split
    label_of = {}
    for image, label in zip(x_train, y_train):
        assert label_of.setdefault(image.tobytes(), label) == label
    assert all(label_of[image.tobytes()] == label for image, label in zip(x_val, y_val))


@pytest.mark.parametrize("seed", range(5))
def test_accuracy_is_at_least_one_minus_bce_over_ln2(seed):
    generator = torch.Generator().manual_seed(seed)
    probs = torch.rand(200, generator=generator)
    labels = (torch.rand(200, generator=generator) < .6).float()
    loss = F.binary_cross_entropy(probs, labels).item()
    accuracy = ((probs > .5).float() == labels).float().mean().item()
    assert accuracy >= 1 - loss / math.log(2) - 1e-6


def test_the_bound_is_tight_for_a_coin_flip_on_every_point():
    probs = torch.full((10,), .5)
    labels = torch.ones(10)
    loss = F.binary_cross_entropy(probs, labels).item()
    # every point wrong (0.5 is not above the threshold) and the bound says "at least 0%"
    assert loss == pytest.approx(math.log(2))
    assert 1 - loss / math.log(2) == pytest.approx(0.0, abs=1e-6)
