"""The appendix "the trainer, version by version" lists exactly what each version adds."""
import re
from pathlib import Path

from helpers.stepbystep import v0, v1, v2, v3, v4

PAGE = (Path(__file__).resolve().parents[1] / "book" / "trainer.md").read_text()


def documented(version: str) -> set[str]:
    section = re.split(r"^## ", PAGE, flags=re.M)
    text = next(s for s in section if s.startswith(f"{version} "))
    return set(re.findall(r"^\| `(\w+)\(", text, flags=re.M))


def test_each_section_lists_the_public_methods_of_its_version():
    for name, module in [("v0", v0), ("v1", v1), ("v2", v2), ("v3", v3), ("v4", v4)]:
        own = {n for n in vars(module.StepByStep) if not n.startswith("_")}
        assert documented(name) == own, name
