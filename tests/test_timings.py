"""Every chapter has a measured run time (``make execute``) within its budget."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMINGS = json.loads((ROOT / "book" / "timings.json").read_text())
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("Chapter*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_measured_and_within_budget(name):
    assert name in TIMINGS, f"{name} has no measured time: run `make execute NB=notebooks/{name}`"
    budget = 480 if name.startswith("Chapter11") else 180
    assert TIMINGS[name]["seconds"] <= budget, f"{name} takes {TIMINGS[name]['seconds']} s"


def test_page_matches_the_measurements():
    page = (ROOT / "book" / "timings.md").read_text()
    for name, entry in TIMINGS.items():
        assert f"| {name} | {entry['seconds']:.0f} |" in page
