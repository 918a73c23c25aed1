"""Chapter 15's images: scikit-learn's 8x8 digits with their 17 grey values cut to a few levels.

``load_digits`` ships with scikit-learn (no download). Each pixel value v in 0..16 becomes the
level round(v * (levels - 1) / 16), an integer a PixelCNN predicts with a softmax over
``levels`` classes. A seeded permutation splits the 1,797 images into 1,437 for training and 360
for testing.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import load_digits

from helpers.checks import check_int, check_seed

__all__ = ["quantized_digits"]


def quantized_digits(levels: int = 4, seed: int = 13, n_test: int = 360):
    """Return ``(train_levels, train_labels, test_levels, test_labels)``.

    Levels are int64 tensors of shape (N, 8, 8) with values in [0, levels); labels are the digits.
    """
    levels = check_int("levels", levels, minimum=2)
    if levels > 17:
        raise ValueError(f"levels must be at most 17 (the digits hold 17 grey values), got {levels}.")
    seed = check_seed("seed", seed)
    n_test = check_int("n_test", n_test)
    digits = load_digits()
    if n_test >= len(digits.target):
        raise ValueError(f"n_test must be below {len(digits.target)}, got {n_test}.")
    quantized = np.rint(digits.images * (levels - 1) / 16).astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(digits.target))
    test, train = order[:n_test], order[n_test:]
    images, labels = torch.from_numpy(quantized), torch.from_numpy(digits.target.astype(np.int64))
    return images[train], labels[train], images[test], labels[test]
