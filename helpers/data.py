"""Data helpers introduced in chapter 4 and reused from chapter 5 on.

* :class:`TransformedTensorDataset`: a ``TensorDataset`` that applies a transform to the
  features on the fly (the way torchvision's ``ImageFolder`` does);
* :func:`index_splitter`: split ``range(n)`` into random, disjoint index subsets;
* :func:`make_balanced_sampler`: a ``WeightedRandomSampler`` that draws every class equally often.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch.utils.data import Dataset, Subset, WeightedRandomSampler, random_split

from helpers.checks import check_int

__all__ = ["TransformedTensorDataset", "index_splitter", "make_balanced_sampler"]


class TransformedTensorDataset(Dataset):
    """Features ``x`` and labels ``y`` (tensors of the same length) with an optional transform.

    ``dataset[i]`` returns ``(transform(x[i]), y[i])``, or ``(x[i], y[i])`` without a transform,
    so the transform (e.g. data augmentation) runs every time a point is fetched.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, transform: Callable | None = None):
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            raise TypeError(f"x and y must be tensors, got {type(x).__name__} and "
                            f"{type(y).__name__}; convert them with torch.as_tensor first.")
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable (e.g. a Compose) or None, "
                            f"got {type(transform).__name__}.")
        self.x, self.y, self.transform = x, y, transform

    def __getitem__(self, index):
        features, label = self.x[index], self.y[index]
        # the transform runs on every fetch, so random augmentations differ from epoch to epoch
        return (features if self.transform is None else self.transform(features)), label

    def __len__(self) -> int:
        return len(self.x)


def index_splitter(n: int, splits: Sequence[float], seed: int = 13) -> list[Subset]:
    """Split ``range(n)`` at random into ``len(splits)`` disjoint subsets.

    ``splits`` are relative sizes: ``[80, 20]``, ``[.8, .2]`` and ``[4, 1]`` all give an 80/20
    split. Sizes are rounded down and any leftover points go to the first subset. Each returned
    ``Subset`` holds its indices in ``.indices``. ``seed`` seeds torch's global generator first.
    """
    n = check_int("n", n, minimum=1)
    try:
        weights = torch.as_tensor([float(s) for s in splits])
    except (TypeError, ValueError):
        raise TypeError(f"splits must be a sequence of numbers such as [80, 20], "
                        f"got {splits!r}.") from None
    if len(weights) < 1 or bool((weights < 0).any()) or float(weights.sum()) <= 0:
        raise ValueError(f"splits must be non-negative numbers with a positive sum, "
                         f"got {list(splits)!r}.")
    idx = torch.arange(n)
    sizes = (weights / weights.sum() * n).long()
    sizes[0] += n - sizes.sum()
    torch.manual_seed(seed)
    return random_split(idx, sizes.tolist())


def make_balanced_sampler(y: torch.Tensor) -> WeightedRandomSampler:
    """A ``WeightedRandomSampler`` drawing ``len(y)`` points, with replacement, so that each
    class is drawn about equally often (every point weighs 1 / size of its class).

    The sampler has its own ``torch.Generator``; seed it (``sampler.generator.manual_seed(42)``,
    or the trainer's ``set_seed``) to make the draws reproducible.
    """
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be a tensor of labels, got {type(y).__name__}.")
    if y.numel() == 0:
        raise ValueError("y is empty: there is nothing to sample.")
    labels = y.reshape(-1)
    if labels.is_floating_point() and not bool((labels == labels.round()).all()):
        raise ValueError("y must hold class labels (whole numbers such as 0., 1., 2.).")
    classes, counts = labels.unique(return_counts=True)
    class_weights = 1.0 / counts.float()
    sample_weights = class_weights[torch.searchsorted(classes, labels)]
    # its own generator, so that seeding it does not disturb torch's global one
    return WeightedRandomSampler(sample_weights, len(labels), replacement=True,
                                 generator=torch.Generator())
