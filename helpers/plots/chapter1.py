"""Figures of chapter 1, "A Simple Regression Problem".

One function per figure; each returns the matplotlib ``Figure`` it drew. Two figures are the same
as in chapter 0 and are re-exported from there (``plot_train_val``, ``plot_final_fit``).
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

from helpers.plots.chapter0 import plot_final_fit, plot_train_val

__all__ = ["plot_train_val", "plot_final_fit", "plot_simplest_network", "plot_tensor_ranks",
           "plot_graph", "plot_layered_network"]

NODE, BIAS, OUT = "#aec7e8", "#ffbb78", "#98df8a"


def _node(ax, xy, text, colour, radius=0.35) -> None:
    """Draw one labelled circle (a unit of a network diagram)."""
    ax.add_patch(Circle(xy, radius, facecolor=colour, edgecolor="k", linewidth=1.5, zorder=2))
    ax.text(*xy, text, ha="center", va="center", fontsize=13, zorder=3)


def _arrow(ax, start, end, text=None, radius=0.35, offset=(0.0, 0.15)) -> None:
    """Draw an arrow between two node centres, stopping at the circles' edges."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = (end - start) / np.linalg.norm(end - start)
    ax.add_patch(FancyArrowPatch(start + radius * direction, end - radius * direction,
                                 arrowstyle="-|>", mutation_scale=15, linewidth=1.2,
                                 color="k", zorder=1))
    if text:
        middle = (start + end) / 2 + np.asarray(offset)
        ax.text(*middle, text, ha="center", va="center", fontsize=13)


def plot_simplest_network() -> Figure:
    """Draw linear regression as a neural network: one input, one weight, one bias, one output."""
    fig, ax = plt.subplots(figsize=(6, 3))
    _node(ax, (0, 0), "$x$", NODE)
    _node(ax, (3, 1.1), "$1$", BIAS)
    _node(ax, (4.5, 0), r"$\hat{y}$", OUT)
    _arrow(ax, (0, 0), (4.5, 0), "$w$", offset=(0, 0.25))
    _arrow(ax, (3, 1.1), (4.5, 0), "$b$", offset=(0.35, 0.2))
    ax.text(4.5, -0.75, r"$\hat{y} = b + w\,x$", ha="center", fontsize=13)
    ax.text(0, -0.75, "input", ha="center")
    ax.set_xlim(-0.8, 5.5)
    ax.set_ylim(-1.1, 1.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("One input, one output, no activation")
    fig.tight_layout()
    return fig


def _cells(ax, rows: int, cols: int, origin=(0.0, 0.0), shade="#c6dbef", depth_shift=None) -> None:
    """Draw a rows x cols block of unit squares with its lower-left corner at ``origin``."""
    x0, y0 = origin
    for r in range(rows):
        for c in range(cols):
            ax.add_patch(Rectangle((x0 + c, y0 + rows - 1 - r), 1, 1, facecolor=shade,
                                   edgecolor="k", linewidth=1))


def plot_tensor_ranks() -> Figure:
    """Draw a scalar, a vector, a matrix and a 3-D tensor, with their shapes."""
    fig, axs = plt.subplots(1, 4, figsize=(13, 3.4),
                            gridspec_kw={"width_ratios": [1, 1.3, 2.2, 2.6]})
    specs = [("scalar", "shape ()", [(1, 1)]), ("vector", "shape (4,)", [(4, 1)]),
             ("matrix", "shape (4, 3)", [(4, 3)]), ("tensor", "shape (3, 4, 3)", [(4, 3)] * 3)]
    shades = ["#c6dbef", "#9ecae1", "#6baed6"]
    for ax, (name, shape, blocks) in zip(axs, specs):
        for depth, (rows, cols) in reversed(list(enumerate(blocks))):
            _cells(ax, rows, cols, origin=(0.6 * depth, 0.6 * depth), shade=shades[depth % 3])
        ax.set_xlim(-0.5, 5.2)
        ax.set_ylim(-0.5, 5.7)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"{name}\n{shape}")
    fig.suptitle("Everything is a tensor: the number of dimensions is what differs")
    fig.tight_layout()
    return fig


def plot_graph(graph, title: str | None = None, figsize: tuple[float, float] = (5.0, 5.0),
               dpi: int = 150) -> Figure:
    """Render a graphviz ``Digraph`` (e.g. from torchviz's ``make_dot``) into a Figure.

    Graphviz draws a PNG (this needs the ``dot`` program) at ``dpi`` dots per inch, and the image
    is fitted, without distortion, into a figure of fixed size ``figsize``. A fixed size keeps the
    notebook's text output (``<Figure size ...>``) the same whatever the Graphviz version, and a
    PNG replaces the default SVG because torchviz names the SVG nodes after memory addresses,
    which change on every run. The graph passed in is not modified.
    """
    if not hasattr(graph, "pipe") or not hasattr(graph, "copy"):
        raise TypeError(f"graph must be a graphviz Digraph (e.g. make_dot(...)), "
                        f"got {type(graph).__name__}.")
    if len(figsize) != 2 or min(figsize) <= 0:
        raise ValueError(f"figsize must be two positive numbers (width, height), got {figsize}.")
    graph = graph.copy()
    graph.graph_attr["dpi"] = str(int(dpi))
    image = mpimg.imread(io.BytesIO(graph.pipe(format="png")), format="png")
    fig, ax = plt.subplots(figsize=figsize)
    ax.imshow(image, interpolation="antialiased")
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_layered_network(sizes: Sequence[int] = (3, 5, 1)) -> Figure:
    """Draw a fully connected network with the given number of units per layer."""
    sizes = list(sizes)
    if len(sizes) < 2 or any(not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
        raise ValueError(f"sizes must list at least two positive integers, got {sizes}.")
    fig, ax = plt.subplots(figsize=(2.2 * len(sizes) + 1, 0.9 * max(sizes) + 1.5))
    positions = []
    for layer, size in enumerate(sizes):
        ys = np.arange(size)[::-1] - (size - 1) / 2
        positions.append([(2.5 * layer, 1.1 * y) for y in ys])
    for left, right in zip(positions, positions[1:]):
        for a in left:
            for b in right:
                _arrow(ax, a, b, radius=0.3)
    names = ["input"] + [f"hidden layer\n({s} units)" for s in sizes[1:-1]] + ["output"]
    for layer, (points, name) in enumerate(zip(positions, names)):
        colour = NODE if layer == 0 else OUT if layer == len(sizes) - 1 else BIAS
        for i, xy in enumerate(points):
            label = f"$x_{i + 1}$" if layer == 0 else (r"$\hat{y}$" if layer == len(sizes) - 1
                                                     else f"$h_{i + 1}$")
            _node(ax, xy, label, colour, radius=0.3)
        ax.text(points[0][0], 1.1 * (max(sizes) - 1) / 2 + 0.7, name, ha="center", va="bottom")
    ax.set_aspect("equal")
    ax.axis("off")
    ax.autoscale_view()
    ax.set_xlim(-0.8, 2.5 * (len(sizes) - 1) + 0.8)
    ax.set_ylim(-1.1 * (max(sizes) - 1) / 2 - 0.6, 1.1 * (max(sizes) - 1) / 2 + 1.6)
    fig.tight_layout()
    return fig
