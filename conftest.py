"""Repository-wide pytest set-up: warn once, clearly, when this CPU cannot reproduce the stored outputs.

The notebooks' stored outputs were written with PyTorch's CPU kernels pinned to AVX2 (see the
Makefile and book/setup.md). On an x86-64 CPU with AVX2 the pinned kernels give the same bits as
on the machine that wrote them. On a CPU without AVX2, or on another architecture (Apple silicon,
ARM servers), PyTorch must use other kernels: cells that print numbers computed by many floating-
point operations (trained models' losses and accuracies) may then differ in their last digits.
"""
from __future__ import annotations

import os
import platform

_PINNED = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"}


def reproducibility_warning() -> str | None:
    """A one-paragraph warning when stored outputs may not reproduce here, else None."""
    machine = platform.machine().lower()
    missing = [name for name in _PINNED if not os.environ.get(name)]
    other = [f"{name}={os.environ[name]}" for name, value in _PINNED.items()
             if os.environ.get(name) and os.environ[name].lower() != value.lower()]
    if machine not in ("x86_64", "amd64"):
        why = f"this is a {platform.machine()} CPU, not x86-64"
    elif missing:
        why = (f"{', '.join(missing)} not set: run the tests through `make test` "
               "(or `make nbval`), which pins the kernels")
    elif other:
        why = (f"{', '.join(other)} overrides the pin: unset it, or run the tests through "
               "`make test` (or `make nbval`)")
    else:
        import torch  # only now: the pins must be in the environment before torch starts
        capability = torch.backends.cpu.get_cpu_capability()
        if capability == "AVX2":
            return None
        why = f"this CPU has no AVX2, so PyTorch runs its {capability} kernels"
    return ("NOTE on reproducibility: the notebooks' stored outputs were recorded with PyTorch's "
            f"AVX2 CPU kernels, and {why}. Cells that print the results of long floating-point "
            "computations (trained models' losses, accuracies, weights; see book/setup.md, "
            "'Same numbers on every machine') may differ in their last digits and fail under "
            "nbval; everything else is unaffected.")


def pytest_terminal_summary(terminalreporter):
    note = reproducibility_warning()
    if note:
        terminalreporter.write_sep("=", "reproducibility", yellow=True)
        terminalreporter.write_line(note)
