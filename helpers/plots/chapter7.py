"""Figures of chapter 7 (Transfer Learning).

Every function takes the data it draws and returns a Matplotlib ``Figure``; images are given as
(H, W, 3) arrays or (3, H, W) / (1, H, W) tensors with values in [0, 1] or [0, 255].
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

__all__ = ["ARCHITECTURES", "plot_architectures", "plot_photo_predictions",
           "plot_channels_and_filters", "plot_grayscale_comparison", "plot_inception_module",
           "plot_before_batchnorm", "plot_after_batchnorm", "plot_residual_block",
           "plot_skip_comparison", "plot_accuracy_summary", "plot_side_head_losses"]

# ImageNet top-1 error (%), parameters (millions) and GFLOPs (billions of multiply-adds per
# 224x224 image) of the classic architectures, as listed by the "convnet-burden" report
# (Albanie, 2017-2019). EfficientNet-Lite0's error is the one published with its TensorFlow weights
# (75.1% top-1); its parameters and multiply-adds are counted in the chapter.
ARCHITECTURES = {
    "AlexNet": (61, 0.727, 41.8),
    "ResNet-18": (12, 2, 30.24),
    "ResNet-34": (22, 4, 26.7),
    "ResNet-50": (26, 4, 24.6),
    "ResNet-101": (45, 8, 23.4),
    "ResNet-152": (60, 11, 23.0),
    "VGG-16": (138, 16, 28.5),
    "VGG-19": (144, 20, 28.7),
    "Inception-V3": (27, 6, 22.5),
    "GoogLeNet": (13, 2, 34.2),
}


def _to_hwc(img) -> np.ndarray:
    """An (H, W, C) or (H, W) float array in [0, 1] from an array or a CHW tensor."""
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().numpy()
        if img.ndim == 3:
            img = np.transpose(img, (1, 2, 0))
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3):
        raise ValueError(f"expected one image, (H, W), (H, W, C) or (C, H, W); got {img.shape}.")
    img = img.astype(np.float32)
    if img.max() > 1.0 + 1e-6:
        img = img / 255.0
    return np.clip(img, 0, 1)


def _clean(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def plot_architectures(stats: Mapping[str, tuple[float, float, float]] = ARCHITECTURES,
                       highlight: str | None = None) -> Figure:
    """Top-1 accuracy vs GFLOPs; each bubble's area is proportional to the parameter count."""
    if not stats:
        raise ValueError("stats must map at least one model name to (params, gflops, top1_error).")
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for name, (params, gflops, error) in stats.items():
        color = "tab:red" if name == highlight else "tab:blue"
        ax.scatter(gflops, 100 - error, s=params * 12, alpha=0.45, c=color, edgecolors="k")
        ax.annotate(name, (gflops, 100 - error), xytext=(6, 6), textcoords="offset points",
                    fontsize=9)
    ax.set_xlim(-1, 22)
    ax.set_ylim(50, 85)
    ax.set_xlabel("GFLOPs (multiply-adds per 224x224 image, billions)")
    ax.set_ylabel("ImageNet top-1 accuracy (%)")
    ax.set_title("Accuracy vs compute (bubble area ~ number of parameters)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_photo_predictions(images: Sequence, predictions: Sequence[Sequence[tuple[str, float]]],
                           ncols: int = 4) -> Figure:
    """Photos, each with the model's top predictions (class name and probability) below it."""
    if len(images) != len(predictions) or not images:
        raise ValueError("images and predictions must be non-empty and of the same length.")
    nrows = int(np.ceil(len(images) / ncols))
    fig, axs = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 3.6 * nrows), squeeze=False)
    for ax in axs.flat:
        ax.axis("off")
    for ax, img, preds in zip(axs.flat, images, predictions):
        ax.axis("on")
        ax.imshow(_to_hwc(img))
        _clean(ax)
        label = "\n".join(f"{name[:22]} ({p:.0%})" for name, p in preds)
        ax.set_xlabel(label, fontsize=9)
    fig.tight_layout()
    return fig


def plot_channels_and_filters(image: torch.Tensor, outputs: torch.Tensor,
                              weights: torch.Tensor) -> Figure:
    """An RGB image's three channels and the outputs of 1x1 filters (one row per filter)."""
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be a (3, H, W) tensor, got {tuple(image.shape)}.")
    if outputs.ndim != 3 or weights.shape[:2] != (outputs.shape[0], 3):
        raise ValueError("outputs must be (n_filters, H, W) and weights (n_filters, 3, 1, 1).")
    n = outputs.shape[0]
    fig, axs = plt.subplots(n, 5, figsize=(14, 2.9 * n), squeeze=False)
    names = ["Red", "Green", "Blue"]
    for row in range(n):
        axs[row, 0].imshow(_to_hwc(image))
        axs[row, 0].set_title("Image")
        for c in range(3):
            axs[row, c + 1].imshow(image[c].numpy(), cmap="gray", vmin=0, vmax=1)
            axs[row, c + 1].set_title(f"{names[c]} x {weights[row, c, 0, 0].item():g}")
        axs[row, 4].imshow(outputs[row].numpy(), cmap="gray")
        axs[row, 4].set_title(f"Filter #{row}: weighted sum")
        for ax in axs[row]:
            _clean(ax)
    fig.tight_layout()
    return fig


