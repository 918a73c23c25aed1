"""Figures for chapter 14 (autoencoders and GANs). They draw what they are given and return a Figure."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["image_grid", "code_map", "anomaly_figure", "gan_curves", "ring_snapshots",
           "translation_scores"]


def _as_array(images) -> np.ndarray:
    array = images.detach().cpu().float().numpy() if isinstance(images, torch.Tensor) \
        else np.asarray(images, dtype=np.float32)
    return array


def image_grid(images, row_titles=None, col_titles=None, scale: float = 0.9, title=None):
    """Show a (rows, cols, [1,] H, W) block of grey images in [-1, 1] (or uint8 0-255).

    ``row_titles`` label the rows on the left, ``col_titles`` the columns on top.
    """
    array = _as_array(images)
    if array.ndim == 5:
        array = array[:, :, 0]
    if array.ndim != 4:
        raise ValueError(f"images must have shape (rows, cols, [1,] H, W), got {array.shape}.")
    low, high = (0, 255) if array.max() > 1.5 else (-1, 1)
    rows, cols = array.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * scale + (1.2 if row_titles else 0),
                                                   rows * scale + (0.4 if title else 0)),
                             squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(array[r, c], cmap="gray", vmin=low, vmax=high)
            ax.set_xticks([])
            ax.set_yticks([])
            if row_titles is not None and c == 0:
                ax.set_ylabel(row_titles[r], rotation=0, ha="right", va="center", fontsize=9)
            if col_titles is not None and r == 0:
                ax.set_title(col_titles[c], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def code_map(points, labels, class_names, title="t-SNE map of the codes"):
    """Scatter 2-D points coloured by label, with each class's name at its centroid."""
    points, labels = np.asarray(points), np.asarray(labels)
    fig, ax = plt.subplots(figsize=(7, 6))
    colours = plt.get_cmap("tab10")
    for k, name in enumerate(class_names):
        mine = points[labels == k]
        ax.scatter(mine[:, 0], mine[:, 1], s=5, color=colours(k), label=name, alpha=0.7)
        if len(mine):
            ax.annotate(name, mine.mean(0), fontsize=9, weight="bold", ha="center",
                        bbox=dict(boxstyle="round", fc="white", alpha=0.7))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    ax.legend(markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    return fig


def anomaly_figure(normal, others: dict, curves: dict):
    """Left: histograms of the normal scores and of each other set; right: their ROC curves.

    ``others`` maps a set's name to its scores; ``curves`` maps the same names to
    ``(false positive rates, true positive rates, area)``.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    everything = np.concatenate([np.asarray(normal)] + [np.asarray(v) for v in others.values()])
    bins = np.linspace(0, np.quantile(everything, 0.99), 50)
    left.hist(np.asarray(normal), bins=bins, density=True, alpha=0.5, label="Fashion-MNIST test")
    for name, scores in others.items():
        left.hist(np.asarray(scores), bins=bins, density=True, histtype="step", lw=2, label=name)
    left.set_xlabel("reconstruction error (MSE)")
    left.set_ylabel("density")
    left.legend(fontsize=8)
    for name, (fpr, tpr, area) in curves.items():
        right.plot(fpr, tpr, lw=2, label=f"{name} (AUC {area:.2f})")
    right.plot([0, 1], [0, 1], "k--", lw=1, label="chance")
    right.set_xlabel("false positive rate")
    right.set_ylabel("true positive rate")
    right.set_title("ROC: is it an anomaly?")
    right.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def gan_curves(log: dict, smooth: int = 1):
    """Top: loss_D and loss_G per round with their values when D says 1/2 everywhere
    (2 ln 2 and ln 2); bottom: the mean verdicts D(x) and D(G(z))."""
    def running(values):
        values = np.asarray(values, dtype=float)
        if smooth <= 1:
            return values
        kernel = np.ones(smooth) / smooth
        return np.convolve(values, kernel, mode="valid")

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot(running(log["loss_d"]), label="loss_D (real + fake)")
    top.plot(running(log["loss_g"]), label="loss_G")
    top.axhline(2 * math.log(2), color="C0", ls="--", lw=1, label="2 ln 2 = 1.386")
    top.axhline(math.log(2), color="C1", ls="--", lw=1, label="ln 2 = 0.693")
    top.set_ylabel("BCE")
    top.legend(fontsize=8, ncol=2)
    bottom.plot(running(log["d_real"]), label="mean D(x), real")
    bottom.plot(running(log["d_fake"]), label="mean D(G(z)), fake")
    bottom.axhline(0.5, color="k", ls="--", lw=1)
    bottom.set_ylim(0, 1)
    bottom.set_xlabel("round" + (f" (running mean of {smooth})" if smooth > 1 else ""))
    bottom.set_ylabel("probability 'real'")
    bottom.legend(fontsize=8)
    fig.tight_layout()
    return fig


def ring_snapshots(real, runs: dict, centres):
    """One row of scatter plots per run (its snapshots over time), over the real ring's centres.

    ``runs`` maps a run's name to a list of ``(round, samples, modes covered)``.
    """
    real, centres = _as_array(real), _as_array(centres)
    n_cols = 1 + max(len(snaps) for snaps in runs.values())
    fig, axes = plt.subplots(len(runs), n_cols, figsize=(1.9 * n_cols, 2.0 * len(runs)),
                             squeeze=False)
    for row, (name, snaps) in enumerate(runs.items()):
        axes[row, 0].scatter(real[:, 0], real[:, 1], s=1, color="grey")
        axes[row, 0].set_title("real data", fontsize=8)
        axes[row, 0].set_ylabel(name, fontsize=9)
        for col, (round_, samples, modes) in enumerate(snaps, start=1):
            points = _as_array(samples)
            ax = axes[row, col]
            ax.scatter(points[:, 0], points[:, 1], s=1, alpha=0.3)
            ax.scatter(centres[:, 0], centres[:, 1], marker="x", color="red", s=15)
            ax.set_title(f"round {round_}: {modes} modes", fontsize=8)
        for ax in axes[row]:
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def translation_scores(table: dict, threshold: float | None = None):
    """Bars of 'class kept' and 'domain changed' per translator; ``table`` maps a name to both."""
    names = list(table)
    kept = [table[n][0] for n in names]
    changed = [table[n][1] for n in names]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar(x - 0.2, kept, width=0.4, label="class kept")
    ax.bar(x + 0.2, changed, width=0.4, label="domain changed")
    if threshold is not None:
        ax.axhline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:.2f}")
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of test images")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
