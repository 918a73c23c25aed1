"""The Transformer's parts (chapter 10), built on :class:`helpers.nn.attention.MultiHeadAttention`.

Batch-first throughout: ``N`` sequences of ``L`` positions with ``d_model`` features; masks use
the rule of :mod:`helpers.nn.attention` (True = visible).

* :class:`PositionalEncoding`: sinusoidal position codes added to inputs scaled by sqrt(d_model);
* :class:`LayerNorm`: layer normalization written out (it matches ``nn.LayerNorm``);
* :class:`EncoderLayer`, :class:`DecoderLayer`: attention and feed-forward sub-layers, each with
  a residual connection, dropout and a layer norm (norm-first by default);
* :class:`EncoderStack`, :class:`DecoderStack`: positional encoding, copies of a layer, a final norm;
* :func:`copy_to_torch_transformer`: our weights into an ``nn.Transformer`` of the same shape;
* :func:`extract_image_patches`, :class:`PatchEmbed`, :class:`ViT`: the Vision Transformer.

The encoder-decoder that trains on sequences of points (projection in, shifted target, greedy
prediction, projection out) is :class:`helpers.nn.seq2seq.EncoderDecoderTransf`.
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn as nn

from helpers.checks import check_fraction, check_int
from helpers.nn.attention import MultiHeadAttention

__all__ = ["PositionalEncoding", "LayerNorm", "feed_forward", "EncoderLayer", "DecoderLayer",
           "EncoderStack", "DecoderStack", "xavier_init", "copy_to_torch_transformer",
           "extract_image_patches", "PatchEmbed", "ViT"]


class PositionalEncoding(nn.Module):
    """Adds a fixed code of each position to a sequence: (N, L, d_model) -> (N, L, d_model).

    Dimensions 2k and 2k+1 hold the sine and the cosine of ``pos * w_k``, where the angular
    speed ``w_k = 10000 ** (-2k / d_model)`` falls from 1 radian per position (k = 0) to
    almost nothing. The codes (1, max_len, d_model) are a buffer: saved with the module and
    moved with it, never trained. The inputs are multiplied by sqrt(d_model) first, so that the
    codes (between -1 and 1) do not drown them.
    """

    def __init__(self, max_len: int, d_model: int):
        super().__init__()
        self.max_len = check_int("max_len", max_len)
        self.d_model = check_int("d_model", d_model)
        pair_start = torch.arange(0, self.d_model, 2).float()            # 0, 2, 4, ...
        speeds = torch.exp(pair_start * (-math.log(10000.0) / self.d_model))
        angles = torch.arange(0, self.max_len).float().unsqueeze(1) * speeds  # max_len, pairs
        codes = torch.zeros(self.max_len, self.d_model)
        codes[:, 0::2] = torch.sin(angles)
        codes[:, 1::2] = torch.cos(angles[:, :self.d_model // 2])
        self.register_buffer("pe", codes.unsqueeze(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
        if x.dim() != 3:
            raise ValueError(f"x must be a batch of sequences (N, L, d_model), got shape "
                             f"{tuple(x.shape)}.")
        if x.size(1) > self.max_len:
            raise ValueError(f"the sequences have {x.size(1)} positions, more than max_len="
                             f"{self.max_len}; build the encoding with a larger max_len.")
        if x.size(2) != self.d_model:
            raise ValueError(f"x has {x.size(2)} features, the encoding has d_model="
                             f"{self.d_model}.")
        return x * math.sqrt(self.d_model) + self.pe[:, :x.size(1)]


class LayerNorm(nn.Module):
    """Layer normalization by hand: each position is standardized over its own features.

    ``(x - mean) / sqrt(biased variance + eps) * weight + bias`` over the last dimension; the
    same numbers and parameter names as ``nn.LayerNorm(d_model)``. (N, ..., d_model) in and out.
    """

    def __init__(self, d_model: int, eps: float = 1e-5):
        super().__init__()
        self.d_model = check_int("d_model", d_model)
        self.eps = float(eps)
        self.weight = nn.Parameter(torch.ones(self.d_model))
        self.bias = nn.Parameter(torch.zeros(self.d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.size(-1) != self.d_model:
            raise ValueError(f"x has {x.size(-1)} features in its last dimension, expected "
                             f"d_model={self.d_model}.")
        centred = x - x.mean(dim=-1, keepdim=True)
        spread = torch.sqrt(x.var(dim=-1, keepdim=True, unbiased=False) + self.eps)
        return centred / spread * self.weight + self.bias


def feed_forward(d_model: int, ff_units: int, dropout: float) -> nn.Sequential:
    """The position-wise network of a layer: d_model -> ff_units (ReLU, dropout) -> d_model."""
    return nn.Sequential(nn.Linear(d_model, ff_units), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(ff_units, d_model))


class _ResidualLayer(nn.Module):
    """What encoder and decoder layers share: their sizes and the residual wrapping."""

    def __init__(self, n_heads: int, d_model: int, ff_units: int, dropout: float,
                 norm_first: bool):
        super().__init__()
        self.n_heads = check_int("n_heads", n_heads)
        self.d_model = check_int("d_model", d_model)
        self.ff_units = check_int("ff_units", ff_units)
        self.dropout = check_fraction("dropout", dropout, inclusive=True)
        self.norm_first = bool(norm_first)

    def residual(self, x: torch.Tensor, sublayer, norm: nn.Module,
                 drop: nn.Module) -> torch.Tensor:
        """norm-first: ``x + drop(sublayer(norm(x)))``; norm-last: ``norm(x + drop(sublayer(x)))``."""
        if self.norm_first:
            return x + drop(sublayer(norm(x)))
        return norm(x + drop(sublayer(x)))


class EncoderLayer(_ResidualLayer):
    """Self-attention, then the feed-forward network; (N, L, d_model) -> (N, L, d_model).

    ``forward(x, mask=None)``; ``mask`` (N, 1, L) hides padded positions. Sub-modules:
    ``self_attn``, ``ffn``, ``norm1``/``norm2`` and ``drop1``/``drop2`` (one per sub-layer).
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, dropout: float = 0.1,
                 norm_first: bool = True):
        super().__init__(n_heads, d_model, ff_units, dropout, norm_first)
        self.self_attn = MultiHeadAttention(self.n_heads, self.d_model, self.dropout)
        self.ffn = feed_forward(self.d_model, self.ff_units, self.dropout)
        self.norm1, self.norm2 = nn.LayerNorm(self.d_model), nn.LayerNorm(self.d_model)
        self.drop1, self.drop2 = nn.Dropout(self.dropout), nn.Dropout(self.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.residual(x, lambda h: self.self_attn(h, h, h, mask), self.norm1, self.drop1)
        return self.residual(x, self.ffn, self.norm2, self.drop2)


class DecoderLayer(_ResidualLayer):
    """Masked self-attention, cross-attention to the encoder's states, then the FFN.

    ``forward(x, memory, source_mask=None, target_mask=None)``: x (N, L_t, d_model), memory
    (the encoder's output) (N, L_s, d_model), source_mask (N, 1, L_s), target_mask
    (1, L_t, L_t) -> (N, L_t, d_model). Sub-modules: ``self_attn``, ``cross_attn``, ``ffn``,
    ``norm1``..``norm3``, ``drop1``..``drop3``.
    """

    def __init__(self, n_heads: int, d_model: int, ff_units: int, dropout: float = 0.1,
                 norm_first: bool = True):
        super().__init__(n_heads, d_model, ff_units, dropout, norm_first)
        self.self_attn = MultiHeadAttention(self.n_heads, self.d_model, self.dropout)
        self.cross_attn = MultiHeadAttention(self.n_heads, self.d_model, self.dropout)
        self.ffn = feed_forward(self.d_model, self.ff_units, self.dropout)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(self.d_model) for _ in range(3))
        self.drop1, self.drop2, self.drop3 = (nn.Dropout(self.dropout) for _ in range(3))

    def forward(self, x: torch.Tensor, memory: torch.Tensor,
                source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.residual(x, lambda h: self.self_attn(h, h, h, target_mask), self.norm1,
                          self.drop1)
        x = self.residual(x, lambda h: self.cross_attn(h, memory, memory, source_mask),
                          self.norm2, self.drop2)
        return self.residual(x, self.ffn, self.norm3, self.drop3)


class _Stack(nn.Module):
    """Positional encoding, ``n_layers`` copies of a layer, and a final LayerNorm.

    The copies start from the given layer's weights and then learn their own. The final norm is
    there because norm-first layers never normalize what they hand on.
    """

    def __init__(self, layer: nn.Module, n_layers: int = 1, max_len: int = 100):
        super().__init__()
        self.d_model = layer.d_model
        self.n_layers = check_int("n_layers", n_layers)
        self.pe = PositionalEncoding(max_len, self.d_model)
        self.layers = nn.ModuleList(copy.deepcopy(layer) for _ in range(self.n_layers))
        self.norm = nn.LayerNorm(self.d_model)


class EncoderStack(_Stack):
    """A stack of :class:`EncoderLayer`: ``forward(x, mask=None)``, (N, L, d_model) in and out."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.pe(x)
        for layer in self.layers:
            x = layer(x, mask)
        return self.norm(x)


class DecoderStack(_Stack):
    """A stack of :class:`DecoderLayer`; every layer attends to the same ``memory``.

    ``forward(x, memory, source_mask=None, target_mask=None)``: (N, L_t, d_model) ->
    (N, L_t, d_model), with ``memory`` (N, L_s, d_model), the encoder's output.
    """

    def forward(self, x: torch.Tensor, memory: torch.Tensor,
                source_mask: torch.Tensor | None = None,
                target_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.pe(x)
        for layer in self.layers:
            x = layer(x, memory, source_mask, target_mask)
        return self.norm(x)


def xavier_init(model: nn.Module) -> nn.Module:
    """Re-draw every weight matrix (parameters of 2+ dimensions) Glorot-uniform; biases stay."""
    for param in model.parameters():
        if param.dim() > 1:
            nn.init.xavier_uniform_(param)
    return model


def copy_to_torch_transformer(encoder: EncoderStack, decoder: DecoderStack,
                              transformer: nn.Transformer) -> nn.Transformer:
    """Load the weights of our two stacks into an ``nn.Transformer`` of the same shape.

    PyTorch keeps the query, key and value projections of an attention in one
    ``in_proj_weight`` (3 * d_model rows, in that order). The positional encodings stay ours:
    ``nn.Transformer`` has none. The norm placement (``norm_first``) must agree. Any layers
    with our sub-module names (``self_attn``, ``cross_attn``, ``ffn``, ``norm1``...) will do.
    """
    if (len(encoder.layers), len(decoder.layers)) != (len(transformer.encoder.layers),
                                                      len(transformer.decoder.layers)):
        raise ValueError("the two models must have the same numbers of encoder and decoder "
                         "layers.")
    # layers without the flag (chapter 10's first, explicit versions) are norm-first
    ours_first = getattr(encoder.layers[0], "norm_first", True)
    if ours_first != transformer.encoder.layers[0].norm_first:
        raise ValueError(f"build the nn.Transformer with norm_first={ours_first}, as our "
                         f"layers.")

    def load_attention(ours: MultiHeadAttention, theirs: nn.MultiheadAttention) -> None:
        parts = (ours.linear_query, ours.linear_key, ours.linear_value)
        theirs.in_proj_weight.copy_(torch.cat([p.weight for p in parts]))
        theirs.in_proj_bias.copy_(torch.cat([p.bias for p in parts]))
        theirs.out_proj.load_state_dict(ours.linear_out.state_dict())

    def load_rest(ours: nn.Module, theirs: nn.Module, n_norms: int) -> None:
        theirs.linear1.load_state_dict(ours.ffn[0].state_dict())
        theirs.linear2.load_state_dict(ours.ffn[3].state_dict())
        for k in range(1, n_norms + 1):
            getattr(theirs, f"norm{k}").load_state_dict(getattr(ours, f"norm{k}").state_dict())

    with torch.no_grad():
        for ours, theirs in zip(encoder.layers, transformer.encoder.layers):
            load_attention(ours.self_attn, theirs.self_attn)
            load_rest(ours, theirs, 2)
        for ours, theirs in zip(decoder.layers, transformer.decoder.layers):
            load_attention(ours.self_attn, theirs.self_attn)
            load_attention(ours.cross_attn, theirs.multihead_attn)
            load_rest(ours, theirs, 3)
        transformer.encoder.norm.load_state_dict(encoder.norm.state_dict())
        transformer.decoder.norm.load_state_dict(decoder.norm.state_dict())
    return transformer


# --------------------------------------------------------------------------------------------
# the Vision Transformer
# --------------------------------------------------------------------------------------------
def extract_image_patches(x: torch.Tensor, kernel_size: int, stride: int = 1) -> torch.Tensor:
    """Images (N, C, H, W) -> patches (N, rows, cols, C * kernel_size ** 2), no weights involved.

    Each patch is what a convolution's kernel would see at one place; with ``stride`` equal to
    ``kernel_size`` the patches tile the image without overlapping.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor of images, got {type(x).__name__}.")
    if x.dim() != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {tuple(x.shape)}.")
    kernel_size = check_int("kernel_size", kernel_size)
    stride = check_int("stride", stride)
    if kernel_size > min(x.shape[-2:]):
        raise ValueError(f"kernel_size={kernel_size} does not fit in a {x.shape[-2]}x"
                         f"{x.shape[-1]} image.")
    windows = x.unfold(2, kernel_size, stride).unfold(3, kernel_size, stride)
    rows, cols = windows.shape[2], windows.shape[3]
    # N, C, rows, cols, k, k -> N, rows, cols, C, k, k: one patch's pixels become contiguous
    return windows.permute(0, 2, 3, 1, 4, 5).reshape(x.shape[0], rows, cols, -1)


class PatchEmbed(nn.Module):
    """Cuts images into square patches and projects each one: (N, C, H, W) -> (N, P, embed_dim).

    A convolution whose kernel and stride are the patch size does both at once; its output grid
    is read row by row, so patch p = row * cols + col.
    """

    def __init__(self, img_size: int = 224, patch_size: int = 16, in_channels: int = 3,
                 embed_dim: int = 768):
        super().__init__()
        self.img_size = check_int("img_size", img_size)
        self.patch_size = check_int("patch_size", patch_size)
        # Labelled duplicate: the same shape as MultiHeadAttention's d_model check (an argument and
        # the divisibility it needs), with its own message.
        if self.img_size % self.patch_size:
            raise ValueError(f"img_size={img_size} is not a multiple of patch_size={patch_size}:"
                             f" the last row and column of patches would be cut off.")
        self.num_patches = (self.img_size // self.patch_size) ** 2
        self.proj = nn.Conv2d(check_int("in_channels", in_channels),
                              check_int("embed_dim", embed_dim),
                              kernel_size=self.patch_size, stride=self.patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or tuple(x.shape[-2:]) != (self.img_size, self.img_size):
            raise ValueError(f"expected images (N, C, {self.img_size}, {self.img_size}), got "
                             f"shape {tuple(x.shape)}.")
        grid = self.proj(x)                          # N, E, rows, cols
        return grid.flatten(2).transpose(1, 2)       # N, rows * cols, E


class ViT(nn.Module):
    """Vision Transformer: patch embeddings behind a learned [CLS] token, an encoder, a head.

    ``forward(X)``: images (N, C, H, W) -> logits (N, n_outputs), read from the encoder's state
    at the [CLS] position (position 0). ``encoder`` is an :class:`EncoderStack` (or anything
    with a ``d_model`` and ``forward(x)``).
    """

    def __init__(self, encoder: nn.Module, img_size: int, in_channels: int, patch_size: int,
                 n_outputs: int):
        super().__init__()
        self.d_model = encoder.d_model
        self.n_outputs = check_int("n_outputs", n_outputs)
        self.encoder = encoder
        self.embed = PatchEmbed(img_size, patch_size, in_channels, self.d_model)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.d_model))
        self.mlp = nn.Linear(self.d_model, self.n_outputs)

    def preprocess(self, X: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, 1 + P, d_model): the [CLS] token, then one embedding per patch."""
        patches = self.embed(X)
        cls = self.cls_token.expand(patches.size(0), -1, -1)
        return torch.cat([cls, patches], dim=1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        states = self.encoder(self.preprocess(X))
        return self.mlp(states[:, 0])
