"""Loss surfaces and gradient descent for one-feature linear regression, in plain NumPy.

Chapter 0 looks at the model ``yhat = b + w * x`` from the parameters' point of view: every pair
``(b, w)`` has a mean squared error (MSE), and all the pairs together form a *loss surface*. The
functions here build that surface on a grid, cut it into cross-sections, estimate gradients both
analytically and geometrically, and run batch, mini-batch or stochastic gradient descent while
recording the path the parameters take.

Conventions
-----------
* ``x`` and ``y`` are NumPy arrays of shape ``(N,)`` or ``(N, 1)`` (the book's data is ``(N, 1)``).
* A grid is a pair ``(bs, ws)`` made by :func:`make_grid`: ``bs[i, j]`` walks along the columns
  (b changes from left to right) and ``ws[i, j]`` along the rows (w changes from top to bottom),
  exactly like ``np.meshgrid(b_range, w_range)``.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from helpers.checks import check_int as _positive_int

__all__ = [
    "CrossSections", "FiniteDifference",
    "make_grid", "grid_predictions", "loss_grid", "nearest_grid_index", "cross_sections",
    "mse", "mse_gradients", "finite_difference_gradient", "gradient_descent_path",
]


# --------------------------------------------------------------------------------------------
# argument checks (private)
# --------------------------------------------------------------------------------------------
def _number(name: str, value) -> float:
    """Return ``value`` as a finite float, or raise a TypeError/ValueError that says what to pass."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number (a float or a one-element array), "
                        f"got {value!r} ({type(value).__name__}).")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    return value


def _column(name: str, values) -> np.ndarray:
    """Return ``values`` as a float array of shape (N,), accepting (N,) or (N, 1) input."""
    if not isinstance(values, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of shape (N,) or (N, 1), "
                        f"got {type(values).__name__}; wrap it with np.asarray(...) first.")
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got {values.shape}.")
    if values.size == 0:
        raise ValueError(f"{name} is empty; pass at least one data point.")
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {values.dtype}.")
    values = values.astype(float)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or infinite values; clean the data first.")
    return values


