"""Chapter 13's fully connected classifiers for the two-class Fashion-MNIST problem.

* ``make_fc``: flatten a 1x28x28 image, then ``Linear + Tanh`` per hidden size, then a
  ``Linear`` to the class scores and an optional head (``LogSoftmax`` by default, for
  ``NLLLoss``; ``None`` leaves logits for ``CrossEntropyLoss``; any module, e.g. ``Softmax``).
* ``FIRST_NET`` and ``DEEP_NET``: the chapter's two shapes, 784-512-2 (402,946 parameters) and
  784-1024-512-128-2 (1,394,562 parameters).
* ``load_fashion_fc``: one of the two nets with the weights that ``scripts/train_ch13_fashion_fc.py``
  trained for 100 epochs (a safetensors file of float32 tensors), in evaluation mode.

The layers are created first to last, so under one seed the same call always draws the same
initial weights; the chapter's printed numbers depend on that order.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch.nn as nn

from helpers.checks import check_int

__all__ = ["FIRST_NET", "DEEP_NET", "make_fc", "load_fashion_fc"]

#: Hidden sizes of the chapter's first net and of its deeper, wider sibling.
FIRST_NET: tuple[int, ...] = (512,)
DEEP_NET: tuple[int, ...] = (1024, 512, 128)

_DEFAULT = object()   # marks "no head given": a fresh LogSoftmax per model, never a shared one


def make_fc(hidden: Sequence[int] = FIRST_NET, head: nn.Module | None = _DEFAULT,
            n_inputs: int = 784, n_classes: int = 2) -> nn.Sequential:
    """Flatten -> (Linear -> Tanh) per hidden size -> Linear to ``n_classes`` -> ``head``.

    ``head`` defaults to ``nn.LogSoftmax(dim=1)`` (log-probabilities for ``nn.NLLLoss``);
    ``None`` ends at the last linear layer (logits for ``nn.CrossEntropyLoss``).
    """
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of layer sizes such as (512,), got {hidden!r}.")
    sizes = [check_int("n_inputs", n_inputs)]
    sizes += [check_int(f"hidden[{i}]", size) for i, size in enumerate(hidden)]
    n_classes = check_int("n_classes", n_classes, minimum=2)
    if head is _DEFAULT:
        head = nn.LogSoftmax(dim=1)
    elif head is not None and not isinstance(head, nn.Module):
        raise TypeError("head must be an nn.Module (such as nn.Softmax(dim=1)) or None for "
                        f"logits, got {type(head).__name__}.")
    layers: list[nn.Module] = [nn.Flatten()]
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Tanh()]
    layers.append(nn.Linear(sizes[-1], n_classes))
    if head is not None:
        layers.append(head)
    return nn.Sequential(*layers)


def load_fashion_fc(path: str | Path, deep: bool = False) -> nn.Sequential:
    """The first (or, with ``deep=True``, the deep) net with the weights stored at ``path``.

    ``path`` is a safetensors file written by ``scripts/train_ch13_fashion_fc.py``; the model
    ends in ``LogSoftmax`` and comes back in evaluation mode.
    """
    from safetensors.torch import load_file

    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or a Path, got {type(path).__name__}.")
    if not isinstance(deep, bool):
        raise TypeError(f"deep must be True or False, got {deep!r}.")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; run `python scripts/train_ch13_fashion_fc.py` "
                                "to train the two nets and write it.")
    model = make_fc(DEEP_NET if deep else FIRST_NET)
    model.load_state_dict(load_file(str(path)))   # strict: a wrong file fails loudly
    return model.eval()
