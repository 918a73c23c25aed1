"""Recurrent building blocks of chapter 8: hand-made cells, the square classifiers, packing tools.

Everything here is written to be read next to the chapter:

* ``ManualRNNCell``, ``ManualGRUCell`` and ``ManualLSTMCell`` compute, step by step, what
  ``nn.RNNCell``, ``nn.GRUCell`` and ``nn.LSTMCell`` compute. They use the same parameter names and
  the same initialisation, so ``manual.load_state_dict(cell.state_dict())`` works, and under the
  same seed a manual cell starts with the very same weights as PyTorch's. ``intermediates``
  returns every gate and partial sum, which the chapter's figures draw.
* ``run_cell`` loops one cell over a sequence, which is what a one-layer ``nn.RNN`` does.
* ``layer_state_dict`` cuts one layer (or the reverse direction) out of a stacked or
  bidirectional layer's state dict, renamed so that a one-layer RNN accepts it.
* ``SquareModel``, ``SquareModelGRU``, ``SquareModelLSTM``, ``SquareModelPacked`` and
  ``SquareModelOne`` classify squares as clockwise or not; ``conv1d_edge_model`` does it with a
  one-dimensional convolution.
* ``CustomDataset`` and ``pack_collate`` feed variable-length sequences to a DataLoader as packed
  mini-batches; ``last_outputs`` picks each sequence's real last output from a packed output.
"""
from __future__ import annotations

import math
import numbers

import torch
import torch.nn as nn
import torch.nn.utils.rnn as rnn_utils
from torch.utils.data import Dataset

__all__ = ["linear_layers", "ManualRNNCell", "ManualGRUCell", "ManualLSTMCell", "run_cell",
           "layer_state_dict", "SquareModel", "SquareModelGRU", "SquareModelLSTM",
           "SquareModelPacked", "SquareModelOne", "conv1d_edge_model", "CustomDataset",
           "pack_collate", "last_outputs"]


def _check_size(name: str, value) -> int:
    """Return ``value`` as an int, or raise if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} "
                        f"({type(value).__name__}).")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")
    return int(value)


def linear_layers(Wx: torch.Tensor, bx: torch.Tensor, Wh: torch.Tensor,
                  bh: torch.Tensor) -> tuple[nn.Linear, nn.Linear]:
    """Wrap two weight/bias pairs in ``nn.Linear`` layers; return ``(hidden_layer, input_layer)``.

    ``Wx`` has shape (H, F) and ``Wh`` shape (H, H): the slices of a cell's ``weight_ih`` and
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
    hidden = nn.Linear(hidden_dim, hidden_dim)
    inputs = nn.Linear(n_features, hidden_dim)
    with torch.no_grad():
        hidden.weight.copy_(Wh)
        hidden.bias.copy_(bh)
        inputs.weight.copy_(Wx)
        inputs.bias.copy_(bx)
    return hidden, inputs


