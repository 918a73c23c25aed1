"""Figures of chapter 6 (Rock, Paper, Scissors): images, dropout, EWMAs, optimizer paths, schedules."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_poses", "plot_batch", "plot_dropout_histograms", "plot_dropout_image",
           "plot_loss_comparison", "plot_ewma_weights", "plot_ma_vs_ewma",
           "plot_adapted_gradients", "plot_paths", "plot_update_terms", "plot_lr_schedules",
           "plot_bias_correction", "plot_schedule_grid", "plot_plateau"]


def _as_hwc(image) -> np.ndarray:
    """A (C, H, W) tensor/array or an (H, W, C) array as an (H, W, C) NumPy array."""
    array = np.asarray(image, dtype=float)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        array = array.transpose(1, 2, 0)
    return array


def plot_poses(images: Sequence, titles: Sequence[str]) -> Figure:
    """Show one image per pose side by side (Figure 6.1)."""
    fig, axs = plt.subplots(1, len(images), figsize=(4 * len(images), 4))
    for ax, image, title in zip(np.atleast_1d(axs), images, titles):
        ax.imshow(np.asarray(image))
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_batch(images, labels, class_names: Sequence[str], n_images: int = 6) -> Figure:
    """Show the first ``n_images`` (standardized) images of a batch, titled by class (Figure 6.2)."""
    fig, axs = plt.subplots(1, n_images, figsize=(2 * n_images, 2.4))
    for i, ax in enumerate(np.atleast_1d(axs)):
        ax.imshow(np.clip(_as_hwc(images[i]), 0, 1))
        ax.set_title(class_names[int(labels[i])])
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_dropout_histograms(sums_by_p: dict[float, np.ndarray], expected: float,
                            bins=np.linspace(0, 20, 41)) -> Figure:
    """Histograms of the sums of dropped-out inputs, one panel per dropout probability (6.7, 6.8)."""
    n = len(sums_by_p)
    fig, axs = plt.subplots(1, n, figsize=(5 * n, 4), squeeze=False)
    for ax, (p, sums) in zip(axs[0], sums_by_p.items()):
        sums = np.asarray(sums)
        ax.hist(sums, bins=bins, color="tab:blue", alpha=0.8)
        ax.axvline(sums.mean(), c="k", ls="--", label=f"Mean = {sums.mean():.2f}")
        ax.axvline(expected, c="r", ls=":", label=f"No dropout = {expected:.2f}")
        ax.set_title(f"p = {p:.2f}")
        ax.set_xlabel("Sum of adjusted outputs")
        ax.set_ylabel("Count")
        ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def plot_dropout_image(original, regular, two_d) -> Figure:
    """An image, the same image after regular dropout and after 2D dropout (Figure 6.9)."""
    fig, axs = plt.subplots(1, 3, figsize=(12, 4))
    for ax, image, title in zip(axs, (original, regular, two_d),
                                ("Original", "Regular Dropout", "Two-Dimensional Dropout")):
        ax.imshow(np.clip(_as_hwc(image), 0, 1))
        ax.set_title(title)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_loss_comparison(runs: dict[str, tuple[Sequence[float], Sequence[float]]],
                         log: bool = True, ylim: tuple[float, float] | None = None) -> Figure:
    """Training (solid) and validation (dashed) losses of several runs in one plot (6.11, 6.19...)."""
    fig, ax = plt.subplots(figsize=(10, 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (name, (losses, val_losses)), color in zip(runs.items(), colors):
        epochs = np.arange(1, len(losses) + 1)
        ax.plot(epochs, losses, c=color, label=f"{name} - Training")
        if val_losses:
            ax.plot(epochs, val_losses, c=color, ls="--", label=f"{name} - Validation")
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("Epochs")
    ax.set_ylabel("Loss")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_ewma_weights(alpha: float, periods: int, max_lag: int = 15) -> Figure:
    """Weight of each past value: EWMA(alpha) versus a moving average over ``periods`` (6.15)."""
    lags = np.arange(max_lag)
    ewma = alpha * (1 - alpha) ** lags
    ma = np.where(lags < periods, 1 / periods, 0.0)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(lags - 0.2, ewma, width=0.4, label=f"EWMA (alpha={alpha:.2f})")
    ax.bar(lags + 0.2, ma, width=0.4, label=f"MA ({periods} periods)")
    ax.set_xlabel("Lag (0 = current value)")
    ax.set_ylabel("Weight")
    ax.set_xticks(lags)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_ma_vs_ewma(values: Sequence[float], ma: Sequence[float], ewma: Sequence[float],
                    corrected: Sequence[float], periods: int) -> Figure:
    """A series with its moving average, its EWMA and its bias-corrected EWMA (Figure 6.16)."""
    days = np.arange(1, len(values) + 1)
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.plot(days, values, "o-", c="gray", alpha=0.6, label="Temperatures")
    ax.plot(days, ma, c="k", ls="--", label=f"MA ({periods} periods)")
    ax.plot(days, ewma, c="r", ls="--", label="EWMA")
    ax.plot(days, corrected, c="r", label="Bias-corrected EWMA")
    ax.set_xlabel("Days")
    ax.set_ylabel("Temperature")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_adapted_gradients(gradients, smoothed, scaling, adapted) -> Figure:
    """Gradients and their corrected EWMA, the scaling factor, and the adapted gradients (6.17)."""
    steps = np.arange(1, len(gradients) + 1)
    fig, axs = plt.subplots(1, 3, figsize=(15, 4))
    axs[0].plot(steps, gradients, c="k", alpha=0.5, label="Gradients")
    axs[0].plot(steps, smoothed, c="r", label="Corrected EWMA (19 periods)")
    axs[0].set_title("Gradients")
    axs[1].plot(steps, scaling, c="b")
    axs[1].set_title("Scaling factor: 1 / sqrt(corrected EWMA of squares)")
    axs[2].plot(steps, gradients, c="k", alpha=0.5, label="Gradients")
    axs[2].plot(steps, adapted, c="g", label="Adapted gradients")
    axs[2].set_title("Gradients vs adapted gradients")
    for ax in axs:
        ax.set_xlabel("Mini-batches")
    axs[0].legend()
    axs[2].legend()
    fig.tight_layout()
    return fig


def plot_paths(contour: tuple, paths: dict[str, tuple[Sequence[float], Sequence[float]]],
               ncols: int | None = None, lrs: dict[str, Sequence[float]] | None = None) -> Figure:
    """Each optimizer's (b, w) path over the loss contour, optimum in red (6.18, 6.20, 6.22, 6.28).

    With ``lrs`` (name -> learning rates per step), a second row shows each run's schedule.
    """
    bs, ws, losses, (b_opt, w_opt) = contour
    n = len(paths)
    ncols = ncols or n
    nrows = int(np.ceil(n / ncols))
    extra = 1 if lrs else 0
    fig, axs = plt.subplots(nrows + extra, ncols, figsize=(4.5 * ncols, 4.5 * nrows + 2.5 * extra),
                            squeeze=False,
                            gridspec_kw={"height_ratios": [4.5] * nrows + [2.5] * extra})
    for ax, (name, (b_path, w_path)) in zip(axs[:nrows].flat, paths.items()):
        ax.contour(bs, ws, losses, levels=np.logspace(-2, 1, 12), cmap="coolwarm", alpha=0.7)
        ax.plot(b_path, w_path, "-o", c="k", markersize=2.5, lw=1)
        ax.plot([b_opt], [w_opt], "o", c="r", markersize=8)
        ax.set_xlim(bs.min(), bs.max())
        ax.set_ylim(ws.min(), ws.max())
        ax.set_xlabel("b")
        ax.set_ylabel("w")
        ax.set_title(name)
    for ax in list(axs[:nrows].flat)[n:]:
        ax.axis("off")
    if lrs:
        for ax, (name, values) in zip(axs[-1], lrs.items()):
            ax.plot(np.arange(1, len(values) + 1), values)
            ax.set_title(f"LR - {name}")
            ax.set_xlabel("Step")
        for ax in list(axs[-1])[len(lrs):]:
            ax.axis("off")
    fig.tight_layout()
    return fig


def plot_update_terms(terms: dict[str, Sequence[float]]) -> Figure:
    """The term multiplied by the learning rate in each SGD flavour, step by step (Figure 6.21)."""
    fig, axs = plt.subplots(1, len(terms), figsize=(5 * len(terms), 4), squeeze=False)
    for ax, (name, values) in zip(axs[0], terms.items()):
        ax.plot(np.arange(1, len(values) + 1), values)
        ax.axhline(0, c="k", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("Mini-batches")
    fig.tight_layout()
    return fig


def plot_lr_schedules(schedules: dict[str, Sequence[float]], log: bool = True,
                      xlabel: str = "Step") -> Figure:
    """The learning rate after each step, one panel per scheduler (Figures 6.24-6.26)."""
    fig, axs = plt.subplots(1, len(schedules), figsize=(5 * len(schedules), 3.5), squeeze=False)
    for ax, (name, values) in zip(axs[0], schedules.items()):
        ax.plot(np.arange(len(values)), values, "-o", markersize=3)
        if log:
            ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Learning rate")
    fig.tight_layout()
    return fig


def plot_bias_correction(weight_sums: dict[str, Sequence[float]], values: Sequence[float],
                         ewma: Sequence[float], corrected: Sequence[float], beta: float) -> Figure:
    """Left: the total weight 1 - beta**t an EWMA started at zero gives its values, per beta.
    Right: a series, its plain EWMA and its bias-corrected EWMA (same beta)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    for name, sums in weight_sums.items():
        left.plot(np.arange(1, len(sums) + 1), sums, label=name)
    left.axhline(1, c="k", ls=":", lw=1)
    left.set_xscale("log")
    left.set_xlabel("Step t")
    left.set_ylabel("Sum of the weights")
    left.set_title("How much of the average is missing")
    left.legend()
    steps = np.arange(1, len(values) + 1)
    right.plot(steps, values, c="gray", alpha=0.4, lw=1, label="Values")
    right.plot(steps, ewma, c="r", ls="--", label="EWMA")
    right.plot(steps, corrected, c="r", label="Bias-corrected EWMA")
    right.set_xlabel("Step t")
    right.set_title(f"beta = {beta}")
    right.legend()
    fig.tight_layout()
    return fig


