"""Recurrent models of chapter 8: cells written by hand, and the classifiers of the squares.

Three groups, read top to bottom next to the chapter:

* **Cells by hand.** ``ManualRNNCell``, ``ManualGRUCell`` and ``ManualLSTMCell`` compute, one
  step at a time, what ``nn.RNNCell``, ``nn.GRUCell`` and ``nn.LSTMCell`` compute. Parameter names
  and initialisation are PyTorch's, so ``manual.load_state_dict(cell.state_dict())`` works and,
  under the same seed, a manual cell starts from the very weights PyTorch's would. Their
  ``intermediates`` method returns every gate and partial sum (the chapter's figures draw them).
  ``run_cell`` loops a cell over a sequence, which is all a one-layer ``nn.RNN`` does, and
  ``linear_layers`` turns one gate's weight slices into a pair of ``nn.Linear`` layers.
* **Taking layers apart.** ``layer_state_dict`` cuts one layer (or the reverse direction) out of a
  stacked or bidirectional layer's weights; ``last_outputs`` finds each sequence's real last
  output in a packed output.
* **Classifiers.** ``SquareModel`` (RNN), ``SquareModelGRU``, ``SquareModelLSTM``,
  ``SquareModelPacked`` (bidirectional LSTM on packed batches) and ``SquareModelOne`` (any layer,
  any input) share one base, ``SequenceClassifier``; ``conv1d_edge_model`` does the same job with
  a one-dimensional convolution.
"""
from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.utils.rnn as rnn_utils

from helpers.checks import check_int

__all__ = ["ManualRNNCell", "ManualGRUCell", "ManualLSTMCell", "run_cell", "linear_layers",
           "layer_state_dict", "last_outputs", "SequenceClassifier", "SquareModel",
           "SquareModelGRU", "SquareModelLSTM", "SquareModelPacked", "SquareModelOne",
           "conv1d_edge_model"]