class _ManualCell(nn.Module):
    """Shared plumbing: parameters named like PyTorch's cells, initialised the same way."""

    n_chunks = 1  # how many (H, .) blocks are stacked in each weight: 1 RNN, 3 GRU, 4 LSTM

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = _check_size("input_size", input_size)
        self.hidden_size = _check_size("hidden_size", hidden_size)
        rows = self.n_chunks * self.hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, self.input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, self.hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)), in the order PyTorch's cells do."""
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

    def _split(self):
        """The four parameters cut into one (weight_ih, bias_ih, weight_hh, bias_hh) per chunk."""
        H = self.hidden_size
        return [(self.weight_ih[k * H:(k + 1) * H], self.bias_ih[k * H:(k + 1) * H],
                 self.weight_hh[k * H:(k + 1) * H], self.bias_hh[k * H:(k + 1) * H])
                for k in range(self.n_chunks)]

    @staticmethod
    def _affine(W: torch.Tensor, b: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``v @ W.T + b`` for a batch of row vectors."""
        return v @ W.t() + b

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
        """Return every step of the update: ``t_h``, ``t_x``, ``adding`` (their sum) and ``h``."""
        x, hx, unbatched = self._check_inputs(x, hx)
        Wx, bx, Wh, bh = self._split()[0]
        parts = {"t_h": self._affine(Wh, bh, hx), "t_x": self._affine(Wx, bx, x)}
        parts["adding"] = parts["t_h"] + parts["t_x"]
        act = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        parts["h"] = act(parts["adding"])
        return {k: v.squeeze(0) for k, v in parts.items()} if unbatched else parts

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """The new hidden state, (N, H) (or (H,) for one unbatched point)."""
        return self.intermediates(x, hx)["h"]


class ManualGRUCell(_ManualCell):
    """A GRU cell by hand; weights stacked in PyTorch's order: reset r, update z, candidate n.

    r = sigma(t_hr + t_xr), z = sigma(t_hz + t_xz), n = tanh(r * t_hn + t_xn),
    h' = (1 - z) * n + z * h. Note that r multiplies t_hn = W_hn h + b_hn, bias included.
    """

    n_chunks = 3

    def intermediates(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> dict:
        """Return ``r``, ``z``, ``t_hn``, ``t_xn``, ``n`` and the new state ``h``."""
        x, hx, unbatched = self._check_inputs(x, hx)
        (Wxr, bxr, Whr, bhr), (Wxz, bxz, Whz, bhz), (Wxn, bxn, Whn, bhn) = self._split()
        parts = {"r": torch.sigmoid(self._affine(Whr, bhr, hx) + self._affine(Wxr, bxr, x)),
                 "z": torch.sigmoid(self._affine(Whz, bhz, hx) + self._affine(Wxz, bxz, x)),
                 "t_hn": self._affine(Whn, bhn, hx), "t_xn": self._affine(Wxn, bxn, x)}
        parts["n"] = torch.tanh(parts["r"] * parts["t_hn"] + parts["t_xn"])
        parts["h"] = (1 - parts["z"]) * parts["n"] + parts["z"] * hx
        return {k: v.squeeze(0) for k, v in parts.items()} if unbatched else parts

    def forward(self, x: torch.Tensor, hx: torch.Tensor | None = None) -> torch.Tensor:
        """The new hidden state, (N, H) (or (H,) for one unbatched point)."""
        return self.intermediates(x, hx)["h"]


class ManualLSTMCell(_ManualCell):
    """An LSTM cell by hand; weights stacked in PyTorch's order: input i, forget f, g, output o.

    i, f, o = sigma(t_h* + t_x*), g = tanh(t_hg + t_xg), c' = i * g + f * c, h' = o * tanh(c').
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
        """Return the gates ``i``, ``f``, ``g``, ``o`` and the new states ``c`` and ``h``."""
        x, h, c, unbatched = self._check_state(x, hx)
        gates = [self._affine(Wh, bh, h) + self._affine(Wx, bx, x)
                 for Wx, bx, Wh, bh in self._split()]
        parts = {"i": torch.sigmoid(gates[0]), "f": torch.sigmoid(gates[1]),
                 "g": torch.tanh(gates[2]), "o": torch.sigmoid(gates[3])}
        parts["c"] = parts["i"] * parts["g"] + parts["f"] * c
        parts["h"] = parts["o"] * torch.tanh(parts["c"])
        return {k: v.squeeze(0) for k, v in parts.items()} if unbatched else parts

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


def layer_state_dict(state_dict: dict, layer: int = 0, reverse: bool = False) -> dict:
    """Pick the weights of one layer (and direction) of an ``nn.RNN``/``GRU``/``LSTM``.

    The keys come back renamed to ``weight_ih_l0`` etc., so that a one-layer, one-direction
    layer of the same kind accepts them in ``load_state_dict``.
    """
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or layer < 0:
        raise ValueError(f"layer must be a non-negative integer, got {layer!r}.")
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


class SquareModel(nn.Module):
    """A one-layer RNN (batch first) whose last output goes through a linear classifier (logits).

    After each forward pass, ``self.hidden`` holds the final hidden state, (1, N, H).
    """

    rnn_class = nn.RNN

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int):
        super().__init__()
        self.n_features = _check_size("n_features", n_features)
        self.hidden_dim = _check_size("hidden_dim", hidden_dim)
        self.n_outputs = _check_size("n_outputs", n_outputs)
        self.hidden = None
        self.basic_rnn = self.rnn_class(self.n_features, self.hidden_dim, batch_first=True)
        self.classifier = nn.Linear(self.hidden_dim, self.n_outputs)

    def _keep_state(self, state) -> None:
        """Remember the final state for the figures."""
        self.hidden = state

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        # X is batch first: (N, L, F); the output is too: (N, L, H)
        batch_first_output, state = self.basic_rnn(X)
        self._keep_state(state)
        # the last output, (N, H), is the representation of each whole sequence
        last_output = batch_first_output[:, -1]
        return self.classifier(last_output).view(-1, self.n_outputs)


class SquareModelGRU(SquareModel):
    """``SquareModel`` with a GRU instead of a simple RNN."""

    rnn_class = nn.GRU


class SquareModelLSTM(SquareModel):
    """``SquareModel`` with an LSTM; ``self.hidden`` and ``self.cell`` hold the final (h, c)."""

    rnn_class = nn.LSTM

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int):
        super().__init__(n_features, hidden_dim, n_outputs)
        self.cell = None

    def _keep_state(self, state) -> None:
        self.hidden, self.cell = state


