"""What every training script does first: pin the CPU kernels, then seed everything.

Import this module before torch. It sets the book's CPU kernel pins (the Makefile's ATEN, oneDNN
and MKL settings, kept if already set), so a script gives the same checkpoint on every x86-64
machine with AVX2, whether it is started by ``make`` or by hand.
"""
from __future__ import annotations

import os
import random
import time

# must happen before torch is imported anywhere in the process
for _name, _value in {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                      "MKL_CBWR": "AVX2"}.items():
    os.environ.setdefault(_name, _value)

import numpy as np  # noqa: E402
import torch  # noqa: E402

__all__ = ["seed_everything"]


def seed_everything(seed: int = 42) -> float:
    """One thread, deterministic algorithms, every generator seeded; return the start time.

    One thread: the results then do not depend on how many cores the machine has, and a busy
    machine does not slow the run down with idle-spinning threads.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    torch.set_num_threads(1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    return time.perf_counter()
