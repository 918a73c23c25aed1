"""Figures of chapter 2.1 (Going Classy)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_full_dataset"]


def plot_full_dataset(x: np.ndarray, y: np.ndarray) -> Figure:
    """Scatter plot of the whole synthetic dataset (x vs y) before any split."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.size == 0 or x.shape != y.shape:
        raise ValueError(f"x and y must be non-empty and have the same number of points, got "
                         f"{x.size} and {y.size}.")
    fig, ax = plt.subplots(1, 1, figsize=(6, 6))
    ax.scatter(x, y)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Generated Data - Full Dataset")
    fig.tight_layout()
    return fig
