"""data_generation/fizzbuzz.py and helpers/nn/fizzbuzz.py (chapter 12; reused by production)."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from data_generation.fizzbuzz import (CLASS_NAMES, FizzBuzzDataset, decode_binary, encode_binary,
                                      fizzbuzz_class, fizzbuzz_split, say)
from helpers.nn.fizzbuzz import (FizzBuzzNet, MyLinear, accuracy, fizzbuzz_classifier, play,
                                 train_fizzbuzz)


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def data():
    x, y = FizzBuzzDataset().tensors()
    train, test = fizzbuzz_split()
    return x, y, train, test


def test_binary_digits_round_trip():
    assert encode_binary(14).tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 0]
    assert encode_binary(14).dtype == torch.float32
    assert all(decode_binary(encode_binary(n)) == n for n in (0, 1, 513, 999, 1023))
    assert encode_binary(5, bits=3).tolist() == [1, 0, 1]


@pytest.mark.parametrize("call, error", [
    (lambda: encode_binary(1024), ValueError), (lambda: encode_binary(-1), ValueError),
    (lambda: encode_binary(3.0), TypeError), (lambda: encode_binary(3, bits=0), ValueError),
    (lambda: decode_binary([1, 0]), TypeError), (lambda: decode_binary(torch.tensor([2.0])), ValueError),
    (lambda: say(3, 4), ValueError), (lambda: fizzbuzz_split(100, 100), ValueError),
    (lambda: FizzBuzzDataset(0, 2000), ValueError), (lambda: FizzBuzzDataset(5, 5), ValueError),
    (lambda: FizzBuzzDataset(next_number=1), TypeError)])
def test_bad_arguments_are_refused(call, error):
    with pytest.raises(error):
        call()


def test_classes_and_words():
    assert [fizzbuzz_class(n) for n in (15, 10, 9, 7, 0)] == [0, 1, 2, 3, 0]
    assert CLASS_NAMES[fizzbuzz_class(30)] == "FizzBuzz"
    assert say(7, 3) == "7" and say(9, 2) == "Fizz" and say(14, torch.tensor(0)) == "FizzBuzz"


def test_dataset_labels_the_next_number(data):
    x, y, train, test = data
    ds = FizzBuzzDataset()
    assert len(ds) == 1000 and x.shape == (1000, 10) and y.dtype == torch.int64
    assert ds[14][1].item() == 0 and ds[-1][1].item() == fizzbuzz_class(1000)
    assert FizzBuzzDataset(next_number=False)[15][1].item() == 0
    assert torch.bincount(y).tolist() == [66, 134, 267, 533]
    with pytest.raises(IndexError):
        ds[1000]


def test_seeded_split(data):
    x, y, train, test = data
    assert len(train) == 900 and len(test) == 100
    assert sorted(torch.cat([train, test]).tolist()) == list(range(1000))
    assert torch.bincount(y[train]).tolist() == [57, 121, 240, 482]
    assert torch.bincount(y[test]).tolist() == [9, 13, 27, 51]
    assert 14 in test.tolist()
    assert torch.equal(fizzbuzz_split()[1], test)


def test_my_linear_matches_nn_linear():
    torch.manual_seed(7)
    ours = MyLinear(10, 4)
    torch.manual_seed(7)
    theirs = nn.Linear(10, 4)
    assert torch.equal(ours.weight, theirs.weight) and torch.equal(ours.bias, theirs.bias)
    x = torch.randn(5, 10)
    assert torch.allclose(ours(x), theirs(x))
    assert sum(p.numel() for p in FizzBuzzNet().parameters()) == 1504
    with pytest.raises(TypeError):
        MyLinear(2.5, 3)


def test_raw_tensors_and_fizzbuzznet_give_the_same_run(data):
    """Chapter 12's F1 (hand updates) and F2 (module + optim.SGD) from the same start, 20 epochs."""
    x, y, train, _ = data
    xt, targets = x[train], F.one_hot(y[train], 4).float()
    torch.manual_seed(42)
    w1, w2 = torch.randn(10, 100, requires_grad=True), torch.randn(100, 4, requires_grad=True)
    b1, b2 = torch.zeros(1, 100, requires_grad=True), torch.zeros(1, 4, requires_grad=True)
    net = FizzBuzzNet()
    with torch.no_grad():
        net.hidden.weight.copy_(w1.T)
        net.hidden.bias.copy_(b1.flatten())
        net.output.weight.copy_(w2.T)
        net.output.bias.copy_(b2.flatten())
    sgd = torch.optim.SGD(net.parameters(), lr=0.01)
    first = ((torch.sigmoid(torch.sigmoid(xt[:64] @ w1 + b1) @ w2 + b2) - targets[:64]) ** 2).sum() / 2
    assert round(first.item(), 4) == 57.9947
    for _ in range(20):
        for s in range(0, 900, 64):
            loss = ((torch.sigmoid(torch.sigmoid(xt[s:s + 64] @ w1 + b1) @ w2 + b2)
                     - targets[s:s + 64]) ** 2).sum() / 2
            loss.backward()
            with torch.no_grad():
                for t in (w1, b1, w2, b2):
                    t -= 0.01 * t.grad
                    t.grad.zero_()
            module_loss = nn.MSELoss(reduction="sum")(net(xt[s:s + 64]), targets[s:s + 64]) / 2
            sgd.zero_grad()
            module_loss.backward()
            sgd.step()
    assert torch.allclose(net.hidden.weight, w1.T, atol=1e-5)
    assert torch.allclose(net.output.weight, w2.T, atol=1e-5)


def test_classifier_build_is_seeded_and_leaves_the_global_stream_alone():
    torch.manual_seed(0)
    expected_next = torch.rand(1)
    torch.manual_seed(0)
    a = fizzbuzz_classifier(seed=42)
    assert torch.equal(torch.rand(1), expected_next)
    b = fizzbuzz_classifier(seed=42)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert sum(p.numel() for p in a.parameters()) == 1504


def test_final_recipe_learns_fizzbuzz(data):
    """The recipe the production chapter serves: after 14 it must say FizzBuzz."""
    x, y, train, test = data
    model = fizzbuzz_classifier(seed=42)
    losses = train_fizzbuzz(model, x[train], y[train], epochs=500, progress=False)
    assert len(losses) == 500 and losses[-1] < losses[0] / 20
    assert accuracy(model, x[train], y[train]) == 1.0
    assert accuracy(model, x[test], y[test]) >= 0.98
    words = play(model, 1, 20)
    assert words[13] == "14" and words[14] == "FizzBuzz" and words[2] == "Fizz" and words[4] == "Buzz"
    with torch.no_grad():
        assert model(encode_binary(14).unsqueeze(0)).argmax().item() == CLASS_NAMES.index("FizzBuzz")


def test_training_arguments_are_checked(data):
    x, y, train, _ = data
    with pytest.raises(TypeError):
        train_fizzbuzz("model", x, y)
    with pytest.raises(ValueError):
        train_fizzbuzz(fizzbuzz_classifier(), x, y[:10])
    with pytest.raises(ValueError):
        train_fizzbuzz(fizzbuzz_classifier(), x, y, lr=0)
    with pytest.raises(ValueError):
        accuracy(fizzbuzz_classifier(), x, y[:5])
    with pytest.raises(ValueError):
        play(fizzbuzz_classifier(), 5, 2)
