"""Figures of chapter 10 (narrow attention, layer normalization, Transformers, Vision Transformer).

Every public function draws one figure and returns the matplotlib ``Figure``. The diagrams reuse
the box-and-arrow primitives of :mod:`helpers.plots.chapter9`.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.plots.chapter9 import ROLE_COLORS, _fmt, draw_arrow, draw_box, finish_diagram

__all__ = ["chunking_diagram", "stacked_layers_diagram", "sublayer_diagram",
           "transformer_diagram", "vit_diagram", "layer_vs_batch_norm", "hist_encoding",
           "hist_layer_normed", "plot_images", "plot_patches", "plot_seq_patches",
           "plot_seq_patches_transp"]

HEAD_COLORS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd")
CLASS_NAMES = ("parallel", "diagonal /", "diagonal \\")


def _np(x) -> np.ndarray:
    """A NumPy copy of a tensor (any device) or array."""
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


# --------------------------------------------------------------------------------------------
# diagrams
# --------------------------------------------------------------------------------------------
def chunking_diagram(n_features: int = 4, n_heads: int = 2) -> Figure:
    """Narrow attention, the right way (project, then chunk) and the wrong way (chunk, then
    project): every line is one weight."""
    d_k = n_features // n_heads
    fig, axs = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, right in zip(axs, (True, False)):
        xs_in = np.arange(n_features) * 1.0
        for i, x in enumerate(xs_in):
            head = i // d_k
            color = "#cccccc" if right else HEAD_COLORS[head]
            ax.add_patch(Rectangle((x - 0.35, -0.35), 0.7, 0.7, fc=color, ec="k", alpha=0.7))
            ax.text(x, 0, f"$x_{i}$", ha="center", va="center")
            ax.add_patch(Rectangle((x - 0.35, 2.65), 0.7, 0.7, fc=HEAD_COLORS[head], ec="k",
                                   alpha=0.7))
            ax.text(x, 3.0, f"$v_{i}$", ha="center", va="center", color="white")
        n_weights = 0
        for i in range(n_features):        # input feature
            for j in range(n_features):    # projected dimension
                if not right and i // d_k != j // d_k:
                    continue
                n_weights += 1
                ax.plot([xs_in[i], xs_in[j]], [0.35, 2.65], c=HEAD_COLORS[j // d_k], lw=1,
                        alpha=0.7)
        for h in range(n_heads):
            mid = xs_in[h * d_k:(h + 1) * d_k].mean()
            ax.text(mid, 3.6, f"head {h + 1}", ha="center", color=HEAD_COLORS[h])
        title = ("Right: project, then chunk" if right else "Wrong: chunk, then project")
        ax.set_title(f"{title}\n({n_weights} weights)")
        ax.set_xlim(-0.8, n_features - 0.2)
        ax.set_ylim(-0.8, 4.1)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig


def stacked_layers_diagram(n_layers: int = 2) -> Figure:
    """Stacked encoder and decoder layers: the last encoder's states feed every decoder layer."""
    fig, ax = plt.subplots(1, 1, figsize=(7.5, 2.2 + 1.3 * n_layers))
    ex, dx = 0.0, 4.0
    draw_box(ax, (ex, 0), "source", ROLE_COLORS["source"], w=1.6)
    draw_box(ax, (dx, 0), "shifted target", ROLE_COLORS["target"], w=1.9)
    for k in range(n_layers):
        y = 1.3 * (k + 1)
        draw_box(ax, (ex, y), f"encoder layer {k + 1}", ROLE_COLORS["source"], w=2.0)
        draw_box(ax, (dx, y), f"decoder layer {k + 1}", ROLE_COLORS["target"], w=2.0)
        draw_arrow(ax, (ex, y - 1.0), (ex, y - 0.3))
        draw_arrow(ax, (dx, y - 1.0), (dx, y - 0.3))
    top = 1.3 * n_layers
    draw_box(ax, (ex, top + 1.3), "encoder states", ROLE_COLORS["source"], w=2.0)
    draw_arrow(ax, (ex, top + 0.3), (ex, top + 1.0))
    for k in range(n_layers):
        y = 1.3 * (k + 1)
        draw_arrow(ax, (ex + 1.0, top + 1.3), (dx - 1.0, y + 0.05), color="#7a6a00",
                   rad=-0.1 * (k + 1))
    draw_arrow(ax, (dx, top + 0.3), (dx, top + 1.0))
    ax.text(dx, top + 1.05, "predictions (after a linear layer)", ha="center", va="bottom")
    title = "Stacked layers: the final encoder states feed every decoder layer"
    return finish_diagram(fig, ax, title, (-1.6, 5.6), (-0.6, top + 1.9))


