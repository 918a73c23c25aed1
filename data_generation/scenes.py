"""Chapter 16's scenes: textured shapes on a textured wall, each with an exact per-pixel mask.

Nobody ships a segmentation data set we could use offline, so we paint one. The textures are real
photographs bundled inside scikit-image (``brick``, ``grass``, ``gravel``: 512x512 grayscale, no
download). A scene is a tinted crop of the brick wall with one to ``max_shapes`` shapes painted on
it, each filled with its own tinted texture crop. Because we paint the pixels ourselves, the mask is
exact: it records, pixel by pixel, which class was painted last.

Classes: 0 background, 1 circle, 2 rectangle, 3 triangle. With ``tied=True`` each class has its
own texture (grass circles, gravel rectangles, coarse brick triangles), so texture is a hint; with
``tied=False`` every shape is grass or gravel at random and only the outline tells the class.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from skimage import data as skdata
from skimage import draw

from helpers.checks import ArgumentTypeError, check_bool, check_int, check_seed

__all__ = ["CLASS_NAMES", "CLASS_COLORS", "VOID", "make_scene", "make_dataset", "colorize"]

CLASS_NAMES = ("background", "circle", "rectangle", "triangle")
#: One RGB colour (0-1) per class, for drawing masks; void pixels (255) are drawn in white.
CLASS_COLORS = np.array([[0.15, 0.15, 0.15], [0.90, 0.60, 0.10], [0.20, 0.55, 0.85],
                         [0.80, 0.20, 0.45]])
#: The label of "don't score this pixel" (for example, padding that augmentation adds).
VOID = 255


@lru_cache(maxsize=None)
def _texture(name: str) -> np.ndarray:
    # The photographs as float32 in [0, 1], loaded once per process
    return getattr(skdata, name)().astype(np.float32) / 255.0


def _crop(rng: np.random.Generator, name: str, size: int, step: int) -> np.ndarray:
    """A random ``size`` x ``size`` crop of a texture, taking every ``step``-th pixel."""
    texture = _texture(name)
    span = size * step
    top, left = rng.integers(0, texture.shape[0] - span + 1, size=2)
    return texture[top:top + span:step, left:left + span:step]


def _tint(rng: np.random.Generator, gray: np.ndarray) -> np.ndarray:
    """Colour a grayscale crop: a gain per channel, one overall gain and an offset, clipped."""
    channel_gain = rng.uniform(0.35, 1.0, size=3)
    overall_gain = rng.uniform(0.7, 1.3)
    offset = rng.uniform(-0.1, 0.1)
    rgb = gray[None] * (channel_gain * overall_gain)[:, None, None] + offset
    return np.clip(rgb, 0.0, 1.0)


def _shape_pixels(rng: np.random.Generator, label: int, size: int):
    """Row and column indices of one shape of class ``label`` placed at random in the frame."""
    radius = rng.uniform(0.09, 0.22) * size
    row, col = rng.uniform(radius, size - radius, size=2)
    if label == 1:
        return draw.disk((row, col), radius, shape=(size, size))
    if label == 2:
        half_h, half_w = rng.uniform(0.6, 1.0, size=2) * radius
        start = (int(round(row - half_h)), int(round(col - half_w)))
        end = (int(round(row + half_h)), int(round(col + half_w)))
        return draw.rectangle(start, end, shape=(size, size))
    # an equilateral triangle, circumradius 1.2 r, turned by a random angle
    angles = rng.uniform(0, 2 * np.pi) + np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])
    rows = row + 1.2 * radius * np.sin(angles)
    cols = col + 1.2 * radius * np.cos(angles)
    return draw.polygon(rows, cols, shape=(size, size))


def _fill_texture(rng: np.random.Generator, label: int, size: int, tied: bool) -> np.ndarray:
    if not tied:
        return _crop(rng, ("grass", "gravel")[rng.integers(2)], size, 1)
    name, step = {1: ("grass", 1), 2: ("gravel", 1), 3: ("brick", 4)}[label]
    return _crop(rng, name, size, step)


def make_scene(rng: np.random.Generator, size: int = 64, max_shapes: int = 4,
               tied: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """One scene: a float32 image (3, size, size) in [0, 1] and its int64 mask (size, size)."""
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(f"rng must be a numpy Generator, got {type(rng).__name__}; "
                                "pass np.random.default_rng(seed).")
    size = check_int("size", size, minimum=16)
    max_shapes = check_int("max_shapes", max_shapes, minimum=1)
    tied = check_bool("tied", tied)
    image = _tint(rng, _crop(rng, "brick", size, int(rng.integers(1, 3))))
    mask = np.zeros((size, size), dtype=np.int64)
    for _ in range(int(rng.integers(1, max_shapes + 1))):
        label = int(rng.integers(1, 4))
        rows, cols = _shape_pixels(rng, label, size)
        fill = _tint(rng, _fill_texture(rng, label, size, tied))
        # later shapes cover earlier ones, in the image and in the mask alike
        image[:, rows, cols] = fill[:, rows, cols]
        mask[rows, cols] = label
    return image.astype(np.float32), mask


def make_dataset(n: int, size: int = 64, seed: int = 0, max_shapes: int = 4,
                 tied: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``n`` scenes from one seeded generator: images (n, 3, size, size) and masks (n, size, size)."""
    n = check_int("n", n, minimum=1)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    pairs = [make_scene(rng, size=size, max_shapes=max_shapes, tied=tied) for _ in range(n)]
    images = np.stack([image for image, _ in pairs])
    masks = np.stack([mask for _, mask in pairs])
    return images, masks


def colorize(mask) -> np.ndarray:
    """An (H, W, 3) RGB picture of a label mask, using CLASS_COLORS; void (255) is white."""
    mask = np.asarray(mask)
    if mask.ndim != 2 or not np.issubdtype(mask.dtype, np.integer):
        raise ValueError(f"mask must be a 2-D array of integer labels, got shape {mask.shape} and "
                         f"dtype {mask.dtype}; pass one mask, not a batch.")
    known = np.isin(mask, np.arange(len(CLASS_NAMES))) | (mask == VOID)
    if not known.all():
        raise ValueError(f"mask holds labels outside 0-{len(CLASS_NAMES) - 1} and {VOID}: "
                         f"{sorted(set(np.unique(mask[~known]).tolist()))}.")
    palette = np.ones((256, 3))
    palette[:len(CLASS_COLORS)] = CLASS_COLORS
    return palette[mask]
