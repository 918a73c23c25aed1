"""Figures of chapter 2 (Rethinking the Training Loop): loss curves and static TensorBoard views."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_losses", "plot_tensorboard_scalars"]


def plot_losses(losses: Sequence[float], val_losses: Sequence[float] | None = None,
                resumed_at: int | None = None, title: str = "Losses") -> Figure:
    """Training (and validation) loss per epoch on a log scale; optionally mark where training resumed."""
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError("losses must be a non-empty 1-D sequence of numbers (one per epoch).")
    fig, ax = plt.subplots(1, 1, figsize=(10, 4))
    ax.plot(losses, label="Training Loss", c="b")
    if val_losses is not None:
        val_losses = np.asarray(val_losses, dtype=float)
        if val_losses.shape != losses.shape:
            raise ValueError(f"val_losses must have one value per epoch like losses "
                             f"({losses.size}), got {val_losses.size}.")
        ax.plot(val_losses, label="Validation Loss", c="r")
    if resumed_at is not None:
        ax.axvline(resumed_at, c="k", linestyle="--", linewidth=1.5, label="Resumed here")
    ax.set_yscale("log")
    ax.set_xlabel("Epochs")
    ax.set_ylabel("Loss")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_tensorboard_scalars(scalars: Mapping[str, tuple[np.ndarray, np.ndarray]],
                             main_tag: str = "loss", log_scale: bool = False) -> Figure:
    """Curves read back from TensorBoard event files, drawn in logged order like its Scalars tab."""
    if not scalars:
        raise ValueError("scalars is empty: read a log folder that has scalars in it "
                         "(helpers.tensorboard_logs.read_run(...).scalars).")
    colors = {"training": "#ff7043", "validation": "#0077bb"}
    fig, ax = plt.subplots(1, 1, figsize=(10, 4))
    for name, (steps, values) in scalars.items():
        ax.plot(steps, values, label=name, c=colors.get(name), linewidth=2,
                marker="o" if len(steps) == 1 else None, markersize=8)
    if log_scale:
        ax.set_yscale("log")
    ax.set_title(main_tag)
    ax.set_xlabel("step (epoch)")
    ax.set_ylabel("value")
    ax.legend(title="run")
    fig.tight_layout()
    return fig
