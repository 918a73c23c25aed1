"""Tests for helpers/checks.py, the one home of the argument checks."""
import numpy as np
import pytest

import ast
from pathlib import Path

from helpers import checks
from helpers.checks import (ArgumentTypeError, check_bool, check_fraction, check_int,
                            check_non_negative, check_number, check_positive,
                            check_positive_int, check_seed)


def test_good_values_come_back_as_plain_python_types():
    assert check_int("n", np.int64(3)) == 3 and type(check_int("n", np.int64(3))) is int
    assert check_int("n", -5, minimum=None) == -5
    assert check_seed("seed", 0) == 0 and check_seed("seed", None, allow_none=True) is None
    assert type(check_number("x", np.float32(0.5))) is float
    assert check_positive("lr", 1) == 1.0
    assert check_non_negative("noise", 0) == 0.0
    assert check_fraction("f", 0.25) == 0.25
    assert check_fraction("f", 1, inclusive=True) == 1.0
    assert check_bool("flag", np.bool_(True)) is True


@pytest.mark.parametrize("call, message", [
    (lambda: check_int("n_epochs", 2.5), "n_epochs must be an integer"),
    (lambda: check_int("n_epochs", True), "n_epochs must be an integer"),
    (lambda: check_seed("seed", "42"), "seed must be an integer"),
    (lambda: check_seed("seed", None), "seed must be an integer"),
    (lambda: check_number("lr", "0.1"), "lr must be a number"),
    (lambda: check_positive("clip_value", None), "clip_value must be a number"),
    (lambda: check_fraction("ratio", [0.8]), "ratio must be a number"),
    (lambda: check_bool("shuffle", "no"), "shuffle must be True or False"),
])
def test_a_wrong_type_is_a_type_error_that_names_the_argument(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: check_int("n", 0), "n must be at least 1"),
    (lambda: check_int("size", 16, minimum=32), "size must be at least 32"),
    (lambda: check_seed("seed", -1), r"seed must lie in \[0, 2\*\*32\)"),
    (lambda: check_seed("seed", 2 ** 32), "seed must lie in"),
    (lambda: check_positive("max_norm", 0), "max_norm must be a positive number"),
    (lambda: check_non_negative("noise_std", -0.1), "noise_std must be zero or positive"),
    (lambda: check_fraction("ratio", 1.0), r"ratio must lie in \(0.0, 1.0\)"),
    (lambda: check_fraction("p", 1.5, inclusive=True), r"p must lie in \[0.0, 1.0\]"),
])
def test_a_wrong_value_is_a_value_error_that_says_what_is_allowed(call, message):
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert not isinstance(info.value, TypeError)


def test_type_errors_are_also_value_errors_for_older_callers():
    with pytest.raises(ValueError):
        check_positive_int("n_test_per_class", 2.5)
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, ValueError)


def test_no_other_module_defines_its_own_check_functions():
    """One home: a ``check_*`` function defined anywhere else in helpers/ or data_generation/ is a copy."""
    root = Path(__file__).resolve().parents[1]
    names = {n for n in dir(checks) if n.startswith("check_")}
    copies = []
    for path in sorted([*root.glob("helpers/**/*.py"), *root.glob("data_generation/**/*.py")]):
        if path.name == "checks.py" and path.parent.name == "helpers":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in names:
                copies.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    assert names and not copies, f"use helpers.checks instead of these copies: {copies}"
