"""checkpoints/ch13 and scripts/train_ch13_fashion_fc.py: chapter 13's 100-epoch nets.

The checkpoints must be what the script's log says they are (same final accuracies on the same
data, to the image), small enough for git, and reproducible by the script from scratch.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from data_generation.fashion_mnist import pair_tensors
from helpers.nn.fashion import load_fashion_fc

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "checkpoints" / "ch13"
SCRIPT = ROOT / "scripts" / "train_ch13_fashion_fc.py"
LOG = json.loads((FOLDER / "fashion_fc.json").read_text())


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The script's data, computed as it does on one thread (a sum's last bits depend on threads)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return pair_tensors(tmp_path_factory.mktemp("fashion"))
    finally:
        torch.set_num_threads(before)


@pytest.fixture(scope="module")
def script():
    """The script as a module (its folder on sys.path for its shared set-up; environment kept)."""
    saved_path, saved_env = list(sys.path), dict(os.environ)
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec = importlib.util.spec_from_file_location("train_ch13_fashion_fc", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)
    return module


def test_the_log_describes_a_full_run():
    assert LOG["recipe"] == {"optimizer": "SGD", "lr": 0.01, "batch_size": 64, "loss": "NLLLoss",
                             "epochs": 100}
    assert LOG["seeds"] == {"weights": 42, "shuffle": 42} and LOG["threads"] == 1
    assert LOG["torch"] == torch.__version__ and LOG["seconds"] > 0
    for name, parameters in (("fc", 402_946), ("deep", 1_394_562)):
        net = LOG["nets"][name]
        assert net["parameters"] == parameters and len(net["epochs"]) == 100
        assert [e["epoch"] for e in net["epochs"]] == list(range(1, 101))


@pytest.mark.parametrize("name, deep", [("fc", False), ("deep", True)])
def test_checkpoints_reproduce_the_logged_final_accuracy(name, deep, pair, one_thread):
    path = FOLDER / LOG["files"][name]
    assert path.stat().st_size <= 20 * 2**20
    model = load_fashion_fc(path, deep=deep)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    last = LOG["nets"][name]["epochs"][-1]
    with torch.no_grad():
        val_correct = int((model(pair.val_x).argmax(dim=1) == pair.val_y).sum())
        train_correct = int((model(pair.train_x).argmax(dim=1) == pair.train_y).sum())
    assert val_correct == last["val_correct"] and val_correct / 2_000 == last["val_accuracy"]
    assert train_correct == last["train_correct"]


def test_the_script_rejects_bad_arguments(script, tmp_path, capsys):
    assert script.parse_args([]).epochs == 100 and script.parse_args([]).nets == ["fc", "deep"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for argv, message in ((["--epochs", "0"], "at least 1"), (["--epochs", "ten"], "at least 1"),
                          (["--nets", "cnn"], "invalid choice"),
                          (["--nets", "fc", "fc"], "names a net twice"),
                          (["--out", str(a_file)], "is a file")):
        with pytest.raises(SystemExit) as exit_info:
            script.parse_args(argv)
        assert exit_info.value.code == 2
        assert message in capsys.readouterr().err


def test_the_script_repeats_its_first_epoch(tmp_path):
    """One epoch of the first net from scratch gives the logged first epoch, bit for bit."""
    result = subprocess.run([sys.executable, str(SCRIPT), "--epochs", "1", "--nets", "fc",
                             "--out", str(tmp_path / "out"), "--data", str(tmp_path / "data")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    rerun = json.loads((tmp_path / "out" / "fashion_fc.json").read_text())
    assert rerun["nets"]["fc"]["epochs"][0] == LOG["nets"]["fc"]["epochs"][0]
    assert rerun["normalization"] == LOG["normalization"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["fashion_fc.json",
                                                                    "fashion_fc.safetensors"]
