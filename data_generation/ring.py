"""A ring of Gaussian blobs in the plane: the toy data on which a GAN's mode collapse shows.

``k`` centres sit evenly on a circle of radius ``radius``; each point picks a centre uniformly and
adds isotropic Gaussian noise of standard deviation ``std``. With the defaults (8 blobs, radius 2,
std 0.02) the blobs are tiny and far apart, so a generator that covers only some of them is easy
to spot and to count with :func:`mode_coverage`.
"""
from __future__ import annotations

import math

import torch

from helpers.checks import check_int, check_non_negative, check_positive, check_seed

__all__ = ["ring_centres", "ring_of_gaussians", "mode_coverage"]


def ring_centres(k: int = 8, radius: float = 2.0) -> torch.Tensor:
    """The ``k`` centres at angles 2*pi*i/k on a circle of ``radius``: a (k, 2) float tensor."""
    k = check_int("k", k)
    radius = check_positive("radius", radius)
    angles = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
    return (radius * torch.stack([angles.cos(), angles.sin()], dim=1)).float()


def _as_generator(generator) -> torch.Generator:
    if isinstance(generator, torch.Generator):
        return generator
    seed = check_seed("generator", generator)
    return torch.Generator().manual_seed(seed)


def ring_of_gaussians(n: int, generator=0, radius: float = 2.0, std: float = 0.02,
                      k: int = 8) -> torch.Tensor:
    """Draw ``n`` points of the ring as an (n, 2) float tensor.

    ``generator`` is a seed (int) or a ``torch.Generator``; pass the same generator to successive
    calls to get fresh, reproducible batches (the stream a training loop needs).
    """
    n = check_int("n", n)
    std = check_non_negative("std", std)
    generator = _as_generator(generator)
    centres = ring_centres(k, radius)
    which = torch.randint(len(centres), (n,), generator=generator)
    noise = torch.randn(n, 2, generator=generator) * std
    return centres[which] + noise


def mode_coverage(samples, centres, radius: float = 0.25,
                  min_share: float = 0.02) -> tuple[int, float]:
    """Count the modes a set of 2-D samples covers, and the share of samples near any mode.

    A sample *lands* on a centre when it lies within ``radius`` of it; a centre is *covered* when
    at least ``min_share`` of all samples (and at least one) land on it. Returns ``(modes covered, quality)``, quality
    being the share of samples that land on some centre.
    """
    samples = torch.as_tensor(samples, dtype=torch.float32)
    centres = torch.as_tensor(centres, dtype=torch.float32)
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"samples must have shape (n, 2) with n > 0, got {tuple(samples.shape)}.")
    if centres.ndim != 2 or centres.shape[1] != 2:
        raise ValueError(f"centres must have shape (k, 2), got {tuple(centres.shape)}.")
    radius = check_positive("radius", radius)
    min_share = check_non_negative("min_share", min_share)
    distances = torch.cdist(samples, centres)            # (n, k)
    nearest, which = distances.min(dim=1)
    landed = nearest <= radius
    counts = torch.bincount(which[landed], minlength=len(centres))
    covered = int(((counts > 0) & (counts >= min_share * len(samples))).sum())
    return covered, float(landed.float().mean())
