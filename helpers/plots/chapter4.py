"""Figures of chapter 4 (Classifying Images).

Images are drawn in grayscale, black = 0 and white = the largest value; the trainers' losses use
the same colours as ``StepByStep.plot_losses`` (blue training, red validation).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["plot_images", "plot_image", "plot_channels_gray", "plot_channels_color",
           "plot_network_diagram", "plot_losses_comparison", "plot_weights_comparison",
           "plot_weights_as_pixels", "plot_activation"]


def _as_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _squeeze_image(img) -> np.ndarray:
    """An (H, W) array from (H, W), (1, H, W) or (H, W, 1)."""
    img = _as_numpy(img)
    if img.ndim == 3 and 1 in (img.shape[0], img.shape[-1]):
        img = img.reshape(img.shape[1:] if img.shape[0] == 1 else img.shape[:-1])
    if img.ndim != 2:
        raise ValueError(f"expected one single-channel image, (H, W) or (1, H, W), "
                         f"got shape {img.shape}.")
    return img


def _image_on(ax: Axes, img: np.ndarray, vmin: float | None = None,
              vmax: float | None = None) -> None:
    ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.6")


def plot_images(images, targets, n_plot: int = 30, ncols: int = 6) -> Figure:
    """The first ``n_plot`` single-channel images in a grid, each titled "#i - Label:y"."""
    images, targets = _as_numpy(images), _as_numpy(targets).ravel()
    if images.ndim != 4 or images.shape[1] != 1:
        raise ValueError(f"images must be NCHW with one channel, got shape {images.shape}.")
    if len(targets) != len(images):
        raise ValueError(f"targets must have one label per image ({len(images)}), "
                         f"got {len(targets)}.")
    n_plot = min(n_plot, len(images))
    if n_plot < 1 or ncols < 1:
        raise ValueError("n_plot and ncols must be at least 1.")
    nrows = int(np.ceil(n_plot / ncols))
    vmax = 255 if images.dtype == np.uint8 else max(1.0, float(images.max()))
    vmin = min(0.0, float(images.min()))
    fig, axs = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.6 * nrows), squeeze=False)
    for i, ax in enumerate(axs.flat):
        if i >= n_plot:
            ax.axis("off")
            continue
        _image_on(ax, images[i, 0], vmin=vmin, vmax=vmax)
        ax.set_title(f"#{i} - Label:{int(targets[i])}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_image(img, title: str = "", ax: Axes | None = None) -> Figure:
    """One single-channel image (tensor, array or PIL image) in grayscale, black=0, white=max."""
    if hasattr(img, "mode") and hasattr(img, "size"):  # a PIL image
        img = np.asarray(img)
    img = _squeeze_image(img)
    if ax is None:
        fig, ax = plt.subplots(figsize=(3, 3))
    else:
        fig = ax.figure
    _image_on(ax, img, vmin=0, vmax=255 if img.dtype == np.uint8 else None)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _numbers_on(ax: Axes, matrix: np.ndarray) -> None:
    ax.imshow(np.ones_like(matrix, dtype=float), cmap="gray", vmin=0, vmax=1)
    for (r, c), v in np.ndenumerate(matrix):
        ax.text(c, r, f"{int(v)}", ha="center", va="center", fontsize=9)
    ax.set_xticks(np.arange(-.5, matrix.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-.5, matrix.shape[0], 1), minor=True)
    ax.grid(which="minor", color="0.7", linewidth=1)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)


def plot_channels_gray(red, green, blue,
                       weights: Sequence[float] = (.2126, .7152, .0722)) -> Figure:
    """Each channel as numbers and as a grayscale image, plus their weighted average."""
    channels = [_squeeze_image(c).astype(float) for c in (red, green, blue)]
    gray = sum(w * c for w, c in zip(weights, channels))
    names = ["red", "green", "blue", "weighted average"]
    fig, axs = plt.subplots(2, 4, figsize=(12, 6))
    for col, (name, matrix) in enumerate(zip(names, channels + [gray])):
        _numbers_on(axs[0, col], np.round(matrix))
        axs[0, col].set_title(name)
        _image_on(axs[1, col], matrix, vmin=0, vmax=255)
    axs[1, 0].set_ylabel("as grayscale")
    fig.tight_layout()
    return fig


def plot_channels_color(red, green, blue) -> Figure:
    """Each channel as the only non-zero channel of a colour image, and all three stacked (RGB)."""
    channels = [_squeeze_image(c).astype(np.uint8) for c in (red, green, blue)]
    zeros = np.zeros_like(channels[0])
    images = []
    for i in range(3):
        layers = [zeros, zeros, zeros]
        layers[i] = channels[i]
        images.append(np.stack(layers, axis=-1))
    images.append(np.stack(channels, axis=-1))
    fig, axs = plt.subplots(1, 4, figsize=(12, 3.2))
    for ax, img, name in zip(axs, images, ["red", "green", "blue", "RGB (stacked)"]):
        ax.imshow(img)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name)
    fig.tight_layout()
    return fig


def _column(n: int, max_shown: int) -> list[int | None]:
    """Indices of the nodes drawn for a layer of ``n`` units; None marks the dots."""
    if n <= max_shown:
        return list(range(n))
    head = max_shown - 2
    return list(range(head)) + [None, n - 1]


def plot_network_diagram(layer_sizes: Sequence[int] = (25, 5, 3, 1),
                         activations: Sequence[str | None] | None = None,
                         layer_names: Sequence[str] | None = None, output: str = r"$\sigma$",
                         input_symbol: str = "x", max_shown: int = 7,
                         title: str = "") -> Figure:
    """A fully connected network as circles and lines: inputs, units, activations, output head.

    ``activations`` (one per hidden layer, e.g. ``['ReLU', 'ReLU']``) draws a box after that layer;
    ``output`` is written after the last layer (e.g. a sigmoid or a softmax).
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}.")
    n_hidden = len(sizes) - 2
    if activations is not None and len(activations) != n_hidden:
        raise ValueError(f"give one activation name (or None) per hidden layer: {n_hidden}, "
                         f"got {len(activations)}.")
    acts = [None] + (list(activations) if activations is not None else [None] * n_hidden) + [None]
    if layer_names is None:
        layer_names = ["input"] + [f"hidden{i}" for i in range(n_hidden)] + ["output"]
    radius = 0.14

    xs, x = [], 0.0
    for act in acts:
        xs.append(x)
        x += 2.7 if act else 1.9
    x_out = xs[-1]
    fig, ax = plt.subplots(figsize=(1.3 * (x_out + 2.1), 1.3 * 3.3))
    ax.axis("off")
    columns = []
    for li, (n, x) in enumerate(zip(sizes, xs)):
        shown = _column(n, max_shown)
        span = min(1.0, 0.33 * (len(shown) - 1))
        ys = np.linspace(span, -span, len(shown))
        column = []
        for idx, y in zip(shown, ys):
            if idx is None:
                ax.text(x, y, r"$\vdots$", ha="center", va="center", fontsize=14)
                continue
            color = "#e8eef9" if li == 0 else ("#fdecea" if li == len(sizes) - 1 else "#eaf5ea")
            ax.add_patch(plt.Circle((x, y), radius, fc=color, ec="k", lw=1.2, zorder=3))
            label = f"${input_symbol}_{{{idx}}}$" if li == 0 else f"$z_{{{li - 1}{idx}}}$"
            ax.text(x, y, label, ha="center", va="center", fontsize=8, zorder=4)
            column.append(y)
        columns.append(column)
        ax.text(x, -1.3, f"{layer_names[li]}\n({n})", ha="center", va="top", fontsize=10)
        if acts[li]:  # an activation box right after this layer
            box_x = x + 0.45
            ax.add_patch(plt.Rectangle((box_x, -span - 0.2), 0.4, 2 * span + 0.4, fc="#fff4d6",
                                       ec="#c28a00", lw=1.2, zorder=2))
            ax.text(box_x + 0.2, span + 0.28, acts[li], ha="center", va="bottom", fontsize=9,
                    color="#8a6100")
            for y in column:
                ax.plot([x + radius, box_x], [y, y], color="0.4", lw=0.8, zorder=1)
    for li in range(len(sizes) - 1):
        x_from = xs[li] + (0.85 if acts[li] else radius)
        for y0 in columns[li]:
            for y1 in columns[li + 1]:
                ax.plot([x_from, xs[li + 1] - radius], [y0, y1], color="0.6", lw=0.6, zorder=1)
    ax.annotate("", xy=(x_out + 0.7, 0), xytext=(x_out + radius, 0),
                arrowprops=dict(arrowstyle="->", lw=1.5))
    ax.text(x_out + 1.0, 0, output, ha="center", va="center", fontsize=13,
            bbox=dict(boxstyle="round,pad=0.3", fc="#fbe9e7", ec="#d62728", lw=1.5))
    ax.set_xlim(-0.5, x_out + 1.6)
    ax.set_ylim(-1.85, 1.45)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_losses_comparison(trainers: Mapping[str, object],
                           ylim: tuple[float, float] | None = None) -> Figure:
    """Training (left) and validation (right) losses of several trainers, one line style each."""
    if not trainers:
        raise ValueError("trainers must map a name to a trained StepByStep, e.g. "
                         "{'logistic': sbs_logistic}.")
    styles = ["--", "-", ":", "-."]
    fig, axs = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for k, (name, sbs) in enumerate(trainers.items()):
        for ax, values in zip(axs, (sbs.losses, sbs.val_losses)):
            ax.plot(np.arange(1, len(values) + 1), values, linestyle=styles[k % len(styles)],
                    linewidth=2, label=name)
    for ax, title in zip(axs, ("Training", "Validation")):
        ax.set_title(f"{title} losses")
        ax.set_xlabel("Epochs")
        ax.legend()
        if ylim is not None:
            ax.set_ylim(*ylim)
    axs[0].set_ylabel("Loss")
    fig.tight_layout()
    return fig


