"""Fashion-MNIST for torchvision, offline, from Debian's ``dataset-fashion-mnist`` package.

The package installs the four gzipped IDX files of Zalando's Fashion-MNIST (60,000 training and
10,000 test images of 28x28 grey garments, ten classes) under ``/usr/share/datasets/fashion-mnist``.
``torchvision.datasets.FashionMNIST`` reads the *unzipped* files from ``ROOT/FashionMNIST/raw``, so
:func:`prepare_fashion_mnist` unzips them there once, and :func:`fashion_mnist` returns the
torchvision dataset with ``download=False`` (nothing is fetched, ever).

:func:`two_class_subset` keeps two of the ten classes and renumbers them 0 and 1, lazily (images
are still read and transformed one at a time), for binary problems such as chapter 13's
T-shirt/top vs Shirt. :func:`pair_tensors` goes one step further for that chapter and its
training script: both splits of a pair as whole tensors, scaled to [0, 1] and normalized with the
training pixels' mean and standard deviation.
"""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from typing import NamedTuple

import torch
from torch.utils.data import Dataset
from torchvision.datasets import FashionMNIST
from torchvision.transforms.v2 import functional as TF

from helpers.checks import check_bool, check_int
from helpers.files import atomic_path

__all__ = ["DEBIAN_DIR", "FILES", "CLASSES", "prepare_fashion_mnist", "fashion_mnist",
           "TwoClassSubset", "two_class_subset", "PairTensors", "pair_tensors"]

#: Where ``apt-get install dataset-fashion-mnist`` puts the files.
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")


def _as_path(name: str, value) -> Path:
    if not isinstance(value, (str, Path)):
        raise TypeError(f"{name} must be a str or a Path, got {type(value).__name__}.")
    return Path(value)


def prepare_fashion_mnist(root, source=None) -> Path:
    """Unzip the Debian IDX files into ``root/FashionMNIST/raw`` (once); return ``root``.

    ``source`` is the folder holding the ``.gz`` files (default :data:`DEBIAN_DIR`). A missing
    file raises ``FileNotFoundError`` naming the package to install.
    """
    root = _as_path("root", root)
    source = _as_path("source", DEBIAN_DIR if source is None else source)
    raw = root / "FashionMNIST" / "raw"
    for name in FILES:
        target = raw / name
        if target.is_file():
            continue
        packed = source / f"{name}.gz"
        if not packed.is_file():
            raise FileNotFoundError(
                f"Fashion-MNIST file {packed} not found. The book reads Fashion-MNIST offline from "
                "Debian's package: run `sudo apt-get install dataset-fashion-mnist` (or `make "
                "setup`), or pass source= the folder that holds the four .gz IDX files.")
        raw.mkdir(parents=True, exist_ok=True)
        # a crash half-way leaves no truncated file behind, and two processes unzipping at once
        # each write their own temporary file
        with atomic_path(target) as partial, gzip.open(packed, "rb") as src, \
                open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return root


def fashion_mnist(root, train: bool = True, transform=None, target_transform=None,
                  source=None) -> FashionMNIST:
    """The torchvision ``FashionMNIST`` dataset (train or test split), prepared offline."""
    train = check_bool("train", train)
    root = prepare_fashion_mnist(root, source)
    return FashionMNIST(root, train=train, transform=transform,
                        target_transform=target_transform, download=False)


class TwoClassSubset(Dataset):
    """The items of ``dataset`` whose label is ``classes[0]`` or ``classes[1]``, relabelled 0 and 1.

    Items are fetched lazily from ``dataset`` (with its transform); ``indices`` are the positions
    kept, in their original order.
    """

    def __init__(self, dataset, classes: tuple[int, int] = (0, 6)):
        if not hasattr(dataset, "targets"):
            raise TypeError("dataset must have a `targets` attribute holding the labels (as "
                            f"torchvision's FashionMNIST does), got {type(dataset).__name__}.")
        if not isinstance(classes, (tuple, list)) or len(classes) != 2:
            raise TypeError(f"classes must be a pair of labels such as (0, 6), got {classes!r}.")
        first, second = (check_int("classes", c, minimum=0) for c in classes)
        if first == second:
            raise ValueError(f"classes must be two different labels, got {classes!r}.")
        targets = torch.as_tensor(dataset.targets)
        for label in (first, second):
            if not (targets == label).any():
                raise ValueError(f"label {label} does not occur in the dataset; pick two of "
                                 f"{sorted(set(targets.tolist()))}.")
        self.dataset = dataset
        self.classes = (first, second)
        self.indices = torch.nonzero((targets == first) | (targets == second)).flatten().tolist()
        self.targets = (targets[self.indices] == second).long()

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int):
        image, _ = self.dataset[self.indices[index]]
        return image, int(self.targets[index])


def two_class_subset(dataset, classes: tuple[int, int] = (0, 6)) -> TwoClassSubset:
    """Keep two classes of a labelled dataset and renumber them 0 and 1 (see :class:`TwoClassSubset`)."""
    return TwoClassSubset(dataset, classes)


class PairTensors(NamedTuple):
    """A two-class problem as tensors: normalized images (N, 1, 28, 28), labels 0/1, statistics."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    mean: float
    std: float


def pair_tensors(root, classes: tuple[int, int] = (0, 6), source=None) -> PairTensors:
    """Both splits of a pair of classes, scaled to [0, 1] and normalized with the training pixels.

    The test split serves as validation set. The numbers are the ones chapter 13 gets from
    ``v2.ToImage``, ``v2.ToDtype(float32, scale=True)`` and ``v2.Normalize`` image by image: the
    scaling is the same element-wise operation, and the statistics are taken over the pixels in the
    order the chapter stacks them (image index last), so even their last bits agree.
    """
    splits = []
    for train in (True, False):
        subset = two_class_subset(fashion_mnist(root, train=train, source=source), classes)
        images = subset.dataset.data[subset.indices].unsqueeze(1)      # uint8, N x 1 x 28 x 28
        splits.append((TF.to_dtype(images, torch.float32, scale=True), subset.targets))
    (train_x, train_y), (val_x, val_y) = splits
    by_pixel = train_x.permute(1, 2, 3, 0).reshape(1, -1)   # the chapter's 1x28x28xN stack, flat
    mean, std = by_pixel.mean(dim=1).item(), by_pixel.std(dim=1).item()
    return PairTensors(TF.normalize(train_x, [mean], [std]), train_y,
                       TF.normalize(val_x, [mean], [std]), val_y, mean, std)
