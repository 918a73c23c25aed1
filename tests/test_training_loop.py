"""Tests for helpers/training_loop.py and the chapter-2 versioned scripts that use it."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

from data_generation.simple_linear_regression import make_linear_data, split_indices
from helpers.training_loop import (LegacyRandomSampler, make_train_step_fn, make_val_step_fn,
                                   mini_batch)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _setup(lr=0.1):
    torch.manual_seed(42)
    model = nn.Sequential(nn.Linear(1, 1))
    optimizer = optim.SGD(model.parameters(), lr=lr)
    return model, optimizer, nn.MSELoss()


def _batch():
    x = torch.linspace(0, 1, 8).reshape(-1, 1)
    return x, 1 + 2 * x


def test_train_step_matches_a_manual_sgd_update():
    model, optimizer, loss_fn = _setup()
    x, y = _batch()
    w0, b0 = model[0].weight.item(), model[0].bias.item()
    # Manual gradient of the MSE for yhat = b + w x
    error = (b0 + w0 * x) - y
    expected_loss = float((error ** 2).mean())
    grad_b = float(2 * error.mean())
    grad_w = float(2 * (x * error).mean())

    step = make_train_step_fn(model, loss_fn, optimizer)
    model.eval()  # the step must switch back to training mode by itself
    loss = step(x, y)

    assert isinstance(loss, float)
    assert loss == pytest.approx(expected_loss, rel=1e-6)
    assert model.training
    assert model[0].weight.item() == pytest.approx(w0 - 0.1 * grad_w, rel=1e-5)
    assert model[0].bias.item() == pytest.approx(b0 - 0.1 * grad_b, rel=1e-5)
    # Gradients were zeroed (or set to None) after the update
    assert model[0].weight.grad is None or torch.all(model[0].weight.grad == 0)


def test_val_step_computes_the_loss_and_changes_nothing():
    model, optimizer, loss_fn = _setup()
    x, y = _batch()
    before = [p.detach().clone() for p in model.parameters()]
    val_step = make_val_step_fn(model, loss_fn)
    loss = val_step(x, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(loss_fn(model(x), y).item())
    assert not model.training
    for p0, p1 in zip(before, model.parameters()):
        assert torch.equal(p0, p1)


def test_each_builder_returns_a_closure_bound_to_its_own_model():
    model_a, opt_a, loss_fn = _setup()
    model_b, opt_b, _ = _setup()
    step_a = make_train_step_fn(model_a, loss_fn, opt_a)
    x, y = _batch()
    step_a(x, y)
    assert not torch.equal(model_a[0].weight, model_b[0].weight)


def test_mini_batch_returns_the_python_float_mean_of_the_step_losses():
    x = torch.arange(10, dtype=torch.float32).reshape(-1, 1)
    loader = DataLoader(TensorDataset(x, x), batch_size=4)  # batches of 4, 4, 2
    seen = []

    def fake_step(xb, yb):
        seen.append(len(xb))
        return float(xb.sum())

    result = mini_batch("cpu", loader, fake_step)
    assert seen == [4, 4, 2]
    assert type(result) is float
    assert result == pytest.approx(np.mean([6.0, 22.0, 17.0]))


def test_mini_batch_losses_survive_a_weights_only_checkpoint(tmp_path):
    model, optimizer, loss_fn = _setup()
    x, y = _batch()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    losses = [mini_batch("cpu", loader, make_train_step_fn(model, loss_fn, optimizer))]
    path = tmp_path / "ckpt.pth"
    torch.save({"loss": losses, "model_state_dict": model.state_dict()}, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded["loss"] == losses


def test_bad_arguments_raise_clear_errors():
    model, optimizer, loss_fn = _setup()
    with pytest.raises(TypeError, match="torch.nn.Module"):
        make_train_step_fn(lambda x: x, loss_fn, optimizer)
    with pytest.raises(TypeError, match="Optimizer"):
        make_train_step_fn(model, loss_fn, "sgd")
    with pytest.raises(TypeError, match="callable"):
        make_val_step_fn(model, "mse")
    with pytest.raises(TypeError, match="step_fn"):
        mini_batch("cpu", [], None)
    empty = DataLoader(TensorDataset(torch.zeros(0, 1), torch.zeros(0, 1)), batch_size=4)
    with pytest.raises(ValueError, match="no mini-batches"):
        mini_batch("cpu", empty, lambda a, b: 0.0)


def test_legacy_sampler_is_one_randperm_on_the_global_generator():
    data = TensorDataset(torch.zeros(20, 1))
    torch.manual_seed(3)
    first = list(LegacyRandomSampler(data))
    torch.manual_seed(3)
    assert first == torch.randperm(20).tolist()
    assert sorted(first) == list(range(20))
    assert len(LegacyRandomSampler(data)) == 20
    with pytest.raises(ValueError, match="empty"):
        LegacyRandomSampler(TensorDataset(torch.zeros(0, 1)))
    with pytest.raises(TypeError, match="length"):
        LegacyRandomSampler(object())


def _run(script: str, namespace: dict) -> dict:
    """Run a versioned script the way `%run -i` does: in (and updating) a shared namespace."""
    result = runpy.run_path(str(NOTEBOOKS / script), init_globals=namespace, run_name="__main__")
    namespace.update(result)
    return namespace


def _linear_data() -> dict:
    x, y = make_linear_data(100, 1, 2, seed=42)
    train_idx, val_idx = split_indices(100, 0.8)
    return {"x": x, "y": y, "x_train": x[train_idx], "y_train": y[train_idx]}


def test_data_preparation_v1_and_v2_build_the_expected_loaders():
    ns = _run("data_preparation/v1.py", _linear_data())
    assert len(ns["train_data"]) == 80 and ns["train_loader"].batch_size == 16
    first_x, first_y = ns["train_data"][0]
    assert round(first_x.item(), 4) == 0.7713 and round(first_y.item(), 4) == 2.4745
    ns = _run("data_preparation/v2.py", _linear_data())
    assert (len(ns["train_data"]), len(ns["val_data"])) == (80, 20)
    assert sorted(ns["train_data"].indices + ns["val_data"].indices) == list(range(100))
    again = _run("data_preparation/v2.py", _linear_data())
    assert again["train_data"].indices == ns["train_data"].indices


def test_chapter2_pipeline_trains_close_to_the_book_and_exactly_with_legacy_shuffling(tmp_path,
                                                                                        monkeypatch):
    """Data V2 + Config V2 + Training V4: within 0.01 of the book; exact with the legacy sampler."""
    ns = _run("data_preparation/v2.py", _linear_data())
    ns = _run("model_configuration/v2.py", ns)
    ns = _run("model_training/v4.py", ns)
    w, b = ns["model"][0].weight.item(), ns["model"][0].bias.item()
    assert abs(w - 1.9419) < 0.01 and abs(b - 1.0244) < 0.01
    assert len(ns["losses"]) == len(ns["val_losses"]) == 200
    assert all(type(v) is float for v in ns["losses"] + ns["val_losses"])
    assert ns["val_losses"][-1] < ns["val_losses"][0]

    ns = _run("data_preparation/v2.py", _linear_data())
    ns["train_loader"] = DataLoader(ns["train_data"], batch_size=16,
                                    sampler=LegacyRandomSampler(ns["train_data"]))
    ns = _run("model_configuration/v2.py", ns)
    ns = _run("model_training/v4.py", ns)
    assert round(ns["model"][0].weight.item(), 4) == 1.9419
    assert round(ns["model"][0].bias.item(), 4) == 1.0244


def test_model_configuration_v3_and_training_v5_write_tensorboard_logs(tmp_path, monkeypatch):
    from helpers.tensorboard_logs import read_run

    monkeypatch.chdir(tmp_path)  # the scripts write to runs/ relative to the working folder
    ns = _run("data_preparation/v2.py", _linear_data())
    ns = _run("model_configuration/v3.py", ns)
    ns = _run("model_training/v5.py", ns)
    run = read_run(tmp_path / "runs" / "simple_linear_regression")
    assert run.has_graph
    steps, values = run.scalars["training"]
    assert list(steps) == list(range(200))
    np.testing.assert_allclose(values, ns["losses"], rtol=1e-6)
    np.testing.assert_allclose(run.scalars["validation"][1], ns["val_losses"], rtol=1e-6)


def test_model_configuration_v4_leaves_the_model_on_the_cpu():
    ns = _run("model_configuration/v4.py", {})
    assert next(ns["model"].parameters()).device.type == "cpu"
    assert round(ns["model"][0].weight.item(), 4) == 0.7645
    assert round(ns["model"][0].bias.item(), 4) == 0.8300
    assert "device" not in ns and "train_step_fn" not in ns


def test_chapter2_tensorboard_run_reproduces_the_book_with_legacy_shuffling(tmp_path, monkeypatch):
    """Data V2 + Config V3 (which borrows one mini-batch) + Training V5: the book's 1.9448 / 1.0295."""
    monkeypatch.chdir(tmp_path)
    ns = _run("data_preparation/v2.py", _linear_data())
    ns["train_loader"] = DataLoader(ns["train_data"], batch_size=16,
                                    sampler=LegacyRandomSampler(ns["train_data"]))
    ns = _run("model_configuration/v3.py", ns)
    ns = _run("model_training/v5.py", ns)
    assert round(ns["model"][0].weight.item(), 4) == 1.9448
    assert round(ns["model"][0].bias.item(), 4) == 1.0295


