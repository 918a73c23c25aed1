"""Tests for helpers/plots/chapter9.py's attention heatmaps: one panel per sequence (and head)."""
import matplotlib.pyplot as plt
import pytest
import torch

from helpers.plots.chapter9 import plot_attention


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.axison]


def test_one_head_draws_one_annotated_panel_per_sequence():
    alphas = torch.tensor([[[0.6, 0.4], [0.3, 0.7]]] * 3)            # N=3, L_q=2, L_k=2
    fig = plot_attention(alphas, row_labels=["#3", "#4"], col_labels=["#1", "#2"], n_cols=2)
    axes = visible_axes(fig)
    assert len(axes) == 3 and len(fig.axes) == 4                   # a 2x2 grid, one panel unused
    assert [t.get_text() for t in axes[0].texts] == ["0.60", "0.40", "0.30", "0.70"]
    assert axes[1].get_title() == "sequence #1"
    plt.close(fig)


def test_several_heads_draw_one_row_per_head():
    alphas = torch.rand(2, 3, 2, 2).softmax(-1)                      # N=2, heads=3
    alphas[1, 2] = torch.tensor([[1.0, 0.0], [0.25, 0.75]])
    fig = plot_attention(alphas, row_labels=["a", "b"], col_labels=["c", "d"],
                         titles=["first", "second"])
    axes = visible_axes(fig)
    assert len(axes) == 6
    # row-major grid: the last panel is head 3 of the second sequence
    assert axes[-1].get_title() == "head 3: second"
    assert [t.get_text() for t in axes[-1].texts] == ["1.00", "0.00", "0.25", "0.75"]
    plt.close(fig)


def test_other_shapes_are_refused():
    with pytest.raises(ValueError, match="N, heads, Lq, Lk"):
        plot_attention(torch.zeros(2, 2), row_labels=["a"], col_labels=["b"])
