"""Figures of chapter 11 (words, embeddings, BERT and GPT-2)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_one_hot", "plot_word_vectors", "plot_similarity_matrix", "plot_word_pca",
           "plot_attention", "plot_chunk_similarity", "plot_top_predictions",
           "plot_training_curves"]


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=float)


def plot_one_hot(words: Sequence[str], vocab: Sequence[str]) -> Figure:
    """One row per word of a sentence, one column per vocabulary entry: a single 1 per row."""
    words, vocab = list(words), list(vocab)
    missing = [w for w in words if w not in vocab]
    if missing:
        raise ValueError(f"These words are not in vocab: {missing}.")
    matrix = np.zeros((len(words), len(vocab)))
    for i, w in enumerate(words):
        matrix[i, vocab.index(w)] = 1
    fig, ax = plt.subplots(figsize=(0.55 * len(vocab) + 1.5, 0.5 * len(words) + 1.2))
    ax.imshow(matrix, cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(range(len(vocab)), vocab, rotation=60, ha="right")
    ax.set_yticks(range(len(words)), words)
    for i in range(len(words)):
        for j in range(len(vocab)):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center",
                    color="w" if matrix[i, j] else "0.6", fontsize=8)
    ax.set_title("One-hot encoding: one column per word of the vocabulary")
    fig.tight_layout()
    return fig


def plot_word_vectors(wv, words: Sequence[str], other=None) -> Figure:
    """One colour strip per word: its embedding's values, dimension by dimension.

    ``wv`` maps words to vectors (a Gensim ``KeyedVectors`` or a dict); words missing from it
    are looked up in ``other``.
    """
    rows = []
    for w in words:
        source = wv if w in wv else other
        if source is None or w not in source:
            raise ValueError(f"No vector for {w!r} in wv (or other).")
        rows.append(_as_numpy(source[w]))
    matrix = np.stack(rows)
    lim = np.abs(matrix).max()
    fig, axs = plt.subplots(len(words), 1, figsize=(10, 0.55 * len(words) + 0.8), squeeze=False)
    for ax, w, row in zip(axs[:, 0], words, matrix):
        ax.imshow(row[None, :], cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_yticks([0], [w])
        ax.set_xticks([])
    axs[-1, 0].set_xlabel(f"the {matrix.shape[1]} dimensions of the embedding "
                          "(red: negative, blue: positive)")
    fig.tight_layout()
    return fig


def plot_similarity_matrix(labels: Sequence[str], similarities, title: str = "") -> Figure:
    """A heatmap of pairwise cosine similarities, with the values written in the cells."""
    sims = _as_numpy(similarities)
    n = len(labels)
    if sims.shape != (n, n):
        raise ValueError(f"similarities must be {n}x{n}, got {sims.shape}.")
    fig, ax = plt.subplots(figsize=(0.9 * n + 2, 0.8 * n + 1.2))
    im = ax.imshow(sims, cmap="RdBu", vmin=-1, vmax=1)
    ax.set_xticks(range(n), labels, rotation=45, ha="right")
    ax.set_yticks(range(n), labels)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{sims[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="w" if abs(sims[i, j]) > 0.6 else "k")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(title or "Cosine similarity")
    fig.tight_layout()
    return fig


def plot_word_pca(words: Sequence[str], vectors, arrows: Sequence[tuple[str, str]] = ()) -> Figure:
    """Words placed by the first two principal components of their vectors; optional arrows
    from one word to another (e.g. man -> woman and king -> queen)."""
    X = _as_numpy(vectors)
    if X.shape[0] != len(words):
        raise ValueError(f"Got {len(words)} words but {X.shape[0]} vectors.")
    X = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    xy = X @ vt[:2].T
    pos = dict(zip(words, xy))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], c="tab:blue")
    for w, (x, y) in pos.items():
        ax.annotate(w, (x, y), textcoords="offset points", xytext=(4, 4))
    for a, b in arrows:
        ax.annotate("", xy=pos[b], xytext=pos[a],
                    arrowprops=dict(arrowstyle="->", color="tab:red", lw=1.5))
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title("Word vectors projected on two dimensions")
    fig.tight_layout()
    return fig


def plot_attention(tokens: Sequence[Sequence[str]], alphas, query: int = 0) -> Figure:
    """Attention of one query position (default ``[CLS]``) over the tokens: one panel per
    sentence and head. ``alphas`` is (N, heads, L, L); ``tokens[i]`` lists sentence i's
    tokens, ``[CLS]`` first."""
    alphas = _as_numpy(alphas)
    n_sent, n_heads = alphas.shape[:2]
    if len(tokens) != n_sent:
        raise ValueError(f"Got tokens for {len(tokens)} sentences but alphas for {n_sent}.")
    fig, axs = plt.subplots(n_sent, n_heads, figsize=(4.5 * n_heads, 2.6 * n_sent),
                            squeeze=False)
    for i, toks in enumerate(tokens):
        for h in range(n_heads):
            ax = axs[i, h]
            weights = alphas[i, h, query, :len(toks)]
            ax.bar(range(len(toks)), weights, color="tab:blue")
            ax.set_xticks(range(len(toks)), toks, rotation=60, ha="right")
            ax.set_ylim(0, 1)
            ax.set_title(f"sentence {i}, head {h}")
            for j, w in enumerate(weights):
                ax.text(j, w + 0.02, f"{w:.2f}", ha="center", fontsize=7)
    fig.tight_layout()
    return fig


def plot_chunk_similarity(similarities: Mapping[str, float], title: str = "") -> Figure:
    """Horizontal bars: the cosine similarity of the same word in two contexts, per embedder
    or per chunk of an embedding."""
    names, values = list(similarities), [float(v) for v in similarities.values()]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.2))
    ax.barh(range(len(names)), values, color=["tab:gray" if v > 0.999 else "tab:blue"
                                              for v in values])
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(min(0, min(values)), 1.05)
    for i, v in enumerate(values):
        ax.text(v + 0.01, i, f"{v:.3f}", va="center", fontsize=8)
    ax.set_xlabel("cosine similarity")
    ax.set_title(title or "Same word, two contexts")
    fig.tight_layout()
    return fig


def plot_top_predictions(predictions: Mapping[str, Sequence[tuple[str, float]]],
                         xmax: float | None = None) -> Figure:
    """One panel per prediction: the top candidates and their probabilities.

    ``xmax``: one probability axis limit for every panel (so that panels compare); by default
    each panel fits its own largest probability.
    """
    if xmax is not None and not 0 < xmax <= 1:
        raise ValueError(f"xmax must be a probability in (0, 1], got {xmax!r}.")
    fig, axs = plt.subplots(1, len(predictions), figsize=(3.2 * len(predictions), 2.8),
                            squeeze=False)
    for ax, (title, pairs) in zip(axs[0], predictions.items()):
        words = [w for w, _ in pairs]
        probs = [float(p) for _, p in pairs]
        ax.barh(range(len(words)), probs, color="tab:green")
        ax.set_yticks(range(len(words)), words)
        ax.invert_yaxis()
        ax.set_xlim(0, xmax if xmax is not None else max(probs) * 1.25)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("probability")
    fig.tight_layout()
    return fig


def plot_training_curves(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                         xlabel: str = "epoch", ylabel: str = "loss", title: str = "",
                         logy: bool = False) -> Figure:
    """Several loss curves on one plot: ``{label: (x values, y values)}``; optional log y."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for label, (x, y) in curves.items():
        ax.plot(list(x), list(y), marker="o", ms=3, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
