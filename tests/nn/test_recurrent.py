"""Tests for helpers/nn/recurrent.py: hand-made cells, taking layers apart, the square classifiers."""
import pytest
import torch
import torch.nn as nn
import torch.nn.utils.rnn as rnn_utils

from helpers.nn.recurrent import (ManualGRUCell, ManualLSTMCell, ManualRNNCell, SequenceClassifier,
                                  SquareModel, SquareModelGRU, SquareModelLSTM, SquareModelOne,
                                  SquareModelPacked, conv1d_edge_model, last_outputs,
                                  layer_state_dict, linear_layers, run_cell)

PAIRS = [(ManualRNNCell, nn.RNNCell), (ManualGRUCell, nn.GRUCell), (ManualLSTMCell, nn.LSTMCell)]


def _random_batch(n=5, f=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, f, generator=g), torch.randn(n, 4, generator=g)


def _ragged(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 2, generator=g) for n in (4, 2, 3)]


# ------------------------------------------------------------------ cells by hand
@pytest.mark.parametrize("manual_cls, torch_cls", PAIRS)
def test_same_seed_gives_same_initial_weights(manual_cls, torch_cls):
    torch.manual_seed(19)
    ours = manual_cls(3, 4)
    torch.manual_seed(19)
    theirs = torch_cls(3, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
        assert a.shape == b.shape
        assert torch.equal(a, b)
    # and both leave the random stream in the same place
    assert torch.equal(torch.rand(3), (torch.manual_seed(19), torch_cls(3, 4), torch.rand(3))[2])


@pytest.mark.parametrize("manual_cls, torch_cls", PAIRS)
def test_manual_cell_equals_torch_cell(manual_cls, torch_cls):
    torch.manual_seed(3)
    theirs = torch_cls(3, 4)
    ours = manual_cls(3, 4)  # different weights until we load PyTorch's
    ours.load_state_dict(theirs.state_dict())
    x, h = _random_batch()
    state = (h, 0.5 * h) if torch_cls is nn.LSTMCell else h
    expected, got = theirs(x, state), ours(x, state)
    if torch_cls is nn.LSTMCell:
        assert torch.allclose(got[0], expected[0], atol=1e-6)
        assert torch.allclose(got[1], expected[1], atol=1e-6)
    else:
        assert got.shape == (5, 4)
        assert torch.allclose(got, expected, atol=1e-6)
    # without a state, both start from zeros; one unbatched point gives a 1-D result
    no_state = theirs(x[:1])
    one_point = ours(x[0])
    if torch_cls is nn.LSTMCell:
        assert one_point[0].shape == (4,)
        assert torch.allclose(one_point[0], no_state[0][0], atol=1e-6)
    else:
        assert one_point.shape == (4,)
        assert torch.allclose(one_point, no_state[0], atol=1e-6)


def test_manual_cells_differ_when_weights_differ():
    torch.manual_seed(3)
    theirs = nn.GRUCell(3, 4)
    ours = ManualGRUCell(3, 4)
    x, h = _random_batch()
    assert not torch.allclose(ours(x, h), theirs(x, h), atol=1e-3)


def test_intermediates_add_up():
    torch.manual_seed(7)
    x, h = _random_batch(f=3)
    rnn = ManualRNNCell(3, 4).intermediates(x, h)
    assert torch.allclose(rnn["adding"], rnn["t_h"] + rnn["t_x"])
    gru = ManualGRUCell(3, 4).intermediates(x, h)
    assert torch.allclose(gru["n"], torch.tanh(gru["r"] * gru["t_hn"] + gru["t_xn"]))
    assert ((gru["z"] > 0) & (gru["z"] < 1)).all()
    lstm = ManualLSTMCell(3, 4).intermediates(x, (h, h))
    assert torch.allclose(lstm["h"], lstm["o"] * torch.tanh(lstm["c"]))


def test_gate_weights_are_the_row_blocks_in_pytorch_order():
    torch.manual_seed(2)
    lstm = ManualLSTMCell(3, 2)
    blocks = lstm.gate_weights()
    assert len(blocks) == 4
    forget = blocks[1]  # input, forget, g, output
    assert torch.equal(forget[0], lstm.weight_ih[2:4]) and torch.equal(forget[3], lstm.bias_hh[2:4])
    assert [tuple(t.shape) for t in forget] == [(2, 3), (2,), (2, 2), (2,)]
    assert len(ManualRNNCell(3, 2).gate_weights()) == 1


def test_book_numbers_for_the_rnn_gru_and_lstm_cells():
    x = torch.tensor([[1.0349, 0.9661]])
    torch.manual_seed(19)
    rnn = ManualRNNCell(2, 2)
    parts = rnn.intermediates(x)
    assert torch.allclose(parts["t_x"], torch.tensor([[0.7712, 1.4310]]), atol=2e-4)
    assert torch.allclose(parts["h"], torch.tensor([[0.3924, 0.8146]]), atol=2e-4)
    torch.manual_seed(17)
    gru = ManualGRUCell(2, 2).intermediates(x)
    assert torch.allclose(gru["r"], torch.tensor([[0.2387, 0.6928]]), atol=2e-4)
    assert torch.allclose(gru["z"], torch.tensor([[0.2984, 0.3540]]), atol=2e-4)
    assert torch.allclose(gru["h"], torch.tensor([[-0.5635, -0.1470]]), atol=2e-4)
    torch.manual_seed(17)
    lstm = ManualLSTMCell(2, 2).intermediates(x)
    assert torch.allclose(lstm["c"], torch.tensor([[-0.1340, -0.0004]]), atol=2e-4)
    assert torch.allclose(lstm["h"], torch.tensor([[-5.4936e-02, -8.3816e-05]]), atol=2e-5)


def test_linear_layers_reproduce_one_gate():
    torch.manual_seed(17)
    cell = nn.GRUCell(2, 2)
    Wx, bx = cell.weight_ih[:2], cell.bias_ih[:2]
    Wh, bh = cell.weight_hh[:2], cell.bias_hh[:2]
    hidden, inputs = linear_layers(Wx, bx, Wh, bh)
    assert (hidden.in_features, inputs.in_features) == (2, 2)
    x, h = torch.randn(3, 2), torch.randn(3, 2)
    expected = x @ Wx.T + bx + h @ Wh.T + bh
    assert torch.allclose(hidden(h) + inputs(x), expected, atol=1e-6)
    with pytest.raises(ValueError, match="shapes do not fit"):
        linear_layers(Wx, bx, Wh[:, :1], bh)
    with pytest.raises(ValueError, match="2-D tensor"):
        linear_layers(bx, bx, Wh, bh)


@pytest.mark.parametrize("cell_cls, layer_cls", [(nn.RNNCell, nn.RNN), (nn.GRUCell, nn.GRU),
                                                 (nn.LSTMCell, nn.LSTM)])
def test_run_cell_is_a_one_layer_rnn(cell_cls, layer_cls):
    torch.manual_seed(5)
    layer = layer_cls(2, 3, batch_first=True)
    cell = cell_cls(2, 3)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    X = torch.randn(4, 6, 2)
    out, state = layer(X)
    out_cell, state_cell = run_cell(cell, X)
    assert out_cell.shape == (4, 6, 3)
    assert torch.allclose(out_cell, out, atol=1e-6)
    final = state_cell[0] if isinstance(state_cell, tuple) else state_cell
    final_layer = state[0] if isinstance(state, tuple) else state
    assert torch.allclose(final, final_layer[0], atol=1e-6)
    with pytest.raises(ValueError, match=r"batch-first tensor \(N, L, F\)"):
        run_cell(cell, X[0])


def test_wrong_input_to_a_manual_cell():
    cell = ManualRNNCell(2, 2)
    with pytest.raises(ValueError, match="loop over its points"):
        cell(torch.zeros(3, 4, 2))
    with pytest.raises(ValueError, match="state must have shape"):
        cell(torch.zeros(3, 2), torch.zeros(2, 2))
    with pytest.raises(TypeError, match="x must be a tensor"):
        cell([0.0, 1.0])
    with pytest.raises(TypeError, match=r"tuple \(h, c\)"):
        ManualLSTMCell(2, 2)(torch.zeros(3, 2), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="nonlinearity"):
        ManualRNNCell(2, 2, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="hidden_size must be an integer"):
        ManualGRUCell(2, 2.0)


# ------------------------------------------------------------------ taking layers apart
def test_stacked_and_bidirectional_rebuilt_from_state_dict():
    X = torch.randn(3, 4, 2)
    torch.manual_seed(19)
    stacked = nn.RNN(2, 2, num_layers=2, batch_first=True)
    layer0, layer1 = nn.RNN(2, 2, batch_first=True), nn.RNN(2, 2, batch_first=True)
    layer0.load_state_dict(layer_state_dict(stacked.state_dict(), layer=0))
    layer1.load_state_dict(layer_state_dict(stacked.state_dict(), layer=1))
    out0, h0 = layer0(X)
    out1, h1 = layer1(out0)
    out, hidden = stacked(X)
    assert torch.allclose(out, out1, atol=1e-6)
    assert torch.allclose(hidden, torch.cat([h0, h1]), atol=1e-6)

    torch.manual_seed(19)
    bidir = nn.RNN(2, 2, bidirectional=True, batch_first=True)
    forward, backward = nn.RNN(2, 2, batch_first=True), nn.RNN(2, 2, batch_first=True)
    forward.load_state_dict(layer_state_dict(bidir.state_dict()))
    backward.load_state_dict(layer_state_dict(bidir.state_dict(), reverse=True))
    out_f, h_f = forward(X)
    out_b, h_b = backward(torch.flip(X, dims=[1]))
    out, hidden = bidir(X)
    assert torch.allclose(out, torch.cat([out_f, torch.flip(out_b, dims=[1])], dim=2), atol=1e-6)
    assert torch.allclose(hidden, torch.cat([h_f, h_b]), atol=1e-6)
    # the last output holds the forward final state, but not the reverse one
    assert torch.allclose(out[:, -1, :2], hidden[0], atol=1e-6)
    assert not torch.allclose(out[:, -1, 2:], hidden[1], atol=1e-3)
    with pytest.raises(ValueError, match="no weights ending in '_l2'"):
        layer_state_dict(stacked.state_dict(), layer=2)
    with pytest.raises(ValueError, match="layer must be at least 0"):
        layer_state_dict(stacked.state_dict(), layer=-1)


def test_last_outputs_of_a_packed_batch():
    seqs = _ragged()
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    # the real last outputs of a one-directional RNN are its final hidden states
    torch.manual_seed(11)
    rnn = nn.RNN(2, 2, batch_first=True)
    out, hidden = rnn(packed)
    assert torch.allclose(last_outputs(out), hidden[0], atol=1e-6)
    # ...while a padded run only agrees for the longest sequence
    _, hidden_padded = rnn(rnn_utils.pad_sequence(seqs, batch_first=True))
    assert torch.allclose(hidden_padded[0, 0], hidden[0, 0], atol=1e-6)
    assert not torch.allclose(hidden_padded[0, 1], hidden[0, 1], atol=1e-3)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        last_outputs(rnn_utils.pad_sequence(seqs, batch_first=True))


# ------------------------------------------------------------------ classifiers
@pytest.mark.parametrize("cls, layer_cls", [(SquareModel, nn.RNN), (SquareModelGRU, nn.GRU),
                                            (SquareModelLSTM, nn.LSTM)])
def test_square_model_is_a_layer_and_a_linear_classifier(cls, layer_cls):
    """Same seed, same weights and same logits as the layer and linear layer built by hand."""
    torch.manual_seed(21)
    model = cls(2, 3, 1)
    torch.manual_seed(21)
    layer = layer_cls(2, 3, batch_first=True)
    linear = nn.Linear(3, 1)
    X = torch.randn(5, 4, 2)
    output, state = layer(X)
    assert torch.equal(model(X), linear(output[:, -1]))
    hidden = state[0] if isinstance(state, tuple) else state
    assert model.final_hidden.shape == (1, 5, 3)
    assert torch.equal(model.final_hidden, hidden)
    if cls is SquareModelLSTM:
        assert torch.equal(model.final_cell, state[1])
    else:
        assert model.final_cell is None
    with pytest.raises(ValueError, match="hidden_dim must be at least 1"):
        cls(2, 0, 1)


def test_sequence_classifier_reads_the_last_step_in_either_layout():
    torch.manual_seed(0)
    seq_first = SequenceClassifier(2, 3, 2, nn.GRU)
    X = torch.randn(5, 4, 2)  # (N, L, F)
    logits = seq_first(X.transpose(0, 1))
    assert logits.shape == (5, 2)
    batch_first = SequenceClassifier(2, 3, 2, nn.GRU, batch_first=True)
    batch_first.load_state_dict(seq_first.state_dict())
    assert torch.allclose(batch_first(X), logits, atol=1e-6)
    with pytest.raises(TypeError, match="nn.RNN, nn.GRU or nn.LSTM"):
        SequenceClassifier(2, 3, 1, nn.Linear)


def test_packed_and_generic_models():
    seqs = _ragged()
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    torch.manual_seed(21)
    model = SquareModelPacked(2, 2, 1)
    assert model.classifier.in_features == 4
    assert model(packed).shape == (3, 1)
    assert model.final_hidden.shape == (2, 3, 2) and model.final_cell.shape == (2, 3, 2)
    with pytest.raises(TypeError, match="expects a PackedSequence"):
        model(torch.zeros(3, 4, 2))
    # SquareModelOne gives each sequence the same logit whether it comes packed or alone
    for layer in (nn.RNN, nn.GRU, nn.LSTM):
        torch.manual_seed(21)
        one = SquareModelOne(2, 2, 1, rnn_layer=layer, bidirectional=True, num_layers=2)
        assert one.classifier.in_features == 4
        together = one(packed)
        alone = torch.cat([one(s.unsqueeze(0)) for s in seqs])
        assert together.shape == (3, 1)
        assert torch.allclose(together, alone, atol=1e-5)
    # with the same seed, the packed model and SquareModelOne(bi-LSTM) start from the same weights
    torch.manual_seed(21)
    one = SquareModelOne(2, 2, 1, rnn_layer=nn.LSTM, bidirectional=True)
    assert all(torch.equal(a, b) for a, b in zip(one.state_dict().values(),
                                                 model.state_dict().values()))
    with pytest.raises(TypeError, match="recurrent layer must be a class"):
        SquareModelOne(2, 2, 1, rnn_layer=nn.Linear)
    with pytest.raises(ValueError, match="always batch first"):
        SquareModelOne(2, 2, 1, batch_first=False)


def test_conv1d_edge_model():
    torch.manual_seed(21)
    model = conv1d_edge_model()
    X = torch.randn(5, 2, 4)
    assert model(X).shape == (5, 1)
    assert model.edge_filter.weight.shape == (1, 2, 2)
    assert model.classifier.in_features == 3
    assert sum(p.numel() for p in model.parameters()) == 9
    # the same computation written out: filter, ReLU, linear layer
    torch.manual_seed(21)
    conv, linear = nn.Conv1d(2, 1, kernel_size=2), nn.Linear(3, 1)
    assert torch.equal(model(X), linear(torch.relu(conv(X)).flatten(1)))
    with pytest.raises(ValueError, match="cannot be longer"):
        conv1d_edge_model(seq_len=2, kernel_size=3)
