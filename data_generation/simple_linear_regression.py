"""The synthetic data of chapters 0 to 2.1: y = b + w x + noise, and its shuffled split.

The draws use NumPy's legacy global generator in a fixed order (x, then noise, then the shuffle),
so that seed 42 gives the numbers printed in the book: ``x_train[0] = 0.7713``,
``y_train[0] = 2.4745``.

Run as a script (``%run -i data_generation/simple_linear_regression.py`` from the repository root,
or import it) it leaves ``x, y, idx, train_idx, val_idx, x_train, y_train, x_val, y_val``
in the namespace.
"""
from __future__ import annotations

import numpy as np

from helpers.checks import (check_fraction, check_non_negative, check_positive, check_positive_int,
                            check_seed)

__all__ = ["make_linear_data", "split_indices"]


def make_linear_data(n_points: int = 100, true_b: float = 1.0, true_w: float = 2.0,
                     noise_std: float = 0.1, seed: int | None = 42,
                     x_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)`` of shape (n_points, 1) with x ~ U[0, x_scale) and y = b + w x + noise."""
    n_points = check_positive_int("n_points", n_points, minimum=2)
    noise_std = check_non_negative("noise_std", noise_std)
    x_scale = check_positive("x_scale", x_scale)
    seed = check_seed("seed", seed, allow_none=True)
    if seed is not None:
        np.random.seed(seed)
    x = np.random.rand(n_points, 1) * x_scale
    epsilon = noise_std * np.random.randn(n_points, 1)
    y = true_b + true_w * x + epsilon
    return x, y


def split_indices(n_points: int, train_fraction: float = 0.8,
                  seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``arange(n_points)`` and return ``(train_idx, val_idx)``.

    With ``seed=None`` the shuffle continues the global NumPy stream, which is how the book
    draws its split right after the data (same seed, no re-seeding in between).
    """
    n_points = check_positive_int("n_points", n_points, minimum=2)
    train_fraction = check_fraction("train_fraction", train_fraction)
    seed = check_seed("seed", seed, allow_none=True)
    n_train = int(n_points * train_fraction)
    if n_train == 0 or n_train == n_points:
        raise ValueError(
            f"train_fraction={train_fraction} leaves an empty set out of {n_points} points; "
            "pick a fraction that keeps at least one point on each side.")
    if seed is not None:
        np.random.seed(seed)
    idx = np.arange(n_points)
    np.random.shuffle(idx)
    return idx[:n_train], idx[n_train:]


# When executed with `%run -i`, build the chapter's variables in the caller's namespace.
if __name__ == "__main__":
    true_b, true_w, N = 1, 2, 100
    x, y = make_linear_data(N, true_b, true_w, seed=42)
    # the split continues the same NumPy stream, right after the noise
    train_idx, val_idx = split_indices(N, 0.8)
    idx = np.concatenate([train_idx, val_idx])  # the shuffled order, training part first
    # pick the rows of each array twice: once for training, once for validation
    (x_train, x_val), (y_train, y_val) = ((arr[train_idx], arr[val_idx]) for arr in (x, y))
