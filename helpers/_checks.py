"""Argument checks shared by the helper modules, so every error message reads the same way."""
from __future__ import annotations

import numbers


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int; TypeError if it is not an integer, ValueError if < minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)
