"""Figures of chapter 12 (tensors inside out, learning from raw tensors, FizzBuzz).

Every function draws what it is given and returns a matplotlib ``Figure``; none of them trains
or computes anything a reader should see done in the chapter.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["storage_diagram", "broadcast_shapes", "thermometer_plot", "loss_curves",
           "activation_gallery", "game_board"]

_PALETTE = plt.get_cmap("tab10").colors


def _box(ax, x: float, y: float, text: str, color, note: str = "") -> None:
    """One unit square at (x, y) with ``text`` in the middle and a small ``note`` below it."""
    ax.add_patch(Rectangle((x, y), 1, 1, facecolor=color, edgecolor="black", alpha=0.55))
    ax.text(x + 0.5, y + 0.55, text, ha="center", va="center", fontsize=11)
    if note:
        ax.text(x + 0.5, y + 0.15, note, ha="center", va="center", fontsize=7, color="0.25")


def storage_diagram(storage: Sequence[float],
                    views: Mapping[str, tuple[int, Sequence[int], Sequence[int]]]) -> Figure:
    """The flat ``storage`` on top and, below it, each view as a grid of its elements.

    ``views`` maps a name to ``(offset, size, stride)`` (one or two dimensions). An element of a
    view has the colour of the storage slot it reads, and is labelled with that slot's index.
    """
    storage = list(storage)
    if not storage:
        raise ValueError("storage must hold at least one value.")
    if not views:
        raise ValueError("give at least one view as name -> (offset, size, stride).")
    layouts = []
    for name, (offset, size, stride) in views.items():
        size, stride = list(size), list(stride)
        if len(size) != len(stride) or not 1 <= len(size) <= 2:
            raise ValueError(f"view {name!r}: size and stride must both have 1 or 2 entries.")
        rows, cols = (1, size[0]) if len(size) == 1 else size
        rs, cs = (0, stride[0]) if len(size) == 1 else stride
        index = [[offset + i * rs + j * cs for j in range(cols)] for i in range(rows)]
        if max(max(r) for r in index) >= len(storage):
            raise ValueError(f"view {name!r} reaches past the end of a storage of "
                             f"{len(storage)} values.")
        layouts.append((name, offset, size, stride, index))

    width = max(len(storage), *(len(ix[0]) for *_, ix in layouts)) + 1
    height = 2.0 + sum(len(ix) + 1.7 for *_, ix in layouts)
    fig, ax = plt.subplots(figsize=(0.9 * width + 2, 0.62 * height))
    top = height - 1.5
    ax.text(-0.2, top + 0.5, "storage", ha="right", va="center", fontsize=11, fontweight="bold")
    for k, value in enumerate(storage):
        _box(ax, k, top, f"{value:g}", _PALETTE[k % 10], note=f"[{k}]")
    y = top - 0.4   # the top edge of the next block
    for name, offset, size, stride, index in layouts:
        ax.text(0, y - 0.35, f"{name}: offset {offset}, size {tuple(size)}, stride {tuple(stride)}",
                ha="left", va="center", fontsize=10)
        for i, row in enumerate(index):
            for j, k in enumerate(row):
                _box(ax, j, y - 1.7 - i, f"{storage[k]:g}", _PALETTE[k % 10], note=f"[{k}]")
        y -= 1.7 + len(index)
    ax.set_xlim(-2.2, width)
    ax.set_ylim(y + 0.7, height)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("one storage, many views: element (i, j) sits at offset + i*stride[0] + j*stride[1]")
    fig.tight_layout()
    return fig


def broadcast_shapes(shapes: Mapping[str, Sequence[int]], result: Sequence[int]) -> Figure:
    """Operand shapes aligned from the right above the ``result`` shape.

    A dimension that broadcasting stretches (a 1, or a missing leading one) is shaded grey.
    """
    if not shapes:
        raise ValueError("give at least one operand shape.")
    result = list(result)
    ndim = len(result)
    if any(len(s) > ndim for s in shapes.values()):
        raise ValueError("an operand has more dimensions than the result.")
    rows = list(shapes.items()) + [("result", result)]
    fig, ax = plt.subplots(figsize=(1.1 * ndim + 2.5, 0.8 * len(rows) + 0.6))
    for r, (name, shape) in enumerate(rows):
        y = len(rows) - r - 1
        padded = [None] * (ndim - len(shape)) + list(shape)
        ax.text(-0.3, y + 0.5, name, ha="right", va="center", fontsize=11)
        for d, size in enumerate(padded):
            stretched = name != "result" and (size is None or (size == 1 and result[d] != 1))
            color = "0.8" if stretched else ("#9ecae1" if name != "result" else "#a1d99b")
            label = "(1)" if size is None else str(size)
            ax.add_patch(Rectangle((d, y + 0.1), 0.9, 0.8, facecolor=color, edgecolor="black"))
            ax.text(d + 0.45, y + 0.5, label, ha="center", va="center", fontsize=12)
    ax.set_xlim(-2.5, ndim + 0.2)
    ax.set_ylim(-0.2, len(rows))
    ax.axis("off")
    ax.set_title("broadcasting: align from the right, stretch the grey sizes")
    fig.tight_layout()
    return fig


def thermometer_plot(t_u, t_c, lines: Mapping[str, tuple] | None = None,
                     xlabel: str = "reading (unknown units)") -> Figure:
    """The readings as dots and, optionally, model curves given as name -> (x, y)."""
    t_u, t_c = np.asarray(t_u, dtype=float).ravel(), np.asarray(t_c, dtype=float).ravel()
    if t_u.shape != t_c.shape:
        raise ValueError(f"t_u and t_c must have the same length, got {t_u.size} and {t_c.size}.")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(t_u, t_c, color="black", zorder=3, label="readings")
    for k, (name, (x, y)) in enumerate((lines or {}).items()):
        ax.plot(np.asarray(x).ravel(), np.asarray(y).ravel(), color=_PALETTE[k % 10], label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("temperature (°C)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def loss_curves(curves: Mapping[str, Sequence[float]], title: str = "",
                logy: bool = False, xlabel: str = "epoch") -> Figure:
    """One line per named curve, against its epoch number (starting at 1)."""
    if not curves:
        raise ValueError("give at least one curve as name -> values.")
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, values in curves.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def activation_gallery(x, curves: Mapping[str, Sequence[float]], ncols: int = 3) -> Figure:
    """One small panel per activation function, drawn over the same inputs ``x``."""
    if not curves:
        raise ValueError("give at least one activation as name -> values.")
    nrows = -(-len(curves) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows), squeeze=False)
    for ax in axes.flat[len(curves):]:
        ax.axis("off")
    for ax, (name, y) in zip(axes.flat, curves.items()):
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.plot(x, y, lw=2)
        ax.set_title(name)
    fig.tight_layout()
    return fig


def game_board(numbers: Sequence[int], answers: Sequence[str], correct: Sequence[bool],
               ncols: int = 10) -> Figure:
    """A grid of numbers with what was said for each, green when right and red when wrong."""
    if not len(numbers) == len(answers) == len(correct):
        raise ValueError("numbers, answers and correct must have the same length.")
    nrows = -(-len(numbers) // ncols)
    fig, ax = plt.subplots(figsize=(1.05 * ncols, 0.8 * nrows + 0.6))
    for k, (n, said, ok) in enumerate(zip(numbers, answers, correct)):
        col, row = k % ncols, nrows - 1 - k // ncols
        ax.add_patch(Rectangle((col, row), 0.95, 0.9, edgecolor="none",
                               facecolor="#a1d99b" if ok else "#fb6a4a"))
        ax.text(col + 0.47, row + 0.62, str(n), ha="center", fontsize=7, color="0.3")
        ax.text(col + 0.47, row + 0.25, said, ha="center", fontsize=7)
    ax.set_xlim(0, ncols)
    ax.set_ylim(0, nrows)
    ax.axis("off")
    ax.set_title(f"{sum(map(bool, correct))} of {len(correct)} right")
    fig.tight_layout()
    return fig
