"""Every dataset the book makes or loads, seeded and validated.

Each generator is a plain function that returns NumPy arrays (or writes files) and raises a
``ValueError`` that says what to change when its arguments make no sense.
"""
from data_generation.simple_linear_regression import make_linear_data, split_indices

__all__ = ["make_linear_data", "split_indices"]