def last_outputs(packed_output: rnn_utils.PackedSequence) -> torch.Tensor:
    """Unpack a packed RNN output and return each sequence's real last output, (N, D)."""
    if not isinstance(packed_output, rnn_utils.PackedSequence):
        raise TypeError(f"expected a PackedSequence, got {type(packed_output).__name__}; for a "
                        "padded tensor of full-length sequences simply take output[:, -1].")
    padded, lengths = rnn_utils.pad_packed_sequence(packed_output, batch_first=True)
    # "fancy indexing": row i, time step lengths[i] - 1
    return padded[torch.arange(padded.shape[0]), lengths - 1]


class SquareModelPacked(nn.Module):
    """A bidirectional LSTM for packed, variable-length sequences, plus a linear classifier.

    The LSTM is not batch first: a packed sequence carries its own layout. Its output is
    unpacked, and each sequence's real last output (both directions, 2H values) is classified.
    """

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int):
        super().__init__()
        self.n_features = _check_size("n_features", n_features)
        self.hidden_dim = _check_size("hidden_dim", hidden_dim)
        self.n_outputs = _check_size("n_outputs", n_outputs)
        self.hidden = None
        self.cell = None
        self.basic_rnn = nn.LSTM(self.n_features, self.hidden_dim, bidirectional=True)
        self.classifier = nn.Linear(2 * self.hidden_dim, self.n_outputs)

    def forward(self, X: rnn_utils.PackedSequence) -> torch.Tensor:
        if not isinstance(X, rnn_utils.PackedSequence):
            raise TypeError(f"SquareModelPacked expects a PackedSequence, got {type(X).__name__}; "
                            "pack the batch first (see pack_collate).")
        output, (self.hidden, self.cell) = self.basic_rnn(X)
        return self.classifier(last_outputs(output)).view(-1, self.n_outputs)


