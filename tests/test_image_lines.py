"""Tests for data_generation.image_lines (the line images of chapters 4 and 5)."""
import numpy as np
import pytest

from data_generation.image_lines import (all_line_images, distinct_images, draw_line,
                                         generate_dataset, make_lines, n_distinct_images)


def test_chapter4_call_shape_dtype_and_labels():
    images, labels = make_lines(img_size=5, n_images=300, binary=True, seed=13)
    assert images.shape == (300, 1, 5, 5)
    assert images.dtype == np.uint8
    assert set(np.unique(images)) == {0, 255}
    assert np.bincount(labels).tolist() == [104, 196]
    first30 = "0 1 1 1 1 1 1 1 0 0 1 1 1 0 1 0 1 1 0 1 0 1 0 0 1 1 0 0 1 0"
    assert labels[:30].tolist() == [int(v) for v in first30.split()]


def test_image_7_is_the_books_diagonal():
    images, _ = make_lines(img_size=5, n_images=300, binary=True, seed=13)
    expected = np.zeros((5, 5), dtype=np.uint8)
    expected[[0, 1, 2, 3], [1, 2, 3, 4]] = 255
    np.testing.assert_array_equal(images[7, 0], expected)


def test_5x5_has_25_distinct_images_not_28():
    """The book says 28 configurations (18 diagonal + 10 parallel); the generator makes 25."""
    images, _ = make_lines(img_size=5, n_images=300, binary=True, seed=13)
    assert distinct_images(images) == 25
    assert distinct_images(images) != 28
    every, kinds = all_line_images(5)
    assert len(every) == 25 == n_distinct_images(5)
    assert np.bincount(kinds).tolist() == [9, 8, 8]
    # and all 25 possible images appear among the 300 drawn
    drawn = {img.tobytes() for img in images}
    assert drawn == {img.tobytes() for img in every}


def test_chapter5_call_three_classes():
    images, labels = make_lines(img_size=10, n_images=1000, binary=False, seed=17)
    assert images.shape == (1000, 1, 10, 10)
    assert np.bincount(labels).tolist() == [331, 352, 317]
    first30 = "0 0 1 2 0 1 2 1 2 0 1 0 2 1 2 2 2 0 2 0 1 0 0 0 1 2 1 0 2 0"
    assert labels[:30].tolist() == [int(v) for v in first30.split()]
    assert distinct_images(images) == 55 == n_distinct_images(10)
    every, kinds = all_line_images(10)
    assert np.bincount(kinds).tolist() == [19, 18, 18]


def test_each_image_has_a_line_that_matches_its_label():
    images, labels = make_lines(img_size=10, n_images=200, binary=False, seed=3)
    for img, label in zip(images[:, 0] > 0, labels):
        rows, cols = np.nonzero(img)
        if label == 0:
            assert len(set(rows)) == 1 or len(set(cols)) == 1
            assert img.sum() == 10
        elif label == 1:   # "/": row + col constant
            assert len(set(rows + cols)) == 1
        else:              # "\": col - row constant
            assert len(set(cols - rows)) == 1
        if img.sum() == 1:  # the shortest "diagonals" are a single corner pixel
            assert (rows[0], cols[0]) in {(9, 9), (0, 9), (9, 0)}


def test_binary_merges_the_two_diagonals():
    _, three = make_lines(img_size=6, n_images=50, binary=False, seed=1)
    _, two = make_lines(img_size=6, n_images=50, binary=True, seed=1)
    np.testing.assert_array_equal(two, (three > 0).astype(int))


def test_same_seed_same_data_and_alias():
    a, la = make_lines(7, 40, seed=5)
    b, lb = generate_dataset(7, 40, seed=5)
    c, _ = make_lines(7, 40, seed=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert not np.array_equal(a, c)


def test_draw_line_corner_column_moves_to_column_one():
    img = draw_line(0, 2, img_size=4)
    expected = np.zeros((4, 4))
    expected[[0, 1, 2], [1, 2, 3]] = 1
    np.testing.assert_array_equal(img, expected)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(img_size=1), ValueError, "img_size"),
    (dict(img_size=5.0), TypeError, "img_size"),
    (dict(n_images=0), ValueError, "n_images"),
    (dict(binary="yes"), TypeError, "binary"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1.5), TypeError, "seed"),
])
def test_make_lines_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_lines(**kwargs)


@pytest.mark.parametrize("args, error, match", [
    ((5, 0), ValueError, "start"),
    ((-5, 0), ValueError, "start"),
    ((1, 3), ValueError, "target"),
    ((1.0, 1), TypeError, "start"),
])
def test_draw_line_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        draw_line(*args, img_size=5)


def test_distinct_images_needs_a_stack():
    with pytest.raises(ValueError, match="shape"):
        distinct_images(np.zeros((5, 5)))


def test_shortest_diagonals_are_single_corner_pixels():
    every, kinds = all_line_images(5)
    sizes = (every[:, 0] > 0).sum(axis=(1, 2))
    assert sorted(sizes[kinds > 0].tolist())[:3] == [1, 1, 1]
    assert (sizes[kinds == 0] == 5).all()
