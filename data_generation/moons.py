"""The two-moons data of chapter 3: a small, noisy, two-feature binary classification problem.

``make_moons_data`` draws the points with scikit-learn's ``make_moons`` (no download: the points
are computed); ``split_and_standardize`` splits them into training and validation sets and
standardizes both with a scaler fitted on the training set only. With the defaults you get the
book's data: 80 training points (39 positive) and 20 validation points (11 positive).
"""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from data_generation._checks import check_fraction, check_non_negative, check_positive_int

__all__ = ["make_moons_data", "split_and_standardize"]


def _check_seed(name: str, value) -> int:
    """Return ``value`` as an int, or raise ValueError unless it is a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer seed (e.g. 0 or 13), got {value!r}.")
    return int(value)


def make_moons_data(n_samples: int = 100, noise: float = 0.3,
                    random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: X of shape (n_samples, 2), float64, and y of shape (n_samples,), 0 or 1."""
    n_samples = check_positive_int("n_samples", n_samples, minimum=2)
    noise = check_non_negative("noise", noise)
    random_state = _check_seed("random_state", random_state)
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return X, y


def split_and_standardize(X, y, val_fraction: float = 0.2, random_state: int = 13
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, StandardScaler]:
    """Split into train/validation and standardize with statistics of the training set only.

    Returns ``(X_train, X_val, y_train, y_val, scaler)``; ``scaler`` is the fitted
    ``StandardScaler``, to be reused on any new data.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_points, n_features), got shape {X.shape}.")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be 1-D with one label per row of X; got y of shape {y.shape} "
                         f"for X of shape {X.shape}.")
    val_fraction = check_fraction("val_fraction", val_fraction)
    random_state = _check_seed("random_state", random_state)
    n_val = int(np.ceil(len(X) * val_fraction))
    if n_val == 0 or n_val == len(X):
        raise ValueError(f"val_fraction={val_fraction} leaves an empty set out of {len(X)} points; "
                         "choose a fraction that keeps at least one point on each side.")
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=val_fraction,
                                                      random_state=random_state)
    scaler = StandardScaler()
    scaler.fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val, scaler