def plot_grayscale_comparison(converted, gray) -> Figure:
    """Side by side: an image converted by a 1x1 convolution, and PIL's grayscale version."""
    fig, axs = plt.subplots(1, 2, figsize=(10, 4))
    for ax, img, title in zip(axs, (converted, gray), ("Converted (1x1 conv)", "Grayscale (PIL)")):
        ax.imshow(_to_hwc(img), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title)
        _clean(ax)
    fig.tight_layout()
    return fig


def _box(ax, xy, text, width=1.6, height=0.55, color="#dde8f5") -> None:
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05", fc=color, ec="k", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax, start, end) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, lw=1,
                                 color="k"))


def plot_inception_module() -> Figure:
    """Diagram of the two Inception modules: regular, and with 1x1 dimension-reduction layers."""
    fig, axs = plt.subplots(1, 2, figsize=(13, 4.6))
    xs = [0, 2, 4, 6]
    for ax, reduce in zip(axs, (False, True)):
        _box(ax, (3, 0), "Previous layer", width=2.4)
        _box(ax, (3, 4), "Channel stacking (concatenate)", width=3.6, color="#f5e3c8")
        tops = ["1x1 conv", "3x3 conv", "5x5 conv", "3x3 pooling"]
        for x, top in zip(xs, tops):
            if reduce and x in (2, 4):
                _box(ax, (x, 1.3), "1x1 conv", color="#f7d6d6")
                _box(ax, (x, 2.6), top)
                _arrow(ax, (3, 0.3), (x, 1.0))
                _arrow(ax, (x, 1.6), (x, 2.3))
                _arrow(ax, (x, 2.9), (3, 3.7))
            elif reduce and x == 6:
                _box(ax, (x, 1.3), top)
                _box(ax, (x, 2.6), "1x1 conv", color="#f7d6d6")
                _arrow(ax, (3, 0.3), (x, 1.0))
                _arrow(ax, (x, 1.6), (x, 2.3))
                _arrow(ax, (x, 2.9), (3, 3.7))
            else:
                _box(ax, (x, 1.95), top)
                _arrow(ax, (3, 0.3), (x, 1.65))
                _arrow(ax, (x, 2.25), (3, 3.7))
        ax.set_xlim(-1.2, 7.2)
        ax.set_ylim(-0.6, 4.6)
        ax.axis("off")
        ax.set_title("Dimension-reduction Inception module" if reduce
                     else "Regular Inception module")
    fig.tight_layout()
    return fig


def plot_before_batchnorm(batch: torch.Tensor) -> Figure:
    """Histograms of each feature of a mini-batch, titled with its mean and (biased) variance."""
    batch = torch.as_tensor(batch).detach().cpu()
    if batch.ndim != 2:
        raise ValueError(f"batch must be (n_points, n_features), got {tuple(batch.shape)}.")
    n = batch.shape[1]
    fig, axs = plt.subplots(1, n, figsize=(5 * n, 3.6), squeeze=False)
    bins = np.linspace(-3, 3, 25)
    for i, ax in enumerate(axs.flat):
        x = batch[:, i].numpy()
        ax.hist(x, bins=bins, color="tab:blue", alpha=0.7, edgecolor="k")
        ax.set_title(f"Feature #{i} - mean {x.mean():.2f}, var {x.var():.2f}")
        ax.set_xlabel("value")
    axs[0, 0].set_ylabel("# points")
    fig.tight_layout()
    return fig


def plot_after_batchnorm(before: torch.Tensor, after: torch.Tensor) -> Figure:
    """Per feature, histograms of a mini-batch before and after batch normalization."""
    before = torch.as_tensor(before).detach().cpu()
    after = torch.as_tensor(after).detach().cpu()
    if before.shape != after.shape or before.ndim != 2:
        raise ValueError("before and after must be (n_points, n_features) tensors of one shape.")
    n = before.shape[1]
    fig, axs = plt.subplots(1, n, figsize=(5 * n, 3.6), squeeze=False)
    bins = np.linspace(-3, 3, 25)
    for i, ax in enumerate(axs.flat):
        ax.hist(before[:, i].numpy(), bins=bins, alpha=0.5, label="Original", color="tab:blue")
        ax.hist(after[:, i].numpy(), bins=bins, alpha=0.5, label="Standardized",
                color="tab:orange")
        ax.set_title(f"Feature #{i}")
        ax.legend()
    fig.tight_layout()
    return fig


