"""Tests for helpers/loss_surface.py (chapter 0's loss surface and gradient-descent paths)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from data_generation.simple_linear_regression import make_linear_data, split_indices
from helpers.loss_surface import (cross_sections, finite_difference_gradient, grid_predictions,
                                  gradient_descent_path, loss_grid, make_grid, mse,
                                  mse_gradients, nearest_grid_index)


@pytest.fixture(scope="module")
def book_data():
    """The chapter 0 training set (seed 42) and the random start drawn right after it."""
    x, y = make_linear_data(seed=42)
    train_idx, _ = split_indices(100)
    np.random.seed(42)
    b, w = np.random.randn(1), np.random.randn(1)
    return x[train_idx], y[train_idx], float(b[0]), float(w[0])


def least_squares(x, y):
    """Exact intercept and slope of a one-feature least-squares fit."""
    design = np.c_[np.ones(len(x)), np.ravel(x)]
    (b, w), *_ = np.linalg.lstsq(design, np.ravel(y), rcond=None)
    return b, w


# ------------------------------------------------------------------------------------- grids
def test_make_grid_shapes_and_values():
    bs, ws = make_grid(1, 2)
    assert bs.shape == ws.shape == (101, 101)
    np.testing.assert_allclose(bs[0, :3], [-2.0, -1.94, -1.88])
    np.testing.assert_allclose(bs[0, -1], 4.0)
    # b changes along columns only, w along rows only
    assert np.all(bs == bs[0]) and np.all(ws.T == ws[:, 0])
    np.testing.assert_allclose(ws[[0, -1], 0], [-1.0, 5.0])


def test_make_grid_accepts_one_element_arrays():
    bs, ws = make_grid(np.array([0.5]), np.array([[1.5]]), half_width=1, n_points=5)
    np.testing.assert_allclose(bs[0], [-0.5, 0.0, 0.5, 1.0, 1.5])
    np.testing.assert_allclose(ws[:, 0], [0.5, 1.0, 1.5, 2.0, 2.5])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(half_width=0), ValueError, "half_width must be positive"),
    (dict(half_width=-1.0), ValueError, "half_width must be positive"),
    (dict(n_points=1), ValueError, "n_points must be at least 2"),
    (dict(n_points=10.0), TypeError, "n_points must be an integer"),
    (dict(half_width="3"), TypeError, "half_width must be a real number"),
    (dict(half_width=np.inf), ValueError, "must be finite"),
])
def test_make_grid_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_grid(1.0, 2.0, **kwargs)


def test_make_grid_rejects_non_numeric_centre():
    with pytest.raises(TypeError, match="b_center"):
        make_grid("one", 2.0)
    with pytest.raises(TypeError, match="w_center"):
        make_grid(1.0, np.array([1.0, 2.0]))


def test_grid_predictions_broadcast_like_a_loop():
    bs, ws = make_grid(0, 0, half_width=1, n_points=7)
    x = np.array([[0.1], [0.5], [2.0]])
    predictions = grid_predictions(bs, ws, x)
    assert predictions.shape == (3, 7, 7)
    for i in range(3):
        for row, col in [(0, 0), (3, 5), (6, 2)]:
            expected = bs[row, col] + ws[row, col] * x[i, 0]
            assert predictions[i, row, col] == pytest.approx(expected)


def test_loss_grid_matches_pointwise_mse(book_data):
    x, y, _, _ = book_data
    bs, ws = make_grid(1, 2)
    losses = loss_grid(bs, ws, x, y)
    assert losses.shape == (101, 101)
    for row, col in [(0, 0), (14, 42), (50, 50), (100, 7)]:
        assert losses[row, col] == pytest.approx(mse(x, y, bs[row, col], ws[row, col]))


def test_loss_grid_minimum_is_the_true_model_without_noise():
    x = np.linspace(0, 1, 30).reshape(-1, 1)
    y = 1.0 + 2.0 * x
    bs, ws = make_grid(1, 2)
    losses = loss_grid(bs, ws, x, y)
    row, col = np.unravel_index(losses.argmin(), losses.shape)
    assert (bs[row, col], ws[row, col]) == pytest.approx((1.0, 2.0))
    assert losses.min() == pytest.approx(0.0, abs=1e-20)


def test_loss_grid_reference_values(book_data):
    """The book's figures: the grid minimum sits at (1, 2); the anchor loss is 2.7113."""
    x, y, b, w = book_data
    bs, ws = make_grid(1, 2)
    losses = loss_grid(bs, ws, x, y)
    row, col = np.unravel_index(losses.argmin(), losses.shape)
    assert (bs[row, col], ws[row, col]) == pytest.approx((1.0, 2.0))
    assert losses.min() == pytest.approx(0.0082, abs=1e-4)
    row, col = nearest_grid_index(bs, ws, b, w)
    assert losses[row, col] == pytest.approx(2.7113, abs=1e-4)


