"""StepByStep v5 (chapter 19): faster and bigger.

Adds to v4, every feature opt-in:
- ``set_amp``: mixed precision (bfloat16 autocast by default on the CPU, float16 on CUDA; float16
  always comes with a ``GradScaler``);
- ``set_compile``: training steps run a ``torch.compile``-d model (``self.model`` stays the plain one);
- ``set_accumulation``: one optimizer step every few mini-batches, exactly as one big batch;
- ``distribute``: DistributedDataParallel awareness (``set_epoch`` on distributed samplers, epoch
  losses averaged over ranks, progress, TensorBoard and checkpoints on rank 0 only);
- ``profile``: a ``torch.profiler`` window over the next training steps;
- a loss that is NaN or infinite stops training with :class:`NonFiniteLossError`, naming the
  epoch and the mini-batch, before the optimizer can spoil the weights (v4 went on silently);
- ``to("auto")``, ``epoch_times`` and ``throughput``.

How the default stays fast: nothing is decided per step. Each ``set_*`` call rebuilds the training
step function once, out of the features that are on; with all of them off, the step is v4's step
plus one finiteness test of the loss (a ``loss.item()``, under a microsecond on the CPU), and
``set_nonfinite_check(False)`` gives back v4's own function.
"""
from __future__ import annotations

import math
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator

import torch
import torch.distributed as dist
from torch.utils.data import DistributedSampler

from helpers.checks import check_bool, check_int
from helpers.stepbystep.v4 import StepByStep as StepByStepV4
from helpers.stepbystep.v4 import make_lr_fn  # noqa: F401  (re-exported for convenience)

__all__ = ["StepByStep", "NonFiniteLossError", "make_lr_fn"]

