"""A procedural Rock-Paper-Scissors image data set, written as an ``ImageFolder`` tree.

The original data set of chapters 6 and 7 (computer-generated hands on a white background) is a
download, and the book runs offline. This module draws a stand-in with NumPy and Pillow:

* ``rps/{paper,rock,scissors}/`` holds the training images (840 per class by default) and
  ``rps-test-set/{paper,rock,scissors}/`` the test images (124 per class);
* every image is a 300x300 RGB PNG of one hand on a light background: a fist (rock), a flat hand
  with five fingers (paper) or a "V" of two fingers (scissors);
* the pictures are made the way a photo shoot makes them. The **training** set shows 5 "people"
  (skin tone, build, finger lengths, sleeve); each person shows each gesture in 4 set-ups (left or
  right hand, rotation, size, position, finger pose, light direction and brightness, background),
  and the 42 shots of a set-up differ only by a small wobble (a few degrees, a few percent of size
  and position) and their noise. The **test** set shows 6 other people, every picture in a set-up
  of its own, drawn from wider ranges (angles, sizes, positions, skin tones, darker backgrounds,
  more sleeves). A model can learn the training set by heart and still fail on new hands: the
  overfitting that chapter 6's regularization lessons need;
* every picture gets a drop shadow, blotches of uneven light about a tenth of the picture wide (so
  they survive shrinking to 28x28) and a fine sensor grain.

Bump ``GENERATOR_VERSION`` whenever the drawing changes: existing trees are then regenerated.

Every image is drawn from its own seeds (global seed, split, class and index for the shot; the
person and the set-up follow from the index), so the bytes do not depend on the number of worker
processes, and generating twice gives identical files.

Use it through one function::

    from data_generation.rps import ensure_rps
    root = ensure_rps()             # notebooks/data, generated on the first call only
    train_folder = root / 'rps'
    test_folder = root / 'rps-test-set'

``ensure_rps`` writes a marker file (``rps-generated.json``) after the last image. A later call with
the same settings finds the marker and returns at once; a call with other settings (or an
interrupted generation) rebuilds the tree. A folder that already holds ``rps``/``rps-test-set``
without our marker is never touched: you get an error instead. If you have the original data set,
point the environment variable ``RPS_DATA_DIR`` at the folder that contains ``rps`` and
``rps-test-set`` and ``ensure_rps()`` (called without a root) returns it unchanged.

Run ``python -m data_generation.rps [root]`` to generate the default tree and print how long it took.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from helpers.checks import check_positive_int

__all__ = ["CLASSES", "TRAIN_FOLDER", "TEST_FOLDER", "GENERATOR_VERSION", "DEFAULT_ROOT",
           "draw_hand", "make_rps_folders", "ensure_rps", "rps_is_complete"]

CLASSES = ("paper", "rock", "scissors")  # ImageFolder sorts them: paper = 0, rock = 1, scissors = 2
TRAIN_FOLDER = "rps"
TEST_FOLDER = "rps-test-set"
MARKER = "rps-generated.json"
IN_PROGRESS = ".rps-in-progress"
LOCK = ".rps.lock"
GENERATOR_VERSION = 3
DEFAULT_SEED = 2024
PNG_COMPRESS_LEVEL = 1  # fast to write and read; level 9 saves ~15% of disk for 5x the time
DEFAULT_ROOT = Path(__file__).resolve().parents[1] / "notebooks" / "data"

# Skin tones (RGB in [0, 1]) along a light-to-dark ramp; a hand's tone is a random point between two
# neighbours, plus a small jitter.
_TONES = np.array([
    [0.99, 0.87, 0.78], [0.96, 0.80, 0.68], [0.90, 0.71, 0.57], [0.82, 0.62, 0.46],
    [0.72, 0.52, 0.36], [0.60, 0.41, 0.28], [0.47, 0.31, 0.21], [0.36, 0.23, 0.16],
], dtype=np.float32)
_SLEEVES = np.array([
    [0.20, 0.30, 0.55], [0.55, 0.15, 0.15], [0.20, 0.45, 0.25], [0.25, 0.25, 0.28],
    [0.75, 0.60, 0.20], [0.45, 0.25, 0.50], [0.80, 0.80, 0.82],
], dtype=np.float32)

# How the two splits differ. Angles are in degrees (0 = fingers pointing up), the scale is in pixels
# per hand unit (a palm is about 1.2 units wide) for a 300-pixel image.
_STYLES = {
    "train": dict(angle=(-20.0, 20.0), scale=(112.0, 135.0), shift=0.05, tone=(0.0, 0.85),
                  background=(0.93, 1.0), squash=(0.95, 1.0), sleeve_p=0.35),
    "test": dict(angle=(-25.0, 25.0), scale=(105.0, 150.0), shift=0.10, tone=(0.0, 1.0),
                 background=(0.86, 0.99), squash=(0.9, 1.0), sleeve_p=0.6),
}
# The training pictures come from a small photo shoot: a few "people" (hand models), each posing
# every gesture in a few set-ups (camera, light, background), with many shots per set-up that
# differ only a little. The test pictures show other people, each shot in a set-up of its own.
_PEOPLE = {"train": 5, "test": 6}
_VIEWS = {"train": 4, "test": None}  # set-ups per person and gesture; None: one per picture
# How much two shots of one set-up differ: degrees of rotation, relative size, fraction of the
# picture the hand moves, and the strengths of the blotchy (uneven light) and fine (sensor) noise.
_SHOT_ANGLE, _SHOT_SCALE, _SHOT_SHIFT = 4.0, 0.03, 0.02
_BLOTCH_MAX, _GRAIN = 0.08, 0.02


# --------------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------------
def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}.")
    return int(seed)


def _check_root(root) -> Path:
    if isinstance(root, (str, os.PathLike)):
        return Path(root)
    raise TypeError(f"root must be a folder path (str or pathlib.Path), got {type(root).__name__}.")


def _check_split(split: str) -> str:
    if split not in _STYLES:
        raise ValueError(f"split must be one of {sorted(_STYLES)}, got {split!r}.")
    return split


def _check_pose(pose: str) -> str:
    if pose not in CLASSES:
        raise ValueError(f"pose must be one of {list(CLASSES)}, got {pose!r}.")
    return pose


# --------------------------------------------------------------------------------------------------
# Drawing: every body part is a signed distance field evaluated on the pixel grid
# --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    coords = np.arange(size, dtype=np.float32) + 0.5
    return np.meshgrid(coords, coords)  # X grows to the right, Y grows downwards


def _make_identity(rng: np.random.Generator, style: dict) -> dict:
    """The things that stay the same for one 'person': build, skin tone, sleeve."""
    u = rng.uniform
    t = u(*style["tone"]) * (len(_TONES) - 1)
    k = min(int(t), len(_TONES) - 2)
    tone = _TONES[k] + (t - k) * (_TONES[k + 1] - _TONES[k])
    sleeve = None
    if rng.random() < style["sleeve_p"]:
        sleeve = np.clip(_SLEEVES[rng.integers(len(_SLEEVES))] + rng.normal(0, 0.05, 3), 0, 1)
    return dict(tone=tone.astype(np.float32), sleeve=sleeve, arm_r=u(0.40, 0.48),
                half_w=u(0.52, 0.6), half_h=u(0.55, 0.66), finger_r=u(0.14, 0.17),
                lengths=np.array([1.0, 1.08, 1.0, 0.8]) * u(0.85, 1.1) + rng.normal(0, 0.05, 4),
                thumb=u(1.1, 1.3), outline=u(1.2, 2.2), fold=rng.random())


def _hand_parts(pose: str, rng: np.random.Generator, who: dict) -> list[dict]:
    """The hand in its own frame: y points from the wrist to the fingertips, the palm is at 0."""
    u = rng.uniform
    parts = []
    # forearm first (it is painted under everything else), long enough to leave the picture
    arm_r = who["arm_r"]
    parts.append(dict(kind="capsule", a=(0.0, -0.3), b=(u(-0.15, 0.15), -6.0), r=arm_r,
                      layer="arm"))
    # palm: a rounded box (superellipse)
    half_w, half_h = who["half_w"], who["half_h"]
    parts.append(dict(kind="palm", c=(0.0, 0.0), hw=half_w, hh=half_h, layer="skin"))
    finger_x = np.array([-0.39, -0.13, 0.13, 0.39]) * half_w / 0.56
    finger_r = who["finger_r"]
    top = half_h * 0.78
    lengths = who["lengths"] + rng.normal(0, 0.03, 4)

    def extended(i: int, angle_deg: float) -> dict:
        t = math.radians(angle_deg)
        x0, y0 = finger_x[i], top
        return dict(kind="capsule", a=(x0, y0),
                    b=(x0 + lengths[i] * math.sin(t), y0 + lengths[i] * math.cos(t)),
                    r=finger_r * (0.9 if i == 3 else 1.0), layer="skin")

    def curled(i: int) -> dict:
        x0 = finger_x[i] + u(-0.02, 0.02)
        return dict(kind="capsule", a=(x0, half_h + u(0.0, 0.08)), b=(x0, half_h * u(0.1, 0.4)),
                    r=finger_r * u(1.05, 1.2), layer="curl")

    thumb_r = finger_r * who["thumb"]
    base = (half_w * 0.75, -half_h * 0.45)
    if pose == "paper":
        spread = u(1.0, 13.0)
        for i in range(4):
            parts.append(extended(i, spread * (i - 1.5) + rng.normal(0, 2.0)))
        t = math.radians(u(40.0, 80.0))
        length = u(0.8, 1.0)
        start = (half_w * 0.45, -half_h * 0.4)
        parts.append(dict(kind="capsule", a=start,
                          b=(start[0] + length * math.sin(t), start[1] + length * math.cos(t)),
                          r=thumb_r, layer="skin"))
    elif pose == "scissors":
        v = u(8.0, 22.0)
        centre = u(-8.0, 8.0)
        parts.append(extended(0, centre - v))
        parts.append(extended(1, centre + v * u(0.2, 0.8)))
        parts.append(curled(2))
        parts.append(curled(3))
        parts.append(dict(kind="capsule", a=base, b=(u(0.0, 0.25), u(0.0, 0.3)), r=thumb_r,
                          layer="curl"))
    else:  # rock
        for i in range(4):
            parts.append(curled(i))
        if rng.random() < 0.4 + 0.5 * who["fold"]:  # thumb folded over the fingers
            parts.append(dict(kind="capsule", a=base, b=(u(-0.25, 0.05), u(0.05, 0.35)),
                              r=thumb_r, layer="curl"))
        else:  # thumb resting along the side of the fist
            parts.append(dict(kind="capsule", a=base, b=(half_w * 0.95, u(0.2, 0.45)),
                              r=thumb_r, layer="skin"))
    return parts


def _capsule_field(px, py, a, b, r):
    """Signed distance to a capsule (in hand units) and the unit vector from its axis."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    qx, qy = px - ax, py - ay
    t = np.clip((qx * dx + qy * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    ex, ey = qx - t * dx, qy - t * dy
    dist = np.sqrt(ex * ex + ey * ey) + 1e-6
    return dist - r, ex / dist, ey / dist, np.clip(dist / r, 0.0, 1.0)


def _palm_field(px, py, c, hw, hh):
    """Approximate signed distance to a superellipse palm, its outward direction and radius."""
    ux, uy = (px - c[0]) / hw, (py - c[1]) / hh
    p = 4.0
    s = (np.abs(ux) ** p + np.abs(uy) ** p) ** (1.0 / p) + 1e-6
    sdf = (s - 1.0) * min(hw, hh)
    norm = np.sqrt(ux * ux + uy * uy) + 1e-6
    return sdf, ux / norm, uy / norm, np.clip(s, 0.0, 1.0)


def _rng(seed, name: str) -> np.random.Generator:
    if isinstance(seed, (list, tuple)):
        if not seed:
            raise ValueError(f"{name} must be an integer or a non-empty list of integers.")
        return np.random.default_rng([_check_seed(s) for s in seed])
    return np.random.default_rng(_check_seed(seed))


def draw_hand(pose: str, seed=0, size: int = 300, split: str = "train",
              person_seed=None, view_seed=None) -> np.ndarray:
    """Draw one hand (``'paper'``, ``'rock'`` or ``'scissors'``) as a (size, size, 3) uint8 array.

    Three seeds (each an int or a list of ints) split the randomness the way a photo shoot does:
    ``person_seed`` picks who the hand belongs to (skin tone, build, sleeve); ``view_seed`` picks
    the set-up (angle, size, position, light, background, finger pose); ``seed`` picks what
    differs from shot to shot (a small wobble of angle, size and position, and the noise). By
    default ``person_seed`` and ``view_seed`` follow ``seed``: every picture is a new person in a
    new set-up.
    """
    pose, split = _check_pose(pose), _check_split(split)
    size = check_positive_int("size", size, minimum=32)
    shot = _rng(seed, "seed")
    rng = shot if view_seed is None else _rng(view_seed, "view_seed")
    style = _STYLES[split]
    who = _make_identity(_rng(seed if person_seed is None else person_seed, "person_seed"), style)
    u = rng.uniform

    # where the hand goes: pixel = centre + scale * R(angle) * diag(mirror, squash) * hand coords
    angle = math.radians(u(*style["angle"]) + shot.uniform(-_SHOT_ANGLE, _SHOT_ANGLE))
    scale = u(*style["scale"]) * size / 300.0 * shot.uniform(1 - _SHOT_SCALE, 1 + _SHOT_SCALE)
    mirror = -1.0 if rng.random() < 0.5 else 1.0
    squash = u(*style["squash"])
    # the palm sits a little below the centre, since the fingers stick out above it
    lift = 0.65
    cx = size / 2 + u(-1, 1) * style["shift"] * size - lift * scale * math.sin(angle)
    cy = size / 2 + u(-1, 1) * style["shift"] * size + lift * scale * math.cos(angle)
    cx += shot.uniform(-_SHOT_SHIFT, _SHOT_SHIFT) * size
    cy += shot.uniform(-_SHOT_SHIFT, _SHOT_SHIFT) * size

    # colours and light
    tone = np.clip(who["tone"] + rng.normal(0, 0.015, 3), 0, 1).astype(np.float32)
    brightness = u(0.85, 1.12)
    light_angle = u(0, 2 * math.pi)
    light = np.array([math.cos(light_angle), math.sin(light_angle), u(0.8, 1.6)], np.float32)
    light /= np.linalg.norm(light)
    sleeve = who["sleeve"]
    parts = _hand_parts(pose, rng, who)

    # background: nearly white, with a faint tint and a gentle gradient
    X, Y = _grid(size)
    bg_level = u(*style["background"])
    tint = rng.normal(0, 0.012, 3)
    g_angle = u(0, 2 * math.pi)
    ramp = ((X * math.cos(g_angle) + Y * math.sin(g_angle)) / size - 0.5) * u(0.0, 0.08)
    image = np.clip(bg_level + tint[None, None, :] + ramp[..., None], 0, 1).astype(np.float32)

    # pixel grid -> hand coordinates (inverse of the placement above)
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    dx, dy = (X - cx) / scale, (cy - Y) / scale  # y up
    hx = (cos_a * dx + sin_a * dy) * mirror
    hy = (-sin_a * dx + cos_a * dy) / squash
    # the light direction in hand coordinates (rotated the same way)
    lx = (cos_a * light[0] + sin_a * -light[1]) * mirror
    ly = (-sin_a * light[0] + cos_a * -light[1])
    lz = light[2]

    def to_pixels(points):
        """Hand coordinates -> pixel coordinates (the forward placement)."""
        pts = np.asarray(points, dtype=np.float64)
        mx, my = pts[:, 0] * mirror, pts[:, 1] * squash
        ddx, ddy = cos_a * mx - sin_a * my, sin_a * mx + cos_a * my
        return cx + ddx * scale, cy - ddy * scale

    def crop(part):
        """The pixel rows and columns a part can touch (it is evaluated only there)."""
        if part["kind"] == "capsule":
            xs, ys = to_pixels([part["a"], part["b"]])
            pad = part["r"] * scale + 3
        else:
            c, hw, hh = part["c"], part["hw"], part["hh"]
            xs, ys = to_pixels([(c[0] + sx * hw, c[1] + sy * hh) for sx in (-1, 1) for sy in (-1, 1)])
            pad = 3
        x0, x1 = int(max(0, xs.min() - pad)), int(min(size, math.ceil(xs.max() + pad)))
        y0, y1 = int(max(0, ys.min() - pad)), int(min(size, math.ceil(ys.max() + pad)))
        return (slice(y0, y1), slice(x0, x1)) if x1 > x0 and y1 > y0 else None

    # evaluate every part's field on its crop; the union of the parts makes the drop shadow
    shadow_mask = np.zeros((size, size), np.float32)
    fields = []
    for part in parts:
        box = crop(part)
        if box is None:
            continue
        px, py = hx[box], hy[box]
        if part["kind"] == "capsule":
            sdf, nx, ny, radial = _capsule_field(px, py, part["a"], part["b"], part["r"])
        else:
            sdf, nx, ny, radial = _palm_field(px, py, part["c"], part["hw"], part["hh"])
        sdf_px = sdf * (scale * 0.5 * (1.0 + squash))
        fields.append((part, box, sdf_px, nx, ny, radial))
        np.maximum(shadow_mask[box], np.clip(0.5 - sdf_px, 0, 1), out=shadow_mask[box])
    offset = u(3, 9) * size / 300
    shadow = Image.fromarray((shadow_mask * 255).astype(np.uint8))
    shadow = shadow.transform(shadow.size, Image.Transform.AFFINE,
                              (1, 0, light[0] * offset, 0, 1, light[1] * offset))
    shadow = np.asarray(shadow.filter(ImageFilter.BoxBlur(max(1, size // 40))),
                        dtype=np.float32) / 255.0
    image *= (1.0 - u(0.12, 0.25) * shadow)[..., None]

    # paint each part over the previous ones, with shading from a rounded (cylinder-like) profile
    outline = who["outline"] * size / 300
    for part, box, sdf_px, nx, ny, radial in fields:
        alpha = np.clip(0.5 - sdf_px, 0.0, 1.0)
        if not alpha.any():
            continue
        nz2 = np.clip(1.0 - radial * radial, 0.0, 1.0)
        lateral = np.sqrt(1.0 - nz2)
        diffuse = np.clip(lateral * (nx * lx + ny * ly) + np.sqrt(nz2) * lz, 0.0, 1.0)
        shade = 0.55 + 0.5 * diffuse
        if part["layer"] == "curl":
            shade *= 0.93
        edge = np.clip(1.0 + sdf_px / outline, 0.0, 1.0)  # 1 at the border, 0 inside
        shade *= 1.0 - 0.45 * edge
        shade *= brightness
        skin = np.minimum(tone[None, None, :] * shade[..., None], 1.0)
        if part["layer"] == "arm" and sleeve is not None:
            # the sleeve starts a little below the wrist: keep skin above that line
            cuff = np.clip((-0.9 - hy[box]) * scale, 0.0, 1.0)[..., None]
            cloth = np.minimum(sleeve[None, None, :] * shade[..., None], 1.0)
            colour = skin + cuff * (cloth - skin)
        else:
            colour = skin
        region = image[box]
        region += alpha[..., None] * (colour - region)

    # uneven light: grey blotches about a tenth of the picture wide, so they survive shrinking the
    # picture to 28x28 (only the first of the three drawn patterns is used); then sensor grain
    cells = max(2, size // 10)
    blotches = shot.normal(0, 1, (cells, cells, 3)).astype(np.float32)[..., 0]
    blotches = np.asarray(Image.fromarray(blotches).resize((size, size), Image.Resampling.BICUBIC))
    image += shot.uniform(0.0, _BLOTCH_MAX) * blotches[..., None]
    image += shot.normal(0, _GRAIN, image.shape).astype(np.float32)
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------------------------------
# Writing the folders
# --------------------------------------------------------------------------------------------------
def _file_seed(seed: int, split: str, pose: str, index: int) -> list[int]:
    return [seed, 0 if split == "train" else 1, CLASSES.index(pose), index]


def _view_seed(person: list[int], split: str, pose: str, index: int) -> list[int] | None:
    """The set-up of a picture: shared by several pictures of one person and gesture (training)."""
    n_views = _VIEWS[split]
    if n_views is None:
        return None
    return person + [CLASSES.index(pose), (index // _PEOPLE[split]) % n_views]


def _write_one(job: tuple) -> None:
    path, pose, seed_list, person, view, size, split = job
    pixels = draw_hand(pose, seed_list, size, split, person, view)
    Image.fromarray(pixels).save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def _jobs(root: Path, n_train: int, n_test: int, size: int, seed: int) -> list[tuple]:
    jobs = []
    for split, folder, count in (("train", TRAIN_FOLDER, n_train), ("test", TEST_FOLDER, n_test)):
        for pose in CLASSES:
            class_dir = root / folder / pose
            class_dir.mkdir(parents=True, exist_ok=True)
            for i in range(count):
                name = f"{pose}{'-test' if split == 'test' else ''}-{i:04d}.png"
                person = [seed, 0 if split == "train" else 1, 1000 + i % _PEOPLE[split]]
                jobs.append((str(class_dir / name), pose, _file_seed(seed, split, pose, i), person,
                             _view_seed(person, split, pose, i), size, split))
    return jobs


def make_rps_folders(root, n_train_per_class: int = 840, n_test_per_class: int = 124,
                     size: int = 300, seed: int = DEFAULT_SEED, n_workers: int | None = None) -> Path:
    """Write ``root/rps`` and ``root/rps-test-set`` (always, overwriting same-named files).

    Most callers want :func:`ensure_rps`, which only generates when needed. ``n_workers`` processes
    draw the images (default: the number of CPU cores, at most 8); the files are identical for any
    number of workers.
    """
    root = _check_root(root)
    n_train = check_positive_int("n_train_per_class", n_train_per_class)
    n_test = check_positive_int("n_test_per_class", n_test_per_class)
    size = check_positive_int("size", size, minimum=32)
    seed = _check_seed(seed)
    if n_workers is None:
        n_workers = min(os.cpu_count() or 1, 8)
    n_workers = check_positive_int("n_workers", n_workers)
    jobs = _jobs(root, n_train, n_test, size, seed)
    if n_workers == 1 or len(jobs) < 64:
        for job in jobs:
            _write_one(job)
    else:
        # 'spawn' starts clean interpreters: forking a process that already runs PyTorch threads
        # (a notebook kernel) can deadlock.
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(_write_one, jobs, chunksize=max(1, len(jobs) // (8 * n_workers))))
    return root


# --------------------------------------------------------------------------------------------------
# Generate once, reuse afterwards
# --------------------------------------------------------------------------------------------------
def _settings(n_train: int, n_test: int, size: int, seed: int) -> dict:
    return {"version": GENERATOR_VERSION, "seed": seed, "size": size,
            "n_train_per_class": n_train, "n_test_per_class": n_test, "classes": list(CLASSES)}


def _count_pngs(folder: Path) -> int:
    return sum(1 for _ in folder.glob("*.png")) if folder.is_dir() else 0


def rps_is_complete(root, n_train_per_class: int = 840, n_test_per_class: int = 124,
                    size: int = 300, seed: int = DEFAULT_SEED) -> bool:
    """True if ``root`` holds a finished tree generated with exactly these settings."""
    root = _check_root(root)
    marker = root / MARKER
    if not marker.is_file() or (root / IN_PROGRESS).exists():
        return False
    try:
        stored = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    wanted = _settings(n_train_per_class, n_test_per_class, size, seed)
    if {k: stored.get(k) for k in wanted} != wanted:
        return False
    for folder, count in ((TRAIN_FOLDER, n_train_per_class), (TEST_FOLDER, n_test_per_class)):
        for pose in CLASSES:
            if _count_pngs(root / folder / pose) != count:
                return False
    return True


@contextmanager
def _locked(root: Path):
    """Hold an exclusive lock on ``root/.rps.lock`` (so two notebooks never generate at once)."""
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks, generate without one
        yield
        return
    with open(root / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_rps(root=None, *, n_train_per_class: int = 840, n_test_per_class: int = 124,
               size: int = 300, seed: int = DEFAULT_SEED, n_workers: int | None = None,
               verbose: bool = False) -> Path:
    """Return a folder holding ``rps/`` and ``rps-test-set/``, generating them if needed.

    ``root`` defaults to ``$RPS_DATA_DIR`` when that is set (used as it is, e.g. the original data
    set), otherwise to ``notebooks/data`` in the repository. The tree is written only when ``root``
    has no complete tree with the same settings and generator version.
    """
    if root is None:
        env = os.environ.get("RPS_DATA_DIR")
        if env:
            found = Path(env)
            missing = [f for f in (TRAIN_FOLDER, TEST_FOLDER) if not (found / f).is_dir()]
            if missing:
                raise ValueError(f"RPS_DATA_DIR points to a folder without {missing}; point it at "
                                 "the folder that contains 'rps' and 'rps-test-set', or unset it.")
            return found
        root = DEFAULT_ROOT
    root = _check_root(root)
    if root.exists() and not root.is_dir():
        raise ValueError(f"root must be a folder, but {root.name!r} is a file.")
    n_train = check_positive_int("n_train_per_class", n_train_per_class)
    n_test = check_positive_int("n_test_per_class", n_test_per_class)
    size = check_positive_int("size", size, minimum=32)
    seed = _check_seed(seed)
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be True or False, got {verbose!r}.")
    if n_workers is not None:
        check_positive_int("n_workers", n_workers)

    if rps_is_complete(root, n_train, n_test, size, seed):
        return root
    with _locked(root):
        if rps_is_complete(root, n_train, n_test, size, seed):  # someone else just finished
            return root
        ours = (root / MARKER).exists() or (root / IN_PROGRESS).exists()
        present = [f for f in (TRAIN_FOLDER, TEST_FOLDER) if (root / f).exists()]
        if present and not ours:
            raise ValueError(
                f"{root.name!r} already contains {present} that this generator did not write; "
                "pass another root folder (or delete those folders yourself).")
        (root / IN_PROGRESS).write_text("generation started\n")
        (root / MARKER).unlink(missing_ok=True)
        for folder in present:
            shutil.rmtree(root / folder)
        start = time.perf_counter()
        make_rps_folders(root, n_train, n_test, size, seed, n_workers)
        seconds = time.perf_counter() - start
        info = _settings(n_train, n_test, size, seed)
        info["seconds"] = round(seconds, 1)
        (root / MARKER).write_text(json.dumps(info, indent=1) + "\n")
        (root / IN_PROGRESS).unlink()
        if verbose:
            total = 3 * (n_train + n_test)
            print(f"Generated {total} images in {seconds:.1f} s")
    return root


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROOT
    tic = time.perf_counter()
    ensure_rps(target, verbose=True)
    print(f"ready in {time.perf_counter() - tic:.1f} s")
