"""StepByStep v3 (chapter 6): normalization statistics, learning rates and what happens inside.

Adds to v2:
- ``make_lr_fn`` (module function) and ``lr_range_test``: the learning-rate range test;
- ``statistics_per_channel`` / ``make_normalizer`` (static): per-channel mean and std from a loader;
- ``set_optimizer``: swap the optimizer;
- ``capture_gradients`` / ``capture_parameters``: record gradients and parameters while training;
- ``set_lr_scheduler``: epoch schedulers step after validation, mini-batch schedulers (CyclicLR,
  OneCycleLR, CosineAnnealingWarmRestarts) after every training mini-batch; ``learning_rates``.
"""
from __future__ import annotations

from copy import deepcopy
from itertools import islice
from typing import Callable, Iterable, Iterator, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch.optim.lr_scheduler import (CosineAnnealingWarmRestarts, CyclicLR, LambdaLR, OneCycleLR,
                                      ReduceLROnPlateau)

from helpers.stepbystep.v2 import StepByStep as StepByStepV2

__all__ = ["StepByStep", "make_lr_fn"]

BATCH_SCHEDULERS = (CyclicLR, OneCycleLR, CosineAnnealingWarmRestarts)


def make_lr_fn(start_lr: float, end_lr: float, num_iter: int,
               step_mode: str = "exp") -> Callable[[int], float]:
    """Return a LambdaLR factor function that goes from start_lr to end_lr in num_iter steps."""
    if step_mode not in ("exp", "linear"):
        raise ValueError(f"step_mode must be 'exp' or 'linear', got {step_mode!r}.")
    if not (start_lr > 0 and end_lr > 0):
        raise ValueError(f"learning rates must be positive, got start_lr={start_lr}, "
                         f"end_lr={end_lr}.")
    if isinstance(num_iter, bool) or not isinstance(num_iter, (int, np.integer)) or num_iter < 1:
        raise ValueError(f"num_iter must be a positive integer, got {num_iter!r}.")
    # LambdaLR multiplies start_lr by what the function returns: 1 at the start, and
    # end_lr / start_lr after num_iter steps
    if step_mode == "exp":
        # the same ratio between consecutive steps: a straight line on a log axis
        ratio = np.exp((np.log(end_lr) - np.log(start_lr)) / num_iter)
        return lambda iteration: float(ratio ** iteration)
    # the same increment at every step
    increment = (end_lr / start_lr - 1) / num_iter
    return lambda iteration: 1 + iteration * increment


def _cycle_batches(loader: Iterable) -> Iterator:
    """Mini-batches of ``loader``, pass after pass, for as long as they are asked for."""
    while True:
        yield from loader


def _smoothed(values: list[float], alpha: float) -> list[float]:
    """Exponentially weighted moving average; the first value is kept as it is."""
    averages: list[float] = []
    for value in values:
        averages.append(alpha * value + (1 - alpha) * averages[-1] if averages else value)
    return averages