AMP_DTYPES = (torch.bfloat16, torch.float16)


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; the model keeps the weights it had before."""


def _noop() -> None:
    """Stands in for ``prof.step`` when no profiler is open."""


def _dist_ready() -> bool:
    return dist.is_available() and dist.is_initialized()


def _labelled(label: str | None):
    """``record_function(label)`` while profiling, else a context that costs nothing."""
    if label is None:
        return nullcontext()
    return torch.profiler.record_function(label)


class StepByStep(StepByStepV4):
    """v4 plus mixed precision, compilation, accumulation, DDP awareness and profiling."""

    def __init__(self, model, loss_fn, optimizer):
        super().__init__(model, loss_fn, optimizer)
        # v4's own step function: what set_nonfinite_check(False) with no feature on trains with
        self._v4_train_step_fn = self.train_step_fn
        self._v4_val_step_fn = self.val_step_fn
        self.check_nonfinite = True
        self.amp_dtype: torch.dtype | None = None
        self.scaler = None
        self.compiled_model = None
        self._compile_kwargs: dict | None = None
        self._compile_eval = False
        self.compile_seconds: float | None = None
        self.accumulation_steps = 1
        self.ddp_model = None
        self.profiler = None
        self.epoch_times: list[float] = []
        self._epoch_samples: int | None = None
        # per-epoch bookkeeping the v5 step functions share
        self._batch_in_epoch = 0
        self._stepped = True
        self._pending_samples = 0
        self._n_batches = -1
        self._profiler_step = _noop
        self._rebuild_steps()

    # ------------------------------------------------------------ switches
    def set_nonfinite_check(self, enabled: bool = True) -> None:
        """Stop training at the first NaN or infinite loss (on by default)."""
        self.check_nonfinite = check_bool("enabled", enabled)
        self._rebuild_steps()

    def set_amp(self, enabled: bool = True, dtype: torch.dtype | None = None) -> None:
        """Autocast forward and loss: bfloat16 on the CPU, float16 on CUDA (float16 gets a GradScaler)."""
        enabled = check_bool("enabled", enabled)
        if dtype is not None and not isinstance(dtype, torch.dtype):
            raise TypeError(f"dtype must be a torch.dtype such as torch.bfloat16, got {dtype!r}.")
        if dtype is not None and dtype not in AMP_DTYPES:
            raise ValueError(f"dtype must be torch.bfloat16 or torch.float16 (the 16-bit types "
                             f"autocast computes in), got {dtype}.")
        if not enabled:
            self.amp_dtype, self.scaler = None, None
        else:
            device_type = self._device_type()
            self.amp_dtype = dtype or (torch.float16 if device_type == "cuda" else torch.bfloat16)
            # float16 underflows small gradients, on any device: scale the loss up, unscale
            # before the step (bfloat16 has float32's range and needs no scaler)
            needs_scaler = self.amp_dtype == torch.float16
            self.scaler = torch.amp.GradScaler(device_type) if needs_scaler else None
        self._rebuild_steps()

    def set_compile(self, enabled: bool = True, compile_eval: bool = False,
                    **compile_kwargs) -> None:
        """Run training steps (and validation steps if ``compile_eval``) through torch.compile."""
        enabled = check_bool("enabled", enabled)
        self._compile_eval = check_bool("compile_eval", compile_eval)
        self._compile_kwargs = dict(compile_kwargs) if enabled else None
        self.compiled_model, self.compile_seconds = None, None
        self._rebuild_steps()

    def set_accumulation(self, steps: int) -> None:
        """Step the optimizer once every ``steps`` mini-batches (1 switches accumulation off)."""
        self.accumulation_steps = check_int("steps", steps, minimum=1)
        self._rebuild_steps()

    def distribute(self, device_ids=None, **ddp_kwargs) -> None:
        """Wrap the model in DistributedDataParallel; the process group must exist already."""
        if not _dist_ready():
            raise RuntimeError("distribute() needs a process group: call "
                               "torch.distributed.init_process_group('gloo') first (torchrun "
                               "sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT for it).")
        from torch.nn.parallel import DistributedDataParallel

        # the wrapper broadcasts rank 0's weights, so every rank starts from the same model
        self.ddp_model = DistributedDataParallel(self.model, device_ids=device_ids, **ddp_kwargs)
        self.compiled_model = None  # if compiling, compile the DDP wrapper (gradients must sync)
        self._rebuild_steps()

    @property
    def module(self) -> torch.nn.Module:
        """The plain model, even when it trains inside DDP or torch.compile."""
        return self.model

    @property
    def rank(self) -> int:
        return dist.get_rank() if _dist_ready() else 0

    @property
    def world_size(self) -> int:
        return dist.get_world_size() if _dist_ready() else 1

    @property
    def is_main_process(self) -> bool:
        return self.rank == 0

    def to(self, device) -> None:
        """Like v4's ``to``; ``"auto"`` picks the current accelerator when there is one."""
        if device == "auto":
            accelerator = torch.accelerator.current_accelerator(check_available=True)
            device = accelerator.type if accelerator is not None else "cpu"
        super().to(device)
        if self.amp_dtype is not None:  # the autocast device (and the scaler) follow the model
            self.set_amp(True, self.amp_dtype)
        else:
            self._rebuild_steps()

    def _device_type(self) -> str:
        return torch.device(self.device).type

    # ----------------------------------------------------------- the steps
    def _plain(self) -> bool:
        return (self.amp_dtype is None and self._compile_kwargs is None
                and self.accumulation_steps == 1 and self.ddp_model is None
                and self.profiler is None)

    def _rebuild_steps(self) -> None:
        """Choose the step functions once, here, so that no step asks which features are on."""
        if self._plain():
            # v4's own steps: the non-finite check runs in the _before_backward hook
            self.val_step_fn = self._v4_val_step_fn
            self.train_step_fn = self._v4_train_step_fn
            return
        if self._compile_kwargs is not None and self.compiled_model is None:
            target = self.ddp_model if self.ddp_model is not None else self.model
            self.compiled_model = torch.compile(target, **self._compile_kwargs)
        self.train_step_fn = self._make_v5_train_step_fn()
        self.val_step_fn = self._make_v5_val_step_fn()

    def _before_backward(self, loss: torch.Tensor) -> None:
        """Count the mini-batch; stop at a NaN or infinite loss, before it reaches the weights."""
        self._batch_in_epoch += 1
        # .item() reads the one number directly; torch.isfinite would allocate a tensor first
        if self.check_nonfinite and not math.isfinite(loss.item()):
            self._stop_on(loss)

    def _autocast(self) -> Callable:
        if self.amp_dtype is None:
            return nullcontext
        device_type, dtype = self._device_type(), self.amp_dtype
        return lambda: torch.autocast(device_type=device_type, dtype=dtype)

    def _make_v5_train_step_fn(self) -> Callable:
        """A training step built from the features that are on right now."""
        # `is not None`, never `or`: a module's truth value can come from its len()
        forward = next(m for m in (self.compiled_model, self.ddp_model, self.model)
                       if m is not None)
        autocast, scaler = self._autocast(), self.scaler
        accumulate = self.accumulation_steps > 1
        labels = ("forward", "loss+backward", "optimizer") if self.profiler is not None else (None,) * 3
        ddp = self.ddp_model

        def perform_v5_train_step_fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            if not self.model.training:
                self.model.train()
            self._stepped = False
            # the last mini-batch of the epoch flushes a partial group (+ 1: _before_backward
            # counts this mini-batch only after the forward pass)
            batch = self._batch_in_epoch + 1
            last_in_group = (not accumulate or batch % self.accumulation_steps == 0
                             or batch == self._n_batches)
            # DDP all-reduces gradients only on the micro-batch that ends a group
            sync = (nullcontext() if ddp is None or last_in_group else ddp.no_sync())
            with sync:
                with _labelled(labels[0]), autocast():
                    yhat = forward(x)
                with _labelled(labels[1]):
                    with autocast():
                        loss = self.loss_fn(yhat, y)
                    self._before_backward(loss)
                    # accumulation sums size-weighted gradients and divides once per group,
                    # so groups of unequal batches still give the mean over their samples
                    scaled = loss * x.shape[0] if accumulate else loss
                    if scaler is not None:
                        scaled = scaler.scale(scaled)
                    scaled.backward()
            if accumulate:
                self._pending_samples += x.shape[0]
            if last_in_group:
                with _labelled(labels[2]):
                    self._optimizer_step(scaler, accumulate)
            return loss.detach().float()

        if self.compiled_model is not None:
            return self._timing_first_call(perform_v5_train_step_fn)
        return perform_v5_train_step_fn

    def _timing_first_call(self, step: Callable) -> Callable:
        """Record in ``compile_seconds`` how long the first (compiling) training step took."""

        def step_and_time(x, y):
            if self.compile_seconds is not None:
                return step(x, y)
            start = time.perf_counter()
            loss = step(x, y)
            self.compile_seconds = time.perf_counter() - start
            return loss

        return step_and_time

    def _optimizer_step(self, scaler, accumulate: bool) -> None:
        if scaler is not None:
            scaler.unscale_(self.optimizer)  # clipping must see the true gradients
        if accumulate:
            for group in self.optimizer.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        param.grad.div_(self._pending_samples)
            self._pending_samples = 0
        self._after_backward()  # v4 clips here, once per optimizer step
        if scaler is not None:
            scaler.step(self.optimizer)  # skipped when the float16 gradients overflowed
            scaler.update()
        else:
            self.optimizer.step()
        self.optimizer.zero_grad()
        self._stepped = True

    def _make_v5_val_step_fn(self) -> Callable:
        forward = self.compiled_model if self._compile_eval else self.model
        autocast = self._autocast()

        def perform_v5_val_step_fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            if self.model.training:
                self.model.eval()
            with autocast():
                loss = self.loss_fn(forward(x), y)
            return loss.detach().float()

        return perform_v5_val_step_fn

    def _stop_on(self, loss: torch.Tensor) -> None:
        """Drop the half-accumulated gradients and raise a NonFiniteLossError."""
        self.optimizer.zero_grad()
        self._pending_samples = 0
        raise NonFiniteLossError(
            f"The training loss is {loss.item()} at epoch {self.total_epochs}, mini-batch "
            f"{self._batch_in_epoch} of {self._n_batches}: training stopped and the model keeps "
            "the weights of the last good step. Look for NaN/inf in the data, lower the learning "
            "rate, or clip the gradients (set_clip_grad_norm).")

    # ---------------------------------------------------------- the epochs
    def _mini_batch(self, validation: bool = False) -> float | None:
        loader = self.val_loader if validation else self.train_loader
        if loader is None:
            return None
        sampler = getattr(loader, "sampler", None)
        if isinstance(sampler, DistributedSampler):
            # a new shuffle each epoch, the same on every rank
            sampler.set_epoch(self.total_epochs - 1)
        if validation:
            loss = super()._mini_batch(validation=True)
        else:
            self._batch_in_epoch, self._pending_samples = 0, 0
            self._n_batches = len(loader) if hasattr(loader, "__len__") else -1
            start = time.perf_counter()
            loss = super()._mini_batch(validation=False)
            self.epoch_times.append(time.perf_counter() - start)
            self._epoch_samples = len(sampler) if hasattr(sampler, "__len__") else None
        if self.ddp_model is not None and _dist_ready():
            loss = self._mean_over_ranks(loss, len(loader))
        return loss

    def _mean_over_ranks(self, loss: float, n_batches: int) -> float:
        """Average the epoch loss over ranks, each weighted by its number of mini-batches."""
        totals = torch.tensor([loss * n_batches, float(n_batches)], dtype=torch.float64)
        dist.all_reduce(totals)
        return (totals[0] / totals[1]).item()

    def _on_train_batch_end(self, frac_epoch: float) -> None:
        self._profiler_step()
        # mini-batch schedulers (v3) follow optimizer steps, not micro-batches
        if self._stepped:
            super()._on_train_batch_end(frac_epoch)

    def train(self, n_epochs: int, seed: int = 42, progress: bool | None = None) -> None:
        """v4's ``train``; under DDP only rank 0 shows a progress bar."""
        if not self.is_main_process:
            progress = False
        super().train(n_epochs, seed=seed, progress=progress)

    def throughput(self) -> float:
        """Training samples per second in the last epoch (per process under DDP)."""
        if not self.epoch_times or self._epoch_samples is None:
            raise RuntimeError("No timed epoch yet (or a loader without a sampler length): "
                               "call train(n_epochs) first.")
        return self._epoch_samples / self.epoch_times[-1]

    # ------------------------------------------------------- side effects
    def set_tensorboard(self, name: str, folder: str = "runs") -> None:
        """v4's ``set_tensorboard`` on rank 0; the other ranks write nothing."""
        if self.is_main_process:
            super().set_tensorboard(name, folder)

    def save_checkpoint(self, filename) -> None:
        """Rank 0 writes the checkpoint (atomically); every rank then waits for it."""
        if self.is_main_process:
            super().save_checkpoint(filename)
        if self.ddp_model is not None and _dist_ready():
            dist.barrier()

    def lr_range_test(self, data_loader, end_lr: float, num_iter: int = 100,
                      step_mode: str = "exp", alpha: float = 0.05, ax=None):
        """v3's range test; refused under DDP (each rank would change its own copy)."""
        if self.ddp_model is not None:
            raise RuntimeError("lr_range_test runs on one process: find the learning rate "
                               "before calling distribute().")
        return super().lr_range_test(data_loader, end_lr, num_iter, step_mode, alpha, ax)

    def _checkpoint_dict(self) -> dict:
        checkpoint = super()._checkpoint_dict()
        if self.scaler is not None:
            checkpoint["scaler_state_dict"] = self.scaler.state_dict()
        checkpoint["v5_settings"] = {
            "amp_dtype": str(self.amp_dtype).removeprefix("torch.") if self.amp_dtype else "",
            "accumulation_steps": self.accumulation_steps,
        }
        return checkpoint

    def _restore_checkpoint(self, checkpoint: dict) -> None:
        super()._restore_checkpoint(checkpoint)
        if self.scaler is not None and "scaler_state_dict" in checkpoint:
            self.scaler.load_state_dict(checkpoint["scaler_state_dict"])

    # ----------------------------------------------------------- profiling
    @contextmanager
    def profile(self, wait: int = 1, warmup: int = 1, active: int = 3, repeat: int = 1,
                trace_file=None, record_shapes: bool = False,
                profile_memory: bool = False) -> Iterator[torch.profiler.profile]:
        """Profile the training steps run inside the ``with`` block; yields the profiler.

        Steps are labelled "forward", "loss+backward" and "optimizer"; ``trace_file`` (if given)
        receives a Chrome trace when the active window closes.
        """
        wait = check_int("wait", wait, minimum=0)
        warmup = check_int("warmup", warmup, minimum=0)
        active = check_int("active", active, minimum=1)
        repeat = check_int("repeat", repeat, minimum=0)
        check_bool("record_shapes", record_shapes)
        check_bool("profile_memory", profile_memory)
        if self.profiler is not None:
            raise RuntimeError("A profiler is already open on this trainer; profile() windows "
                               "do not nest.")
        activities = [torch.profiler.ProfilerActivity.CPU]
        if self._device_type() == "cuda":
            activities.append(torch.profiler.ProfilerActivity.CUDA)

        def write_trace(prof):
            if trace_file is not None:
                prof.export_chrome_trace(str(trace_file))

        prof = torch.profiler.profile(
            activities=activities,
            schedule=torch.profiler.schedule(wait=wait, warmup=warmup, active=active,
                                             repeat=repeat),
            on_trace_ready=write_trace, record_shapes=record_shapes,
            profile_memory=profile_memory)
        self.profiler = prof
        self._profiler_step = prof.step
        self._rebuild_steps()
        try:
            with prof:
                yield prof
        finally:
            self.profiler, self._profiler_step = None, _noop
            self._rebuild_steps()