def sublayer_diagram() -> Figure:
    """A wrapped sub-layer: norm-last (original paper) next to norm-first (used in this book)."""
    fig, axs = plt.subplots(1, 2, figsize=(9, 4.6))
    for ax, norm_first in zip(axs, (False, True)):
        steps = (["LayerNorm", "sub-layer", "Dropout"] if norm_first
                 else ["sub-layer", "Dropout"])
        colors = {"LayerNorm": ROLE_COLORS["norm"], "sub-layer": ROLE_COLORS["attn"],
                  "Dropout": ROLE_COLORS["misc"]}
        y = 0.0
        ax.text(0, y - 0.55, "x", ha="center", fontsize=12)
        prev = y - 0.35
        for i, step in enumerate(steps):
            y = 0.9 * (i + 1)
            draw_box(ax, (0, y), step, colors[step], w=1.6, h=0.5)
            draw_arrow(ax, (0, prev), (0, y - 0.25))
            prev = y + 0.25
        y_add = y + 1.0
        ax.add_patch(plt.Circle((0, y_add), 0.22, fc="white", ec="k"))
        ax.text(0, y_add, "+", ha="center", va="center", fontsize=14)
        draw_arrow(ax, (0, prev), (0, y_add - 0.22))
        # residual path
        ax.plot([0, 1.3, 1.3], [-0.35, -0.35, y_add], c="#b0452a", lw=1.5)
        draw_arrow(ax, (1.3, y_add), (0.22, y_add), color="#b0452a")
        ax.text(1.4, y_add / 2, "residual\n(x itself)", color="#b0452a", fontsize=9,
                va="center")
        top = y_add + 0.22
        if not norm_first:
            draw_box(ax, (0, y_add + 0.9), "LayerNorm", ROLE_COLORS["norm"], w=1.6, h=0.5)
            draw_arrow(ax, (0, top), (0, y_add + 0.65))
            top = y_add + 1.15
        draw_arrow(ax, (0, top), (0, top + 0.5))
        formula = ("x + Dropout(sublayer(norm(x)))" if norm_first
                   else "norm(x + Dropout(sublayer(x)))")
        ax.text(0, top + 0.55, formula, ha="center", va="bottom", fontsize=10)
        finish_diagram(fig, ax, "norm-first" if norm_first else "norm-last (the original paper)",
                (-2.2, 2.6), (-1.0, 5.6))
    return fig


