"""Tiny models for the Bonus chapter (Feature Space) and the maths to look inside them.

* :func:`feature_space_model` builds the chapter's three kinds of models with the book's layer
  names (``hidden``/``activation``/``output``/``sigmoid``, or ``hidden0``, ``activation0``, ...);
* :func:`space_stages` lists the points of a model where the data live in a 2-D space we can draw
  (the input, after each 2-unit hidden layer, after each of their activations);
* :func:`map_to_stage` / :func:`predict_from_stage` push points from the input to a stage, and
  from a stage to the final probability;
* :func:`make_grid_lines` builds the grid of the original feature space that the figures bend;
* :class:`SnapshotStepByStep` is the chapter's trainer: ``StepByStep`` (v1) that also keeps a copy
  of the model's weights at chosen epochs, so the figures can show training stages.
"""
from __future__ import annotations

import copy
import numbers
from typing import Sequence

import numpy as np
import torch
from torch import nn

from helpers.stepbystep.v1 import StepByStep

__all__ = ["feature_space_model", "space_stages", "map_to_stage", "predict_from_stage",
           "make_grid_lines", "accuracy", "output_accuracy_from_last_space",
           "snapshot_accuracies", "SnapshotStepByStep"]

_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "prelu": nn.PReLU,
                "leaky_relu": nn.LeakyReLU}


def _activation_factory(activation):
    if isinstance(activation, str):
        try:
            return _ACTIVATIONS[activation.lower()]
        except KeyError:
            raise ValueError(f"Unknown activation {activation!r}; use one of "
                             f"{sorted(_ACTIVATIONS)} or an nn.Module class.") from None
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation
    raise TypeError(f"activation must be a name such as 'tanh' or an nn.Module class such as "
                    f"nn.Tanh (the class, not an instance), got {activation!r}.")


def feature_space_model(hidden: Sequence[int] = (2,), activation="sigmoid",
                        project_to: int | None = None, n_features: int = 2,
                        seed: int | None = None) -> nn.Sequential:
    """A small binary classifier: hidden Linear layers, each followed by ``activation``, an
    optional ``project_to`` Linear layer without activation, then ``output`` Linear(., 1) and a
    ``sigmoid``. One hidden layer is named ``hidden``/``activation``; more are numbered.

    ``feature_space_model((2,), 'tanh')`` is the 2-2-1 model, ``((2, 2), 'tanh')`` the deeper
    2-2-2-1 one and ``((10,), 'prelu', project_to=2)`` the wider 2-10-2-1 one.
    """
    factory = _activation_factory(activation)
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of layer sizes such as (2,), got {hidden!r}.")
    hidden = list(hidden)
    sizes = hidden + ([project_to] if project_to is not None else [])
    if not hidden or any(isinstance(h, bool) or not isinstance(h, numbers.Integral) or h < 1
                         for h in sizes):
        raise ValueError(f"hidden (and project_to) must be positive integer layer sizes, "
                         f"got hidden={hidden!r}, project_to={project_to!r}.")
    hidden = [int(h) for h in hidden]
    if seed is not None:
        torch.manual_seed(seed)
    model = nn.Sequential()
    numbered = len(hidden) > 1 or project_to is not None
    n_in = n_features
    for i, n_out in enumerate(hidden):
        suffix = str(i) if numbered else ""
        model.add_module(f"hidden{suffix}", nn.Linear(n_in, n_out))
        model.add_module(f"activation{suffix}", factory())
        n_in = n_out
    if project_to is not None:
        model.add_module(f"hidden{len(hidden)}", nn.Linear(n_in, project_to))
        n_in = project_to
    model.add_module("output", nn.Linear(n_in, 1))
    model.add_module("sigmoid", nn.Sigmoid())
    return model


def _as_tensor(points) -> torch.Tensor:
    return torch.as_tensor(np.asarray(points), dtype=torch.float32)


def space_stages(model: nn.Sequential, n_features: int = 2) -> list[tuple[int, str]]:
    """``(index, name)`` of every 2-D space in ``model``: ``model[:index]`` maps the input there.

    Index 0 is the original space; the others follow each layer whose output has two features,
    up to (not including) the ``output`` layer.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError("model must be an nn.Sequential (see feature_space_model).")
    names = [name for name, _ in model.named_children()]
    if "output" not in names:
        raise ValueError("model must have a layer named 'output' (see feature_space_model).")
    stages = [(0, "input")] if n_features == 2 else []
    width = n_features
    for i, (name, layer) in enumerate(model.named_children()):
        if name == "output":
            break
        if isinstance(layer, nn.Linear):
            width = layer.out_features
        if width == 2:
            stages.append((i + 1, name))
    return stages


@torch.no_grad()
def _run_part(part: nn.Module, model: nn.Module, points) -> np.ndarray:
    """Run ``part`` (a slice of ``model``) in eval mode on ``points``; restore the model's mode."""
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        out = part(_as_tensor(points).to(device))
    finally:
        model.train(was_training)
    return out.cpu().numpy()


