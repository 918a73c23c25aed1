"""Tools of chapter 6 for comparing optimizers and schedulers on the simple linear regression.

- ``contour_data``: the MSE loss surface of y = b + w x on a (b, w) grid, and the optimum;
- ``compare_optimizers``: train the same initial model once per optimizer (and scheduler), recording
  parameters, gradients, losses, the optimizer's final state and the learning rates.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Callable

import numpy as np
import torch
from torch import nn

__all__ = ["contour_data", "compare_optimizers"]


def contour_data(x: np.ndarray, y: np.ndarray, low: float = 0.7, high: float = 2.3,
                 n: int = 101) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """Return ``(bs, ws, losses, (b_opt, w_opt))``: an n x n grid of MSE values and the optimum."""
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size < 2:
        raise ValueError("x and y must hold the same number (at least 2) of values.")
    if not low < high:
        raise ValueError(f"low must be smaller than high, got {low} and {high}.")
    values = np.linspace(low, high, n)
    bs, ws = np.meshgrid(values, values)
    predictions = bs[..., None] + ws[..., None] * x
    losses = ((predictions - y) ** 2).mean(axis=-1)
    w_opt, b_opt = np.polyfit(x, y, 1)
    return bs, ws, losses, (float(b_opt), float(w_opt))


def compare_optimizers(model: nn.Module, loss_fn: Callable,
                       optimizers: dict[str, Callable], train_loader, val_loader=None,
                       schedulers: dict[str, Callable] | None = None,
                       layers_to_hook: str | list[str] = "linear", n_epochs: int = 10,
                       trainer=None) -> dict[str, dict]:
    """Train a copy of ``model`` once per entry of ``optimizers`` (name -> fn(params) -> optimizer).

    Every run starts from the same initial weights. ``schedulers`` maps a name to
    fn(optimizer) -> scheduler. Returns name -> dict with 'parameters' and 'gradients' (as captured
    by the trainer), 'losses', 'val_losses', 'state' (the optimizer's state_dict) and 'lrs'.
    """
    if trainer is None:
        from helpers.stepbystep.v3 import StepByStep as trainer
    if not optimizers:
        raise ValueError("optimizers must map at least one name to a function of the parameters.")
    schedulers = schedulers or {}
    unknown = set(schedulers) - set(optimizers)
    if unknown:
        raise ValueError(f"schedulers names {sorted(unknown)} are not in optimizers.")
    initial = deepcopy(model.state_dict())
    results = {}
    for name, make_optimizer in optimizers.items():
        run_model = deepcopy(model)
        run_model.load_state_dict(initial)
        optimizer = make_optimizer(run_model.parameters())
        sbs = trainer(run_model, loss_fn, optimizer)
        sbs.set_loaders(train_loader, val_loader)
        if name in schedulers:
            sbs.set_lr_scheduler(schedulers[name](optimizer))
        sbs.capture_parameters(layers_to_hook)
        sbs.capture_gradients(layers_to_hook)
        sbs.train(n_epochs)
        sbs.remove_hooks()
        results[name] = {"parameters": deepcopy(sbs._parameters),
                         "gradients": deepcopy(sbs._gradients),
                         "losses": list(sbs.losses), "val_losses": list(sbs.val_losses),
                         "state": deepcopy(optimizer.state_dict()),
                         "lrs": [lrs[0] for lrs in sbs.learning_rates]}
    return results
