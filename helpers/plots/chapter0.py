"""Figures of chapter 0, "Visualizing Gradient Descent" (NumPy only).

One function per figure; each returns the matplotlib ``Figure`` it drew. The notebook keeps its
cells short (``fig = plot_loss_surface(...)``) and all drawing details live here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.loss_surface import cross_sections, loss_grid, make_grid, mse, nearest_grid_index

__all__ = [
    "plot_train_val", "plot_initial_guess", "plot_first_error", "plot_loss_surface",
    "plot_cross_section", "plot_both_cross_sections", "plot_geometric_gradients",
    "plot_update", "plot_learning_rate_step", "plot_bad_feature", "plot_contour_panels",
    "plot_cross_sections_before_after", "plot_feature_scales", "plot_final_fit",
    "plot_gd_paths",
]

# one palette for the whole chapter
TRAIN, VAL, GUESS, FIT = "#1f77b4", "#ff7f0e", "#d62728", "#2ca02c"
FIXED_B, FIXED_W = "#d62728", "#222222"
CMAP = "viridis"


# --------------------------------------------------------------------------------------------
# small private helpers
# --------------------------------------------------------------------------------------------
def _flat(values) -> np.ndarray:
    """Return array-like data as a flat float array (accepts (N,) and (N, 1))."""
    return np.asarray(values, dtype=float).reshape(-1)


def _scalar(value) -> float:
    """Return a float from a number or a one-element array."""
    return float(np.asarray(value, dtype=float).reshape(-1)[0])


def _nice_levels(losses: np.ndarray, n_levels: int = 8) -> np.ndarray:
    """Pick contour levels from the quantiles of a loss grid, rounded to two significant digits."""
    raw = np.quantile(losses, np.linspace(0.01, 0.9, n_levels))
    digits = 1 - np.floor(np.log10(np.abs(raw) + 1e-12)).astype(int)
    levels = np.unique([round(v, d) for v, d in zip(raw, digits)])
    return levels[levels > losses.min()]


def _contour(ax, bs, ws, losses, levels=None, title: str | None = None,
             label_levels: bool = True) -> None:
    """Draw a filled contour plot of a loss grid with labelled level lines on ``ax``."""
    levels = _nice_levels(losses) if levels is None else np.asarray(levels)
    ax.contourf(bs, ws, losses, levels=np.r_[losses.min(), levels, losses.max()], cmap=CMAP,
                alpha=0.35)
    lines = ax.contour(bs, ws, losses, levels=levels, cmap=CMAP, linewidths=1.2)
    if label_levels:
        ax.clabel(lines, inline=True, fontsize=8, fmt="%g")
    ax.set_xlabel("b")
    ax.set_ylabel("w")
    if title:
        ax.set_title(title)


def _scatter_data(ax, x, y, color=TRAIN, label="train") -> None:
    """Scatter one data set with the chapter's usual look and axis labels."""
    ax.scatter(_flat(x), _flat(y), s=18, color=color, alpha=0.8, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.grid(alpha=0.3)


def _line(ax, b, w, x_min=0.0, x_max=1.0, **kwargs) -> None:
    """Draw the line y = b + w x between x_min and x_max."""
    xs = np.array([x_min, x_max])
    ax.plot(xs, _scalar(b) + _scalar(w) * xs, **kwargs)


def _data_with_lines(x, y, lines, title: str, ylim: tuple[float, float]) -> Figure:
    """The training data with one or more lines ``(b, w, style)`` and a legend of their labels."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    _scatter_data(ax, x, y)
    for b, w, style in lines:
        _line(ax, b, w, **style)
    ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# data and predictions
# --------------------------------------------------------------------------------------------
def plot_train_val(x_train, y_train, x_val, y_val) -> Figure:
    """Scatter the training set and the validation set side by side."""
    fig, axs = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    _scatter_data(axs[0], x_train, y_train, TRAIN, "train")
    axs[0].set_title(f"Training set ({_flat(x_train).size} points)")
    _scatter_data(axs[1], x_val, y_val, VAL, "validation")
    axs[1].set_title(f"Validation set ({_flat(x_val).size} points)")
    axs[0].set_ylim(0, 3.1)
    fig.tight_layout()
    return fig


def plot_initial_guess(x_train, y_train, b, w) -> Figure:
    """Show the training data and the (bad) line drawn by randomly initialised b and w."""
    guess = dict(color=GUESS, linestyle="--", linewidth=2,
                 label=f"b = {_scalar(b):.2f}, w = {_scalar(w):.2f}")
    return _data_with_lines(x_train, y_train, [(b, w, guess)],
                            "Step 1: predictions of the random guess", (-0.5, 3.1))


def plot_first_error(x_train, y_train, b, w, index: int = 0) -> Figure:
    """Like the random-guess figure, with one point's error drawn as a vertical arrow."""
    x, y = _flat(x_train), _flat(y_train)
    if not 0 <= index < x.size:
        raise ValueError(f"index must lie in [0, {x.size - 1}], got {index}.")
    b, w = _scalar(b), _scalar(w)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    _scatter_data(ax, x, y)
    _line(ax, b, w, color=GUESS, linestyle="--", linewidth=2, label="prediction")
    x0, y0 = x[index], y[index]
    yhat0 = b + w * x0
    ax.scatter([x0], [y0], s=80, facecolor="none", edgecolor="k", linewidth=2, zorder=3)
    ax.scatter([x0], [yhat0], s=50, color=GUESS, zorder=3)
    ax.annotate("", xy=(x0, y0), xytext=(x0, yhat0),
                arrowprops=dict(arrowstyle="<->", color="k", linewidth=1.5))
    ax.text(x0 + 0.02, (y0 + yhat0) / 2, f"error = $\\hat{{y}} - y$ = {yhat0 - y0:.2f}",
            va="center")
    ax.set_ylim(-0.5, 3.1)
    ax.set_title(f"Step 2: the error of training point #{index}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# the loss surface and its cross-sections
# --------------------------------------------------------------------------------------------
def plot_loss_surface(bs, ws, losses, start: tuple[float, float],
                      minimum: tuple[float, float]) -> Figure:
    """Draw the loss surface in 3-D and as a labelled contour plot, marking start and minimum."""
    fig = plt.figure(figsize=(12, 5))
    ax3d = fig.add_subplot(1, 2, 1, projection="3d", computed_zorder=False)
    ax3d.plot_surface(bs, ws, losses, cmap=CMAP, alpha=0.8, linewidth=0, rstride=2, cstride=2)
    floor = -0.3 * float(losses.max())  # draw the contours on a floor below the surface
    ax3d.contour(bs, ws, losses, levels=_nice_levels(losses), offset=floor, cmap=CMAP,
                 linewidths=0.8)
    ax3d.set_zlim(floor, float(losses.max()))
    for (b, w), colour, label in ((start, GUESS, "Random start"), (minimum, FIT, "Minimum")):
        b, w = _scalar(b), _scalar(w)
        row, col = nearest_grid_index(bs, ws, b, w)
        ax3d.scatter([b], [w], [losses[row, col]], color=colour, s=60, depthshade=False,
                     edgecolor="white", zorder=10, label=label)
    ax3d.set_xlabel("b")
    ax3d.set_ylabel("w")
    ax3d.set_zlabel("MSE (loss)")
    ax3d.set_title("Loss surface")
    ax3d.view_init(elev=30, azim=-60)
    ax3d.legend(loc="upper left")

    ax = fig.add_subplot(1, 2, 2)
    _contour(ax, bs, ws, losses, title="Loss contours")
    ax.scatter(*map(_scalar, start), color=GUESS, s=50, zorder=3, label="Random start")
    ax.scatter(*map(_scalar, minimum), color=FIT, marker="*", s=150, zorder=3, label="Minimum")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_cross_section(bs, ws, losses, b, w, fixed: str = "b") -> Figure:
    """Cut the surface along one parameter: the cut on the contour plot and the loss curve."""
    if fixed not in ("b", "w"):
        raise ValueError(f"fixed must be 'b' or 'w', got {fixed!r}.")
    cs = cross_sections(bs, ws, losses, _scalar(b), _scalar(w))
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.5))
    _contour(axs[0], bs, ws, losses, label_levels=False)
    axs[0].scatter([cs.b_fixed], [cs.w_fixed], color=GUESS, s=40, zorder=3)
    # cutting at fixed b leaves the loss as a function of w, and the other way round
    if fixed == "b":
        axs[0].axvline(cs.b_fixed, color=FIXED_B, linestyle="--", linewidth=2)
        free, values, curve, start, colour = "w", cs.w_values, cs.loss_vs_w, cs.w_fixed, FIXED_B
        title = f"Fixed: b = {cs.b_fixed:.2f}"
    else:
        axs[0].axhline(cs.w_fixed, color=FIXED_W, linestyle="--", linewidth=2)
        free, values, curve, start, colour = "b", cs.b_values, cs.loss_vs_b, cs.b_fixed, FIXED_W
        title = f"Fixed: w = {cs.w_fixed:.2f}"
    axs[1].plot(values, curve, color=colour, linestyle="--", linewidth=2)
    axs[1].scatter([start], [np.interp(start, values, curve)], color=GUESS, s=40, zorder=3,
                   label="start")
    axs[1].set_xlabel(free)
    axs[1].set_title(title)
    axs[0].set_title("Where we cut the surface")
    axs[1].set_ylabel("MSE (loss)")
    axs[1].grid(alpha=0.3)
    axs[1].legend()
    fig.tight_layout()
    return fig


