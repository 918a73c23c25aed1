"""Tests for the trainer, every version (v0 ... v4)."""
from __future__ import annotations

import inspect
import random

import numpy as np
import pytest
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

from data_generation.simple_linear_regression import make_linear_data
from helpers.stepbystep import v0, v1, v2, v3, v4


def linear_loaders(batch_size=16, seed=13):
    x, y = make_linear_data(seed=42)
    x_t, y_t = torch.as_tensor(x).float(), torch.as_tensor(y).float()
    train = TensorDataset(x_t[:80], y_t[:80])
    val = TensorDataset(x_t[80:], y_t[80:])
    torch.manual_seed(seed)
    return (DataLoader(train, batch_size=batch_size, shuffle=True),
            DataLoader(val, batch_size=batch_size))


def make_trainer(cls=v0.StepByStep, lr=0.1, opt=optim.SGD, loaders=True):
    torch.manual_seed(42)
    model = nn.Sequential(nn.Linear(1, 1))
    sbs = cls(model, nn.MSELoss(), opt(model.parameters(), lr=lr))
    if loaders:
        sbs.set_loaders(*linear_loaders())
    return sbs


# ----------------------------------------------------------------------------- structure
def test_each_version_subclasses_the_previous_one():
    chain = [v0.StepByStep, v1.StepByStep, v2.StepByStep, v3.StepByStep, v4.StepByStep]
    for parent, child in zip(chain, chain[1:]):
        assert child.__bases__ == (parent,)


@pytest.mark.parametrize("module, names", [
    (v1, {"set_seed", "count_parameters"}),
    (v2, {"visualize_filters", "attach_hooks", "remove_hooks", "visualize_outputs", "correct",
          "loader_apply"}),
    (v3, {"statistics_per_channel", "make_normalizer", "lr_range_test", "set_optimizer",
          "capture_gradients", "capture_parameters", "set_lr_scheduler"}),
    (v4, {"set_clip_grad_value", "set_clip_grad_norm", "set_clip_backprop", "remove_clip"}),
])
def test_versions_add_their_chapter_methods(module, names):
    own = {n for n in vars(module.StepByStep) if not n.startswith("_")}
    assert names <= own


# ----------------------------------------------------------------------------- v0
def test_training_reduces_loss_and_finds_the_line():
    sbs = make_trainer()
    sbs.train(n_epochs=200)
    assert sbs.total_epochs == 200 and len(sbs.losses) == 200 and len(sbs.val_losses) == 200
    assert sbs.losses[-1] < sbs.losses[0] / 20
    w = sbs.model[0].weight.item()
    b = sbs.model[0].bias.item()
    assert abs(w - 2) < 0.1 and abs(b - 1) < 0.1


def test_same_seed_gives_identical_runs():
    a, b = make_trainer(), make_trainer()
    a.train(20, seed=7)
    b.train(20, seed=7)
    assert a.losses == b.losses
    assert torch.equal(a.model[0].weight, b.model[0].weight)


def test_predict_accepts_numpy_lists_and_tensors():
    sbs = make_trainer()
    sbs.train(50)
    x = np.array([[0.5], [0.3], [0.7]])
    out_np = sbs.predict(x)
    out_t = sbs.predict(torch.tensor(x))
    out_l = sbs.predict([[0.5], [0.3], [0.7]])
    assert isinstance(out_np, np.ndarray) and out_np.shape == (3, 1)
    np.testing.assert_allclose(out_np, out_t)
    np.testing.assert_allclose(out_np, out_l)
    assert sbs.model.training  # back in train mode after predicting


def test_predict_with_wrong_shape_says_so():
    sbs = make_trainer()
    with pytest.raises(ValueError, match="cannot take an input of shape"):
        sbs.predict(np.zeros((3, 2)))


def test_train_without_loader_is_a_clear_error():
    sbs = make_trainer(loaders=False)
    with pytest.raises(RuntimeError, match="set_loaders"):
        sbs.train(1)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", True])
def test_train_rejects_bad_epoch_counts(bad):
    sbs = make_trainer()
    with pytest.raises(ValueError, match="n_epochs"):
        sbs.train(bad)


