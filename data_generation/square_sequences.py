"""The "squares" of chapters 8 to 10: noisy corners of a square, drawn in one of two directions.

A square has four corners, named and coloured the same way everywhere in the book::

    B(-1, 1) green      C(1, 1) blue
    A(-1,-1) gray       D(1,-1) red

Going A -> B -> C -> D is **clockwise** (label 1); the opposite way is counterclockwise (label 0).
Each sequence starts at one of the four corners and visits the others in one of the two
directions, so there are eight possible sequences. Every corner gets Gaussian noise.

The random draws follow a fixed order, from NumPy's legacy generator, so that the seeds in the
book give the same squares: first the start corners, then (variable lengths only) the lengths,
then the directions, then the noise of each sequence in turn. With the defaults, the first
square starts at C and goes clockwise: ``points[0]`` is about
``[[1.0349, 0.9661], [0.8055, -0.9169], [-0.8251, -0.9499], [-0.8670, 0.9342]]``.
"""
from __future__ import annotations

import numpy as np

from helpers.checks import check_bool, check_non_negative, check_positive_int, check_seed

__all__ = ["CORNERS", "CORNER_NAMES", "CORNER_COLORS", "generate_sequences",
           "canonical_sequences", "corner_names"]

#: The four corners in clockwise order, starting at the lower left.
CORNERS = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
#: Their names, in the same order as ``CORNERS``.
CORNER_NAMES = ("A", "B", "C", "D")
#: Their colours (matplotlib names), in the same order as ``CORNERS``.
CORNER_COLORS = ("gray", "green", "blue", "red")


def _corner_order(start: int, clockwise: bool) -> list[int]:
    """Indices of the four corners visited from ``start`` in the given direction."""
    order = [(start + step) % 4 for step in range(4)]
    # The counterclockwise sequence is the clockwise list read backwards, so it starts at the
    # corner *before* `start` (that is how the book's numbers come out).
    return order if clockwise else order[::-1]


def generate_sequences(n: int = 128, variable_len: bool = False, seed: int | None = 13,
                       noise_std: float = 0.1):
    """Return ``(points, directions)``: ``n`` noisy squares and their labels (1 = clockwise).

    ``points`` is a float array of shape (n, 4, 2) when ``variable_len`` is False, and otherwise a
    list of ``n`` arrays of shape (length, 2) with lengths drawn from {2, 3, 4}. ``directions`` is
    an int array of shape (n,). ``seed=None`` continues NumPy's global random stream.
    """
    n = check_positive_int("n", n)
    variable_len = check_bool("variable_len", variable_len)
    seed = check_seed("seed", seed, allow_none=True)
    noise_std = check_non_negative("noise_std", noise_std)

    # A RandomState seeded like np.random.seed gives the very same stream as the global
    # generator, without touching anybody else's global state.
    rng = np.random if seed is None else np.random.RandomState(seed)
    bases = rng.randint(4, size=n)
    if variable_len:
        lengths = rng.randint(3, size=n) + 2
    else:
        lengths = np.full(n, 4)
    directions = rng.randint(2, size=n)

    points = []
    for base, direction, length in zip(bases, directions, lengths):
        corners = CORNERS[_corner_order(int(base), bool(direction))][:length]
        points.append(corners + rng.randn(length, 2) * noise_std)
    if not variable_len:
        points = np.stack(points)
    return points, directions


def canonical_sequences() -> tuple[np.ndarray, np.ndarray]:
    """Return the eight noise-free sequences: shape (8, 4, 2), and their labels (8,).

    For each start corner A, B, C, D (in that order) comes first the clockwise sequence, then the
    counterclockwise one that starts at the same corner (A: ABCD, then ADCB).
    """
    points, directions = [], []
    for start in range(4):
        for clockwise in (True, False):
            order = [(start + (step if clockwise else -step)) % 4 for step in range(4)]
            points.append(CORNERS[order])
            directions.append(int(clockwise))
    return np.stack(points), np.array(directions)


def corner_names(sequence) -> str:
    """Name the corners of a (possibly noisy) sequence by the nearest true corner, e.g. 'CDAB'."""
    seq = np.asarray(sequence, dtype=float)
    if seq.ndim != 2 or seq.shape[-1] != 2:
        raise ValueError(f"sequence must have shape (length, 2), got {seq.shape}.")
    nearest = ((seq[:, None, :] - CORNERS[None]) ** 2).sum(-1).argmin(-1)
    return "".join(CORNER_NAMES[i] for i in nearest)


# Run with `%run -i`, it leaves the chapter's training and test sets in the caller's namespace.
if __name__ == "__main__":
    points, directions = generate_sequences(n=128, seed=13)
    test_points, test_directions = generate_sequences(seed=19)