def transformer_diagram(norm_first: bool = True) -> Figure:
    """The whole Transformer for our squares: projections, PE, N x encoder and decoder layers,
    final norms and the output layer."""
    fig, ax = plt.subplots(1, 1, figsize=(9, 8.2))
    ex, dx = 0.0, 4.6
    draw_box(ax, (ex, 0), "source (N, 2, 2)", ROLE_COLORS["source"], w=2.2)
    draw_box(ax, (dx, 0), "shifted target (N, 2, 2)", ROLE_COLORS["target"], w=2.6)
    for x in (ex, dx):
        draw_box(ax, (x, 1.0), "Linear projection\n2 → d_model", ROLE_COLORS["misc"], w=2.2,
                 h=0.7)
        draw_box(ax, (x, 2.1), "× √d_model + PE", ROLE_COLORS["norm"], w=2.0)
        draw_arrow(ax, (x, 0.3), (x, 0.65))
        draw_arrow(ax, (x, 1.35), (x, 1.8))
    ax.text(ex + 1.2, 1.0, "(shared)", fontsize=8, va="center")
    norm = "norm-first" if norm_first else "norm-last"
    # encoder layer
    ax.add_patch(Rectangle((ex - 1.4, 2.75), 2.8, 2.6, fill=False, ls="--", ec="gray"))
    ax.text(ex - 1.5, 4.0, "N×", ha="right", fontsize=12, weight="bold")
    draw_box(ax, (ex, 3.35), "self-attention\n(wrapped)", ROLE_COLORS["attn"], w=2.2, h=0.7)
    draw_box(ax, (ex, 4.6), "feed-forward\n(wrapped)", ROLE_COLORS["ffn"], w=2.2, h=0.7)
    draw_arrow(ax, (ex, 2.4), (ex, 3.0))
    draw_arrow(ax, (ex, 3.7), (ex, 4.25))
    draw_box(ax, (ex, 5.9), "LayerNorm", ROLE_COLORS["norm"], w=1.8, h=0.5)
    draw_arrow(ax, (ex, 4.95), (ex, 5.65))
    draw_box(ax, (ex, 6.9), "encoder states", ROLE_COLORS["source"], w=2.0, h=0.5)
    draw_arrow(ax, (ex, 6.15), (ex, 6.65))
    # decoder layer
    ax.add_patch(Rectangle((dx - 1.5, 2.75), 3.0, 3.7, fill=False, ls="--", ec="gray"))
    ax.text(dx + 1.6, 4.5, "N×", ha="left", fontsize=12, weight="bold")
    draw_box(ax, (dx, 3.35), "masked self-attention\n(wrapped)", ROLE_COLORS["attn"], w=2.6,
             h=0.7)
    draw_box(ax, (dx, 4.5), "cross-attention\n(wrapped)", ROLE_COLORS["attn"], w=2.6, h=0.7)
    draw_box(ax, (dx, 5.7), "feed-forward\n(wrapped)", ROLE_COLORS["ffn"], w=2.6, h=0.7)
    draw_arrow(ax, (dx, 2.4), (dx, 3.0))
    draw_arrow(ax, (dx, 3.7), (dx, 4.15))
    draw_arrow(ax, (dx, 4.85), (dx, 5.35))
    draw_arrow(ax, (ex + 1.0, 6.9), (dx - 1.3, 4.6), color="#7a6a00")
    ax.text(2.6, 6.1, "keys &\nvalues", color="#7a6a00", fontsize=9)
    draw_box(ax, (dx, 7.0), "LayerNorm", ROLE_COLORS["norm"], w=1.8, h=0.5)
    draw_box(ax, (dx, 7.9), "Linear d_model → 2", ROLE_COLORS["misc"], w=2.2, h=0.5)
    draw_arrow(ax, (dx, 6.05), (dx, 6.75))
    draw_arrow(ax, (dx, 7.25), (dx, 7.65))
    draw_arrow(ax, (dx, 8.15), (dx, 8.6))
    ax.text(dx, 8.65, "predictions (N, 2, 2)", ha="center", va="bottom")
    ax.text(ex, -0.7, "ENCODER", ha="center", weight="bold")
    ax.text(dx, -0.7, "DECODER", ha="center", weight="bold")
    return finish_diagram(fig, ax, f"Our Transformer ({norm} sub-layers)", (-2.3, 6.9), (-1.0, 9.2))


