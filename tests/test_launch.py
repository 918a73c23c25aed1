"""Launch buttons and Colab cells: one release, and every import a notebook makes is installed.

The repository URL and tag live in ``_config.yml`` (see tools/launch.py). Each notebook's Colab
cell installs the package with the extra it names; this test follows each notebook's imports (its
cells, the ``%run`` scripts and the helper modules it imports, transitively) and checks that every
third-party module comes from a distribution that ``pip install -e .[extra]`` brings in.
"""
from __future__ import annotations

import ast
import importlib.metadata as md
import json
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import launch  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("Chapter*.ipynb"))
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCAL = {"helpers", "data_generation"}
# Present in every Jupyter kernel (Colab's included): not the package's job to install.
KERNEL = {"IPython", "ipykernel", "google"}


def module_imports(source: str) -> set[str]:
    """Top-level modules imported by a piece of Python (magics and shell lines skipped)."""
    lines = [re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in source.splitlines()]
    tree = ast.parse("\n".join(lines))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    # modules looked up without importing them (e.g. a data file inside a package)
    found |= set(re.findall(r"find_spec\(\s*[\"']([\w.]+)[\"']", source))
    return found


@cache
def local_file(module: str) -> Path | None:
    """The file of a module of this repository (helpers.*, data_generation.*), if it is one."""
    path = ROOT.joinpath(*module.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def third_party_imports(sources: list[str]) -> set[str]:
    """Third-party top-level modules used by ``sources`` and the local modules they import."""
    todo, seen, outside = [], set(), set()
    for src in sources:
        todo.extend(module_imports(src))
    while todo:
        module = todo.pop()
        top = module.split(".")[0]
        if top in LOCAL:
            path = local_file(module)
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(module_imports(path.read_text()))
                # a package's __init__ is imported too
            parent = module.rsplit(".", 1)[0]
            if parent != module and local_file(parent) and local_file(parent) not in seen:
                todo.append(parent)
        elif top not in sys.stdlib_module_names and top not in KERNEL:
            outside.add(top)
    return outside


def notebook_sources(path: Path) -> list[str]:
    cells = json.loads(path.read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    for src in list(sources):  # the versioned scripts the notebook `%run`s
        for script in re.findall(r"^%run\s+(?:-i\s+)?(\S+\.py)", src, re.M):
            sources.append((path.parent / script).read_text())
    return sources


def requirement_closure(reqs: list[str], extras: tuple[str, ...] = ()) -> set[str]:
    """Canonical names of the distributions that installing ``reqs`` pulls in (installed metadata)."""
    names, todo = set(), [Requirement(r) for r in reqs]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == canonicalize_name(PROJECT["name"]):
            for extra in req.extras:
                todo.extend(Requirement(r) for r in PROJECT["optional-dependencies"][extra])
            continue
        if name in names:
            continue
        names.add(name)
        try:
            deps = md.requires(req.name) or []
        except md.PackageNotFoundError:
            continue
        for dep in map(Requirement, deps):
            if dep.marker is None or dep.marker.evaluate({"extra": ""}):
                todo.append(dep)
    return names


@cache
def provided_by(extra: str | None) -> set[str]:
    names = extra.split(",") if extra else []
    extra_reqs = [req for name in names for req in PROJECT["optional-dependencies"][name]]
    # wheels the cell installs with --no-deps: themselves only
    no_deps = {canonicalize_name(Requirement(w).name) for name in names
               for w in launch.NO_DEPS.get(name, [])}
    return requirement_closure(PROJECT["dependencies"] + extra_reqs) | no_deps


@cache
def distributions_of(module: str) -> set[str]:
    return {canonicalize_name(d) for d in md.packages_distributions().get(module, [])}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_colab_cell_fetches_the_release_of_config(path):
    cell = launch.find_colab_cell(json.loads(path.read_text()))
    source = "".join(cell["source"])
    extra = launch.cell_extra(source)
    assert source == launch.colab_cell(extra), (
        f"{path.name}: its Colab cell and _config.yml disagree; run `python tools/launch.py`")
    for name in extra.split(",") if extra else []:
        assert name in PROJECT["optional-dependencies"], f"unknown extra [{name}]"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_import_is_installed_by_the_colab_cell(path):
    extra = launch.cell_extra("".join(launch.find_colab_cell(json.loads(path.read_text()))["source"]))
    provided = provided_by(extra)
    missing = {}
    for module in third_party_imports(notebook_sources(path)):
        dists = distributions_of(module)
        assert dists, f"{path.name} imports {module}, which no installed distribution provides"
        if not dists & provided:
            missing[module] = sorted(dists)
    assert not missing, (f"{path.name}'s Colab cell installs [{extra}], which lacks {missing}: "
                         "add them to that extra in pyproject.toml")


def test_the_import_scan_sees_through_helpers():
    """The scan follows helper modules: a notebook importing helpers.nlp-like code needs its imports."""
    assert "tqdm" in third_party_imports(["from helpers.stepbystep.v0 import StepByStep"])
    assert "numpy" in third_party_imports(["import data_generation.moons"])
    assert third_party_imports(["import os, json"]) == set()


def test_the_package_keeps_a_hosts_newer_torch():
    """pyproject admits any torch from 2.1 on (Colab keeps its own); requirements.txt pins it."""
    torch_req = next(Requirement(r) for r in PROJECT["dependencies"] if r.startswith("torch"))
    assert torch_req.specifier.contains("2.14.1") and torch_req.specifier.contains("9.0")
    assert torch_req.specifier.contains("2.1")
    pins = dict(line.split("==", 1) for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    pins = {canonicalize_name(k): v for k, v in pins.items()}
    assert pins["torch"] == "2.14.1"
    no_deps = [line for line in (ROOT / "requirements-nodeps.txt").read_text().splitlines()
               if line and not line.startswith("#")]
    assert no_deps == [w for wheels in launch.NO_DEPS.values() for w in wheels]
    everything = PROJECT["dependencies"] + [r for extra in PROJECT["optional-dependencies"].values()
                                            for r in extra]
    for req in map(Requirement, everything):
        name = canonicalize_name(req.name)
        if name != canonicalize_name(PROJECT["name"]):
            assert name in pins, f"{name} is a dependency but not pinned in requirements.txt"
