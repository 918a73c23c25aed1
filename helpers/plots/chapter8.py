"""Figures of chapter 8 (sequences); chapters 9 and 10 reuse ``plot_data``, ``counter_vs_clock``
and ``plot_sequences``.

Every public function draws one figure and returns the matplotlib ``Figure``;
``probability_contour`` draws into an ``Axes`` it is given. The "journey" figures take a trained
model apart with the hand-made cells of ``helpers.nn.recurrent``, so that each intermediate feature
space can be drawn.
"""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.utils.rnn as rnn_utils
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from data_generation.square_sequences import (CORNER_COLORS, CORNER_NAMES, CORNERS,
                                              canonical_sequences, corner_names)
from helpers.nn.recurrent import ManualGRUCell, ManualRNNCell

__all__ = ["counter_vs_clock", "plot_sequences", "plot_data", "rnn_diagram", "cell_diagram",
           "feature_space_steps", "plot_transformed_inputs", "probability_contour",
           "canonical_contour", "hidden_states_contour", "rnn_journey", "hidden_path",
           "gru_journey", "image_padding", "plot_packing", "moving_window", "conv1d_windows",
           "edge_features"]

# Two colours for the two classes: red = counterclockwise (0), blue = clockwise (1).
CLASS_COLORS = ("#d62728", "#1f77b4")
CLASS_CMAP = ListedColormap(CLASS_COLORS)


def _device_of(model: nn.Module) -> torch.device:
    """The device holding the model's parameters."""
    return next(model.parameters()).device


def _square_axes(ax, lim: float = 1.5) -> None:
    """Equal, fixed limits and light ticks for a square plot."""
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])


def _draw_corners(ax, alphas=(1, 1, 1, 1), letters: bool = True, size: int = 300) -> None:
    """The four lettered, coloured corners of the perfect square."""
    for (x, y), name, color, alpha in zip(CORNERS, CORNER_NAMES, CORNER_COLORS, alphas):
        ax.scatter(x, y, s=size, c=color, alpha=alpha, zorder=3)
        if letters:
            ax.text(x, y, name, ha="center", va="center", color="white", fontsize=12,
                    fontweight="bold", zorder=4)


def counter_vs_clock(draw_arrows: bool = True, binary: bool = True) -> Figure:
    """The lettered square; with arrows, the two directions (not binary: the first two steps)."""
    if not draw_arrows:
        fig, ax = plt.subplots(1, 1, figsize=(4, 4))
        _draw_corners(ax)
        for (x, y), name in zip(CORNERS, CORNER_NAMES):
            ax.annotate(f"{name}({x:.0f}, {y:.0f})", (x, y), xytext=(x * 0.55, y * 1.3),
                        ha="center", va="center")
        ax.plot(*np.vstack([CORNERS, CORNERS[:1]]).T, c="k", lw=0.8, alpha=0.3)
        _square_axes(ax)
        ax.set_title("The square")
        fig.tight_layout()
        return fig

    fig, axs = plt.subplots(1, 2, figsize=(8, 4))
    # clockwise is A -> B -> C -> D; counterclockwise is A -> D -> C -> B
    orders = {"Counterclockwise": [0, 3, 2, 1, 0], "Clockwise": [0, 1, 2, 3, 0]}
    for ax, (title, order), label in zip(axs, orders.items(), (0, 1)):
        alphas = (1, 1, 1, 1) if binary else [1 if i in order[:2] else 0.25 for i in range(4)]
        _draw_corners(ax, alphas=alphas)
        for step, (i, j) in enumerate(zip(order[:-1], order[1:])):
            if not binary and step > 1:
                break
            start, end = CORNERS[i] * 0.85, CORNERS[j] * 0.85
            style = "-" if (binary or step == 0) else "--"
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18,
                                         lw=2, ls=style, color=CLASS_COLORS[label], zorder=2))
        _square_axes(ax)
        ax.set_title(f"{title} (y={label})" if binary else f"{title}: source, then target")
    fig.tight_layout()
    return fig


def plot_sequences(binary: bool = True, target_len: int = 0) -> Figure:
    """The eight possible sequences as rows of lettered dots; the last ``target_len`` are faint."""
    if not 0 <= target_len <= 4:
        raise ValueError(f"target_len must be between 0 and 4, got {target_len}.")
    points, directions = canonical_sequences()
    fig, ax = plt.subplots(1, 1, figsize=(5, 5))
    for row, (seq, direction) in enumerate(zip(points, directions)):
        y = 7 - row
        for col, corner in enumerate(seq):
            idx = int(np.flatnonzero((CORNERS == corner).all(1))[0])
            alpha = 0.3 if col >= 4 - target_len else 1.0
            ax.scatter(col, y, s=400, c=CORNER_COLORS[idx], alpha=alpha)
            ax.text(col, y, CORNER_NAMES[idx], ha="center", va="center", color="white",
                    fontweight="bold")
        label = "clockwise" if direction else "counterclockwise"
        text = f"{label} (y={direction})" if binary else label
        ax.text(4.0, y, text, va="center", color=CLASS_COLORS[direction])
    ax.set_xlim(-0.6, 6.6)
    ax.set_ylim(-0.6, 7.6)
    ax.axis("off")
    if target_len:
        ax.set_title(f"Source (solid) and target (faint, {target_len} corners)")
    else:
        ax.set_title("The eight possible sequences")
    fig.tight_layout()
    return fig


