"""Every class in helpers/ has one home: no class name is defined in two modules.

Two classes with the same name (say, two modules each defining ``MultiHeadAttention``) are two
implementations that can drift apart, and an import that silently picks one of them. The one
exception is a deliberate version chain: the trainer's ``helpers.stepbystep.v1.StepByStep``
*subclasses* ``v0.StepByStep`` and adds to it, so it extends that class rather than repeating it.
"""
import ast
from collections import defaultdict
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[1] / "helpers"


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> original name, for every ``from helpers... import X [as Y]``."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def _extends_namesake(node: ast.ClassDef, imported: dict[str, str]) -> bool:
    """True if the class subclasses a helpers class of the same name (a new version of it)."""
    for base in node.bases:
        if isinstance(base, ast.Name) and imported.get(base.id) == node.name:
            return True
        if isinstance(base, ast.Attribute) and base.attr == node.name:
            return True
    return False


def class_homes() -> dict[str, list[str]]:
    """Top-level class names in helpers/**/*.py -> the modules that implement them."""
    homes = defaultdict(list)
    for path in sorted(HELPERS.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        imported = _imported_names(tree)
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and not _extends_namesake(node, imported):
                homes[node.name].append(str(path.relative_to(HELPERS.parent)))
    return homes


def test_the_helpers_define_classes():
    homes = class_homes()
    assert homes["MultiHeadAttention"] and homes["StepByStep"] == ["helpers/stepbystep/v0.py"]


def test_a_namesake_that_does_not_subclass_is_a_duplicate():
    extension = ast.parse("from helpers.a import Model as Old\nclass Model(Old): pass")
    copy = ast.parse("from helpers.a import Base\nclass Model(Base): pass")
    for tree, expected in ((extension, True), (copy, False)):
        assert _extends_namesake(tree.body[1], _imported_names(tree)) is expected


def test_no_class_name_is_defined_twice():
    twice = {name: paths for name, paths in class_homes().items() if len(paths) > 1}
    assert not twice, ("these classes are defined in more than one module; keep one home and "
                       f"import it everywhere else: {twice}")
