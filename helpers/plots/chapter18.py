"""Figures of chapter 18 (export, serving, load tests, quantisation).

Each function draws the numbers it is given and returns a matplotlib ``Figure``; the measuring
happens in the notebook and in ``helpers.serving`` / ``helpers.export``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["pipeline_map", "artefact_sizes", "load_test_summary", "quantization_summary", "served_images"]


def pipeline_map(main: Sequence[str], branch: Sequence[str], branch_from: int = 0) -> Figure:
    """Boxes joined by arrows: the ``main`` path on top, a ``branch`` below leaving box
    ``branch_from`` of the main path."""
    if not main or not 0 <= branch_from < len(main):
        raise ValueError("give at least one main stage, and branch_from as one of its indices.")
    width = max(len(main), branch_from + len(branch))
    fig, ax = plt.subplots(figsize=(2.1 * width, 2.6))
    rows = ((main, 0, 1.0, "tab:blue"), (branch, branch_from, 0.0, "tab:orange"))
    for stages, first, y, color in rows:
        for k, label in enumerate(stages):
            x = first + k
            ax.text(x, y, label, ha="center", va="center", fontsize=9,
                    bbox=dict(boxstyle="round,pad=0.4", facecolor=color, alpha=0.25))
            if k:
                ax.annotate("", xy=(x - 0.42, y), xytext=(x - 0.58, y),
                            arrowprops=dict(arrowstyle="->"))
    if branch:
        ax.annotate("", xy=(branch_from, 0.2), xytext=(branch_from, 0.8),
                    arrowprops=dict(arrowstyle="->"))
    # Labelled duplicate: the usual frame of a schematic (limits, no axes, title), alike in shape
    # to chapter10.py's head diagram and nothing more.
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-0.5, 1.5)
    ax.axis("off")
    ax.set_title("From a trained model to a service (top) and to portable graphs (bottom)")
    fig.tight_layout()
    return fig


def artefact_sizes(sizes: Mapping[str, int]) -> Figure:
    """Horizontal bars of file sizes in bytes (log scale), largest at the top."""
    if not sizes:
        raise ValueError("sizes must map at least one artefact name to its size in bytes.")
    names = sorted(sizes, key=sizes.get)
    values = [sizes[n] for n in names]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2))
    bars = ax.barh(names, values, color="tab:blue")
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 4)
    ax.set_xlabel("bytes (log scale)")
    ax.set_title("One model, several artefacts")
    fig.tight_layout()
    return fig


def load_test_summary(results: Mapping[str, Mapping[str, float]]) -> Figure:
    """Left: p50/p95/p99 latency per configuration; right: items answered per second."""
    if not results:
        raise ValueError("results must map a configuration name to load_test's dict.")
    names = list(results)
    x = np.arange(len(names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for k, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        left.bar(x + (k - 1) * 0.27, [results[n][key] for n in names], width=0.27,
                 label=key.split("_")[0])
    left.set_xticks(x, names, fontsize=8)
    left.set_ylabel("latency per request (ms)")
    left.set_title("Latency percentiles")
    left.legend()
    bars = right.bar(x, [results[n]["items_per_s"] for n in names], color="tab:green")
    right.bar_label(bars, fmt="%.0f", fontsize=8)
    right.set_xticks(x, names, fontsize=8)
    right.set_yscale("log")
    right.set_ylabel("items per second (log scale)")
    right.set_title("Throughput")
    fig.tight_layout()
    return fig


def quantization_summary(table: Mapping[str, Mapping[str, float]]) -> Figure:
    """Size and batch latency of float32 vs int8 for each model in ``table``.

    ``table[model]`` holds ``fp32_bytes``, ``int8_bytes``, ``fp32_us`` and ``int8_us``.
    """
    if not table:
        raise ValueError("table must map a model name to its float32 and int8 measurements.")
    names = list(table)
    x = np.arange(len(names))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, (unit, label) in zip(axes, (("bytes", "state_dict size (bytes)"),
                                        ("us", "median forward time (µs)"))):
        for k, kind in enumerate(("fp32", "int8")):
            ax.bar(x + (k - 0.5) * 0.4, [table[n][f"{kind}_{unit}"] for n in names],
                   width=0.4, label=kind)
        ax.set_xticks(x, names)
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.legend()
    axes[0].set_title("Size")
    axes[1].set_title("Speed (batch of 64)")
    fig.tight_layout()
    return fig


def served_images(images: Sequence[np.ndarray], answers: Sequence[Mapping]) -> Figure:
    """Each image with the label and top probability the server returned for it."""
    if len(images) != len(answers) or not images:
        raise ValueError("give one answer per image, and at least one image.")
    fig, axes = plt.subplots(1, len(images), figsize=(2.1 * len(images), 2.5), squeeze=False)
    for ax, image, answer in zip(axes[0], images, answers):
        ax.imshow(np.asarray(image), cmap="gray", vmin=0, vmax=255)
        top = answer["probabilities"][answer["label"]]
        ax.set_title(f"{answer['label']}\np = {top:.2f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
