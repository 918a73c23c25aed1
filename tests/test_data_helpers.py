"""Tests for helpers.data (TransformedTensorDataset, index_splitter, make_balanced_sampler)."""
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from helpers.data import TransformedTensorDataset, index_splitter, make_balanced_sampler


def test_dataset_without_transform_behaves_like_tensordataset():
    x, y = torch.randn(7, 1, 3, 3), torch.arange(7)
    ours, theirs = TransformedTensorDataset(x, y), TensorDataset(x, y)
    assert len(ours) == len(theirs) == 7
    for i in range(7):
        assert torch.equal(ours[i][0], theirs[i][0]) and torch.equal(ours[i][1], theirs[i][1])


def test_dataset_transforms_features_only():
    x, y = torch.ones(4, 2), torch.zeros(4)
    ds = TransformedTensorDataset(x, y, transform=lambda t: t * 3)
    feats, label = ds[2]
    assert torch.equal(feats, torch.full((2,), 3.0)) and label == 0


@pytest.mark.parametrize("args, error", [
    ((torch.ones(3), torch.ones(4)), ValueError),
    (([1, 2], torch.ones(2)), TypeError),
    ((torch.ones(2), torch.ones(2), "flip"), TypeError),
])
def test_dataset_bad_arguments(args, error):
    with pytest.raises(error):
        TransformedTensorDataset(*args)


@pytest.mark.parametrize("splits", [[80, 20], [.8, .2], [4, 1]])
def test_index_splitter_equivalent_weights(splits):
    train, val = index_splitter(300, splits)
    assert len(train) == 240 and len(val) == 60
    assert list(train.indices[:3]) == [118, 170, 148]  # torch 2.x stream with seed 13
    assert set(train.indices).isdisjoint(val.indices)
    assert sorted(list(train.indices) + list(val.indices)) == list(range(300))


def test_index_splitter_remainder_goes_to_first_split():
    parts = index_splitter(10, [1, 1, 1])
    assert [len(p) for p in parts] == [4, 3, 3]


@pytest.mark.parametrize("n, splits, error", [
    (0, [1, 1], ValueError), (10.0, [1, 1], TypeError), (10, [-1, 2], ValueError),
    (10, [0, 0], ValueError), (10, ["a", 1], TypeError), (10, 5, TypeError),
])
def test_index_splitter_bad_arguments(n, splits, error):
    with pytest.raises(error):
        index_splitter(n, splits)


def test_balanced_sampler_weights_and_balance():
    y = torch.tensor([0.] * 20 + [1.] * 80).view(-1, 1)
    sampler = make_balanced_sampler(y)
    assert sampler.num_samples == 100 and sampler.replacement
    assert torch.allclose(sampler.weights[:20], torch.full((20,), 1 / 20, dtype=torch.double))
    assert torch.allclose(sampler.weights[20:], torch.full((80,), 1 / 80, dtype=torch.double))
    sampler.generator.manual_seed(0)
    first = list(sampler)
    sampler.generator.manual_seed(0)
    assert list(sampler) == first
    big = make_balanced_sampler(torch.tensor([0] * 100 + [1] * 900))
    big.generator.manual_seed(1)
    drawn = torch.tensor(list(big))
    share_of_zeros = (drawn < 100).float().mean().item()
    assert 0.45 < share_of_zeros < 0.55


def test_balanced_sampler_three_classes_and_loader():
    y = torch.tensor([0, 1, 1, 2, 2, 2])
    sampler = make_balanced_sampler(y)
    assert torch.allclose(sampler.weights.float(), torch.tensor([1, .5, .5, 1/3, 1/3, 1/3]))
    loader = DataLoader(TensorDataset(torch.zeros(6, 1), y), batch_size=2, sampler=sampler)
    assert loader.sampler.generator is sampler.generator


@pytest.mark.parametrize("y, error", [
    ([0, 1], TypeError), (torch.tensor([]), ValueError), (torch.tensor([0.5, 1.0]), ValueError),
])
def test_balanced_sampler_bad_arguments(y, error):
    with pytest.raises(error):
        make_balanced_sampler(y)
