"""Tests for helpers.feature_space and helpers.plots.bonus (the Bonus chapter)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn, optim  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from data_generation.parabolas import make_parabolas  # noqa: E402
from helpers.feature_space import (SnapshotStepByStep, accuracy, feature_space_model,  # noqa: E402
                                   make_grid_lines, map_to_stage,
                                   output_accuracy_from_last_space, predict_from_stage,
                                   snapshot_accuracies, space_stages)
from helpers.plots.bonus import (plot_feature_space, plot_feature_space_diagram,  # noqa: E402
                                 plot_feature_space_evolution, plot_parabolas)


def test_model_names_and_shapes():
    one = feature_space_model((2,), "sigmoid")
    assert [n for n, _ in one.named_children()] == ["hidden", "activation", "output", "sigmoid"]
    deeper = feature_space_model((2, 2), nn.Tanh)
    assert [n for n, _ in deeper.named_children()] == [
        "hidden0", "activation0", "hidden1", "activation1", "output", "sigmoid"]
    wider = feature_space_model((10,), "prelu", project_to=2)
    assert [n for n, _ in wider.named_children()] == [
        "hidden0", "activation0", "hidden1", "output", "sigmoid"]
    assert isinstance(wider.activation0, nn.PReLU) and wider.hidden1.out_features == 2
    assert wider(torch.zeros(5, 2)).shape == (5, 1)


def test_seed_makes_identical_models():
    a, b = feature_space_model(seed=3), feature_space_model(seed=3)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize("kwargs, error", [
    (dict(activation="swish"), ValueError), (dict(activation=nn.Tanh()), TypeError),
    (dict(hidden=()), ValueError), (dict(hidden=(0,)), ValueError), (dict(hidden=2), TypeError),
    (dict(hidden=(2.5,)), ValueError), (dict(project_to=0), ValueError),
])
def test_model_bad_arguments(kwargs, error):
    with pytest.raises(error):
        feature_space_model(**kwargs)


def test_stages_and_mapping_match_the_layers():
    model = feature_space_model((2, 2), "tanh", seed=1)
    assert space_stages(model) == [(0, "input"), (1, "hidden0"), (2, "activation0"),
                                   (3, "hidden1"), (4, "activation1")]
    wider = feature_space_model((10,), "prelu", project_to=2, seed=1)
    assert space_stages(wider) == [(0, "input"), (3, "hidden1")]
    X = np.random.default_rng(0).normal(size=(7, 2))
    with torch.no_grad():
        z = model.hidden0(torch.as_tensor(X).float())
        expected = torch.tanh(z).numpy()
        full = model(torch.as_tensor(X).float()).numpy()
    np.testing.assert_allclose(map_to_stage(model, X, 2), expected, rtol=1e-6)
    # going to a stage and on from it gives the whole model
    np.testing.assert_allclose(predict_from_stage(model, map_to_stage(model, X, 3), 3), full,
                               rtol=1e-6)
    np.testing.assert_allclose(map_to_stage(model, X, 0), X.astype(np.float32))


def test_stages_bad_model():
    with pytest.raises(TypeError):
        space_stages(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="output"):
        space_stages(nn.Sequential(nn.Linear(2, 1)))


def test_grid_lines():
    lines = make_grid_lines((-1, 1), (0, 2), n_lines=5, n_samples=11)
    assert len(lines) == 10 and all(line.shape == (11, 2) for line in lines)
    assert np.allclose(lines[0][:, 0], -1) and np.allclose(lines[5][:, 1], 0)
    with pytest.raises(ValueError):
        make_grid_lines(n_lines=1)
    with pytest.raises(ValueError):
        make_grid_lines((1, -1))


def test_training_separates_the_parabolas_and_snapshots():
    """The tanh 2-2-1 model (seed 42, lr 0.1) separates the parabolas: 100% and a line does it."""
    X, y = make_parabolas(n_points=200)
    ds = TensorDataset(torch.as_tensor(X).float(), torch.as_tensor(y).float())
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    model = feature_space_model((2,), "tanh", seed=42)
    sbs = SnapshotStepByStep(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1),
                             snapshot_epochs=[0, 5, 60])
    sbs.set_loaders(loader)
    sbs.train(60, progress=False)
    assert sorted(sbs.snapshots) == [0, 5, 60]
    accs = snapshot_accuracies(model, sbs.snapshots, X, y)
    assert accs[60] == accuracy(model, X, y) == 1.0
    assert accs[0] < 1.0
    assert output_accuracy_from_last_space(model, X, y) == 1.0
    # snapshots are copies, not views of the live weights
    assert not torch.equal(sbs.snapshots[0]["hidden.weight"], model.hidden.weight.detach().cpu())


def test_linear_model_cannot_separate():
    X, y = make_parabolas(n_points=200)
    ds = TensorDataset(torch.as_tensor(X).float(), torch.as_tensor(y).float())
    model = feature_space_model((2,), nn.Identity, seed=42)
    sbs = SnapshotStepByStep(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1))
    sbs.set_loaders(DataLoader(ds, batch_size=16, shuffle=True))
    sbs.train(30, progress=False)
    assert accuracy(model, X, y) < 0.95


def test_bonus_figures():
    X, y = make_parabolas(n_points=50)
    model = feature_space_model((2, 2), "tanh", seed=0)
    figs = [plot_parabolas(X, y), plot_feature_space_diagram(1), plot_feature_space_diagram(2),
            plot_feature_space(model, X, y, resolution=30),
            plot_feature_space(model, X, y, stages=[0, 4], resolution=30),
            plot_feature_space_evolution(model, {0: model.state_dict(), 3: model.state_dict()},
                                         X, y, resolution=30)]
    assert len(figs[3].axes) == 5 and len(figs[4].axes) == 2 and len(figs[5].axes) == 10
    for fig in figs:
        assert isinstance(fig, plt.Figure)
        plt.close(fig)
    with pytest.raises(ValueError, match="stages"):
        plot_feature_space(model, X, y, stages=[99])
    with pytest.raises(ValueError, match="epochs"):
        plot_feature_space_evolution(model, {0: model.state_dict()}, X, y, epochs=[5])
    with pytest.raises(ValueError):
        plot_feature_space_diagram(3)
    with pytest.raises(ValueError):
        plot_parabolas(X[:, :1], y)
