"""Sequence-to-sequence models of chapters 9 and 10 (and the building blocks chapter 11 reuses).

Shapes follow one convention throughout: every tensor is **batch-first**,

* ``N``: mini-batch size, ``L`` (``L_s``/``L_t``): source/target length,
* ``F``: number of features of a data point (2 for the squares),
* ``H``: hidden dimension of a recurrent layer, ``D`` (``d_model``): dimension inside attention.

Masks follow one convention too: **True (or 1) means "you may look here"** and False (or 0) means
"hide this". A source (padding) mask has shape (N, 1, L_s); a target (subsequent) mask has shape
(1, L_t, L_t). PyTorch's own ``nn.MultiheadAttention``/``nn.Transformer`` use the opposite
convention for boolean masks (True = hide); :func:`to_torch_padding_mask` and
:func:`to_torch_attn_mask` translate.

Chapter 9, part I (recurrent encoder-decoder and attention)
    :class:`Encoder`, :class:`Decoder`, :class:`EncoderDecoder`, :class:`Attention`,
    :class:`DecoderAttn`, :class:`EncoderDecoderAttn`, :class:`MultiHeadAttention` (wide heads)
Chapter 9, part II (self-attention and positional encoding)
    :class:`EncoderSelfAttn`, :class:`DecoderSelfAttn`, :func:`subsequent_mask`,
    :class:`EncoderDecoderSelfAttn`, :class:`PositionalEncoding`, :class:`EncoderPe`,
    :class:`DecoderPe`
Helpers: :func:`source_mask` (padding mask of a source), :func:`xavier_init`.

Chapter 10 (Transformers)
    :class:`MultiHeadedAttention` (narrow heads), :class:`LayerNorm` (by hand),
    :class:`SubLayerWrapper`, :class:`EncoderLayer`, :class:`DecoderLayer`,
    :class:`EncoderTransf`, :class:`DecoderTransf`, :class:`EncoderDecoderTransf`,
    :class:`TransformerModel` (a wrapper around ``nn.Transformer``),
    :func:`copy_to_torch_transformer`, :func:`extract_image_patches`, :class:`PatchEmbed`,
    :class:`ViT`
"""
from __future__ import annotations

import copy
import math
import numbers

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers._checks import check_int as _check_int

__all__ = [
    # chapter 9
    "Encoder", "Decoder", "EncoderDecoder", "Attention", "DecoderAttn", "EncoderDecoderAttn",
    "MultiHeadAttention", "EncoderSelfAttn", "DecoderSelfAttn", "subsequent_mask",
    "EncoderDecoderSelfAttn", "PositionalEncoding", "EncoderPe", "DecoderPe", "source_mask",
    # chapter 10
    "MultiHeadedAttention", "LayerNorm", "SubLayerWrapper", "EncoderLayer", "DecoderLayer",
    "EncoderTransf", "DecoderTransf", "EncoderDecoderTransf", "TransformerModel",
    "to_torch_padding_mask", "to_torch_attn_mask", "copy_to_torch_transformer",
    "extract_image_patches", "PatchEmbed", "ViT", "xavier_init",
]

#: The score given to hidden positions before the softmax: large enough to make their weight 0.
MASK_FILL = -1e9


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------
def _check_prob(name: str, value) -> float:
    """Return ``value`` as a float, or raise unless it is a number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number between 0 and 1, got {value!r}.")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}.")
    return float(value)


def _check_heads(n_heads: int, d_model: int) -> None:
    """Raise unless ``d_model`` can be cut into ``n_heads`` chunks of equal size."""
    if d_model % n_heads != 0:
        raise ValueError(f"d_model ({d_model}) must be a multiple of n_heads ({n_heads}): each "
                         f"head gets a chunk of d_model // n_heads dimensions. Pick another "
                         f"number of heads or another d_model.")


def _check_seq(name: str, x, n_dims: int = 3) -> None:
    """Raise a TypeError/ValueError unless ``x`` is a tensor with ``n_dims`` dimensions."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}.")
    if x.dim() != n_dims:
        raise ValueError(f"{name} must have {n_dims} dimensions (batch-first: N, L, features), "
                         f"got shape {tuple(x.shape)}. Add a batch dimension with "
                         f"unsqueeze(0) if you have a single sequence.")


# --------------------------------------------------------------------------------------------
# chapter 9, part I: encoder, decoder, teacher forcing
# --------------------------------------------------------------------------------------------
class Encoder(nn.Module):
    """A GRU that reads the source sequence and returns **all** its hidden states.

    ``forward(X)``: X (N, L, F) -> hidden states (N, L, H). The final hidden state is also kept
    in ``self.hidden`` (1, N, H), the way ``nn.GRU`` returns it.
    """

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__()
        self.n_features = _check_int("n_features", n_features)
        self.hidden_dim = _check_int("hidden_dim", hidden_dim)
        self.hidden = None
        self.basic_rnn = nn.GRU(self.n_features, self.hidden_dim, batch_first=True)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        _check_seq("X", X)
        rnn_out, self.hidden = self.basic_rnn(X)
        return rnn_out


class Decoder(nn.Module):
    """A GRU cell driven one step at a time, plus a linear layer that maps its state to a point.

    Call :meth:`init_hidden` with the encoder's hidden states first; then each call of
    ``forward(X)`` with X (N, 1, F) updates ``self.hidden`` and returns the next point (N, 1, F).
    """

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__()
        self.n_features = _check_int("n_features", n_features)
        self.hidden_dim = _check_int("hidden_dim", hidden_dim)
        self.hidden = None
        self.basic_rnn = nn.GRU(self.n_features, self.hidden_dim, batch_first=True)
        self.regression = nn.Linear(self.hidden_dim, self.n_features)

    def init_hidden(self, hidden_seq: torch.Tensor) -> None:
        """Start from the encoder's last hidden state: (N, L, H) -> ``self.hidden`` (1, N, H)."""
        _check_seq("hidden_seq", hidden_seq)
        last = hidden_seq[:, -1:]                      # N, 1, H
        self.hidden = last.permute(1, 0, 2).contiguous()  # 1, N, H (sequence-first)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if self.hidden is None:
            raise RuntimeError("Call init_hidden(encoder_states) before running the decoder.")
        out, self.hidden = self.basic_rnn(X, self.hidden)
        return self.regression(out[:, -1:])            # N, 1, F


