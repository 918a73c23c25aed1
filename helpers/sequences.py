"""Feeding sequences of different lengths to a DataLoader (chapter 8).

* ``VariableLengthDataset`` keeps a ragged list of sequences and their labels;
* ``pack_collate`` turns a list of its items into one packed mini-batch and a column of labels.

The recurrent models that read these batches live in ``helpers.nn.recurrent``.
"""
from __future__ import annotations

import torch
import torch.nn.utils.rnn as rnn_utils
from torch.utils.data import Dataset

__all__ = ["VariableLengthDataset", "pack_collate"]


class VariableLengthDataset(Dataset):
    """Sequences that may differ in length, with one label each; item i is ``(sequence, label)``.

    ``sequences`` is a list of (length, F) arrays or tensors, stored as float tensors;
    ``labels`` holds one number per sequence, and each item's label is a float tensor of shape (1,).
    A ``TensorDataset`` cannot hold such data: it needs one tensor with a common length.
    """

    def __init__(self, sequences, labels):
        if len(sequences) != len(labels):
            raise ValueError(f"sequences and labels must have the same length, got "
                             f"{len(sequences)} sequences and {len(labels)} labels.")
        if len(sequences) == 0:
            raise ValueError("the dataset needs at least one sequence.")
        tensors = [torch.as_tensor(seq).float() for seq in sequences]
        for position, seq in enumerate(tensors):
            if seq.dim() != 2 or seq.shape[0] == 0:
                raise ValueError(f"sequence {position} must have shape (length >= 1, F), got "
                                 f"{tuple(seq.shape)}.")
        label_column = torch.as_tensor(labels).float().reshape(len(tensors), 1)
        self.items = list(zip(tensors, label_column))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, position: int):
        return self.items[position]


def pack_collate(batch) -> tuple[rnn_utils.PackedSequence, torch.Tensor]:
    """Collate a list of ``(x, y)`` items into ``(packed xs, labels (N, 1))`` for a DataLoader."""
    if len(batch) == 0:
        raise ValueError("pack_collate got an empty batch.")
    xs = [item[0] for item in batch]
    ys = torch.stack([torch.as_tensor(item[1]) for item in batch]).view(-1, 1)
    return rnn_utils.pack_sequence(xs, enforce_sorted=False), ys