def test_constructor_validates_its_arguments():
    model = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="nn.Module"):
        v0.StepByStep("model", nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="parentheses"):
        v0.StepByStep(model, nn.MSELoss, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="Optimizer"):
        v0.StepByStep(model, nn.MSELoss(), model.parameters())


def test_set_loaders_rejects_non_iterables():
    sbs = make_trainer(loaders=False)
    with pytest.raises(TypeError, match="train_loader"):
        sbs.set_loaders(None)
    with pytest.raises(TypeError, match="val_loader"):
        sbs.set_loaders(linear_loaders()[0], 42)


def test_set_seed_rejects_bad_seeds():
    with pytest.raises(ValueError, match="seed"):
        make_trainer().set_seed(-1)


def test_validation_is_optional():
    sbs = make_trainer(loaders=False)
    sbs.set_loaders(linear_loaders()[0])
    sbs.train(3)
    assert len(sbs.losses) == 3 and sbs.val_losses == []


def test_no_gradients_leak_from_validation():
    sbs = make_trainer()
    sbs.train(2)
    assert all(p.grad is None or torch.all(p.grad == 0) for p in sbs.model.parameters())


@pytest.mark.parametrize("opt", [optim.SGD, optim.Adam])
def test_resuming_from_a_checkpoint_equals_uninterrupted_training(tmp_path, opt):
    path = tmp_path / "ckpt" / "model.pth"
    uninterrupted = make_trainer(opt=opt, lr=0.05)
    uninterrupted.train(30)
    uninterrupted.train(20)

    first = make_trainer(opt=opt, lr=0.05)
    first.train(30)
    first.save_checkpoint(path)
    resumed = make_trainer(opt=opt, lr=0.05)  # fresh model and optimizer
    resumed.load_checkpoint(path)
    assert resumed.total_epochs == 30 and resumed.losses == first.losses
    resumed.train(20)

    assert resumed.losses == uninterrupted.losses
    assert resumed.val_losses == uninterrupted.val_losses
    for p, q in zip(resumed.model.parameters(), uninterrupted.model.parameters()):
        assert torch.equal(p, q)


def test_checkpoint_is_weights_only_and_atomic(tmp_path):
    path = tmp_path / "model.pth"
    sbs = make_trainer()
    sbs.train(3)
    sbs.save_checkpoint(path)
    loaded = torch.load(path, weights_only=True)  # plain tensors and Python numbers only
    assert loaded["epoch"] == 3 and all(isinstance(v, float) for v in loaded["loss"])
    assert [p.name for p in tmp_path.iterdir()] == ["model.pth"]  # no temporary files left


