"""Reusable code of the book "PyTorch, step by step".

- ``helpers.stepbystep``: the trainer ``StepByStep``, one file per version (v0, v1, ...), each a
  subclass of the one before.
- ``helpers.nn``: every reusable ``nn.Module``, one home each, grouped by subject (see its docstring).
- ``helpers.plots``: one module per chapter with the code behind every figure; figures only.
- ``helpers.checks``: the one set of argument checks (TypeError for a wrong type, ValueError for a
  wrong value).
- topic modules (``data``, ``sequences``, ``text``, ``metrics``, ``loss_surface``, ``training_loop``
  ...): datasets, tokenizers and the other pieces the chapters build and then reuse.
"""
