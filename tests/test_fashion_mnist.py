"""data_generation/fashion_mnist.py: offline preparation, a clear error without the package, pairs."""
from __future__ import annotations

import gzip

import pytest
import torch

from data_generation import fashion_mnist as fm

def test_missing_package_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(fm, "DEBIAN_DIR", tmp_path / "not-installed")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        fm.prepare_fashion_mnist(tmp_path / "root")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        fm.fashion_mnist(tmp_path / "root")


def test_unpacks_from_any_source_folder(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in fm.FILES:
        with gzip.open(source / f"{name}.gz", "wb") as f:
            f.write(name.encode())
    root = fm.prepare_fashion_mnist(tmp_path / "root", source=source)
    raw = root / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(fm.FILES)
    assert (raw / fm.FILES[0]).read_bytes() == fm.FILES[0].encode()
    # once unpacked, the source is no longer needed
    fm.prepare_fashion_mnist(tmp_path / "root", source=tmp_path / "gone")


def test_bad_arguments(tmp_path):
    with pytest.raises(TypeError):
        fm.prepare_fashion_mnist(3)
    with pytest.raises(TypeError):
        fm.fashion_mnist(tmp_path, train="yes")


class Labelled(torch.utils.data.Dataset):
    def __init__(self, labels):
        self.targets = torch.tensor(labels)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return f"item{i}", int(self.targets[i])


def test_two_class_subset_keeps_and_renumbers():
    data = Labelled([0, 6, 3, 6, 0, 9, 0])
    pair = fm.two_class_subset(data, (0, 6))
    assert len(pair) == 5 and pair.indices == [0, 1, 3, 4, 6]
    assert [pair[i] for i in range(len(pair))] == [("item0", 0), ("item1", 1), ("item3", 1),
                                                   ("item4", 0), ("item6", 0)]
    assert pair.targets.tolist() == [0, 1, 1, 0, 0]
    swapped = fm.two_class_subset(data, (6, 0))
    assert swapped.targets.tolist() == [1, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="does not occur"):
        fm.two_class_subset(data, (0, 5))
    with pytest.raises(ValueError, match="two different"):
        fm.two_class_subset(data, (6, 6))
    with pytest.raises(TypeError):
        fm.two_class_subset(data, 0)
    with pytest.raises(TypeError, match="targets"):
        fm.two_class_subset([1, 2, 3])


def test_real_files_load_through_torchvision(tmp_path):
    # the Debian package is a system dependency of the book (make setup installs it)
    train = fm.fashion_mnist(tmp_path)
    test = fm.fashion_mnist(tmp_path, train=False)
    assert len(train) == 60_000 and len(test) == 10_000
    assert train.classes == list(fm.CLASSES)
    image, label = train[99]
    assert image.size == (28, 28) and label == 8
    pair = fm.two_class_subset(test, (0, 6))
    assert len(pair) == 2_000 and pair.targets.bincount().tolist() == [1_000, 1_000]


def test_pair_tensors_match_the_per_image_transforms(tmp_path):
    from torchvision.transforms import v2

    data = fm.pair_tensors(tmp_path)
    assert data.train_x.shape == (12_000, 1, 28, 28) and data.val_x.shape == (2_000, 1, 28, 28)
    assert data.train_y.bincount().tolist() == [6_000, 6_000] and data.val_y.sum() == 1_000
    assert round(data.mean, 4) == 0.3287 and round(data.std, 4) == 0.3451
    assert abs(data.train_x.mean().item()) < 1e-5 and abs(data.train_x.std().item() - 1) < 1e-5
    # the chapter's pipeline, image by image, gives the same bits
    pipeline = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                           v2.Normalize(mean=[data.mean], std=[data.std])])
    raw = fm.fashion_mnist(tmp_path, train=False)
    pair = fm.two_class_subset(raw, (0, 6))
    for i in (0, 1, 1_999):
        assert torch.equal(pipeline(raw[pair.indices[i]][0]), data.val_x[i])
    with pytest.raises(ValueError, match="two different"):
        fm.pair_tensors(tmp_path, (3, 3))
