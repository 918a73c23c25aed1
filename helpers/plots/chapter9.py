"""Figures of chapter 9 (sequence-to-sequence, attention, self-attention, positional encoding).

Every public function draws one figure and returns the matplotlib ``Figure``. The diagrams are
drawn with a few boxes and arrows (see :func:`draw_box` and :func:`draw_arrow`, which chapter 10
reuses). Chapter 10 also reuses :func:`sequence_pred` and :func:`plot_attention`.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from data_generation.square_sequences import CORNER_COLORS, CORNER_NAMES, corner_names
from helpers.plots.chapter8 import _square_axes as square_axes

__all__ = ["sequence_pred", "plot_attention", "query_and_keys", "translation_attention",
           "seq2seq_diagram", "attention_diagram", "multihead_diagram",
           "self_attention_diagram", "shifted_target_diagram", "rnn_vs_self_attention",
           "modulo_distances", "position_dials", "encoding_heatmap", "plot_distances",
           "draw_box", "draw_arrow", "finish_diagram"]

# one colour per role, used by every diagram of chapters 9 and 10
ROLE_COLORS = {"source": "#dde7f3", "target": "#f3e3dd", "attn": "#fff2b3", "ffn": "#dff0d8",
               "norm": "#e8dff0", "misc": "#eeeeee"}


# --------------------------------------------------------------------------------------------
# drawing primitives
# --------------------------------------------------------------------------------------------
def draw_box(ax, xy, text: str, color: str = "#dde7f3", w: float = 1.4, h: float = 0.6,
             fontsize: int = 10, ls: str = "-") -> None:
    """A rounded box with ``text``, centred on ``xy``."""
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                fc=color, ec="k", lw=1, ls=ls, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3)


def draw_arrow(ax, start, end, color: str = "k", text: str | None = None,
               offset=(0.0, 0.1), ls: str = "-", rad: float = 0.0, fontsize: int = 9) -> None:
    """An arrow from ``start`` to ``end`` with an optional label near its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, color=color,
                                 lw=1.3, ls=ls, shrinkA=1, shrinkB=1, zorder=1,
                                 connectionstyle=f"arc3,rad={rad}"))
    if text:
        mx = (start[0] + end[0]) / 2 + offset[0]
        my = (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="bottom", fontsize=fontsize, color=color)


def finish_diagram(fig, ax, title: str, xlim, ylim) -> Figure:
    """Common ending of the diagrams: limits, no axes, equal aspect, a title."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _fmt(value: float, decimals: int = 2) -> str:
    """Format a number without the "-0.00" that rounding a tiny negative number gives."""
    value = round(float(value), decimals) + 0.0
    return f"{value:.{decimals}f}"


def _square_axes(ax, lim: float = 1.45) -> None:
    """Chapter 8's square axes, slightly tighter and with small tick labels."""
    square_axes(ax, lim)
    ax.tick_params(labelsize=7)


# --------------------------------------------------------------------------------------------
# predictions and attention scores
# --------------------------------------------------------------------------------------------
def sequence_pred(sbs, X, directions=None, n_rows: int = 2, n_cols: int = 5,
                  input_len: int = 2) -> Figure:
    """True squares (solid) and the predicted last corners (dashed) for the first sequences.

    ``sbs`` is a trainer (its ``predict`` runs the model in eval mode on the source only) and
    ``X`` holds full sequences (N, 4, 2); ``directions`` (optional) go into the titles.
    """
    X = np.asarray(X.cpu() if torch.is_tensor(X) else X, dtype=np.float32)
    n = n_rows * n_cols
    if X.ndim != 3 or len(X) < n:
        raise ValueError(f"X must hold at least {n} full sequences (N, L, 2), got {X.shape}.")
    preds = sbs.predict(X[:n, :input_len])
    fig, axs = plt.subplots(n_rows, n_cols, figsize=(2.6 * n_cols, 2.7 * n_rows), squeeze=False)
    for e, ax in enumerate(axs.flat):
        seq = X[e]
        names = corner_names(seq)
        closed = np.vstack([seq, seq[:1]])
        ax.plot(closed[:, 0], closed[:, 1], c="k", lw=1, alpha=0.6)
        for i, (x, y) in enumerate(seq):
            color = CORNER_COLORS[CORNER_NAMES.index(names[i])]
            ax.scatter(x, y, s=120, c=color, alpha=1 if i < input_len else 0.35, zorder=3)
        path = np.vstack([seq[input_len - 1:input_len], preds[e]])
        ax.plot(path[:, 0], path[:, 1], c="r", ls="--", lw=2, zorder=4)
        ax.scatter(preds[e][:, 0], preds[e][:, 1], marker="x", c="r", s=60, zorder=5)
        title = f"#{e}" if directions is None else \
            f"#{e} {'clockwise' if int(directions[e]) else 'counterclockwise'}"
        ax.set_title(title, fontsize=9)
        _square_axes(ax)
    fig.suptitle("Solid: true square. Dashed red: predicted last corners", fontsize=11)
    fig.tight_layout()
    return fig


