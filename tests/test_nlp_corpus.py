"""Tests for data_generation.nlp_corpus (the Alice-vs-Oz sentence corpus of chapter 11)."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets  # noqa: E402

from data_generation import nlp_corpus as nc  # noqa: E402

datasets.disable_progress_bars()

FAKE_ALICE = """The Project Gutenberg eBook of a fake Alice
*** START OF THE PROJECT GUTENBERG EBOOK ALICE ***
ALICE'S ADVENTURES IN WONDERLAND

Contents
 CHAPTER I.     Down the Rabbit-Hole

CHAPTER I. Down the Rabbit-Hole

Alice was tired, very tired. "Oh dear!" said the Rabbit, 'I shall be
late!' She followed it, of course.

Mr. Dodgson wrote this. The end came soon.

              THE END
*** END OF THE PROJECT GUTENBERG EBOOK ALICE ***
Licence text that must go.
"""

FAKE_OZ = """THE WONDERFUL WIZARD OF OZ

1.  The Cyclone

Dorothy lived in Kansas. Toto barked, twice, at the gray sky.
It was a cyclone!
"""


def write_fakes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alice.txt").write_text(FAKE_ALICE, encoding="utf-8")
    (folder / "oz.txt").write_text("\ufeff" + FAKE_OZ, encoding="utf-8")
    return folder


def test_strip_gutenberg_removes_header_and_footer():
    text = nc.strip_gutenberg(FAKE_ALICE)
    assert "Project Gutenberg" not in text and "Licence" not in text
    assert text.startswith("ALICE'S ADVENTURES")
    # a text without the markers is left alone (apart from surrounding blank lines)
    assert nc.strip_gutenberg("\nplain text\n") == "plain text\n"


def test_trim_book_skips_contents_and_the_end():
    text = nc.trim_book(nc.strip_gutenberg(FAKE_ALICE), "alice")
    assert text.startswith("CHAPTER I. Down the Rabbit-Hole\n\nAlice was tired")
    assert "THE END" not in text and "Contents" not in text


def test_trim_book_rejects_the_wrong_book():
    with pytest.raises(ValueError, match="first chapter heading"):
        nc.trim_book(FAKE_OZ, "alice")
    with pytest.raises(ValueError, match="books must name"):
        nc.trim_book(FAKE_OZ, "hamlet")


def test_sentence_tokenize_joins_lines_and_keeps_abbreviations():
    sentences = nc.sentence_tokenize("Mr. Smith went\nhome. He was tired.\r\nThe end.")
    assert sentences == ["Mr. Smith went home.", "He was tired.", "The end."]
    with pytest.raises(TypeError):
        nc.sentence_tokenize(["not", "a", "string"])


def test_find_texts_prefers_the_given_folder(tmp_path):
    folder = write_fakes(tmp_path / "texts")
    assert nc.find_texts(folder) == folder


def test_find_texts_without_texts_raises_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(nc, "packaged_texts_folder", lambda: tmp_path / "nothing-here")
    with pytest.raises(FileNotFoundError, match="allow_download=True"):
        nc.find_texts(tmp_path / "empty")
    with pytest.raises(TypeError, match="allow_download"):
        nc.find_texts(tmp_path, allow_download="yes")


def test_download_is_used_only_when_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(nc, "packaged_texts_folder", lambda: tmp_path / "nothing-here")
    pages = {11: FAKE_ALICE, 55: FAKE_OZ}
    calls = []

    class FakeResponse:
        def __init__(self, url):
            calls.append(url)
            self.body = pages[int(url.rsplit("pg", 1)[1].split(".")[0])].encode()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return self.body

    monkeypatch.setattr(nc.urllib.request, "urlopen", lambda url, timeout: FakeResponse(url))
    with pytest.raises(FileNotFoundError):
        nc.find_texts(tmp_path / "dl")  # not allowed: no download
    assert calls == []
    folder = nc.find_texts(tmp_path / "dl", allow_download=True)
    assert len(calls) == 2 and "gutenberg.org" in calls[0]
    saved = (folder / "alice.txt").read_text()
    assert "START OF THE PROJECT" not in saved and "Licence" not in saved


def test_offline_download_raises_a_clear_error(tmp_path, monkeypatch):
    def refuse(url, timeout):
        raise nc.urllib.error.URLError("no network")

    monkeypatch.setattr(nc.urllib.request, "urlopen", refuse)
    with pytest.raises(FileNotFoundError, match="offline"):
        nc.download_gutenberg("oz", tmp_path)


def test_csv_round_trip_keeps_commas_and_quotes(tmp_path):
    folder = write_fakes(tmp_path / "texts")
    paths = nc.build_sentence_csvs(folder, tmp_path / "csv")
    assert [p.name for p in paths] == ["alice.sent.csv", "oz.sent.csv"]
    first_line = paths[0].read_text().splitlines()[1]
    assert first_line.startswith("\\") and first_line.endswith("\\,alice.txt")
    ds = nc.load_sentence_dataset(paths)
    alice = nc.sentence_tokenize(nc.read_book("alice", folder))
    oz = nc.sentence_tokenize(nc.read_book("oz", folder))
    assert ds.num_rows == len(alice) + len(oz)
    assert ds["sentence"][:len(alice)] == alice  # commas and both quote kinds intact
    assert any("," in s for s in ds["sentence"]) and any('"' in s for s in ds["sentence"])
    assert ds["labels"] == [1] * len(alice) + [0] * len(oz)


def test_write_sentence_csv_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="backslash"):
        nc.write_sentence_csv(["a \\ b"], tmp_path / "x.csv", "alice.txt")
    with pytest.raises(ValueError, match="empty"):
        nc.write_sentence_csv([], tmp_path / "x.csv", "alice.txt")
    with pytest.raises(TypeError):
        nc.write_sentence_csv("one string", tmp_path / "x.csv", "alice.txt")
    with pytest.raises(ValueError, match="source"):
        nc.write_sentence_csv(["ok"], tmp_path / "x.csv", "a,b")


def test_splits_are_deterministic_and_validated(tmp_path):
    folder = write_fakes(tmp_path / "texts")
    ds = nc.load_sentence_dataset(nc.build_sentence_csvs(folder, tmp_path / "csv"))
    a = nc.make_corpus_splits(ds, test_size=0.25, seed=42)
    b = nc.make_corpus_splits(ds, test_size=0.25, seed=42)
    assert a["train"]["sentence"] == b["train"]["sentence"]
    assert a["train"].num_rows + a["test"].num_rows == ds.num_rows
    with pytest.raises(ValueError, match="test_size"):
        nc.make_corpus_splits(ds, test_size=1.5)
    with pytest.raises(ValueError, match="seed"):
        nc.make_corpus_splits(ds, seed=-1)


def test_the_real_corpus(tmp_path):
    """The shipped texts: sentence counts, split sizes, labels and the first training sentence."""
    dataset, splits = nc.build_corpus(out_folder=tmp_path)
    counts = {s: dataset["source"][:].count(s) for s in ("alice.txt", "oz.txt")}
    assert counts == {"alice.txt": 1626, "oz.txt": 2240}  # Oz matches the book's 2,240
    assert (splits["train"].num_rows, splits["test"].num_rows) == (3092, 774)
    assert set(splits["train"]["labels"]) == {0, 1}
    assert sum(splits["test"]["labels"]) == 317
    assert splits["train"][0]["sentence"] == 'If you come in this yard, I will bite you."'
    assert nc.find_texts() == nc.packaged_texts_folder()


def test_the_shipped_novels_are_the_documented_editions():
    """The package's copies hash to the sha256 sums recorded in data_generation/texts/README.md."""
    folder = nc.packaged_texts_folder()
    readme = (folder / "README.md").read_text()
    for fname in ("alice.txt", "oz.txt"):
        digest = nc.sha256(folder / fname)
        assert digest in readme, f"{fname}: {digest} is not the documented hash"