class SquareModelOne(nn.Module):
    """One classifier for everything: any recurrent layer, padded or packed input, any direction.

    ``rnn_layer`` is ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``; ``**kwargs`` (``num_layers``,
    ``bidirectional``, ...) go to it. The layer is batch first. The classifier reads the real
    last output of each sequence, (bidirectional + 1) * H values.
    """

    def __init__(self, n_features: int, hidden_dim: int, n_outputs: int,
                 rnn_layer: type = nn.LSTM, **kwargs):
        super().__init__()
        if not (isinstance(rnn_layer, type) and issubclass(rnn_layer, nn.RNNBase)):
            raise TypeError(f"rnn_layer must be a recurrent layer class such as nn.RNN, nn.GRU or "
                            f"nn.LSTM, got {rnn_layer!r}.")
        if "batch_first" in kwargs:
            raise ValueError("SquareModelOne is always batch first; do not pass batch_first.")
        self.n_features = _check_size("n_features", n_features)
        self.hidden_dim = _check_size("hidden_dim", hidden_dim)
        self.n_outputs = _check_size("n_outputs", n_outputs)
        self.hidden = None
        self.cell = None
        self.basic_rnn = rnn_layer(self.n_features, self.hidden_dim, batch_first=True, **kwargs)
        n_directions = 2 if self.basic_rnn.bidirectional else 1
        self.classifier = nn.Linear(n_directions * self.hidden_dim, self.n_outputs)

    def forward(self, X) -> torch.Tensor:
        is_packed = isinstance(X, rnn_utils.PackedSequence)
        output, state = self.basic_rnn(X)
        if isinstance(self.basic_rnn, nn.LSTM):
            self.hidden, self.cell = state
        else:
            self.hidden = state
        last_output = last_outputs(output) if is_packed else output[:, -1]
        return self.classifier(last_output).view(-1, self.n_outputs)


def conv1d_edge_model(n_features: int = 2, seq_len: int = 4, kernel_size: int = 2,
                      n_outputs: int = 1) -> nn.Sequential:
    """Conv1d(n_features -> 1 channel) -> ReLU -> Flatten -> Linear: one feature per window.

    The input is sequence-last, (N, F, L). With two corners per window, each of the
    ``seq_len - kernel_size + 1`` outputs describes one edge of the square.
    """
    n_features = _check_size("n_features", n_features)
    seq_len = _check_size("seq_len", seq_len)
    kernel_size = _check_size("kernel_size", kernel_size)
    n_outputs = _check_size("n_outputs", n_outputs)
    if kernel_size > seq_len:
        raise ValueError(f"kernel_size ({kernel_size}) cannot be longer than the sequence "
                         f"({seq_len}).")
    model = nn.Sequential()
    model.add_module("conv1d", nn.Conv1d(n_features, 1, kernel_size=kernel_size))
    model.add_module("relu", nn.ReLU())
    model.add_module("flatten", nn.Flatten())
    model.add_module("output", nn.Linear(seq_len - kernel_size + 1, n_outputs))
    return model


class CustomDataset(Dataset):
    """Sequences of different lengths and their labels: item i is ``(x[i], y[i])``.

    ``x`` is a list of (length, F) arrays or tensors, kept as float tensors; ``y`` becomes a float
    tensor of shape (N, 1).
    """

    def __init__(self, x, y):
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} sequences and "
                             f"{len(y)} labels.")
        if len(x) == 0:
            raise ValueError("the dataset needs at least one sequence.")
        self.x = [torch.as_tensor(s).float() for s in x]
        for i, s in enumerate(self.x):
            if s.dim() != 2 or s.shape[0] == 0:
                raise ValueError(f"sequence {i} must have shape (length >= 1, F), got "
                                 f"{tuple(s.shape)}.")
        self.y = torch.as_tensor(y).float().view(-1, 1)

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    def __len__(self) -> int:
        return len(self.x)


def pack_collate(batch) -> tuple[rnn_utils.PackedSequence, torch.Tensor]:
    """Collate a list of ``(x, y)`` items into ``(packed xs, labels (N, 1))`` for a DataLoader."""
    if len(batch) == 0:
        raise ValueError("pack_collate got an empty batch.")
    xs = [item[0] for item in batch]
    ys = torch.stack([torch.as_tensor(item[1]) for item in batch]).view(-1, 1)
    return rnn_utils.pack_sequence(xs, enforce_sorted=False), ys