def plot_weights_comparison(w_first, w_second,
                            names: tuple[str, str] = ("logistic", "deep-ish (composed)")) -> Figure:
    """Two sets of weights as side-by-side bars (left) and against each other (right)."""
    a, b = _as_numpy(w_first).ravel(), _as_numpy(w_second).ravel()
    if a.shape != b.shape:
        raise ValueError(f"both weight sets must have the same size, got {a.size} and {b.size}.")
    idx = np.arange(a.size)
    fig, axs = plt.subplots(1, 2, figsize=(13, 4.2), gridspec_kw=dict(width_ratios=[2.2, 1]))
    axs[0].bar(idx - 0.2, a, width=0.4, label=names[0], color="#1f4fd6")
    axs[0].bar(idx + 0.2, b, width=0.4, label=names[1], color="#ff7f0e")
    axs[0].set_xticks(idx)
    axs[0].set_xlabel("weight (pixel) index")
    axs[0].axhline(0, color="k", lw=0.8)
    axs[0].legend()
    axs[0].set_title("Weights per pixel")
    limit = max(2.0, float(np.abs(np.concatenate([a, b])).max()) * 1.1)
    axs[1].plot([-limit, limit], [-limit, limit], color="0.6", linestyle="--", lw=1)
    axs[1].scatter(a, b, color="k", s=25)
    axs[1].set_xlim(-limit, limit)
    axs[1].set_ylim(-limit, limit)
    axs[1].set_xlabel(names[0])
    axs[1].set_ylabel(names[1])
    if a.std() > 0 and b.std() > 0:
        axs[1].set_title(f"One against the other (r = {np.corrcoef(a, b)[0, 1]:.2f})")
    else:
        axs[1].set_title("One against the other")
    fig.tight_layout()
    return fig


