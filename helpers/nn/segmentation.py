"""Chapter 16's models: a convolution and a max-pool written with loops, and three encoder-decoders.

* ``NaiveConv2d`` / ``NaiveMaxPool2d``: slow, readable loops that serve as test oracles for
  ``nn.Conv2d`` and ``nn.MaxPool2d`` (tests/test_segmentation.py compares them).
* ``ConvBlock``, ``DeconvBlock``, ``EncoderBlock``, ``DecoderBlock``: LinkNet's bricks.
* ``LinkNetLite(skip="add")``: an encoder whose every stage hands its map to the matching decoder
  stage, which *adds* it (LinkNet's choice); ``skip="none"`` is the same network without the hand-off.
* ``UNetLite``: double convolutions at every scale and skips that are *concatenated* (U-Net's
  choice), including one at full resolution.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from helpers.checks import ArgumentTypeError, check_int

__all__ = ["NaiveConv2d", "NaiveMaxPool2d", "conv_output_size", "transposed_output_size",
           "ConvBlock", "DeconvBlock", "EncoderBlock", "DecoderBlock", "LinkNetLite", "UNetLite",
           "MODEL_NAMES", "CHECKPOINTS", "build_model", "load_pretrained"]


def conv_output_size(width: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """Side of a convolution's (or pooling's) output: floor((W - F + 2P) / S) + 1."""
    return (width - kernel + 2 * padding) // stride + 1


def transposed_output_size(width: int, kernel: int, padding: int = 0, stride: int = 1,
                           output_padding: int = 0) -> int:
    """Side of a transposed convolution's output: (W - 1) S - 2P + F + output_padding."""
    return (width - 1) * stride - 2 * padding + kernel + output_padding


class NaiveConv2d(nn.Module):
    """A square 2-D convolution (cross-correlation, like PyTorch's) computed window by window."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0):
        super().__init__()
        self.stride = check_int("stride", stride)
        self.padding = check_int("padding", padding, minimum=0)
        self.kernel_size = check_int("kernel_size", kernel_size)
        # start from the same initialisation nn.Conv2d would use, so the two can be compared
        reference = nn.Conv2d(in_channels, out_channels, kernel_size)
        self.weight = nn.Parameter(reference.weight.detach().clone())
        self.bias = nn.Parameter(reference.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size, self.stride
        p = self.padding
        x = F.pad(x, (p, p, p, p))  # left, right, top, bottom
        n, _, height, width = x.shape
        out_h, out_w = conv_output_size(height, k, 0, s), conv_output_size(width, k, 0, s)
        filters = self.weight.flatten(1)  # (out, in * k * k)
        out = x.new_empty(n, filters.shape[0], out_h, out_w)
        for row in range(out_h):
            for col in range(out_w):
                window = x[:, :, row * s:row * s + k, col * s:col * s + k]
                # one matrix product scores the window against every filter at once
                out[:, :, row, col] = window.reshape(n, -1) @ filters.T + self.bias
        return out


class NaiveMaxPool2d(nn.Module):
    """Square max-pooling computed window by window (no padding, floor mode)."""

    def __init__(self, kernel_size: int, stride: int | None = None):
        super().__init__()
        self.kernel_size = check_int("kernel_size", kernel_size)
        self.stride = self.kernel_size if stride is None else check_int("stride", stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size, self.stride
        n, c, height, width = x.shape
        out_h, out_w = conv_output_size(height, k, 0, s), conv_output_size(width, k, 0, s)
        out = x.new_empty(n, c, out_h, out_w)
        for row in range(out_h):
            for col in range(out_w):
                window = x[:, :, row * s:row * s + k, col * s:col * s + k]
                out[:, :, row, col] = window.amax(dim=(-2, -1))
        return out


class ConvBlock(nn.Sequential):
    """Convolution without bias (batch norm follows), batch norm, and a ReLU unless ``relu=False``."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 relu: bool = True):
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                            padding=kernel_size // 2, bias=False),
                  nn.BatchNorm2d(out_channels)]
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)


