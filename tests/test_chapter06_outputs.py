"""Chapter 6's stored outputs: no unfilled message placeholders, and the drafts match version 3."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stream_outputs(name: str) -> list[str]:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    return ["".join(out.get("text", "")) for cell in nb["cells"]
            for out in cell.get("outputs", []) if out["output_type"] == "stream"]


def test_lr_finder_message_has_no_placeholder():
    text = "\n".join(stream_outputs("Chapter06"))
    assert "Learning rate search finished" in text
    assert "{finder_name}" not in text


def test_chapter6_uses_a_draft_subclass_not_the_imported_trainer():
    nb = json.loads((ROOT / "notebooks" / "Chapter06.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "class StepByStepDraft(StepByStep)" in code
    assert "setattr(StepByStep," not in code
