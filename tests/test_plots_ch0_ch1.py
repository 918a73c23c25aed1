"""Smoke tests for the figures of chapters 0 and 1: each returns a Figure with the right axes."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # draw off-screen; must come before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from data_generation.simple_linear_regression import make_linear_data, split_indices  # noqa: E402
from helpers.loss_surface import gradient_descent_path, loss_grid, make_grid  # noqa: E402
from helpers.plots import chapter0 as ch0  # noqa: E402
from helpers.plots import chapter1 as ch1  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so memory stays flat."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    x, y = make_linear_data(seed=42)
    train_idx, val_idx = split_indices(100)
    bad_x, _ = make_linear_data(seed=42, x_scale=10, true_w=0.2)
    bs, ws = make_grid(1, 2, n_points=41)
    return dict(x=x[train_idx], y=y[train_idx], xv=x[val_idx], yv=y[val_idx],
                bad_x=bad_x[train_idx], bs=bs, ws=ws,
                losses=loss_grid(bs, ws, x[train_idx], y[train_idx]))


def check(fig, n_axes: int) -> None:
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    fig.canvas.draw()  # really render, so layout errors surface here


def test_data_and_line_figures(data):
    d = data
    check(ch0.plot_train_val(d["x"], d["y"], d["xv"], d["yv"]), 2)
    check(ch0.plot_initial_guess(d["x"], d["y"], np.array([0.5]), np.array([-0.1])), 1)
    check(ch0.plot_first_error(d["x"], d["y"], 0.5, -0.1, index=3), 1)
    check(ch0.plot_update(d["x"], d["y"], 0.5, -0.1, 0.8, 0.05), 1)
    check(ch0.plot_final_fit(d["x"], d["y"], 1.02, 1.97), 1)


def test_first_error_rejects_bad_index(data):
    with pytest.raises(ValueError, match="index must lie in"):
        ch0.plot_first_error(data["x"], data["y"], 0.5, -0.1, index=80)


def test_surface_and_cross_section_figures(data):
    d = data
    check(ch0.plot_loss_surface(d["bs"], d["ws"], d["losses"], (0.5, -0.14), (1.02, 1.97)), 2)
    check(ch0.plot_cross_section(d["bs"], d["ws"], d["losses"], 0.5, -0.14, fixed="b"), 2)
    check(ch0.plot_cross_section(d["bs"], d["ws"], d["losses"], 0.5, -0.14, fixed="w"), 2)
    check(ch0.plot_both_cross_sections(d["bs"], d["ws"], d["losses"], 0.5, -0.14), 2)
    check(ch0.plot_geometric_gradients(d["x"], d["y"], 0.52, -0.16), 2)
    for lr in (0.2, 0.8, 1.1):
        check(ch0.plot_learning_rate_step(d["x"], d["y"], 0.52, -0.16, -2.9, -1.79, lr), 2)


def test_surface_figures_reject_bad_arguments(data):
    d = data
    with pytest.raises(ValueError, match="fixed must be 'b' or 'w'"):
        ch0.plot_cross_section(d["bs"], d["ws"], d["losses"], 0.5, -0.14, fixed="x")
    with pytest.raises(ValueError, match="lr must be positive"):
        ch0.plot_learning_rate_step(d["x"], d["y"], 0.5, -0.1, -2.9, -1.8, lr=0)
    with pytest.raises(ValueError, match="outside the grid"):
        ch0.plot_cross_section(d["bs"], d["ws"], d["losses"], 10.0, 0.0)


def test_feature_scale_figures(data):
    d = data
    bad = loss_grid(d["bs"], d["ws"], d["bad_x"], d["y"])
    check(ch0.plot_bad_feature(d["x"], d["bad_x"], d["y"]), 2)
    check(ch0.plot_contour_panels([(d["bs"], d["ws"], d["losses"], "a"),
                                   (d["bs"], d["ws"], bad, "b")]), 2)
    check(ch0.plot_contour_panels([(d["bs"], d["ws"], d["losses"], "a")] * 3, (1, 2)), 3)
    check(ch0.plot_cross_sections_before_after(d["bs"], d["ws"], d["losses"], bad, 0.5, -0.1), 2)
    scaled = (d["x"] - d["x"].mean()) / d["x"].std()
    check(ch0.plot_feature_scales([(d["x"], "a"), (d["bad_x"], "b"), (scaled, "c")], d["y"]), 3)
    with pytest.raises(ValueError, match="surfaces is empty"):
        ch0.plot_contour_panels([])
    with pytest.raises(ValueError, match="features is empty"):
        ch0.plot_feature_scales([], d["y"])


def test_gd_path_figure(data):
    d = data
    paths = {f"n = {n}": gradient_descent_path(d["x"], d["y"], -1.0, 0.0, n_epochs=5,
                                                batch_size=n) for n in (80, 16, 1)}
    check(ch0.plot_gd_paths(d["x"], d["y"], paths, (1.02, 1.97)), 6)
    check(ch0.plot_gd_paths(d["x"], d["y"], {"one": paths["n = 1"]}, (1.02, 1.97)), 2)
    with pytest.raises(ValueError, match="paths is empty"):
        ch0.plot_gd_paths(d["x"], d["y"], {}, (1, 2))
    with pytest.raises(ValueError, match=r"must have shape \(n >= 2, 2\)"):
        ch0.plot_gd_paths(d["x"], d["y"], {"bad": np.zeros((5, 3))}, (1, 2))
    with pytest.raises(ValueError, match="zoom must be positive"):
        ch0.plot_gd_paths(d["x"], d["y"], paths, (1, 2), zoom=0)


def test_chapter1_diagrams():
    check(ch1.plot_simplest_network(), 1)
    check(ch1.plot_tensor_ranks(), 4)
    check(ch1.plot_layered_network(), 1)
    check(ch1.plot_layered_network((2, 4, 4, 1)), 1)
    with pytest.raises(ValueError, match="at least two positive integers"):
        ch1.plot_layered_network((3,))
    with pytest.raises(ValueError, match="at least two positive integers"):
        ch1.plot_layered_network((3, 0, 1))


def test_chapter1_reexports_chapter0_figures():
    assert ch1.plot_train_val is ch0.plot_train_val
    assert ch1.plot_final_fit is ch0.plot_final_fit


# torchviz 0.0.3 compares versions with distutils' LooseVersion, which warns; not our code.
@pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning")
def test_plot_graph_renders_a_torchviz_graph():
    from torchviz import make_dot
    w = torch.ones(1, requires_grad=True)
    graph = make_dot((w * torch.arange(3.0)).sum(), params={"w": w})
    fig = ch1.plot_graph(graph, title="a graph")
    check(fig, 1)
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape[0] > 50 and image.shape[1] > 20  # a real picture, not an empty box
    assert "dpi" not in graph.graph_attr  # the caller's graph is left untouched
    check(ch1.plot_graph(graph, figsize=(3, 7)), 1)
    with pytest.raises(TypeError, match="graphviz Digraph"):
        ch1.plot_graph("digraph { a -> b }")
    with pytest.raises(ValueError, match="figsize must be two positive numbers"):
        ch1.plot_graph(graph, figsize=(0, 5))