def map_to_stage(model: nn.Sequential, points, index: int) -> np.ndarray:
    """Send ``points`` (N, n_features) through ``model[:index]`` and return a NumPy array."""
    return _run_part(model[:index], model, points)


def predict_from_stage(model: nn.Sequential, points, index: int) -> np.ndarray:
    """Probability of the positive class for ``points`` living in the space at ``index``."""
    return _run_part(model[index:], model, points)


def make_grid_lines(xlim: tuple[float, float] = (-1.0, 1.0), ylim: tuple[float, float] = (-0.6, 1.1),
                    n_lines: int = 11, n_samples: int = 201) -> list[np.ndarray]:
    """``n_lines`` vertical and ``n_lines`` horizontal lines over the box, each (n_samples, 2)."""
    for name, value in (("n_lines", n_lines), ("n_samples", n_samples)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 2:
            raise ValueError(f"{name} must be an integer >= 2, got {value!r}.")
    (x_lo, x_hi), (y_lo, y_hi) = xlim, ylim
    if not (x_lo < x_hi and y_lo < y_hi):
        raise ValueError(f"xlim and ylim must be (low, high) pairs, got {xlim!r} and {ylim!r}.")
    xs, ys = np.linspace(x_lo, x_hi, n_lines), np.linspace(y_lo, y_hi, n_lines)
    t_x, t_y = np.linspace(x_lo, x_hi, n_samples), np.linspace(y_lo, y_hi, n_samples)
    vertical = [np.stack([np.full(n_samples, x), t_y], axis=1) for x in xs]
    horizontal = [np.stack([t_x, np.full(n_samples, y)], axis=1) for y in ys]
    return vertical + horizontal


def accuracy(model: nn.Sequential, X, y) -> float:
    """Share of points whose predicted probability is on the same side of 0.5 as their label."""
    probs = map_to_stage(model, X, len(model))
    return float(((probs > 0.5) == (np.asarray(y).reshape(probs.shape) > 0.5)).mean())


def snapshot_accuracies(model: nn.Sequential, snapshots: dict[int, dict], X, y) -> dict[int, float]:
    """Accuracy on ``(X, y)`` of every saved state (epoch -> accuracy); ``model`` is not changed."""
    work = copy.deepcopy(model)
    result = {}
    for epoch in sorted(snapshots):
        work.load_state_dict(snapshots[epoch])
        result[epoch] = accuracy(work, X, y)
    return result


def output_accuracy_from_last_space(model: nn.Sequential, X, y) -> float:
    """Accuracy of the output layer alone, fed with the points in the last 2-D space.

    This is the "a straight line separates the activated space" check: the output layer is a
    logistic regression, so its decision boundary there is a line.
    """
    index = space_stages(model)[-1][0]
    features = map_to_stage(model, X, index)
    probs = predict_from_stage(model, features, index)
    return float(((probs > 0.5) == (np.asarray(y).reshape(probs.shape) > 0.5)).mean())


class SnapshotStepByStep(StepByStep):
    """``StepByStep`` (v1) that also stores a deep copy of the model's ``state_dict`` at the end
    of every epoch listed in ``snapshot_epochs`` (epoch 0 = before training) in ``snapshots``.
    """

    def __init__(self, model, loss_fn, optimizer, snapshot_epochs: Sequence[int] = ()):
        super().__init__(model, loss_fn, optimizer)
        self.snapshot_epochs = set(int(e) for e in snapshot_epochs)
        self.snapshots: dict[int, dict] = {}
        if 0 in self.snapshot_epochs:
            self._snapshot()

    def _snapshot(self) -> None:
        self.snapshots[self.total_epochs] = copy.deepcopy(
            {k: v.detach().cpu() for k, v in self.model.state_dict().items()})

    def _on_epoch_end(self, val_loss) -> None:
        super()._on_epoch_end(val_loss)
        if self.total_epochs in self.snapshot_epochs:
            self._snapshot()
