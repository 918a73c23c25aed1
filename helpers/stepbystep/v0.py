"""StepByStep v0 (chapter 2.1): a small, readable trainer for PyTorch models.

It owns the model, the loss function and the optimizer, and gives the training loop of chapter 2
a home: mini-batches over a training and an optional validation loader, per-epoch losses,
TensorBoard logging, checkpoints that resume exactly, and predictions on NumPy input.

Later versions (v1 ... v4) subclass this one. They extend it through three small hooks that do
nothing here: ``_after_backward`` (v4 clips gradients there), ``_on_train_batch_end`` and
``_on_epoch_end`` (v3 steps learning-rate schedulers there).
"""
from __future__ import annotations

import os
import warnings
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from helpers.checks import check_int, check_seed
from helpers.files import atomic_path

__all__ = ["StepByStep"]

# Trainings with at least this many mini-batch steps show a progress bar unless told otherwise.
PROGRESS_MIN_STEPS = 2000


def _best_device() -> str:
    """The GPU when PyTorch sees one, else the CPU."""
    return "cuda" if torch.cuda.is_available() else "cpu"


class StepByStep:
    """Train, validate, checkpoint and use a PyTorch model.

    Example::

        sbs = StepByStep(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1))
        sbs.set_loaders(train_loader, val_loader)
        sbs.train(n_epochs=200)
        fig = sbs.plot_losses()
    """

    def __init__(self, model: nn.Module, loss_fn: Callable | None,
                 optimizer: torch.optim.Optimizer | None):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
        # loss_fn and optimizer may both be None for a trainer that only predicts
        if isinstance(loss_fn, type) or (loss_fn is not None and not callable(loss_fn)):
            raise TypeError("loss_fn must be callable, e.g. nn.MSELoss() (note the parentheses).")
        if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError("optimizer must be a torch.optim.Optimizer built on the model's "
                            f"parameters, e.g. optim.SGD(model.parameters(), lr=0.1); "
                            f"got {type(optimizer).__name__}.")
        # what the user hands us; the model moves to the best device at once
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.device = _best_device()
        self.model.to(self.device)

        # filled in later by set_loaders and set_tensorboard
        self.train_loader = self.val_loader = self.writer = None

        # the history, which grows with every call to train
        self.total_epochs = 0
        self.losses: list[float] = []
        self.val_losses: list[float] = []

        # step functions bound to this model, loss and optimizer
        self.train_step_fn = self._make_train_step_fn()
        self.val_step_fn = self._make_val_step_fn()

    # ------------------------------------------------------------------ set-up
    def to(self, device: str | torch.device) -> None:
        """Send the model to ``device``; fall back to the best available device if that fails."""
        try:
            self.model.to(device)
        except (RuntimeError, AssertionError):  # e.g. "cuda" on a machine without a GPU
            fallback = _best_device()
            print(f"Couldn't send the model to {device}: using {fallback} instead.")
            self.model.to(fallback)
            device = fallback
        self.device = device

    def set_loaders(self, train_loader: Iterable, val_loader: Iterable | None = None) -> None:
        """Store the training loader and, optionally, the validation loader."""
        for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
            if loader is None and name == "val_loader":
                continue
            if loader is None or not hasattr(loader, "__iter__"):
                raise TypeError(f"{name} must be an iterable of (features, labels) mini-batches, "
                                f"such as a torch.utils.data.DataLoader; got {loader!r}.")
        self.train_loader, self.val_loader = train_loader, val_loader

    def set_tensorboard(self, name: str, folder: str = "runs") -> None:
        """Log to TensorBoard in ``folder/name_YYYYmmddHHMMSS``."""
        from torch.utils.tensorboard import SummaryWriter  # imported late: it is slow to import

        if not isinstance(name, str):
            raise TypeError(f"name must be a string naming the experiment, got {name!r}.")
        if not name:
            raise ValueError("name must not be empty: give the experiment a name, e.g. 'classy'.")
        # one folder per run, stamped with the time it started
        run_folder = Path(folder) / f"{name}_{datetime.now():%Y%m%d%H%M%S}"
        self.writer = SummaryWriter(str(run_folder))

    # ------------------------------------------------------------- the steps
    def _make_train_step_fn(self) -> Callable:
        """Build the function that performs one training step on a mini-batch."""

        def perform_train_step_fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            # model.train() walks every submodule; doing it only when the mode is wrong keeps
            # the per-step cost of the trainer close to a hand-written loop
            if not self.model.training:
                self.model.train()
            yhat = self.model(x)
            loss = self.loss_fn(yhat, y)
            self._before_backward(loss)
            loss.backward()
            self._after_backward()
            # self.optimizer is looked up on every call, so set_optimizer takes effect at once
            self.optimizer.step()
            self.optimizer.zero_grad()
            # a detached tensor, not loss.item(): no device-to-host sync on every step
            return loss.detach()

        return perform_train_step_fn

    def _make_val_step_fn(self) -> Callable:
        """Build the function that computes the loss on a mini-batch without updating anything."""

        def perform_val_step_fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            if self.model.training:
                self.model.eval()
            yhat = self.model(x)
            loss = self.loss_fn(yhat, y)
            return loss.detach()

        return perform_val_step_fn

    def _mini_batch(self, validation: bool = False) -> float | None:
        """Run one epoch over the training (or validation) loader and return the mean loss."""
        if validation:
            data_loader, step_fn = self.val_loader, self.val_step_fn
        else:
            data_loader, step_fn = self.train_loader, self.train_step_fn
        if data_loader is None:
            return None

        # set the mode once per epoch (a hook or a callback may have changed it)
        self.model.train(not validation)
        n_batches = len(data_loader)
        losses = []
        for done, batch in enumerate(data_loader, start=1):
            # only the mini-batch travels to the device, never the whole dataset
            features, labels = (part.to(self.device, non_blocking=True) for part in batch)
            losses.append(step_fn(features, labels))
            if not validation:
                self._on_train_batch_end(done / n_batches)
        if not losses:
            raise RuntimeError("The loader yielded no mini-batches; is the dataset empty?")
        # one host sync per epoch; float64 for the same mean as np.mean over Python floats
        return torch.stack(losses).double().mean().item()

    # hooks for later versions -------------------------------------------------
    def _before_backward(self, loss: torch.Tensor) -> None:
        """Called with the training loss, before ``loss.backward()`` (v5 checks it is finite)."""

    def _after_backward(self) -> None:
        """Called after ``loss.backward()`` and before ``optimizer.step()`` (v4 clips here)."""

    def _on_train_batch_end(self, frac_epoch: float) -> None:
        """Called after every training mini-batch (v3 steps mini-batch schedulers here)."""

    def _on_epoch_end(self, val_loss: float | None) -> None:
        """Called after each epoch's validation (v3 steps epoch schedulers here)."""

    # -------------------------------------------------------------- training
    def set_seed(self, seed: int = 42) -> None:
        """Seed torch and NumPy and make cuDNN deterministic."""
        seed = check_seed("seed", seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        # on a GPU: always the same convolution algorithms, no timing-based choice between them
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True

    def train(self, n_epochs: int, seed: int = 42, progress: bool | None = None) -> None:
        """Train for ``n_epochs`` epochs, recording training and validation losses.

        ``progress``: show a progress bar (``None`` shows one for trainings of at least
        ``PROGRESS_MIN_STEPS`` mini-batches).
        """
        n_epochs = check_int("n_epochs", n_epochs, minimum=1)
        if self.train_loader is None:
            raise RuntimeError("There is no training loader: call "
                               "set_loaders(train_loader, val_loader) before train().")
        if self.loss_fn is None or self.optimizer is None:
            raise RuntimeError("This trainer was built without a loss function or an optimizer, "
                               "so it can only predict; build it with both to train.")
        self.set_seed(seed)

        if progress is None:
            try:
                progress = n_epochs * len(self.train_loader) >= PROGRESS_MIN_STEPS
            except TypeError:  # a loader without a length
                progress = False
        epochs = tqdm(range(n_epochs), desc="Epochs", disable=not progress)
        for _ in epochs:
            self.total_epochs += 1
            loss = self._mini_batch(validation=False)
            self.losses.append(loss)

            with torch.no_grad():
                val_loss = self._mini_batch(validation=True)
            if val_loss is not None:
                self.val_losses.append(val_loss)

            self._on_epoch_end(val_loss)
            self._log_losses(loss, val_loss)
        if self.writer is not None:
            self.writer.flush()

    def _log_losses(self, loss: float, val_loss: float | None) -> None:
        """Send this epoch's losses to TensorBoard, both on the chart called 'loss'."""
        if self.writer is None:
            return
        curves = {"training": loss}
        if val_loss is not None:
            curves["validation"] = val_loss
        self.writer.add_scalars("loss", curves, self.total_epochs)

    # ----------------------------------------------------------- checkpoints
    def _stateful_parts(self) -> dict:
        """The objects whose ``state_dict`` goes into a checkpoint, under ``<key>_state_dict``."""
        return {"model": self.model, "optimizer": self.optimizer}

    def _checkpoint_dict(self) -> dict:
        """Everything a checkpoint holds; subclasses add their own state."""
        checkpoint = {f"{key}_state_dict": part.state_dict()
                      for key, part in self._stateful_parts().items()}
        # the history as plain floats, so that torch.load(weights_only=True) accepts it
        checkpoint["epoch"] = self.total_epochs
        checkpoint["loss"] = [float(v) for v in self.losses]
        checkpoint["val_loss"] = [float(v) for v in self.val_losses]
        return checkpoint

    def _restore_checkpoint(self, checkpoint: dict) -> None:
        """Put the state saved by ``_checkpoint_dict`` back in place."""
        for key, part in self._stateful_parts().items():
            part.load_state_dict(checkpoint[f"{key}_state_dict"])
        self.total_epochs = checkpoint["epoch"]
        self.losses, self.val_losses = list(checkpoint["loss"]), list(checkpoint["val_loss"])

    def save_checkpoint(self, filename: str | os.PathLike) -> None:
        """Save model, optimizer, epoch count and losses; the file is replaced atomically."""
        # write next to the target, then rename: a crash never leaves a half-written checkpoint
        with atomic_path(filename) as tmp:
            torch.save(self._checkpoint_dict(), tmp)

    def load_checkpoint(self, filename: str | os.PathLike) -> None:
        """Restore a checkpoint written by ``save_checkpoint`` (loaded with weights_only=True)."""
        path = Path(filename)
        if not path.is_file():
            raise FileNotFoundError(f"No checkpoint at {str(path)!r}; save one first with "
                                    "save_checkpoint(filename).")
        checkpoint = torch.load(path, map_location=self.device, weights_only=True)
        try:
            self._restore_checkpoint(checkpoint)
        except (KeyError, RuntimeError, ValueError) as err:
            raise ValueError(f"{str(path)!r} does not match this model/optimizer: {err}") from err
        self.model.train()  # ready to resume training

    # ------------------------------------------------------------ using it
    def predict(self, x) -> np.ndarray:
        """Return the model's output for ``x`` (NumPy array, list or tensor) as a NumPy array."""
        x_tensor = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).float()
        self.model.eval()
        try:
            with torch.no_grad():
                yhat = self.model(x_tensor.to(self.device))
        except RuntimeError as err:
            raise ValueError(f"The model cannot take an input of shape {tuple(x_tensor.shape)}; "
                             f"check the number of features. PyTorch said: {err}") from err
        finally:
            self.model.train()
        return yhat.detach().cpu().numpy()

    def plot_losses(self):
        """Plot the training and validation losses per epoch (log scale) and return the figure."""
        if not self.losses:
            raise RuntimeError("Nothing to plot yet: call train(n_epochs) first.")
        fig, ax = plt.subplots(figsize=(10, 4))
        epochs = np.arange(1, len(self.losses) + 1)
        ax.plot(epochs, self.losses, label="Training Loss", c="b")
        if self.val_losses:
            ax.plot(np.arange(1, len(self.val_losses) + 1), self.val_losses,
                    label="Validation Loss", c="r")
        ax.set_yscale("log")
        ax.set_xlabel("Epochs")
        ax.set_ylabel("Loss")
        ax.legend()
        fig.tight_layout()
        return fig

    def add_graph(self) -> None:
        """Log the model's graph to TensorBoard, tracing it with one training mini-batch."""
        if self.writer is None:
            raise RuntimeError("No TensorBoard writer: call set_tensorboard(name) first.")
        if self.train_loader is None:
            raise RuntimeError("add_graph needs a mini-batch to trace the model: call "
                               "set_loaders(train_loader) first.")
        x_sample, _ = next(iter(self.train_loader))
        with warnings.catch_warnings():
            # add_graph traces the model with torch.jit, which now warns that it is deprecated;
            # TensorBoard offers no other way to draw the graph, so the warning is just noise here
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")
            self.writer.add_graph(self.model, x_sample.to(self.device))