class DeconvBlock(nn.Module):
    """Transposed convolution, batch norm and ReLU; ``forward`` takes the (H, W) to produce."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 2,
                 padding: int = 1):
        super().__init__()
        self.deconv = nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding,
                                         bias=False)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor, output_size: Sequence[int] | None = None) -> torch.Tensor:
        # a stride-2 layer maps two input sizes to one; output_size says which one to go back to
        return F.relu(self.bn(self.deconv(x, output_size=output_size)))


class EncoderBlock(nn.Module):
    """Two residual units (ResNet-18 style); the first halves the map and changes the width."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.first = nn.Sequential(ConvBlock(in_channels, out_channels, stride=2),
                                   ConvBlock(out_channels, out_channels, relu=False))
        self.shortcut = ConvBlock(in_channels, out_channels, kernel_size=1, stride=2, relu=False)
        self.second = nn.Sequential(ConvBlock(out_channels, out_channels),
                                    ConvBlock(out_channels, out_channels, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.first(x) + self.shortcut(x))
        return F.relu(self.second(x) + x)


class DecoderBlock(nn.Module):
    """Squeeze to a quarter of the width (1x1), double the size (transposed 3x3), widen (1x1)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        narrow = max(in_channels // 4, 1)
        self.squeeze = ConvBlock(in_channels, narrow, kernel_size=1)
        self.up = DeconvBlock(narrow, narrow, kernel_size=3, stride=2, padding=1)
        self.expand = ConvBlock(narrow, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor, output_size: Sequence[int]) -> torch.Tensor:
        return self.expand(self.up(self.squeeze(x), output_size=output_size))


def _check_widths(widths) -> tuple[int, ...]:
    if not isinstance(widths, (tuple, list)) or len(widths) < 2:
        raise ArgumentTypeError(f"widths must be a tuple of at least two channel counts, got "
                                f"{widths!r}; pass something like (16, 32, 64, 128).")
    return tuple(check_int("each width", w) for w in widths)


class LinkNetLite(nn.Module):
    """A small LinkNet: stem (/2), encoder blocks (/2 each), decoder blocks back up, a 1x1 head.

    ``skip="add"`` adds each encoder map to the decoder output of the same size (LinkNet);
    ``skip="none"`` drops those additions and keeps every weight, so the two differ only there.
    """

    def __init__(self, n_classes: int = 4, widths: Sequence[int] = (16, 32, 64, 128),
                 skip: str = "add"):
        super().__init__()
        n_classes = check_int("n_classes", n_classes, minimum=2)
        widths = _check_widths(widths)
        if skip not in ("add", "none"):
            raise ValueError(f"skip must be 'add' or 'none', got {skip!r}.")
        self.skip = skip
        self.stem = ConvBlock(3, widths[0], kernel_size=7, stride=2)
        self.encoders = nn.ModuleList(EncoderBlock(a, b) for a, b in zip(widths, widths[1:]))
        self.decoders = nn.ModuleList(DecoderBlock(b, a) for a, b in zip(widths, widths[1:]))
        self.final_up = DeconvBlock(widths[0], widths[0], kernel_size=3, stride=2, padding=1)
        self.final_conv = ConvBlock(widths[0], widths[0])
        self.head = nn.Conv2d(widths[0], n_classes, kernel_size=1)  # plain logits: no BN, no ReLU

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = [self.stem(x)]
        for encoder in self.encoders:
            maps.append(encoder(maps[-1]))
        y = maps.pop()
        for decoder, skip in zip(reversed(self.decoders), reversed(maps)):
            y = decoder(y, output_size=skip.shape[-2:])
            if self.skip == "add":
                y = y + skip
        y = self.final_up(y, output_size=x.shape[-2:])
        return self.head(self.final_conv(y))


class UNetLite(nn.Module):
    """A small U-Net: double convolutions, max-pooling down, 2x2 up-convolutions, concatenated skips."""

    def __init__(self, n_classes: int = 4, widths: Sequence[int] = (8, 16, 32, 64)):
        super().__init__()
        n_classes = check_int("n_classes", n_classes, minimum=2)
        widths = _check_widths(widths)
        ins = (3,) + widths[:-1]
        self.down = nn.ModuleList(self._double(a, b) for a, b in zip(ins, widths))
        self.ups = nn.ModuleList(nn.ConvTranspose2d(b, a, kernel_size=2, stride=2)
                                 for a, b in zip(widths, widths[1:]))
        # after concatenation a decoder stage sees its own width twice
        self.up_convs = nn.ModuleList(self._double(2 * a, a) for a in widths[:-1])
        self.head = nn.Conv2d(widths[0], n_classes, kernel_size=1)

    @staticmethod
    def _double(in_channels: int, out_channels: int) -> nn.Sequential:
        return nn.Sequential(ConvBlock(in_channels, out_channels),
                             ConvBlock(out_channels, out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for up, conv, skip in zip(reversed(self.ups), reversed(self.up_convs), reversed(skips)):
            x = up(x)
            if x.shape[-2:] != skip.shape[-2:]:
                # an odd size upstream: pooling dropped a row, so match the skip's size
                x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = conv(torch.cat([skip, x], dim=1))
        return self.head(x)


#: The models chapter 16 compares, by the names its checkpoints use.
MODEL_NAMES = ("noskip", "linknet", "unet", "smp_linknet")
#: Where scripts/train_ch16_segmentation.py writes the pretrained weights and training logs.
CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints" / "ch16"


def build_model(name: str, n_classes: int = 4) -> nn.Module:
    """A fresh, randomly initialised model of chapter 16 by name (seed torch first)."""
    if name == "noskip":
        return LinkNetLite(n_classes, skip="none")
    if name == "linknet":
        return LinkNetLite(n_classes, skip="add")
    if name == "unet":
        return UNetLite(n_classes)
    if name == "smp_linknet":
        import segmentation_models_pytorch as smp
        # encoder_weights=None is essential: the default fetches ImageNet weights from the internet
        return smp.Linknet("tu-resnet18", encoder_weights=None, encoder_depth=3, classes=n_classes)
    raise ValueError(f"unknown model {name!r}; choose one of {MODEL_NAMES}.")


def load_pretrained(name: str) -> tuple[nn.Module, dict]:
    """A model trained by scripts/train_ch16_segmentation.py (in eval mode) and its training log."""
    path = CHECKPOINTS / f"{name}.safetensors"
    if name not in MODEL_NAMES or not path.exists():
        raise ValueError(f"no checkpoint for {name!r} in {CHECKPOINTS.name}/; run "
                         f"scripts/train_ch16_segmentation.py {name} first.")
    model = build_model(name)
    model.load_state_dict(load_file(path))
    log = json.loads(path.with_suffix(".json").read_text())
    return model.eval(), log
