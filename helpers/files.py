"""Writing files so that a crash never leaves a half-written one under the real name."""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path"]


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; move it to ``path`` if the block ends normally, delete it
    if the block raises.

    The temporary file has the real file's name, inside a fresh hidden folder next to ``path``:
    writers that record the file name in the file (``torch.save`` names its zip archive's folder
    after it) give the same bytes as a direct write, and the final ``os.replace`` is a rename on
    one file system, atomic on POSIX and Windows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        yield folder / path.name
        os.replace(folder / path.name, path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
