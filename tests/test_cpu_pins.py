"""The CPU kernels that write and check stored outputs are pinned to AVX2, inside every kernel too."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
# the repository's root conftest.py (tests/ has a conftest.py of its own, so import it by path)
_spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
_root_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root_conftest)
reproducibility_warning = _root_conftest.reproducibility_warning


def makefile_pins() -> dict[str, str]:
    """The `export NAME := value` pins of the Makefile (their one home)."""
    text = (ROOT / "Makefile").read_text()
    pins = dict(re.findall(r"^export (ATEN_CPU_CAPABILITY|ONEDNN_MAX_CPU_ISA|MKL_CBWR) := (\S+)$",
                           text, re.M))
    assert len(pins) == 3, f"the Makefile should pin three variables, found {pins}"
    return pins


def cpu_has_avx2() -> bool:
    try:
        return " avx2" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def test_the_makefile_pins_avx2():
    assert makefile_pins() == {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                               "MKL_CBWR": "AVX2"}
    assert _root_conftest._PINNED == makefile_pins()  # the warning checks the same values


def test_every_notebook_sets_the_same_pins_in_its_first_cell():
    sys.path.insert(0, str(ROOT / "tools"))
    import launch
    assert launch.PINS == makefile_pins()
    assert "os.environ.setdefault(name, value)" in launch.colab_cell(None)


def test_this_test_run_has_the_pins():
    for name, value in makefile_pins().items():
        assert os.environ.get(name) == value, f"{name} is not {value}: run `make test`"


def test_a_notebook_kernel_sees_the_pinned_kernels():
    """What nbval's kernels see: the same environment, and PyTorch's AVX2 kernels."""
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        code = ("import os, torch\n"
                "print(torch.backends.cpu.get_cpu_capability(), "
                "os.environ.get('ONEDNN_MAX_CPU_ISA'), os.environ.get('MKL_CBWR'))")
        lines = []
        reply = kc.execute_interactive(
            code, timeout=120,
            output_hook=lambda msg: lines.append(msg["content"].get("text", ""))
            if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    seen = "".join(lines).split()
    assert seen[1:] == ["AVX2", "AVX2"]
    if cpu_has_avx2():
        assert seen[0] == "AVX2"
    else:  # the CPU cannot honour the pin: the run must say so once, clearly
        assert reproducibility_warning() is not None


def test_this_process_runs_the_avx2_kernels():
    """On this process (pinned), the capability is AVX2 whenever the CPU has AVX2 at all."""
    if cpu_has_avx2():
        assert torch.backends.cpu.get_cpu_capability() == "AVX2"
        assert reproducibility_warning() is None
    else:
        assert "AVX2" in reproducibility_warning()


@pytest.mark.parametrize("env, expected", [
    ({}, "not set"), ({"ATEN_CPU_CAPABILITY": "avx2"}, "not set"),
    ({"ATEN_CPU_CAPABILITY": "avx512", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"},
     "ATEN_CPU_CAPABILITY=avx512 overrides the pin"),
    ({"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "ALL", "MKL_CBWR": "AUTO"},
     "ONEDNN_MAX_CPU_ISA=ALL, MKL_CBWR=AUTO overrides the pin")])
def test_the_warning_names_missing_pins(monkeypatch, env, expected):
    for name in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if cpu_has_avx2():
        assert expected in reproducibility_warning()


@pytest.mark.parametrize("capability, times", [("avx2", 0), ("avx512", 1)])
def test_a_test_run_prints_the_note_once_and_only_when_the_pin_is_off(capability, times):
    """A whole pytest run (here one small test) prints the note exactly once when a pin is
    overridden, and not at all under the pins."""
    env = {**os.environ, **makefile_pins(), "ATEN_CPU_CAPABILITY": capability}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "tests/test_checks.py::test_good_values_come_back_as_plain_python_types"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert run.stdout.count("NOTE on reproducibility") == times, run.stdout[-2000:]
