"""Tests for helpers.plots.chapter4 and helpers.plots.chapter5 (figures and the shape rule)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from helpers.plots import chapter4 as p4  # noqa: E402
from helpers.plots import chapter5 as p5  # noqa: E402

SINGLE = np.array([[5, 0, 8, 7, 8, 1], [1, 9, 5, 0, 7, 7], [6, 0, 2, 4, 6, 6],
                   [9, 7, 6, 6, 8, 4], [8, 3, 8, 5, 1, 3], [7, 2, 7, 0, 1, 0]])
EDGE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def _close(fig):
    assert isinstance(fig, plt.Figure)
    plt.close(fig)


def test_chapter4_figures_build():
    images = np.zeros((12, 1, 5, 5), dtype=np.uint8)
    fig = p4.plot_images(images, np.arange(12) % 2, n_plot=12, ncols=6)
    assert len(fig.axes) == 12
    _close(fig)
    _close(p4.plot_image(images[0], title="x"))
    r = np.zeros((5, 5))
    _close(p4.plot_channels_gray(r, r, r))
    _close(p4.plot_channels_color(r, r, r))
    _close(p4.plot_network_diagram((25, 5, 3, 1), activations=["ReLU", None]))
    _close(p4.plot_weights_comparison(np.ones(25), np.ones(25) * 2))
    _close(p4.plot_weights_as_pixels(np.zeros((5, 25))))


class _FakeTrainer:
    def __init__(self, losses):
        self.losses, self.val_losses = losses, losses


def test_losses_comparison_draws_one_line_per_trainer_and_panel():
    fig = p4.plot_losses_comparison({"a": _FakeTrainer([1, .5]), "b": _FakeTrainer([1, .4, .2])})
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    _close(fig)


def test_activation_plot_uses_autograd_gradient():
    fig = p4.plot_activation(torch.tanh, "tanh")
    values, grads = fig.axes[0].lines[0].get_ydata(), fig.axes[0].lines[1].get_ydata()
    np.testing.assert_allclose(grads, 1 - values ** 2, atol=1e-5)
    assert grads.max() == pytest.approx(1.0, abs=1e-3)
    _close(fig)
    fig = p4.plot_activation(torch.sigmoid, "sigmoid")
    assert fig.axes[0].lines[1].get_ydata().max() == pytest.approx(0.25, abs=1e-4)
    _close(fig)


@pytest.mark.parametrize("call", [
    lambda: p4.plot_images(np.zeros((3, 5, 5)), [0, 1, 0]),
    lambda: p4.plot_images(np.zeros((3, 1, 5, 5)), [0, 1]),
    lambda: p4.plot_weights_as_pixels(np.zeros((5, 24))),
    lambda: p4.plot_weights_comparison(np.zeros(3), np.zeros(4)),
    lambda: p4.plot_network_diagram((25,)),
    lambda: p4.plot_network_diagram((25, 5, 1), activations=["ReLU", "ReLU"]),
    lambda: p4.plot_losses_comparison({}),
    lambda: p4.plot_activation(lambda z: z.sum()),
])
def test_chapter4_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("size, kernel, stride, padding", [
    (6, 3, 1, 0), (6, 3, 2, 0), (7, 3, 2, 0), (6, 3, 1, 1), (28, 5, 1, 2), (10, 3, 3, 1),
    (9, 4, 2, 1), (5, 5, 1, 0)])
def test_conv_output_size_matches_pytorch(size, kernel, stride, padding):
    layer = nn.Conv2d(1, 1, kernel_size=kernel, stride=stride, padding=padding)
    actual = layer(torch.zeros(1, 1, size, size)).shape[-1]
    assert p5.conv_output_size(size, kernel, stride, padding) == actual
    pooled = F.max_pool2d(torch.zeros(1, 1, size, size), kernel_size=kernel, stride=stride,
                          padding=min(padding, kernel // 2)).shape[-1]
    assert p5.conv_output_size(size, kernel, stride, min(padding, kernel // 2)) == pooled


def test_conv_output_size_bad_arguments():
    with pytest.raises(ValueError):
        p5.conv_output_size(3, 5)
    with pytest.raises(ValueError):
        p5.conv_output_size(6, 3, stride=0)


def test_convolution_figure_shows_pytorch_values():
    fig = p5.plot_convolution(SINGLE, EDGE, position=None, padding=1)
    out_ax = fig.axes[4]
    shown = sorted(float(t.get_text()) for t in out_ax.texts)
    expected = F.conv2d(F.pad(torch.as_tensor(SINGLE).float().view(1, 1, 6, 6), (1, 1, 1, 1)),
                        torch.as_tensor(EDGE).float().view(1, 1, 3, 3))
    assert shown == sorted(expected.flatten().tolist())
    _close(fig)
    # a partial figure only fills the cells up to the current position
    fig = p5.plot_convolution(SINGLE, np.eye(3), position=(0, 1))
    assert len(fig.axes[4].texts) == 2
    _close(fig)
    with pytest.raises(ValueError, match="position"):
        p5.plot_convolution(SINGLE, EDGE, position=(4, 0))


def test_padding_modes_match_pytorch():
    image = torch.as_tensor(SINGLE).float().view(1, 1, 6, 6)
    fig = p5.plot_padding_modes(SINGLE, padding=1)
    torch_modes = {"zero": "constant", "replicate": "replicate", "reflect": "reflect",
                   "circular": "circular"}
    for ax, mode in zip(fig.axes, torch_modes.values()):
        shown = np.array([float(t.get_text()) for t in ax.texts]).reshape(8, 8)
        expected = F.pad(image, (1, 1, 1, 1), mode=mode)[0, 0].numpy()
        np.testing.assert_array_equal(shown, expected)
    _close(fig)


def test_pooling_figure_matches_max_pool():
    conv = F.conv2d(F.pad(torch.as_tensor(SINGLE).float().view(1, 1, 6, 6), (1, 1, 1, 1)),
                    torch.as_tensor(EDGE).float().view(1, 1, 3, 3))
    fig = p5.plot_pooling(conv, kernel_size=2)
    shown = [float(t.get_text()) for t in fig.axes[2].texts]
    assert shown == F.max_pool2d(conv, 2).flatten().tolist() == [22, 23, 11, 24, 7, 1, 13, 13, 13]
    _close(fig)


def test_other_chapter5_figures():
    fig = p5.plot_elementwise_product(SINGLE[:3, :3], np.eye(3))
    assert "sum = 16" in [t.get_text() for t in fig.axes[5].texts]
    _close(fig)
    _close(p5.plot_lenet_diagram())
    _close(p5.plot_classifier_diagram((16, 10, 3)))
    with pytest.raises(ValueError):
        p5.plot_elementwise_product(SINGLE[:3, :2], np.eye(3))
    with pytest.raises(ValueError):
        p5.plot_padding_modes(SINGLE, padding=6)