def plot_weights_as_pixels(weights, img_size: int = 5, title: str = "Hidden Layer #0",
                           prefix: str = "w0") -> Figure:
    """Each row of a (units, img_size**2) weight matrix reshaped and drawn as an image."""
    w = _as_numpy(weights)
    if w.ndim != 2 or w.shape[1] != img_size * img_size:
        raise ValueError(f"weights must have shape (units, {img_size * img_size}), got {w.shape}.")
    n = w.shape[0]
    fig, axs = plt.subplots(1, n, figsize=(2.2 * n, 2.6), squeeze=False)
    for i, ax in enumerate(axs[0]):
        _image_on(ax, w[i].reshape(img_size, img_size))
        ax.set_title(f"{prefix}{i}")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_activation(func: Callable[[torch.Tensor], torch.Tensor], name: str | None = None,
                    zlim: tuple[float, float] = (-5, 5)) -> Figure:
    """An activation function (black) and its derivative from autograd (red) over ``zlim``."""
    z = torch.linspace(zlim[0], zlim[1], 1000, requires_grad=True)
    out = func(z)
    if not isinstance(out, torch.Tensor) or out.shape != z.shape:
        raise ValueError("func must map a 1-D tensor to a tensor of the same shape, "
                         "e.g. torch.tanh or nn.ReLU().")
    out.sum().backward()
    values, grads = out.detach().numpy(), z.grad.numpy()
    z = z.detach().numpy()
    name = name or getattr(func, "__name__", type(func).__name__)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(z, values, color="k", linewidth=2, label="activation")
    ax.plot(z, grads, color="r", linewidth=2, linestyle="--", label="gradient")
    low = min(values.min(), grads.min(), -0.1)
    high = max(values.max(), grads.max(), 1.0)
    pad = 0.1 * (high - low)
    ax.set_ylim(low - pad, high + pad)
    ax.set_xlim(*zlim)
    ax.spines["left"].set_position("zero")
    ax.spines["bottom"].set_position("zero")
    ax.spines["right"].set_visible(False)
    ax.spines["top"].set_visible(False)
    ax.grid(alpha=0.3)
    ax.set_xlabel("z", loc="right")
    ax.set_title(name)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig
