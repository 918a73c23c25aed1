"""The training scripts in scripts/: one seeding home, the CPU pins, and a refusal of stray options.

A script that ignored its arguments would start a long training run (and overwrite a committed
checkpoint) when a reader types ``--help`` or misspells an option; each must answer with argparse.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.py")
                 if p.name.startswith(("train_ch", "pretrain_", "embed_", "train_bilstm"))
                 and not p.name.endswith("_common.py"))


def test_there_are_scripts_to_check():
    assert len(SCRIPTS) >= 8


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_a_stray_option_is_refused_before_any_training(script):
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    done = subprocess.run([sys.executable, str(script), "--no-such-option"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout[-500:] + done.stderr[-500:]
    assert f"{script.name}: error:" in done.stderr     # argparse's refusal, before any work


def test_seed_everything_pins_the_kernels_and_checks_the_seed():
    code = ("import os, sys; sys.path.insert(0, 'scripts'); import _seeding, torch; "
            "_seeding.seed_everything(3); a = torch.rand(2).tolist(); "
            "_seeding.seed_everything(3); b = torch.rand(2).tolist(); "
            "print(os.environ['ATEN_CPU_CAPABILITY'], torch.get_num_threads(), a == b)")
    env = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out == ["avx2", "1", "True"]
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import _seeding
        for bad in (-1, 1.5, True, "42"):
            with pytest.raises(ValueError, match="non-negative integer"):
                _seeding.seed_everything(bad)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