def plot_attention(alphas, row_labels: Sequence[str], col_labels: Sequence[str],
                   titles: Sequence[str] | None = None, n_cols: int = 5,
                   head_names: Sequence[str] | None = None) -> Figure:
    """Annotated heatmaps of attention scores: rows are queries, columns are keys.

    ``alphas`` is (N, L_q, L_k) for one head, drawn as a grid with ``n_cols`` columns, or
    (N, n_heads, L_q, L_k) for several heads (the layout of every multi-head attention's
    ``alphas``), drawn with one row per head and one column per sequence.
    """
    alphas = np.asarray(alphas.cpu() if torch.is_tensor(alphas) else alphas)
    if alphas.ndim == 3:
        n = alphas.shape[0]
        n_rows, n_cols = int(np.ceil(n / n_cols)), min(n_cols, n)
        grid = [(None, i) for i in range(n)]
    elif alphas.ndim == 4:
        n_cols, n_rows = alphas.shape[0], alphas.shape[1]
        grid = [(h, i) for h in range(n_rows) for i in range(n_cols)]
    else:
        raise ValueError(f"alphas must have 3 (N, Lq, Lk) or 4 (N, heads, Lq, Lk) dimensions, "
                         f"got shape {alphas.shape}.")
    fig, axs = plt.subplots(n_rows, n_cols, figsize=(2.3 * n_cols, 2.3 * n_rows), squeeze=False)
    for ax in axs.flat:
        ax.axis("off")
    for ax, (h, i) in zip(axs.flat, grid):
        mat = alphas[i] if h is None else alphas[i, h]
        ax.axis("on")
        ax.imshow(mat, vmin=0, vmax=1, cmap="Blues")
        for (r, c), v in np.ndenumerate(mat):
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=9,
                    color="white" if v > 0.6 else "black")
        ax.set_xticks(range(mat.shape[1]), col_labels[:mat.shape[1]], fontsize=8)
        ax.set_yticks(range(mat.shape[0]), row_labels[:mat.shape[0]], fontsize=8)
        ax.grid(False)
        title = titles[i] if titles is not None else f"sequence #{i}"
        if h is not None:
            title = f"{head_names[h] if head_names else f'head {h + 1}'}: {title}"
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def query_and_keys(q, ks, result=None) -> Figure:
    """A query and its keys as arrows, labelled with norms and cosines (and the context)."""
    q = np.asarray(q, dtype=float).reshape(-1)
    ks = np.asarray(ks, dtype=float).reshape(-1, 2)
    fig, ax = plt.subplots(1, 1, figsize=(5.5, 5.5))
    ax.add_patch(Circle((0, 0), 1, fill=False, ls=":", color="gray"))
    colors = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd"]
    ax.annotate("", q, (0, 0), arrowprops=dict(arrowstyle="-|>", color="k", lw=2))
    ax.text(q[0] * 1.05, q[1] * 1.05 + 0.03, f"Q\n|Q|={np.linalg.norm(q):.2f}", fontsize=10)
    for i, k in enumerate(ks):
        cos = k @ q / (np.linalg.norm(k) * np.linalg.norm(q))
        c = colors[i % len(colors)]
        ax.annotate("", k, (0, 0), arrowprops=dict(arrowstyle="-|>", color=c, lw=2))
        ax.text(k[0] * 1.08 + (0.1 if k[0] < 0 else 0), k[1] * 1.1 - (0.12 if k[0] < 0 else 0),
                f"K$_{i}$ |K|={np.linalg.norm(k):.2f}\ncos={cos:.2f}", color=c, fontsize=9)
    if result is not None:
        r = np.asarray(result, dtype=float).reshape(-1)
        ax.annotate("", r, (0, 0), arrowprops=dict(arrowstyle="-|>", color="orange", lw=2.5,
                                                     ls="--"))
        ax.text(r[0] + 0.05, r[1] - 0.15, "context", color="darkorange", fontsize=10)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axhline(0, c="gray", lw=0.5)
    ax.axvline(0, c="gray", lw=0.5)
    ax.set_title("A query, three keys" + (" and the context vector" if result is not None
                                          else ""))
    fig.tight_layout()
    return fig