def plot_data(points, directions, n_rows: int = 2, n_cols: int = 5) -> Figure:
    """A grid of squares: corners numbered in drawing order, joined by lines, direction on top."""
    if n_rows * n_cols > len(points):
        raise ValueError(f"a {n_rows}x{n_cols} grid needs {n_rows * n_cols} sequences, "
                         f"got {len(points)}.")
    fig, axs = plt.subplots(n_rows, n_cols, figsize=(2.6 * n_cols, 2.7 * n_rows), squeeze=False)
    for ax, seq, direction in zip(axs.flat, points, directions):
        seq = np.asarray(seq)
        names = corner_names(seq)
        ax.plot(seq[:, 0], seq[:, 1], c="k", lw=0.8, alpha=0.5)
        for i, (x, y) in enumerate(seq):
            color = CORNER_COLORS[CORNER_NAMES.index(names[i])]
            ax.scatter(x, y, s=180, c=color, zorder=3)
            ax.text(x, y, str(i + 1), ha="center", va="center", color="white", fontsize=9,
                    fontweight="bold", zorder=4)
        label = "clockwise" if int(direction) else "counterclockwise"
        ax.set_title(f"{label} (y={int(direction)})", fontsize=10,
                     color=CLASS_COLORS[int(direction)])
        _square_axes(ax)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Diagrams
# ----------------------------------------------------------------------------------------------
def _box(ax, xy, text, color="#dde7f3", w=1.2, h=0.6, fontsize=10):
    """A rounded box centred on ``xy``."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                fc=color, ec="k", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, start, end, color="k", text=None, offset=(0, 0.12), style="-|>", ls="-"):
    """An arrow with an optional label at its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 lw=1.4, ls=ls, shrinkA=2, shrinkB=2))
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="bottom", fontsize=9, color=color)


def rnn_diagram(kind: str = "unrolled", n_steps: int = 2) -> Figure:
    """Boxes and arrows: an RNN rolled and unrolled, a two-layer stack, or a bidirectional RNN."""
    if kind not in ("unrolled", "stacked", "bidirectional"):
        raise ValueError(f"kind must be 'unrolled', 'stacked' or 'bidirectional', got {kind!r}.")
    fig, ax = plt.subplots(1, 1, figsize=(3.2 + 2.2 * n_steps, 3.6 if kind == "unrolled" else 4.6))
    xs = [(3.2 if kind == "unrolled" else 2.6) + 2.2 * t for t in range(n_steps)]
    if kind == "unrolled":
        # rolled version on the left: one cell with a loop
        _box(ax, (0, 1), "RNN\ncell", h=0.8)
        ax.add_patch(FancyArrowPatch((0.45, 1.4), (-0.45, 1.4), connectionstyle="arc3,rad=1.6",
                                     arrowstyle="-|>", mutation_scale=14, lw=1.4))
        _arrow(ax, (0, -0.2), (0, 0.6), text=None)
        ax.text(0, -0.35, "$x_t$", ha="center", va="top")
        ax.text(0, 2.15, "$h_t$", ha="center")
        ax.text(1.1, 1, "=", fontsize=20, ha="center", va="center")
        _arrow(ax, (xs[0] - 1.6, 1), (xs[0] - 0.62, 1), text="$h_i$ (zeros)")
        for t, x in enumerate(xs):
            _box(ax, (x, 1), "RNN\ncell", h=0.8)
            _arrow(ax, (x, -0.2), (x, 0.6))
            ax.text(x, -0.35, f"$x_{t}$", ha="center", va="top")
            _arrow(ax, (x, 1.4), (x, 2.0))
            name = f"$h_{t}$" + (" = $h_f$" if t == n_steps - 1 else "")
            ax.text(x, 2.05, name, ha="center", va="bottom")
            if t < n_steps - 1:
                _arrow(ax, (x + 0.62, 1), (xs[t + 1] - 0.62, 1), text=f"$h_{t}$")
        ax.set_title("An RNN, rolled (left) and unrolled over the sequence (right)")
        ax.set_xlim(-1.3, xs[-1] + 1)
        ax.set_ylim(-0.9, 2.6)
    else:
        rows = (("layer 1", 0.8, "#dde7f3"), ("layer 2", 2.6, "#f3e3dd")) if kind == "stacked" \
            else (("forward", 0.8, "#dde7f3"), ("reverse", 2.6, "#f3e3dd"))
        for name, y, color in rows:
            ax.text(0.9 if kind == "stacked" else 0.4, y, name, ha="right", va="center",
                    fontsize=10)
            for t, x in enumerate(xs):
                _box(ax, (x, y), "cell", color=color)
            for t in range(n_steps - 1):
                if kind == "bidirectional" and name == "reverse":
                    _arrow(ax, (xs[t + 1] - 0.62, y), (xs[t] + 0.62, y), color="#b0452a")
                else:
                    _arrow(ax, (xs[t] + 0.62, y), (xs[t + 1] - 0.62, y))
        for t, x in enumerate(xs):
            ax.text(x, -0.45, f"$x_{t}$", ha="center", va="top")
            _arrow(ax, (x, -0.4), (x, 0.48))
            if kind == "stacked":
                _arrow(ax, (x, 1.12), (x, 2.28), text=f"$h^{{(1)}}_{t}$", offset=(0.35, -0.1))
                _arrow(ax, (x, 2.92), (x, 3.6))
                ax.text(x, 3.65, f"output$_{t}$ = $h^{{(2)}}_{t}$", ha="center", va="bottom")
            else:
                ax.add_patch(FancyArrowPatch((x - 0.3, -0.4), (x - 0.3, 2.28), arrowstyle="-|>",
                                             mutation_scale=14, lw=1.2, color="#b0452a",
                                             connectionstyle="arc3,rad=0.25"))
                ax.add_patch(FancyArrowPatch((x + 0.62, 0.8), (x + 0.25, 3.6), arrowstyle="-|>",
                                             mutation_scale=14, lw=1.2, color="#1f4e8c",
                                             connectionstyle="arc3,rad=0.35"))
                _arrow(ax, (x, 2.92), (x, 3.6), color="#b0452a")
                ax.text(x, 3.65, f"[$\\overrightarrow{{h}}_{t}$, $\\overleftarrow{{h}}_{t}$]",
                        ha="center", va="bottom")
        if kind == "bidirectional":
            ax.text(xs[-1] + 1.0, 0.5, "final\nforward\nstate", ha="left", va="center",
                    fontsize=8, color="#1f4e8c")
            ax.text(xs[0] - 0.7, 2.6, "final\nreverse\nstate", ha="right", va="center",
                    fontsize=8, color="#b0452a")
        title = ("Stacked RNN: the outputs of layer 1 are the inputs of layer 2"
                 if kind == "stacked"
                 else "Bidirectional RNN: one cell reads forward, another reads backward")
        ax.set_title(title)
        ax.set_xlim(-0.8, xs[-1] + 1.6)
        ax.set_ylim(-1.0, 4.3)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def cell_diagram(kind: str = "rnn") -> Figure:
    """The inside of an RNN, GRU or LSTM cell as a flow of affine maps, gates and activations."""
    if kind not in ("rnn", "gru", "lstm"):
        raise ValueError(f"kind must be 'rnn', 'gru' or 'lstm', got {kind!r}.")
    fig, ax = plt.subplots(1, 1, figsize=(8, 4.4))
    gray, red, blue, green, black = "#7f7f7f", "#d62728", "#1f77b4", "#2ca02c", "k"
    if kind == "rnn":
        _box(ax, (1.5, 2.6), "linear_hidden\n$W_{hh}h + b_{hh}$", w=2.2, h=0.8)
        _box(ax, (1.5, 0.6), "linear_input\n$W_{ih}x + b_{ih}$", w=2.2, h=0.8)
        _box(ax, (4.0, 1.6), "+", w=0.5, h=0.5, fontsize=14)
        _box(ax, (5.6, 1.6), "tanh", w=1.0, h=0.6, color="#fbe9c6")
        ax.text(-0.6, 2.6, "h", fontsize=14, ha="center", va="center", color=gray)
        ax.text(-0.6, 0.6, "x", fontsize=14, ha="center", va="center")
        _arrow(ax, (-0.4, 2.6), (0.35, 2.6), color=gray)
        _arrow(ax, (-0.4, 0.6), (0.35, 0.6))
        _arrow(ax, (2.65, 2.6), (3.75, 1.75), text="$t_h$")
        _arrow(ax, (2.65, 0.6), (3.75, 1.45), text="$t_x$", offset=(0, -0.35))
        _arrow(ax, (4.25, 1.6), (5.1, 1.6))
        _arrow(ax, (6.1, 1.6), (7.3, 1.6), text="h'")
        ax.add_patch(FancyArrowPatch((6.8, 1.6), (-0.6, 2.9), connectionstyle="arc3,rad=0.45",
                                     arrowstyle="-|>", mutation_scale=14, lw=1.2, ls="--",
                                     color=gray))
        ax.text(3.0, 3.55, "h' becomes the hidden state of the next step", ha="center",
                color=gray, fontsize=9)
        ax.set_title("RNN cell: two linear layers, a sum, and a tanh")
    elif kind == "gru":
        _box(ax, (1.4, 2.7), "reset gate r\n$\\sigma(t_{hr}+t_{xr})$", color="#f8d4d4", w=2.0,
             h=0.8)
        _box(ax, (1.4, 1.6), "update gate z\n$\\sigma(t_{hz}+t_{xz})$", color="#d4e4f8", w=2.0,
             h=0.8)
        _box(ax, (1.4, 0.4), "$t_{hn}=W_{hn}h+b_{hn}$\n$t_{xn}=W_{in}x+b_{in}$", w=2.2, h=0.8)
        _box(ax, (4.6, 0.5), "candidate n\n$\\tanh(r\\odot t_{hn}+t_{xn})$", w=2.6, h=0.8,
             color="#eeeeee")
        _box(ax, (7.3, 1.8), "$h'=(1-z)\\odot n$\n$+\\,z\\odot h$", w=2.0, h=0.8,
             color="#fbe9c6")
        ax.text(-0.7, 3.7, "h", fontsize=14, ha="center", va="center", color=gray)
        ax.plot([-0.5, 7.3], [3.7, 3.7], c=gray, lw=1.4)
        _arrow(ax, (7.3, 3.7), (7.3, 2.25), color=gray, text="old state h", offset=(0.75, 0.3))
        ax.text(1.4, 3.35, "every gate reads h and x", ha="center", fontsize=8, color=gray)
        _arrow(ax, (2.45, 2.5), (4.0, 0.98), color=red, text="r", offset=(0.2, 0))
        _arrow(ax, (2.55, 0.45), (3.25, 0.5), color=black)
        _arrow(ax, (2.45, 1.7), (6.25, 1.75), color=blue, text="z", offset=(0.6, 0.0))
        _arrow(ax, (5.95, 0.6), (6.6, 1.35), color=black, text="n", offset=(-0.2, 0))
        _arrow(ax, (8.35, 1.8), (9.1, 1.8), text="h'")
        ax.set_title("GRU cell: reset gate (red), update gate (blue), candidate (black), "
                     "old state (gray)", fontsize=10)
    else:
        _box(ax, (1.2, 3.3), "forget f", color="#f8d4d4", w=1.5, h=0.5)
        _box(ax, (1.2, 2.5), "input i", color="#d8f0d4", w=1.5, h=0.5)
        _box(ax, (1.2, 1.7), "candidate g\n(tanh)", color="#eeeeee", w=1.5, h=0.6)
        _box(ax, (1.2, 0.7), "output o", color="#d4e4f8", w=1.5, h=0.5)
        ax.text(1.2, 0.05, "each: $\\sigma$ (or tanh) of $t_h + t_x$", ha="center", fontsize=9)
        _box(ax, (4.8, 3.3), "$f\\odot c$", color="#f8d4d4", w=1.1, h=0.5)
        _box(ax, (4.8, 2.1), "$i\\odot g$", color="#d8f0d4", w=1.1, h=0.5)
        _box(ax, (6.6, 2.7), "$c' = $ sum", color="#fbe9c6", w=1.3, h=0.5)
        _box(ax, (6.6, 1.0), "$h'=o\\odot\\tanh(c')$", color="#d4e4f8", w=2.0, h=0.5)
        ax.text(-0.7, 3.95, "c", fontsize=14, ha="center", va="center", color=gray)
        ax.plot([-0.5, 4.8], [3.95, 3.95], c=gray, lw=1.4)
        ax.text(2.0, 4.0, "old cell state c", ha="center", va="bottom", fontsize=9, color=gray)
        _arrow(ax, (4.8, 3.95), (4.8, 3.58), color=gray)
        _arrow(ax, (1.95, 3.3), (4.25, 3.3), color=red)
        _arrow(ax, (1.95, 2.5), (4.25, 2.2), color=green)
        _arrow(ax, (1.95, 1.7), (4.25, 2.0), color=black)
        _arrow(ax, (5.35, 3.3), (6.2, 2.9))
        _arrow(ax, (5.35, 2.1), (6.2, 2.55))
        _arrow(ax, (6.6, 2.45), (6.6, 1.25))
        _arrow(ax, (1.95, 0.7), (5.6, 0.95), color=blue)
        _arrow(ax, (7.25, 2.7), (8.4, 2.7))
        ax.text(8.5, 2.7, "c'\n(long-term)", ha="left", va="center", fontsize=9)
        _arrow(ax, (7.6, 1.0), (8.4, 1.0))
        ax.text(8.5, 1.0, "h'\n(short-term)", ha="left", va="center", fontsize=9)
        ax.set_title("LSTM cell: forget (red), input (green), output (blue), candidate (black)")
    ax.set_xlim(-1, 9.9)
    ax.set_ylim(-0.2, 4.4)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Feature spaces: a grid of hidden states pushed through each step of a cell
