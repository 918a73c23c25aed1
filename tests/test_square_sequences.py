"""Tests for data_generation/square_sequences.py (the squares of chapters 8 to 10)."""
import numpy as np
import pytest

from data_generation.square_sequences import (CORNERS, canonical_sequences, corner_names,
                                              generate_sequences)


def test_first_training_square_is_the_books():
    points, directions = generate_sequences(n=128, seed=13)
    expected = [[1.0349, 0.9661], [0.8055, -0.9169], [-0.8251, -0.9499], [-0.8670, 0.9342]]
    np.testing.assert_allclose(points[0], expected, atol=5e-5)
    assert directions[0] == 1
    assert corner_names(points[0]) == "CDAB"


def test_shapes_dtypes_and_class_counts():
    points, directions = generate_sequences()
    assert points.shape == (128, 4, 2) and points.dtype == np.float64
    assert directions.shape == (128,)
    assert np.bincount(directions).tolist() == [68, 60]
    _, test_directions = generate_sequences(seed=19)
    assert np.bincount(test_directions).tolist() == [53, 75]


def test_slices_used_for_the_ragged_example():
    points, _ = generate_sequences()
    np.testing.assert_allclose(points[1][2:], [[-1.0911, 0.9254], [-1.0771, -1.0414]], atol=5e-5)
    np.testing.assert_allclose(points[2][1:], [[-1.1247, -0.9683], [0.8182, -0.9944],
                                               [1.0081, 0.7680]], atol=5e-5)


def test_variable_length_set():
    points, directions = generate_sequences(variable_len=True)
    assert isinstance(points, list) and len(points) == 128
    lengths = np.array([len(p) for p in points])
    assert np.bincount(lengths, minlength=5)[2:].tolist() == [50, 39, 39]
    assert np.bincount(directions).tolist() == [66, 62]
    np.testing.assert_allclose(points[0], [[1.1264, 1.1571], [0.8738, -1.0075],
                                           [-0.9150, -1.0915], [-1.0867, 1.0773]], atol=5e-5)
    np.testing.assert_allclose(points[1], [[0.9225, -0.8989], [1.0942, 0.9230]], atol=5e-5)


def test_every_sequence_follows_its_direction():
    points, directions = generate_sequences(n=300, seed=3, variable_len=True)
    clockwise_names = "ABCDABCD"
    for seq, direction in zip(points, directions):
        names = corner_names(seq)
        if direction == 1:
            assert names in clockwise_names
        else:
            assert names in clockwise_names[::-1]
        assert len(set(names)) == len(names)


def test_noise_level_and_noise_free_squares():
    points, directions = generate_sequences(n=500, seed=0)
    clean, _ = generate_sequences(n=500, seed=0, noise_std=0.0)
    noise = points - clean
    assert 0.09 < noise.std() < 0.11
    assert np.isin(clean, [-1.0, 1.0]).all()


def test_same_seed_same_data_and_seed_none_continues_global_stream():
    a, da = generate_sequences(seed=7)
    b, db = generate_sequences(seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(da, db)
    c, _ = generate_sequences(seed=8)
    assert not np.allclose(a, c)
    np.random.seed(7)
    d, dd = generate_sequences(seed=None)
    np.testing.assert_array_equal(a, d)
    np.testing.assert_array_equal(da, dd)


def test_seeded_call_leaves_global_stream_alone():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    generate_sequences(seed=5)
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_canonical_sequences():
    points, directions = canonical_sequences()
    assert points.shape == (8, 4, 2)
    assert [corner_names(p) for p in points] == ["ABCD", "ADCB", "BCDA", "BADC",
                                                 "CDAB", "CBAD", "DABC", "DCBA"]
    assert directions.tolist() == [1, 0] * 4
    np.testing.assert_array_equal(points[0], CORNERS)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n": 0}, ValueError, "n must be at least 1"),
    ({"n": 2.5}, TypeError, "n must be an integer"),
    ({"variable_len": "yes"}, TypeError, "variable_len must be True or False"),
    ({"seed": -1}, ValueError, "seed must lie in"),
    ({"seed": 1.5}, TypeError, "seed must be an integer or None"),
    ({"noise_std": -0.1}, ValueError, "noise_std must be zero or positive"),
])
def test_bad_arguments_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        generate_sequences(**kwargs)


def test_corner_names_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"shape \(length, 2\)"):
        corner_names(np.zeros((4, 3)))