def plot_residual_block() -> Figure:
    """Diagram of a residual block: two weight layers, and the input added before the last ReLU."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    _box(ax, (2, 0), "x", width=0.8)
    _box(ax, (2, 1.2), "weight layer")
    _box(ax, (2, 2.3), "ReLU", color="#e5f2dc")
    _box(ax, (2, 3.4), "weight layer")
    ax.add_patch(plt.Circle((2, 4.45), 0.22, fc="white", ec="k"))
    ax.text(2, 4.45, "+", ha="center", va="center", fontsize=14)
    _box(ax, (2, 5.5), "ReLU", color="#e5f2dc")
    for a, b in [((2, 0.3), (2, 0.9)), ((2, 1.5), (2, 2.0)), ((2, 2.6), (2, 3.1)),
                 ((2, 3.7), (2, 4.23)), ((2, 4.67), (2, 5.2))]:
        _arrow(ax, a, b)
    ax.plot([2.4, 3.4, 3.4], [0, 0, 4.45], color="tab:red", lw=1.2)
    _arrow(ax, (3.4, 4.45), (2.22, 4.45))
    ax.patches[-1].set_color("tab:red")
    ax.text(3.5, 2.3, "shortcut\n(identity)", color="tab:red", ha="left", va="center",
            fontsize=9)
    ax.text(0.2, 2.3, "F(x)", fontsize=11)
    ax.text(2.35, 4.9, "F(x) + x", fontsize=10)
    ax.set_xlim(0, 4.8)
    ax.set_ylim(-0.5, 6)
    ax.axis("off")
    fig.tight_layout()
    return fig


def plot_skip_comparison(original, no_skip, skip) -> Figure:
    """Three images side by side: the input, a random block's output without and with the skip."""
    fig, axs = plt.subplots(1, 3, figsize=(12, 4.2))
    for ax, img, title in zip(axs, (original, no_skip, skip), ("Original", "No Skip", "Skip")):
        img = _to_hwc(_rescale(img))
        ax.imshow(img, cmap=None if img.ndim == 3 else "gray")
        ax.set_title(title)
        _clean(ax)
    fig.tight_layout()
    return fig


def _rescale(img):
    """Scale a tensor to [0, 1] between its 1st and 99th percentiles (block outputs have no
    natural range, and a few extreme values, e.g. at the borders, would wash out the rest)."""
    img = torch.as_tensor(img).detach().cpu().float()
    lo, hi = torch.quantile(img, 0.01), torch.quantile(img, 0.99)
    if hi <= lo:
        return torch.zeros_like(img)
    return ((img - lo) / (hi - lo)).clamp(0, 1)


def plot_accuracy_summary(results: Mapping[str, float]) -> Figure:
    """Horizontal bars of validation accuracies (in [0, 1]), each labelled with its percentage."""
    if not results:
        raise ValueError("results must map at least one experiment name to an accuracy.")
    names = list(results)
    values = [100 * float(results[n]) for n in names]
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(names) + 1.2))
    bars = ax.barh(names[::-1], values[::-1], color="tab:blue", alpha=0.7)
    for bar, v in zip(bars, values[::-1]):
        ax.text(v + 1, bar.get_y() + bar.get_height() / 2, f"{v:.2f}%", va="center")
    ax.axvline(100 / 3, color="k", ls="--", lw=1)
    ax.text(100 / 3 + 0.5, len(names) - 0.45, "chance", fontsize=9)
    ax.set_xlim(0, 110)
    ax.set_ylim(-0.6, len(names) - 0.1)
    ax.set_xlabel("Validation accuracy (%)")
    fig.tight_layout()
    return fig


def plot_side_head_losses(history: Mapping[str, Sequence[float]], aux_weight: float) -> Figure:
    """Per-epoch training losses of a model with a side head: main, auxiliary and their sum."""
    missing = {"main", "aux", "total"} - set(history)
    if missing:
        raise ValueError(f"history needs the keys 'main', 'aux' and 'total'; missing {sorted(missing)}.")
    epochs = np.arange(1, len(history["main"]) + 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(epochs, history["main"], "o-", label="Main classifier")
    ax.plot(epochs, history["aux"], "s--", label="Side head (auxiliary)")
    ax.plot(epochs, history["total"], "k-", lw=2, label=f"Total = main + {aux_weight} x auxiliary")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Training loss (cross-entropy)")
    ax.set_xticks(epochs)
    ax.legend()
    fig.tight_layout()
    return fig