# ----------------------------------------------------------------------------------------------
def _grid_lines(lim: float = 1.0, n_lines: int = 11, n_points: int = 60) -> list[np.ndarray]:
    """Horizontal and vertical lines over [-lim, lim]^2, each an (n_points, 2) array."""
    ticks = np.linspace(-lim, lim, n_lines)
    dense = np.linspace(-lim, lim, n_points)
    lines = [np.stack([dense, np.full_like(dense, t)], 1) for t in ticks]
    lines += [np.stack([np.full_like(dense, t), dense], 1) for t in ticks]
    return lines


def _cell_from_layer(layer: nn.Module):
    """A hand-made cell holding the weights of a one-layer nn.RNN or nn.GRU."""
    weights = {k.replace("_l0", ""): v for k, v in layer.state_dict().items()
               if k.endswith("_l0")}
    cell_cls = ManualGRUCell if isinstance(layer, nn.GRU) else ManualRNNCell
    cell = cell_cls(layer.input_size, layer.hidden_size)
    cell.load_state_dict(weights)
    return cell.to("cpu").eval()


def _map_lines(lines, fn):
    """Apply ``fn`` (a tensor (M, 2) -> tensor (M, 2) function) to every grid line."""
    with torch.no_grad():
        return [fn(torch.as_tensor(line, dtype=torch.float32)).numpy() for line in lines]


def _draw_space(ax, lines, point, color, title, lim=None):
    """Draw the (deformed) grid in gray and the actual state as a big dot."""
    for line in lines:
        ax.plot(line[:, 0], line[:, 1], c="gray", lw=0.6, alpha=0.6)
    ax.scatter(*point, s=120, c=color, edgecolors="k", zorder=3)
    ax.axhline(0, c="k", lw=0.4)
    ax.axvline(0, c="k", lw=0.4)
    ax.set_title(title, fontsize=9)
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)