def test_failed_save_leaves_previous_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    sbs = make_trainer()
    sbs.save_checkpoint(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        sbs.save_checkpoint(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pth"]


def test_loading_a_missing_or_mismatched_checkpoint_is_clear(tmp_path):
    sbs = make_trainer()
    with pytest.raises(FileNotFoundError, match="save_checkpoint"):
        sbs.load_checkpoint(tmp_path / "nope.pth")
    sbs.save_checkpoint(tmp_path / "small.pth")
    big = nn.Sequential(nn.Linear(3, 1))
    other = v0.StepByStep(big, nn.MSELoss(), optim.SGD(big.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="does not match"):
        other.load_checkpoint(tmp_path / "small.pth")


def test_plot_losses_returns_a_figure_and_needs_training():
    sbs = make_trainer()
    with pytest.raises(RuntimeError, match="train"):
        sbs.plot_losses()
    sbs.train(5)
    fig = sbs.plot_losses()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 2


def test_tensorboard_files_are_written(tmp_path):
    sbs = make_trainer()
    with pytest.raises(RuntimeError, match="set_tensorboard"):
        sbs.add_graph()
    sbs.set_tensorboard("classy", folder=str(tmp_path))
    sbs.add_graph()
    sbs.train(3)
    sbs.writer.close()
    runs = list(tmp_path.iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("classy_")
    events = list(runs[0].rglob("events.out.tfevents.*"))
    assert len(events) >= 3  # the graph, plus one folder per add_scalars tag


def test_to_falls_back_when_the_device_is_missing(capsys):
    sbs = make_trainer()
    sbs.to("cpu")
    assert sbs.device == "cpu"
    if not torch.cuda.is_available():
        sbs.to("cuda")
        assert "Couldn't send the model" in capsys.readouterr().out
        assert sbs.device == "cpu"


def test_step_functions_read_the_current_optimizer():
    sbs = make_trainer(cls=v3.StepByStep)
    x, y = next(iter(sbs.train_loader))
    frozen = optim.SGD(sbs.model.parameters(), lr=0.0)
    sbs.set_optimizer(frozen)
    before = [p.clone() for p in sbs.model.parameters()]
    sbs.train_step_fn(x, y)
    assert all(torch.equal(a, b) for a, b in zip(before, sbs.model.parameters()))
    with pytest.raises(TypeError, match="Optimizer"):
        sbs.set_optimizer("adam")


# ----------------------------------------------------------------------------- v1
def test_v1_counts_only_trainable_parameters():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    sbs = v1.StepByStep(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    assert sbs.count_parameters() == 4 * 3 + 3 + 3 + 1
    for p in model[0].parameters():
        p.requires_grad = False
    assert sbs.count_parameters() == 4


def test_v1_seeds_random_and_the_sampler_generator():
    x = torch.randn(64, 1)
    y = (torch.arange(64) % 4 == 0).float().view(-1, 1)
    sampler = WeightedRandomSampler(torch.ones(64), num_samples=64, replacement=True,
                                    generator=torch.Generator())
    loader = DataLoader(TensorDataset(x, y), batch_size=8, sampler=sampler)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(1, 1))
    sbs = v1.StepByStep(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.1))
    sbs.set_loaders(loader)
    sbs.set_seed(5)
    first = list(iter(sampler))
    r1 = random.random()
    sbs.set_seed(5)
    assert list(iter(sampler)) == first and random.random() == r1


# ----------------------------------------------------------------------------- v2
def small_cnn():
    torch.manual_seed(13)
    model = nn.Sequential()
    model.add_module("conv1", nn.Conv2d(1, 2, kernel_size=3))
    model.add_module("relu1", nn.ReLU())
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(2 * 3 * 3, 3))
    return model


def test_v2_hooks_capture_outputs_and_can_be_removed():
    model = small_cnn()
    sbs = v2.StepByStep(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    sbs.attach_hooks(["conv1", "flatten"])
    sbs.predict(torch.randn(4, 1, 5, 5))
    sbs.predict(torch.randn(2, 1, 5, 5))
    assert sbs.visualization["conv1"].shape == (6, 2, 3, 3)
    assert sbs.visualization["flatten"].shape == (6, 18)
    fig = sbs.visualize_outputs(["conv1", "flatten"], n_images=4)
    assert len(fig.axes) == (2 + 1) * 4
    sbs.remove_hooks()
    assert sbs.handles == {}
    sbs.predict(torch.randn(1, 1, 5, 5))
    assert sbs.visualization["conv1"].shape[0] == 6  # nothing captured any more
    with pytest.raises(ValueError, match="no layer named|No layer named"):
        sbs.attach_hooks(["conv9"])


def test_v2_visualize_filters_draws_a_filter_by_channel_grid():
    model = small_cnn()
    sbs = v2.StepByStep(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    fig = sbs.visualize_filters("conv1")
    assert len(fig.axes) == 2 * 1
    with pytest.raises(ValueError, match="not an nn.Conv2d"):
        sbs.visualize_filters("fc")
    with pytest.raises(ValueError, match="no layer named"):
        sbs.visualize_filters("nope")
    with pytest.raises(RuntimeError, match="attach_hooks"):
        sbs.visualize_outputs(["conv1"])


def test_v2_correct_counts_per_class_multiclass_and_binary():
    model = nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(torch.eye(3, 2))
        model.bias.zero_()
    sbs = v2.StepByStep(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1))
    x = torch.tensor([[1., 0.], [0., 1.], [2., 0.], [-1., -1.]])  # predicts 0, 1, 0, 2
    y = torch.tensor([0, 1, 1, 2])
    assert sbs.correct(x, y).tolist() == [[1, 1], [1, 2], [1, 1]]

    logit_model = nn.Linear(1, 1)
    with torch.no_grad():
        logit_model.weight.fill_(1.0)
        logit_model.bias.fill_(0.0)
    sbs = v2.StepByStep(logit_model, nn.BCEWithLogitsLoss(),
                        optim.SGD(logit_model.parameters(), lr=0.1))
    x = torch.tensor([[-2.], [3.], [1.], [-1.]])
    y = torch.tensor([[0.], [1.], [0.], [0.]])
    assert sbs.correct(x, y).tolist() == [[2, 3], [1, 1]]
    prob_model = nn.Sequential(logit_model, nn.Sigmoid())
    sbs = v2.StepByStep(prob_model, nn.BCELoss(), optim.SGD(prob_model.parameters(), lr=0.1))
    assert sbs.correct(x, y, threshold=0.5).tolist() == [[2, 3], [1, 1]]


def test_v2_loader_apply_sums_and_averages():
    loader = DataLoader(TensorDataset(torch.arange(10.).view(-1, 1), torch.zeros(10)),
                        batch_size=5)
    total = v2.StepByStep.loader_apply(loader, lambda x, y: x.sum(dim=0))
    assert total.item() == 45
    mean = v2.StepByStep.loader_apply(loader, lambda x, y: x.sum(dim=0), reduce="mean")
    assert mean.item() == 22.5
    with pytest.raises(ValueError, match="reduce"):
        v2.StepByStep.loader_apply(loader, lambda x, y: x, reduce="max")


# ----------------------------------------------------------------------------- v3
def test_make_lr_fn_goes_from_start_to_end():
    fn = v3.make_lr_fn(0.01, 0.1, 10, "exp")
    assert fn(0) == pytest.approx(1) and fn(10) == pytest.approx(10)
    assert fn(5) == pytest.approx(np.sqrt(10))
    lin = v3.make_lr_fn(0.01, 0.1, 10, "linear")
    assert lin(5) == pytest.approx(5.5)
    with pytest.raises(ValueError, match="step_mode"):
        v3.make_lr_fn(0.01, 0.1, 10, "cosine")
    with pytest.raises(ValueError, match="num_iter"):
        v3.make_lr_fn(0.01, 0.1, 0)


def test_statistics_and_normalizer():
    torch.manual_seed(0)
    images = torch.rand(20, 3, 4, 4) * torch.tensor([1., 2., 4.]).view(1, 3, 1, 1)
    loader = DataLoader(TensorDataset(images, torch.zeros(20)), batch_size=6)
    stats = v3.StepByStep.statistics_per_channel(images[:6])
    assert stats.shape == (3, 3) and stats[0].tolist() == [6, 6, 6]
    norm = v3.StepByStep.make_normalizer(loader)
    per_image_mean = images.reshape(20, 3, -1).mean(dim=2).mean(dim=0)
    np.testing.assert_allclose(norm.mean, per_image_mean.tolist(), rtol=1e-5)
    with pytest.raises(ValueError, match="N, C, H, W"):
        v3.StepByStep.statistics_per_channel(torch.rand(3, 4, 4))


def test_lr_range_test_restores_model_and_optimizer():
    sbs = make_trainer(cls=v3.StepByStep, lr=1e-3)
    before = {k: v.clone() for k, v in sbs.model.state_dict().items()}
    tracking, fig = sbs.lr_range_test(sbs.train_loader, end_lr=1.0, num_iter=30)
    assert len(tracking["lr"]) == len(tracking["loss"]) == 30
    assert tracking["lr"][0] == pytest.approx(1e-3)
    assert tracking["lr"][-1] == pytest.approx(1e-3 * 1000 ** (29 / 30))
    assert fig.axes[0].get_xscale() == "log"
    for k, v in sbs.model.state_dict().items():
        assert torch.equal(v, before[k])
    assert sbs.optimizer.param_groups[0]["lr"] == 1e-3
    assert "initial_lr" not in sbs.optimizer.param_groups[0]


def test_epoch_scheduler_steps_once_per_epoch():
    sbs = make_trainer(cls=v3.StepByStep, lr=0.1)
    sbs.set_lr_scheduler(optim.lr_scheduler.StepLR(sbs.optimizer, step_size=2, gamma=0.5))
    assert not sbs.is_batch_lr_scheduler
    sbs.train(4)
    assert [lrs[0] for lrs in sbs.learning_rates] == pytest.approx([0.1, 0.05, 0.05, 0.025])


def test_plateau_scheduler_gets_the_validation_loss():
    sbs = make_trainer(cls=v3.StepByStep, lr=0.1)
    sbs.set_lr_scheduler(optim.lr_scheduler.ReduceLROnPlateau(sbs.optimizer, patience=0,
                                                              factor=0.5, threshold=10))
    sbs.train(3)
    assert [lrs[0] for lrs in sbs.learning_rates][-1] < 0.1


def test_batch_scheduler_steps_every_mini_batch():
    sbs = make_trainer(cls=v3.StepByStep, lr=0.1)
    sched = optim.lr_scheduler.CyclicLR(sbs.optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2)
    sbs.set_lr_scheduler(sched)
    assert sbs.is_batch_lr_scheduler
    sbs.train(2)
    assert len(sbs.learning_rates) == 2 * len(sbs.train_loader)


def test_scheduler_must_belong_to_the_trainer_optimizer():
    sbs = make_trainer(cls=v3.StepByStep)
    other = optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="this trainer's optimizer"):
        sbs.set_lr_scheduler(optim.lr_scheduler.StepLR(other, step_size=1))


def test_resume_with_a_scheduler_follows_the_same_learning_rates(tmp_path):
    def build():
        sbs = make_trainer(cls=v3.StepByStep, lr=0.1)
        sbs.set_lr_scheduler(optim.lr_scheduler.StepLR(sbs.optimizer, step_size=3, gamma=0.5))
        return sbs

    full = build()
    full.train(5)
    full.train(5)
    part = build()
    part.train(5)
    part.save_checkpoint(tmp_path / "c.pth")
    resumed = build()
    resumed.load_checkpoint(tmp_path / "c.pth")
    resumed.train(5)
    assert resumed.learning_rates == full.learning_rates
    assert resumed.losses == full.losses


def test_capture_gradients_and_parameters():
    sbs = make_trainer(cls=v3.StepByStep)
    sbs.capture_gradients("0")
    sbs.capture_parameters("0")
    sbs.train(2)
    n_steps = 2 * len(sbs.train_loader)
    assert len(sbs._gradients["0"]["weight"]) == n_steps
    # forward passes: training and validation mini-batches
    assert len(sbs._parameters["0"]["bias"]) == n_steps + 2 * len(sbs.val_loader)
    sbs.remove_hooks()
    with pytest.raises(ValueError, match="No layer named"):
        sbs.capture_gradients("fc9")


# ----------------------------------------------------------------------------- v4
def exploding_batch():
    torch.manual_seed(3)
    x = torch.randn(16, 4) * 100
    y = torch.randn(16, 1) * 1000
    return x, y


def grads_after_step(sbs, x, y):
    """Run backward + the trainer's post-backward hook, and return the gradients."""
    sbs.optimizer.zero_grad()
    loss = sbs.loss_fn(sbs.model(x), y)
    loss.backward()
    sbs._after_backward()
    return [p.grad.clone() for p in sbs.model.parameters()]


def make_v4():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    return v4.StepByStep(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e-6))


def test_clip_by_value():
    sbs = make_v4()
    sbs.set_clip_grad_value(1.0)
    grads = grads_after_step(sbs, *exploding_batch())
    assert max(g.abs().max().item() for g in grads) <= 1.0


def test_clip_by_norm():
    sbs = make_v4()
    sbs.set_clip_grad_norm(2.0)
    grads = grads_after_step(sbs, *exploding_batch())
    total = torch.norm(torch.stack([g.norm() for g in grads]))
    assert total.item() == pytest.approx(2.0, rel=1e-4)


def test_clip_backprop_and_remove_clip():
    sbs = make_v4()
    sbs.set_clip_backprop(0.5)
    assert isinstance(sbs.clipping, list) and len(sbs.clipping) == 4
    grads = grads_after_step(sbs, *exploding_batch())
    assert max(g.abs().max().item() for g in grads) <= 0.5
    sbs.remove_clip()
    assert sbs.clipping is None
    grads = grads_after_step(sbs, *exploding_batch())
    assert max(g.abs().max().item() for g in grads) > 0.5


@pytest.mark.parametrize("method", ["set_clip_grad_value", "set_clip_grad_norm",
                                    "set_clip_backprop"])
def test_clipping_rejects_non_positive_values(method):
    with pytest.raises(ValueError, match="positive"):
        getattr(make_v4(), method)(0)


def test_clipping_is_used_by_train():
    sbs = make_v4()
    x, y = exploding_batch()
    sbs.set_loaders(DataLoader(TensorDataset(x, y), batch_size=16))
    sbs.optimizer.param_groups[0]["lr"] = 1.0
    sbs.set_clip_grad_value(1e-3)
    before = [p.clone() for p in sbs.model.parameters()]
    sbs.train(1)
    # lr 1 times gradients clipped to 1e-3: no parameter moves by more than 1e-3
    moved = max((p - q).abs().max().item() for p, q in zip(sbs.model.parameters(), before))
    assert 0 < moved <= 1e-3 * (1 + 1e-5)


def test_public_methods_have_docstrings():
    for name, member in inspect.getmembers(v4.StepByStep, inspect.isfunction):
        if not name.startswith("_"):
            assert member.__doc__, f"{name} has no docstring"


def test_steps_put_the_model_in_the_right_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    sbs = v0.StepByStep(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
    x, y = torch.randn(8, 4), torch.randn(8, 1)
    model.eval()
    sbs.train_step_fn(x, y)
    assert model.training and model[1].training
    sbs.val_step_fn(x, y)
    assert not model.training and not model[1].training


def test_a_trainer_without_loss_and_optimizer_only_predicts():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1))
    sbs = v4.StepByStep(model, None, None)
    assert sbs.predict(np.array([[1.0]])).shape == (1, 1)
    sbs.set_loaders(linear_loaders()[0])
    with pytest.raises(RuntimeError, match="can only predict"):
        sbs.train(1)