def translation_attention() -> Figure:
    """A made-up attention matrix: translating 'the European economic zone' into French."""
    source = ["the", "European", "economic", "zone"]
    target = ["la", "zone", "économique", "européenne"]
    mat = np.array([[0.8, 0, 0, 0.2], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0.8, 0, 0.2]])
    fig, ax = plt.subplots(1, 1, figsize=(5, 4.2))
    ax.imshow(mat, cmap="Blues", vmin=0, vmax=1)
    for (r, c), v in np.ndenumerate(mat):
        if v:
            ax.text(c, r, f"{v:.2f}", ha="center", va="center",
                    color="white" if v > 0.6 else "black")
    ax.set_xticks(range(4), source)
    ax.set_yticks(range(4), target)
    ax.xaxis.tick_top()
    ax.set_xlabel("source (English): the keys")
    ax.set_ylabel("target (French): the queries")
    ax.grid(False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# diagrams
# --------------------------------------------------------------------------------------------
def seq2seq_diagram(attention: bool = False) -> Figure:
    """Encoder (over x0, x1) and decoder (predicting x2, x3, each fed back), optionally with
    attention over all the encoder's hidden states."""
    fig, ax = plt.subplots(1, 1, figsize=(9.5, 4.6 if attention else 3.9))
    enc_x, dec_x = [0.5, 2.5], [5.5, 7.5]
    y = 0.0
    for t, x in enumerate(enc_x):
        draw_box(ax, (x, y), "GRU", ROLE_COLORS["source"], w=1.0)
        draw_arrow(ax, (x, y - 1.0), (x, y - 0.32))
        ax.text(x, y - 1.05, f"$x_{t}$ (source)", ha="center", va="top")
        if t == 0:
            draw_arrow(ax, (x - 1.3, y), (x - 0.52, y), text="$h_i$=0")
        else:
            draw_arrow(ax, (enc_x[t - 1] + 0.52, y), (x - 0.52, y), text="$h_0$")
    draw_arrow(ax, (enc_x[-1] + 0.52, y), (dec_x[0] - 0.52, y), text="$h_f$ = $h_1$",
               color="#b0452a")
    for t, x in enumerate(dec_x):
        draw_box(ax, (x, y), "GRU", ROLE_COLORS["target"], w=1.0)
        draw_box(ax, (x, y + 1.2), "Linear", ROLE_COLORS["misc"], w=1.0, h=0.5)
        draw_arrow(ax, (x, y + 0.32), (x, y + 0.95))
        draw_arrow(ax, (x, y + 1.45), (x, y + 2.0))
        ax.text(x, y + 2.05, f"$\\hat{{x}}_{t + 2}$", ha="center", va="bottom", fontsize=12)
        inp = "$x_1$ (last source)" if t == 0 else f"$\\hat{{x}}_{t + 1}$ or $x_{t + 1}$"
        draw_arrow(ax, (x, y - 1.0), (x, y - 0.32))
        ax.text(x, y - 1.05, inp, ha="center", va="top")
        if t == 1:
            draw_arrow(ax, (dec_x[0] + 0.52, y), (x - 0.52, y), text="$h_2$")
    ax.add_patch(FancyArrowPatch((dec_x[0] + 0.1, y + 2.3), (dec_x[1] - 0.6, y - 1.4),
                                 connectionstyle="arc3,rad=-0.45", arrowstyle="-|>",
                                 mutation_scale=12, ls="--", color="gray"))
    ax.text(8.2, 0.9, "fed back\n(or the true\npoint: teacher\nforcing)", ha="left",
            va="center", fontsize=8, color="gray")
    ax.text(1.5, -1.9, "ENCODER", ha="center", fontsize=11, weight="bold")
    ax.text(6.5, -1.9, "DECODER", ha="center", fontsize=11, weight="bold")
    title = "Encoder-decoder: the decoder starts from the encoder's final hidden state"
    if attention:
        draw_box(ax, (3.2, 2.6), "Attention", ROLE_COLORS["attn"], w=1.6)
        for x in enc_x:
            draw_arrow(ax, (x + 0.2, y + 0.32), (2.7, 2.3), color="#7a6a00", ls=":")
        draw_arrow(ax, (dec_x[0] - 0.3, y + 0.32), (3.9, 2.3), color="#7a6a00")
        ax.text(4.2, 1.1, "query", fontsize=8, color="#7a6a00")
        draw_arrow(ax, (4.0, 2.6), (dec_x[0] - 0.45, 1.45), color="#7a6a00")
        ax.text(4.75, 2.3, "context", fontsize=8, color="#7a6a00")
        ax.text(-0.9, 1.6, "keys & values:\nall hidden states", fontsize=8, color="#7a6a00")
        title = "Encoder-decoder with attention: every step looks at all encoder states"
    return finish_diagram(fig, ax, title, (-1.2, 9.6), (-2.2, 3.2 if attention else 2.6))


def attention_diagram(mask: bool = True) -> Figure:
    """Scaled dot-product attention as a flow: project, multiply, scale, mask, softmax, average."""
    fig, ax = plt.subplots(1, 1, figsize=(6.5, 6.4))
    draw_box(ax, (0, 0), "query", ROLE_COLORS["target"], w=1.2)
    draw_box(ax, (2.2, 0), "keys", ROLE_COLORS["source"], w=1.2)
    draw_box(ax, (4.4, 0), "values\n(= keys)", ROLE_COLORS["source"], w=1.2, h=0.7)
    draw_box(ax, (0, 1.2), "Linear $W_q$", ROLE_COLORS["misc"], w=1.3)
    draw_box(ax, (2.2, 1.2), "Linear $W_k$", ROLE_COLORS["misc"], w=1.3)
    draw_box(ax, (4.4, 1.2), "Linear $W_v$\n(optional)", ROLE_COLORS["misc"], w=1.3, h=0.7,
             ls="--")
    for x in (0, 2.2, 4.4):
        draw_arrow(ax, (x, 0.35), (x, 0.85))
    steps = [("MatMul  $QK^T$", 2.4), ("Scale  $1/\\sqrt{d_k}$", 3.3)]
    if mask:
        steps.append(("Mask (optional)\nhidden → $-10^9$", 4.25))
    steps.append(("Softmax → alphas", 5.2))
    draw_arrow(ax, (0, 1.5), (1.0, 2.1))
    draw_arrow(ax, (2.2, 1.5), (1.4, 2.1))
    prev = None
    for text, yy in steps:
        draw_box(ax, (1.2, yy), text, ROLE_COLORS["attn"], w=2.0, h=0.6 if "\n" not in text
                 else 0.75)
        if prev is not None:
            draw_arrow(ax, (1.2, prev + 0.3), (1.2, yy - 0.3))
        prev = yy
    draw_box(ax, (3.3, 6.3), "MatMul  alphas · V", ROLE_COLORS["attn"], w=2.2)
    draw_arrow(ax, (1.2, prev + 0.3), (2.6, 6.0))
    draw_arrow(ax, (4.4, 1.55), (3.9, 6.0))
    draw_arrow(ax, (3.3, 6.6), (3.3, 7.2))
    ax.text(3.3, 7.25, "context vector", ha="center", va="bottom", fontsize=11)
    return finish_diagram(fig, ax, "Scaled dot-product attention", (-1.0, 5.4), (-0.6, 7.8))


def multihead_diagram(n_heads: int = 2) -> Figure:
    """Wide multi-headed attention: the same inputs feed every head; contexts are concatenated."""
    fig, ax = plt.subplots(1, 1, figsize=(7.5, 4.6))
    xs = np.linspace(0, 2.6 * (n_heads - 1), n_heads)
    mid = xs.mean()
    draw_box(ax, (mid - 1.3, -0.2), "query", ROLE_COLORS["target"], w=1.2)
    draw_box(ax, (mid + 1.3, -0.2), "keys / values", ROLE_COLORS["source"], w=1.7)
    for h, x in enumerate(xs):
        draw_box(ax, (x, 1.4), f"Attention\nhead {h + 1}\n(own $W_q, W_k, W_v$)",
                 ROLE_COLORS["attn"], w=2.0, h=1.0)
        draw_arrow(ax, (mid - 1.3, 0.1), (x - 0.3, 0.9))
        draw_arrow(ax, (mid + 1.3, 0.1), (x + 0.3, 0.9))
        draw_arrow(ax, (x, 1.9), (mid, 2.85), text=f"context {h + 1}", offset=(0.0, 0.0))
    draw_box(ax, (mid, 3.1), "Concatenate", ROLE_COLORS["misc"], w=1.8, h=0.5)
    draw_box(ax, (mid, 4.0), "Linear (n_heads·d → d)", ROLE_COLORS["misc"], w=2.6, h=0.5)
    draw_arrow(ax, (mid, 3.35), (mid, 3.75))
    draw_arrow(ax, (mid, 4.25), (mid, 4.75))
    ax.text(mid, 4.8, "context vector", ha="center", va="bottom", fontsize=11)
    return finish_diagram(fig, ax, f"Multi-headed attention with {n_heads} heads",
                   (xs[0] - 1.4, xs[-1] + 1.4), (-0.7, 5.4))


def self_attention_diagram(positional: bool = False) -> Figure:
    """The encoder-decoder with self-attention on both sides and cross-attention between them."""
    fig, ax = plt.subplots(1, 1, figsize=(8.5, 6.6))
    ex, dx = 0.0, 4.2
    y0 = 0.0
    draw_box(ax, (ex, y0), "source\n$x_0, x_1$", ROLE_COLORS["source"], w=1.6, h=0.7)
    draw_box(ax, (dx, y0), "shifted target\n$x_1, x_2$", ROLE_COLORS["target"], w=1.8, h=0.7)
    y = y0 + 1.2
    if positional:
        draw_box(ax, (ex, y), "scale + PE", ROLE_COLORS["norm"], w=1.6)
        draw_box(ax, (dx, y), "scale + PE", ROLE_COLORS["norm"], w=1.6)
        for x in (ex, dx):
            draw_arrow(ax, (x, y0 + 0.35), (x, y - 0.3))
        y_prev = y + 0.3
        y += 1.2
    else:
        y_prev = y0 + 0.35
    draw_box(ax, (ex, y), "Multi-headed\nself-attention", ROLE_COLORS["attn"], w=1.9, h=0.8)
    draw_box(ax, (dx, y), "Masked multi-headed\nself-attention", ROLE_COLORS["attn"], w=2.3,
             h=0.8)
    for x in (ex, dx):
        draw_arrow(ax, (x, y_prev), (x, y - 0.4))
    ax.text(dx + 1.3, y, "target mask\n(no peeking)", fontsize=8, va="center", color="#b0452a")
    ax.text(ex - 1.0, y, "source\nmask", fontsize=8, va="center", ha="right", color="#b0452a")
    y_enc_ffn = y + 1.3
    draw_box(ax, (ex, y_enc_ffn), "Feed-forward", ROLE_COLORS["ffn"], w=1.9)
    draw_arrow(ax, (ex, y + 0.4), (ex, y_enc_ffn - 0.3))
    draw_box(ax, (ex, y_enc_ffn + 1.1), "encoder states\n(keys & values)",
             ROLE_COLORS["source"], w=1.9, h=0.7)
    draw_arrow(ax, (ex, y_enc_ffn + 0.3), (ex, y_enc_ffn + 0.75))
    y_cross = y + 1.3
    draw_box(ax, (dx, y_cross), "Multi-headed\ncross-attention", ROLE_COLORS["attn"], w=2.3,
             h=0.8)
    draw_arrow(ax, (dx, y + 0.4), (dx, y_cross - 0.4), text="query", offset=(0.4, -0.1))
    draw_arrow(ax, (ex + 0.95, y_enc_ffn + 1.1), (dx - 1.15, y_cross + 0.1), color="#7a6a00")
    draw_box(ax, (dx, y_cross + 1.3), "Feed-forward", ROLE_COLORS["ffn"], w=1.9)
    draw_arrow(ax, (dx, y_cross + 0.4), (dx, y_cross + 1.0))
    draw_arrow(ax, (dx, y_cross + 1.6), (dx, y_cross + 2.1))
    ax.text(dx, y_cross + 2.15, "predictions $\\hat{x}_2, \\hat{x}_3$", ha="center",
            va="bottom", fontsize=11)
    ax.text(ex, -0.8, "ENCODER", ha="center", weight="bold")
    ax.text(dx, -0.8, "DECODER", ha="center", weight="bold")
    title = "Self-attention encoder and decoder" + (" with positional encoding"
                                                    if positional else "")
    return finish_diagram(fig, ax, title, (-2.6, 6.8), (-1.1, y_cross + 2.7))


def shifted_target_diagram() -> Figure:
    """Source, target and shifted target of one square, as rows of coloured corners."""
    fig, ax = plt.subplots(1, 1, figsize=(7, 2.8))
    names = ["$x_0$", "$x_1$", "$x_2$", "$x_3$"]
    rows = [("full sequence", [0, 1, 2, 3], None), ("source", [0, 1], None),
            ("target", [2, 3], None), ("shifted target", [1, 2], "decoder input")]
    for r, (label, idx, note) in enumerate(rows):
        yy = -r * 0.8
        ax.text(-0.6, yy, label, ha="right", va="center")
        for i in idx:
            color = ROLE_COLORS["source"] if i < 2 else ROLE_COLORS["target"]
            draw_box(ax, (i * 1.0, yy), names[i], color, w=0.8, h=0.55, fontsize=12)
        if note:
            ax.text(3.6, yy, f"← {note}: last source point,\n   then all targets but the last",
                    va="center", fontsize=9)
    return finish_diagram(fig, ax, "The shifted target sequence", (-2.6, 6.5), (-2.8, 0.5))


def rnn_vs_self_attention() -> Figure:
    """An RNN encoder (each step waits for the previous one) next to a self-attention encoder."""
    fig, axs = plt.subplots(1, 2, figsize=(10, 3.6))
    ax = axs[0]
    for t in range(3):
        draw_box(ax, (t * 1.8, 0), "RNN", ROLE_COLORS["source"], w=1.0)
        draw_arrow(ax, (t * 1.8, -0.9), (t * 1.8, -0.32))
        ax.text(t * 1.8, -0.95, f"$x_{t}$", ha="center", va="top")
        draw_arrow(ax, (t * 1.8, 0.32), (t * 1.8, 0.9))
        ax.text(t * 1.8, 0.95, f"$h_{t}$", ha="center", va="bottom")
        if t:
            draw_arrow(ax, ((t - 1) * 1.8 + 0.52, 0), (t * 1.8 - 0.52, 0))
    finish_diagram(fig, ax, "RNN: one step after the other", (-0.9, 4.5), (-1.5, 1.5))
    ax = axs[1]
    draw_box(ax, (1.8, 0), "self-attention + FFN", ROLE_COLORS["attn"], w=4.6)
    for t in range(3):
        draw_arrow(ax, (t * 1.8, -0.9), (t * 1.8, -0.32))
        ax.text(t * 1.8, -0.95, f"$x_{t}$", ha="center", va="top")
        draw_arrow(ax, (t * 1.8, 0.32), (t * 1.8, 0.9))
        ax.text(t * 1.8, 0.95, f"$h_{t}$", ha="center", va="bottom")
    finish_diagram(fig, ax, "Self-attention: all steps at once", (-0.9, 4.5), (-1.5, 1.5))
    return fig


# --------------------------------------------------------------------------------------------
# positional encoding
# --------------------------------------------------------------------------------------------
def modulo_distances(bases: Sequence[int] = (4, 5, 7), n_positions: int = 8) -> Figure:
    """Distances between consecutive positions under the 'modulo' code: not constant at all."""
    pos = np.arange(n_positions)
    code = np.stack([(pos % b) / b for b in bases], axis=1)
    dist = np.linalg.norm(code[1:] - code[:-1], axis=1)
    fig, ax = plt.subplots(1, 1, figsize=(7, 3))
    ax.bar(np.arange(1, n_positions), dist, color="#8da0cb")
    for i, d in enumerate(dist):
        ax.text(i + 1, d + 0.02, f"{d:.2f}", ha="center", fontsize=9)
    ax.set_xticks(np.arange(1, n_positions),
                  [f"{i - 1}→{i}" for i in range(1, n_positions)])
    ax.set_ylabel("Euclidean distance")
    ax.set_title(f"Modulo code with bases {tuple(bases)}: distance between neighbours")
    fig.tight_layout()
    return fig


def position_dials(speeds: Sequence[float], n_positions: int = 8,
                   labels: Sequence[str] | None = None) -> Figure:
    """One row of 'dials' per angular speed: the arrow turns by ``speed`` radians per position,
    and its sine and cosine are the two coordinates of the code."""
    speeds = np.asarray(speeds, dtype=float)
    fig, axs = plt.subplots(len(speeds), n_positions,
                            figsize=(1.35 * n_positions, 1.55 * len(speeds)), squeeze=False)
    for r, w in enumerate(speeds):
        for p in range(n_positions):
            ax = axs[r, p]
            angle = p * w
            ax.add_patch(Circle((0, 0), 1, fill=False, color="gray", lw=0.8))
            ax.annotate("", (np.cos(angle), np.sin(angle)), (0, 0),
                        arrowprops=dict(arrowstyle="-|>", color="#d62728", lw=1.6))
            ax.set_xlim(-1.25, 1.25)
            ax.set_ylim(-1.25, 1.25)
            ax.set_aspect("equal")
            ax.axis("off")
            ax.set_title(f"sin {_fmt(np.sin(angle))}\ncos {_fmt(np.cos(angle))}", fontsize=7)
            if r == len(speeds) - 1:
                ax.text(0, -1.7, f"pos {p}", ha="center", fontsize=8)
        name = labels[r] if labels is not None else f"{w:g} rad/pos"
        axs[r, 0].text(-1.5, 0, name, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig


def encoding_heatmap(pe, n_curves: int = 4) -> Figure:
    """Sines and cosines of a positional encoding (top) and the encoding as a matrix (bottom).

    ``pe`` is (max_len, d_model); positions go along the horizontal axis.
    """
    pe = np.asarray(pe.cpu() if torch.is_tensor(pe) else pe).squeeze()
    if pe.ndim != 2:
        raise ValueError(f"pe must be (max_len, d_model), got shape {pe.shape}.")
    max_len, d_model = pe.shape
    fig, axs = plt.subplots(2, 2, figsize=(11, 6.5), sharex="col",
                            gridspec_kw={"height_ratios": [1, 1.3]})
    for col, (start, fn) in enumerate(((0, "sin"), (1, "cos"))):
        ax = axs[0, col]
        for dim in range(start, min(d_model, 2 * n_curves), 2):
            ax.plot(np.arange(max_len), pe[:, dim], marker="o", ms=3, label=f"dim {dim}")
        ax.set_title(f"{'even' if start == 0 else 'odd'} dimensions: {fn}")
        ax.legend(fontsize=7, loc="lower left")
        ax.set_ylim(-1.1, 1.1)
        ax = axs[1, col]
        mat = pe[:, start::2].T
        ax.imshow(mat, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
        ax.set_yticks(range(mat.shape[0]), [f"dim {d}" for d in range(start, d_model, 2)],
                      fontsize=8)
        ax.set_xlabel("position")
        ax.grid(False)
    fig.suptitle(f"Positional encoding, d_model={d_model}, {max_len} positions")
    fig.tight_layout()
    return fig


def plot_distances(dist, title: str = "Distances between encoded positions") -> Figure:
    """An annotated matrix of distances between positions (rows and columns are positions)."""
    dist = np.asarray(dist)
    fig, ax = plt.subplots(1, 1, figsize=(4.6, 4.2))
    ax.imshow(dist, cmap="Greens")
    for (r, c), v in np.ndenumerate(dist):
        ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=9,
                color="white" if v > dist.max() * 0.6 else "black")
    ax.set_xticks(range(len(dist)))
    ax.set_yticks(range(len(dist)))
    ax.set_xlabel("position")
    ax.set_ylabel("position")
    ax.grid(False)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