def vit_diagram() -> Figure:
    """The Vision Transformer: patches, patch embeddings, [CLS], PE, encoder, linear head."""
    fig, ax = plt.subplots(1, 1, figsize=(10, 3.4))
    boxes = [("image\n1×12×12", ROLE_COLORS["source"]),
             ("patch embedding\nConv2d k=s=4", ROLE_COLORS["misc"]),
             ("prepend [CLS]\n(1+9)×16", ROLE_COLORS["target"]),
             ("× 4 + PE", ROLE_COLORS["norm"]),
             ("Transformer\nencoder", ROLE_COLORS["attn"]),
             ("[CLS] state\n16", ROLE_COLORS["target"]),
             ("Linear 16 → 3\n(MLP head)", ROLE_COLORS["ffn"])]
    step = 1.85
    for i, (text, color) in enumerate(boxes):
        x = step * i
        draw_box(ax, (x, 0), text, color, w=1.6, h=0.9, fontsize=9)
        if i:
            draw_arrow(ax, (x - step + 0.8, 0), (x - 0.8, 0))
    draw_arrow(ax, (step * 6 + 0.8, 0), (step * 6 + 1.3, 0))
    ax.text(step * 6 + 1.35, 0, "logits", va="center")
    return finish_diagram(fig, ax, "Vision Transformer", (-1.0, step * 6 + 2.2), (-0.9, 0.9))


# --------------------------------------------------------------------------------------------
# layer normalization
# --------------------------------------------------------------------------------------------
def layer_vs_batch_norm(x, n_features: int = 8) -> Figure:
    """Two mini-batches of two points: batch norm standardizes columns (features) within a
    mini-batch, layer norm standardizes each row (data point) on its own."""
    x = _np(x).reshape(len(x), -1)[:4, :n_features]
    fig, axs = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, kind in zip(axs, ("batch", "layer")):
        ax.imshow(x, cmap="RdBu", vmin=-np.abs(x).max(), vmax=np.abs(x).max(), aspect="auto")
        for (r, c), v in np.ndenumerate(x):
            ax.text(c, r, f"{v:.1f}", ha="center", va="center", fontsize=8)
        ax.axhline(1.5, c="k", lw=2)
        if kind == "batch":
            for mb in (0, 2):
                for c in range(x.shape[1]):
                    ax.add_patch(Rectangle((c - 0.45, mb - 0.45), 0.9, 1.9, fill=False,
                                           ec="#ff7f0e", lw=2))
            ax.set_title("Batch norm: each feature (column), within a mini-batch")
        else:
            for r in range(4):
                ax.add_patch(Rectangle((-0.45, r - 0.42), x.shape[1] - 0.1, 0.84, fill=False,
                                       ec="#2ca02c", lw=2))
            ax.set_title("Layer norm: each data point (row), over its features")
        ax.set_yticks(range(4), ["point 0", "point 1", "point 2", "point 3"])
        ax.set_xticks(range(x.shape[1]), [f"f{i}" for i in range(x.shape[1])])
        ax.text(x.shape[1] - 0.5, 0.5, " mini-batch 1", va="center", fontsize=8)
        ax.text(x.shape[1] - 0.5, 2.5, " mini-batch 2", va="center", fontsize=8)
        ax.grid(False)
    fig.tight_layout()
    return fig


def hist_encoding(enc) -> Figure:
    """Histograms of the feature values of four data points, with mean and variance on top."""
    enc = _np(enc).reshape(len(enc), -1)
    fig, axs = plt.subplots(1, len(enc), figsize=(3.2 * len(enc), 3), sharey=True)
    bins = np.linspace(-55, 55, 23)
    for i, ax in enumerate(np.atleast_1d(axs)):
        ax.hist(enc[i], bins=bins, color="#8da0cb", alpha=0.9)
        ax.set_title(f"point {i}: mean {_fmt(enc[i].mean())}\nvar {_fmt(enc[i].var())}",
                     fontsize=10)
        ax.set_xlabel("feature value")
    fig.tight_layout()
    return fig


