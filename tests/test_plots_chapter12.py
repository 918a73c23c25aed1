"""helpers/plots/chapter12.py: each figure draws what it is given, and bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.plots import chapter12 as p12


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def rectangles(fig):
    return [a for a in fig.axes[0].patches if isinstance(a, Rectangle)]


def test_storage_diagram_draws_the_storage_and_every_view():
    fig = p12.storage_diagram([4, 1, 5, 3, 2, 1], {"points": (0, (3, 2), (2, 1)),
                                                   "row": (2, (2,), (1,)),
                                                   "t": (0, (2, 3), (1, 2))})
    assert isinstance(fig, Figure)
    assert len(rectangles(fig)) == 6 + 6 + 2 + 6
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "t: offset 0, size (2, 3), stride (1, 2)" in texts
    with pytest.raises(ValueError, match="reaches past"):
        p12.storage_diagram([1, 2, 3], {"bad": (2, (2,), (1,))})
    with pytest.raises(ValueError, match="1 or 2 entries"):
        p12.storage_diagram([1, 2], {"bad": (0, (1, 1, 2), (2, 2, 1))})
    with pytest.raises(ValueError):
        p12.storage_diagram([], {"x": (0, (1,), (1,))})


def test_broadcast_figure_shades_stretched_sizes():
    fig = p12.broadcast_shapes({"a": (3, 1), "b": (1, 3)}, result=(3, 3))
    cells = rectangles(fig)
    assert len(cells) == 6
    grey = [c for c in cells if np.allclose(c.get_facecolor()[:3], (0.8, 0.8, 0.8))]
    assert len(grey) == 2
    with pytest.raises(ValueError, match="more dimensions"):
        p12.broadcast_shapes({"a": (2, 3, 1)}, result=(3, 1))


def test_line_figures():
    fig = p12.thermometer_plot([1, 2, 3], [2, 4, 6], lines={"fit": ([0, 4], [0, 8])})
    assert len(fig.axes[0].lines) == 1 and len(fig.axes[0].collections) == 1
    with pytest.raises(ValueError, match="same length"):
        p12.thermometer_plot([1, 2], [1])
    fig = p12.loss_curves({"a": [3, 2, 1], "b": [4, 3]}, title="t", logy=True)
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_yscale() == "log"
    assert fig.axes[0].get_title() == "t"
    with pytest.raises(ValueError):
        p12.loss_curves({})


def test_gallery_and_board():
    x = np.linspace(-1, 1, 5)
    fig = p12.activation_gallery(x, {"a": x, "b": x ** 2, "c": -x, "d": x})
    assert len(fig.axes) == 6 and [ax.get_title() for ax in fig.axes[:4]] == ["a", "b", "c", "d"]
    fig = p12.game_board([1, 2, 3], ["1", "2", "Fizz"], [True, False, True], ncols=2)
    assert fig.axes[0].get_title() == "2 of 3 right" and len(rectangles(fig)) == 3
    with pytest.raises(ValueError, match="same length"):
        p12.game_board([1, 2], ["1"], [True, True])
