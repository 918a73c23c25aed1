"""Figures of chapter 3 (A Simple Classification Problem).

Colours follow the chapter: red is the negative class (0), blue the positive class (1).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

__all__ = [
    "plot_moons", "plot_odds_ratio", "plot_log_odds", "plot_sigmoid", "plot_logistic_diagram",
    "plot_decision_boundary", "plot_separability", "plot_probability_line",
    "plot_contour_and_line", "plot_roc_pr_points", "plot_roc_pr_curves", "plot_precision_quirk",
]

RED, BLUE = "#d62728", "#1f4fd6"
CLASS_CMAP = ListedColormap([RED, BLUE])
SURFACE_CMAP = plt.cm.RdBu


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_points, 2), got {X.shape}.")
    if len(y) != len(X):
        raise ValueError(f"y must have one label per point of X ({len(X)}), got {len(y)}.")
    return X, y


def _check_probs(y, probabilities) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).ravel()
    probabilities = np.asarray(probabilities, dtype=float).ravel()
    if y.shape != probabilities.shape or y.size == 0:
        raise ValueError(f"y and probabilities must be non-empty and the same length, got "
                         f"{y.size} and {probabilities.size}.")
    if np.any((probabilities < 0) | (probabilities > 1)):
        raise ValueError("probabilities must lie in [0, 1]; apply a sigmoid to logits first.")
    return y, probabilities


def _check_weights(weights, bias) -> tuple[float, float, float]:
    w = np.asarray(weights, dtype=float).ravel()
    b = np.asarray(bias, dtype=float).ravel()
    if w.size != 2 or b.size != 1:
        raise ValueError(f"weights must hold two numbers (w1, w2) and bias one, got {w.size} and "
                         f"{b.size}; pass model.linear.weight and model.linear.bias as NumPy arrays.")
    return float(w[0]), float(w[1]), float(b[0])


def _feature_axes(ax, half_width: float) -> None:
    """Label the axes x1 and x2 and show the square [-half_width, half_width] of feature space."""
    ax.set_xlabel(r"$x_1$")
    ax.set_ylabel(r"$x_2$")
    ax.set_xlim([-half_width, half_width])
    ax.set_ylim([-half_width, half_width])


def plot_moons(X_train, y_train, X_val, y_val) -> Figure:
    """Two scatter panels of the standardized moons: training set (left), validation set (right)."""
    X_train, y_train = _check_xy(X_train, y_train)
    X_val, y_val = _check_xy(X_val, y_val)
    fig, axs = plt.subplots(1, 2, figsize=(12, 6))
    for ax, X, y, title in ((axs[0], X_train, y_train, "Train"),
                            (axs[1], X_val, y_val, "Validation")):
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap=CLASS_CMAP, vmin=0, vmax=1, edgecolors="k", s=60)
        _feature_axes(ax, 2.3)
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_odds_ratio() -> Figure:
    """Odds ratio p / (1 - p) against probability, on a linear and on a log scale."""
    p = np.linspace(0.01, 0.99, 99)
    marks = np.array([0.25, 0.5, 0.75])
    fig, axs = plt.subplots(1, 2, figsize=(12, 5))
    for ax, log in zip(axs, (False, True)):
        ax.plot(p, p / (1 - p), linewidth=2)
        ax.scatter(marks, marks / (1 - marks), c="r", s=60, zorder=3)
        ax.set_xlabel("Probability")
        if log:
            ax.set_yscale("log")
            ax.set_ylabel("Odds Ratio (log scale)")
            ax.set_title("Odds Ratio (log scale)")
        else:
            ax.set_ylabel("Odds Ratio")
            ax.set_title("Odds Ratio")
    fig.tight_layout()
    return fig


def plot_log_odds() -> Figure:
    """Log odds against probability (left) and the same curve with the axes swapped (right)."""
    p = np.linspace(0.01, 0.99, 99)
    log_odds = np.log(p / (1 - p))
    marks = np.array([0.25, 0.5, 0.75])
    mark_log_odds = np.log(marks / (1 - marks))
    fig, axs = plt.subplots(1, 2, figsize=(12, 5))
    axs[0].plot(p, log_odds, linewidth=2)
    axs[0].scatter(marks, mark_log_odds, c="r", s=60, zorder=3)
    axs[0].set_xlabel("Probability")
    axs[0].set_ylabel("Log Odds Ratio")
    axs[0].set_title("Log Odds Ratio")
    axs[1].plot(log_odds, p, linewidth=2)
    axs[1].scatter(mark_log_odds, marks, c="r", s=60, zorder=3)
    axs[1].set_xlabel("Log Odds Ratio")
    axs[1].set_ylabel("Probability")
    axs[1].set_title("Probability (axes swapped)")
    fig.tight_layout()
    return fig


def plot_sigmoid() -> Figure:
    """The sigmoid curve p = 1 / (1 + exp(-z))."""
    z = np.linspace(-5, 5, 201)
    fig, ax = plt.subplots(1, 1, figsize=(6, 4.5))
    ax.plot(z, _sigmoid(z), linewidth=2)
    ax.axhline(0.5, c="k", linestyle="--", linewidth=1)
    ax.axvline(0.0, c="k", linestyle="--", linewidth=1)
    ax.set_xlabel("z (logit)")
    ax.set_ylabel(r"$\sigma(z)$")
    ax.set_ylim([-0.05, 1.05])
    ax.set_title("Sigmoid")
    fig.tight_layout()
    return fig


def plot_logistic_diagram() -> Figure:
    """Diagram of logistic regression as a tiny network: 1, x1, x2 -> (b, w1, w2) -> z -> sigmoid -> p."""
    fig, ax = plt.subplots(1, 1, figsize=(9, 4))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    ax.axis("off")
    inputs = [("1", 4.0, "b"), (r"$x_1$", 2.5, r"$w_1$"), (r"$x_2$", 1.0, r"$w_2$")]
    node = dict(boxstyle="circle,pad=0.4", fc="#e8eef9", ec="#1f4fd6", lw=2)
    for text, ypos, weight in inputs:
        ax.text(1.0, ypos, text, ha="center", va="center", fontsize=16, bbox=node)
        ax.annotate("", xy=(4.35, 2.5), xytext=(1.45, ypos),
                    arrowprops=dict(arrowstyle="->", lw=1.5, color="gray"))
        ax.text(2.7, (ypos + 2.5) / 2 + 0.25, weight, fontsize=15, color="#d62728", ha="center")
    ax.text(4.9, 2.5, r"$z = b + w_1x_1 + w_2x_2$", ha="left", va="center", fontsize=12,
            bbox=dict(boxstyle="round,pad=0.4", fc="white", ec="k"))
    ax.text(4.9, 1.3, "logit", ha="left", fontsize=11, color="gray")
    ax.annotate("", xy=(7.95, 2.5), xytext=(7.55, 2.5),
                arrowprops=dict(arrowstyle="->", lw=1.5, color="k"))
    ax.text(8.35, 2.5, r"$\sigma$", ha="center", va="center", fontsize=18,
            bbox=dict(boxstyle="circle,pad=0.3", fc="#fbe9e7", ec="#d62728", lw=2))
    ax.annotate("", xy=(9.35, 2.5), xytext=(8.75, 2.5),
                arrowprops=dict(arrowstyle="->", lw=1.5, color="k"))
    ax.text(9.6, 2.5, "p", ha="center", va="center", fontsize=16)
    ax.text(9.6, 1.6, "P(y=1)", ha="center", fontsize=10, color="gray")
    ax.set_title("Logistic regression: a linear layer followed by a sigmoid")
    fig.tight_layout()
    return fig


def _grid(limit: float = 2.5, n: int = 101) -> tuple[np.ndarray, np.ndarray]:
    xs = np.linspace(-limit, limit, n)
    return np.meshgrid(xs, xs)


def _boundary_line(ax: Axes, w1: float, w2: float, b: float, limit: float = 2.5) -> None:
    """Draw the line b + w1 x1 + w2 x2 = 0 in gray."""
    x1 = np.linspace(-limit, limit, 2)
    if abs(w2) > 1e-12:
        ax.plot(x1, -(b + w1 * x1) / w2, c="gray", linewidth=3)
    elif abs(w1) > 1e-12:
        ax.axvline(-b / w1, c="gray", linewidth=3)


def plot_decision_boundary(weights, bias, X, y, title: str = "Training") -> Figure:
    """Three views of a trained logistic regression: logit contour, 3-D probability, probability contour."""
    w1, w2, b = _check_weights(weights, bias)
    X, y = _check_xy(X, y)
    xx1, xx2 = _grid()
    logits = b + w1 * xx1 + w2 * xx2
    probs = _sigmoid(logits)
    fig = plt.figure(figsize=(16, 5.2))

    ax1 = fig.add_subplot(1, 3, 1)
    contour = ax1.contourf(xx1, xx2, logits, levels=20, cmap=SURFACE_CMAP, alpha=0.6)
    fig.colorbar(contour, ax=ax1)
    ax1.scatter(X[:, 0], X[:, 1], c=y, cmap=CLASS_CMAP, vmin=0, vmax=1, edgecolors="k", s=40)
    ax1.set_title(r"$z = b + w_1x_1 + w_2x_2$ (logits)")

    ax2 = fig.add_subplot(1, 3, 2, projection="3d")
    ax2.plot_surface(xx1, xx2, probs, cmap=SURFACE_CMAP, alpha=0.6, linewidth=0, antialiased=True,
                     rstride=5, cstride=5)
    ax2.scatter(X[:, 0], X[:, 1], _sigmoid(b + w1 * X[:, 0] + w2 * X[:, 1]), c=y,
                cmap=CLASS_CMAP, vmin=0, vmax=1, edgecolors="k", s=25, depthshade=False)
    ax2.set_zlabel("p", labelpad=8)
    ax2.view_init(elev=25, azim=-125)
    ax2.set_title(r"$p = \sigma(z)$ (probability)")

    ax3 = fig.add_subplot(1, 3, 3)
    contour = ax3.contourf(xx1, xx2, probs, levels=np.linspace(0, 1, 11), cmap=SURFACE_CMAP,
                           alpha=0.6)
    fig.colorbar(contour, ax=ax3)
    _boundary_line(ax3, w1, w2, b)
    ax3.scatter(X[:, 0], X[:, 1], c=y, cmap=CLASS_CMAP, vmin=0, vmax=1, edgecolors="k", s=40)
    ax3.set_title(r"$p = \sigma(z)$ and the boundary $p = 0.5$")

    for ax in (ax1, ax2, ax3):
        _feature_axes(ax, 2.5)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_separability() -> Figure:
    """A 1-D set no threshold can split (left) that a second feature x1**2 makes separable (right)."""
    red = np.array([-2.6, -2.0, -1.5, -1.1, 1.2, 1.8, 2.5])
    blue = np.array([-0.6, 0.05, 0.7])
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
    axs[0].scatter(red, np.zeros_like(red), c=RED, s=90, edgecolors="k", label="negative (0)")
    axs[0].scatter(blue, np.zeros_like(blue), c=BLUE, s=90, edgecolors="k", label="positive (1)")
    axs[0].axhline(0, c="k", linewidth=1, zorder=0)
    axs[0].set_yticks([])
    axs[0].set_ylim([-1, 1])
    axs[0].set_xlabel(r"$x_1$")
    axs[0].set_title("One feature: not separable")
    axs[0].legend(loc="upper left")
    axs[1].scatter(red, red ** 2, c=RED, s=90, edgecolors="k")
    axs[1].scatter(blue, blue ** 2, c=BLUE, s=90, edgecolors="k")
    axs[1].axhline(0.8, c="gray", linewidth=3)
    axs[1].set_xlabel(r"$x_1$")
    axs[1].set_ylabel(r"$x_2 = x_1^2$")
    axs[1].set_title(r"Adding $x_1^2$: separable")
    fig.tight_layout()
    return fig


def _stagger(probabilities: np.ndarray) -> np.ndarray:
    """Small vertical offsets (deterministic) so that nearby points do not hide each other."""
    order = np.argsort(probabilities, kind="stable")
    offsets = np.empty_like(probabilities)
    offsets[order] = (np.arange(len(order)) % 3 - 1) * 0.07
    return offsets


def plot_probability_line(y, probabilities, threshold: float = 0.5, split: bool = False,
                          annotate: bool = False, ax: Axes | None = None,
                          title: str | None = None) -> Figure:
    """Points on a 0-1 probability line: edge colour = predicted class, fill = actual class.

    ``split=True`` draws actual negatives above the line and actual positives below it;
    ``annotate=True`` also labels the four quadrants TN, FP, FN, TP.
    """
    y, probabilities = _check_probs(y, probabilities)
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}.")
    if ax is None:
        fig, ax = plt.subplots(1, 1, figsize=(10, 3 if split else 2.2))
    else:
        fig = ax.figure
    predicted = (probabilities >= threshold).astype(int)
    height = np.where(y == 1, -0.5, 0.5) if split else np.zeros_like(probabilities)
    height = height + _stagger(probabilities)
    edge = np.where(predicted == 1, BLUE, RED)
    fill = np.where(y == 1, BLUE, RED)
    ax.scatter(probabilities, height, c=list(fill), edgecolors=list(edge), linewidths=3, s=110,
               zorder=3)
    ax.axhline(0, c="k", linewidth=1, zorder=1)
    ax.axvline(threshold, c="k", linestyle="--", linewidth=2, zorder=2)
    ax.set_xlim([-0.02, 1.02])
    ax.set_ylim([-1, 1] if split else [-0.5, 0.5])
    ax.set_yticks([])
    ax.set_xlabel("Predicted probability")
    if split:
        ax.text(-0.01, 0.85, "actual negatives", fontsize=10, color=RED, va="center")
        ax.text(-0.01, -0.85, "actual positives", fontsize=10, color=BLUE, va="center")
    if annotate:
        for text, xpos, ypos in (("TN", threshold / 2, 0.5), ("FP", (1 + threshold) / 2, 0.5),
                                 ("FN", threshold / 2, -0.5), ("TP", (1 + threshold) / 2, -0.5)):
            ax.text(xpos, ypos, text, fontsize=26, alpha=0.3, ha="center", va="center", zorder=0)
    ax.set_title(title if title is not None else f"Threshold = {threshold:.2f}")
    if ax.figure is fig and len(fig.axes) == 1:
        fig.tight_layout()
    return fig


def plot_contour_and_line(weights, bias, X, y, probabilities, threshold: float = 0.5) -> Figure:
    """Probability contour with the points (left) and the same points on a probability line (right)."""
    w1, w2, b = _check_weights(weights, bias)
    X, y = _check_xy(X, y)
    xx1, xx2 = _grid()
    fig, axs = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1, 1.6]})
    contour = axs[0].contourf(xx1, xx2, _sigmoid(b + w1 * xx1 + w2 * xx2),
                              levels=np.linspace(0, 1, 11), cmap=SURFACE_CMAP, alpha=0.6)
    fig.colorbar(contour, ax=axs[0])
    _boundary_line(axs[0], w1, w2, b)
    axs[0].scatter(X[:, 0], X[:, 1], c=y, cmap=CLASS_CMAP, vmin=0, vmax=1, edgecolors="k", s=50)
    _feature_axes(axs[0], 2.5)
    axs[0].set_title("Validation points")
    plot_probability_line(y, probabilities, threshold=threshold, ax=axs[1])
    fig.tight_layout()
    return fig


def _roc_pr_axes(fig: Figure) -> tuple[Axes, Axes]:
    axs = fig.subplots(1, 2)
    for ax, (xlabel, ylabel, title) in zip(axs, (("False Positive Rate", "True Positive Rate", "ROC Curve"),
                                                 ("Recall", "Precision", "Precision-Recall Curve"))):
        ax.set_xlim([-0.05, 1.05])
        ax.set_ylim([-0.05, 1.05])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
    return axs[0], axs[1]


def plot_roc_pr_points(sweep: Mapping[str, Sequence[float]]) -> Figure:
    """Operating points (one per threshold) on ROC axes (FPR, TPR) and PR axes (recall, precision)."""
    needed = {"threshold", "tpr", "fpr", "precision", "recall"}
    if not needed.issubset(sweep):
        raise ValueError(f"sweep must have the keys {sorted(needed)}, as "
                         "helpers.metrics.threshold_sweep returns.")
    fig = plt.figure(figsize=(12, 5))
    ax_roc, ax_pr = _roc_pr_axes(fig)
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(sweep["threshold"])))
    for i, threshold in enumerate(sweep["threshold"]):
        label = f"threshold {threshold:.2f}"
        ax_roc.scatter(sweep["fpr"][i], sweep["tpr"][i], s=120, color=colors[i], label=label,
                       edgecolors="k", zorder=3)
        ax_pr.scatter(sweep["recall"][i], sweep["precision"][i], s=120, color=colors[i],
                      label=label, edgecolors="k", zorder=3)
    ax_roc.legend(loc="lower right")
    ax_pr.legend(loc="lower left")
    fig.tight_layout()
    return fig


def plot_roc_pr_curves(fpr, tpr, precision, recall, worst_precision: float | None = None,
                       title: str | None = None) -> Figure:
    """ROC (FPR vs TPR) and PR (recall vs precision) curves with markers at every point.

    ``worst_precision`` (the share of positives) adds the dashed theoretical worst lines: the
    diagonal on ROC axes and a horizontal line on PR axes.
    """
    fpr, tpr = np.asarray(fpr, dtype=float), np.asarray(tpr, dtype=float)
    precision, recall = np.asarray(precision, dtype=float), np.asarray(recall, dtype=float)
    if fpr.shape != tpr.shape or precision.shape != recall.shape or fpr.size == 0:
        raise ValueError("fpr/tpr and precision/recall must be non-empty pairs of equal length.")
    fig = plt.figure(figsize=(12, 5))
    ax_roc, ax_pr = _roc_pr_axes(fig)
    ax_roc.plot(fpr, tpr, "-o", c="#1f77b4", markersize=7)
    ax_pr.plot(recall, precision, "-o", c="#ff7f0e", markersize=7)
    if worst_precision is not None:
        ax_roc.plot([0, 1], [0, 1], "k--", linewidth=1.5, label="random (worst)")
        ax_pr.plot([0, 1], [worst_precision, worst_precision], "k--", linewidth=1.5,
                   label="random (worst)")
        ax_roc.legend(loc="lower right")
        ax_pr.legend(loc="lower left")
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_precision_quirk(y, probabilities, thresholds: Sequence[float] = (0.4, 0.5, 0.57)) -> Figure:
    """Stacked split probability lines, one per threshold, each titled with its precision TP/(TP+FP)."""
    y, probabilities = _check_probs(y, probabilities)
    if len(thresholds) == 0:
        raise ValueError("thresholds must hold at least one value.")
    fig, axs = plt.subplots(len(thresholds), 1, figsize=(10, 2.8 * len(thresholds)), squeeze=False)
    for ax, threshold in zip(axs[:, 0], thresholds):
        predicted = probabilities >= threshold
        tp = int(np.sum(predicted & (y == 1)))
        fp = int(np.sum(predicted & (y == 0)))
        precision = f"{tp}/({tp}+{fp}) = {tp / (tp + fp):.3f}" if tp + fp else "undefined"
        plot_probability_line(y, probabilities, threshold=threshold, split=True, ax=ax,
                              title=f"Threshold = {threshold:.2f}  |  precision = {precision}")
    fig.tight_layout()
    return fig