def _column_limits(rows) -> list[float]:
    """One symmetric axis limit per column (stage), shared by all rows, at least 1.1."""
    return [max(1.1, 1.05 * max(np.abs(np.concatenate(row[j])).max() for row in rows))
            for j in range(len(rows[0]))]


def _stage_grid(rows, titles, colors, lims, figsize, digits: int) -> Figure:
    """One row of four hidden-space panels per ``(spaces, points)`` in ``rows``, the point printed."""
    fig, axs = plt.subplots(len(rows), 4, figsize=figsize, squeeze=False)
    for r, (spaces, points) in enumerate(rows):
        for j in range(4):
            x, y = points[j][0], points[j][1]
            _draw_space(axs[r, j], spaces[j], points[j], colors[r],
                        f"{titles[r][j]}\n[{x:.{digits}f}, {y:.{digits}f}]", lims[j])
    fig.tight_layout()
    return fig


def _rnn_stages(cell: ManualRNNCell, x: torch.Tensor, h: torch.Tensor):
    """The four stages of one RNN step for the grid and for the actual state."""
    Wx, bx, Wh, bh = cell.gate_weights()[0]
    t_x = (Wx @ x + bx)
    parts = cell.intermediates(x, h)
    fns = [lambda g: g, lambda g: g @ Wh.T + bh, lambda g: g @ Wh.T + bh + t_x,
           lambda g: torch.tanh(g @ Wh.T + bh + t_x)]
    points = [h, parts["t_h"], parts["adding"], parts["h"]]
    return fns, [p.detach().numpy() for p in points]


def feature_space_steps(cell: nn.Module, x, h=None) -> Figure:
    """One RNN step in hidden space: initial grid, after linear_hidden, after + t_x, after tanh."""
    manual = ManualRNNCell(cell.input_size, cell.hidden_size)
    manual.load_state_dict(cell.state_dict())
    if manual.hidden_size != 2:
        raise ValueError("feature_space_steps draws a 2-D hidden space; use hidden_size=2.")
    x = torch.as_tensor(x, dtype=torch.float32).cpu()
    h = torch.zeros(2) if h is None else torch.as_tensor(h, dtype=torch.float32).cpu()
    with torch.no_grad():
        fns, points = _rnn_stages(manual, x, h)
    titles = ["hidden state h", "after linear_hidden ($t_h$)", "after adding $t_x$",
              "after tanh (h')"]
    lines = _grid_lines()
    spaces = [_map_lines(lines, fn) for fn in fns]
    lim = max(1.1, max(np.abs(np.concatenate(s)).max() for s in spaces) * 1.05)
    return _stage_grid([(spaces, points)], [titles], ["k"], [lim] * 4, (14, 3.8), digits=4)


def rnn_journey(model: nn.Module, sequence) -> Figure:
    """The 4x4 journey of a hidden state: rows = corners; input, transformed, translated, tanh."""
    cell = _cell_from_layer(model.recurrent)
    seq = torch.as_tensor(np.asarray(sequence), dtype=torch.float32)
    names = corner_names(seq.numpy())
    lines = _grid_lines()
    rows, h = [], torch.zeros(cell.hidden_size)
    with torch.no_grad():
        for t in range(len(seq)):
            fns, points = _rnn_stages(cell, seq[t], h)
            rows.append(([_map_lines(lines, fn) for fn in fns], points))
            h = torch.as_tensor(points[-1])
    lims = _column_limits([spaces for spaces, _ in rows])
    titles = ["hidden state", "transformed ($t_h$)", "translated ($+t_x$)", "activated (tanh)"]
    colors = [CORNER_COLORS[CORNER_NAMES.index(name)] for name in names]
    row_titles = [[f"{name}: {title}" for title in titles] for name in names]
    return _stage_grid(rows, row_titles, colors, lims, (12, 3 * len(seq)), digits=2)