def test_grid_functions_reject_bad_grids_and_data():
    bs, ws = make_grid(0, 0, n_points=5)
    x = np.ones((4, 1))
    with pytest.raises(ValueError, match="same shape"):
        grid_predictions(bs, ws[:3], x)
    with pytest.raises(ValueError, match="2-D grid"):
        grid_predictions(bs[0], ws[0], x)
    with pytest.raises(TypeError, match="make_grid"):
        grid_predictions(bs.tolist(), ws, x)
    with pytest.raises(ValueError, match="same number of points"):
        loss_grid(bs, ws, x, np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"shape \(N,\) or \(N, 1\)"):
        loss_grid(bs, ws, np.ones((4, 2)), np.ones((4, 2)))


# ------------------------------------------------------------------- nearest index and cuts
def test_nearest_grid_index_book_anchor(book_data):
    _, _, b, w = book_data
    bs, ws = make_grid(1, 2)
    row, col = nearest_grid_index(bs, ws, b, w)
    assert bs[row, col] == pytest.approx(0.52)
    assert ws[row, col] == pytest.approx(-0.16)


def test_nearest_grid_index_exact_points_and_edges():
    bs, ws = make_grid(0, 0, half_width=1, n_points=11)
    assert nearest_grid_index(bs, ws, -1.0, 1.0) == (10, 0)
    assert nearest_grid_index(bs, ws, 0.21, -0.39) == (3, 6)


def test_nearest_grid_index_outside_grid_raises():
    bs, ws = make_grid(0, 0, half_width=1, n_points=11)
    with pytest.raises(ValueError, match="outside the grid"):
        nearest_grid_index(bs, ws, 1.5, 0.0)
    with pytest.raises(ValueError, match="w=-2.0000 lies outside"):
        nearest_grid_index(bs, ws, 0.0, -2.0)


def test_cross_sections_are_rows_and_columns(book_data):
    x, y, b, w = book_data
    bs, ws = make_grid(1, 2)
    losses = loss_grid(bs, ws, x, y)
    cs = cross_sections(bs, ws, losses, b, w)
    row, col = nearest_grid_index(bs, ws, b, w)
    np.testing.assert_array_equal(cs.loss_vs_w, losses[:, col])
    np.testing.assert_array_equal(cs.loss_vs_b, losses[row, :])
    np.testing.assert_array_equal(cs.w_values, ws[:, 0])
    np.testing.assert_array_equal(cs.b_values, bs[0, :])
    # the book: along w = -0.16 the loss is lowest near b = 2; along b = 0.52 near w = 2.7
    assert cs.b_values[cs.loss_vs_b.argmin()] == pytest.approx(2.02)
    assert cs.w_values[cs.loss_vs_w.argmin()] == pytest.approx(2.72)


def test_cross_sections_rejects_wrong_loss_shape():
    bs, ws = make_grid(0, 0, n_points=5)
    with pytest.raises(ValueError, match="shaped like the grid"):
        cross_sections(bs, ws, np.zeros((4, 5)), 0.0, 0.0)
    with pytest.raises(ValueError, match="shaped like the grid"):
        cross_sections(bs, ws, [[0.0] * 5] * 5, 0.0, 0.0)


# -------------------------------------------------------------------------------- gradients
def test_reference_loss_and_gradients(book_data):
    x, y, b, w = book_data
    assert mse(x, y, b, w) == pytest.approx(2.7421577700550976, rel=1e-12)
    grad_b, grad_w = mse_gradients(x, y, b, w)
    assert grad_b == pytest.approx(-3.044811379650508, rel=1e-12)
    assert grad_w == pytest.approx(-1.8337537171510832, rel=1e-12)


def test_gradients_match_torch_autograd(book_data):
    x, y, _, _ = book_data
    for b0, w0 in [(0.3, -0.7), (2.5, 4.0), (-1.0, 0.0)]:
        b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        loss = ((b + w * torch.as_tensor(x) - torch.as_tensor(y)) ** 2).mean()
        loss.backward()
        assert mse(x, y, b0, w0) == pytest.approx(loss.item(), rel=1e-12)
        assert mse_gradients(x, y, b0, w0) == pytest.approx((b.grad.item(), w.grad.item()),
                                                             rel=1e-12)


def test_finite_difference_reference_and_convergence(book_data):
    x, y, _, _ = book_data
    fd = finite_difference_gradient(x, y, 0.52, -0.16, step=0.12)
    assert fd.delta_loss_b == pytest.approx(-0.3479, abs=1e-4)
    assert fd.delta_loss_w == pytest.approx(-0.2145, abs=1e-4)
    assert fd.grad_b == pytest.approx(fd.delta_loss_b / 0.12)
    # smaller steps approach the analytic gradient (the definition of a derivative)
    exact = np.array(mse_gradients(x, y, 0.52, -0.16))
    gaps = [np.abs(np.array(finite_difference_gradient(x, y, 0.52, -0.16, step=h)[3:]) - exact)
            for h in (0.12, 0.01, 1e-4)]
    assert np.all(gaps[0] > gaps[1]) and np.all(gaps[1] > gaps[2])
    assert np.all(gaps[2] < 1e-3)


