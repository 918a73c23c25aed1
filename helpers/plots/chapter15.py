"""Figures of chapter 15 (PixelCNN and WaveNet).

Every function draws what it is given and returns a matplotlib ``Figure``; none of them trains a
model or computes a result the chapter should show being computed.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = ["mask_grid", "dependency_maps", "learning_curves", "image_rows", "mu_law_figure",
           "receptive_field_diagram", "waves_and_spectrograms"]


def _as_array(value) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)


def _need(mapping: Mapping, what: str) -> None:
    if not mapping:
        raise ValueError(f"give at least one {what}.")


def mask_grid(masks: Mapping[str, object]) -> Figure:
    """Each 2-D 0/1 mask as a grid: dark cells are weights the convolution may use."""
    _need(masks, "mask as name -> 2-D array")
    fig, axes = plt.subplots(1, len(masks), figsize=(3.2 * len(masks), 3.4), squeeze=False)
    for ax, (name, mask) in zip(axes[0], masks.items()):
        mask = _as_array(mask)
        if mask.ndim != 2:
            raise ValueError(f"mask {name!r} must be 2-D, got shape {mask.shape}.")
        ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.3)
        centre = (mask.shape[0] // 2, mask.shape[1] // 2)
        ax.add_patch(Rectangle((centre[1] - 0.5, centre[0] - 0.5), 1, 1, fill=False,
                               edgecolor="red", linewidth=2))
        ax.set_xticks(np.arange(-0.5, mask.shape[1]), minor=True)
        ax.set_yticks(np.arange(-0.5, mask.shape[0]), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(f"{name}: {int(mask.sum())} of {mask.size} weights")
    fig.tight_layout()
    return fig


def dependency_maps(maps: Mapping[str, object], position: tuple[int, int]) -> Figure:
    """Which input pixels reach the output at ``position`` (outlined): one panel per map.

    Exact zeros are white; other cells are coloured by log10 of the gradient's size.
    """
    _need(maps, "map as title -> 2-D gradient array")
    fig, axes = plt.subplots(1, len(maps), figsize=(3.6 * len(maps), 3.6), squeeze=False)
    for ax, (title, grad) in zip(axes[0], maps.items()):
        grad = np.abs(_as_array(grad)).astype(float)
        if grad.ndim != 2:
            raise ValueError(f"map {title!r} must be 2-D, got shape {grad.shape}.")
        shown = np.where(grad > 0, np.log10(np.where(grad > 0, grad, 1.0)), np.nan)
        ax.imshow(shown, cmap="viridis")
        ax.add_patch(Rectangle((position[1] - 0.5, position[0] - 0.5), 1, 1, fill=False,
                               edgecolor="red", linewidth=2.5))
        ax.set_xticks(range(grad.shape[1]))
        ax.set_yticks(range(grad.shape[0]))
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def learning_curves(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                    baselines: Mapping[str, float] | None = None, xlabel: str = "epoch",
                    ylabel: str = "bits per pixel", title: str = "") -> Figure:
    """One line per ``name -> (x, y)`` and a dashed horizontal line per baseline."""
    _need(curves, "curve as name -> (x, y)")
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (x, y) in curves.items():
        if len(x) != len(y):
            raise ValueError(f"curve {name!r}: x has {len(x)} values and y has {len(y)}.")
        ax.plot(x, y, marker="o", markersize=3, label=name)
    for k, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, linestyle="--", color=f"C{k + 3}", label=f"{name} ({value:.3f})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def image_rows(rows: Mapping[str, object], vmax: float | None = None) -> Figure:
    """One row of small images per ``label -> (n, H, W)`` array, labels on the left."""
    _need(rows, "row as label -> (n, H, W) images")
    arrays = {label: _as_array(images) for label, images in rows.items()}
    for label, images in arrays.items():
        if images.ndim != 3:
            raise ValueError(f"row {label!r} must have shape (n, H, W), got {images.shape}.")
    n_cols = max(len(images) for images in arrays.values())
    top = vmax if vmax is not None else max(float(a.max()) for a in arrays.values())
    fig, axes = plt.subplots(len(arrays), n_cols, figsize=(0.9 * n_cols + 1.2, 1.0 * len(arrays)),
                             squeeze=False)
    for r, (label, images) in enumerate(arrays.items()):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(images):
                ax.imshow(images[c], cmap="gray_r", vmin=0, vmax=top)
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def mu_law_figure(x: Sequence[float], companded: Sequence[float], amplitudes: Sequence[float],
                  snr: Mapping[str, Sequence[float]]) -> Figure:
    """Left: the mu-law curve F(x). Right: signal-to-noise ratio against amplitude per coding."""
    if len(x) != len(companded):
        raise ValueError("x and companded must have the same length.")
    _need(snr, "SNR curve as coding -> values")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(x, companded, label="mu-law, mu = 255")
    left.plot(x, x, linestyle=":", color="gray", label="linear")
    left.set_xlabel("sample value x")
    left.set_ylabel("F(x)")
    left.set_title("mu-law companding")
    left.legend()
    for name, values in snr.items():
        if len(values) != len(amplitudes):
            raise ValueError(f"SNR curve {name!r} needs one value per amplitude.")
        right.plot(amplitudes, values, marker="o", label=name)
    right.set_xscale("log")
    right.set_xlabel("amplitude of a sine")
    right.set_ylabel("SNR (dB)")
    right.set_title("8-bit coding noise")
    right.legend()
    fig.tight_layout()
    return fig


def receptive_field_diagram(schedules: Mapping[str, Sequence[int]], width: int = 18) -> Figure:
    """Stacks of kernel-2 causal convolutions; the connections feeding the last output in red.

    ``schedules`` maps a title to the dilations of the layers, bottom to top.
    """
    _need(schedules, "schedule as title -> dilations")
    fig, axes = plt.subplots(1, len(schedules), figsize=(6 * len(schedules), 3.2), squeeze=False)
    for ax, (title, dilations) in zip(axes[0], schedules.items()):
        dilations = list(dilations)
        levels = len(dilations) + 1
        # walk down from the last output: which positions does it reach at each level?
        reached = [{width - 1}]
        for d in reversed(dilations):
            reached.append({p - s for p in reached[-1] for s in (0, d) if p - s >= 0})
        reached = reached[::-1]                        # reached[0] = inputs, [-1] = the output
        for level in range(levels):
            hot = reached[level]
            xs = np.arange(width)
            ax.scatter(xs, np.full(width, level), s=28,
                       c=["red" if p in hot else "0.75" for p in xs], zorder=3)
            if level:
                d = dilations[level - 1]
                for p in hot:
                    for s in (0, d):
                        if p - s >= 0:
                            ax.plot([p - s, p], [level - 1, level], color="red", linewidth=0.8)
        ax.set_yticks(range(levels))
        ax.set_yticklabels(["input"] + [f"d = {d}" for d in dilations])
        ax.set_xticks([])
        ax.set_title(f"{title}: the last output sees {len(reached[0])} inputs")
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def waves_and_spectrograms(waves: Sequence[object], spectrograms: Sequence[object],
                           titles: Sequence[str], sample_rate: int) -> Figure:
    """One row per clip: the waveform on the left, its spectrogram (in dB) on the right."""
    if not len(waves) == len(spectrograms) == len(titles) or not len(waves):
        raise ValueError("give as many waves, spectrograms and titles (at least one each).")
    fig, axes = plt.subplots(len(waves), 2, figsize=(11, 1.7 * len(waves)), squeeze=False)
    for (wave_ax, spec_ax), wave, spec, title in zip(axes, waves, spectrograms, titles):
        wave, spec = _as_array(wave), _as_array(spec)
        seconds = len(wave) / sample_rate
        wave_ax.plot(np.arange(len(wave)) / sample_rate, wave, linewidth=0.5)
        wave_ax.set_xlim(0, seconds)
        wave_ax.set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
        spec_ax.imshow(10 * np.log10(spec + 1e-10), origin="lower", aspect="auto",
                       extent=(0, seconds, 0, sample_rate / 2), cmap="magma")
        spec_ax.set_ylabel("Hz")
    axes[-1, 0].set_xlabel("seconds")
    axes[-1, 1].set_xlabel("seconds")
    axes[0, 0].set_title("waveform")
    axes[0, 1].set_title("spectrogram (dB)")
    fig.tight_layout()
    return fig
