"""Every number on the reference-results appendix is printed by its chapter's notebook."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "book" / "results.md").read_text()
NAMES = {"Bonus": "ChapterBonus", "Extra": "ChapterExtra"}


def rows():
    for line in PAGE.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[\d.]+|Bonus|Extra", cells[0]):
            chapter = cells[0]
            if chapter in NAMES:
                name = NAMES[chapter]
            else:
                major, _, minor = chapter.partition(".")
                name = f"Chapter{int(major):02d}" + (f".{minor}" if minor else "")
            yield name, cells[3].strip("`")


def stored_text(name: str) -> str:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    parts = []
    for cell in nb["cells"]:
        # a kernel may split one print into several stream outputs, depending on timing; join
        # them back as Jupyter (and nbval) do before comparing
        parts.append("".join("".join(out.get("text", "")) for out in cell.get("outputs", [])
                             if out["output_type"] == "stream"))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_the_page_has_a_row_per_chapter():
    assert len(list(rows())) >= 12


@pytest.mark.parametrize("name, value", list(rows()))
def test_value_is_printed_by_the_notebook(name, value):
    assert value in stored_text(name), f"{name} does not print {value!r}"
