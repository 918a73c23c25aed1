"""Figures of chapter 5 (Convolutions).

The mechanics figures draw small matrices as grids of numbers: the receptive field is outlined and
shaded, padded cells are gray, and the output cell being computed is highlighted.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.plots.chapter4 import plot_images, plot_network_diagram

__all__ = ["plot_images", "plot_convolution", "plot_elementwise_product", "plot_padding_modes",
           "plot_pooling", "plot_lenet_diagram", "plot_classifier_diagram", "conv_output_size"]

FIELD = "#9ecae1"      # receptive field
PADDED = "#e0e0e0"     # padded cells
RESULT = "#fdd0a2"     # the output cell being computed
CHUNK_COLORS = ["#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc", "#e5d8bd",
                "#fddaec", "#f2f2f2"]
_PAD_MODES = {"zero": "constant", "replicate": "edge", "reflect": "reflect", "circular": "wrap"}


def _matrix(x, name: str = "image") -> np.ndarray:
    """A 2-D NumPy array from a (H, W), (1, H, W) or (1, 1, H, W) array or tensor."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    while x.ndim > 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 2:
        raise ValueError(f"{name} must be a single 2-D matrix (optionally with leading 1-sized "
                         f"dimensions), got shape {x.shape}.")
    return x


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Output size of a convolution or pooling along one dimension: floor((h + 2p - f) / s) + 1."""
    for name, value, low in (("size", size, 1), ("kernel_size", kernel_size, 1),
                             ("stride", stride, 1), ("padding", padding, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if kernel_size > size + 2 * padding:
        raise ValueError(f"a kernel of {kernel_size} does not fit an input of {size} with "
                         f"padding {padding}.")
    return (size + 2 * padding - kernel_size) // stride + 1


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"


def _grid(ax: Axes, m: np.ndarray, colors: np.ndarray | None = None, title: str = "",
          blank: np.ndarray | None = None, fontsize: int = 11) -> None:
    """Draw ``m`` as a table of numbers; ``colors`` gives a cell colour per cell (or '')."""
    h, w = m.shape
    for r in range(h):
        for c in range(w):
            color = colors[r, c] if colors is not None and colors[r, c] else "white"
            ax.add_patch(Rectangle((c - .5, r - .5), 1, 1, fc=color, ec="0.6", lw=1))
            if blank is None or not blank[r, c]:
                ax.text(c, r, _fmt(m[r, c]), ha="center", va="center", fontsize=fontsize)
    ax.set_xlim(-.5, w - .5)
    ax.set_ylim(h - .5, -.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=11)


def _symbol(ax: Axes, text: str) -> None:
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=26)


def plot_convolution(image, kernel, position: tuple[int, int] | None = (0, 0), stride: int = 1,
                     padding: int = 0) -> Figure:
    """Image * filter = output, with the receptive field of the output cell at ``position``
    (row, col) shaded; ``position=None`` shows the complete output."""
    img, ker = _matrix(image), _matrix(kernel, "kernel")
    if ker.shape[0] != ker.shape[1]:
        raise ValueError(f"kernel must be square, got shape {ker.shape}.")
    k = ker.shape[0]
    padded = np.pad(img, padding) if padding else img
    out_h = conv_output_size(img.shape[0], k, stride, padding)
    out_w = conv_output_size(img.shape[1], k, stride, padding)
    out = np.array([[np.sum(padded[r * stride:r * stride + k, c * stride:c * stride + k] * ker)
                     for c in range(out_w)] for r in range(out_h)])
    if position is not None:
        row, col = position
        if not (0 <= row < out_h and 0 <= col < out_w):
            raise ValueError(f"position must be inside the {out_h}x{out_w} output, "
                             f"got {position}.")

    colors = np.full(padded.shape, "", dtype=object)
    if padding:
        colors[:padding, :] = PADDED
        colors[-padding:, :] = PADDED
        colors[:, :padding] = PADDED
        colors[:, -padding:] = PADDED
    out_colors = np.full(out.shape, "", dtype=object)
    blank = np.zeros(out.shape, dtype=bool)
    if position is not None:
        colors[row * stride:row * stride + k, col * stride:col * stride + k] = FIELD
        out_colors[row, col] = RESULT
        order = np.arange(out.size).reshape(out.shape)
        blank = order > row * out_w + col

    fig, axs = plt.subplots(1, 5, figsize=(13, 3.8),
                            gridspec_kw=dict(width_ratios=[padded.shape[1], 1, k, 1, out_w]))
    shape_in = f"(1, 1, {img.shape[0]}, {img.shape[1]})"
    title = f"image {shape_in}" + (f", padded to {padded.shape[0]}x{padded.shape[1]}"
                                   if padding else "")
    _grid(axs[0], padded, colors, title)
    if position is not None:
        axs[0].add_patch(Rectangle((col * stride - .5, row * stride - .5), k, k, fill=False,
                                   ec="#08519c", lw=3))
    _symbol(axs[1], "*")
    _grid(axs[2], ker, title=f"filter (1, 1, {k}, {k})")
    _symbol(axs[3], "=")
    _grid(axs[4], out, out_colors, f"output {out_h}x{out_w}" + (f", stride {stride}"
                                                               if stride > 1 else ""),
          blank=blank)
    fig.tight_layout()
    return fig


def plot_elementwise_product(region, kernel) -> Figure:
    """Receptive field ⊙ filter = element-wise products, and their sum."""
    reg, ker = _matrix(region, "region"), _matrix(kernel, "kernel")
    if reg.shape != ker.shape:
        raise ValueError(f"region and kernel must have the same shape, got {reg.shape} and "
                         f"{ker.shape}.")
    prod = reg * ker
    fig, axs = plt.subplots(1, 6, figsize=(12, 3),
                            gridspec_kw=dict(width_ratios=[3, 1, 3, 1, 3, 2]))
    colors = np.full(reg.shape, FIELD, dtype=object)
    _grid(axs[0], reg, colors, "receptive field")
    _symbol(axs[1], r"$\odot$")
    _grid(axs[2], ker, title="filter")
    _symbol(axs[3], "=")
    _grid(axs[4], prod, title="element-wise product")
    axs[5].axis("off")
    axs[5].text(0.5, 0.5, f"sum = {_fmt(prod.sum())}", ha="center", va="center", fontsize=16,
                bbox=dict(boxstyle="round", fc=RESULT, ec="k"))
    fig.tight_layout()
    return fig


def plot_padding_modes(image, padding: int = 1) -> Figure:
    """The image padded four ways (zero, replicate, reflect, circular); padded cells in gray."""
    img = _matrix(image)
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 1:
        raise ValueError(f"padding must be a positive integer, got {padding!r}.")
    if padding >= min(img.shape):
        raise ValueError(f"padding ({padding}) must be smaller than the image ({img.shape}) for "
                         "the reflect mode.")
    fig, axs = plt.subplots(1, 4, figsize=(16, 4.4))
    for ax, (name, mode) in zip(axs, _PAD_MODES.items()):
        padded = np.pad(img, padding, mode=mode)
        colors = np.full(padded.shape, "", dtype=object)
        p = padding
        colors[:p, :], colors[-p:, :], colors[:, :p], colors[:, -p:] = (PADDED,) * 4
        _grid(ax, padded, colors, f"{name} padding", fontsize=10)
    fig.tight_layout()
    return fig


def plot_pooling(image, kernel_size: int = 2) -> Figure:
    """Max pooling with a square kernel (stride = kernel): each chunk and its maximum share a colour."""
    img = _matrix(image)
    k = kernel_size
    out_h, out_w = conv_output_size(img.shape[0], k, k), conv_output_size(img.shape[1], k, k)
    colors = np.full(img.shape, "", dtype=object)
    out_colors = np.full((out_h, out_w), "", dtype=object)
    out = np.zeros((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            color = CHUNK_COLORS[(r * out_w + c) % len(CHUNK_COLORS)]
            colors[r * k:(r + 1) * k, c * k:(c + 1) * k] = color
            out_colors[r, c] = color
            out[r, c] = img[r * k:(r + 1) * k, c * k:(c + 1) * k].max()
    fig, axs = plt.subplots(1, 3, figsize=(10, 4),
                            gridspec_kw=dict(width_ratios=[img.shape[1], 1.5, out_w]))
    _grid(axs[0], img, colors, f"input {img.shape[0]}x{img.shape[1]}")
    for r in range(out_h):
        for c in range(out_w):
            axs[0].add_patch(Rectangle((c * k - .5, r * k - .5), k, k, fill=False, ec="k", lw=2))
    axs[1].axis("off")
    axs[1].text(0.5, 0.5, f"max pool\n{k}x{k}\n→", ha="center", va="center", fontsize=14)
    _grid(axs[2], out, out_colors, f"output {out_h}x{out_w}")
    fig.tight_layout()
    return fig


def _stack(ax: Axes, x: float, size: float, depth: int, color: str, label: str,
           caption: str, caption_y: float = -2.3) -> None:
    """A stack of ``depth`` squares (feature maps) at ``x``, at most 6 drawn."""
    n = min(depth, 6)
    for i in range(n):
        offset = 0.12 * i
        ax.add_patch(Rectangle((x + offset, -size / 2 - offset), size, size, fc=color, ec="k",
                               lw=0.8, zorder=10 - i))
    ax.text(x + size / 2, size / 2 + 0.35, label, ha="center", va="bottom", fontsize=10)
    ax.text(x + size / 2, caption_y, caption, ha="center", va="top", fontsize=9,
            color="#444444")


def plot_lenet_diagram() -> Figure:
    """The modernised LeNet-5: feature maps as stacks of squares, then the dense layers."""
    fig, ax = plt.subplots(figsize=(15, 4.2))
    ax.axis("off")
    maps = [("1@28x28", 28, 1, "#f0f0f0", "input"),
            ("6@28x28", 28, 6, "#c6dbef", "C1: conv 5x5, pad 2\n+ ReLU"),
            ("6@14x14", 14, 6, "#9ecae1", "S2: max pool 2"),
            ("16@10x10", 10, 16, "#c7e9c0", "C3: conv 5x5\n+ ReLU"),
            ("16@5x5", 5, 16, "#a1d99b", "S4: max pool 2"),
            ("120@1x1", 1, 120, "#fdd0a2", "C5: conv 5x5\n+ ReLU, flatten")]
    x = 0.0
    scale = 0.11
    for label, side, depth, color, caption in maps:
        size = max(side * scale, 0.25)
        _stack(ax, x, size, depth, color, label, caption)
        x += size + 0.12 * min(depth, 6) + 1.1
    for label, n, caption in (("84", 84, "F6: linear\n+ ReLU"), ("10", 10, "OUTPUT: linear\n(logits)")):
        height = 0.025 * n
        ax.add_patch(Rectangle((x, -height / 2), 0.3, height, fc="#fcbba1", ec="k", lw=0.8))
        ax.text(x + 0.15, height / 2 + 0.35, label, ha="center", va="bottom", fontsize=10)
        ax.text(x + 0.15, -2.3, caption, ha="center", va="top", fontsize=9, color="#444444")
        x += 1.9
    ax.text(x - 1.3, 0, "→ 10 digits", va="center", fontsize=11)
    ax.set_xlim(-0.3, x + 1.0)
    ax.set_ylim(-3.6, 2.6)
    ax.set_aspect("equal")
    ax.set_title("LeNet-5 (modernised): featurizer (convolutions and pooling), then classifier")
    fig.tight_layout()
    return fig


def plot_classifier_diagram(sizes: Sequence[int] = (16, 10, 3)) -> Figure:
    """The classifier part of the chapter's CNN: features → hidden (ReLU) → logits → softmax."""
    sizes = list(sizes)
    n_hidden = len(sizes) - 2
    names = (["flattened\nfeatures"] + [f"fc{i + 1}" for i in range(n_hidden)]
             + [f"fc{n_hidden + 1} (logits)"])
    return plot_network_diagram(sizes, activations=["ReLU"] * n_hidden, layer_names=names,
                                output="softmax", max_shown=6,
                                title=f"The classifier: {sizes[0]} features → "
                                      + " → ".join(f"{n} units" for n in sizes[1:-1])
                                      + f" → {sizes[-1]} logits")