def test_finite_difference_rejects_zero_step(book_data):
    x, y, _, _ = book_data
    with pytest.raises(ValueError, match="step must not be zero"):
        finite_difference_gradient(x, y, 0.0, 0.0, step=0)


@pytest.mark.parametrize("x, y, error, match", [
    ([1.0, 2.0], np.ones(2), TypeError, "NumPy array"),
    (np.ones(3), np.ones(2), ValueError, "same number of points"),
    (np.array([1.0, np.nan]), np.ones(2), ValueError, "NaN or infinite"),
    (np.array([], dtype=float), np.array([], dtype=float), ValueError, "empty"),
    (np.array(["a", "b"]), np.ones(2), TypeError, "real numbers"),
    (np.ones((2, 2, 1)), np.ones(2), ValueError, r"shape \(N,\) or \(N, 1\)"),
])
def test_point_functions_reject_bad_data(x, y, error, match):
    with pytest.raises(error, match=match):
        mse(x, y, 0.0, 0.0)
    with pytest.raises(error, match=match):
        mse_gradients(x, y, 0.0, 0.0)


def test_point_functions_reject_bad_parameters():
    x = np.ones(3)
    with pytest.raises(TypeError, match="b must be a real number"):
        mse(x, x, None, 0.0)
    with pytest.raises(TypeError, match="w must be a real number"):
        mse_gradients(x, x, 0.0, True)
    with pytest.raises(ValueError, match="w must be finite"):
        mse(x, x, 0.0, np.nan)


# ------------------------------------------------------------------------- descent paths
def test_batch_path_reproduces_the_book(book_data):
    x, y, b, w = book_data
    path = gradient_descent_path(x, y, b, w, lr=0.1, n_epochs=1000)
    assert path.shape == (1001, 2)
    np.testing.assert_allclose(path[0], [b, w])
    np.testing.assert_allclose(path[1], [0.80119529, 0.04511107], atol=1e-8)
    np.testing.assert_allclose(path[-1], [1.02354094, 1.96896411], atol=1e-8)
    np.testing.assert_allclose(path[-1], least_squares(x, y), atol=1e-6)


def test_batch_path_equals_a_hand_written_loop(book_data):
    x, y, b, w = book_data
    path = gradient_descent_path(x, y, b, w, lr=0.05, n_epochs=20)
    for epoch in range(20):
        error = b + w * x - y
        b, w = b - 0.05 * 2 * error.mean(), w - 0.05 * 2 * (x * error).mean()
        np.testing.assert_allclose(path[epoch + 1], [b, w], rtol=1e-12)


@pytest.mark.parametrize("batch_size, updates", [(None, 100), (80, 100), (16, 500), (1, 8000),
                                                 (30, 300)])
def test_number_of_updates(book_data, batch_size, updates):
    x, y, _, _ = book_data
    path = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=100, batch_size=batch_size,
                                 record="update")
    assert path.shape == (updates + 1, 2)
    by_epoch = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=100, batch_size=batch_size)
    assert by_epoch.shape == (101, 2)
    np.testing.assert_array_equal(by_epoch[-1], path[-1])


def test_stochastic_paths_are_seeded(book_data):
    x, y, _, _ = book_data
    first = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=3, batch_size=1, seed=7)
    again = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=3, batch_size=1, seed=7)
    other = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=3, batch_size=1, seed=8)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    # the global NumPy stream is left alone
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    gradient_descent_path(x, y, -1.5, -0.5, n_epochs=2, batch_size=4, seed=1)
    assert np.random.rand() == expected


def test_mini_batch_gets_closer_than_batch_in_100_epochs(book_data):
    x, y, _, _ = book_data
    target = np.array(least_squares(x, y))
    batch = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=100)[-1]
    mini = gradient_descent_path(x, y, -1.5, -0.5, n_epochs=100, batch_size=16)[-1]
    assert np.linalg.norm(mini - target) < np.linalg.norm(batch - target)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lr=0), ValueError, "lr must be positive"),
    (dict(lr=-0.1), ValueError, "lr must be positive"),
    (dict(n_epochs=0), ValueError, "n_epochs must be at least 1"),
    (dict(n_epochs=2.5), TypeError, "n_epochs must be an integer"),
    (dict(batch_size=0), ValueError, "batch_size must be at least 1"),
    (dict(batch_size=81), ValueError, "larger than the 80 data points"),
    (dict(record="step"), ValueError, "record must be 'epoch' or 'update'"),
    (dict(seed=-1), ValueError, "seed must be at least 0"),
])
def test_path_rejects_bad_arguments(book_data, kwargs, error, match):
    x, y, _, _ = book_data
    with pytest.raises(error, match=match):
        gradient_descent_path(x, y, 0.0, 0.0, **kwargs)


def test_diverging_path_raises_a_clear_error(book_data):
    x, y, _, _ = book_data
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        gradient_descent_path(x * 10, y, 0.0, 0.0, lr=5.0, n_epochs=1000)
