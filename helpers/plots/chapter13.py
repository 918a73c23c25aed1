"""Figures of chapter 13 (real-world data as tensors).

Every function draws what it is given and returns a matplotlib ``Figure``; none of them loads data,
trains or computes a number the chapter should show being computed.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_channels", "plot_batch", "plot_volume", "plot_threshold", "plot_bike_hours",
           "plot_top_classes", "plot_garments", "plot_losses_by_probability", "plot_shift_probe",
           "plot_training_curves"]


def _array(name: str, value, ndim: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}.")
    return arr


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def plot_channels(image, title: str = "photo") -> Figure:
    """An H x W x 3 photo next to its red, green and blue intensity maps."""
    image = _array("image", image, 3)
    if image.shape[2] != 3:
        raise ValueError(f"image must be H x W x 3 (RGB), got shape {image.shape}.")
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
    axes[0].imshow(image)
    axes[0].set_title(f"{title} ({image.shape[0]}x{image.shape[1]}x3)")
    for c, (ax, name, cmap) in enumerate(zip(axes[1:], ("red", "green", "blue"),
                                             ("Reds_r", "Greens_r", "Blues_r"))):
        ax.imshow(image[:, :, c], cmap=cmap)
        ax.set_title(f"channel {c}: {name}")
    for ax in axes:
        _bare(ax)
    fig.tight_layout()
    return fig


def plot_batch(batch, titles: Sequence[str]) -> Figure:
    """The images of an N x 3 x H x W batch (uint8 or floats in [0, 1]) side by side."""
    batch = _array("batch", batch, 4)
    if len(titles) != len(batch):
        raise ValueError(f"give one title per image: {len(batch)} images, {len(titles)} titles.")
    fig, axes = plt.subplots(1, len(batch), figsize=(3 * len(batch), 3.2), squeeze=False)
    for ax, image, title in zip(axes[0], batch, titles):
        ax.imshow(np.moveaxis(image, 0, -1))  # C x H x W back to H x W x C for matplotlib
        ax.set_title(title)
        _bare(ax)
    fig.tight_layout()
    return fig


def plot_volume(volume, hounsfield=None, spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
                ) -> Figure:
    """Three middle slices (axial, coronal, sagittal) of a D x H x W volume, and a CT slice in HU.

    ``spacing`` is the (slice, row, column) size in millimetres, used for the aspect ratio.
    ``hounsfield`` (optional) is a 2-D CT slice in Hounsfield units, drawn with a colour bar.
    """
    volume = _array("volume", volume, 3)
    d, h, w = volume.shape
    sz, sy, sx = spacing
    panels = [("axial (slice %d of %d)" % (d // 2, d), volume[d // 2], sy / sx),
              ("coronal (row %d)" % (h // 2), volume[:, h // 2, :], sz / sx),
              ("sagittal (column %d)" % (w // 2), volume[:, :, w // 2], sz / sy)]
    n = 3 + (hounsfield is not None)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.4))
    for ax, (title, image, aspect) in zip(axes, panels):
        ax.imshow(image, cmap="gray", aspect=aspect)
        ax.set_title(title)
        _bare(ax)
    if hounsfield is not None:
        hounsfield = _array("hounsfield", hounsfield, 2)
        shown = axes[3].imshow(hounsfield, cmap="gray")
        axes[3].set_title("CT slice")
        _bare(axes[3])
        fig.colorbar(shown, ax=axes[3], label="Hounsfield units")
    fig.tight_layout()
    return fig


def plot_threshold(values, labels, thresholds: Mapping[str, float], positive: int = 0,
                   feature: str = "proline") -> Figure:
    """Histograms of one feature per class, with a vertical line at each named threshold."""
    values = _array("values", values, 1)
    labels = _array("labels", labels, 1)
    if len(values) != len(labels):
        raise ValueError("values and labels must have the same length.")
    fig, ax = plt.subplots(figsize=(8, 3.6))
    bins = np.linspace(values.min(), values.max(), 30)
    for label in np.unique(labels):
        ax.hist(values[labels == label], bins=bins, alpha=0.55,
                label=f"class {label}" + (" (positive)" if label == positive else ""))
    for (name, x), style in zip(thresholds.items(), ("--", ":", "-.")):
        ax.axvline(x, color="black", linestyle=style, label=f"{name}: {x:.2f}")
    ax.set_xlabel(feature)
    ax.set_ylabel("wines")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bike_hours(counts, working) -> Figure:
    """Left: rentals as a days x hours heatmap. Right: mean hourly profile, working vs other days.

    ``counts`` is (days, 24); ``working`` is one flag per day.
    """
    counts = _array("counts", counts, 2)
    working = _array("working", working, 1).astype(bool)
    if counts.shape[1] != 24 or len(working) != len(counts):
        raise ValueError(f"counts must be days x 24 with one working flag per day, got "
                         f"{counts.shape} and {working.shape}.")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), width_ratios=(1.2, 1))
    shown = left.imshow(counts, aspect="auto", cmap="viridis", interpolation="nearest")
    left.set_xlabel("hour of the day")
    left.set_ylabel("day")
    left.set_title("rentals per hour")
    fig.colorbar(shown, ax=left)
    hours = np.arange(24)
    right.plot(hours, counts[working].mean(axis=0), marker="o", label="working days")
    right.plot(hours, counts[~working].mean(axis=0), marker="s", label="weekends and holidays")
    right.set_xlabel("hour of the day")
    right.set_ylabel("mean rentals")
    right.set_xticks(range(0, 24, 3))
    right.legend()
    fig.tight_layout()
    return fig


def plot_top_classes(predictions: Mapping[str, Sequence[tuple[str, float]]]) -> Figure:
    """One horizontal bar chart per entry: (class name, percentage) pairs, the first on top."""
    if not predictions:
        raise ValueError("give at least one title -> [(class name, percentage), ...] entry.")
    fig, axes = plt.subplots(1, len(predictions), figsize=(4.6 * len(predictions), 2.8),
                             squeeze=False)
    for ax, (title, pairs) in zip(axes[0], predictions.items()):
        names = [name for name, _ in pairs][::-1]
        shares = [share for _, share in pairs][::-1]
        ax.barh(names, shares, color="tab:blue")
        ax.set_xlim(0, 100)
        ax.set_xlabel("probability (%)")
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_garments(images, labels, class_names: Sequence[str], columns: int = 5) -> Figure:
    """A grid of N x 28 x 28 (or N x 1 x 28 x 28) grey images titled with their class names."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[:, 0]
    images = _array("images", images, 3)
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2 * columns, 2.2 * rows), squeeze=False)
    for ax in axes.flat:
        _bare(ax)
    for ax, image, label in zip(axes.flat, images, labels):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(class_names[int(label)], fontsize=10)
    fig.tight_layout()
    return fig


