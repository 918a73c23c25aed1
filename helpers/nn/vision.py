"""Convolutional building blocks and models of Part II, one home each.

* ``CNN2`` (chapter 6): two convolutional blocks, a two-layer classifier and optional dropout;
* ``build_model`` (Extra chapter): a deep stack of equal hidden layers, for studying how
  activations and gradients behave with depth;
* ``BasicConv2d``, ``Inception`` and ``TinyInceptionNet`` (chapter 7): Inception's convolution
  unit, a tiny Inception module, and a small network with a side (auxiliary) head;
* ``Dummy`` and ``DummyResidual`` (chapter 7): can a layer learn the identity?;
* ``ResidualBlock`` (chapter 7): a residual block whose shortcut also works when the stride or the
  number of channels changes.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from helpers.checks import check_int

__all__ = ["CNN2", "build_model", "BasicConv2d", "Inception", "Dummy", "DummyResidual",
           "ResidualBlock", "TinyInceptionNet"]


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


class BasicConv2d(nn.Sequential):
    """Convolution without bias -> BatchNorm2d (eps=0.001) -> ReLU, as in Torchvision's Inception.

    ``conv_kwargs`` go to ``nn.Conv2d`` (kernel_size, padding, stride...). The parts are reachable
    by name: ``block.conv``, ``block.bn`` and ``block.act``.
    """

    def __init__(self, in_channels: int, out_channels: int, **conv_kwargs):
        # the batch norm's shift takes the place of the convolution's bias
        parts = {"conv": nn.Conv2d(in_channels, out_channels, bias=False, **conv_kwargs),
                 "bn": nn.BatchNorm2d(out_channels, eps=0.001),
                 "act": nn.ReLU(inplace=True)}
        super().__init__(OrderedDict(parts))


class Inception(nn.Module):
    """A tiny Inception module (dimension-reduction version) with 2 + 3 + 3 + 2 = 10 channels out.

    Four parallel branches keep the height and width and their outputs are stacked:
    1x1 conv; 1x1 conv -> 5x5 conv; 1x1 conv -> 3x3 conv; 3x3 average pooling -> 1x1 conv.
    """

    def __init__(self, in_channels: int):
        super().__init__()
        in_channels = check_int("in_channels", in_channels)

        def squeeze_to_two():
            # a 1x1 convolution: two weighted sums of the input channels at every pixel
            return nn.Conv2d(in_channels, 2, kernel_size=1)

        # the padding of each wide filter keeps the height and width, so the branches stack;
        # the list is built in order, which fixes the order of the random initial weights
        self.branches = nn.ModuleList([
            squeeze_to_two(),
            nn.Sequential(squeeze_to_two(), nn.Conv2d(2, 3, kernel_size=5, padding=2)),
            nn.Sequential(squeeze_to_two(), nn.Conv2d(2, 3, kernel_size=3, padding=1)),
            nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1), squeeze_to_two()),
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # stack the branches' channels: (N, 2 + 3 + 3 + 2, H, W)
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class Dummy(nn.Module):
    """Linear(1, 1) followed by a ReLU, and nothing else: can it output its own input?"""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.activation = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.linear(x))


class DummyResidual(Dummy):
    """``Dummy`` plus a shortcut: the input is added to the output of the ReLU."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        return self.activation(self.linear(x)) + identity


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    """A 3x3 convolution that keeps the size (stride 1) and has no bias (a batch norm follows)."""
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


class ResidualBlock(nn.Module):
    """conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus the (possibly downsampled) input, then ReLU.

    When the stride is not 1 or the number of channels changes, the shortcut goes through a 1x1
    convolution with the same stride (``downsample``), so both paths have the same shape.
    ``skip=False`` drops the shortcut (to see what it does). ``residual`` is the path with weights.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, skip: bool = True):
        super().__init__()
        in_channels = check_int("in_channels", in_channels)
        out_channels = check_int("out_channels", out_channels)
        stride = check_int("stride", stride)
        if not isinstance(skip, bool):
            raise TypeError(f"skip must be True or False, got {skip!r}.")
        self.skip = skip
        # only the first convolution strides; the second one keeps the size
        self.residual = nn.Sequential(
            _conv3x3(in_channels, out_channels, stride), nn.BatchNorm2d(out_channels), nn.ReLU(),
            _conv3x3(out_channels, out_channels), nn.BatchNorm2d(out_channels))
        shape_changes = stride != 1 or in_channels != out_channels
        # a 1x1 convolution with the same stride reshapes the input so the two can be added
        self.downsample = (nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
                           if shape_changes else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.residual(x)
        if self.skip:
            out = out + (x if self.downsample is None else self.downsample(x))
        return F.relu(out)


class TinyInceptionNet(nn.Module):
    """A small Inception-style classifier with one auxiliary classifier (a side head).

    stem ``BasicConv2d`` (3x3) -> max pool -> :class:`Inception` -> ReLU -> max pool -> [side head]
    -> :class:`Inception` -> ReLU -> global average pool -> ``Linear``. The side head reads the
    feature maps between the two modules: average pool to 2x2 -> ``BasicConv2d`` (1x1) -> ``Linear``.
    In training mode ``forward`` returns ``(main, aux)`` logits, in evaluation mode only the main
    ones, as Torchvision's Inception V3 does, so :func:`inception_loss` handles both.
    """

    def __init__(self, n_classes: int = 3, stem_channels: int = 16):
        super().__init__()
        n_classes = check_int("n_classes", n_classes)
        stem_channels = check_int("stem_channels", stem_channels)
        # created in the order of the forward pass, which fixes the order of the random weights
        self.stem = nn.Sequential(BasicConv2d(3, stem_channels, kernel_size=3, padding=1),
                                  nn.MaxPool2d(2))
        self.block1 = nn.Sequential(Inception(stem_channels), nn.ReLU(), nn.MaxPool2d(2))
        self.side_head = nn.Sequential(nn.AdaptiveAvgPool2d(2), BasicConv2d(10, 8, kernel_size=1),
                                       nn.Flatten(), nn.Linear(8 * 2 * 2, n_classes))
        self.block2 = nn.Sequential(Inception(10), nn.ReLU())
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(10, n_classes))

    def forward(self, x: torch.Tensor):
        middle = self.block1(self.stem(x))
        main = self.head(self.block2(middle))
        if self.training:
            return main, self.side_head(middle)
        return main
