"""Chapter 7 says that forgetting to freeze the batch-norm statistics costs accuracy: its stored
output must show it."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERN = re.compile(r"batch norm statistics frozen: ([\d.]+)%\s+not frozen: ([\d.]+)%")


def stored_stdout(name: str) -> str:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    return "\n".join("".join(out.get("text", "")) for cell in nb["cells"]
                     for out in cell.get("outputs", []) if out["output_type"] == "stream")


def test_unfrozen_batchnorm_drops_accuracy_sharply():
    found = PATTERN.findall(stored_stdout("Chapter07"))
    assert len(found) == 1, "chapter 7 must print both accuracies once"
    frozen, not_frozen = map(float, found[0])
    # "drops sharply": at least 15 points lower, and the frozen run is the one above 80%
    assert frozen > 80 and frozen - not_frozen >= 15, (frozen, not_frozen)


def test_prose_quotes_the_printed_numbers():
    nb = json.loads((ROOT / "notebooks" / "Chapter07.ipynb").read_text())
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    frozen, not_frozen = PATTERN.findall(stored_stdout("Chapter07"))[0]
    assert f"From {frozen}% down to {not_frozen}%" in prose