def plot_schedule_grid(schedules: dict[str, tuple[Sequence[float], str]], ncols: int = 4) -> Figure:
    """One small panel per scheduler: its learning rate at every step, with its own x label."""
    nrows = -(-len(schedules) // ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(4 * ncols, 3 * nrows), squeeze=False)
    for ax, (name, (values, xlabel)) in zip(axs.flat, schedules.items()):
        values = np.asarray(values)
        ax.plot(np.arange(len(values)), values, "-o" if len(values) <= 40 else "-", markersize=3)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylim(0, values.max() * 1.1)
    for ax in axs.flat[len(schedules):]:
        ax.set_visible(False)
    for row in axs:
        row[0].set_ylabel("Learning rate")
    fig.tight_layout()
    return fig


def plot_plateau(val_losses: Sequence[float], lrs: Sequence[float], title: str) -> Figure:
    """A validation loss per epoch and the rate ReduceLROnPlateau set for each epoch."""
    epochs = np.arange(1, len(val_losses) + 1)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(epochs, val_losses, "o-", c="r", label="Validation loss")
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Validation loss")
    rate_ax = ax.twinx()
    rate_ax.step(epochs, lrs, where="mid", c="k", ls="--", label="Learning rate")
    rate_ax.set_ylabel("Learning rate")
    rate_ax.set_yscale("log")
    lines = ax.get_lines() + rate_ax.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper center")
    ax.set_title(title)
    fig.tight_layout()
    return fig
