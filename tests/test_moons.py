"""Tests for data_generation/moons.py (chapter 3's data)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons

from data_generation.moons import make_moons_data, split_and_standardize


def test_shapes_labels_and_determinism():
    X, y = make_moons_data()
    assert X.shape == (100, 2) and y.shape == (100,)
    assert set(np.unique(y)) == {0, 1} and y.sum() == 50
    X2, y2 = make_moons_data()
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_moons_data(random_state=1)
    assert not np.allclose(X, X3)


def test_matches_scikit_learn_directly():
    X, y = make_moons_data(n_samples=60, noise=0.2, random_state=5)
    X_ref, y_ref = make_moons(n_samples=60, noise=0.2, random_state=5)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_split_and_standardize_gives_the_books_sets():
    X_train, X_val, y_train, y_val, scaler = split_and_standardize(*make_moons_data())
    assert X_train.shape == (80, 2) and X_val.shape == (20, 2)
    assert (int(y_train.sum()), int(y_val.sum())) == (39, 11)
    assert list(y_train[:4]) == [1, 1, 1, 0]
    np.testing.assert_allclose(scaler.mean_, [0.4777, 0.2713], atol=1e-4)
    np.testing.assert_allclose(scaler.scale_, [0.8935, 0.5969], atol=1e-4)
    # Training statistics only: the training set is exactly standardized, validation is not
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X_train.std(axis=0), 1, atol=1e-12)
    assert not np.allclose(X_val.mean(axis=0), 0, atol=1e-3)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="n_samples"):
        make_moons_data(n_samples=1)
    with pytest.raises(ValueError, match="noise"):
        make_moons_data(noise=-0.1)
    with pytest.raises(TypeError, match="random_state"):
        make_moons_data(random_state=1.5)
    with pytest.raises(ValueError, match="random_state"):
        make_moons_data(random_state=-1)
    X, y = make_moons_data()
    with pytest.raises(ValueError, match="val_fraction"):
        split_and_standardize(X, y, val_fraction=1.0)
    with pytest.raises(ValueError, match="2-D"):
        split_and_standardize(X[:, 0], y)
    with pytest.raises(ValueError, match="one label per row"):
        split_and_standardize(X, y[:10])
    with pytest.raises(ValueError, match="empty set"):
        split_and_standardize(X[:3], y[:3], val_fraction=0.9)
