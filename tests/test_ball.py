"""Tests for the ball data set of the Extra chapter."""
import numpy as np
import pytest

from data_generation.ball import load_data


def test_shapes_types_and_book_counts():
    X, y = load_data()
    assert X.shape == (1000, 10) and y.shape == (1000, 1)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, 1.0}
    assert int(y.sum()) == 612  # 612 positives, 388 negatives
    assert X.std() == pytest.approx(1.0, abs=1e-4)
    assert np.all(np.abs(X.mean(axis=0)) < 0.15)


def recipe(n_dims=10, n_points=1000, fraction=0.5, seed=13):
    """The documented recipe, written out again independently (no shuffle)."""
    rng = np.random.RandomState(seed)
    radius = np.sqrt(n_dims)
    pts = rng.normal(size=(n_points, n_dims))
    pts = pts / np.linalg.norm(pts, axis=1, keepdims=True) * radius
    pts = pts * rng.uniform(size=(n_points, 1)) ** (1 / n_dims)
    scale = 1 / pts.std()
    return pts * scale, radius * scale


def test_points_lie_inside_the_rescaled_ball():
    X, _ = load_data(shuffle=False)
    expected, radius = recipe()
    assert np.allclose(X, expected, atol=1e-6)
    assert np.linalg.norm(X, axis=1).max() <= radius + 1e-4
    on_sphere, _ = load_data(only_sphere=True)
    norms = np.linalg.norm(on_sphere, axis=1)
    assert norms.std() < 1e-4  # every point on the sphere has the same norm


def test_the_label_rule_is_the_sum_of_coordinates():
    X, y = load_data(shuffle=False)
    points, radius = recipe()
    expected = (np.abs(points.sum(axis=1)) > 0.5 * radius).astype(np.float32)
    assert np.array_equal(expected, y.ravel())
    # the rule described in words in the original text (inside half the radius = negative)
    # would leave almost no negatives: about 0.5 ** 10 of the points
    inside_half = (np.linalg.norm(points, axis=1) < 0.5 * radius).mean()
    assert inside_half < 0.01 < 1 - y.mean()


def test_seeded_and_shuffled():
    X1, y1 = load_data(seed=5)
    X2, y2 = load_data(seed=5)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    X3, _ = load_data(seed=6)
    assert not np.array_equal(X1, X3)
    Xs, ys = load_data(shuffle=False)
    Xu, yu = load_data()
    assert not np.array_equal(Xs, Xu)
    assert np.allclose(np.sort(Xs.sum(axis=1)), np.sort(Xu.sum(axis=1)))


@pytest.mark.parametrize("kwargs, error", [
    (dict(n_dims=1), ValueError), (dict(n_points=0), ValueError),
    (dict(classif_radius_fraction=1.5), ValueError), (dict(seed=-3), ValueError),
    (dict(only_sphere="no"), TypeError), (dict(n_dims=2.5), TypeError),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        load_data(**kwargs)
