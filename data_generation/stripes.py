"""A second, "restyled" domain for unpaired image translation: the same garments, with stripes.

:func:`make_striped` draws a band pattern over each image: a period between 3 and 5 pixels, a
direction within 30 degrees of vertical and a phase, all drawn per image from a seed. Pixels that
fall in the dark bands keep ``dark`` (0.3) of their intensity. The black background stays black,
so the silhouette, and therefore the class, is unchanged: only the *style* differs.

:func:`unpaired_split` cuts a set of indices into two disjoint halves, so that domain A (plain) and
domain B (striped) are built from different garments and no image has a partner in the other domain.
"""
from __future__ import annotations

import math

import torch

from helpers.checks import check_fraction, check_int, check_seed

__all__ = ["make_striped", "unpaired_split"]


def make_striped(images, seed: int = 0, dark: float = 0.3) -> torch.Tensor:
    """Return striped copies of ``images`` (N, H, W) or (N, 1, H, W), same shape and dtype.

    ``images`` is a uint8 tensor (0-255) or a float tensor in [0, 1]; the same seed gives the same
    stripes. Each image gets its own period (3-5 px), angle (within 30 degrees of vertical) and phase.
    """
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}; "
                        "wrap NumPy arrays with torch.as_tensor.")
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[1] != 1):
        raise ValueError(f"images must have shape (N, H, W) or (N, 1, H, W), got {tuple(images.shape)}.")
    if images.dtype != torch.uint8 and not images.is_floating_point():
        raise TypeError(f"images must be uint8 or floating point, got {images.dtype}.")
    seed = check_seed("seed", seed)
    dark = check_fraction("dark", dark, inclusive=True)
    n, height, width = images.shape[0], images.shape[-2], images.shape[-1]
    generator = torch.Generator().manual_seed(seed)
    period = 3 + 2 * torch.rand(n, generator=generator)
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(30)
    phase = torch.rand(n, generator=generator) * 2 * math.pi
    rows = torch.arange(height, dtype=torch.float32).view(1, height, 1)
    cols = torch.arange(width, dtype=torch.float32).view(1, 1, width)
    # distance across the bands: stripes near vertical vary mostly along the columns
    across = cols * angle.cos().view(n, 1, 1) + rows * angle.sin().view(n, 1, 1)
    wave = torch.sin(2 * math.pi * across / period.view(n, 1, 1) + phase.view(n, 1, 1))
    factor = torch.where(wave < 0, torch.tensor(dark), torch.tensor(1.0))
    if images.ndim == 4:
        factor = factor.unsqueeze(1)
    if images.dtype == torch.uint8:
        return (images.float() * factor).round().to(torch.uint8)
    return images * factor.to(images.dtype)


def unpaired_split(n: int, seed: int = 13) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffle ``range(n)`` with ``seed`` and return its two halves (indices for A and for B)."""
    n = check_int("n", n, minimum=2)
    seed = check_seed("seed", seed)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[: n // 2], order[n // 2:]