def hidden_path(model: nn.Module, sequence) -> Figure:
    """Every intermediate state of an RNN over one sequence, joined, inside the tanh box."""
    cell = _cell_from_layer(model.recurrent)
    seq = torch.as_tensor(np.asarray(sequence), dtype=torch.float32)
    names = corner_names(seq.numpy())
    fig, ax = plt.subplots(1, 1, figsize=(8, 5.5))
    ax.add_patch(Rectangle((-1, -1), 2, 2, fill=False, ls="--", ec="k", lw=1))
    h = torch.zeros(cell.hidden_size)
    ax.scatter(0, 0, s=80, c="k", zorder=3, label="initial (zeros)")
    with torch.no_grad():
        for t in range(len(seq)):
            parts = cell.intermediates(seq[t], h)
            path = np.stack([h.numpy(), parts["t_h"].numpy(), parts["adding"].numpy(),
                             parts["h"].numpy()])
            color = CORNER_COLORS[CORNER_NAMES.index(names[t])]
            ax.plot(path[:, 0], path[:, 1], "-o", c=color, ms=4,
                    label=f"point {t + 1} ({names[t]})")
            h = parts["h"]
    ax.scatter(*h.numpy(), marker="*", s=400, c="gold", edgecolors="k", zorder=4,
               label=f"final [{h[0]:.2f}, {h[1]:.2f}]")
    ax.set_aspect("equal")
    ax.set_title(f"The path of the hidden state for {names}\n(dashed box: the range of tanh)")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def gru_journey(model: nn.Module, sequence) -> Figure:
    """The gated journey of a GRU hidden state: rows = corners, 7 columns of feature spaces."""
    cell = _cell_from_layer(model.recurrent)
    if not isinstance(cell, ManualGRUCell):
        raise TypeError("gru_journey needs a model whose recurrent layer is an nn.GRU.")
    seq = torch.as_tensor(np.asarray(sequence), dtype=torch.float32)
    names = corner_names(seq.numpy())
    (_, _, _, _), (_, _, _, _), (Wxn, bxn, Whn, bhn) = cell.gate_weights()
    lines = _grid_lines()
    rows, h = [], torch.zeros(cell.hidden_size)
    with torch.no_grad():
        for t in range(len(seq)):
            p = cell.intermediates(seq[t], h)
            r, z, t_xn = p["r"], p["z"], p["t_xn"]

            def n_of(g, r=r, t_xn=t_xn):
                return torch.tanh(r * (g @ Whn.T + bhn) + t_xn)
            fns = [lambda g: g,
                   lambda g: g @ Whn.T + bhn,
                   lambda g, r=r: r * (g @ Whn.T + bhn),
                   lambda g, r=r, t_xn=t_xn: r * (g @ Whn.T + bhn) + t_xn,
                   n_of,
                   lambda g, z=z, n_of=n_of: (1 - z) * n_of(g),
                   lambda g, z=z, n_of=n_of: (1 - z) * n_of(g) + z * g]
            points = [h, p["t_hn"], r * p["t_hn"], r * p["t_hn"] + t_xn, p["n"],
                      (1 - z) * p["n"], p["h"]]
            titles = ["hidden state h", "transformed $t_{hn}$",
                      f"reset-gated\nr=[{r[0]:.2f}, {r[1]:.2f}]", "translated ($+t_{xn}$)",
                      "activated: n", f"update-gated\n1-z=[{1 - z[0]:.2f}, {1 - z[1]:.2f}]",
                      "$+\\,z\\odot h$ = h'"]
            rows.append(([_map_lines(lines, fn) for fn in fns],
                         [q.numpy() for q in points], titles))
            h = p["h"]
    lims = _column_limits([spaces for spaces, _, _ in rows])
    fig, axs = plt.subplots(len(seq), 7, figsize=(21, 3.2 * len(seq)), squeeze=False)
    for t, (spaces, points, titles) in enumerate(rows):
        color = CORNER_COLORS[CORNER_NAMES.index(names[t])]
        for j in range(7):
            _draw_space(axs[t, j], spaces[j], points[j], color, f"{names[t]}: {titles[j]}",
                        lims[j])
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Trained models: inputs, final hidden states, decision boundaries
# ----------------------------------------------------------------------------------------------
def plot_transformed_inputs(linear_input) -> Figure:
    """The perfect square before and after the learned input map W_ih x + b_ih."""
    if isinstance(linear_input, nn.Linear):
        W, b = linear_input.weight, linear_input.bias
    else:
        W, b = linear_input
    W = torch.as_tensor(W).detach().cpu().float()
    b = torch.as_tensor(b).detach().cpu().float()
    if W.shape[0] != 2:
        raise ValueError("plot_transformed_inputs draws a 2-D output; the weight must be (2, F).")
    corners = torch.as_tensor(CORNERS, dtype=torch.float32)
    transformed = (corners @ W.T + b).numpy()
    fig, axs = plt.subplots(1, 2, figsize=(9, 4.5))
    for ax, pts, title in zip(axs, (CORNERS, transformed),
                              ("The perfect square", "Transformed: $W_{ih}x + b_{ih}$")):
        ax.plot(*np.vstack([pts, pts[:1]]).T, c="k", lw=0.8, alpha=0.4)
        for (x, y), name, color in zip(pts, CORNER_NAMES, CORNER_COLORS):
            ax.scatter(x, y, s=300, c=color, zorder=3)
            ax.text(x, y, name, ha="center", va="center", color="white", fontweight="bold",
                    zorder=4)
        lim = max(1.5, np.abs(pts).max() * 1.2)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.axhline(0, c="k", lw=0.4)
        ax.axvline(0, c="k", lw=0.4)
        ax.set_title(title)
    fig.tight_layout()
    return fig


def probability_contour(ax, classifier: nn.Module, device, X, y, threshold: float = 0.5,
                        title: str | None = None, lim: float = 1.1, marker_size: int = 25):
    """Sigmoid probability of ``classifier`` over a grid of 2-D hidden states, plus the points."""
    grid = np.linspace(-lim, lim, 101)
    xx, yy = np.meshgrid(grid, grid)
    flat = torch.as_tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32, device=device)
    with torch.no_grad():
        probs = torch.sigmoid(classifier(flat)).cpu().numpy().reshape(xx.shape)
    contour = ax.contourf(xx, yy, probs, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.5)
    ax.contour(xx, yy, probs, levels=[threshold], colors="k", linewidths=1.5)
    X = np.asarray(X)
    y = np.asarray(y).ravel()
    if len(X):
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap=CLASS_CMAP, vmin=0, vmax=1, s=marker_size,
                   edgecolors="k", linewidths=0.3)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$h_0$")
    ax.set_ylabel("$h_1$")
    if title:
        ax.set_title(title)
    return contour


