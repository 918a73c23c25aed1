"""Figures and helpers of the Extra chapter (vanishing and exploding gradients)."""
from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

__all__ = ["make_init_fn", "get_plot_data", "plot_distributions", "plot_schemes",
           "plot_regression_data", "plot_clipped_gradient", "plot_gradient_histograms"]


def make_init_fn(weight_init: Callable | None = None, bias_init: Callable | None = None,
                 layer_type: type = nn.Linear) -> Callable[[nn.Module], None]:
    """Return a function for ``model.apply`` that initializes every ``layer_type`` layer in place.

    ``weight_init``/``bias_init`` are in-place initializers such as ``nn.init.xavier_uniform_``
    (None leaves that tensor alone).
    """
    for name, fn in (("weight_init", weight_init), ("bias_init", bias_init)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be an in-place init function such as "
                            f"nn.init.zeros_, got {fn!r}.")

    def init_fn(module: nn.Module) -> None:
        if isinstance(module, layer_type):
            if weight_init is not None:
                weight_init(module.weight)
            if bias_init is not None and getattr(module, "bias", None) is not None:
                bias_init(module.bias)

    return init_fn


def get_plot_data(train_loader, model: nn.Module, lr: float = 1e-2, trainer=None) -> dict:
    """Train ``model`` (a block model from ``build_model``) for one epoch with BCEWithLogitsLoss and
    SGD, capturing the hidden layers' weights (h*), the activations' outputs (a*) and the gradients of
    the hidden layers' weights. Returns {'weights'|'activations'|'gradients': (names, arrays)}.
    """
    if trainer is None:
        from helpers.stepbystep.v3 import StepByStep as trainer
    names = [name for name, _ in model.named_children()]
    hidden = [n for n in names if n.startswith("h")]
    activations = [n for n in names if n.startswith("a")]
    if not hidden or len(hidden) != len(activations):
        raise ValueError("model must be a block model with layers h1..hn and a1..an "
                         "(see helpers.nn.vision.build_model).")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    sbs = trainer(model, nn.BCEWithLogitsLoss(), optimizer)
    sbs.set_loaders(train_loader)
    sbs.capture_parameters(hidden)
    sbs.capture_gradients(hidden)
    sbs.attach_hooks(activations)
    sbs.train(1)
    sbs.remove_hooks()
    weights = [np.array(sbs._parameters[n]["weight"][0]).ravel() for n in hidden]
    acts = [np.asarray(sbs.visualization[n]).ravel() for n in activations]
    grads = [np.array(sbs._gradients[n]["weight"][0]).ravel() for n in hidden]
    return {"weights": (hidden, weights), "activations": (activations, acts),
            "gradients": (hidden, grads)}


def _violins(ax, names: Sequence[str], values: Sequence[np.ndarray], title: str,
             ylim: tuple[float, float] | None = None) -> None:
    parts = ax.violinplot(list(values), showextrema=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for body, color in zip(parts["bodies"], colors):
        body.set_facecolor(color)
        body.set_alpha(0.7)
    ax.set_xticks(np.arange(1, len(names) + 1))
    ax.set_xticklabels(names)
    ax.set_title(title)
    if ylim is not None:
        ax.set_ylim(*ylim)


def plot_distributions(data: dict) -> Figure:
    """Per-layer distributions of weights, activations and gradients (Figure E.1)."""
    fig, axs = plt.subplots(1, 3, figsize=(15, 4))
    for ax, key in zip(axs, ("weights", "activations", "gradients")):
        names, values = data[key]
        _violins(ax, names, values, key.capitalize())
    fig.tight_layout()
    return fig


def plot_schemes(results: dict[str, dict], act_ylim=(-1.5, 8), grad_ylim=(-0.05, 0.05)) -> Figure:
    """Activations (top) and gradients (bottom) per layer for several set-ups (Figures E.2, E.3)."""
    n = len(results)
    fig, axs = plt.subplots(2, n, figsize=(5 * n, 8), squeeze=False)
    for col, (title, data) in enumerate(results.items()):
        _violins(axs[0, col], *data["activations"], title=f"Activations - {title}", ylim=act_ylim)
        _violins(axs[1, col], *data["gradients"], title=f"Gradients - {title}", ylim=grad_ylim)
    fig.tight_layout()
    return fig


def plot_regression_data(X: np.ndarray, y: np.ndarray) -> Figure:
    """Histograms of the (pooled) features and of the targets (Figure E.4)."""
    fig, axs = plt.subplots(1, 2, figsize=(10, 4))
    axs[0].hist(np.asarray(X).ravel(), bins=40)
    axs[0].set_title("Features (all pooled)")
    axs[1].hist(np.asarray(y).ravel(), bins=40, color="tab:orange")
    axs[1].set_title("Target")
    for ax in axs:
        ax.set_ylabel("Count")
    fig.tight_layout()
    return fig


def plot_clipped_gradient(original: Sequence[float], clipped: Sequence[float],
                          title: str) -> Figure:
    """The original gradient (black) and its clipped version (red) as arrows (Figures E.5, E.6)."""
    fig, ax = plt.subplots(figsize=(5, 5))
    for vector, color, label in ((original, "k", "Original"), (clipped, "r", "Clipped")):
        ax.annotate("", xy=(vector[0], vector[1]), xytext=(0, 0),
                    arrowprops=dict(arrowstyle="->", color=color, lw=2))
        ax.plot([], [], c=color, label=f"{label} ({vector[0]:.2f}, {vector[1]:.2f})")
    ax.set_xlim(-0.2, 3)
    ax.set_ylim(-0.2, 3)
    ax.set_xlabel("Parameter 0")
    ax.set_ylabel("Parameter 1")
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_gradient_histograms(gradients: dict[str, np.ndarray],
                             bins=np.arange(-10, 10.5, 0.5)) -> Figure:
    """Histograms of captured gradients, one panel per run (Figure E.9)."""
    fig, axs = plt.subplots(1, len(gradients), figsize=(6 * len(gradients), 4), squeeze=False)
    for ax, (title, values) in zip(axs[0], gradients.items()):
        ax.hist(np.asarray(values).ravel(), bins=bins)
        ax.set_title(title)
        ax.set_xlabel("Gradient")
        ax.set_ylabel("Count")
        ax.set_yscale("log")
    fig.tight_layout()
    return fig
