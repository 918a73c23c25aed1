"""Tests for the procedural Rock-Paper-Scissors generator (small counts and sizes, so they are fast)."""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from data_generation.rps import (CLASSES, GENERATOR_VERSION, TEST_FOLDER, TRAIN_FOLDER, draw_hand,
                                 ensure_rps, make_rps_folders, rps_is_complete)

SMALL = dict(n_train_per_class=4, n_test_per_class=2, size=64)


def digest(root) -> dict:
    """Map each relative PNG path to the hash of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.png"))}


@pytest.fixture(scope="module")
def small_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("rps_small")
    return ensure_rps(root, n_workers=1, **SMALL)


def test_layout_and_class_balance(small_tree):
    for folder, count in ((TRAIN_FOLDER, 4), (TEST_FOLDER, 2)):
        subfolders = sorted(p.name for p in (small_tree / folder).iterdir())
        assert subfolders == sorted(CLASSES) == ["paper", "rock", "scissors"]
        for pose in CLASSES:
            assert len(list((small_tree / folder / pose).glob("*.png"))) == count


def test_images_are_rgb_of_the_requested_size(small_tree):
    for path in sorted(small_tree.rglob("*.png"))[:6]:
        with Image.open(path) as img:
            assert img.mode == "RGB"
            assert img.size == (64, 64)


def test_background_is_light_and_hand_is_darker():
    pixels = draw_hand("paper", seed=3).astype(float) / 255
    assert pixels.shape == (300, 300, 3)
    corners = np.concatenate([pixels[:10, :10].reshape(-1, 3), pixels[:10, -10:].reshape(-1, 3)])
    assert corners.mean() > 0.8          # a light background (the book's is white)
    assert pixels.mean() < corners.mean()  # something darker was drawn on it
    assert 0.6 < pixels.mean() < 0.95


def test_poses_differ_and_splits_differ():
    paper = draw_hand("paper", seed=7)
    rock = draw_hand("rock", seed=7)
    assert not np.array_equal(paper, rock)
    # a fist covers fewer pixels than an open hand drawn from the same seed
    assert (rock.mean(axis=2) < 200).sum() < (paper.mean(axis=2) < 200).sum()
    assert not np.array_equal(draw_hand("rock", seed=7, split="train"),
                              draw_hand("rock", seed=7, split="test"))


def test_same_seed_same_bytes_and_other_seed_other_bytes(tmp_path, small_tree):
    again = ensure_rps(tmp_path / "again", n_workers=1, **SMALL)
    assert digest(again) == digest(small_tree)
    other = ensure_rps(tmp_path / "other", n_workers=1, seed=7, **SMALL)
    assert digest(other) != digest(small_tree)


def test_worker_processes_do_not_change_the_bytes(tmp_path):
    # 3 * (20 + 2) = 66 images: enough for the process pool to be used
    kwargs = dict(n_train_per_class=20, n_test_per_class=2, size=40)
    one = make_rps_folders(tmp_path / "one", n_workers=1, **kwargs)
    two = make_rps_folders(tmp_path / "two", n_workers=2, **kwargs)
    assert len(digest(one)) == 66
    assert digest(one) == digest(two)


def test_reuse_does_not_rewrite(tmp_path):
    root = ensure_rps(tmp_path, n_workers=1, **SMALL)
    marker = json.loads((root / "rps-generated.json").read_text())
    assert marker["version"] == GENERATOR_VERSION
    assert rps_is_complete(root, **SMALL)
    some_file = next((root / TRAIN_FOLDER / "rock").glob("*.png"))
    before = some_file.stat().st_mtime_ns
    assert ensure_rps(root, n_workers=1, **SMALL) == root
    assert some_file.stat().st_mtime_ns == before


def test_other_settings_or_missing_files_rebuild(tmp_path):
    root = ensure_rps(tmp_path, n_workers=1, **SMALL)
    assert not rps_is_complete(root, n_train_per_class=5, n_test_per_class=2, size=64)
    ensure_rps(root, n_workers=1, n_train_per_class=5, n_test_per_class=2, size=64)
    assert len(list((root / TRAIN_FOLDER / "paper").glob("*.png"))) == 5
    # a deleted file makes the tree incomplete, and the next call repairs it
    next((root / TEST_FOLDER / "scissors").glob("*.png")).unlink()
    assert not rps_is_complete(root, n_train_per_class=5, n_test_per_class=2, size=64)
    ensure_rps(root, n_workers=1, n_train_per_class=5, n_test_per_class=2, size=64)
    assert rps_is_complete(root, n_train_per_class=5, n_test_per_class=2, size=64)


def test_foreign_folders_are_never_deleted(tmp_path):
    (tmp_path / TRAIN_FOLDER / "rock").mkdir(parents=True)
    (tmp_path / TRAIN_FOLDER / "rock" / "mine.png").write_bytes(b"not ours")
    with pytest.raises(ValueError, match="did not write"):
        ensure_rps(tmp_path, n_workers=1, **SMALL)
    assert (tmp_path / TRAIN_FOLDER / "rock" / "mine.png").exists()


def test_environment_variable_points_to_existing_data(tmp_path, monkeypatch, small_tree):
    monkeypatch.setenv("RPS_DATA_DIR", str(small_tree))
    assert ensure_rps() == small_tree
    monkeypatch.setenv("RPS_DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="RPS_DATA_DIR"):
        ensure_rps()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n_train_per_class=0), ValueError, "n_train_per_class"),
    (dict(n_test_per_class=2.5), ValueError, "n_test_per_class"),
    (dict(size=16), ValueError, "size"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed="42"), ValueError, "seed"),
    (dict(n_workers=0), ValueError, "n_workers"),
    (dict(verbose="yes"), TypeError, "verbose"),
])
def test_bad_arguments_raise_clear_errors(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        ensure_rps(tmp_path, **kwargs)


def test_bad_root_and_bad_pose(tmp_path):
    with pytest.raises(TypeError, match="root"):
        ensure_rps(42)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        ensure_rps(a_file)
    with pytest.raises(ValueError, match="pose"):
        draw_hand("lizard")
    with pytest.raises(ValueError, match="split"):
        draw_hand("rock", split="validation")


def test_shots_of_one_set_up_are_alike_but_not_identical():
    person = [1, 0, 1000]
    first = draw_hand("scissors", seed=[1, 0, 2, 0], person_seed=person, view_seed=person + [2, 0])
    again = draw_hand("scissors", seed=[1, 0, 2, 0], person_seed=person, view_seed=person + [2, 0])
    assert np.array_equal(first, again)  # every seed fixed: the same bytes
    shot = draw_hand("scissors", seed=[1, 0, 2, 1], person_seed=person, view_seed=person + [2, 0])
    other_view = draw_hand("scissors", seed=[1, 0, 2, 0], person_seed=person,
                           view_seed=person + [2, 1])
    assert not np.array_equal(first, shot)  # another shot: a small wobble and other noise

    def gap(a, b):
        return np.abs(a.astype(float) - b.astype(float)).mean()

    assert gap(first, shot) < gap(first, other_view)


def test_training_pictures_share_set_ups_and_test_pictures_do_not(tmp_path):
    # 5 people and 4 set-ups per person and gesture: training pictures 0 and 20 come from one
    # set-up, pictures 0 and 5 show the same person in two set-ups
    root = make_rps_folders(tmp_path, n_train_per_class=21, n_test_per_class=1, size=64,
                            n_workers=1)

    def load(i):
        with Image.open(root / TRAIN_FOLDER / "paper" / f"paper-{i:04d}.png") as img:
            return np.asarray(img, dtype=float)

    assert np.abs(load(0) - load(20)).mean() < np.abs(load(0) - load(5)).mean()


def test_noise_is_there_but_mild():
    pixels = draw_hand("rock", seed=11).astype(float) / 255
    corner = pixels[:20, :20]
    assert 0.0 < corner.std() < 0.1  # a noisy, but still nearly plain, background


@pytest.mark.parametrize("kwargs, message", [
    (dict(view_seed=-1), "seed"),
    (dict(view_seed=[]), "view_seed"),
    (dict(view_seed="a"), "seed"),
    (dict(person_seed=[]), "person_seed"),
])
def test_bad_seeds_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_hand("rock", **kwargs)
