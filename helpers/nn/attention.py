"""Attention: the masks, and the one multi-head attention every Transformer of the book uses.

Everything is batch-first: ``N`` sequences, ``L_q`` queries, ``L_k`` keys, ``d_model`` features.

Masks follow one rule in the whole book: **True (or 1) means "this query may look at this
key"**, False (or 0) means "hidden". A mask broadcasts to the scores (N, L_q, L_k):

* a padding mask, (N, 1, L_k): the same keys are hidden from every query of a sequence;
* a causal mask, (1, L_q, L_q) from :func:`subsequent_mask`: no query sees a later position.

PyTorch's ``nn.MultiheadAttention`` and ``nn.Transformer`` read boolean masks the other way round
(True = hidden): invert ours with ``~mask`` before handing them over.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.checks import check_fraction, check_int

__all__ = ["subsequent_mask", "padding_mask", "MultiHeadAttention"]


def subsequent_mask(size: int) -> torch.Tensor:
    """Causal mask, a bool tensor (1, size, size): True on and below the diagonal.

    Row i is query i; it may look at positions 0..i and nothing after them.
    """
    size = check_int("size", size)
    return torch.ones(size, size, dtype=torch.bool).tril().unsqueeze(0)


def padding_mask(source: torch.Tensor, pad_value: float = 0.0) -> torch.Tensor:
    """Mask (N, 1, L) of a batch of sequences (N, L, F): False where every feature is padding."""
    if not isinstance(source, torch.Tensor):
        raise TypeError(f"source must be a torch.Tensor, got {type(source).__name__}.")
    if source.dim() != 3:
        raise ValueError(f"source must be (N, L, F), got shape {tuple(source.shape)}; add a "
                         f"feature dimension with unsqueeze(-1) for sequences of numbers.")
    is_real = (source != pad_value).any(dim=-1)      # N, L
    return is_real.unsqueeze(1)


class MultiHeadAttention(nn.Module):
    """Multi-head scaled dot-product attention, the "narrow" kind of the Transformer.

    Query, key and value are projected to ``d_model`` features each; every projection is then cut
    into ``n_heads`` slices of ``d_k = d_model // n_heads`` features, and head h compares only
    its own slices: ``softmax(Q_h K_h^T / sqrt(d_k)) V_h``. The heads' results are laid side by
    side again (d_model features) and mixed by ``linear_out``.

    ``forward(query, key, value, mask=None)``: query (N, L_q, d_model), key and value
    (N, L_k, d_model), mask broadcastable to (N, L_q, L_k) with True = visible ->
    (N, L_q, d_model). After each call ``alphas`` holds the attention weights (after the
    softmax, before dropout), detached, shape (N, n_heads, L_q, L_k).
    """

    def __init__(self, n_heads: int, d_model: int, dropout: float = 0.1):
        super().__init__()
        self.n_heads = check_int("n_heads", n_heads)
        self.d_model = check_int("d_model", d_model)
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={d_model} cannot be cut into {n_heads} equal heads; "
                             f"choose a d_model that is a multiple of n_heads.")
        self.d_k = self.d_model // self.n_heads
        # the creation order of these layers fixes which random numbers each one draws
        self.linear_query = nn.Linear(self.d_model, self.d_model)
        self.linear_key = nn.Linear(self.d_model, self.d_model)
        self.linear_value = nn.Linear(self.d_model, self.d_model)
        self.linear_out = nn.Linear(self.d_model, self.d_model)
        self.dropout = nn.Dropout(check_fraction("dropout", dropout, inclusive=True))
        self.alphas: torch.Tensor | None = None

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L, d_model) -> (N, n_heads, L, d_k): the heads become a batch dimension."""
        n, length = x.shape[:2]
        return x.view(n, length, self.n_heads, self.d_k).transpose(1, 2)

    def merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(N, n_heads, L, d_k) -> (N, L, d_model): the heads' results side by side."""
        n, length = x.size(0), x.size(2)
        return x.transpose(1, 2).contiguous().view(n, length, self.d_model)

    def forward(self, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}.")
            if t.dim() != 3 or t.size(-1) != self.d_model:
                raise ValueError(f"{name} must be (N, L, {self.d_model}), got shape "
                                 f"{tuple(t.shape)}.")
        # keys and values are projected before the query: the same order of operations as
        # the chapter's first version, so that training reproduces its numbers to the last bit
        k = self.split_heads(self.linear_key(key))
        v = self.split_heads(self.linear_value(value))
        q = self.split_heads(self.linear_query(query))
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)
        if mask is not None:
            # one mask for all heads: (N, L_q, L_k) -> (N, 1, L_q, L_k)
            hidden = mask.unsqueeze(1) == 0
            scores = scores.masked_fill(hidden, torch.finfo(scores.dtype).min)
        weights = F.softmax(scores, dim=-1)
        self.alphas = weights.detach()
        context = torch.matmul(self.dropout(weights), v)
        return self.linear_out(self.merge_heads(context))
