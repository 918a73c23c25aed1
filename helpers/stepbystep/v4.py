"""StepByStep v4 (Extra chapter): gradient clipping.

Adds to v3:
- ``set_clip_grad_value``: clamp every gradient element to [-clip_value, clip_value] after backward;
- ``set_clip_grad_norm``: rescale all gradients so their global norm is at most ``max_norm``;
- ``set_clip_backprop``: clamp gradients *during* backpropagation with tensor hooks;
- ``remove_clip``: back to no clipping.
This is the version later chapters import.
"""
from __future__ import annotations

from torch import nn
import torch

from helpers.stepbystep.v3 import StepByStep as StepByStepV3
from helpers.stepbystep.v3 import make_lr_fn  # noqa: F401  (re-exported for convenience)

__all__ = ["StepByStep", "make_lr_fn"]


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


class StepByStep(StepByStepV3):
    """v3 plus gradient clipping."""

    def __init__(self, model, loss_fn, optimizer):
        super().__init__(model, loss_fn, optimizer)
        # None, a callable run after backward (value/norm), or a list of tensor-hook handles
        self.clipping = None

    def set_clip_grad_value(self, clip_value: float) -> None:
        """Clip each gradient element to [-clip_value, clip_value] after every backward pass."""
        clip_value = _check_positive("clip_value", clip_value)
        self.remove_clip()
        self.clipping = lambda: nn.utils.clip_grad_value_(self.model.parameters(),
                                                          clip_value=clip_value)

    def set_clip_grad_norm(self, max_norm: float, norm_type: float = 2) -> None:
        """Rescale the gradients after every backward pass so their norm is at most max_norm."""
        max_norm = _check_positive("max_norm", max_norm)
        self.remove_clip()
        self.clipping = lambda: nn.utils.clip_grad_norm_(self.model.parameters(),
                                                         max_norm, norm_type=norm_type)

    def set_clip_backprop(self, clip_value: float) -> None:
        """Clamp gradients while they flow backwards, with a hook on every trainable parameter."""
        clip_value = _check_positive("clip_value", clip_value)
        if not isinstance(self.clipping, list):
            self.remove_clip()
            self.clipping = []
        for param in self.model.parameters():
            if param.requires_grad:
                handle = param.register_hook(
                    lambda grad: torch.clamp(grad, -clip_value, clip_value))
                self.clipping.append(handle)

    def remove_clip(self) -> None:
        """Stop clipping gradients."""
        if isinstance(self.clipping, list):
            for handle in self.clipping:
                handle.remove()
        self.clipping = None

    def _after_backward(self) -> None:
        super()._after_backward()
        if callable(self.clipping):
            self.clipping()
