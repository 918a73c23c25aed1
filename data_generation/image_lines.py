"""Synthetic images of one white line on a black background (chapters 4 and 5).

Each image is ``img_size`` x ``img_size`` pixels with a single straight line drawn in white (255)
on black (0). The line is either

* **parallel** to an edge (a horizontal or a vertical line), label 0, or
* **diagonal**, label 1 for "/" (tilted to the right) and label 2 for "\\" (tilted to the left).

With ``binary=True`` both diagonals get label 1, which is chapter 4's problem (is the line
diagonal?). With ``binary=False`` the three labels stay, which is chapter 5's problem.

How an image is drawn
---------------------
Two integers are drawn per image with NumPy's legacy global generator (all the ``start`` values
first, then all the ``target`` values, so a seed always gives the same images):

* ``start`` in ``[-(img_size - 1), img_size - 1]``: a positive start picks the **row** ``start``;
  zero or a negative start picks the **column** ``-start``;
* ``target`` in ``{0, 1, 2}``: 0 fills the whole row or column, 1 draws a "/" and 2 a "\\" that
  begins on that row (at the left edge) or on that column (at the bottom edge for "/", at the top
  edge for "\\"). A diagonal never begins on column 0: it is moved to column 1.

How many different images are there?
------------------------------------
Fewer than you would guess. Row 0 can never be picked (a start of 0 means column 0), so there
are ``img_size`` vertical and ``img_size - 1`` horizontal lines. The diagonals that start on
column 0 are moved to column 1, so each direction has ``2 * (img_size - 1)`` lines, and the "\\"
through the main diagonal (top-left to bottom-right) never occurs. In total:

    n_distinct = (2 * img_size - 1) + 4 * (img_size - 1)  =  6 * img_size - 5

For 5x5 images that is **25** distinct images (9 parallel, 8 "/", 8 "\\"), not the 28 (10
parallel, 18 diagonal) that the original book states; for 10x10 images it is 55 (19 + 18 + 18).
Both counts are checked by ``tests/test_image_lines.py`` and :func:`distinct_images` lets you
count them yourself.

A quirk worth knowing: the shortest "diagonals" are a single corner pixel (a "/" from the last
column is just the bottom-right pixel; a "\\" from the last column or the last row is just the
top-right or bottom-left pixel). They still carry a diagonal label.
"""
from __future__ import annotations

import numpy as np

from helpers.checks import check_bool, check_int, check_positive_int, check_seed

__all__ = ["draw_line", "make_lines", "generate_dataset", "all_line_images", "distinct_images",
           "n_distinct_images", "PARALLEL", "RIGHT_DIAGONAL", "LEFT_DIAGONAL"]

PARALLEL, RIGHT_DIAGONAL, LEFT_DIAGONAL = 0, 1, 2
CLASS_NAMES = ("parallel", "diagonal /", "diagonal \\")


def draw_line(start: int, target: int, img_size: int = 10, fill: float = 1.0) -> np.ndarray:
    """Return one float image of shape (img_size, img_size) with a line of value ``fill``.

    ``start`` > 0 picks a row, ``start`` <= 0 picks column ``-start``; ``target`` 0 draws a
    parallel line, 1 a "/" diagonal and 2 a "\\" diagonal (see the module docstring).
    """
    img_size = check_positive_int("img_size", img_size, minimum=2)
    # only the types here: the ranges are checked below, with messages that give them
    start = check_int("start", start, minimum=None)
    target = check_int("target", target, minimum=None)
    if not -(img_size - 1) <= start <= img_size - 1:
        raise ValueError(f"start must lie in [{-(img_size - 1)}, {img_size - 1}] for "
                         f"img_size={img_size}, got {start}.")
    if target not in (PARALLEL, RIGHT_DIAGONAL, LEFT_DIAGONAL):
        raise ValueError(f"target must be 0 (parallel), 1 ('/') or 2 ('\\'), got {target}.")

    img = np.zeros((img_size, img_size), dtype=float)
    last = img_size - 1
    is_row = start > 0
    pos = start if is_row else -start

    if target == PARALLEL:
        if is_row:
            img[pos, :] = fill
        else:
            img[:, pos] = fill
        return img

    if not is_row and pos == 0:
        pos = 1  # a diagonal starting at the corner column would leave no room: use column 1
    if target == RIGHT_DIAGONAL:  # "/"
        if is_row:   # from (pos, 0) up to (0, pos)
            cells = [(pos - k, k) for k in range(pos + 1)]
        else:        # from (last, pos) up to (pos, last)
            cells = [(last - k, pos + k) for k in range(last - pos + 1)]
    else:  # LEFT_DIAGONAL "\"
        if is_row:   # from (pos, 0) down to (last, last - pos)
            cells = [(pos + k, k) for k in range(last - pos + 1)]
        else:        # from (0, pos) down to (last - pos, last)
            cells = [(k, pos + k) for k in range(last - pos + 1)]
    rows, cols = zip(*cells)
    img[list(rows), list(cols)] = fill
    return img


def make_lines(img_size: int = 10, n_images: int = 100, binary: bool = True,
               seed: int | None = 17) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 images in NCHW shape (n_images, 1, H, W), int labels.

    Chapter 4 uses ``make_lines(img_size=5, n_images=300, binary=True, seed=13)`` and chapter 5
    ``make_lines(img_size=10, n_images=1000, binary=False, seed=17)``. ``seed=None`` keeps the
    current state of NumPy's global generator.
    """
    img_size = check_positive_int("img_size", img_size, minimum=2)
    n_images = check_positive_int("n_images", n_images)
    binary = check_bool("binary", binary)
    seed = check_seed("seed", seed, allow_none=True)
    if seed is not None:
        np.random.seed(seed)

    starts = np.random.randint(-(img_size - 1), img_size, size=(n_images,))
    targets = np.random.randint(0, 3, size=(n_images,))
    images = np.array([draw_line(int(s), int(t), img_size=img_size, fill=255)
                       for s, t in zip(starts, targets)], dtype=np.uint8)
    images = images.reshape(n_images, 1, img_size, img_size)
    labels = (targets > 0).astype(int) if binary else targets.astype(int)
    return images, labels


# The name the original book uses for the same generator.
generate_dataset = make_lines


def all_line_images(img_size: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Every image the generator can produce, once each: ``(images (K, 1, H, W), labels 0/1/2)``."""
    img_size = check_positive_int("img_size", img_size, minimum=2)
    seen: dict[bytes, int] = {}
    for target in (PARALLEL, RIGHT_DIAGONAL, LEFT_DIAGONAL):
        for start in range(-(img_size - 1), img_size):
            img = (draw_line(start, target, img_size=img_size, fill=255)).astype(np.uint8)
            seen.setdefault(img.tobytes(), target)
    keys = list(seen)
    images = np.stack([np.frombuffer(k, dtype=np.uint8).reshape(1, img_size, img_size)
                       for k in keys])
    return images, np.array([seen[k] for k in keys])


def n_distinct_images(img_size: int) -> int:
    """How many different images the generator can draw: ``6 * img_size - 5``."""
    img_size = check_positive_int("img_size", img_size, minimum=2)
    return 6 * img_size - 5


def distinct_images(images: np.ndarray) -> int:
    """Count the different images in an (N, C, H, W) or (N, H, W) array."""
    images = np.asarray(images)
    if images.ndim < 3:
        raise ValueError(f"images must have shape (N, H, W) or (N, C, H, W), got {images.shape}.")
    return len(np.unique(images.reshape(len(images), -1), axis=0))