def _final_hidden(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    """Run the model and return the last layer's final hidden state, (N, H)."""
    model.eval()
    with torch.no_grad():
        model(X.to(_device_of(model)))
    return model.final_hidden[-1].detach().cpu().numpy()


def canonical_contour(models, titles=None) -> Figure:
    """Final hidden states of the 8 perfect-square sequences over each model's decision map."""
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    titles = titles or [type(m).__name__ for m in models]
    points, directions = canonical_sequences()
    X = torch.as_tensor(points, dtype=torch.float32)
    fig, axs = plt.subplots(1, len(models), figsize=(5.5 * len(models), 5.2), squeeze=False)
    for ax, model, title in zip(axs[0], models, titles):
        hidden = _final_hidden(model, X)
        probability_contour(ax, model.classifier, _device_of(model), [], [], title=title)
        for (h0, h1), seq, direction in zip(hidden, points, directions):
            start = corner_names(seq)[0]
            ax.scatter(h0, h1, s=260, c=CORNER_COLORS[CORNER_NAMES.index(start)],
                       edgecolors="k", zorder=3)
            ax.text(h0, h1, "+" if direction else "\u2212", ha="center", va="center",
                    color="white", fontsize=14, fontweight="bold", zorder=4)
    fig.suptitle("Final hidden states of the perfect square (colour: first corner; "
                 "+ clockwise, \u2212 counterclockwise)", fontsize=10)
    fig.tight_layout()
    return fig


def hidden_states_contour(model: nn.Module, points, directions) -> Figure:
    """Hidden states #0..#3: the model run on the first 1, 2, 3 and 4 points of every sequence."""
    X = torch.as_tensor(np.asarray(points), dtype=torch.float32)
    n_steps = X.shape[1]
    fig, axs = plt.subplots(1, n_steps, figsize=(4.2 * n_steps, 4.4))
    for t, ax in enumerate(axs):
        hidden = _final_hidden(model, X[:, :t + 1])
        probability_contour(ax, model.classifier, _device_of(model), hidden, directions,
                            title=f"Hidden State #{t}")
    fig.suptitle("blue = clockwise, red = counterclockwise; background: P(clockwise)",
                 fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# Padding and packing
# ----------------------------------------------------------------------------------------------
def image_padding(size: int = 5, padding: int = 1) -> Figure:
    """A small 'image' surrounded by a border of zeros."""
    rng = np.random.RandomState(0)
    image = rng.randint(1, 10, size=(size, size))
    padded = np.pad(image, padding)
    fig, axs = plt.subplots(1, 2, figsize=(7, 3.5))
    titles = ("image", f"padded ({padding} pixel of zeros)")
    for ax, img, title in zip(axs, (image, padded), titles):
        ax.imshow(img > 0, cmap="Blues", vmin=0, vmax=2)
        for (i, j), v in np.ndenumerate(img):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=9,
                    color="k" if v else "gray")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_packing(seqs) -> Figure:
    """Where every point lands in a packed sequence: the padded layout and the packed data row."""
    seqs = [torch.as_tensor(np.asarray(s)) for s in seqs]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    lengths = [len(s) for s in seqs]
    order = packed.sorted_indices.tolist()
    palette = plt.get_cmap("tab10")
    # position of (sequence, step) inside packed.data
    position, offset = {}, 0
    for t, batch_size in enumerate(packed.batch_sizes.tolist()):
        for k in range(batch_size):
            position[(order[k], t)] = offset + k
        offset += batch_size
    fig, axs = plt.subplots(2, 1, figsize=(max(8, 0.9 * offset + 1), 5.2),
                            gridspec_kw={"height_ratios": [len(seqs), 1.4]})
    ax = axs[0]
    max_len = max(lengths)
    for row, seq_idx in enumerate(order):
        for t in range(max_len):
            inside = t < lengths[seq_idx]
            ax.add_patch(Rectangle((t, -row - 1), 1, 1, fc=palette(seq_idx) if inside else "white",
                                   alpha=0.45 if inside else 1, ec="k"))
            text = f"x{seq_idx}[{t}]\n@{position[(seq_idx, t)]}" if inside else "pad"
            ax.text(t + 0.5, -row - 0.5, text, ha="center", va="center", fontsize=9)
        ax.text(-0.1, -row - 0.5, f"x{seq_idx} (length {lengths[seq_idx]})", ha="right",
                va="center", fontsize=9)
    for t, batch_size in enumerate(packed.batch_sizes.tolist()):
        ax.text(t + 0.5, 0.25, f"t={t}\nbatch_size={batch_size}", ha="center", va="bottom",
                fontsize=8)
    ax.set_xlim(-2.5, max_len + 0.2)
    ax.set_ylim(-len(seqs) - 0.2, 1.3)
    ax.axis("off")
    ax.set_title("Sorted by length; @ = index in packed.data (read column by column)", fontsize=10)
    ax = axs[1]
    inverse = {v: k for k, v in position.items()}
    for i in range(offset):
        seq_idx, t = inverse[i]
        ax.add_patch(Rectangle((i, 0), 1, 1, fc=palette(seq_idx), alpha=0.45, ec="k"))
        ax.text(i + 0.5, 0.5, f"x{seq_idx}[{t}]", ha="center", va="center", fontsize=9)
        ax.text(i + 0.5, -0.15, str(i), ha="center", va="top", fontsize=8)
    ax.set_xlim(-0.2, offset + 0.2)
    ax.set_ylim(-0.6, 1.2)
    ax.axis("off")
    ax.set_title("packed.data", fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# 1D convolutions
# ----------------------------------------------------------------------------------------------
def moving_window(temperatures, window: int = 5) -> Figure:
    """A window sliding over a short series, and the moving average it produces."""
    temps = np.asarray(temperatures, dtype=float)
    if not 1 <= window <= len(temps):
        raise ValueError(f"window must be between 1 and {len(temps)}, got {window}.")
    average = np.convolve(temps, np.ones(window) / window, mode="valid")
    fig, ax = plt.subplots(1, 1, figsize=(9, 4))
    days = np.arange(len(temps))
    ax.plot(days, temps, "o-", c="gray", label="temperature")
    ax.axvspan(-0.4, window - 0.6, color="orange", alpha=0.2, label=f"first window (size {window})")
    centres = days[window // 2: window // 2 + len(average)]
    ax.plot(centres, average, "s-", c="orange", label="moving average")
    for c, a in zip(centres, average):
        ax.annotate(f"{a:.1f}", (c, a), xytext=(0, 8), textcoords="offset points", ha="center",
                    fontsize=8, color="darkorange")
    ax.set_xlabel("day")
    ax.set_ylabel("temperature")
    ax.set_xticks(days)
    ax.legend()
    ax.set_title(f"A moving window of size {window}, stride 1")
    fig.tight_layout()
    return fig


def _table(ax, values, row_labels, col_labels, highlight=(), fmt="{:.4f}", title=None,
           colored: bool = False):
    """An annotated grid of numbers (coloured by sign if ``colored``); ``highlight`` is framed."""
    values = np.asarray(values, dtype=float)
    if colored:
        top = max(np.abs(values).max(), 1e-6) * 1.5
        ax.imshow(values, cmap="RdBu", vmin=-top, vmax=top)
    else:
        ax.imshow(np.zeros_like(values), cmap="Greys", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9)
    for i, j in highlight:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="orange", lw=3))
    ax.set_xticks(range(values.shape[1]))
    ax.set_xticklabels(col_labels, fontsize=8)
    ax.set_yticks(range(values.shape[0]))
    ax.set_yticklabels(row_labels, fontsize=8)
    ax.set_xticks(np.arange(values.shape[1] + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(values.shape[0] + 1) - 0.5, minor=True)
    ax.grid(which="minor", c="k", lw=0.8)
    ax.tick_params(which="minor", length=0)
    if title:
        ax.set_title(title, fontsize=10)


def conv1d_windows(sequence, weight, dilation: int = 1) -> Figure:
    """A 2-channel filter sliding over a (2, L) sequence; the first region is framed."""
    seq = np.asarray(sequence, dtype=float)
    w = np.asarray(torch.as_tensor(weight).detach().cpu()).reshape(seq.shape[0], -1)
    k = w.shape[1]
    span = dilation * (k - 1) + 1
    n_out = seq.shape[1] - span + 1
    if n_out < 1:
        raise ValueError(f"a kernel of size {k} with dilation {dilation} does not fit in a "
                         f"sequence of length {seq.shape[1]}.")
    outputs = [float((w * seq[:, i:i + span:dilation]).sum()) for i in range(n_out)]
    first = [(c, j * dilation) for c in range(seq.shape[0]) for j in range(k)]
    fig, axs = plt.subplots(1, 3, figsize=(12, 2.8), gridspec_kw={"width_ratios": [4, 2, n_out]})
    channels = [f"x{c}" for c in range(seq.shape[0])]
    _table(axs[0], seq, channels, [f"step {i}" for i in range(seq.shape[1])], highlight=first,
           title="sequence (channels x steps)")
    _table(axs[1], w, channels, [f"w{j}" for j in range(k)], title="filter")
    _table(axs[2], np.array([outputs]), ["out"], [str(i) for i in range(n_out)],
           highlight=[(0, 0)], title=f"output (dilation {dilation})")
    fig.tight_layout()
    return fig


def edge_features(weight, bias, sequence) -> Figure:
    """The learned conv filter on each pair of consecutive corners: products, sum + bias, ReLU."""
    seq = np.asarray(sequence, dtype=float)  # (L, 2), batch-first order
    w = np.asarray(torch.as_tensor(weight).detach().cpu()).reshape(seq.shape[1], -1)
    b = float(np.asarray(torch.as_tensor(bias).detach().cpu()).ravel()[0])
    k = w.shape[1]
    names = corner_names(seq)
    n_edges = len(seq) - k + 1
    fig, axs = plt.subplots(1, n_edges, figsize=(4 * n_edges, 3.3), squeeze=False)
    for e, ax in enumerate(axs[0]):
        region = seq[e:e + k].T  # (2 channels, k corners)
        products = w * region
        value = products.sum() + b
        _table(ax, products, ["x0", "x1"], [f"{names[e + j]}" for j in range(k)], fmt="{:.2f}",
               colored=True,
               title=f"edge {names[e]}\u2192{names[e + 1]}: products sum to {products.sum():.2f}\n"
                     f"+ bias ({b:.2f}) = {value:.2f}; ReLU: {max(value, 0):.2f}")
    rows = "; ".join("[" + ", ".join(f"{v:.2f}" for v in row) + "]" for row in w)
    fig.suptitle(f"Weight times corners: filter {rows} over {names}", fontsize=10)
    fig.tight_layout()
    return fig
