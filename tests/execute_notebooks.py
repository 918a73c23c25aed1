"""Re-execute notebooks in place with the pinned environment and report each one's wall time.

Usage: python tests/execute_notebooks.py notebooks/Chapter00.ipynb [more.ipynb ...]
The table is printed and saved as JSON in ``book/timings.json`` (merged with earlier runs), from
which ``book/timings.md`` is rewritten.
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBCONVERT = [
    sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
    "--ExecutePreprocessor.record_timing=False", "--ExecutePreprocessor.timeout=1200",
    "--ClearMetadataPreprocessor.enabled=True",
    "--ClearMetadataPreprocessor.clear_notebook_metadata=False",
    "--ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags",
]


def machine() -> str:
    """A one-line description of where the timings were taken."""
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # not Linux
        pass
    try:
        import torch
        device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    except ImportError:  # pragma: no cover
        device = "torch missing"
    return f"{cpu}, {os.cpu_count()} cores, {device}"


def write_page(results: dict) -> None:
    """Rewrite book/timings.md from the merged results."""
    lines = ["# How long each chapter takes", "",
             "Wall time of `make execute` for each notebook (all cells, kernel start included), "
             "measured with the pinned environment, one notebook at a time, on the machine named "
             "in each row. The budget is 3 minutes a chapter on a 2-core CPU (8 for chapter 11); "
             "`make execute` rewrites this page. Chapters 6 and 7 share the Rock-Paper-Scissors "
             "images, which the first of them to run generates once (about 20-30 s more on a "
             "fresh clone); the times below were taken with the images already there.", "",
             "| notebook | seconds | budget | machine | date |", "|---|---:|---:|---|---|"]
    for name in sorted(results):
        r = results[name]
        budget = 480 if name.startswith("Chapter11") else 180
        lines.append(f"| {name} | {r['seconds']:.0f} | {budget} | {r['machine']} | {r['date']} |")
    (ROOT / "book" / "timings.md").write_text("\n".join(lines) + "\n")


def scrub_tracebacks(path: Path) -> bool:
    """Drop this machine's folders from the stored tracebacks of ``path``; True if it changed.

    A cell that shows an error on purpose stores its traceback, and the traceback names files by
    their absolute paths (this clone's folder, the kernel's temporary cell files). nbval does not
    compare tracebacks, but the site shows them: paths relative to the repository read the same
    on every machine.
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    changed = False
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            lines = [re.sub(r"/tmp/ipykernel_\d+/", "", line.replace(f"{ROOT}/", ""))
                     for line in out["traceback"]]
            if lines != out["traceback"]:
                out["traceback"], changed = lines, True
    if changed:
        nbformat.write(nb, str(path))
    return changed


# The kernel pins that make stored outputs the same on every x86-64 CPU (set by the Makefile).
PINS = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR")


def main(paths: list[str]) -> int:
    """Execute each notebook, print its time, and return a non-zero code if any failed."""
    unpinned = [name for name in PINS if not os.environ.get(name)]
    if unpinned:
        sys.exit(f"{', '.join(unpinned)} not set: stored outputs must be written with the CPU "
                 "kernels pinned. Run `make execute` (the Makefile sets them).")
    store = ROOT / "book" / "timings.json"
    results = {}
    failed = []
    where = machine()
    for path in paths:
        nb = Path(path)
        start = time.perf_counter()
        proc = subprocess.run(NBCONVERT + [nb.name], cwd=nb.parent, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        status = "ok" if proc.returncode == 0 else "FAILED"
        print(f"{nb.name:32s} {seconds:7.1f} s  {status}", flush=True)
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
            failed.append(nb.name)
            continue
        scrub_tracebacks(nb)
        results[nb.name] = {"seconds": round(seconds, 1), "machine": where,
                            "date": time.strftime("%Y-%m-%d")}
    # Merge with what is stored *now*: another `make execute` may have finished meanwhile.
    merged = json.loads(store.read_text()) if store.exists() else {}
    merged.update(results)
    store.write_text(json.dumps(merged, indent=1, sort_keys=True) + "\n")
    write_page(merged)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
