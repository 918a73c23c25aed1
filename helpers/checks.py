"""Argument checks for every helper and data generator, so the same mistake gets the same error.

The rule is the usual Python one: a value of the wrong *type* raises ``TypeError``, a value of the
right type but outside the allowed range raises ``ValueError``, and the message says what to pass
instead. Each check returns the value converted to a plain Python type, so callers write
``n = check_int("n", n)`` and go on with a clean ``int``.

The type errors raised here are :class:`ArgumentTypeError`, a ``TypeError`` that is also a
``ValueError``: code written when the data generators raised ``ValueError`` for everything keeps
catching them.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["ArgumentTypeError", "check_int", "check_positive_int", "check_seed", "check_number",
           "check_positive", "check_non_negative", "check_fraction", "check_bool"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a ``TypeError``; also a ``ValueError`` for old callers)."""


def _type_name(value) -> str:
    return type(value).__name__


def _is_integer(value) -> bool:
    # bool is an int subclass, but True is never a sensible count or seed
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_int(name: str, value, minimum: int | None = 1) -> int:
    """Return ``value`` as an ``int``; it must be an integer no smaller than ``minimum``.

    ``minimum=None`` checks the type only (the caller checks the range itself).
    """
    if not _is_integer(value):
        raise ArgumentTypeError(f"{name} must be an integer, got {value!r} "
                                f"({_type_name(value)}); pass a whole number such as "
                                f"{max(minimum or 1, 1)}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}; "
                         f"pass a larger number.")
    return int(value)


#: The data generators' name for :func:`check_int` (same arguments, same errors).
check_positive_int = check_int


def check_seed(name: str, value, allow_none: bool = False) -> int | None:
    """Return a random seed as an ``int`` in [0, 2**32), or None when ``allow_none`` says so."""
    if value is None and allow_none:
        return None
    if not _is_integer(value):
        hint = "an integer or None" if allow_none else "an integer"
        raise ArgumentTypeError(f"{name} must be {hint} (e.g. 42), got {value!r} "
                                f"({_type_name(value)}).")
    if not 0 <= value < 2 ** 32:
        raise ValueError(f"{name} must lie in [0, 2**32) (NumPy's range for seeds), "
                         f"got {value}; pick a non-negative integer such as 42.")
    return int(value)


def check_number(name: str, value) -> float:
    """Return ``value`` as a ``float``; it must be a real number (not a bool, not a string)."""
    if not _is_real(value):
        raise ArgumentTypeError(f"{name} must be a number, got {value!r} ({_type_name(value)}).")
    return float(value)


def check_positive(name: str, value) -> float:
    """Return ``value`` as a ``float``; it must be a number greater than zero."""
    number = check_number(name, value)
    if not number > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}; "
                         f"pass something greater than 0.")
    return number


def check_non_negative(name: str, value) -> float:
    """Return ``value`` as a ``float``; it must be a number that is zero or more."""
    number = check_number(name, value)
    if number < 0:
        raise ValueError(f"{name} must be zero or positive, got {value}.")
    return number


def check_fraction(name: str, value, low: float = 0.0, high: float = 1.0,
                   inclusive: bool = False) -> float:
    """Return ``value`` as a ``float`` inside (low, high), or [low, high] if ``inclusive``."""
    number = check_number(name, value)
    inside = low <= number <= high if inclusive else low < number < high
    if not inside:
        interval = f"[{low}, {high}]" if inclusive else f"({low}, {high})"
        raise ValueError(f"{name} must lie in {interval}, got {value}.")
    return number


def check_bool(name: str, value) -> bool:
    """Return ``value``; it must be True or False (NumPy's bool is accepted too)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ArgumentTypeError(f"{name} must be True or False, got {value!r} ({_type_name(value)}).")