def _notebook_definitions(notebook: str, starts: tuple[str, ...]) -> dict:
    """Run the code cells of ``notebook`` that start with one of ``starts``; return their names."""
    import json

    cells = json.loads((NOTEBOOKS / notebook).read_text())["cells"]
    namespace = {"np": np, "torch": torch, "nn": nn, "optim": optim}
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    chosen = [s for s in sources if s.startswith(starts)]
    assert len(chosen) == len(starts), "a cell that defines a chapter helper went missing"
    for source in chosen:
        exec(compile(source, notebook, "exec"), namespace)
    return namespace


def test_the_helpers_chapter_2_builds_in_cells_are_the_packaged_ones():
    """Chapter 2 writes the three helpers in cells; its scripts import them from helpers/.

    Both versions, run on the same data from the same start, give the same losses and weights.
    """
    built = _notebook_definitions("Chapter02.ipynb", ("def make_train_step_fn",
                                                      "def make_val_step_fn", "def mini_batch"))
    x, y = make_linear_data(seed=42)
    data = TensorDataset(torch.as_tensor(x).float(), torch.as_tensor(y).float())
    results = []
    for helpers_of in (built, {"make_train_step_fn": make_train_step_fn,
                               "make_val_step_fn": make_val_step_fn, "mini_batch": mini_batch}):
        model, optimizer, loss_fn = _setup()
        train_step = helpers_of["make_train_step_fn"](model, loss_fn, optimizer)
        val_step = helpers_of["make_val_step_fn"](model, loss_fn)
        torch.manual_seed(7)
        loader = DataLoader(data, batch_size=16, shuffle=True)
        losses = [helpers_of["mini_batch"]("cpu", loader, train_step) for _ in range(20)]
        with torch.no_grad():
            losses.append(helpers_of["mini_batch"]("cpu", loader, val_step))
        results.append((losses, [p.detach().clone() for p in model.parameters()]))
    (built_losses, built_params), (packaged_losses, packaged_params) = results
    assert built_losses == packaged_losses
    assert all(torch.equal(a, b) for a, b in zip(built_params, packaged_params))
    assert built_losses[-2] < built_losses[0]  # it did learn something
