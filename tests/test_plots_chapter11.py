"""Tests for helpers.plots.chapter11: every figure builds, and bad input gets a clear error."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from helpers.plots import chapter11 as p11


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_one_hot():
    fig = p11.plot_one_hot(["the", "rabbit"], ["[PAD]", "the", "rabbit"])
    assert isinstance(fig, Figure)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (2, 3) and image.sum() == 2 and image[1, 2] == 1
    with pytest.raises(ValueError, match="not in vocab"):
        p11.plot_one_hot(["hatter"], ["the"])


def test_plot_word_vectors_uses_the_fallback():
    wv = {"king": np.ones(4)}
    fig = p11.plot_word_vectors(wv, ["king", "queen"], other={"queen": -np.ones(4)})
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="No vector"):
        p11.plot_word_vectors(wv, ["hare"])


def test_plot_similarity_matrix_and_pca():
    sims = torch.eye(3)
    assert isinstance(p11.plot_similarity_matrix(["a", "b", "c"], sims), Figure)
    with pytest.raises(ValueError, match="3x3"):
        p11.plot_similarity_matrix(["a", "b", "c"], torch.eye(2))
    vectors = np.random.default_rng(0).normal(size=(4, 5))
    fig = p11.plot_word_pca(["a", "b", "c", "d"], vectors, arrows=[("a", "b")])
    assert len(fig.axes[0].texts) == 5  # four labels and one arrow
    with pytest.raises(ValueError, match="vectors"):
        p11.plot_word_pca(["a"], vectors)


def test_plot_attention_one_panel_per_sentence_and_head():
    alphas = torch.softmax(torch.randn(2, 3, 4, 4), dim=-1)
    fig = p11.plot_attention([["[CLS]", "a", "b", "c"], ["[CLS]", "d", "e"]], alphas)
    assert len(fig.axes) == 6
    with pytest.raises(ValueError, match="sentences"):
        p11.plot_attention([["[CLS]"]], alphas)


def test_bar_and_curve_plots():
    fig = p11.plot_chunk_similarity({"embedding": 1.0, "layer 1": 0.5})
    assert len(fig.axes[0].patches) == 2
    fig = p11.plot_top_predictions({"the [MASK]": [("cat", 0.5), ("hat", 0.25)]})
    assert fig.axes[0].get_xlim()[1] == pytest.approx(0.625)
    # one shared limit makes panels with different spreads comparable
    fig = p11.plot_top_predictions({"a": [("x", 0.9)], "b": [("y", 0.1), ("z", 0.05)]}, xmax=1.0)
    assert [ax.get_xlim()[1] for ax in fig.axes] == [1.0, 1.0]
    assert [len(ax.patches) for ax in fig.axes] == [1, 2]
    with pytest.raises(ValueError, match="xmax"):
        p11.plot_top_predictions({"a": [("x", 0.9)]}, xmax=1.5)
    fig = p11.plot_training_curves({"train": ([1, 2], [2.0, 1.0])}, logy=True)
    assert fig.axes[0].get_yscale() == "log"
