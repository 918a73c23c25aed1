"""The chapters' closing "Next" lines point to the chapter that follows them in the table of contents."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
ORDER = [entry["file"].split("/")[-1] for part in TOC["parts"] for entry in part["chapters"]
         if entry["file"].startswith("notebooks/")]
REFERENCE = re.compile(r"\b[Cc]hapter\s+(\d+(?:\.\d+)?)\b|\b(Extra|Bonus)\s+[Cc]hapter\b")


def notebook_name(match: re.Match) -> str:
    """Notebook file stem of a chapter reference: "chapter 5" -> Chapter05, "Extra chapter" -> ChapterExtra."""
    number, special = match.groups()
    if special:
        return f"Chapter{special}"
    major, _, minor = number.partition(".")
    return f"Chapter{int(major):02d}" + (f".{minor}" if minor else "")


def next_reference(stem: str) -> str | None:
    """The chapter named first after the last "Next" of a notebook's last cells."""
    cells = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells[-4:] if c["cell_type"] == "markdown")
    position = max(text.rfind("**Next:**"), text.rfind("Next,"), text.rfind("Next:"))
    if position < 0:
        return None
    match = REFERENCE.search(text, position)
    return notebook_name(match) if match else None


def test_the_toc_lists_the_extra_chapter_after_chapter_7():
    assert ORDER.index("ChapterExtra") == ORDER.index("Chapter07") + 1
    assert ORDER.index("ChapterBonus") == ORDER.index("Chapter04") + 1


@pytest.mark.parametrize("stem, following", list(zip(ORDER, ORDER[1:])))
def test_next_points_to_the_following_chapter(stem, following):
    assert next_reference(stem) == following, (
        f"{stem}'s closing 'Next' should name the chapter that follows it in _toc.yml ({following})")


def test_the_intro_table_follows_the_toc():
    intro = (ROOT / "book" / "intro.md").read_text()
    assert "4, Bonus, 5, 6, 7, Extra" in intro
