"""Model classes and builders shared by several chapters.

- ``CNN2`` (chapter 6): two convolutional blocks, a two-layer classifier and optional dropout.
- ``build_model`` (Extra chapter): a deep "block" model of equal hidden layers, for studying how
  activations and gradients behave with depth.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["CNN2", "build_model"]


class CNN2(nn.Module):
    """3@28x28 image -> conv(3x3) -> ReLU -> maxpool(2) -> conv(3x3) -> ReLU -> maxpool(2) -> 3 logits.

    ``n_feature`` is the number of filters in both convolutions and ``p`` the dropout probability
    used before each linear layer of the classifier (no dropout layer is applied when p is 0).
    """

    def __init__(self, n_feature: int, p: float = 0.0):
        super().__init__()
        if isinstance(n_feature, bool) or not isinstance(n_feature, int) or n_feature < 1:
            raise ValueError(f"n_feature must be a positive integer, got {n_feature!r}.")
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"p (the dropout probability) must be in [0, 1), got {p!r}.")
        self.n_feature = n_feature
        self.p = float(p)
        self.conv1 = nn.Conv2d(in_channels=3, out_channels=n_feature, kernel_size=3)
        self.conv2 = nn.Conv2d(in_channels=n_feature, out_channels=n_feature, kernel_size=3)
        self.fc1 = nn.Linear(n_feature * 5 * 5, 50)
        self.fc2 = nn.Linear(50, 3)
        self.drop = nn.Dropout(self.p)

    def featurizer(self, x: torch.Tensor) -> torch.Tensor:
        """Two conv blocks, then flatten: (N, 3, 28, 28) -> (N, n_feature * 25)."""
        # 3@28x28 -> n@26x26 -> n@13x13
        x = F.max_pool2d(F.relu(self.conv1(x)), kernel_size=2)
        # n@13x13 -> n@11x11 -> n@5x5
        x = F.max_pool2d(F.relu(self.conv2(x)), kernel_size=2)
        return nn.Flatten()(x)

    def classifier(self, x: torch.Tensor) -> torch.Tensor:
        """[dropout] -> fc1 -> ReLU -> [dropout] -> fc2 (logits)."""
        if self.p > 0:
            x = self.drop(x)
        x = F.relu(self.fc1(x))
        if self.p > 0:
            x = self.drop(x)
        return self.fc2(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.featurizer(x))


def build_model(input_dim: int, n_layers: int, units: int | Sequence[int],
                activation_fn: Callable[[], nn.Module], use_bn: bool = False) -> nn.Sequential:
    """A stack of ``n_layers`` hidden linear layers ``h1..hn``, each followed by an activation
    ``a1..an`` (and, with ``use_bn``, a ``BatchNorm1d`` ``bn1..bnn`` without affine parameters, after
    the activation), and a final linear layer ``o`` with one output (a logit).

    ``units`` is one width for every layer or a list with one width per layer. With batch norm the
    hidden linear layers have no bias (the normalization would cancel it anyway).
    """
    for name, value, low in (("input_dim", input_dim, 1), ("n_layers", n_layers, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if isinstance(units, int) and not isinstance(units, bool):
        units = [units] * n_layers
    units = list(units)
    if len(units) != n_layers or any(not isinstance(u, int) or u < 1 for u in units):
        raise ValueError(f"units must be a positive integer or a list of {n_layers} positive "
                         f"integers, got {units!r}.")
    if not callable(activation_fn):
        raise TypeError("activation_fn must be a layer class or factory, e.g. nn.ReLU (no call).")
    model = nn.Sequential()
    sizes = [input_dim] + units
    for i in range(1, n_layers + 1):
        model.add_module(f"h{i}", nn.Linear(sizes[i - 1], sizes[i], bias=not use_bn))
        model.add_module(f"a{i}", activation_fn())
        if use_bn:
            model.add_module(f"bn{i}", nn.BatchNorm1d(sizes[i], affine=False))
    model.add_module("o", nn.Linear(sizes[-1], 1))
    return model
