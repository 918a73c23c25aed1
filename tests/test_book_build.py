"""The site builds from the stored notebook outputs with no warning at all."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_files() -> list[str]:
    """Every file named in _toc.yml (without extension)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def test_every_chapter_notebook_is_in_the_toc():
    listed = set(toc_files())
    notebooks = {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("Chapter*.ipynb")}
    assert notebooks <= listed, f"notebooks missing from _toc.yml: {sorted(notebooks - listed)}"


def test_book_builds_without_warnings(tmp_path):
    jb = Path(sys.executable).with_name("jupyter-book")
    out = tmp_path / "site"
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out),
                           "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    html = out / "_build" / "html"
    assert (html / "index.html").exists()
    for name in toc_files():
        page = html / f"{name}.html"
        assert page.exists(), f"{page} was not built"
    # every chapter page shows at least one figure, and each image it references exists
    for name in toc_files():
        if not name.startswith("notebooks/"):
            continue
        text = (html / f"{name}.html").read_text()
        assert "<img" in text, f"{name} has no figure"
    shutil.rmtree(out, ignore_errors=True)
