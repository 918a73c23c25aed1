"""The "ball" data set of the Extra chapter: points inside a 10-dimensional ball, two classes.

Recipe (all NumPy, seeded):

1. draw ``n_points`` standard-normal points in ``n_dims`` dimensions and push them onto the sphere
   of radius ``sqrt(n_dims)``;
2. unless ``only_sphere``, pull each point towards the centre by ``U ** (1 / n_dims)`` with U uniform
   in [0, 1): this fills the ball uniformly;
3. divide every coordinate (and the radius) by the standard deviation of all coordinates, so the
   features have a pooled standard deviation of 1 (and a mean close to 0);
4. label a point **positive** (1) when the absolute value of the **sum of its coordinates** is larger
   than ``classif_radius_fraction`` times the (rescaled) radius, negative (0) otherwise. The sum of
   the coordinates is the distance along the diagonal direction (1, 1, ..., 1) times
   ``sqrt(n_dims)``: the negatives live in a slab around the hyperplane through the centre that is
   perpendicular to the diagonal, the positives on both sides of it. (It is *not* "inside half the
   radius": in 10 dimensions only 0.5**10, about 0.1%, of a ball lies inside half its radius.)
5. shuffle (after re-seeding with ``seed``).

``load_data()`` returns ``X`` with shape (n_points, n_dims) and ``y`` with shape (n_points, 1), both
float32 NumPy arrays. With the defaults there are 612 positives and 388 negatives.
"""
from __future__ import annotations

import numpy as np

from helpers.checks import check_bool, check_fraction, check_positive_int, check_seed

__all__ = ["load_data"]


def load_data(n_dims: int = 10, n_points: int = 1000, classif_radius_fraction: float = 0.5,
              only_sphere: bool = False, shuffle: bool = True,
              seed: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: points in a ball and a 0/1 label from the sum of their coordinates."""
    n_dims = check_positive_int("n_dims", n_dims, minimum=2)
    n_points = check_positive_int("n_points", n_points, minimum=2)
    fraction = check_fraction("classif_radius_fraction", classif_radius_fraction,
                              low=0.0, high=1.0, inclusive=True)
    only_sphere = check_bool("only_sphere", only_sphere)
    shuffle = check_bool("shuffle", shuffle)
    seed = check_seed("seed", seed)

    rng = np.random.RandomState(seed)
    radius = np.sqrt(n_dims)
    points = rng.normal(size=(n_points, n_dims))
    points = points / np.linalg.norm(points, axis=1, keepdims=True) * radius
    if not only_sphere:
        points = points * rng.uniform(size=(n_points, 1)) ** (1 / n_dims)
    scale = 1 / points.std()
    points = points * scale
    radius = radius * scale
    y = (np.abs(points.sum(axis=1)) > fraction * radius).astype(np.float32).reshape(-1, 1)
    X = points.astype(np.float32)
    if shuffle:
        order = np.random.RandomState(seed).permutation(n_points)
        X, y = X[order], y[order]
    return X, y
