"""Chapter 16's figures (semantic segmentation). Each draws what it is given and returns a Figure."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from data_generation.scenes import CLASS_COLORS, CLASS_NAMES, colorize

__all__ = ["show_kernels", "show_scenes", "show_overlaps", "show_triptychs", "plot_iou_bars",
           "plot_curves", "show_pairs"]


def _picture(image) -> np.ndarray:
    """(3, H, W) or (H, W, 3) floats -> (H, W, 3) clipped to [0, 1] for imshow."""
    image = np.asarray(image, dtype=float)
    if image.ndim == 3 and image.shape[0] == 3:
        image = image.transpose(1, 2, 0)
    return np.clip(image, 0, 1)


def _legend(fig) -> None:
    handles = [Patch(color=c, label=n) for c, n in zip(CLASS_COLORS, CLASS_NAMES)]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)


def show_kernels(image: np.ndarray, results: Mapping[str, np.ndarray], annotate: bool = False):
    """A grayscale image and what each named kernel makes of it, side by side."""
    panels = {"input": np.asarray(image), **{k: np.asarray(v) for k, v in results.items()}}
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 2.8))
    for ax, (title, values) in zip(axes, panels.items()):
        ax.imshow(values, cmap="gray")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        if annotate:
            for (r, c), v in np.ndenumerate(values):
                ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=7, color="tab:red")
    fig.tight_layout()
    return fig


def show_scenes(images, masks, n: int = 8):
    """The first ``n`` scenes (top row) over their colour-coded masks (bottom row)."""
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 3.6))
    for i in range(n):
        axes[0, i].imshow(_picture(images[i]))
        axes[1, i].imshow(colorize(masks[i]))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("mask")
    _legend(fig)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def show_overlaps(maps: Mapping[str, np.ndarray]):
    """Heat maps of transposed-convolution outputs (how often each output pixel is written)."""
    fig, axes = plt.subplots(1, len(maps), figsize=(3.2 * len(maps), 3.2))
    for ax, (title, values) in zip(np.atleast_1d(axes), maps.items()):
        ax.imshow(values, cmap="viridis")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def show_triptychs(images, masks, predictions: Mapping[str, np.ndarray]):
    """One column per scene: the image, the true mask, then each model's predicted mask."""
    n = len(images)
    rows = 2 + len(predictions)
    fig, axes = plt.subplots(rows, n, figsize=(1.5 * n, 1.5 * rows + 0.5), squeeze=False)
    for i in range(n):
        axes[0, i].imshow(_picture(images[i]))
        axes[1, i].imshow(colorize(masks[i]))
        for r, pred in enumerate(predictions.values(), start=2):
            axes[r, i].imshow(colorize(pred[i]))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for r, label in enumerate(["image", "truth", *predictions]):
        axes[r, 0].set_ylabel(label, fontsize=9)
    _legend(fig)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def plot_iou_bars(ious: Mapping[str, Sequence[float]], class_names: Sequence[str] = CLASS_NAMES):
    """Grouped bars: one group per class, one bar per model, heights = IoU."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / len(ious)
    positions = np.arange(len(class_names))
    for k, (model, values) in enumerate(ious.items()):
        ax.bar(positions + (k - (len(ious) - 1) / 2) * width, values, width, label=model)
    ax.set_xticks(positions, class_names)
    ax.set_ylim(0, 1)
    ax.set_ylabel("IoU on the test scenes")
    ax.set_title("Per-class IoU")
    ax.legend(fontsize=8, ncol=len(ious))
    fig.tight_layout()
    return fig


def plot_curves(logs: Mapping[str, Mapping[str, Sequence[float]]]):
    """Training loss and validation mIoU per epoch, one line per model."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    for model, log in logs.items():
        epochs = np.arange(1, len(log["loss"]) + 1)
        left.plot(epochs, log["loss"], marker="o", label=model)
        right.plot(epochs, log["val_miou"], marker="o", label=model)
    left.set(xlabel="epoch", ylabel="training loss", title="Cross-entropy")
    right.set(xlabel="epoch", ylabel="mIoU", title="Validation mIoU", ylim=(0, 1))
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def show_pairs(images, masks, title: str = ""):
    """Augmented (image, mask) pairs: images on top, masks below; void pixels in white."""
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 3.6), squeeze=False)
    for i in range(n):
        axes[0, i].imshow(_picture(images[i]))
        axes[1, i].imshow(colorize(np.asarray(masks[i])))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    _legend(fig)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
