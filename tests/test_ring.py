"""data_generation.ring: the ring of Gaussians and the mode-coverage count."""
import math

import pytest
import torch

from data_generation.ring import mode_coverage, ring_centres, ring_of_gaussians


def test_centres_lie_on_the_circle_at_equal_angles():
    centres = ring_centres(8, radius=2.0)
    assert centres.shape == (8, 2)
    assert torch.allclose(centres.norm(dim=1), torch.full((8,), 2.0), atol=1e-6)
    angles = torch.atan2(centres[:, 1], centres[:, 0]) % (2 * math.pi)
    assert torch.allclose(angles.diff(), torch.full((7,), 2 * math.pi / 8), atol=1e-5)


def test_same_seed_same_points_and_a_generator_streams_fresh_batches():
    assert torch.equal(ring_of_gaussians(100, 3), ring_of_gaussians(100, 3))
    assert not torch.equal(ring_of_gaussians(100, 3), ring_of_gaussians(100, 4))
    stream = torch.Generator().manual_seed(3)
    first, second = ring_of_gaussians(100, stream), ring_of_gaussians(100, stream)
    assert torch.equal(first, ring_of_gaussians(100, 3)) and not torch.equal(first, second)


def test_points_sit_near_a_centre_and_every_mode_is_used():
    points = ring_of_gaussians(4000, 0, std=0.02)
    nearest = torch.cdist(points, ring_centres()).min(dim=1)
    assert nearest.values.max() < 0.15                 # 7 standard deviations
    counts = torch.bincount(nearest.indices, minlength=8)
    assert counts.min() > 400 and counts.max() < 600   # about 500 each


def test_mode_coverage_counts_eight_on_ring_data_and_one_on_a_single_blob():
    centres = ring_centres()
    assert mode_coverage(ring_of_gaussians(2000, 1), centres) == (8, 1.0)
    blob = centres[2] + 0.05 * torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))
    modes, quality = mode_coverage(blob, centres)
    assert modes == 1 and quality > 0.99
    far = torch.zeros(500, 2)                          # the ring's centre: no mode at all
    assert mode_coverage(far, centres) == (0, 0.0)


def test_min_share_ignores_a_few_stray_points():
    centres = ring_centres()
    points = torch.cat([centres[:1].repeat(990, 1), centres[1:2].repeat(10, 1)])
    assert mode_coverage(points, centres, min_share=0.02)[0] == 1
    assert mode_coverage(points, centres, min_share=0.0)[0] == 2


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError):
        ring_of_gaussians(0)
    with pytest.raises(TypeError):
        ring_of_gaussians(10, generator="seed")
    with pytest.raises(ValueError):
        ring_of_gaussians(10, std=-1.0)
    with pytest.raises(ValueError):
        ring_centres(8, radius=0)
    with pytest.raises(ValueError):
        mode_coverage(torch.zeros(10, 3), ring_centres())
