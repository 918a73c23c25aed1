"""Tests for helpers/sequences.py: a dataset of sequences of different lengths, packed batches."""
import pytest
import torch
import torch.nn.utils.rnn as rnn_utils
from torch.utils.data import DataLoader

from helpers.sequences import VariableLengthDataset, pack_collate


def _ragged(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 2, generator=g) for n in (4, 2, 3)]


def test_packing_round_trip():
    seqs = _ragged()
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 3, 2, 1]
    assert packed.sorted_indices.tolist() == [0, 2, 1]
    padded, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True)
    assert padded.shape == (3, 4, 2) and lengths.tolist() == [4, 2, 3]
    for seq, row, n in zip(seqs, padded, lengths):
        assert torch.equal(row[:n], seq)
        assert torch.equal(row[n:], torch.zeros_like(row[n:]))
    repacked = rnn_utils.pack_padded_sequence(padded, lengths, batch_first=True,
                                              enforce_sorted=False)
    assert torch.equal(repacked.data, packed.data)
    assert torch.equal(repacked.batch_sizes, packed.batch_sizes)


def test_dataset_and_pack_collate():
    seqs = _ragged()
    dataset = VariableLengthDataset([s.numpy() for s in seqs], [1, 0, 1])
    assert len(dataset) == 3
    x, y = dataset[1]
    assert x.dtype == torch.float32 and x.shape == (2, 2) and y.shape == (1,)
    assert torch.equal(x, seqs[1]) and y.item() == 0.0
    packed, labels = pack_collate([dataset[0], dataset[1]])
    assert packed.batch_sizes.tolist() == [2, 2, 1, 1]
    assert labels.tolist() == [[1.0], [0.0]]
    loader = DataLoader(dataset, batch_size=3, collate_fn=pack_collate)
    packed, labels = next(iter(loader))
    assert isinstance(packed, rnn_utils.PackedSequence) and labels.shape == (3, 1)
    with pytest.raises(ValueError, match="same length"):
        VariableLengthDataset(seqs, [1, 0])
    with pytest.raises(ValueError, match="at least one sequence"):
        VariableLengthDataset([], [])
    with pytest.raises(ValueError, match=r"sequence 1 must have shape \(length >= 1, F\)"):
        VariableLengthDataset([seqs[0], torch.zeros(3)], [1, 0])
    with pytest.raises(ValueError, match="empty batch"):
        pack_collate([])
