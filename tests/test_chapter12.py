"""Chapter 12's tensor facts, its two pitfalls, and the numbers its stored outputs print.

The strides and offsets are the ones the chapter states; the pitfall tests show that each trap
is real and that the check we recommend catches it; the last tests recompute key results from
``data_generation`` and ``helpers`` and look for them in the notebook's stored outputs.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from data_generation.thermometer import SCALE, thermometer

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "Chapter12.ipynb"


def stored_text() -> str:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    return "\n".join("".join("".join(o.get("text", "")) for o in c.get("outputs", [])
                             if o["output_type"] == "stream") for c in cells)


def test_everyday_shapes():
    assert torch.cat([torch.zeros(3, 2, 4), torch.zeros(3, 5, 4)], dim=1).shape == (3, 7, 4)
    m = torch.zeros(2, 3)
    assert torch.cat([m, m]).shape == (4, 3) and torch.cat([m, m], 1).shape == (2, 6)
    assert torch.stack([m, m]).shape == (2, 2, 3)
    assert [p.shape[0] for p in torch.zeros(3, 2).split(2)] == [2, 1]
    assert [len(p) for p in torch.arange(10).split(4)] == [4, 4, 2]
    assert [len(p) for p in torch.arange(10).chunk(4)] == [3, 3, 3, 1]
    assert torch.zeros(10, 1, 100).squeeze(1).shape == (10, 100)
    x, y, z = torch.ones(3, 2), torch.ones(3, 2) + 2, torch.ones(2, 1)
    assert torch.equal(x * y @ z, torch.full((3, 1), 6.0))
    assert torch.broadcast_shapes((3, 1), (1, 3), (2, 1, 1)) == (2, 3, 3)
    assert (torch.zeros(11) - torch.ones(11, 1)).shape == (11, 11)
    batch = torch.rand(2, 3, 5, 5)
    weights = torch.tensor([0.2126, 0.7152, 0.0722])
    assert torch.allclose(torch.einsum("...chw,c->...hw", batch, weights),
                          (batch * weights.view(3, 1, 1)).sum(-3))


def test_points_views_and_strides():
    points = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    row = points[1]
    assert (row.storage_offset(), row.stride(), points.stride()) == (2, (1,), (2, 1))
    assert row.data_ptr() - points.data_ptr() == 2 * points.element_size()
    row[0] = 10.0
    assert points.tolist() == [[4.0, 1.0], [10.0, 3.0], [2.0, 1.0]]
    t = points.t()
    assert t.stride() == (1, 2) and t.data_ptr() == points.data_ptr() and not t.is_contiguous()
    packed = t.contiguous()
    assert packed.stride() == (3, 1) and packed.flatten().tolist() == [4, 10, 2, 1, 3, 1]
    with pytest.raises(RuntimeError):
        t.view(6)
    assert torch.ones(3, 4, 5).transpose(0, 2).stride() == (1, 5, 20)
    assert torch.zeros(2, 3).t().stride() == (1, 3)


def test_predict_the_stride_lab():
    a = torch.arange(9)
    b = a.view(3, 3)
    c = b[1:, 1:]
    assert (a.shape, a.storage_offset(), a.stride()) == ((9,), 0, (1,))
    assert b.stride() == (3, 1) and b.untyped_storage().data_ptr() == a.untyped_storage().data_ptr()
    assert (c.shape, c.storage_offset(), c.stride(), c.is_contiguous()) == ((2, 2), 4, (3, 1), False)
    assert torch.cos(a).dtype == torch.float32
    with pytest.raises(RuntimeError):
        a.cos_()


def test_promotion_rules_the_chapter_states():
    i8 = torch.ones(2, dtype=torch.int8)
    f16 = torch.ones(2, dtype=torch.float16)
    assert torch.result_type(i8, torch.tensor(1000)) == torch.int8
    assert torch.result_type(i8, torch.tensor([1000])) == torch.int64
    assert torch.result_type(f16, torch.tensor(1.0)) == torch.float16
    assert torch.result_type(f16, torch.ones(2, dtype=torch.bfloat16)) == torch.float32
    assert torch.tensor(70000.0).half().isinf() and torch.tensor(70000.0).bfloat16().item() == 70144


def test_gradient_35():
    a = torch.full((2, 2), 3.0, requires_grad=True)
    ((4 * a + 3) * (a + 2)).sum().backward()
    assert torch.equal(a.grad, torch.full((2, 2), 35.0))


def test_shared_block_trap_is_caught_by_distinct_storages():
    shared = nn.Sequential(*(3 * [nn.Linear(8, 8)]))
    separate = nn.Sequential(*[nn.Linear(8, 8) for _ in range(3)])
    assert len({m.weight.data_ptr() for m in shared}) == 1
    assert sum(p.numel() for p in shared.parameters()) == 72
    assert len({m.weight.data_ptr() for m in separate}) == 3
    assert sum(p.numel() for p in separate.parameters()) == 216


def test_bce_sign_slip_is_caught_by_the_library_loss():
    p, y = torch.tensor([0.1, 0.5, 0.9]), torch.zeros(3)
    slipped = -y * torch.log(p) + (1 - y) * torch.log(1 - p)
    correct = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
    reference = F.binary_cross_entropy(p, y, reduction="none")
    assert torch.allclose(slipped, torch.tensor([-0.1054, -0.6931, -2.3026]), atol=1e-4)
    assert not torch.allclose(slipped, reference)
    assert torch.allclose(correct, reference)


def test_notebook_prints_the_recomputed_thermometer_numbers():
    t_c, t_u = thermometer()
    start = torch.tensor([1.0, 0.0])
    loss = ((start[0] * t_u + start[1] - t_c) ** 2).mean()
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    sgd = torch.optim.SGD([params], lr=1e-2)
    for _ in range(5000):
        fit = ((params[0] * SCALE * t_u + params[1] - t_c) ** 2).mean()
        sgd.zero_grad()
        fit.backward()
        sgd.step()
    text = stored_text()
    assert f"initial loss {loss:.4f}" in text
    assert f"after 5000 epochs: loss {fit.item():.4f}, w = {params[0]:.4f}, b = {params[1]:.4f}" in text
    assert "condition number: raw 33,599   scaled by 0.1 357" in text


def test_notebook_shows_the_fizzbuzz_answer_and_the_caught_pitfalls():
    text = stored_text()
    assert "after 14 comes: FizzBuzz" in text
    assert "1 2 Fizz 4 Buzz Fizz 7 8 Fizz Buzz 11 Fizz 13 14 FizzBuzz" in text
    assert "3 * [block]    3 entries, 72 parameters" in text
    assert "slipped matches PyTorch: False   correct matches PyTorch: True" in text
    assert "a: right\nb: right\nc: right" in text
