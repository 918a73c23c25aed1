"""Figures of the Bonus chapter (Feature Space).

Red is the negative class (0, the upper parabola), blue the positive class (1). A "feature-space
panel" shows the data, a grid drawn in the original space and the decision boundary, all pushed
through the first layers of a model (see ``helpers.feature_space``).
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch import nn

from helpers.feature_space import make_grid_lines, map_to_stage, predict_from_stage, space_stages

__all__ = ["plot_parabolas", "plot_feature_space_diagram", "plot_feature_space",
           "plot_feature_space_evolution"]

RED, BLUE = "#d62728", "#1f4fd6"
REGION_CMAP = ListedColormap(["#f7d4d4", "#d6e0f7"])


def _check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X, dtype=float), np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_points, 2), got {X.shape}.")
    if len(y) != len(X):
        raise ValueError(f"y must have one label per point of X ({len(X)}), got {len(y)}.")
    return X, y


def _scatter(ax: Axes, points: np.ndarray, y: np.ndarray, size: float = 6) -> None:
    ax.scatter(*points[y == 0].T, s=size, c=RED, label="negative (0)", zorder=3)
    ax.scatter(*points[y == 1].T, s=size, c=BLUE, label="positive (1)", zorder=3)


def plot_parabolas(X, y) -> Figure:
    """The two parabolas: red (negative) above, blue (positive) below."""
    X, y = _check_xy(X, y)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    _scatter(ax, X, y, size=8)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_title("Two parabolas")
    ax.legend(loc="upper center")
    fig.tight_layout()
    return fig


def plot_feature_space_diagram(n_hidden_layers: int = 1, activation: str = "f",
                               annotate: bool = True) -> Figure:
    """Diagram of a 2-D model: inputs, 2-unit hidden layers with activations, output, sigmoid."""
    if n_hidden_layers not in (1, 2):
        raise ValueError(f"n_hidden_layers must be 1 or 2, got {n_hidden_layers}.")
    width = 4.2 + 3.4 * n_hidden_layers
    fig, ax = plt.subplots(figsize=(1.45 * width, 4.6 if annotate else 3.4))
    ax.axis("off")
    node = dict(boxstyle="circle,pad=0.35", lw=1.5)
    ys = (0.6, -0.6)

    def nodes(x, labels, color):
        for y, label in zip(ys, labels):
            ax.text(x, y, label, ha="center", va="center", fontsize=12, zorder=3,
                    bbox=dict(node, fc=color, ec="k"))

    def links(x0, x1, full=True, pad0=0.3, pad1=0.3):
        for y0 in ys:
            for y1 in (ys if full else (y0,)):
                ax.annotate("", xy=(x1 - pad1, y1), xytext=(x0 + pad0, y0),
                            arrowprops=dict(arrowstyle="->", color="0.5", lw=1))

    nodes(0, ["$x_0$", "$x_1$"], "#e8eef9")
    x = 0.0
    spaces = [(0.0, "original\nfeature space")]
    for layer in range(n_hidden_layers):
        sub = "" if n_hidden_layers == 1 else f"^{{({layer})}}"
        x_hidden, x_act = x + 1.8, x + 3.4
        links(x, x_hidden, pad0=0.3 if layer == 0 else 0.5)
        nodes(x_hidden, [f"$z_0{sub}$", f"$z_1{sub}$"], "#eaf5ea")
        links(x_hidden, x_act, full=False, pad1=0.5)
        nodes(x_act, [f"${activation}(z_0{sub})$", f"${activation}(z_1{sub})$"], "#fff4d6")
        name = "hidden" if n_hidden_layers == 1 else f"hidden{layer}"
        ax.text(x_hidden, 1.25, name, ha="center", fontsize=10)
        act_name = "activation" if n_hidden_layers == 1 else f"activation{layer}"
        ax.text(x_act, 1.25, act_name, ha="center", fontsize=10)
        spaces += [(x_hidden, "transformed\nfeature space"), (x_act, "activated\nfeature space")]
        x = x_act
    x_out = x + 1.8
    for y0 in ys:
        ax.annotate("", xy=(x_out - 0.3, 0), xytext=(x + 0.55, y0),
                    arrowprops=dict(arrowstyle="->", color="0.5", lw=1))
    ax.text(x_out, 0, "$z$", ha="center", va="center", fontsize=12,
            bbox=dict(node, fc="#fdecea", ec="k"))
    ax.text(x_out, 1.25, "output", ha="center", fontsize=10)
    ax.annotate("", xy=(x_out + 0.9, 0), xytext=(x_out + 0.3, 0),
                arrowprops=dict(arrowstyle="->", lw=1.5))
    ax.text(x_out + 1.2, 0, r"$\sigma$", ha="center", va="center", fontsize=14,
            bbox=dict(boxstyle="round,pad=0.3", fc="#fbe9e7", ec=RED, lw=1.5))
    if annotate:
        for xs, label in spaces:
            ax.text(xs, -1.35, label, ha="center", va="top", fontsize=9, color="#444444")
        ax.text(x_out, -1.35, "decision boundary:\na straight line\nin the last space",
                ha="center", va="top", fontsize=9, color=RED)
    ax.set_xlim(-0.6, x_out + 1.7)
    ax.set_ylim(-2.3 if annotate else -1.1, 1.6)
    fig.tight_layout()
    return fig


def _limits(points: np.ndarray, margin: float = 0.08) -> tuple[tuple[float, float], ...]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 1e-3)
    lo, hi = lo - margin * span, hi + margin * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _space_label(model: nn.Sequential, index: int, name: str) -> tuple[str, str, str]:
    """Title and axis labels for the space after layer ``name``."""
    if index == 0:
        return "original space", "$x_0$", "$x_1$"
    layer = model[index - 1]
    if isinstance(layer, nn.Linear):
        return f"transformed ({name})", "$z_0$", "$z_1$"
    fn = type(layer).__name__
    return f"activated ({name}: {fn})", f"{fn}($z_0$)", f"{fn}($z_1$)"


def _panel(ax: Axes, model: nn.Sequential, X: np.ndarray, y: np.ndarray, index: int, name: str,
           grid_lines: Sequence[np.ndarray], resolution: int) -> None:
    # one forward pass for the data and every grid line together
    sizes = [len(X)] + [len(line) for line in grid_lines]
    mapped = map_to_stage(model, np.concatenate([X] + list(grid_lines)), index)
    points, *lines = np.split(mapped, np.cumsum(sizes)[:-1])
    (x_lo, x_hi), (y_lo, y_hi) = _limits(np.concatenate([points] + lines))
    xx, yy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    mesh = np.stack([xx.ravel(), yy.ravel()], axis=1)
    probs = predict_from_stage(model, mesh, index).reshape(xx.shape)
    ax.contourf(xx, yy, probs, levels=[0, 0.5, 1], cmap=REGION_CMAP, zorder=0)
    for line in lines:
        ax.plot(line[:, 0], line[:, 1], color="0.55", lw=0.6, zorder=1)
    if probs.min() < 0.5 < probs.max():
        ax.contour(xx, yy, probs, levels=[0.5], colors="k", linewidths=2, zorder=2)
    _scatter(ax, points, y, size=4)
    title, xlabel, ylabel = _space_label(model, index, name)
    ax.set_title(title, fontsize=11)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)


def _default_grid(X: np.ndarray) -> list[np.ndarray]:
    (x_lo, x_hi), (y_lo, y_hi) = _limits(X, margin=0.05)
    return make_grid_lines((x_lo, x_hi), (y_lo, y_hi), n_lines=11, n_samples=201)


def plot_feature_space(model: nn.Sequential, X, y, stages: Sequence[int] | None = None,
                       title: str = "", resolution: int = 200) -> Figure:
    """One panel per 2-D space of ``model`` (original, transformed, activated ...): data, bent
    grid, the two predicted regions and the decision boundary (black)."""
    X, y = _check_xy(X, y)
    all_stages = space_stages(model)
    if stages is not None:
        all_stages = [s for s in all_stages if s[0] in set(stages)]
        if not all_stages:
            raise ValueError(f"none of the stages {list(stages)} is a 2-D space of this model; "
                             f"pick from {[s[0] for s in space_stages(model)]}.")
    grid_lines = _default_grid(X)
    n = len(all_stages)
    fig, axs = plt.subplots(1, n, figsize=(4.2 * n, 4.0), squeeze=False)
    for ax, (index, name) in zip(axs[0], all_stages):
        _panel(ax, model, X, y, index, name, grid_lines, resolution)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_feature_space_evolution(model: nn.Sequential, states: Mapping[int, dict], X, y,
                                 epochs: Sequence[int] | None = None,
                                 resolution: int = 150) -> Figure:
    """The panels of ``plot_feature_space`` as rows, one row per saved epoch in ``states``."""
    X, y = _check_xy(X, y)
    epochs = sorted(states) if epochs is None else list(epochs)
    missing = [e for e in epochs if e not in states]
    if missing:
        raise ValueError(f"no saved weights for epochs {missing}; saved: {sorted(states)}.")
    work = copy.deepcopy(model)
    stages = space_stages(work)
    grid_lines = _default_grid(X)
    fig, axs = plt.subplots(len(epochs), len(stages),
                            figsize=(4.0 * len(stages), 3.7 * len(epochs)), squeeze=False)
    for row, epoch in zip(axs, epochs):
        work.load_state_dict(states[epoch])
        for ax, (index, name) in zip(row, stages):
            _panel(ax, work, X, y, index, name, grid_lines, resolution)
        row[0].annotate(f"epoch {epoch}", xy=(-0.32, 0.5), xycoords="axes fraction",
                        rotation=90, va="center", ha="center", fontsize=13, weight="bold")
    fig.tight_layout()
    return fig
