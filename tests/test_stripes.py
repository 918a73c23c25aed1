"""data_generation.stripes: the striped domain and the unpaired split."""
import pytest
import torch

from data_generation.stripes import make_striped, unpaired_split


def blocks(n=6):
    images = torch.zeros(n, 28, 28, dtype=torch.uint8)
    images[:, 4:24, 6:22] = 200
    return images


def test_deterministic_and_seed_dependent():
    images = blocks()
    assert torch.equal(make_striped(images, seed=1), make_striped(images, seed=1))
    assert not torch.equal(make_striped(images, seed=1), make_striped(images, seed=2))


def test_background_stays_black_and_bands_keep_thirty_percent():
    images = blocks()
    striped = make_striped(images, seed=0)
    assert striped.dtype == torch.uint8 and striped.shape == images.shape
    assert (striped[images == 0] == 0).all()
    inside = striped[:, 4:24, 6:22]
    assert set(inside.unique().tolist()) == {60, 200}  # 0.3 * 200 in the dark bands
    share_dark = (inside == 60).float().mean().item()
    assert 0.35 < share_dark < 0.65                    # half the sine is below zero


def test_stripes_are_near_vertical():
    striped = make_striped(blocks(20), seed=3).float()[:, 4:24, 6:22]
    along_columns = striped.diff(dim=2).abs().mean()   # crossing bands changes the value often
    along_rows = striped.diff(dim=1).abs().mean()
    assert along_columns > 2 * along_rows


def test_float_images_in_unit_range_and_channel_dimension():
    images = blocks().float().div(255).unsqueeze(1)
    striped = make_striped(images, seed=0)
    assert striped.shape == images.shape and striped.dtype == torch.float32
    assert striped.min() >= 0 and striped.max() <= images.max()
    assert torch.allclose(make_striped(images, seed=0).squeeze(1),
                          make_striped(blocks(), seed=0).float().div(255), atol=1 / 255)


def test_unpaired_split_is_disjoint_complete_and_seeded():
    first, second = unpaired_split(11, seed=13)
    assert len(first) == 5 and len(second) == 6
    assert sorted(torch.cat([first, second]).tolist()) == list(range(11))
    assert torch.equal(unpaired_split(11, seed=13)[0], first)
    assert not torch.equal(unpaired_split(11, seed=14)[0], first)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(TypeError):
        make_striped(blocks().numpy())
    with pytest.raises(ValueError):
        make_striped(torch.zeros(2, 3, 28, 28))
    with pytest.raises(TypeError):
        make_striped(torch.zeros(2, 28, 28, dtype=torch.int64))
    with pytest.raises(ValueError):
        make_striped(blocks(), dark=1.5)
    with pytest.raises(ValueError):
        unpaired_split(1)