# --------------------------------------------------------------------------- cells by hand
class _ManualCell(nn.Module):
    """What the three hand-made cells share: PyTorch's parameter names, shapes and initialisation.

    A GRU stacks three (H, .) blocks in each weight and an LSTM four; ``n_chunks`` says how many.
    """

    n_chunks = 1

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = check_int("input_size", input_size)
        self.hidden_size = check_int("hidden_size", hidden_size)
        rows = self.n_chunks * self.hidden_size
        # created in this order because PyTorch's cells draw their numbers in this order
        self.weight_ih = nn.Parameter(torch.empty(rows, self.input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, self.hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's cells do."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def _check_inputs(self, x: torch.Tensor, hx: torch.Tensor | None):
        """Make x (N, F) and hx (N, H) (zeros if None); return them and whether x was 1-D."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a tensor, got {type(x).__name__}.")
        unbatched = x.dim() == 1
        if x.dim() not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"x must have shape (N, {self.input_size}) or ({self.input_size},), "
                             f"got {tuple(x.shape)}. To run a whole sequence, loop over its "
                             "points (see run_cell).")
        x = x.unsqueeze(0) if unbatched else x
        if hx is None:
            hx = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            hx = hx.unsqueeze(0) if hx.dim() == 1 else hx
            if hx.shape != (x.shape[0], self.hidden_size):
                raise ValueError(f"the state must have shape ({x.shape[0]}, {self.hidden_size}), "
                                 f"got {tuple(hx.shape)}.")
        return x, hx, unbatched

    def gate_weights(self) -> list[tuple[torch.Tensor, ...]]:
        """One ``(W_ih, b_ih, W_hh, b_hh)`` tuple of slices per gate block, in PyTorch's order."""
        per_block = zip(*(tensor.split(self.hidden_size) for tensor in
                          (self.weight_ih, self.bias_ih, self.weight_hh, self.bias_hh)))
        return list(per_block)

    @staticmethod
    def _pre_activation(block, x: torch.Tensor, h: torch.Tensor):
        """The two affine maps of one block: ``(W_hh h + b_hh, W_ih x + b_ih)``."""
        w_in, b_in, w_rec, b_rec = block
        return h @ w_rec.t() + b_rec, x @ w_in.t() + b_in

    @staticmethod
    def _unbatch(parts: dict, unbatched: bool) -> dict:
        return {key: value.squeeze(0) for key, value in parts.items()} if unbatched else parts

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class ManualRNNCell(_ManualCell):
    """An Elman cell by hand: h' = tanh(t_h + t_x); t_h = W_hh h + b_hh, t_x = W_ih x + b_ih."""

    n_chunks = 1

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}.")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size)

    def intermediates(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> dict:
        """Every step of the update: ``t_h``, ``t_x``, ``adding`` (their sum) and the new ``h``."""
        x, hx, unbatched = self._check_inputs(x, hx)
        t_h, t_x = self._pre_activation(self.gate_weights()[0], x, hx)
        total = t_h + t_x
        squash = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        return self._unbatch({"t_h": t_h, "t_x": t_x, "adding": total, "h": squash(total)},
                             unbatched)

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """The new hidden state, (N, H) (or (H,) for one unbatched point)."""
        return self.intermediates(x, hx)["h"]


class ManualGRUCell(_ManualCell):
    """A GRU cell by hand; its weights stack the reset r, update z and candidate n blocks.

    r and z are sigmoids of their two affine maps added; n = tanh(r * t_hn + t_xn), where r also
    scales the bias inside t_hn; the new state is h' = (1 - z) * n + z * h.
    """

    n_chunks = 3

    def intermediates(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> dict:
        """The gates ``r`` and ``z``, the candidate's pieces ``t_hn``, ``t_xn``, ``n``, and ``h``."""
        x, hx, unbatched = self._check_inputs(x, hx)
        reset_block, update_block, candidate_block = self.gate_weights()
        r = torch.sigmoid(sum(self._pre_activation(reset_block, x, hx)))
        z = torch.sigmoid(sum(self._pre_activation(update_block, x, hx)))
        t_hn, t_xn = self._pre_activation(candidate_block, x, hx)
        n = torch.tanh(r * t_hn + t_xn)
        new_h = (1 - z) * n + z * hx
        return self._unbatch({"r": r, "z": z, "t_hn": t_hn, "t_xn": t_xn, "n": n, "h": new_h},
                             unbatched)

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """The new hidden state, (N, H) (or (H,) for one unbatched point)."""
        return self.intermediates(x, hx)["h"]


class ManualLSTMCell(_ManualCell):
    """An LSTM cell by hand; its weights stack the input i, forget f, candidate g, output o blocks.

    i, f and o are sigmoids, g a tanh, each of its block's two affine maps added; then the cell
    state c' = i * g + f * c and the hidden state h' = o * tanh(c').
    """

    n_chunks = 4

    def _check_state(self, x, hx):
        """Split the (h, c) tuple (or None) and check both parts."""
        if hx is None:
            h = c = None
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            h, c = hx
        else:
            raise TypeError("the LSTM state must be a tuple (h, c) of two tensors, or None.")
        x, h, unbatched = self._check_inputs(x, h)
        _, c, _ = self._check_inputs(x, c)
        return x, h, c, unbatched

    def intermediates(self, x: torch.Tensor, hx=None) -> dict:
        """The gates ``i``, ``f``, ``g``, ``o`` and the new states ``c`` and ``h``."""
        x, h, c, unbatched = self._check_state(x, hx)
        sums = [sum(self._pre_activation(block, x, h)) for block in self.gate_weights()]
        activations = (torch.sigmoid, torch.sigmoid, torch.tanh, torch.sigmoid)
        parts = {name: act(total) for name, act, total in zip("ifgo", activations, sums)}
        parts["c"] = parts["i"] * parts["g"] + parts["f"] * c
        parts["h"] = parts["o"] * torch.tanh(parts["c"])
        return self._unbatch(parts, unbatched)

    def forward(self, x: torch.Tensor, hx=None) -> tuple[torch.Tensor, torch.Tensor]:
        """The new state as a tuple ``(h, c)``, like ``nn.LSTMCell``."""
        parts = self.intermediates(x, hx)
        return parts["h"], parts["c"]


def run_cell(cell: nn.Module, X: torch.Tensor, hx=None):
    """Loop ``cell`` over a batch-first sequence X (N, L, F); return ``(outputs, final_state)``.

    ``outputs`` is (N, L, H): the hidden state after each point. ``final_state`` is what the cell
    returned last (a tuple (h, c) for LSTM cells). This is a one-layer RNN, written as a loop.
    """
    if not isinstance(X, torch.Tensor) or X.dim() != 3:
        raise ValueError(f"X must be a batch-first tensor (N, L, F), got "
                         f"{getattr(X, 'shape', type(X).__name__)}; use X.unsqueeze(0) for a "
                         "single sequence.")
    outputs = []
    for t in range(X.shape[1]):
        hx = cell(X[:, t], hx)
        outputs.append(hx[0] if isinstance(hx, tuple) else hx)
    return torch.stack(outputs, dim=1), hx


def linear_layers(Wx: torch.Tensor, bx: torch.Tensor, Wh: torch.Tensor,
                  bh: torch.Tensor) -> tuple[nn.Linear, nn.Linear]:
    """Wrap one gate's weight slices in ``nn.Linear`` layers; return ``(hidden_layer, input_layer)``.

    ``Wx`` has shape (H, F) and ``Wh`` shape (H, H): the rows of a cell's ``weight_ih`` and
    ``weight_hh`` that belong to one gate.
    """
    for name, tensor, dims in (("Wx", Wx, 2), ("bx", bx, 1), ("Wh", Wh, 2), ("bh", bh, 1)):
        if not isinstance(tensor, torch.Tensor) or tensor.dim() != dims:
            raise ValueError(f"{name} must be a {dims}-D tensor, got "
                             f"{getattr(tensor, 'shape', type(tensor).__name__)}.")
    hidden_dim, n_features = Wx.shape
    if Wh.shape != (hidden_dim, hidden_dim) or bx.shape != (hidden_dim,) \
            or bh.shape != (hidden_dim,):
        raise ValueError(f"shapes do not fit together: Wx {tuple(Wx.shape)}, bx {tuple(bx.shape)}, "
                         f"Wh {tuple(Wh.shape)}, bh {tuple(bh.shape)}; Wh must be (H, H) and both "
                         "biases (H,), where H is the first dimension of Wx.")
    pairs = ((nn.Linear(hidden_dim, hidden_dim), Wh, bh), (nn.Linear(n_features, hidden_dim), Wx, bx))
    with torch.no_grad():
        for layer, weight, bias in pairs:
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
    return pairs[0][0], pairs[1][0]


# --------------------------------------------------------------------------- taking layers apart
def layer_state_dict(state_dict: dict, layer: int = 0, reverse: bool = False) -> dict:
    """Pick the weights of one layer (and direction) of an ``nn.RNN``/``GRU``/``LSTM``.

    The keys come back renamed to ``weight_ih_l0`` etc., so that a one-layer, one-direction
    layer of the same kind accepts them in ``load_state_dict``.
    """
    layer = check_int("layer", layer, minimum=0)
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    picked = {}
    for name, value in state_dict.items():
        base, _, rest = name.partition("_l")
        if "_l" + rest == suffix:
            picked[f"{base}_l0"] = value
    if not picked:
        raise ValueError(f"no weights ending in {suffix!r} in this state dict; its keys are "
                         f"{list(state_dict)}.")
    return picked


def last_outputs(packed_output: rnn_utils.PackedSequence) -> torch.Tensor:
    """Unpack a packed RNN output and return each sequence's real last output, (N, D)."""
    if not isinstance(packed_output, rnn_utils.PackedSequence):
        raise TypeError(f"expected a PackedSequence, got {type(packed_output).__name__}; for a "
                        "padded tensor of full-length sequences simply take output[:, -1].")
    padded, lengths = rnn_utils.pad_packed_sequence(packed_output, batch_first=True)
    # "fancy indexing": row i, time step lengths[i] - 1
    return padded[torch.arange(padded.shape[0]), lengths - 1]


# --------------------------------------------------------------------------- classifiers
class SequenceClassifier(nn.Module):
    """A recurrent layer whose last output per sequence goes through a linear layer (logits).

    ``layer_type`` is ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``; ``layer_options`` go to it. The
    linear layer reads one or two directions' worth of features. Packed input is handled: the
    real last output of each sequence is used. After a forward pass ``final_hidden`` holds the
    layer's final hidden state (always sequence-first) and, for an LSTM, ``final_cell`` its cell
    state. The square models below are this class with the layer fixed.
    """

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int,
                 layer_type: type = nn.RNN, **layer_options):
        super().__init__()
        if not (isinstance(layer_type, type) and issubclass(layer_type, nn.RNNBase)):
            raise TypeError(f"the recurrent layer must be a class such as nn.RNN, nn.GRU or "
                            f"nn.LSTM, got {layer_type!r}.")
        self.n_features = check_int("n_features", n_features)
        self.hidden_dim = check_int("hidden_dim", hidden_dim)
        self.n_outputs = check_int("n_outputs", n_outputs)
        # the layer must draw its random weights before the linear layer: the chapter's seeded
        # results depend on that order
        self.recurrent = layer_type(self.n_features, self.hidden_dim, **layer_options)
        directions = 2 if self.recurrent.bidirectional else 1
        self.classifier = nn.Linear(directions * self.hidden_dim, self.n_outputs)
        self.final_hidden = None
        self.final_cell = None

    def _last_step(self, output) -> torch.Tensor:
        """Each sequence's last output, (N, directions * H)."""
        if isinstance(output, rnn_utils.PackedSequence):
            return last_outputs(output)
        return output[:, -1] if self.recurrent.batch_first else output[-1]

    def forward(self, X) -> torch.Tensor:
        output, state = self.recurrent(X)
        if isinstance(state, tuple):  # an LSTM returns (hidden, cell)
            self.final_hidden, self.final_cell = state
        else:
            self.final_hidden = state
        features = self._last_step(output)
        return self.classifier(features).view(-1, self.n_outputs)


class SquareModel(SequenceClassifier):
    """Chapter 8's first classifier: a batch-first ``nn.RNN`` and a linear layer."""

    layer_type = nn.RNN

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int):
        super().__init__(n_features, hidden_dim, n_outputs, self.layer_type, batch_first=True)


class SquareModelGRU(SquareModel):
    """``SquareModel`` with an ``nn.GRU``."""

    layer_type = nn.GRU


class SquareModelLSTM(SquareModel):
    """``SquareModel`` with an ``nn.LSTM``; ``final_cell`` keeps its cell state."""

    layer_type = nn.LSTM


class SquareModelPacked(SequenceClassifier):
    """A bidirectional LSTM for packed batches of sequences of different lengths.

    The layer is not batch first (a packed sequence carries its own layout); the linear layer
    reads each sequence's real last output, 2H values.
    """

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int):
        super().__init__(n_features, hidden_dim, n_outputs, nn.LSTM, bidirectional=True)

    def forward(self, X: rnn_utils.PackedSequence) -> torch.Tensor:
        if not isinstance(X, rnn_utils.PackedSequence):
            raise TypeError(f"SquareModelPacked expects a PackedSequence, got {type(X).__name__}; "
                            "pack the batch first (see helpers.sequences.pack_collate).")
        return super().forward(X)


