"""Stored notebook outputs name no folder of the machine that wrote them.

The site shows every stored output, tracebacks included, and a reader's machine has other
folders: a path such as /work/main/.venv/... in an output is noise at best, and a size or a
message that depends on it breaks nbval elsewhere (a .pt2 file once did).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# an absolute path into a typical home, work or temporary folder, or the kernel's cell files
MACHINE_PATH = re.compile(r"(?<![\w.~])/(?:work|home|root|tmp|check|Users|opt|mnt|var)/[\w.-]+")
ANSI = re.compile(r"\x1b\[[0-9;]*m")     # tracebacks are coloured: drop the escape codes first

sys.path.insert(0, str(ROOT / "tests"))
from execute_notebooks import scrub_tracebacks  # noqa: E402


def _texts(cell: dict):
    for out in cell.get("outputs", []):
        yield from (ANSI.sub("", line) for line in out.get("traceback", []))
        yield out.get("evalue", "")
        if "text" in out:
            yield "".join(out["text"])
        for kind, value in out.get("data", {}).items():
            if kind.startswith("text/"):
                yield "".join(value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stored_output_names_a_folder_of_this_machine(path):
    nb = json.loads(path.read_text())
    found = [(i, m.group(0)) for i, cell in enumerate(nb["cells"]) for text in _texts(cell)
             for m in MACHINE_PATH.finditer(text)]
    assert not found, f"{path.name}: cells with machine paths {found[:5]} (run make execute)"


def test_scrub_tracebacks_makes_paths_relative(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 / 0")
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero",
        traceback=[f"File {ROOT}/.venv/lib/x.py:3", "File /tmp/ipykernel_4242/123.py:1", "plain"])]
    nb.cells.append(cell)
    path = tmp_path / "t.ipynb"
    nbformat.write(nb, str(path))
    assert scrub_tracebacks(path) is True
    traceback = nbformat.read(str(path), as_version=4).cells[0].outputs[0]["traceback"]
    assert traceback == ["File .venv/lib/x.py:3", "File 123.py:1", "plain"]
    assert scrub_tracebacks(path) is False      # nothing left to change
