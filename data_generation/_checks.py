"""Small argument checks shared by the generators, so every error message reads the same way."""
from __future__ import annotations

import numbers


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def check_fraction(name: str, value, low: float = 0.0, high: float = 1.0,
                   inclusive: bool = False) -> float:
    """Return ``value`` as a float, or raise ValueError unless low < value < high."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    ok = low <= value <= high if inclusive else low < value < high
    if not ok:
        bounds = f"[{low}, {high}]" if inclusive else f"({low}, {high})"
        raise ValueError(f"{name} must lie in {bounds}, got {value}.")
    return float(value)


def check_non_negative(name: str, value) -> float:
    """Return ``value`` as a float, or raise ValueError if it is negative or not a number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be zero or positive, got {value}.")
    return float(value)
