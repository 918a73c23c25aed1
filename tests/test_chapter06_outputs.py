"""Chapter 6's stored outputs: no unfilled message placeholders, the drafts match version 3, and the
chapter's lessons hold (overfitting without dropout, dropout helping, the final recipe winning)."""
import json
import re
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


# ---------------------------------------------------------------------------------------------
# The lessons of the chapter, read from the stored outputs (nbval checks that re-running the
# notebook prints the same): overfitting without dropout, dropout helping, the final recipe winning
# ---------------------------------------------------------------------------------------------
def all_stdout() -> str:
    return "\n".join(stream_outputs("Chapter06"))


def printed_array(label: str) -> list[float]:
    match = re.search(re.escape(label) + r"\s*\[([^\]]*)\]", all_stdout())
    assert match, f"chapter 6 no longer prints {label!r}"
    return [float(v) for v in match.group(1).split()]


def validation_accuracy(line_start: str) -> float:
    match = re.search(r"^" + re.escape(line_start) + r".*?validation ([\d.]+)%", all_stdout(), re.M)
    assert match, f"chapter 6 no longer prints a line starting with {line_start!r}"
    return float(match.group(1))


def final_recipe_accuracy() -> float:
    match = re.search(r"^validation \[\[.*\]\] ([\d.]+)%$", all_stdout(), re.M)
    assert match, "chapter 6 no longer prints the final model's validation accuracy"
    return float(match.group(1))


def test_without_dropout_the_model_overfits_visibly():
    train = printed_array("no dropout, training losses")
    val = printed_array("no dropout, validation losses")
    assert len(train) == len(val) == 10
    best = val.index(min(val))
    assert best < 5, "the validation loss should bottom out early"
    # after its best epoch the validation loss rises clearly while the training loss keeps falling
    assert val[-1] > 1.5 * val[best]
    assert all(later < earlier for earlier, later in zip(train[best:], train[best + 1:]))


def test_dropout_improves_validation_accuracy():
    assert validation_accuracy("Dropout p=0.3") > validation_accuracy("No dropout")


def test_final_recipe_is_the_best_model_of_the_chapter():
    others = {name: validation_accuracy(name) for name in ("No dropout", "Dropout p=0.3",
                                                           "lr=3e-4", "lr=0.005")}
    final = final_recipe_accuracy()
    assert all(final > acc for acc in others.values()), (final, others)


def test_prose_quotes_the_three_orderings():
    nb = json.loads((ROOT / "notebooks" / "Chapter06.ipynb").read_text())
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for number in (validation_accuracy("No dropout"), validation_accuracy("Dropout p=0.3"),
                   validation_accuracy("lr=0.005"), final_recipe_accuracy()):
        assert f"{number:.2f}%" in prose, f"the prose does not quote {number:.2f}%"