def _cross_section_axes(axs, cs, ylim=(0, 6)) -> None:
    """Draw the two cross-section curves (b fixed, w fixed) on a pair of axes."""
    axs[0].plot(cs.w_values, cs.loss_vs_w, color=FIXED_B, linestyle="--", linewidth=2)
    axs[0].set_xlabel("w")
    axs[0].set_title(f"Fixed: b = {cs.b_fixed:.2f}")
    axs[1].plot(cs.b_values, cs.loss_vs_b, color=FIXED_W, linestyle="--", linewidth=2)
    axs[1].set_xlabel("b")
    axs[1].set_title(f"Fixed: w = {cs.w_fixed:.2f}")
    for ax in axs:
        ax.set_ylabel("MSE (loss)")
        ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)


def plot_both_cross_sections(bs, ws, losses, b, w, zoom: float = 0.3) -> Figure:
    """Show both cross-sections side by side, with a shaded square around the starting point."""
    cs = cross_sections(bs, ws, losses, _scalar(b), _scalar(w))
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.5))
    _cross_section_axes(axs, cs)
    start_loss = float(cs.loss_vs_b[np.argmin(np.abs(cs.b_values - cs.b_fixed))])
    for ax, centre in ((axs[0], cs.w_fixed), (axs[1], cs.b_fixed)):
        ax.scatter([centre], [start_loss], color=GUESS, s=40, zorder=3)
        ax.add_patch(plt.Rectangle((centre - zoom / 2, start_loss - 0.6), zoom, 1.2,
                                   color="gray", alpha=0.25))
    fig.tight_layout()
    return fig


