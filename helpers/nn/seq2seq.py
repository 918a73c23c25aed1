"""Chapter 9's sequence-to-sequence models, and the encoder-decoders chapter 10 trains on squares.

Batch-first everywhere: ``N`` sequences, ``L`` points, ``F`` features per point (2 for the
squares), ``H`` hidden units of a GRU, ``d_model`` features inside attention. Masks: True =
visible (see :mod:`helpers.nn.attention`).

Recurrent: :class:`Encoder`, :class:`Decoder`, :class:`EncoderDecoder` (teacher forcing).
Attention: :class:`Attention` (one head; the values are the keys, projected or not),
:class:`DecoderAttn`, :class:`EncoderDecoderAttn` (records the weights),
:class:`WideMultiHeadAttention` (several full-size heads side by side).
Self-attention: :class:`EncoderSelfAttn`, :class:`DecoderSelfAttn`, :class:`EncoderPe`,
:class:`DecoderPe` (the same, behind a positional encoding), :class:`EncoderDecoderSelfAttn`
(shifted target while training, greedy prediction otherwise) and its chapter-10 subclass
:class:`EncoderDecoderTransf` (projections in and out, for the stacks of
:mod:`helpers.nn.transformer`).

Every decoder of the self-attention family is called as ``decoder(x, memory, source_mask,
target_mask)``, where ``memory`` holds the encoder's output; every encoder as
``encoder(x, mask)``.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.checks import check_fraction, check_int
from helpers.nn.attention import subsequent_mask
from helpers.nn.transformer import PositionalEncoding

__all__ = ["Encoder", "Decoder", "EncoderDecoder", "Attention", "DecoderAttn",
           "EncoderDecoderAttn", "WideMultiHeadAttention", "EncoderSelfAttn", "DecoderSelfAttn",
           "EncoderPe", "DecoderPe", "EncoderDecoderSelfAttn", "EncoderDecoderTransf"]


def _check_batch(name: str, x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}.")
    if x.dim() != 3:
        raise ValueError(f"{name} must be a batch of sequences (N, L, F), got shape "
                         f"{tuple(x.shape)}; use unsqueeze(0) for a single sequence.")


# --------------------------------------------------------------------------------------------
# a recurrent encoder and decoder
# --------------------------------------------------------------------------------------------
class Encoder(nn.Module):
    """A GRU over the source: (N, L, F) -> every hidden state, (N, L, H).

    The final state is also left in ``self.hidden`` (1, N, H), as ``nn.GRU`` returns it.
    """

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__()
        self.n_features = check_int("n_features", n_features)
        self.hidden_dim = check_int("hidden_dim", hidden_dim)
        self.basic_rnn = nn.GRU(self.n_features, self.hidden_dim, batch_first=True)
        self.hidden = None          # after a call: the last state, (1, N, H)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        _check_batch("X", X)
        states, self.hidden = self.basic_rnn(X)
        return states


class _SteppingGRU(nn.Module):
    """What both recurrent decoders share: a GRU that keeps its state between calls."""

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__()
        self.n_features = check_int("n_features", n_features)
        self.hidden_dim = check_int("hidden_dim", hidden_dim)
        self.hidden = None
        self.basic_rnn = nn.GRU(self.n_features, self.hidden_dim, batch_first=True)

    def init_hidden(self, states: torch.Tensor) -> None:
        """Encoder states (N, L, H) -> initial state (1, N, H), the last one, sequence-first."""
        _check_batch("states", states)
        self.hidden = states[:, -1:].transpose(0, 1).contiguous()

    def step(self, X: torch.Tensor) -> torch.Tensor:
        """Advance the GRU by one point, X (N, 1, F), and return its output (N, 1, H)."""
        if self.hidden is None:
            raise RuntimeError("call init_hidden(encoder_states) before decoding.")
        out, self.hidden = self.basic_rnn(X, self.hidden)
        return out[:, -1:]


class Decoder(_SteppingGRU):
    """A GRU run one point at a time, and a linear layer that turns its state into a point.

    :meth:`init_hidden` starts it from the encoder's last state; each ``forward(X)``, X (N, 1, F),
    moves ``self.hidden`` one step on and returns the predicted point (N, 1, F).
    """

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__(n_features, hidden_dim)
        self.regression = nn.Linear(self.hidden_dim, self.n_features)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.regression(self.step(X))


class EncoderDecoder(nn.Module):
    """Encodes the source, then decodes ``target_len`` points, feeding each output back in.

    ``forward(X)``: X (N, L, F) holds the source (its first ``input_len`` points) and, when
    training, the target after it. In training mode a coin is flipped after every step: with
    probability ``teacher_forcing_prob`` the next input is the true target point (teacher
    forcing), otherwise the prediction. In eval mode the predictions are always fed back.
    Returns (N, target_len, F).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int,
                 teacher_forcing_prob: float = 0.5):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.input_len = check_int("input_len", input_len)
        self.target_len = check_int("target_len", target_len)
        self.teacher_forcing_prob = check_fraction("teacher_forcing_prob", teacher_forcing_prob,
                                                   inclusive=True)

    def after_step(self, i: int) -> None:
        """Called after decoding point ``i``; subclasses record what they need here."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        _check_batch("X", X)
        source, target = X[:, :self.input_len], X[:, self.input_len:]
        forcing = self.teacher_forcing_prob if self.training else 0.0
        if forcing > 0 and target.size(1) < self.target_len:
            raise ValueError(f"teacher forcing needs the target: in training mode X must have "
                             f"input_len + target_len = {self.input_len + self.target_len} "
                             f"points, got {X.size(1)}.")
        self.decoder.init_hidden(self.encoder(source))
        step_input = source[:, -1:]                  # the target picks up where the source ends
        predictions = []
        for i in range(self.target_len):
            point = self.decoder(step_input)
            predictions.append(point)
            self.after_step(i)
            coin = forcing > 0 and torch.rand(1).item() < forcing
            step_input = target[:, i:i + 1] if coin else point
        return torch.cat(predictions, dim=1)


# --------------------------------------------------------------------------------------------
# attention
# --------------------------------------------------------------------------------------------
class Attention(nn.Module):
    """One head of scaled dot-product attention, whose values are the keys themselves.

    ``forward(query, keys, mask=None)``: query (N, L_q, input_dim), keys (N, L_k, input_dim)
    -> context (N, L_q, hidden_dim). Query and keys are projected to ``hidden_dim`` before
    they are compared; the values are the raw keys, or their projection if ``proj_values``
    (then ``input_dim`` may differ from ``hidden_dim``). ``alphas`` keeps the last weights,
    detached, (N, L_q, L_k).
    """

    def __init__(self, hidden_dim: int, input_dim: int | None = None, proj_values: bool = False):
        super().__init__()
        self.d_k = check_int("hidden_dim", hidden_dim)
        self.input_dim = self.d_k if input_dim is None else check_int("input_dim", input_dim)
        self.proj_values = bool(proj_values)
        # all three are created, even when the values stay raw, so the seeds draw the same weights
        self.linear_query = nn.Linear(self.input_dim, self.d_k)
        self.linear_key = nn.Linear(self.input_dim, self.d_k)
        self.linear_value = nn.Linear(self.input_dim, self.d_k)
        self.alphas = None

    def project_keys(self, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys (N, L_k, input_dim) -> (projected keys, values), ready for many queries."""
        _check_batch("keys", keys)
        proj_keys = self.linear_key(keys)
        return proj_keys, (self.linear_value(keys) if self.proj_values else keys)

    def attend(self, query: torch.Tensor, proj_keys: torch.Tensor, values: torch.Tensor,
               mask: torch.Tensor | None = None) -> torch.Tensor:
        """Context (N, L_q, ...) of a query over keys already run through :meth:`project_keys`."""
        _check_batch("query", query)
        scores = torch.bmm(self.linear_query(query), proj_keys.transpose(1, 2))
        scores = scores / math.sqrt(self.d_k)                            # N, L_q, L_k
        if mask is not None:
            scores = scores.masked_fill(mask == 0, torch.finfo(scores.dtype).min)
        weights = F.softmax(scores, dim=-1)
        self.alphas = weights.detach()
        return torch.bmm(weights, values)

    def forward(self, query: torch.Tensor, keys: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.attend(query, *self.project_keys(keys), mask)


class DecoderAttn(_SteppingGRU):
    """The recurrent decoder that also attends to every state of the encoder.

    At each step the GRU's output is the query; the context it gets from the encoder's states
    is laid next to it, (N, 1, 2H), and the regression layer maps both to the next point.
    """

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__(n_features, hidden_dim)
        self.memory = None
        self.attn = Attention(self.hidden_dim)
        # the regression sees the context and the query side by side
        self.regression = nn.Linear(2 * self.hidden_dim, self.n_features)

    def init_hidden(self, states: torch.Tensor) -> None:
        """Start from the last encoder state; project all of them once, as keys for every step."""
        self.memory = self.attn.project_keys(states)
        super().init_hidden(states)

    def forward(self, X: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        query = self.step(X)
        context = self.attn.attend(query, *self.memory, mask)
        return self.regression(torch.cat([context, query], dim=-1))


class EncoderDecoderAttn(EncoderDecoder):
    """:class:`EncoderDecoder` that keeps the decoder's attention weights of every step.

    After a forward pass, ``alphas`` (N, target_len, input_len): row i says how much predicted
    point i looked at each source point.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int,
                 teacher_forcing_prob: float = 0.5):
        super().__init__(encoder, decoder, input_len, target_len, teacher_forcing_prob)
        self.alphas = None
        self._rows: list[torch.Tensor] = []

    def after_step(self, i: int) -> None:
        self._rows.append(self.decoder.attn.alphas)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        self._rows = []
        out = super().forward(X)
        self.alphas = torch.cat(self._rows, dim=1)
        return out


class WideMultiHeadAttention(nn.Module):
    """``n_heads`` full-size :class:`Attention` heads side by side (chapter 9's "wide" heads).

    Each head has its own projections (of the values too, by default) and returns a context
    of ``d_model`` features; the contexts are laid side by side (N, L_q, n_heads * d_model) and
    ``linear_out`` maps them back to d_model. ``forward(query, keys, mask=None)``;
    ``alphas``: the heads' weights, (N, n_heads, L_q, L_k).
    """

    def __init__(self, n_heads: int, d_model: int, input_dim: int | None = None,
                 proj_values: bool = True):
        super().__init__()
        self.n_heads = check_int("n_heads", n_heads)
        self.d_model = check_int("d_model", d_model)
        self.linear_out = nn.Linear(self.n_heads * self.d_model, self.d_model)
        self.heads = nn.ModuleList(Attention(self.d_model, input_dim, proj_values)
                                   for _ in range(self.n_heads))

    @property
    def alphas(self) -> torch.Tensor:
        return torch.stack([head.alphas for head in self.heads], dim=1)

    def forward(self, query: torch.Tensor, keys: torch.Tensor,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        # every head projects its keys before any head meets the query (the chapter's order)
        projected = [head.project_keys(keys) for head in self.heads]
        contexts = [head.attend(query, *kv, mask) for head, kv in zip(self.heads, projected)]
        return self.linear_out(torch.cat(contexts, dim=-1))


# --------------------------------------------------------------------------------------------
# self-attention
# --------------------------------------------------------------------------------------------
class EncoderSelfAttn(nn.Module):
    """Wide self-attention over the source, then a feed-forward network: (N, L, F) -> (N, L, D).

    ``forward(x, mask=None)``: each point is a query over all the points, itself included.
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None):
        super().__init__()
        self.n_heads = check_int("n_heads", n_heads)
        self.d_model = check_int("d_model", d_model)
        self.ff_units = check_int("ff_units", ff_units)
        self.n_features = n_features
        self.self_attn = WideMultiHeadAttention(self.n_heads, self.d_model, n_features)
        self.ffn = nn.Sequential(nn.Linear(self.d_model, self.ff_units), nn.ReLU(),
                                 nn.Linear(self.ff_units, self.d_model))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.ffn(self.self_attn(x, x, mask))


class DecoderSelfAttn(nn.Module):
    """Masked self-attention over the target, cross-attention to ``memory``, then an FFN.

    ``forward(x, memory, source_mask=None, target_mask=None)``: the shifted target
    (N, L_t, F) and the encoder's output (N, L_s, d_model) -> predictions (N, L_t, F).
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None):
        super().__init__()
        self.n_heads = check_int("n_heads", n_heads)
        self.d_model = check_int("d_model", d_model)
        self.ff_units = check_int("ff_units", ff_units)
        self.n_features = self.d_model if n_features is None else check_int("n_features",
                                                                             n_features)
        self.self_attn = WideMultiHeadAttention(self.n_heads, self.d_model, self.n_features)
        self.cross_attn = WideMultiHeadAttention(self.n_heads, self.d_model)
        self.ffn = nn.Sequential(nn.Linear(self.d_model, self.ff_units), nn.ReLU(),
                                 nn.Linear(self.ff_units, self.n_features))

    def forward(self, x: torch.Tensor, memory: torch.Tensor,
                source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        looked_back = self.self_attn(x, x, target_mask)
        return self.ffn(self.cross_attn(looked_back, memory, source_mask))


class EncoderPe(nn.Module):
    """:class:`EncoderSelfAttn` behind a :class:`PositionalEncoding` of the raw points."""

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None,
                 max_len: int = 100):
        super().__init__()
        self.pe = PositionalEncoding(max_len, d_model if n_features is None else n_features)
        self.layer = EncoderSelfAttn(n_heads, d_model, ff_units, n_features)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.layer(self.pe(x), mask)


class DecoderPe(nn.Module):
    """:class:`DecoderSelfAttn` behind a :class:`PositionalEncoding` of the raw points."""

    # Labelled duplicate: mirrors EncoderPe line for line on purpose (the chapter shows them side by
    # side); only the wrapped layer and the memory argument differ.

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None,
                 max_len: int = 100):
        super().__init__()
        self.pe = PositionalEncoding(max_len, d_model if n_features is None else n_features)
        self.layer = DecoderSelfAttn(n_heads, d_model, ff_units, n_features)

    def forward(self, x: torch.Tensor, memory: torch.Tensor,
                source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.layer(self.pe(x), memory, source_mask, target_mask)


class EncoderDecoderSelfAttn(nn.Module):
    """Trains a self-attention decoder on the whole shifted target; predicts greedily.

    Training mode, ``forward(X, source_mask=None)`` with X (N, input_len + target_len, F): the
    decoder gets the shifted target (the last source point and every target point but the last)
    in one call, with the causal mask. Eval mode (X may hold the source only): :meth:`predict`
    appends one predicted point per call of the decoder. Returns (N, target_len, F).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.input_len = check_int("input_len", input_len)
        self.target_len = check_int("target_len", target_len)
        # a buffer follows the model to its device; rebuilt from target_len, so not saved
        self.register_buffer("trg_masks", subsequent_mask(self.target_len), persistent=False)

    def encode(self, source: torch.Tensor, source_mask: torch.Tensor | None = None):
        """The encoder's output, (N, L_s, d_model): the memory the decoder attends to."""
        return self.encoder(source, source_mask)

    def decode(self, shifted_target: torch.Tensor, memory: torch.Tensor,
               source_mask: torch.Tensor | None = None,
               target_mask: torch.Tensor | None = None) -> torch.Tensor:
        """One parallel pass of the decoder over a (shifted) target: (N, L_t, F)."""
        return self.decoder(shifted_target, memory, source_mask, target_mask)

    def predict(self, source: torch.Tensor,
                source_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Greedy decoding: start from the last source point, append one prediction per call."""
        memory = self.encode(source, source_mask)
        seq = source[:, -1:]
        for n in range(1, self.target_len + 1):
            out = self.decode(seq, memory, source_mask, self.trg_masks[:, :n, :n])
            seq = torch.cat([seq, out[:, -1:]], dim=1).detach()
        return seq[:, 1:]

    def forward(self, X: torch.Tensor, source_mask: torch.Tensor | None = None) -> torch.Tensor:
        _check_batch("X", X)
        if source_mask is not None:
            source_mask = source_mask.to(X.device).bool()
        source = X[:, :self.input_len]
        if not self.training:
            return self.predict(source, source_mask)
        if X.size(1) < self.input_len + self.target_len:
            raise ValueError(f"in training mode X must hold the source and the target, "
                             f"{self.input_len + self.target_len} points, got {X.size(1)}; "
                             f"call model.eval() to predict from the source alone.")
        memory = self.encode(source, source_mask)
        shifted = X[:, self.input_len - 1:-1]
        return self.decode(shifted, memory, source_mask, self.trg_masks)


class EncoderDecoderTransf(EncoderDecoderSelfAttn):
    """Chapter 10's Transformer for sequences of points: project in, encode/decode, project out.

    ``proj`` (F -> d_model) is shared by the source and the shifted target; ``linear``
    (d_model -> F) maps the decoder's output back to points. ``encoder`` and ``decoder`` are
    :class:`~helpers.nn.transformer.EncoderStack` and
    :class:`~helpers.nn.transformer.DecoderStack` (or anything with the same calls).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int,
                 n_features: int):
        super().__init__(encoder, decoder, input_len, target_len)
        if encoder.d_model != decoder.d_model:
            raise ValueError(f"encoder and decoder must have the same d_model, got "
                             f"{encoder.d_model} and {decoder.d_model}.")
        self.n_features = check_int("n_features", n_features)
        self.proj = nn.Linear(self.n_features, encoder.d_model)
        self.linear = nn.Linear(encoder.d_model, self.n_features)

    def encode(self, source: torch.Tensor, source_mask: torch.Tensor | None = None):
        return self.encoder(self.proj(source), source_mask)

    def decode(self, shifted_target: torch.Tensor, memory: torch.Tensor,
               source_mask: torch.Tensor | None = None,
               target_mask: torch.Tensor | None = None) -> torch.Tensor:
        states = self.decoder(self.proj(shifted_target), memory, source_mask, target_mask)
        return self.linear(states)