def _data(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Validate a feature/label pair and return both as float arrays of shape (N,)."""
    x, y = _column("x", x), _column("y", y)
    if x.shape != y.shape:
        raise ValueError(f"x and y must hold the same number of points, got {x.size} and {y.size}.")
    return x, y


def _grid(bs, ws) -> tuple[np.ndarray, np.ndarray]:
    """Validate a (bs, ws) grid: two 2-D float arrays of the same shape."""
    for name, arr in (("bs", bs), ("ws", ws)):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"{name} must be a NumPy array made by make_grid, "
                            f"got {type(arr).__name__}.")
        if arr.ndim != 2 or 0 in arr.shape:
            raise ValueError(f"{name} must be a non-empty 2-D grid, got shape {arr.shape}; "
                             "build it with make_grid(...).")
    if bs.shape != ws.shape:
        raise ValueError(f"bs and ws must have the same shape, got {bs.shape} and {ws.shape}.")
    return bs.astype(float), ws.astype(float)


# --------------------------------------------------------------------------------------------
# the loss surface
# --------------------------------------------------------------------------------------------
def make_grid(b_center: float, w_center: float, half_width: float = 3.0,
              n_points: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Return the (b, w) grid ``(bs, ws)`` of shape (n_points, n_points) around a centre.

    Each parameter runs over ``linspace(center - half_width, center + half_width, n_points)``.
    With the defaults and the centre (1, 2) the first row of ``bs`` is -2.00, -1.94, ..., 4.00.

    Raises:
        TypeError: a centre or ``half_width`` is not a real number, or ``n_points`` not an int.
        ValueError: ``half_width`` is not positive or ``n_points`` is smaller than 2.
    """
    b_center = _number("b_center", b_center)
    w_center = _number("w_center", w_center)
    half_width = _number("half_width", half_width)
    if half_width <= 0:
        raise ValueError(f"half_width must be positive, got {half_width}.")
    n_points = _positive_int("n_points", n_points, minimum=2)
    b_range = np.linspace(b_center - half_width, b_center + half_width, n_points)
    w_range = np.linspace(w_center - half_width, w_center + half_width, n_points)
    bs, ws = np.meshgrid(b_range, w_range)
    return bs, ws


def grid_predictions(bs: np.ndarray, ws: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the predictions of every grid model for every point, shape (N, rows, cols).

    Broadcasting does the work: ``x`` is reshaped to (N, 1, 1) so that ``bs + ws * x`` pairs each
    data point with the whole (rows, cols) grid of parameters at once.
    """
    bs, ws = _grid(bs, ws)
    x = _column("x", x)
    return bs[np.newaxis] + ws[np.newaxis] * x.reshape(-1, 1, 1)


def loss_grid(bs: np.ndarray, ws: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the MSE of every (b, w) pair of the grid on the data (x, y), shape like ``bs``."""
    x, y = _data(x, y)
    predictions = grid_predictions(bs, ws, x)
    errors = predictions - y.reshape(-1, 1, 1)
    return (errors ** 2).mean(axis=0)


def nearest_grid_index(bs: np.ndarray, ws: np.ndarray, b: float, w: float) -> tuple[int, int]:
    """Return ``(row, col)`` of the grid point closest to (b, w), so ``bs[row, col] ~ b``.

    The grid made by :func:`make_grid` is regular, so the column is the closest b value of the
    first row and the row is the closest w value of the first column. Points outside the grid
    raise a ValueError, because the "nearest" point would then sit on the border and mislead.
    """
    bs, ws = _grid(bs, ws)
    b, w = _number("b", b), _number("w", w)
    b_values, w_values = bs[0, :], ws[:, 0]
    for name, value, values in (("b", b, b_values), ("w", w, w_values)):
        low, high = values.min(), values.max()
        if not low <= value <= high:
            raise ValueError(f"{name}={value:.4f} lies outside the grid [{low:.4f}, {high:.4f}]; "
                             "build a wider grid with make_grid(..., half_width=...).")
    col = int(np.argmin(np.abs(b_values - b)))
    row = int(np.argmin(np.abs(w_values - w)))
    return row, col


class CrossSections(NamedTuple):
    """Two cuts through a loss surface at a grid point: one parameter fixed, the other free."""

    b_fixed: float          #: the grid value of b used for the first cut
    w_values: np.ndarray    #: the w values along that cut
    loss_vs_w: np.ndarray   #: the loss along that cut (b fixed)
    w_fixed: float          #: the grid value of w used for the second cut
    b_values: np.ndarray    #: the b values along the second cut
    loss_vs_b: np.ndarray   #: the loss along the second cut (w fixed)


def cross_sections(bs: np.ndarray, ws: np.ndarray, losses: np.ndarray,
                   b: float, w: float) -> CrossSections:
    """Return the two cross-sections of ``losses`` through the grid point nearest to (b, w).

    The cut "b fixed" is the column of the surface at that b (loss as a function of w only); the
    cut "w fixed" is the row at that w (loss as a function of b only).
    """
    bs, ws = _grid(bs, ws)
    if not isinstance(losses, np.ndarray) or losses.shape != bs.shape:
        shape = getattr(losses, "shape", type(losses).__name__)
        raise ValueError(f"losses must be an array shaped like the grid {bs.shape}, got {shape}; "
                         "compute it with loss_grid(bs, ws, x, y).")
    row, col = nearest_grid_index(bs, ws, b, w)
    return CrossSections(b_fixed=float(bs[row, col]), w_values=ws[:, col].copy(),
                         loss_vs_w=losses[:, col].copy(), w_fixed=float(ws[row, col]),
                         b_values=bs[row, :].copy(), loss_vs_b=losses[row, :].copy())


# --------------------------------------------------------------------------------------------
# loss and gradients at a single point
# --------------------------------------------------------------------------------------------
def mse(x: np.ndarray, y: np.ndarray, b: float, w: float) -> float:
    """Return the mean squared error of the model ``b + w * x`` on the data (x, y)."""
    x, y = _data(x, y)
    b, w = _number("b", b), _number("w", w)
    return float(((b + w * x - y) ** 2).mean())


def mse_gradients(x: np.ndarray, y: np.ndarray, b: float, w: float) -> tuple[float, float]:
    """Return the analytic gradients ``(dMSE/db, dMSE/dw)`` at (b, w).

    From the chain rule: dMSE/db = 2 mean(yhat - y) and dMSE/dw = 2 mean(x (yhat - y)).
    """
    x, y = _data(x, y)
    b, w = _number("b", b), _number("w", w)
    error = b + w * x - y
    return float(2 * error.mean()), float(2 * (x * error).mean())


class FiniteDifference(NamedTuple):
    """A geometric (forward-difference) estimate of the gradient at one point."""

    step: float          #: how far each parameter was moved
    delta_loss_b: float  #: loss(b + step, w) - loss(b, w)
    delta_loss_w: float  #: loss(b, w + step) - loss(b, w)
    grad_b: float        #: delta_loss_b / step
    grad_w: float        #: delta_loss_w / step


def finite_difference_gradient(x: np.ndarray, y: np.ndarray, b: float, w: float,
                               step: float = 0.12) -> FiniteDifference:
    """Estimate the gradient at (b, w) by moving each parameter by ``step``, one at a time.

    This is the "rise over run" of each cross-section: the smaller the step, the closer the
    ratio gets to the analytic gradient (in the limit, it *is* the derivative).
    """
    step = _number("step", step)
    if step == 0:
        raise ValueError("step must not be zero: the gradient is a change in loss divided by it.")
    base = mse(x, y, b, w)
    delta_b = mse(x, y, _number("b", b) + step, w) - base
    delta_w = mse(x, y, b, _number("w", w) + step) - base
    return FiniteDifference(step=step, delta_loss_b=delta_b, delta_loss_w=delta_w,
                            grad_b=delta_b / step, grad_w=delta_w / step)


# --------------------------------------------------------------------------------------------
# gradient descent that remembers where it has been
# --------------------------------------------------------------------------------------------
def gradient_descent_path(x: np.ndarray, y: np.ndarray, b0: float, w0: float, lr: float = 0.1,
                          n_epochs: int = 100, batch_size: int | None = None,
                          seed: int | None = 42, record: str = "epoch") -> np.ndarray:
    """Run gradient descent on the MSE and return the visited parameters as rows ``(b, w)``.

    Args:
        x, y: the training data, shape (N,) or (N, 1).
        b0, w0: the starting point.
        lr: the learning rate (positive).
        n_epochs: how many passes over the data.
        batch_size: points per update; ``None`` or ``N`` is batch GD (one update per epoch, the
            data in its given order), ``1`` is stochastic GD, anything in between is mini-batch
            GD. Mini-batches are drawn from a fresh shuffle of the data at every epoch
            (the last one is smaller when ``batch_size`` does not divide N).
        seed: seeds the private ``np.random.default_rng`` used for the shuffles (the global NumPy
            stream is left alone); ``None`` gives a different shuffle each call.
        record: ``"epoch"`` keeps the start and the parameters at the end of every epoch, shape
            (n_epochs + 1, 2); ``"update"`` keeps the start and every single update, shape
            (n_updates + 1, 2).

    Returns:
        A float array whose first row is ``(b0, w0)`` and whose last row is the final ``(b, w)``.
    """
    x, y = _data(x, y)
    b, w = _number("b0", b0), _number("w0", w0)
    lr = _number("lr", lr)
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}.")
    n_epochs = _positive_int("n_epochs", n_epochs)
    n_points = x.size
    if batch_size is None:
        batch_size = n_points
    batch_size = _positive_int("batch_size", batch_size)
    if batch_size > n_points:
        raise ValueError(f"batch_size={batch_size} is larger than the {n_points} data points; "
                         f"use batch_size=None (or {n_points}) for batch gradient descent.")
    if record not in ("epoch", "update"):
        raise ValueError(f"record must be 'epoch' or 'update', got {record!r}.")
    if seed is not None:
        seed = _positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)

    path = [(b, w)]
    with np.errstate(over="ignore", invalid="ignore"):  # divergence gets its own clear error
        _descend(x, y, b, w, lr, n_epochs, batch_size, rng, record, path)
    return np.array(path, dtype=float)


def _descend(x: np.ndarray, y: np.ndarray, b: float, w: float, lr: float, n_epochs: int,
             batch_size: int, rng: np.random.Generator, record: str, path: list) -> None:
    """The loop of :func:`gradient_descent_path`; appends the visited (b, w) pairs to ``path``."""
    n_points = x.size
    for _ in range(n_epochs):
        # batch GD uses the data as given; the others reshuffle at every epoch
        order = np.arange(n_points) if batch_size == n_points else rng.permutation(n_points)
        for start in range(0, n_points, batch_size):
            chosen = order[start:start + batch_size]
            xb, yb = x[chosen], y[chosen]
            error = b + w * xb - yb
            b_grad, w_grad = 2 * error.mean(), 2 * (xb * error).mean()
            b, w = b - lr * b_grad, w - lr * w_grad
            if not (np.isfinite(b) and np.isfinite(w)):
                raise FloatingPointError(
                    f"gradient descent diverged (lr={lr}): the parameters became infinite; "
                    "use a smaller learning rate or standardise the feature.")
            if record == "update":
                path.append((b, w))
        if record == "epoch":
            path.append((b, w))
