"""The chapter 0-2.1 data: y = 1 + 2x + noise, split 80/20 as in the book."""
import numpy as np
import pytest

from data_generation.simple_linear_regression import make_linear_data, split_indices


def test_shapes_and_book_values():
    x, y = make_linear_data()
    assert x.shape == y.shape == (100, 1)
    train_idx, val_idx = split_indices(100)
    assert train_idx[:5].tolist() == [76, 83, 80, 98, 2]
    assert val_idx.tolist() == [36, 5, 45, 99, 43, 16, 48, 94, 34, 3, 18, 47, 60, 68, 63, 27,
                                96, 29, 20, 97]
    assert x[train_idx][0, 0] == pytest.approx(0.7713, abs=1e-4)
    assert y[train_idx][0, 0] == pytest.approx(2.4745, abs=1e-4)


def test_same_seed_same_data_and_other_seed_other_data():
    a = make_linear_data(seed=3)
    b = make_linear_data(seed=3)
    c = make_linear_data(seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_least_squares_recovers_the_true_line():
    x, y = make_linear_data(n_points=5000, true_b=-1, true_w=3, noise_std=0.1, seed=0)
    w, b = np.polyfit(x[:, 0], y[:, 0], 1)
    assert w == pytest.approx(3, abs=0.02) and b == pytest.approx(-1, abs=0.02)


def test_bad_feature_keeps_the_labels():
    _, y = make_linear_data(seed=42)
    bad_x, bad_y = make_linear_data(true_w=0.2, x_scale=10, seed=42)
    np.testing.assert_allclose(bad_y, y)
    assert bad_x.max() > 9


def test_split_is_a_partition():
    train_idx, val_idx = split_indices(50, 0.7, seed=1)
    assert len(train_idx) == 35 and len(val_idx) == 15
    assert sorted(np.concatenate([train_idx, val_idx]).tolist()) == list(range(50))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_points": 1}, ValueError, "n_points"),
    ({"n_points": 10.5}, TypeError, "n_points"),
    ({"noise_std": -1}, ValueError, "noise_std"),
    ({"x_scale": 0}, ValueError, "x_scale"),
    ({"x_scale": "1"}, TypeError, "x_scale"),
    ({"seed": 4.2}, TypeError, "seed"),
])
def test_bad_generator_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_linear_data(**kwargs)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, 0.001])
def test_bad_split_fractions(fraction):
    with pytest.raises(ValueError, match="train_fraction|empty"):
        split_indices(100, fraction)
