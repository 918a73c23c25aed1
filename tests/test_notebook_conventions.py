"""Every chapter notebook follows the book's conventions (see DESIGN.md)."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("Chapter*.ipynb"))
TAG = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["branch"]


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def markdown_headings(text: str) -> list[str]:
    """The ATX headings of a markdown cell, ignoring lines inside fenced code blocks."""
    headings, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            headings.append(line)
    return headings


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_title_goals_colab_cell_and_recap(path):
    nb = cells(path)
    title = source(nb[0])
    assert nb[0]["cell_type"] == "markdown"
    assert re.match(r"# (Chapter [\d.]+|Bonus Chapter|Extra Chapter) — \S", title), title[:80]
    assert "learn" in title.lower(), "the first cell should say what the reader will learn"
    colab = source(nb[1])
    assert nb[1]["cell_type"] == "code" and "google.colab" in colab
    assert f"--branch {TAG} " in colab, "the Colab cell must fetch the release tag of _config.yml"
    assert "hide-cell" in nb[1]["metadata"].get("tags", []), "fold the Colab cell on the site"
    headings = [h for c in nb if c["cell_type"] == "markdown" for h in markdown_headings(source(c))]
    assert sum(h.startswith("# ") for h in headings) == 1, "exactly one title per notebook"
    assert "## Recap" in headings


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_are_complete_and_portable(path):
    nb = cells(path)
    code = [c for c in nb if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code[2:]), "run every cell before committing"
    for c in code:
        tags = c.get("metadata", {}).get("tags", [])
        for out in c.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"unexpected error in: {source(c)[:120]}"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            assert "/work/" not in text and "/tmp/" not in text and "/home/" not in text, \
                f"an absolute path leaks into the output of: {source(c)[:120]}"
        if "raises-exception" in tags:
            assert source(c).startswith("# NBVAL_RAISES_EXCEPTION")


def replaced_names(path: Path) -> list[tuple[str, int, int, str]]:
    """(name, defining cell, importing cell, module) for every notebook class or function that a
    later ``from helpers... import`` replaces under the same name."""
    defined, found = {}, []
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        # IPython magics and shell lines become `pass`, keeping their indentation
        code = "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line)
                         for line in source(cell).splitlines())
        for node in ast.parse(code).body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                defined.setdefault(node.name, i)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                found += [(alias.asname or alias.name, defined[alias.asname or alias.name], i,
                           node.module) for alias in node.names
                          if (alias.asname or alias.name) in defined]
    return found


def test_the_replacement_scan_finds_chapter_4s_data_helpers():
    names = {name for name, *_ in replaced_names(ROOT / "notebooks" / "Chapter04.ipynb")}
    assert names == {"TransformedTensorDataset", "index_splitter", "make_balanced_sampler"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_silently_replaces_its_own_class_with_a_helper(path):
    """A name the chapter built and then imports from helpers/ is first compared with the helper
    (a cell between the two calls ``<module alias>.<name>``) and the text says it is replaced."""
    all_cells = cells(path)
    for name, built, imported, module in replaced_names(path):
        between = [source(c) for c in all_cells[built + 1:imported]]
        compared = any(re.search(rf"\w\.{name}\(", text) for text in between
                       if "import" in text or "helpers" in text)
        said = any(name in text or "replaces" in text for text in between[-3:])
        assert compared, (f"{path.name} imports {name} from {module} (cell {imported}) over its own "
                          f"version (cell {built}) without a cell comparing the two first")
        assert said, f"{path.name}: say in the text before cell {imported} that {name} is replaced"