def plot_losses_by_probability(probability, losses: Mapping[str, Sequence[float]]) -> Figure:
    """Each loss as a function of the probability given to the right class."""
    probability = _array("probability", probability, 1)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name, values in losses.items():
        if len(values) != len(probability):
            raise ValueError(f"loss {name!r} has {len(values)} values for "
                             f"{len(probability)} probabilities.")
        ax.plot(probability, values, label=name)
    ax.set_xlabel("probability of the right class")
    ax.set_ylabel("loss")
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_shift_probe(image, shifted, accuracies: Mapping[str, tuple[float, float]]) -> Figure:
    """An image and its shifted copy, then bars of accuracy on clean and shifted images per model."""
    image = _array("image", np.squeeze(image), 2)
    shifted = _array("shifted", np.squeeze(shifted), 2)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), width_ratios=(1, 1, 2.4))
    for ax, picture, title in zip(axes, (image, shifted), ("original", "rolled 3 pixels right")):
        ax.imshow(picture, cmap="gray_r")
        ax.set_title(title)
        _bare(ax)
    names = list(accuracies)
    x = np.arange(len(names))
    clean = [100 * accuracies[n][0] for n in names]
    moved = [100 * accuracies[n][1] for n in names]
    axes[2].bar(x - 0.2, clean, width=0.4, label="clean")
    axes[2].bar(x + 0.2, moved, width=0.4, label="shifted")
    axes[2].axhline(50, color="gray", linestyle=":", label="chance")
    axes[2].set_xticks(x, [name.replace(", ", "\n") for name in names])   # long names on two lines
    axes[2].set_ylim(0, 112)   # headroom above 100% for the legend, clear of the bars
    axes[2].set_yticks(range(0, 101, 20))
    axes[2].set_ylabel("validation accuracy (%)")
    axes[2].legend(loc="upper center", ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def plot_training_curves(histories: Mapping[str, Mapping[str, Sequence[float]]]) -> Figure:
    """Loss and accuracy per epoch of each net: training solid, validation dashed, one colour a net.

    ``histories`` maps a net's name to its ``train_loss``, ``val_loss``, ``train_accuracy`` and
    ``val_accuracy`` lists (accuracies as fractions), one value per epoch.
    """
    keys = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 3.8))
    for colour, (name, history) in enumerate(histories.items()):
        missing = [key for key in keys if key not in history]
        if missing:
            raise ValueError(f"history of {name!r} lacks {missing}; give one list per key of {keys}.")
        lengths = {len(history[key]) for key in keys}
        if len(lengths) != 1 or 0 in lengths:
            raise ValueError(f"history of {name!r} needs lists of one equal, non-zero length, "
                             f"got lengths {[len(history[key]) for key in keys]}.")
        epochs = np.arange(1, lengths.pop() + 1)
        for ax, key, scale in ((loss_ax, "loss", 1), (acc_ax, "accuracy", 100)):
            for split, style in (("train", "-"), ("val", "--")):
                label = f"{name}, {'training' if split == 'train' else 'validation'}"
                ax.plot(epochs, scale * np.asarray(history[f"{split}_{key}"]), style,
                        color=f"C{colour}", label=label)
    loss_ax.set_ylabel("mean NLL")
    acc_ax.set_ylabel("accuracy (%)")
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("epoch")
        ax.legend()
    fig.tight_layout()
    return fig
