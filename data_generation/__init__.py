"""Every dataset the book makes or loads, seeded and validated.

Each generator is a plain function that returns NumPy arrays (or writes files). Its arguments are
checked with ``helpers.checks``: a wrong type raises ``TypeError``, a value out of range raises
``ValueError``, and the message says what to pass instead.
"""
from data_generation.simple_linear_regression import make_linear_data, split_indices

__all__ = ["make_linear_data", "split_indices"]
