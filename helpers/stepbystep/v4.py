"""StepByStep v4 (Extra chapter): gradient clipping.

Adds to v3:
- ``set_clip_grad_value``: clamp every gradient element to [-clip_value, clip_value] after backward;
- ``set_clip_grad_norm``: rescale all gradients so their global norm is at most ``max_norm``;
- ``set_clip_backprop``: clamp gradients *during* backpropagation with tensor hooks;
- ``remove_clip``: back to no clipping.
This is the version later chapters import.
"""
from __future__ import annotations

import torch

from helpers.checks import check_positive
from helpers.stepbystep.v3 import StepByStep as StepByStepV3
from helpers.stepbystep.v3 import make_lr_fn  # noqa: F401  (re-exported for convenience)

__all__ = ["StepByStep", "make_lr_fn"]

_check_positive = check_positive  # the name set_clip_backprop uses


class StepByStep(StepByStepV3):
    """v3 plus gradient clipping."""

    def __init__(self, model, loss_fn, optimizer):
        super().__init__(model, loss_fn, optimizer)
        # None, a callable run after backward (value/norm), or a list of tensor-hook handles
        self.clipping = None

    def set_clip_grad_value(self, clip_value: float) -> None:
        """Clip each gradient element to [-clip_value, clip_value] after every backward pass."""
        limit = check_positive("clip_value", clip_value)
        self.remove_clip()

        def clamp_every_element():
            # elementwise: each gradient component is cut to the limit on its own
            torch.nn.utils.clip_grad_value_(self.model.parameters(), limit)

        self.clipping = clamp_every_element

    def set_clip_grad_norm(self, max_norm: float, norm_type: float = 2) -> None:
        """Rescale the gradients after every backward pass so their norm is at most max_norm."""
        limit = check_positive("max_norm", max_norm)
        self.remove_clip()

        def shrink_the_whole_vector():
            # all gradients seen as one vector: scaled together, so its direction is kept
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), limit, norm_type)

        self.clipping = shrink_the_whole_vector

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