def plot_geometric_gradients(x, y, b, w, step: float = 0.12) -> Figure:
    """Zoom into both cross-sections and draw rise-over-run triangles for a small step."""
    b, w = _scalar(b), _scalar(w)
    base = mse(x, y, b, w)
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, name, colour in ((axs[0], "w", FIXED_B), (axs[1], "b", FIXED_W)):
        centre = w if name == "w" else b
        grid = np.linspace(centre - step / 2, centre + 1.5 * step, 50)
        if name == "w":
            curve = [mse(x, y, b, v) for v in grid]
            title = f"Fixed: b = {b:.2f}"
        else:
            curve = [mse(x, y, v, w) for v in grid]
            title = f"Fixed: w = {w:.2f}"
        moved = mse(x, y, b, w + step) if name == "w" else mse(x, y, b + step, w)
        delta = moved - base
        ax.plot(grid, curve, color=colour, linestyle="--", linewidth=2)
        ax.scatter([centre, centre + step], [base, moved], color=GUESS, s=40, zorder=3)
        ax.annotate("", xy=(centre + step, base), xytext=(centre, base),
                    arrowprops=dict(arrowstyle="->", color="k", linewidth=1.5))
        ax.annotate("", xy=(centre + step, moved), xytext=(centre + step, base),
                    arrowprops=dict(arrowstyle="->", color=GUESS, linewidth=1.5))
        ax.text(centre + step / 2, base + 0.01, f"$\\Delta {name}$ = {step:.2f}", ha="center",
                va="bottom")
        ax.text(centre + step * 1.04, (base + moved) / 2,
                f"$\\Delta$MSE = {delta:.2f}\n" + f"ratio = {delta / step:.2f}", va="center")
        ax.set_xlabel(name)
        ax.set_ylabel("MSE (loss)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_update(x_train, y_train, b_before, w_before, b_after, w_after) -> Figure:
    """Compare the line before and after one gradient-descent update."""
    before = dict(color=GUESS, linestyle="--", linewidth=2,
                  label=f"before: b = {_scalar(b_before):.2f}, w = {_scalar(w_before):.2f}")
    after = dict(color=FIT, linestyle="-", linewidth=2,
                 label=f"after:   b = {_scalar(b_after):.2f}, w = {_scalar(w_after):.2f}")
    return _data_with_lines(x_train, y_train, [(b_before, w_before, before), (b_after, w_after, after)],
                            "Step 4: one update", (-0.5, 3.1))


def plot_learning_rate_step(x, y, b, w, grad_b: float, grad_w: float, lr: float) -> Figure:
    """Move each parameter by ``-lr * grad`` on its own cross-section and show where it lands."""
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}.")
    b, w = _scalar(b), _scalar(w)
    base = mse(x, y, b, w)
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, name, colour, grad in ((axs[0], "w", FIXED_B, grad_w), (axs[1], "b", FIXED_W, grad_b)):
        centre = w if name == "w" else b
        values = np.linspace(centre - 1.0, centre + 4.0, 200)
        curve = [mse(x, y, b, v) if name == "w" else mse(x, y, v, w) for v in values]
        new = centre - lr * grad
        new_loss = mse(x, y, b, new) if name == "w" else mse(x, y, new, w)
        ax.plot(values, curve, color=colour, linestyle="--", linewidth=2)
        ax.scatter([centre], [base], color=GUESS, s=50, zorder=3, label="start")
        ax.scatter([new], [new_loss], color=FIT, s=50, zorder=3, label="after the step")
        ax.annotate("", xy=(new, new_loss), xytext=(centre, base),
                    arrowprops=dict(arrowstyle="->", color="k", linewidth=1.5,
                                    connectionstyle="arc3,rad=-0.2"))
        ax.text(0.03, 0.05, f"step = {-lr * grad:.2f}\nloss {base:.2f} $\\to$ {new_loss:.2f}",
                transform=ax.transAxes, va="bottom")
        ax.set_xlabel(name)
        ax.set_ylabel("MSE (loss)")
        ax.set_ylim(0, 6)
        ax.set_title(f"Fixed: {'b' if name == 'w' else 'w'} = {b if name == 'w' else w:.2f}"
                     f"  (lr = {lr:g})")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# feature scale