def hist_layer_normed(enc, normed) -> Figure:
    """The same histograms with the layer-normalized values on top (and their statistics)."""
    enc, normed = _np(enc).reshape(len(enc), -1), _np(normed).reshape(len(normed), -1)
    fig, axs = plt.subplots(1, len(enc), figsize=(3.2 * len(enc), 3), sharey=True)
    bins = np.linspace(-55, 55, 111)
    for i, ax in enumerate(np.atleast_1d(axs)):
        ax.hist(enc[i], bins=bins, color="#8da0cb", alpha=0.6, label="before")
        ax.hist(normed[i], bins=bins, color="#fc8d62", alpha=0.9, label="layer-normed")
        ax.set_title(f"normed: mean {_fmt(normed[i].mean())}, std {_fmt(normed[i].std())}",
                     fontsize=10)
        ax.set_xlabel("feature value")
    np.atleast_1d(axs)[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# images and patches
# --------------------------------------------------------------------------------------------
def plot_images(images, labels: Sequence[int] | None = None, n_cols: int = 5) -> Figure:
    """Grayscale images (N, 1, H, W) in a grid, titled with their labels."""
    images = _np(images)
    n = len(images)
    n_rows = int(np.ceil(n / n_cols))
    n_cols = min(n, n_cols)
    fig, axs = plt.subplots(n_rows, n_cols, figsize=(2.2 * n_cols, 2.4 * n_rows), squeeze=False)
    for ax in axs.flat:
        ax.axis("off")
    for i, ax in enumerate(axs.flat[:n]):
        ax.imshow(images[i].squeeze(), cmap="gray", vmin=images.min(), vmax=images.max())
        if labels is not None:
            ax.set_title(f"label {int(labels[i])}: {CLASS_NAMES[int(labels[i])]}", fontsize=9)
    fig.tight_layout()
    return fig


def plot_patches(patches, kernel_size: int) -> Figure:
    """The patches of one image, (1, rows, cols, k*k), laid out where they came from."""
    patches = _np(patches)[0]
    rows, cols = patches.shape[:2]
    fig, axs = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.4 * rows), squeeze=False)
    vmin, vmax = patches.min(), patches.max()
    for r in range(rows):
        for c in range(cols):
            ax = axs[r, c]
            ax.imshow(patches[r, c].reshape(kernel_size, kernel_size), cmap="gray", vmin=vmin,
                      vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"#{r * cols + c}", fontsize=8)
    fig.tight_layout()
    return fig


def plot_seq_patches(seq_patches, xlabel: str = "pixel (feature)") -> Figure:
    """The flattened patches (or patch embeddings) of one image as a sequence, one row each."""
    seq = _np(seq_patches).reshape(-1, _np(seq_patches).shape[-1])
    fig, ax = plt.subplots(1, 1, figsize=(6, 0.35 * len(seq) + 1))
    ax.imshow(seq, cmap="gray", aspect="auto")
    ax.set_yticks(range(len(seq)), [f"patch #{i}" for i in range(len(seq))], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.grid(False)
    ax.set_title(f"A sequence of {len(seq)} patches with {seq.shape[1]} features each")
    fig.tight_layout()
    return fig


def plot_seq_patches_transp(embeddeds, add_cls: bool = False, title: str | None = None) -> Figure:
    """Patch embeddings of a few images, one matrix per image (patches x features); with
    ``add_cls`` a row of zeros, the [CLS] token, is drawn on top of each."""
    embeddeds = _np(embeddeds)
    n = len(embeddeds)
    fig, axs = plt.subplots(1, n, figsize=(4.2 * n, 3.8), squeeze=False)
    vmax = np.abs(embeddeds).max()
    for i, ax in enumerate(axs[0]):
        mat = embeddeds[i]
        labels = [f"patch #{k}" for k in range(len(mat))]
        if add_cls:
            mat = np.vstack([np.zeros((1, mat.shape[1])), mat])
            labels = ["[CLS]"] + labels
        ax.imshow(mat, cmap="RdBu", vmin=-vmax, vmax=vmax, aspect="auto")
        ax.set_yticks(range(len(mat)), labels, fontsize=8)
        ax.set_xlabel("embedding dimension")
        if add_cls:
            ax.add_patch(Rectangle((-0.5, -0.5), mat.shape[1], 1, fill=False, ec="orange",
                                   lw=2.5))
        ax.set_title(f"image {i}", fontsize=10)
        ax.grid(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
