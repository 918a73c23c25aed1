"""The two-moons data of chapter 3: a small, noisy, two-feature binary classification problem.

``make_moons_data`` draws the points with scikit-learn's ``make_moons`` (no download: the points
are computed); ``split_and_standardize`` splits them into training and validation sets and
standardizes both with a scaler fitted on the training set only. With the defaults you get the
book's data: 80 training points (39 positive) and 20 validation points (11 positive).
"""
from __future__ import annotations

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from helpers.checks import check_fraction, check_non_negative, check_positive_int, check_seed

__all__ = ["make_moons_data", "split_and_standardize"]


def make_moons_data(n_samples: int = 100, noise: float = 0.3,
                    random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: X of shape (n_samples, 2), float64, and y of shape (n_samples,), 0 or 1."""
    n_samples = check_positive_int("n_samples", n_samples, minimum=2)
    noise = check_non_negative("noise", noise)
    random_state = check_seed("random_state", random_state)
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
    random_state = check_seed("random_state", random_state)
    n_val = int(np.ceil(len(X) * val_fraction))
    if n_val == 0 or n_val == len(X):
        raise ValueError(f"val_fraction={val_fraction} leaves an empty set out of {len(X)} points; "
                         "choose a fraction that keeps at least one point on each side.")
    # train_test_split returns (X_train, X_val, y_train, y_val), in that order
    features_train, features_val, labels_train, labels_val = train_test_split(
        X, y, random_state=random_state, test_size=val_fraction)
    # the scaler learns its means and stds from the training points only
    scaler = StandardScaler().fit(features_train)
    return (scaler.transform(features_train), scaler.transform(features_val),
            labels_train, labels_val, scaler)
