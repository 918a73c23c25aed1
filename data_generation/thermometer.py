"""Chapter 12's thermometer: eleven readings of one thermometer, in Celsius and in unknown units.

``T_C`` holds the temperatures in degrees Celsius and ``T_U`` the same moments read on a
thermometer with an unmarked scale (it turns out to be Fahrenheit, give or take some noise).
The values are those of the reference text, so that every loss and gradient the chapter prints
can be compared with its numbers. Two fixed splits are kept too: the one of the reference run
that introduced validation (``CH5_TRAIN``/``CH5_VAL``) and the one of its ``nn.Linear`` runs
(``CH6_VAL``, the other nine indices train).
"""
from __future__ import annotations

import torch

__all__ = ["T_C", "T_U", "CH5_TRAIN", "CH5_VAL", "CH6_VAL", "CH6_TRAIN", "SCALE", "thermometer"]

T_C = (0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0)
T_U = (35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4)

# The split printed by the reference run (its randperm was unseeded, so we keep its output).
CH5_TRAIN = (9, 6, 5, 8, 4, 7, 0, 1, 3)
CH5_VAL = (2, 10)
# The validation points of the reference's nn.Linear runs (the points answering -4 and 21).
CH6_VAL = (7, 10)
CH6_TRAIN = tuple(i for i in range(len(T_C)) if i not in CH6_VAL)

# Multiplying the unknown units by 0.1 brings the two gradients to comparable sizes.
SCALE = 0.1


def thermometer(unsqueeze: bool = False, scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(t_c, t_u)`` as float32 tensors of shape (11,), or (11, 1) with ``unsqueeze``.

    ``scale`` multiplies the unknown-unit readings (``SCALE`` gives the chapter's ``t_un``).
    """
    if not isinstance(unsqueeze, bool):
        raise TypeError(f"unsqueeze must be True or False, got {unsqueeze!r}.")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise TypeError(f"scale must be a number such as 0.1, got {scale!r} "
                        f"({type(scale).__name__}).")
    if not scale > 0:
        raise ValueError(f"scale must be positive (e.g. 0.1), got {scale}.")
    t_c = torch.tensor(T_C, dtype=torch.float32)
    t_u = torch.tensor(T_U, dtype=torch.float32)
    if scale != 1.0:
        t_u = scale * t_u
    if unsqueeze:
        t_c, t_u = t_c.unsqueeze(1), t_u.unsqueeze(1)
    return t_c, t_u
