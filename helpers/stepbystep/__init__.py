"""The book's trainer, version by version.

==========  ==========  =============================================================
version     chapter     adds
==========  ==========  =============================================================
``v0``      2.1         the training loop: loaders, train/validation steps, checkpoints,
                        predictions, loss plot, TensorBoard
``v1``      4           seeds Python's ``random`` and the training sampler; ``count_parameters``
``v2``      5           hooks, filter and feature-map figures, ``correct``, ``loader_apply``
``v3``      6           normalizer statistics, LR range test, LR schedulers, capturing
                        gradients and parameters, ``set_optimizer``
``v4``      Extra       gradient clipping (by value, by norm, during backprop)
``v5``      19          opt-in mixed precision, ``torch.compile``, gradient accumulation, DDP
                        awareness, a profiler window; stops on a non-finite loss
==========  ==========  =============================================================

Each version subclasses the previous one: ``from helpers.stepbystep.v5 import StepByStep`` gives
everything.
"""