class StepByStep(StepByStepV2):
    """v2 plus normalizer statistics, the LR range test, schedulers and capture hooks."""

    def __init__(self, model, loss_fn, optimizer):
        super().__init__(model, loss_fn, optimizer)
        self.scheduler = None
        self.is_batch_lr_scheduler = False
        self.learning_rates: list[list[float]] = []
        self._gradients: dict = {}
        self._parameters: dict = {}

    # ---------------------------------------------------------- normalizing
    @staticmethod
    def statistics_per_channel(images: torch.Tensor, labels=None) -> torch.Tensor:
        """Return a (3, C) tensor: number of images, and sums of per-image channel means and stds."""
        if images.ndim != 4:
            raise ValueError(f"images must be a batch shaped (N, C, H, W), got {tuple(images.shape)}.")
        n_samples, n_channels = images.shape[:2]
        flat = images.reshape(n_samples, n_channels, -1)
        means = flat.mean(dim=2)
        stds = flat.std(dim=2)
        sum_means = means.sum(dim=0)
        sum_stds = stds.sum(dim=0)
        counts = torch.full((n_channels,), float(n_samples))
        return torch.stack([counts, sum_means, sum_stds], dim=0)

    @staticmethod
    def make_normalizer(loader):
        """Build a torchvision ``Normalize`` with the channel means and stds seen in ``loader``."""
        from torchvision.transforms import v2 as T

        total = StepByStep.loader_apply(loader, StepByStep.statistics_per_channel)
        mean = total[1] / total[0]
        std = total[2] / total[0]
        return T.Normalize(mean=mean.tolist(), std=std.tolist())

    # ------------------------------------------------------ learning rates
    def set_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        """Replace the optimizer (the training step reads it at call time)."""
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer, got "
                            f"{type(optimizer).__name__}.")
        self.optimizer = optimizer

    def lr_range_test(self, data_loader, end_lr: float, num_iter: int = 100,
                      step_mode: str = "exp", alpha: float = 0.05, ax=None):
        """Raise the learning rate every mini-batch and record the (smoothed) loss.

        Model and optimizer are restored afterwards. Returns ``(tracking, fig)`` where tracking
        has the lists 'lr' and 'loss'.
        """
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha (the smoothing factor) must be in (0, 1], got {alpha}.")
        # the test really trains: keep copies to put model and optimizer back afterwards
        model_before = deepcopy(self.model.state_dict())
        optimizer_before = deepcopy(self.optimizer.state_dict())
        start_lr = optimizer_before["param_groups"][0]["lr"]
        scheduler = LambdaLR(self.optimizer, make_lr_fn(start_lr, end_lr, num_iter, step_mode))

        learning_rates, raw_losses = [], []
        self.model.train()
        batches = islice(_cycle_batches(data_loader), num_iter)
        for step, (features, labels) in enumerate(batches, start=1):
            loss = self.loss_fn(self.model(features.to(self.device)), labels.to(self.device))
            loss.backward()
            # the loss measured at this learning rate, before the update it leads to
            learning_rates.append(scheduler.get_last_lr()[0])
            raw_losses.append(loss.item())
            if step < num_iter:  # the last loss is only measured
                self.optimizer.step()
                scheduler.step()
                self.optimizer.zero_grad()
        self.optimizer.zero_grad()

        self.model.load_state_dict(model_before)
        self.optimizer.load_state_dict(optimizer_before)
        # LambdaLR stamped 'initial_lr' on the param groups: leave the optimizer as it was
        for group in self.optimizer.param_groups:
            group.pop("initial_lr", None)

        tracking = {"loss": _smoothed(raw_losses, alpha), "lr": learning_rates}
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        fig = ax.get_figure()
        ax.plot(learning_rates, tracking["loss"])
        ax.set_xscale("log" if step_mode == "exp" else "linear")
        ax.set(xlabel="Learning Rate", ylabel="Loss")
        fig.tight_layout()
        return tracking, fig

    def set_lr_scheduler(self, scheduler) -> None:
        """Use ``scheduler`` (built on this trainer's optimizer) while training."""
        if getattr(scheduler, "optimizer", None) is not self.optimizer:
            raise ValueError("The scheduler must be built on this trainer's optimizer "
                             "(sbs.optimizer); build it after set_optimizer, not before.")
        self.scheduler = scheduler
        self.is_batch_lr_scheduler = isinstance(scheduler, BATCH_SCHEDULERS)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def _epoch_schedulers(self, val_loss: float | None) -> None:
        """Step an epoch scheduler (ReduceLROnPlateau gets the validation loss)."""
        if self.scheduler is None or self.is_batch_lr_scheduler:
            return
        if isinstance(self.scheduler, ReduceLROnPlateau):
            if val_loss is None:
                raise RuntimeError("ReduceLROnPlateau needs a validation loss: give "
                                   "set_loaders a val_loader.")
            self.scheduler.step(val_loss)
        else:
            self.scheduler.step()
        self.learning_rates.append(self._current_lrs())

    def _mini_batch_schedulers(self, frac_epoch: float) -> None:
        """Step a mini-batch scheduler after a training mini-batch."""
        if self.scheduler is None or not self.is_batch_lr_scheduler:
            return
        if isinstance(self.scheduler, CosineAnnealingWarmRestarts):
            self.scheduler.step(self.total_epochs - 1 + frac_epoch)
        else:
            self.scheduler.step()
        self.learning_rates.append(self._current_lrs())

    def _on_train_batch_end(self, frac_epoch: float) -> None:
        super()._on_train_batch_end(frac_epoch)
        self._mini_batch_schedulers(frac_epoch)

    def _on_epoch_end(self, val_loss: float | None) -> None:
        super()._on_epoch_end(val_loss)
        self._epoch_schedulers(val_loss)

    # checkpoints carry the scheduler too, so a resumed run follows the same learning rates
    def _checkpoint_dict(self) -> dict:
        checkpoint = super()._checkpoint_dict()
        if self.scheduler is not None:
            checkpoint["scheduler_state_dict"] = self.scheduler.state_dict()
        checkpoint["learning_rates"] = [[float(v) for v in lrs] for lrs in self.learning_rates]
        return checkpoint

    def _restore_checkpoint(self, checkpoint: dict) -> None:
        super()._restore_checkpoint(checkpoint)
        if self.scheduler is not None and "scheduler_state_dict" in checkpoint:
            self.scheduler.load_state_dict(checkpoint["scheduler_state_dict"])
        self.learning_rates = [list(lrs) for lrs in checkpoint.get("learning_rates", [])]

    # ------------------------------------------------------------- capture
    def capture_gradients(self, layers_to_hook: str | Sequence[str]) -> None:
        """Record every gradient of the named layers' parameters in ``_gradients``."""
        layers_to_hook, modules = self._resolve_layers(layers_to_hook)
        self._gradients = {}
        for name in layers_to_hook:
            self._gradients[name] = {}
            for param_id, param in modules[name].named_parameters():
                if not param.requires_grad:
                    continue
                self._gradients[name][param_id] = []

                def log_fn(grad, name=name, param_id=param_id):
                    self._gradients[name][param_id].append(grad.tolist())
                    return None

                self.handles[f"{name}.{param_id}.grad"] = param.register_hook(log_fn)

    def capture_parameters(self, layers_to_hook: str | Sequence[str]) -> None:
        """Record the named layers' parameters on every forward pass in ``_parameters``."""
        layers_to_hook, modules = self._resolve_layers(layers_to_hook)
        layer_names = {modules[name]: name for name in layers_to_hook}
        self._parameters = {name: {pid: [] for pid, _ in modules[name].named_parameters()}
                            for name in layers_to_hook}

        def fw_hook_fn(layer, inputs, outputs):
            name = layer_names[layer]
            for param_id, parameter in layer.named_parameters():
                self._parameters[name][param_id].append(parameter.tolist())

        self.attach_hooks(layers_to_hook, fw_hook_fn)
