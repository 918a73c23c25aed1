"""Figures of chapter 19 (faster and bigger). Each draws what it is given and returns the Figure."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["step_timeline", "throughput_bars", "saved_bytes_bars", "ddp_loss_curves"]

COLOURS = {"forward": "tab:blue", "loss+backward": "tab:orange", "optimizer": "tab:green"}


def step_timeline(spans: Sequence[tuple[str, float, float]]):
    """One row per label; each (label, start, duration) span, in milliseconds, as a bar."""
    if not spans:
        raise ValueError("spans is empty: give (label, start_ms, duration_ms) triples.")
    labels = list(dict.fromkeys(label for label, _, _ in spans))
    origin = min(start for _, start, _ in spans)
    fig, ax = plt.subplots(figsize=(9, 2.6))
    for row, label in enumerate(labels):
        bars = [(start - origin, length) for name, start, length in spans if name == label]
        ax.broken_barh(bars, (row - 0.4, 0.8), color=COLOURS.get(label, "tab:grey"))
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("time since the first span (ms)")
    ax.set_title("Profiled training steps, from the Chrome trace")
    fig.tight_layout()
    return fig


def throughput_bars(rates: Mapping[str, float], unit: str = "samples/s"):
    """A horizontal bar per setting (e.g. DataLoader workers), labelled with its rate."""
    if not rates:
        raise ValueError("rates is empty: give {setting: rate}.")
    names, values = list(rates), np.array(list(rates.values()), dtype=float)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(names)))
    ax.barh(names, values, color="tab:blue")
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:,.0f}", va="center")
    ax.invert_yaxis()
    ax.set_xlim(0, values.max() * 1.25)
    ax.set_xlabel(unit)
    ax.set_title("DataLoader throughput by setting")
    fig.tight_layout()
    return fig


def saved_bytes_bars(saved: Mapping[str, int]):
    """Bytes saved for backward, one bar per variant (e.g. plain vs checkpointed)."""
    if not saved:
        raise ValueError("saved is empty: give {variant: bytes}.")
    names, values = list(saved), np.array(list(saved.values()), dtype=float) / 1024
    fig, ax = plt.subplots(figsize=(6, 2.4))
    ax.barh(names, values, color=["tab:red", "tab:green"][: len(names)] or None)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:,.0f} KiB", va="center")
    ax.invert_yaxis()
    ax.set_xlim(0, values.max() * 1.3)
    ax.set_xlabel("activations saved for backward (KiB)")
    ax.set_title("Activation checkpointing: memory kept between forward and backward")
    fig.tight_layout()
    return fig


def ddp_loss_curves(curves: Mapping[str, Sequence[float]]):
    """Per-epoch training losses of several runs, overlaid (markers differ so overlaps show)."""
    if not curves:
        raise ValueError("curves is empty: give {run name: losses}.")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    markers = ["o", "x", "s", "^"]
    for i, (name, losses) in enumerate(curves.items()):
        epochs = np.arange(1, len(losses) + 1)
        ax.plot(epochs, losses, marker=markers[i % len(markers)], label=name,
                linestyle="-" if i == 0 else "--")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("Data parallel vs one process")
    ax.legend()
    fig.tight_layout()
    return fig
