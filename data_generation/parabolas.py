"""Two nested parabolas, the two-dimensional data set of the Bonus chapter (Feature Space).

Class 0 (negative, drawn in red) lies on the upper curve ``x1 = x0 ** 2`` and class 1 (positive,
drawn in blue) on the same curve shifted down by ``gap``: ``x1 = x0 ** 2 - gap``. The ``x0``
values are evenly spaced on ``xlim`` (no noise), so the vertical distance between the classes is
exactly ``gap`` at every ``x0``. No straight line separates the two classes, which is the point:
a model has to bend the space before its last (logistic) layer can cut it with a line.

The rows are shuffled with NumPy's legacy generator seeded with ``seed``.
"""
from __future__ import annotations

import numpy as np

from helpers.checks import check_positive, check_positive_int, check_seed

__all__ = ["make_parabolas"]


def make_parabolas(n_points: int = 1000, xlim: tuple[float, float] = (-1.0, 1.0),
                   gap: float = 0.5, seed: int | None = 13) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: X of shape (2 * n_points, 2), y of shape (2 * n_points, 1), float.

    ``n_points`` points per class; ``seed=None`` leaves the rows in order (all zeros, then all
    ones) instead of shuffling them.
    """
    n_points = check_positive_int("n_points", n_points, minimum=2)
    try:
        low, high = (float(v) for v in xlim)
    except (TypeError, ValueError):
        raise TypeError(f"xlim must be a pair of numbers (low, high), got {xlim!r}.") from None
    if not low < high:
        raise ValueError(f"xlim must be (low, high) with low < high, got {xlim!r}.")
    gap = check_positive("gap", gap)
    seed = check_seed("seed", seed, allow_none=True)

    x0 = np.linspace(low, high, n_points)
    upper = np.stack([x0, x0 ** 2], axis=1)
    lower = np.stack([x0, x0 ** 2 - gap], axis=1)
    X = np.concatenate([upper, lower])
    y = np.concatenate([np.zeros(n_points), np.ones(n_points)]).reshape(-1, 1)
    if seed is not None:
        np.random.seed(seed)
        shuffled = np.random.permutation(len(X))
        X, y = X[shuffled], y[shuffled]
    return X, y
