"""Tests for CNN2 / build_model (helpers/nn/vision.py), helpers/optimizers.py and the Extra helpers."""
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers.nn.vision import CNN2, build_model
from helpers.optimizers import compare_optimizers, contour_data
from helpers.plots.extra import get_plot_data, make_init_fn


def test_cnn2_shapes_parameters_and_dropout_modes():
    torch.manual_seed(13)
    model = CNN2(n_feature=5, p=0.3)
    assert sum(p.numel() for p in model.parameters()) == 6823
    x = torch.randn(4, 3, 28, 28)
    assert model.featurizer(x).shape == (4, 125)
    assert model(x).shape == (4, 3)
    model.eval()
    assert torch.equal(model(x), model(x))      # no dropout in eval mode
    model.train()
    assert not torch.equal(model(x), model(x))  # dropout is random in training mode
    nodrop = CNN2(5, p=0.0).train()
    assert torch.equal(nodrop(x), nodrop(x))


@pytest.mark.parametrize("args", [(0,), (5, 1.0), (5, -0.1), ("5",)])
def test_cnn2_bad_arguments(args):
    with pytest.raises(ValueError):
        CNN2(*args)


def test_dropout_scales_survivors_by_one_over_one_minus_p():
    torch.manual_seed(0)
    out = nn.functional.dropout(torch.ones(10000), p=0.3)
    assert np.allclose(np.unique(out.numpy()), [0.0, 1 / 0.7])


def test_build_model_layout_and_batch_norm():
    model = build_model(10, 3, 20, nn.ReLU)
    assert [n for n, _ in model.named_children()] == ["h1", "a1", "h2", "a2", "h3", "a3", "o"]
    bn = build_model(10, 2, [8, 6], nn.Tanh, use_bn=True)
    assert [n for n, _ in bn.named_children()] == ["h1", "a1", "bn1", "h2", "a2", "bn2", "o"]
    assert bn.h1.bias is None and bn.o.in_features == 6
    with pytest.raises(ValueError):
        build_model(10, 2, [8], nn.ReLU)
    with pytest.raises(TypeError):
        build_model(10, 2, 8, "relu")


def test_make_init_fn_applies_kaiming_and_zero_bias():
    model = build_model(10, 2, 50, nn.ReLU)
    with torch.no_grad():
        model.apply(make_init_fn(lambda w: nn.init.constant_(w, 0.5), nn.init.zeros_))
    assert torch.all(model.h2.weight == 0.5) and torch.all(model.h2.bias == 0)
    with pytest.raises(TypeError):
        make_init_fn("kaiming")


def test_get_plot_data_shows_vanishing_gradients_with_default_init():
    from data_generation.ball import load_data
    X, y = load_data()
    loader = DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)), batch_size=len(X))
    torch.manual_seed(11)
    data = get_plot_data(loader, build_model(10, 5, 100, nn.ReLU))
    names, grads = data["gradients"]
    assert names == ["h1", "h2", "h3", "h4", "h5"]
    assert grads[0].std() < grads[-1].std() / 2  # the first layer's gradients are much smaller
    assert data["activations"][1][0].shape == (1000 * 100,)


def test_contour_data_optimum_is_the_least_squares_fit():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=50)
    y = 1 + 2 * x + rng.normal(0, 0.1, 50)
    bs, ws, losses, (b, w) = contour_data(x, y)
    assert bs.shape == ws.shape == losses.shape == (101, 101)
    i, j = np.unravel_index(losses.argmin(), losses.shape)
    assert abs(bs[i, j] - b) < 0.05 and abs(ws[i, j] - w) < 0.05
    with pytest.raises(ValueError):
        contour_data(x, y[:10])


def test_compare_optimizers_starts_every_run_from_the_same_weights():
    torch.manual_seed(42)
    x = torch.rand(32, 1)
    loader = DataLoader(TensorDataset(x, 1 + 2 * x), batch_size=16)
    model = nn.Sequential()
    model.add_module("linear", nn.Linear(1, 1))
    results = compare_optimizers(model, nn.MSELoss(), {
        "SGD": lambda p: torch.optim.SGD(p, lr=0.1),
        "Adam": lambda p: torch.optim.Adam(p, lr=0.1)}, loader, n_epochs=2)
    first = {name: r["parameters"]["linear"]["weight"][0] for name, r in results.items()}
    assert first["SGD"] == first["Adam"]
    assert len(results["SGD"]["gradients"]["linear"]["weight"]) == 4
    assert results["Adam"]["state"]["state"][0]["step"].item() == 4
    with pytest.raises(ValueError):
        compare_optimizers(model, nn.MSELoss(), {}, loader)
