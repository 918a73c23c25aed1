"""Reusable code of the book "PyTorch, step by step".

- ``helpers.stepbystep``: the trainer ``StepByStep``, one file per version (v0 ... v4), each a
  subclass of the one before.
- ``helpers.plots``: one module per chapter with the code behind every figure.
- topic modules (``loss_surface``, ``training_loop``, ``metrics``, ``data``, ``sequences``,
  ``seq2seq``, ``nlp`` ...): the pieces the chapters build and then reuse.
"""
