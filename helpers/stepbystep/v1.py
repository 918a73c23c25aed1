"""StepByStep v1 (chapter 4): reproducible samplers and a parameter count.

Adds to v0:
- ``set_seed`` also seeds Python's ``random`` and the training loader's sampler (or loader)
  generator, so a ``WeightedRandomSampler`` draws the same mini-batches on every ``train`` call;
- ``count_parameters``: how many parameters the optimizer can update.
"""
from __future__ import annotations

import random

from helpers.stepbystep.v0 import StepByStep as StepByStepV0

__all__ = ["StepByStep"]


class StepByStep(StepByStepV0):
    """v0 plus sampler seeding and ``count_parameters``."""

    def set_seed(self, seed: int = 42) -> None:
        """Seed torch, NumPy, ``random`` and the training loader's generators."""
        super().set_seed(seed)
        random.seed(seed)
        loader = self.train_loader
        # a sampler built with its own generator (e.g. WeightedRandomSampler), or a loader built
        # with generator=...: seed whichever exists; a plain loader uses torch's global seed
        for owner in (getattr(loader, "sampler", None), loader):
            generator = getattr(owner, "generator", None)
            if generator is not None:
                generator.manual_seed(seed)

    def count_parameters(self) -> int:
        """Number of trainable (requires_grad) parameters in the model."""
        # a frozen parameter counts zero times (requires_grad is False, i.e. 0)
        return sum(param.numel() * param.requires_grad for param in self.model.parameters())