class EncoderDecoder(nn.Module):
    """Encoder + decoder looped over the target, with (random) teacher forcing while training.

    ``forward(X)`` splits X into the source (first ``input_len`` points) and the target (the
    rest; absent at test time), encodes the source and decodes ``target_len`` points. In
    training mode each next input is the true target point with probability
    ``teacher_forcing_prob`` and the model's own prediction otherwise; in eval mode the model
    always feeds its predictions back. Returns (N, target_len, F).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int,
                 teacher_forcing_prob: float = 0.5):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.input_len = _check_int("input_len", input_len)
        self.target_len = _check_int("target_len", target_len)
        self.teacher_forcing_prob = _check_prob("teacher_forcing_prob", teacher_forcing_prob)
        self.outputs = None

    def init_outputs(self, batch_size: int) -> None:
        """Allocate ``self.outputs``, zeros of shape (N, target_len, F) on the model's device."""
        device = next(self.parameters()).device
        self.outputs = torch.zeros(batch_size, self.target_len, self.decoder.n_features,
                                   device=device)

    def store_output(self, i: int, out: torch.Tensor) -> None:
        """Write the prediction of step ``i`` (N, 1, F) into ``self.outputs``."""
        self.outputs[:, i:i + 1, :] = out

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        _check_seq("X", X)
        if X.size(1) < self.input_len:
            raise ValueError(f"X has {X.size(1)} points but the source needs input_len="
                             f"{self.input_len}.")
        source_seq = X[:, :self.input_len]
        target_seq = X[:, self.input_len:]
        self.init_outputs(X.size(0))

        hidden_seq = self.encoder(source_seq)
        self.decoder.init_hidden(hidden_seq)
        dec_inputs = source_seq[:, -1:]               # the target continues the source

        prob = self.teacher_forcing_prob if self.training else 0.0
        if prob > 0 and target_seq.size(1) < self.target_len:
            raise ValueError("Teacher forcing needs the target: in training mode X must hold "
                             f"input_len + target_len = {self.input_len + self.target_len} "
                             f"points, got {X.size(1)}.")
        for i in range(self.target_len):
            out = self.decoder(dec_inputs)
            self.store_output(i, out)
            # flip a (biased) coin: the true point (teacher forcing) or our own prediction
            if prob > 0 and torch.rand(1).item() < prob:
                dec_inputs = target_seq[:, i:i + 1]
            else:
                dec_inputs = out
        return self.outputs


# --------------------------------------------------------------------------------------------
# chapter 9, part I: attention
# --------------------------------------------------------------------------------------------
def source_mask(source: torch.Tensor, pad_value: float = 0.0) -> torch.Tensor:
    """Mask padded points of a source (N, L, F): (N, 1, L), False where all features == pad."""
    _check_seq("source", source)
    return (source != pad_value).any(dim=2).unsqueeze(1)


class Attention(nn.Module):
    """Scaled dot-product attention with affine maps of query, keys and (optionally) values.

    ``context = softmax(Q K^T / sqrt(d_k)) V`` with ``Q = linear_query(query)``,
    ``K = linear_key(keys)`` and ``V = linear_value(keys)`` if ``proj_values`` else the keys.
    Call :meth:`init_keys` once per source, then ``forward(query, mask)`` with a query
    (N, L_q, input_dim) to get the context (N, L_q, hidden_dim). The last attention scores are
    kept (detached) in ``self.alphas``, shape (N, L_q, L_k).
    """

    def __init__(self, hidden_dim: int, input_dim: int | None = None, proj_values: bool = False):
        super().__init__()
        self.d_k = _check_int("hidden_dim", hidden_dim)
        self.input_dim = self.d_k if input_dim is None else _check_int("input_dim", input_dim)
        # without proj_values the values are the raw keys, so the context has input_dim features
        self.proj_values = bool(proj_values)
        self.linear_query = nn.Linear(self.input_dim, self.d_k)
        self.linear_key = nn.Linear(self.input_dim, self.d_k)
        self.linear_value = nn.Linear(self.input_dim, self.d_k)
        self.keys = self.proj_keys = self.values = None
        self.alphas = None

    def init_keys(self, keys: torch.Tensor) -> None:
        """Project the keys (N, L_k, input_dim) once; they serve every query that follows."""
        _check_seq("keys", keys)
        self.keys = keys
        self.proj_keys = self.linear_key(keys)
        self.values = self.linear_value(keys) if self.proj_values else keys

    def score_function(self, query: torch.Tensor) -> torch.Tensor:
        """Scaled dot products of the projected query and keys: (N, L_q, L_k)."""
        proj_query = self.linear_query(query)
        return torch.bmm(proj_query, self.proj_keys.transpose(1, 2)) / math.sqrt(self.d_k)

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.proj_keys is None:
            raise RuntimeError("Call init_keys(keys) before computing attention.")
        _check_seq("query", query)
        scores = self.score_function(query)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, MASK_FILL)
        alphas = F.softmax(scores, dim=-1)
        self.alphas = alphas.detach()
        return torch.bmm(alphas, self.values)