def test_the_class_chapter_2_1_builds_in_cells_trains_like_v0():
    """Chapter 2.1 assembles StepByStep cell by cell; helpers.stepbystep.v0 is that class.

    Trained the same way from the same start, both end with the same parameters and losses.
    """
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "notebooks" / "Chapter02.1.ipynb"
    sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
               if c["cell_type"] == "code"]
    first = next(i for i, s in enumerate(sources) if "def __init__(self, model, loss_fn" in s)
    last = next(i for i, s in enumerate(sources) if s.startswith("def plot_losses"))
    namespace: dict = {}
    exec("import os, warnings\nfrom datetime import datetime\nimport numpy as np\nimport torch\n"
         "import matplotlib.pyplot as plt\n"
         "from torch.utils.tensorboard import SummaryWriter", namespace)
    for source in sources[first:last + 1]:
        if not any(line.startswith(("%", "!")) for line in source.splitlines()):
            exec(source, namespace)
    built = namespace["StepByStep"]
    assert built is not v0.StepByStep

    trainers = [make_trainer(cls=cls) for cls in (built, v0.StepByStep)]
    for sbs in trainers:
        sbs.train(30)
    ours, packaged = trainers
    assert ours.total_epochs == packaged.total_epochs == 30
    assert all(torch.equal(a, b) for a, b in zip(ours.model.parameters(),
                                                 packaged.model.parameters()))
    np.testing.assert_allclose(ours.losses, packaged.losses, rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours.val_losses, packaged.val_losses, rtol=1e-12, atol=0)
    x_new = np.array([[0.2], [0.5]])
    np.testing.assert_array_equal(ours.predict(x_new), packaged.predict(x_new))
