"""The three helper functions of chapter 2, which turn the training loop into reusable parts.

- :func:`make_train_step_fn` builds a function that performs one training step on a mini-batch;
- :func:`make_val_step_fn` builds a function that computes the loss on a mini-batch, no update;
- :func:`mini_batch` loops over a data loader with one of those step functions and returns the
  mean loss.

It also holds :class:`LegacyRandomSampler`, a sampler that shuffles the way PyTorch 1.x's
``RandomSampler`` did. It exists only to show where the book's printed numbers come from; use
``shuffle=True`` in your own code.

The versioned scripts in ``notebooks/model_configuration`` and ``notebooks/model_training``
import these functions from here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized

import numpy as np
import torch
from torch import nn
from torch.utils.data import Sampler

__all__ = ["make_train_step_fn", "make_val_step_fn", "mini_batch", "LegacyRandomSampler"]

StepFn = Callable[[torch.Tensor, torch.Tensor], float]


def _check_model_and_loss(model, loss_fn) -> None:
    """Raise TypeError unless ``model`` is an nn.Module and ``loss_fn`` is callable."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module (e.g. nn.Sequential(nn.Linear(1, 1))), "
                        f"got {type(model).__name__}.")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (e.g. nn.MSELoss()), got {type(loss_fn).__name__}.")


def make_train_step_fn(model: nn.Module, loss_fn: Callable,
                       optimizer: torch.optim.Optimizer) -> StepFn:
    """Return ``perform_train_step_fn(x, y) -> float`` that updates ``model`` once on (x, y)."""
    _check_model_and_loss(model, loss_fn)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (e.g. optim.SGD(model.parameters(), "
                        f"lr=0.1)), got {type(optimizer).__name__}.")

    def perform_train_step_fn(x: torch.Tensor, y: torch.Tensor) -> float:
        # Step 0: put the model in training mode
        model.train()
        # Step 1: forward pass, the model's predictions
        yhat = model(x)
        # Step 2: the loss
        loss = loss_fn(yhat, y)
        # Step 3: gradients of the loss with respect to every parameter
        loss.backward()
        # Step 4: update the parameters, then clear the gradients for the next step
        optimizer.step()
        optimizer.zero_grad()
        # Return a plain Python float
        return loss.item()

    return perform_train_step_fn


def make_val_step_fn(model: nn.Module, loss_fn: Callable) -> StepFn:
    """Return ``perform_val_step_fn(x, y) -> float`` that computes the loss without updating."""
    _check_model_and_loss(model, loss_fn)

    def perform_val_step_fn(x: torch.Tensor, y: torch.Tensor) -> float:
        # Step 0: put the model in evaluation mode
        model.eval()
        # Step 1: forward pass
        yhat = model(x)
        # Step 2: the loss
        loss = loss_fn(yhat, y)
        # No gradients, no update: this is evaluation
        return loss.item()

    return perform_val_step_fn


def mini_batch(device: str | torch.device, data_loader: Iterable, step_fn: StepFn) -> float:
    """Run ``step_fn`` on every mini-batch of ``data_loader`` (sent to ``device``); return the mean loss.

    The result is a plain Python float (not a NumPy scalar), so loss lists can be saved in a
    checkpoint and read back with ``torch.load(..., weights_only=True)``.
    """
    if not callable(step_fn):
        raise TypeError(f"step_fn must be a function such as the one make_train_step_fn returns, "
                        f"got {type(step_fn).__name__}.")
    losses = []
    for features, labels in data_loader:
        # the loader hands out CPU tensors; only the mini-batch in hand moves to the device
        losses.append(step_fn(features.to(device), labels.to(device)))
    if not losses:
        raise ValueError("data_loader produced no mini-batches; check that its dataset is not empty "
                         "and that drop_last=False or batch_size <= len(dataset).")
    # the epoch's loss: the plain average of its mini-batch losses
    return float(np.mean(losses))


class LegacyRandomSampler(Sampler[int]):
    """Shuffle like PyTorch 1.x's ``RandomSampler``: one ``torch.randperm`` on the global generator.

    Since PyTorch 1.9, ``RandomSampler`` draws one number from the global generator and shuffles
    with a private generator seeded by it. Both are reproducible, but they give different orders
    for the same seed, and so slightly different trained weights. Pass this sampler
    (``DataLoader(dataset, batch_size=16, sampler=LegacyRandomSampler(dataset))``) to recover the
    numbers printed in the book. For your own work, prefer ``shuffle=True``.
    """

    def __init__(self, data_source: Sized) -> None:
        if not hasattr(data_source, "__len__"):
            raise TypeError(f"data_source must have a length (a Dataset or a tensor), "
                            f"got {type(data_source).__name__}.")
        if len(data_source) == 0:
            raise ValueError("data_source is empty; there is nothing to shuffle.")
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(torch.randperm(len(self.data_source)).tolist())

    def __len__(self) -> int:
        return len(self.data_source)