# --------------------------------------------------------------------------------------------
def plot_bad_feature(x_train, bad_x_train, y_train) -> Figure:
    """Show the same labels against the original feature and the ten-times-larger one."""
    fig, axs = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    _scatter_data(axs[0], x_train, y_train)
    axs[0].set_title("Original feature: x in [0, 1]")
    _scatter_data(axs[1], bad_x_train, y_train, color=VAL)
    axs[1].set_title('"Bad" feature: x in [0, 10]')
    fig.tight_layout()
    return fig


def plot_contour_panels(surfaces: Sequence[tuple], minimum: tuple[float, float] | None = None
                        ) -> Figure:
    """Draw several loss contour plots side by side; each item is ``(bs, ws, losses, title)``."""
    if not surfaces:
        raise ValueError("surfaces is empty; pass at least one (bs, ws, losses, title) tuple.")
    fig, axs = plt.subplots(1, len(surfaces), figsize=(5.5 * len(surfaces), 4.8), squeeze=False)
    for ax, (bs, ws, losses, title) in zip(axs[0], surfaces):
        _contour(ax, bs, ws, losses, title=title)
        if minimum is not None:
            ax.scatter(*map(_scalar, minimum), color=FIT, marker="*", s=150, zorder=3)
    fig.tight_layout()
    return fig


