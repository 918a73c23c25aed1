"""data_generation/thermometer.py, and the reference numbers chapter 12 reproduces from it.

Each reference number is recomputed here from the data with a small loop written for the test
(not the notebook's), and compared with the value printed in the reference text.
"""
from __future__ import annotations

import math

import pytest
import torch

from data_generation.thermometer import (CH5_TRAIN, CH5_VAL, CH6_TRAIN, CH6_VAL, SCALE, T_C, T_U,
                                         thermometer)


def close(a, b, rel=1e-5, abs_=1e-4):
    a = a.item() if isinstance(a, torch.Tensor) else a
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_)


def mse(params, t_u, t_c):
    return ((params[0] * t_u + params[1] - t_c) ** 2).mean()


def hand_gradient(params, t_u, t_c):
    residual = 2 * (params[0] * t_u + params[1] - t_c) / len(t_u)
    return torch.stack([(residual * t_u).sum(), residual.sum()])


def hand_descent(epochs, lr, t_u, t_c):
    """Plain gradient descent from [1, 0]; returns (loss per epoch, final parameters)."""
    params, losses = torch.tensor([1.0, 0.0]), []
    for _ in range(epochs):
        losses.append(mse(params, t_u, t_c).item())
        params = params - lr * hand_gradient(params, t_u, t_c)
    return losses, params


def test_the_eleven_readings():
    t_c, t_u = thermometer()
    assert t_c.dtype == t_u.dtype == torch.float32 and t_c.shape == t_u.shape == (11,)
    assert math.isclose(sum(T_U), 569.8, abs_tol=1e-9) and math.isclose(sum(T_C), 115.5)
    assert (T_C[10], T_U[10]) == (21.0, 68.4)
    column_c, column_u = thermometer(unsqueeze=True)
    assert column_c.shape == column_u.shape == (11, 1)
    _, scaled = thermometer(scale=SCALE)
    assert torch.equal(scaled, 0.1 * t_u)


def test_splits_cover_every_point_once():
    assert sorted(CH5_TRAIN + CH5_VAL) == list(range(11)) and CH5_VAL == (2, 10)
    assert sorted(CH6_TRAIN + CH6_VAL) == list(range(11))
    assert [T_C[i] for i in CH6_VAL] == [-4.0, 21.0]


@pytest.mark.parametrize("kwargs, error", [({"unsqueeze": 1}, TypeError), ({"scale": "0.1"}, TypeError),
                                           ({"scale": 0}, ValueError), ({"scale": -1.0}, ValueError)])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        thermometer(**kwargs)


def test_initial_loss_and_first_gradient():
    t_c, t_u = thermometer()
    start = torch.tensor([1.0, 0.0])
    assert close(mse(start, t_u, t_c), 1763.8846, rel=1e-6)
    exact = sum((u - c) ** 2 for u, c in zip(T_U, T_C)) / 11
    assert close(exact, 1763.8845, abs_=1e-4)
    grad = hand_gradient(start, t_u, t_c)
    assert close(grad[0], 4517.2969) and close(grad[1], 82.6)
    params = start.clone().requires_grad_()
    mse(params, t_u, t_c).backward()
    assert torch.allclose(params.grad, grad)


def test_central_differences_agree_with_the_chain_rule_and_gradcheck():
    t_c, t_u = thermometer()
    delta = 0.1
    w = torch.tensor([[1.0 + delta, 0.0], [1.0 - delta, 0.0]])
    central = (mse(w[0], t_u, t_c) - mse(w[1], t_u, t_c)) / (2 * delta)
    assert close(central, 4517.2974, abs_=2e-3)
    forward = (mse(w[0], t_u, t_c) - mse(torch.tensor([1.0, 0.0]), t_u, t_c)) / delta
    assert round(forward.item(), 2) == pytest.approx(4811.38, abs=0.02)
    p64 = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p: mse(p, t_u.double(), t_c.double()), (p64,))


def test_learning_rate_1e_2_diverges_on_raw_readings():
    t_c, t_u = thermometer()
    losses, params = hand_descent(11, 1e-2, t_u, t_c)
    first_step = torch.tensor([1.0, 0.0]) - 1e-2 * hand_gradient(torch.tensor([1.0, 0.0]), t_u, t_c)
    assert close(first_step[0], -44.1730) and close(first_step[1], -0.8260)
    assert close(losses[1], 5802485.5, rel=1e-6) and close(losses[2], 1.9408e10, rel=1e-4)
    assert close(losses[9], 9.0901e34, rel=1e-4) and math.isinf(losses[10])


def test_small_learning_rate_is_stable_but_slow():
    t_c, t_u = thermometer()
    losses, params = hand_descent(100, 1e-4, t_u, t_c)
    assert close(losses[1], 323.090546) and close(losses[99], 29.022669)
    assert close(params[0], 0.2327, abs_=5e-5) and close(params[1], -0.0438, abs_=5e-5)


def test_scaling_the_input_fixes_it_and_finds_least_squares():
    t_c, t_u = thermometer(scale=SCALE)
    losses, params = hand_descent(5000, 1e-2, t_u, t_c)
    assert close(losses[0], 80.364342) and close(losses[99], 22.148710)
    assert close(losses[4999], 2.927648)
    assert close(params[0], 5.3671, abs_=5e-5) and close(params[1], -17.3012, abs_=5e-5)
    design = torch.stack([t_u.double(), torch.ones(11, dtype=torch.float64)], dim=1)
    best = torch.linalg.lstsq(design, t_c.double().unsqueeze(1)).solution.flatten()
    assert torch.allclose(params.double(), best, atol=1e-2)
    assert close(best[0], 5.36772) and close(best[1], -17.304785)


def test_adam_converges_on_raw_readings():
    t_c, t_u = thermometer()
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    adam = torch.optim.Adam([params], lr=0.1)
    for _ in range(2000):
        loss = mse(params, t_u, t_c)
        adam.zero_grad()
        loss.backward()
        adam.step()
    assert close(loss, 2.927646, abs_=5e-6)
    assert close(params[0], 0.5367, abs_=5e-5) and close(params[1], -17.3021, abs_=5e-5)


def test_train_validation_split_of_the_reference_run():
    t_c, t_u = thermometer(scale=SCALE)
    tr, va = list(CH5_TRAIN), list(CH5_VAL)
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    sgd = torch.optim.SGD([params], lr=1e-2)
    for epoch in range(1, 3001):
        train_loss = mse(params, t_u[tr], t_c[tr])
        with torch.no_grad():
            val_loss = mse(params, t_u[va], t_c[va])
        if epoch == 1:
            assert close(train_loss, 66.5811) and close(val_loss, 142.3890)
        sgd.zero_grad()
        train_loss.backward()
        sgd.step()
    assert close(train_loss, 3.0125) and close(val_loss, 3.5756)
    assert close(params[0], 5.1964, abs_=5e-5) and close(params[1], -16.7512, abs_=5e-5)
