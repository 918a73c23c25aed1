"""Binder installs the book's pinned environment with PyTorch's CPU-only wheels of the same versions."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import binder_requirements  # noqa: E402


def test_binder_requirements_are_generated_from_requirements_txt():
    expected = binder_requirements.binder_lines((ROOT / "requirements.txt").read_text())
    actual = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    assert actual == expected, "run `python tools/binder_requirements.py`"


def test_binder_takes_cpu_torch_of_the_pinned_version_and_no_cuda():
    lines = (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    pins = dict(l.split("==", 1) for l in lines if "==" in l and not l.startswith("#"))
    main = dict(l.split("==", 1) for l in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in l and not l.startswith("#"))
    assert pins["torch"] == main["torch"] + "+cpu"
    assert pins["torchvision"] == main["torchvision"] + "+cpu"
    assert not [name for name in pins if name.startswith(("nvidia-", "cuda-"))]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert (ROOT / "binder" / "apt.txt").read_text().split() == ["graphviz", "dataset-fashion-mnist"]
    assert "jupyter-server-proxy" in pins
