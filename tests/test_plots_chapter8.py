"""Smoke tests for helpers/plots/chapter8.py: every figure builds, and bad input raises."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn as nn
from matplotlib.figure import Figure

from data_generation.square_sequences import canonical_sequences, generate_sequences
from helpers.plots import chapter8 as p8
from helpers.nn.recurrent import SquareModel, SquareModelGRU, SquareModelLSTM


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return generate_sequences(n=20, seed=13)


def test_square_figures(data):
    points, directions = data
    assert isinstance(p8.counter_vs_clock(draw_arrows=False), Figure)
    assert len(p8.counter_vs_clock().axes) == 2
    assert isinstance(p8.counter_vs_clock(binary=False), Figure)
    assert isinstance(p8.plot_sequences(), Figure)
    assert isinstance(p8.plot_sequences(binary=False, target_len=2), Figure)
    fig = p8.plot_data(points, directions, n_rows=1, n_cols=5)
    assert len(fig.axes) == 5
    with pytest.raises(ValueError, match="needs 30 sequences"):
        p8.plot_data(points, directions, n_rows=3, n_cols=10)
    with pytest.raises(ValueError, match="target_len"):
        p8.plot_sequences(target_len=5)


@pytest.mark.parametrize("kind", ["unrolled", "stacked", "bidirectional"])
def test_rnn_diagrams(kind):
    assert isinstance(p8.rnn_diagram(kind), Figure)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_cell_diagrams(kind):
    assert isinstance(p8.cell_diagram(kind), Figure)


def test_diagrams_reject_unknown_kinds():
    with pytest.raises(ValueError, match="kind must be"):
        p8.rnn_diagram("sideways")
    with pytest.raises(ValueError, match="kind must be"):
        p8.cell_diagram("transformer")


def test_feature_space_and_journeys():
    torch.manual_seed(19)
    cell = nn.RNNCell(2, 2)
    fig = p8.feature_space_steps(cell, [1.0, 1.0])
    assert len(fig.axes) == 4
    perfect = canonical_sequences()[0][0]
    torch.manual_seed(21)
    rnn_model, gru_model = SquareModel(2, 2, 1), SquareModelGRU(2, 2, 1)
    assert len(p8.rnn_journey(rnn_model, perfect).axes) == 16
    assert isinstance(p8.hidden_path(rnn_model, perfect), Figure)
    assert len(p8.gru_journey(gru_model, perfect).axes) == 28
    with pytest.raises(TypeError, match="nn.GRU"):
        p8.gru_journey(rnn_model, perfect)


def test_contours(data):
    points, directions = data
    torch.manual_seed(21)
    models = [SquareModel(2, 2, 1), SquareModelGRU(2, 2, 1), SquareModelLSTM(2, 2, 1)]
    fig = p8.canonical_contour(models, titles=["RNN", "GRU", "LSTM"])
    assert [ax.get_title() for ax in fig.axes] == ["RNN", "GRU", "LSTM"]
    fig = p8.hidden_states_contour(models[2], points, directions)
    assert [ax.get_title() for ax in fig.axes] == [f"Hidden State #{i}" for i in range(4)]
    assert isinstance(p8.plot_transformed_inputs(nn.Linear(2, 2)), Figure)
    with pytest.raises(ValueError, match="must be \\(2, F\\)"):
        p8.plot_transformed_inputs((torch.zeros(3, 2), torch.zeros(3)))


def test_packing_and_convolution_figures(data):
    points, _ = data
    assert isinstance(p8.image_padding(), Figure)
    fig = p8.plot_packing([points[0], points[1][2:], points[2][1:]])
    assert len(fig.axes) == 2
    assert isinstance(p8.moving_window([5, 11, 15, 6, 5, 3, 3, 0, 0, 3, 4, 2, 1]), Figure)
    with pytest.raises(ValueError, match="window must be between"):
        p8.moving_window([1, 2, 3], window=4)
    weight = torch.tensor([[[-0.0658, 0.0351], [0.3302, -0.3761]]])
    seq = points[0].T
    assert isinstance(p8.conv1d_windows(seq, weight), Figure)
    assert isinstance(p8.conv1d_windows(seq, weight, dilation=2), Figure)
    with pytest.raises(ValueError, match="does not fit"):
        p8.conv1d_windows(seq, weight, dilation=4)
    fig = p8.edge_features(weight, torch.tensor([0.1]), canonical_sequences()[0][1])
    assert len(fig.axes) == 3
    assert "ReLU" in fig.axes[0].get_title()
    assert np.isfinite([float(t.get_text()) for t in fig.axes[0].texts]).all()