class DecoderAttn(nn.Module):
    """The recurrent decoder with attention over all the encoder's hidden states.

    Each step: the GRU output is the query; attention gives a context vector; the regression
    layer maps ``cat([context, query])`` (N, 1, 2H) to the next point (N, 1, F).
    """

    def __init__(self, n_features: int, hidden_dim: int):
        super().__init__()
        self.n_features = _check_int("n_features", n_features)
        self.hidden_dim = _check_int("hidden_dim", hidden_dim)
        self.hidden = None
        self.basic_rnn = nn.GRU(self.n_features, self.hidden_dim, batch_first=True)
        self.attn = Attention(self.hidden_dim)
        self.regression = nn.Linear(2 * self.hidden_dim, self.n_features)

    def init_hidden(self, hidden_seq: torch.Tensor) -> None:
        """Use all encoder states as keys/values and the last one as the initial state."""
        _check_seq("hidden_seq", hidden_seq)
        self.attn.init_keys(hidden_seq)
        self.hidden = hidden_seq[:, -1:].permute(1, 0, 2).contiguous()

    def forward(self, X: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.hidden is None:
            raise RuntimeError("Call init_hidden(encoder_states) before running the decoder.")
        out, self.hidden = self.basic_rnn(X, self.hidden)
        query = out[:, -1:]                            # N, 1, H
        context = self.attn(query, mask=mask)          # N, 1, H
        return self.regression(torch.cat([context, query], dim=-1))


class EncoderDecoderAttn(EncoderDecoder):
    """:class:`EncoderDecoder` that also records the attention scores of every decoding step.

    After a forward pass ``self.alphas`` has shape (N, target_len, input_len): row i holds the
    weights the i-th predicted point gave to each source point.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int,
                 teacher_forcing_prob: float = 0.5):
        super().__init__(encoder, decoder, input_len, target_len, teacher_forcing_prob)
        self.alphas = None

    def init_outputs(self, batch_size: int) -> None:
        super().init_outputs(batch_size)
        device = next(self.parameters()).device
        self.alphas = torch.zeros(batch_size, self.target_len, self.input_len, device=device)

    def store_output(self, i: int, out: torch.Tensor) -> None:
        super().store_output(i, out)
        self.alphas[:, i:i + 1, :] = self.decoder.attn.alphas


class MultiHeadAttention(nn.Module):
    """Wide multi-headed attention: ``n_heads`` full-size :class:`Attention` heads.

    Every head sees the same keys and query with its own projections (values projected too,
    by default). Their contexts are concatenated (N, L_q, n_heads * d_model) and mapped back to
    d_model by ``linear_out``. ``alphas`` stacks the heads' scores: (n_heads, N, L_q, L_k).
    """

    def __init__(self, n_heads: int, d_model: int, input_dim: int | None = None,
                 proj_values: bool = True):
        super().__init__()
        self.n_heads = _check_int("n_heads", n_heads)
        self.d_model = _check_int("d_model", d_model)
        self.linear_out = nn.Linear(self.n_heads * self.d_model, self.d_model)
        self.attn_heads = nn.ModuleList([Attention(self.d_model, input_dim=input_dim,
                                                   proj_values=proj_values)
                                         for _ in range(self.n_heads)])

    def init_keys(self, key: torch.Tensor) -> None:
        """Hand the same keys to every head."""
        for head in self.attn_heads:
            head.init_keys(key)

    @property
    def alphas(self) -> torch.Tensor:
        """The last attention scores of all heads, (n_heads, N, L_q, L_k)."""
        return torch.stack([head.alphas for head in self.attn_heads], dim=0)

    def output_function(self, contexts: list[torch.Tensor]) -> torch.Tensor:
        """Concatenate the heads' contexts and map them back to d_model dimensions."""
        return self.linear_out(torch.cat(contexts, dim=-1))

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        contexts = [head(query, mask=mask) for head in self.attn_heads]
        return self.output_function(contexts)


# --------------------------------------------------------------------------------------------
# chapter 9, part II: self-attention and positional encoding
# --------------------------------------------------------------------------------------------
class EncoderSelfAttn(nn.Module):
    """Encoder "layer" made of wide multi-headed self-attention and a feed-forward network.

    ``forward(query, mask)``: every source point attends to all source points (itself
    included); the FFN turns each context into a state. (N, L_s, F) -> (N, L_s, d_model).
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None):
        super().__init__()
        self.n_heads = _check_int("n_heads", n_heads)
        self.d_model = _check_int("d_model", d_model)
        self.ff_units = _check_int("ff_units", ff_units)
        self.n_features = n_features
        self.self_attn_heads = MultiHeadAttention(self.n_heads, self.d_model,
                                                  input_dim=n_features)
        self.ffn = nn.Sequential(nn.Linear(self.d_model, self.ff_units), nn.ReLU(),
                                 nn.Linear(self.ff_units, self.d_model))

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        self.self_attn_heads.init_keys(query)
        att = self.self_attn_heads(query, mask)
        return self.ffn(att)


class DecoderSelfAttn(nn.Module):
    """Decoder "layer": masked self-attention, cross-attention to the encoder, then an FFN.

    Call :meth:`init_keys` with the encoder's states first. ``forward(query, source_mask,
    target_mask)`` maps the (shifted) target (N, L_t, F) to predictions (N, L_t, F).
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None):
        super().__init__()
        self.n_heads = _check_int("n_heads", n_heads)
        self.d_model = _check_int("d_model", d_model)
        self.ff_units = _check_int("ff_units", ff_units)
        self.n_features = self.d_model if n_features is None else _check_int("n_features",
                                                                             n_features)
        self.self_attn_heads = MultiHeadAttention(self.n_heads, self.d_model,
                                                  input_dim=self.n_features)
        self.cross_attn_heads = MultiHeadAttention(self.n_heads, self.d_model)
        self.ffn = nn.Sequential(nn.Linear(self.d_model, self.ff_units), nn.ReLU(),
                                 nn.Linear(self.ff_units, self.n_features))

    def init_keys(self, states: torch.Tensor) -> None:
        """The encoder's states become the keys and values of the cross-attention."""
        self.cross_attn_heads.init_keys(states)

    def forward(self, query: torch.Tensor, source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.self_attn_heads.init_keys(query)
        att1 = self.self_attn_heads(query, target_mask)
        att2 = self.cross_attn_heads(att1, source_mask)
        return self.ffn(att2)


def subsequent_mask(size: int) -> torch.Tensor:
    """Boolean (1, size, size) mask, True on and below the diagonal: no peeking at the future."""
    size = _check_int("size", size)
    return torch.tril(torch.ones(size, size, dtype=torch.bool)).unsqueeze(0)


class EncoderDecoderSelfAttn(nn.Module):
    """Encoder-decoder where both sides use self-attention, decoded in parallel when training.

    Training mode: the decoder receives the *shifted* target (the last source point followed
    by all target points but the last) and the subsequent mask, all at once. Eval mode:
    :meth:`predict` decodes greedily, one point at a time, with a growing mask.
    ``forward(X, source_mask=None)`` returns (N, target_len, F).
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, input_len: int, target_len: int):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.input_len = _check_int("input_len", input_len)
        self.target_len = _check_int("target_len", target_len)
        # a buffer follows the model to its device, but is not a parameter; it is rebuilt from
        # target_len, so it does not need to be saved in the state dict either
        self.register_buffer("trg_masks", self.subsequent_mask(self.target_len),
                             persistent=False)

    @staticmethod
    def subsequent_mask(size: int) -> torch.Tensor:
        """Same as the module-level :func:`subsequent_mask`."""
        return subsequent_mask(size)

    def encode(self, source_seq: torch.Tensor, source_mask: torch.Tensor | None = None) -> None:
        """Run the encoder and hand its states to the decoder's cross-attention."""
        encoder_states = self.encoder(source_seq, source_mask)
        self.decoder.init_keys(encoder_states)

    def decode(self, shifted_target_seq: torch.Tensor, source_mask: torch.Tensor | None = None,
               target_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Decode a (shifted) target sequence in one go."""
        return self.decoder(shifted_target_seq, source_mask=source_mask,
                            target_mask=target_mask)

    def predict(self, source_seq: torch.Tensor,
                source_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Greedy decoding: start from the last source point and append one prediction per step.

        Call :meth:`encode` first (``forward`` does).
        """
        inputs = source_seq[:, -1:]
        for i in range(self.target_len):
            out = self.decode(inputs, source_mask, self.trg_masks[:, :i + 1, :i + 1])
            inputs = torch.cat([inputs, out[:, -1:]], dim=-2).detach()
        return inputs[:, 1:]

    def forward(self, X: torch.Tensor, source_mask: torch.Tensor | None = None) -> torch.Tensor:
        _check_seq("X", X)
        if source_mask is not None:
            source_mask = source_mask.to(X.device).bool()
        source_seq = X[:, :self.input_len]
        self.encode(source_seq, source_mask)
        if self.training:
            if X.size(1) < self.input_len + self.target_len:
                raise ValueError("In training mode X must hold the source and the target, "
                                 f"input_len + target_len = {self.input_len + self.target_len}"
                                 f" points, got {X.size(1)}. Use model.eval() to predict from "
                                 "the source alone.")
            shifted_target_seq = X[:, self.input_len - 1:-1]
            return self.decode(shifted_target_seq, source_mask, self.trg_masks)
        return self.predict(source_seq, source_mask)


class PositionalEncoding(nn.Module):
    """Sinusoidal positional encoding, added to inputs scaled up by sqrt(d_model).

    ``pe[pos, 2k] = sin(pos * w_k)`` and ``pe[pos, 2k+1] = cos(pos * w_k)`` with
    ``w_k = 10000 ** (-2k / d_model)``. ``pe`` is a buffer of shape (1, max_len, d_model): it is
    in the state dict and follows the model's device, but it is not learned.
    ``forward(x)``: (N, L, d_model) -> ``x * sqrt(d_model) + pe[:, :L]``.
    """

    def __init__(self, max_len: int, d_model: int):
        super().__init__()
        self.max_len = _check_int("max_len", max_len)
        self.d_model = _check_int("d_model", d_model)
        position = torch.arange(0, self.max_len, dtype=torch.float32).unsqueeze(1)
        angular_speed = torch.exp(torch.arange(0, self.d_model, 2, dtype=torch.float32)
                                  * (-math.log(10000.0) / self.d_model))
        pe = torch.zeros(self.max_len, self.d_model)
        pe[:, 0::2] = torch.sin(position * angular_speed)
        pe[:, 1::2] = torch.cos(position * angular_speed[:self.d_model // 2])
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_seq("x", x)
        if x.size(1) > self.max_len:
            raise ValueError(f"The sequence has {x.size(1)} positions but this encoding was "
                             f"built for max_len={self.max_len}; build it with a larger max_len.")
        if x.size(2) != self.d_model:
            raise ValueError(f"x has {x.size(2)} features but d_model={self.d_model}.")
        return x * math.sqrt(self.d_model) + self.pe[:, :x.size(1)]


class EncoderPe(nn.Module):
    """Positional encoding followed by an :class:`EncoderSelfAttn` "layer"."""

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None,
                 max_len: int = 100):
        super().__init__()
        pe_dim = d_model if n_features is None else n_features
        self.pe = PositionalEncoding(max_len, pe_dim)
        self.layer = EncoderSelfAttn(n_heads, d_model, ff_units, n_features)

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.layer(self.pe(query), mask)


class DecoderPe(nn.Module):
    """Positional encoding followed by a :class:`DecoderSelfAttn` "layer"."""

    def __init__(self, n_heads: int, d_model: int, ff_units: int, n_features: int | None = None,
                 max_len: int = 100):
        super().__init__()
        pe_dim = d_model if n_features is None else n_features
        self.pe = PositionalEncoding(max_len, pe_dim)
        self.layer = DecoderSelfAttn(n_heads, d_model, ff_units, n_features)

    def init_keys(self, states: torch.Tensor) -> None:
        """Forward the encoder's states to the layer's cross-attention."""
        self.layer.init_keys(states)

    def forward(self, query: torch.Tensor, source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.layer(self.pe(query), source_mask, target_mask)


# --------------------------------------------------------------------------------------------
# chapter 10: narrow attention, layer norm, Transformer layers
# --------------------------------------------------------------------------------------------
class MultiHeadedAttention(nn.Module):
    """Narrow multi-headed attention: project to d_model, then cut the projection into heads.

    Each head h works on its own ``d_k = d_model // n_heads`` slice of the projected query,
    keys and values: ``head_h = softmax(Q_h K_h^T / sqrt(d_k)) V_h``. The heads' contexts are
    concatenated back to d_model and mapped by ``linear_out``. Dropout is applied to the
    attention scores. Masks of shape (N, 1, L_k) or (1, L_q, L_k) (True = visible) are shared
    by all heads. ``alphas`` keeps the last scores, (N, n_heads, L_q, L_k).
    """

    def __init__(self, n_heads: int, d_model: int, dropout: float = 0.1):
        super().__init__()
        self.n_heads = _check_int("n_heads", n_heads)
        self.d_model = _check_int("d_model", d_model)
        _check_heads(self.n_heads, self.d_model)
        self.d_k = self.d_model // self.n_heads
        self.linear_query = nn.Linear(self.d_model, self.d_model)
        self.linear_key = nn.Linear(self.d_model, self.d_model)
        self.linear_value = nn.Linear(self.d_model, self.d_model)
        self.linear_out = nn.Linear(self.d_model, self.d_model)
        self.dropout = nn.Dropout(p=_check_prob("dropout", dropout))
        self.proj_key = self.proj_value = None
        self.alphas = None

    def make_chunks(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L, d_model) -> (N, n_heads, L, d_k): every head gets its own slice."""
        batch_size, seq_len = x.size(0), x.size(1)
        return x.view(batch_size, seq_len, self.n_heads, self.d_k).transpose(1, 2)

    def init_keys(self, key: torch.Tensor) -> None:
        """Project the keys and values once and cut them into chunks."""
        _check_seq("key", key)
        self.proj_key = self.make_chunks(self.linear_key(key))
        self.proj_value = self.make_chunks(self.linear_value(key))

    def score_function(self, query: torch.Tensor) -> torch.Tensor:
        """Scaled dot products per head: (N, n_heads, L_q, L_k)."""
        proj_query = self.make_chunks(self.linear_query(query))
        return torch.matmul(proj_query, self.proj_key.transpose(-2, -1)) / math.sqrt(self.d_k)

    def attn(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Scores, mask, softmax and dropout; returns the contexts (N, n_heads, L_q, d_k)."""
        scores = self.score_function(query)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, MASK_FILL)
        alphas = self.dropout(F.softmax(scores, dim=-1))
        self.alphas = alphas.detach()
        return torch.matmul(alphas, self.proj_value)

    def output_function(self, contexts: torch.Tensor) -> torch.Tensor:
        """Map the concatenated heads (N, L_q, d_model) through ``linear_out``."""
        return self.linear_out(contexts)

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.proj_key is None:
            raise RuntimeError("Call init_keys(keys) before computing attention.")
        _check_seq("query", query)
        if mask is not None:
            mask = mask.unsqueeze(1)                    # the same mask for every head
        context = self.attn(query, mask)                # N, n_heads, L_q, d_k
        context = context.transpose(1, 2).contiguous()  # N, L_q, n_heads, d_k
        context = context.view(query.size(0), -1, self.d_model)
        return self.output_function(context)


class LayerNorm(nn.Module):
    """Layer normalization written out: standardize every point over its features.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the mean and the *biased*
    variance taken over the last dimension. It gives the same result as ``nn.LayerNorm``
    (and has the same parameter names), in training and in evaluation alike.
    """

    def __init__(self, d_model: int, eps: float = 1e-5):
        super().__init__()
        self.d_model = _check_int("d_model", d_model)
        self.eps = float(eps)
        self.weight = nn.Parameter(torch.ones(self.d_model))
        self.bias = nn.Parameter(torch.zeros(self.d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.size(-1) != self.d_model:
            raise ValueError(f"the last dimension of x has {x.size(-1)} features, "
                             f"expected d_model={self.d_model}.")
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias


class SubLayerWrapper(nn.Module):
    """Residual connection, dropout and layer norm around one sub-layer.

    norm-first (``norm_first=True``, the default): ``x + dropout(sublayer(norm(x)))``;
    norm-last (the original paper): ``norm(x + dropout(sublayer(x)))``. For self-attention
    (``is_self_attn=True``) the (normalized) input also becomes the sub-layer's keys.
    Extra keyword arguments (e.g. ``mask``) go to the sub-layer.
    """

    def __init__(self, d_model: int, dropout: float, norm_first: bool = True):
        super().__init__()
        self.norm = nn.LayerNorm(_check_int("d_model", d_model))
        self.drop = nn.Dropout(_check_prob("dropout", dropout))
        self.norm_first = bool(norm_first)

    def forward(self, x: torch.Tensor, sublayer: nn.Module, is_self_attn: bool = False,
                **kwargs) -> torch.Tensor:
        inputs = self.norm(x) if self.norm_first else x
        if is_self_attn:
            sublayer.init_keys(inputs)
        out = x + self.drop(sublayer(inputs, **kwargs))
        return out if self.norm_first else self.norm(out)


def _feed_forward(d_model: int, ff_units: int, dropout: float) -> nn.Sequential:
    """The position-wise FFN of a Transformer layer: Linear, ReLU, Dropout, Linear."""
    return nn.Sequential(nn.Linear(d_model, ff_units), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(ff_units, d_model))


class EncoderLayer(nn.Module):
    """Transformer encoder layer: two wrapped sub-layers (self-attention, then the FFN).

    ``forward(query, mask)``: (N, L, d_model) -> (N, L, d_model). With the default
    ``norm_first=True``: ``att = x + drop(MHA(norm(x)))`` and ``out = att + drop(FFN(norm(att)))``.
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, dropout: float = 0.1,
                 norm_first: bool = True):
        super().__init__()
        self.n_heads = _check_int("n_heads", n_heads)
        self.d_model = _check_int("d_model", d_model)
        self.ff_units = _check_int("ff_units", ff_units)
        self.dropout = _check_prob("dropout", dropout)
        self.norm_first = bool(norm_first)
        self.self_attn_heads = MultiHeadedAttention(self.n_heads, self.d_model, self.dropout)
        self.ffn = _feed_forward(self.d_model, self.ff_units, self.dropout)
        self.sublayers = nn.ModuleList([SubLayerWrapper(self.d_model, self.dropout, norm_first)
                                        for _ in range(2)])

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        att = self.sublayers[0](query, sublayer=self.self_attn_heads, is_self_attn=True,
                                mask=mask)
        return self.sublayers[1](att, sublayer=self.ffn)


class DecoderLayer(nn.Module):
    """Transformer decoder layer: masked self-attention, cross-attention and FFN, each wrapped.

    Call :meth:`init_keys` with the encoder's (final) states first. ``forward(query,
    source_mask, target_mask)``: (N, L_t, d_model) -> (N, L_t, d_model).
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, dropout: float = 0.1,
                 norm_first: bool = True):
        super().__init__()
        self.n_heads = _check_int("n_heads", n_heads)
        self.d_model = _check_int("d_model", d_model)
        self.ff_units = _check_int("ff_units", ff_units)
        self.dropout = _check_prob("dropout", dropout)
        self.norm_first = bool(norm_first)
        self.self_attn_heads = MultiHeadedAttention(self.n_heads, self.d_model, self.dropout)
        self.cross_attn_heads = MultiHeadedAttention(self.n_heads, self.d_model, self.dropout)
        self.ffn = _feed_forward(self.d_model, self.ff_units, self.dropout)
        self.sublayers = nn.ModuleList([SubLayerWrapper(self.d_model, self.dropout, norm_first)
                                        for _ in range(3)])

    def init_keys(self, states: torch.Tensor) -> None:
        """The encoder's states become the keys and values of the cross-attention."""
        self.cross_attn_heads.init_keys(states)

    def forward(self, query: torch.Tensor, source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        att1 = self.sublayers[0](query, sublayer=self.self_attn_heads, is_self_attn=True,
                                 mask=target_mask)
        att2 = self.sublayers[1](att1, sublayer=self.cross_attn_heads, mask=source_mask)
        return self.sublayers[2](att2, sublayer=self.ffn)


class EncoderTransf(nn.Module):
    """A stack of encoder layers: positional encoding, ``n_layers`` deep copies, a final norm."""

    def __init__(self, encoder_layer: EncoderLayer, n_layers: int = 1, max_len: int = 100):
        super().__init__()
        self.d_model = encoder_layer.d_model
        self.n_layers = _check_int("n_layers", n_layers)
        self.pe = PositionalEncoding(max_len, self.d_model)
        self.norm = nn.LayerNorm(self.d_model)
        self.layers = nn.ModuleList([copy.deepcopy(encoder_layer)
                                     for _ in range(self.n_layers)])

    def forward(self, query: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.pe(query)
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class DecoderTransf(nn.Module):
    """A stack of decoder layers: positional encoding, ``n_layers`` deep copies, a final norm.

    :meth:`init_keys` hands the encoder's states to the cross-attention of **every** layer.
    """

    def __init__(self, decoder_layer: DecoderLayer, n_layers: int = 1, max_len: int = 100):
        super().__init__()
        self.d_model = decoder_layer.d_model
        self.n_layers = _check_int("n_layers", n_layers)
        self.pe = PositionalEncoding(max_len, self.d_model)
        self.norm = nn.LayerNorm(self.d_model)
        self.layers = nn.ModuleList([copy.deepcopy(decoder_layer)
                                     for _ in range(self.n_layers)])

    def init_keys(self, states: torch.Tensor) -> None:
        """Every decoder layer attends to the same (final) encoder states."""
        for layer in self.layers:
            layer.init_keys(states)

    def forward(self, query: torch.Tensor, source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.pe(query)
        for layer in self.layers:
            x = layer(x, source_mask, target_mask)
        return self.norm(x)


class EncoderDecoderTransf(EncoderDecoderSelfAttn):
    """Our Transformer: project the points to d_model, encode/decode, map back to features.

    ``proj`` (F -> d_model) is applied to the source and to the shifted target, ``linear``
    (d_model -> F) to the decoder's output. Training (shifted target + subsequent mask) and
    greedy prediction are inherited from :class:`EncoderDecoderSelfAttn`.
    """

    def __init__(self, encoder: EncoderTransf, decoder: DecoderTransf, input_len: int,
                 target_len: int, n_features: int):
        super().__init__(encoder, decoder, input_len, target_len)
        if encoder.d_model != decoder.d_model:
            raise ValueError(f"encoder and decoder must share d_model, got {encoder.d_model} "
                             f"and {decoder.d_model}.")
        self.n_features = _check_int("n_features", n_features)
        self.proj = nn.Linear(self.n_features, encoder.d_model)
        self.linear = nn.Linear(encoder.d_model, self.n_features)

    def encode(self, source_seq: torch.Tensor, source_mask: torch.Tensor | None = None) -> None:
        encoder_states = self.encoder(self.proj(source_seq), source_mask)
        self.decoder.init_keys(encoder_states)

    def decode(self, shifted_target_seq: torch.Tensor, source_mask: torch.Tensor | None = None,
               target_mask: torch.Tensor | None = None) -> torch.Tensor:
        outputs = self.decoder(self.proj(shifted_target_seq), source_mask=source_mask,
                               target_mask=target_mask)
        return self.linear(outputs)


def xavier_init(model: nn.Module) -> nn.Module:
    """Glorot/Xavier-uniform initialise every parameter with more than one dimension, in place."""
    for p in model.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    return model


# --------------------------------------------------------------------------------------------
# chapter 10: PyTorch's nn.Transformer
# --------------------------------------------------------------------------------------------
def to_torch_padding_mask(mask: torch.Tensor | None) -> torch.Tensor | None:
    """Our source mask (N, 1, L), True = visible -> PyTorch's padding mask (N, L), True = pad."""
    if mask is None:
        return None
    if mask.dim() == 3:
        mask = mask.squeeze(1)
    return ~mask.bool()


def to_torch_attn_mask(mask: torch.Tensor | None) -> torch.Tensor | None:
    """Our (1, L, L) or (L, L) attention mask, True = visible -> PyTorch's (L, L), True = hidden."""
    if mask is None:
        return None
    if mask.dim() == 3:
        mask = mask[0]
    return ~mask.bool()


class TransformerModel(nn.Module):
    """Wraps ``nn.Transformer`` (which has no projection, positional encoding or output layer).

    ``preprocess`` = LayerNorm(PE(proj(seq))); ``encode_decode`` runs the transformer (it
    handles ``batch_first`` either way) and maps back to features; ``predict`` is greedy
    decoding, ``forward(X, source_mask=None)`` trains on the shifted target. Masks use our
    convention (True = visible) and are translated for PyTorch.
    """

    def __init__(self, transformer: nn.Transformer, input_len: int, target_len: int,
                 n_features: int):
        super().__init__()
        if not isinstance(transformer, nn.Transformer):
            raise TypeError(f"transformer must be an nn.Transformer, got "
                            f"{type(transformer).__name__}.")
        self.transf = transformer
        self.input_len = _check_int("input_len", input_len)
        self.target_len = _check_int("target_len", target_len)
        self.n_features = _check_int("n_features", n_features)
        d_model = self.transf.d_model
        self.batch_first = bool(getattr(self.transf, "batch_first", False))
        # a float mask: 0 where we may look, -inf above the diagonal
        self.register_buffer("trg_masks",
                             self.transf.generate_square_subsequent_mask(self.target_len),
                             persistent=False)
        self.proj = nn.Linear(self.n_features, d_model)
        self.linear = nn.Linear(d_model, self.n_features)
        self.pe = PositionalEncoding(max(self.input_len, self.target_len), d_model)
        self.norm = nn.LayerNorm(d_model)

    def preprocess(self, seq: torch.Tensor) -> torch.Tensor:
        """Project, add positional encoding and normalize: (N, L, F) -> (N, L, d_model)."""
        return self.norm(self.pe(self.proj(seq)))

    def encode_decode(self, source: torch.Tensor, target: torch.Tensor,
                      source_mask: torch.Tensor | None = None,
                      target_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Run ``nn.Transformer`` on batch-first inputs and return (N, L_t, F)."""
        src, tgt = self.preprocess(source), self.preprocess(target)
        if not self.batch_first:
            src, tgt = src.permute(1, 0, 2), tgt.permute(1, 0, 2)
        padding = to_torch_padding_mask(source_mask)
        if padding is not None and target_mask is not None and target_mask.is_floating_point():
            # PyTorch wants both masks of the same kind: turn the padding mask into a float one
            padding = torch.zeros(padding.shape, device=padding.device).masked_fill(
                padding, float("-inf"))
        out = self.transf(src, tgt, src_key_padding_mask=padding,
                          memory_key_padding_mask=padding, tgt_mask=target_mask)
        if not self.batch_first:
            out = out.permute(1, 0, 2)
        return self.linear(out)

    def predict(self, source_seq: torch.Tensor,
                source_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Greedy decoding with a growing (i+1) x (i+1) target mask."""
        inputs = source_seq[:, -1:]
        for i in range(self.target_len):
            out = self.encode_decode(source_seq, inputs, source_mask,
                                     self.trg_masks[:i + 1, :i + 1])
            inputs = torch.cat([inputs, out[:, -1:]], dim=-2).detach()
        return inputs[:, 1:]

    def forward(self, X: torch.Tensor, source_mask: torch.Tensor | None = None) -> torch.Tensor:
        _check_seq("X", X)
        source_seq = X[:, :self.input_len]
        if self.training:
            if X.size(1) < self.input_len + self.target_len:
                raise ValueError("In training mode X must hold the source and the target "
                                 f"({self.input_len + self.target_len} points), got "
                                 f"{X.size(1)}.")
            shifted_target_seq = X[:, self.input_len - 1:-1]
            return self.encode_decode(source_seq, shifted_target_seq, source_mask,
                                      self.trg_masks)
        return self.predict(source_seq, source_mask)


def copy_to_torch_transformer(model: EncoderDecoderTransf, transformer: nn.Transformer) -> None:
    """Copy our Transformer's weights into an ``nn.Transformer`` of the same shape, in place.

    ``transformer`` must have been built with ``norm_first`` matching our layers, the same
    ``d_model``, ``nhead``, ``dim_feedforward`` and numbers of layers. Our layers may keep their
    norms in wrappers (``sublayers[k].norm``) or as explicit ``norm1``, ``norm2``, ...
    PyTorch packs the query, key and value projections of each attention into one
    ``in_proj_weight`` (3 * d_model rows).
    """
    if len(model.encoder.layers) != len(transformer.encoder.layers) or \
            len(model.decoder.layers) != len(transformer.decoder.layers):
        raise ValueError("The two transformers must have the same numbers of layers.")
    ours_first = getattr(model.encoder.layers[0], "norm_first", True)
    if ours_first != transformer.encoder.layers[0].norm_first:
        raise ValueError(f"Our layers have norm_first={ours_first} but the nn.Transformer has "
                         f"norm_first={not ours_first}; build it with norm_first={ours_first}.")

    def norm(layer: nn.Module, k: int) -> nn.LayerNorm:
        # the k-th norm of a layer: in its k-th wrapper, or an explicit norm1, norm2, ...
        if hasattr(layer, "sublayers"):
            return layer.sublayers[k].norm
        return getattr(layer, f"norm{k + 1}")

    def copy_attn(ours: MultiHeadedAttention, theirs: nn.MultiheadAttention) -> None:
        theirs.in_proj_weight.copy_(torch.cat([ours.linear_query.weight, ours.linear_key.weight,
                                               ours.linear_value.weight]))
        theirs.in_proj_bias.copy_(torch.cat([ours.linear_query.bias, ours.linear_key.bias,
                                             ours.linear_value.bias]))
        theirs.out_proj.load_state_dict(ours.linear_out.state_dict())

    def copy_ffn(ours: nn.Sequential, layer: nn.Module) -> None:
        layer.linear1.load_state_dict(ours[0].state_dict())
        layer.linear2.load_state_dict(ours[3].state_dict())

    with torch.no_grad():
        for ours, theirs in zip(model.encoder.layers, transformer.encoder.layers):
            copy_attn(ours.self_attn_heads, theirs.self_attn)
            copy_ffn(ours.ffn, theirs)
            theirs.norm1.load_state_dict(norm(ours, 0).state_dict())
            theirs.norm2.load_state_dict(norm(ours, 1).state_dict())
        for ours, theirs in zip(model.decoder.layers, transformer.decoder.layers):
            copy_attn(ours.self_attn_heads, theirs.self_attn)
            copy_attn(ours.cross_attn_heads, theirs.multihead_attn)
            copy_ffn(ours.ffn, theirs)
            for k in range(3):
                getattr(theirs, f"norm{k + 1}").load_state_dict(norm(ours, k).state_dict())
        transformer.encoder.norm.load_state_dict(model.encoder.norm.state_dict())
        transformer.decoder.norm.load_state_dict(model.decoder.norm.state_dict())


# --------------------------------------------------------------------------------------------
# chapter 10: Vision Transformer
# --------------------------------------------------------------------------------------------
def extract_image_patches(x: torch.Tensor, kernel_size: int, stride: int = 1) -> torch.Tensor:
    """Cut images (N, C, H, W) into patches: (N, rows, cols, C * kernel_size**2).

    Like a convolution without weights: each patch is one receptive field. With
    ``stride == kernel_size`` the patches do not overlap.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError("x must be a tensor of images with shape (N, C, H, W).")
    kernel_size = _check_int("kernel_size", kernel_size)
    stride = _check_int("stride", stride)
    if kernel_size > min(x.shape[-2:]):
        raise ValueError(f"kernel_size ({kernel_size}) is larger than the image "
                         f"({x.shape[-2]}x{x.shape[-1]}).")
    patches = x.unfold(2, kernel_size, stride).unfold(3, kernel_size, stride)
    # N, C, rows, cols, k, k -> N, rows, cols, C, k, k
    patches = patches.permute(0, 2, 3, 1, 4, 5).contiguous()
    return patches.view(x.shape[0], patches.shape[1], patches.shape[2], -1)


class PatchEmbed(nn.Module):
    """Patch embedding with a convolution whose kernel and stride equal the patch size.

    ``forward``: (N, C, H, W) -> (N, num_patches, embed_dim), patches in row-major order.
    """

    def __init__(self, img_size: int = 224, patch_size: int = 16, in_channels: int = 3,
                 embed_dim: int = 768):
        super().__init__()
        self.img_size = _check_int("img_size", img_size)
        self.patch_size = _check_int("patch_size", patch_size)
        if self.img_size % self.patch_size != 0:
            raise ValueError(f"img_size ({img_size}) must be a multiple of patch_size "
                             f"({patch_size}), or the last patches would be cut off.")
        self.num_patches = (self.img_size // self.patch_size) ** 2
        self.proj = nn.Conv2d(_check_int("in_channels", in_channels),
                              _check_int("embed_dim", embed_dim),
                              kernel_size=self.patch_size, stride=self.patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[-1] != self.img_size or x.shape[-2] != self.img_size:
            raise ValueError(f"expected images of shape (N, C, {self.img_size}, "
                             f"{self.img_size}), got {tuple(x.shape)}.")
        return self.proj(x).flatten(2).transpose(1, 2)


class ViT(nn.Module):
    """Vision Transformer: patch embeddings, a learned [CLS] token, an encoder, a linear head.

    ``forward(X)``: images (N, C, H, W) -> logits (N, n_outputs), computed from the encoder's
    output at the [CLS] position (the first one).
    """

    def __init__(self, encoder: EncoderTransf, img_size: int, in_channels: int, patch_size: int,
                 n_outputs: int):
        super().__init__()
        self.d_model = encoder.d_model
        self.n_outputs = _check_int("n_outputs", n_outputs)
        self.encoder = encoder
        self.embed = PatchEmbed(img_size, patch_size, in_channels, encoder.d_model)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, encoder.d_model))
        self.mlp = nn.Linear(encoder.d_model, self.n_outputs)

    def preprocess(self, X: torch.Tensor) -> torch.Tensor:
        """Embed the patches and prepend the [CLS] token: (N, 1 + num_patches, d_model)."""
        src = self.embed(X)
        cls_tokens = self.cls_token.expand(X.size(0), -1, -1)
        return torch.cat((cls_tokens, src), dim=1)

    def encode(self, source: torch.Tensor) -> torch.Tensor:
        """Encode the sequence and keep the [CLS] state only: (N, d_model)."""
        states = self.encoder(source)
        return states[:, 0]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.encode(self.preprocess(X)))