def plot_cross_sections_before_after(bs, ws, losses_before, losses_after, b, w) -> Figure:
    """Overlay the cross-sections of two loss surfaces (same grid) through the point (b, w)."""
    before = cross_sections(bs, ws, losses_before, _scalar(b), _scalar(w))
    after = cross_sections(bs, ws, losses_after, _scalar(b), _scalar(w))
    fig, axs = plt.subplots(1, 2, figsize=(11, 4.5))
    for cs, label, style in ((before, "original x", "--"), (after, '"bad" x (times 10)', "-")):
        axs[0].plot(cs.w_values, cs.loss_vs_w, linestyle=style, linewidth=2, label=label)
        axs[1].plot(cs.b_values, cs.loss_vs_b, linestyle=style, linewidth=2, label=label)
    axs[0].set_xlabel("w")
    axs[0].set_title(f"Fixed: b = {before.b_fixed:.2f}")
    axs[1].set_xlabel("b")
    axs[1].set_title(f"Fixed: w = {before.w_fixed:.2f}")
    top = 1.2 * max(before.loss_vs_w.max(), before.loss_vs_b.max())
    for ax in axs:
        ax.set_ylabel("MSE (loss)")
        ax.set_ylim(0, top)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def plot_feature_scales(features: Sequence[tuple], y) -> Figure:
    """Scatter the labels against several versions of the feature; items are ``(x, title)``."""
    if not features:
        raise ValueError("features is empty; pass at least one (x, title) pair.")
    fig, axs = plt.subplots(1, len(features), figsize=(4.5 * len(features), 4), sharey=True,
                            squeeze=False)
    colours = [TRAIN, VAL, FIT, GUESS]
    for i, (ax, (feature, title)) in enumerate(zip(axs[0], features)):
        _scatter_data(ax, feature, y, color=colours[i % len(colours)])
        lo, hi = _flat(feature).min(), _flat(feature).max()
        ax.set_title(f"{title}\nrange [{lo:.2f}, {hi:.2f}]")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------------
def plot_final_fit(x_train, y_train, b, w) -> Figure:
    """Show the training data with the line found after training."""
    fit = dict(color=FIT, linewidth=2.5, label=f"b = {_scalar(b):.4f}, w = {_scalar(w):.4f}")
    return _data_with_lines(x_train, y_train, [(b, w, fit)], "The fitted model", (0, 3.1))


def plot_gd_paths(x, y, paths: Mapping[str, np.ndarray], minimum: tuple[float, float],
                  zoom: float = 0.25) -> Figure:
    """Trace each (b, w) path on the loss contours: top row the whole trip, bottom row a zoom.

    The segment from the start to the end of the first epoch is dashed: for mini-batch and
    stochastic descent it hides many updates. The bottom row zooms into a square of half-width
    ``zoom`` around ``minimum``, where the three methods behave most differently.
    """
    if not paths:
        raise ValueError("paths is empty; pass a mapping like {'batch': path, ...}.")
    if not zoom > 0:
        raise ValueError(f"zoom must be positive, got {zoom}.")
    checked = {}
    for title, path in paths.items():
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) < 2:
            raise ValueError(f"path {title!r} must have shape (n >= 2, 2), got {path.shape}.")
        checked[title] = path
    b_min, w_min = map(_scalar, minimum)
    reach = max(np.abs(p - [b_min, w_min]).max() for p in checked.values()) + 0.5
    big = make_grid(b_min, w_min, half_width=reach, n_points=101)
    small = make_grid(b_min, w_min, half_width=zoom, n_points=101)
    big_losses, small_losses = loss_grid(*big, x, y), loss_grid(*small, x, y)
    fig, axs = plt.subplots(2, len(checked), figsize=(5 * len(checked), 9.5), squeeze=False)
    for col, (title, path) in enumerate(checked.items()):
        for row, (grid, losses) in enumerate(((big, big_losses), (small, small_losses))):
            ax = axs[row, col]
            _contour(ax, *grid, losses, label_levels=row == 0)
            ax.plot(path[:2, 0], path[:2, 1], color=GUESS, linestyle="--", linewidth=1.5)
            ax.plot(path[1:, 0], path[1:, 1], color=GUESS, marker="o", markersize=3,
                    linewidth=1)
            ax.scatter([b_min], [w_min], color=FIT, marker="*", s=200, zorder=3,
                       label="minimum")
            if row == 0:
                ax.scatter(*path[0], color="k", s=40, zorder=3, label="start")
                ax.set_title(title)
                ax.legend(loc="lower right")
            else:
                ax.set_xlim(b_min - zoom, b_min + zoom)
                ax.set_ylim(w_min - zoom, w_min + zoom)
                ax.set_title(f"{title} (zoom)")
    fig.tight_layout()
    return fig
