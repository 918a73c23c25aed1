"""Tests for data_generation.parabolas (the Bonus chapter's data)."""
import numpy as np
import pytest

from data_generation.parabolas import make_parabolas


def test_shapes_and_balance():
    X, y = make_parabolas()
    assert X.shape == (2000, 2) and y.shape == (2000, 1)
    assert int((y == 0).sum()) == 1000 and int((y == 1).sum()) == 1000


def test_points_lie_on_their_parabola_and_gap_is_exact():
    X, y = make_parabolas(n_points=300, gap=0.5)
    neg, pos = X[y[:, 0] == 0], X[y[:, 0] == 1]
    np.testing.assert_allclose(neg[:, 1], neg[:, 0] ** 2)
    np.testing.assert_allclose(pos[:, 1], pos[:, 0] ** 2 - 0.5)
    neg, pos = neg[np.argsort(neg[:, 0])], pos[np.argsort(pos[:, 0])]
    np.testing.assert_allclose(neg[:, 0], pos[:, 0])
    np.testing.assert_allclose(neg[:, 1] - pos[:, 1], 0.5)
    assert X[:, 0].min() == -1.0 and X[:, 0].max() == 1.0


def test_seed_shuffles_reproducibly():
    X1, y1 = make_parabolas(seed=13)
    X2, y2 = make_parabolas(seed=13)
    X3, _ = make_parabolas(seed=14)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    Xo, yo = make_parabolas(seed=None)
    assert yo[:1000].sum() == 0 and yo[1000:].sum() == 1000
    assert not np.array_equal(Xo, X1)


def test_no_straight_line_separates_the_classes():
    """A logistic regression cannot reach 100%: the classes interleave along x1 at x0=0 vs x0=1."""
    from sklearn.linear_model import LogisticRegression
    X, y = make_parabolas(n_points=200)
    acc = LogisticRegression().fit(X, y.ravel()).score(X, y.ravel())
    assert acc < 0.9


@pytest.mark.parametrize("kwargs, error", [
    (dict(n_points=1), ValueError), (dict(xlim=(1, -1)), ValueError),
    (dict(xlim=5), TypeError), (dict(gap=0), ValueError), (dict(gap="a"), TypeError),
    (dict(seed=-3), ValueError),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        make_parabolas(**kwargs)
