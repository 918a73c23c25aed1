"""helpers/nn/fashion.py: chapter 13's fully connected nets, their sizes, heads and loading."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
from safetensors.torch import save_file

from helpers.nn.fashion import DEEP_NET, FIRST_NET, load_fashion_fc, make_fc


def _count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_parameter_counts_of_the_two_nets():
    first, deep = make_fc(FIRST_NET), make_fc(DEEP_NET)
    assert _count(first) == 402_946 and _count(deep) == 1_394_562
    assert [p.numel() for p in first.parameters()] == [401_408, 512, 1_024, 2]
    assert [type(m).__name__ for m in first] == ["Flatten", "Linear", "Tanh", "Linear",
                                                 "LogSoftmax"]


def test_heads_and_seeded_weights():
    torch.manual_seed(42)
    nll_net = make_fc()
    torch.manual_seed(42)
    logits_net = make_fc(head=None)
    torch.manual_seed(42)
    softmax_net = make_fc(head=nn.Softmax(dim=1))
    x = torch.randn(5, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = logits_net(x)
        assert torch.equal(nll_net(x), torch.log_softmax(logits, dim=1))
        assert torch.allclose(softmax_net(x), torch.softmax(logits, dim=1))
    # every default head is a module of its own, never one object shared by all nets
    assert make_fc()[-1] is not make_fc()[-1]
    assert make_fc((8, 4), n_inputs=12, n_classes=3)(torch.ones(2, 12)).shape == (2, 3)


def test_bad_arguments():
    with pytest.raises(TypeError, match="sequence of layer sizes"):
        make_fc(512)
    with pytest.raises(ValueError, match="at least 1"):
        make_fc((512, 0))
    with pytest.raises(ValueError, match="at least 2"):
        make_fc(n_classes=1)
    with pytest.raises(TypeError, match="nn.Module"):
        make_fc(head="softmax")
    with pytest.raises(TypeError, match="str or a Path"):
        load_fashion_fc(3)
    with pytest.raises(TypeError, match="True or False"):
        load_fashion_fc("x.safetensors", deep="yes")


def test_load_round_trip_and_missing_file(tmp_path):
    torch.manual_seed(0)
    trained = make_fc(DEEP_NET)
    save_file(trained.state_dict(), str(tmp_path / "deep.safetensors"))
    loaded = load_fashion_fc(tmp_path / "deep.safetensors", deep=True)
    assert not loaded.training
    for (name, a), (_, b) in zip(trained.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    with pytest.raises(RuntimeError):        # a deep file does not fit the first net
        load_fashion_fc(tmp_path / "deep.safetensors")
    with pytest.raises(FileNotFoundError, match="train_ch13_fashion_fc.py"):
        load_fashion_fc(tmp_path / "missing.safetensors")
