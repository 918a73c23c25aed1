"""The Extra chapter's sentences about its per-layer statistics hold for its stored outputs."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def printed_schemes() -> dict[str, dict[str, list[float]]]:
    """{set-up name: {'activations': [a1..a5 stds], 'gradients': [h1..h5 stds]}} as printed."""
    nb = json.loads((ROOT / "notebooks" / "ChapterExtra.ipynb").read_text())
    text = "\n".join("".join(out.get("text", "")) for cell in nb["cells"]
                     for out in cell.get("outputs", []) if out["output_type"] == "stream")
    schemes, current = {}, None
    for line in text.splitlines():
        kind = line.split(" ", 1)[0]
        if kind in ("activations", "gradients") and current is not None:
            schemes[current][kind] = [float(v) for v in re.findall(r"[ah]\d: ([\d.e+-]+)", line)]
        elif re.match(r"(Sigmoid|Tanh|ReLU) \+ ", line):
            current = line.strip()
            schemes[current] = {}
    return schemes


@pytest.fixture(scope="module")
def schemes():
    found = printed_schemes()
    for name in ("Sigmoid + N(0, 0.1)", "ReLU + N(0, 0.1)", "ReLU + Kaiming",
                 "ReLU + N(0, 0.1) + BN"):
        assert len(found[name]["gradients"]) == 5, name
    return found


def test_sigmoid_gradients_vanish(schemes):
    grads = schemes["Sigmoid + N(0, 0.1)"]["gradients"]
    assert grads[-1] / grads[0] > 1000  # "a factor of about 1,500"


def test_relu_normal_gradients_are_flat_not_vanishing(schemes):
    relu = schemes["ReLU + N(0, 0.1)"]
    grads, acts = relu["gradients"], relu["activations"]
    assert max(grads) / min(grads) < 3          # flat across layers...
    assert grads[0] == max(grads)               # ...and h1's is the widest
    assert acts[0] / acts[-1] > 4                # while the activations shrink five-fold
    kaiming = schemes["ReLU + Kaiming"]["gradients"]
    ratios = [k / g for k, g in zip(kaiming, grads)]
    assert 8 < min(ratios) and max(ratios) < 50  # "9 to 46 times smaller than with Kaiming"


def test_batchnorm_first_layer_gradient_is_four_to_five_times_the_others(schemes):
    grads = schemes["ReLU + N(0, 0.1) + BN"]["gradients"]
    assert all(3.5 < grads[0] / g < 5.5 for g in grads[1:])
    kaiming = schemes["ReLU + Kaiming"]["gradients"]
    # "as large as Kaiming's": the smallest and the largest spreads within 50% of Kaiming's
    assert 1 / 1.5 < min(grads) / min(kaiming) < 1.5
    assert 1 / 1.5 < max(grads) / max(kaiming) < 1.5