class SquareModelOne(SequenceClassifier):
    """The last square model: any recurrent layer, padded or packed input, one or two directions.

    ``rnn_layer`` is ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``; ``**kwargs`` (``num_layers``,
    ``bidirectional``, ...) go to it. The layer is always batch first.
    """

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int,
                 rnn_layer: type = nn.LSTM, **kwargs):
        if "batch_first" in kwargs:
            raise ValueError("SquareModelOne is always batch first; do not pass batch_first.")
        super().__init__(n_features, hidden_dim, n_outputs, rnn_layer, batch_first=True, **kwargs)


def conv1d_edge_model(n_features: int = 2, seq_len: int = 4, kernel_size: int = 2,
                      n_outputs: int = 1) -> nn.Sequential:
    """A one-filter ``Conv1d``, a ReLU, and a linear layer over the filter's outputs.

    The input is sequence-last, (N, F, L). With a filter two corners wide, each of the
    ``seq_len - kernel_size + 1`` windows is one edge of the square, and the filter gives one
    number per edge.
    """
    n_features = check_int("n_features", n_features)
    seq_len = check_int("seq_len", seq_len)
    kernel_size = check_int("kernel_size", kernel_size)
    n_outputs = check_int("n_outputs", n_outputs)
    if kernel_size > seq_len:
        raise ValueError(f"kernel_size ({kernel_size}) cannot be longer than the sequence "
                         f"({seq_len}).")
    n_windows = seq_len - kernel_size + 1
    # the filter is created (and draws its weights) before the linear layer
    edge_filter = nn.Conv1d(n_features, 1, kernel_size=kernel_size)
    stages = OrderedDict([("edge_filter", edge_filter), ("relu", nn.ReLU()),
                          ("flatten", nn.Flatten()),
                          ("classifier", nn.Linear(n_windows, n_outputs))])
    return nn.Sequential(stages)
