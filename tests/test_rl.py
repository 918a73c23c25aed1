"""helpers/rl.py, helpers/nn/qnetwork.py and data_generation/robot_mdp.py (chapter 17)."""
from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from data_generation.robot_mdp import (ACTIONS, HIGH, LOW, RECHARGE, SEARCH, WAIT, robot_mdp,
                                       validate_mdp)
from helpers.nn.qnetwork import QNet, frozen_copy
from helpers.rl import (DQNConfig, ReplayBuffer, bellman_backup, dqn_update, epsilon_exp,
                        epsilon_linear, evaluate_policy, finite_horizon_value, greedy_act,
                        greedy_policy, policy_evaluation, q_learning, train_dqn, value_iteration)

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints" / "ch17"


# ----------------------------------------------------------------------------- the robot MDP
def test_robot_table_is_a_valid_mdp_with_the_source_rows():
    P = robot_mdp()
    assert validate_mdp(P) == 2
    assert P[HIGH][SEARCH] == [(0.7, HIGH, 4.0), (0.3, LOW, 4.0)]
    assert RECHARGE not in P[HIGH] and set(P[LOW]) == {SEARCH, WAIT, RECHARGE}
    assert list(robot_mdp(source_only=True)) == [HIGH]
    assert ACTIONS[RECHARGE] == "recharge"


@pytest.mark.parametrize("bad, error", [
    ({0: {0: [(0.5, 0, 1.0)]}}, ValueError),                      # probabilities sum to 0.5
    ({0: {0: [(1.0, 3, 1.0)]}, 1: {0: [(1.0, 0, 0.0)]}}, ValueError),  # unknown next state
    ({0: {0: [(1.0, 0, float("nan"))]}}, ValueError),             # reward not finite
    ({0: {0: [(1.0, 0)]}}, ValueError),                           # entry too short
    ([[(1.0, 0, 0.0)]], TypeError),                               # not a dict
])
def test_validate_mdp_rejects_broken_tables(bad, error):
    with pytest.raises(error):
        validate_mdp(bad)


def test_robot_mdp_checks_its_argument():
    with pytest.raises(TypeError):
        robot_mdp(source_only="yes")


# ----------------------------------------------------------------------------- exact solutions
def test_value_iteration_solves_the_robot_at_gamma_0_9():
    V, Q, sweeps = value_iteration(robot_mdp(), 0.9)
    # closed form with the policy (search, recharge): V(high) = 4 / 0.127, V(low) = 0.9 V(high)
    np.testing.assert_allclose(V, [4 / 0.127, 0.9 * 4 / 0.127], atol=1e-9)
    assert greedy_policy(Q).tolist() == [SEARCH, RECHARGE]
    assert np.isnan(Q[HIGH, RECHARGE])
    np.testing.assert_allclose(Q[LOW], [27.8457, 26.5118, 28.3465], atol=1e-4)
    assert sweeps == 274


def test_the_low_battery_policy_switches_to_recharge_between_gamma_0_58_and_0_59():
    assert greedy_policy(value_iteration(robot_mdp(), 0.58)[1])[LOW] == SEARCH
    assert greedy_policy(value_iteration(robot_mdp(), 0.59)[1])[LOW] == RECHARGE


def test_first_backup_and_fixed_policies_of_the_robot():
    Q1 = bellman_backup(robot_mdp(), np.zeros(2), 0.9)
    np.testing.assert_allclose(np.nanmax(Q1, axis=1), [4.0, 1.2])
    np.testing.assert_allclose(policy_evaluation(robot_mdp(), np.array([0, 0]), 0.9),
                               [29.6438, 25.8082], atol=1e-4)
    uniform = np.array([[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(policy_evaluation(robot_mdp(), uniform, 0.9), [21.3588, 18.6616],
                               atol=1e-4)
    with pytest.raises(ValueError, match="unavailable"):
        policy_evaluation(robot_mdp(), np.array([2, 2]), 0.9)


def test_value_iteration_checks_arguments():
    with pytest.raises(ValueError):
        value_iteration(robot_mdp(), 1.5)
    with pytest.raises(TypeError):
        value_iteration(robot_mdp(), "0.9")
    with pytest.raises(RuntimeError, match="max_sweeps"):
        value_iteration(robot_mdp(), 0.9, max_sweeps=3)


def test_frozenlake_optimum_and_its_success_rate_within_the_time_limit():
    P = gym.make("FrozenLake-v1").unwrapped.P
    V, Q, sweeps = value_iteration(P, 0.99)
    assert round(V[0], 4) == 0.5420 and sweeps == 704
    assert V[[5, 7, 11, 12, 15]].tolist() == [0, 0, 0, 0, 0]
    policy = greedy_policy(Q)
    assert round(finite_horizon_value(P, policy, 100)[0], 4) == 0.7402


# ----------------------------------------------------------------------------- exploration
def test_epsilon_schedules():
    assert [round(epsilon_exp(s), 4) for s in (0, 200, 1000)] == [0.9, 0.3627, 0.0557]
    assert epsilon_linear(0, 1.0, 0.05, 100) == 1.0
    assert epsilon_linear(50, 1.0, 0.05, 100) == pytest.approx(0.525)
    assert epsilon_linear(500, 1.0, 0.05, 100) == 0.05
    with pytest.raises(ValueError):
        epsilon_exp(-1)
    with pytest.raises(TypeError):
        epsilon_linear(1.5)


# ----------------------------------------------------------------------------- Q-learning
def test_q_learning_solves_the_deterministic_lake():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    Q, returns = q_learning(env, 2000, 0.1, 0.99, lambda e: epsilon_linear(e, 1.0, 0.05, 1600), 0)
    assert returns.shape == (2000,)
    assert round(Q[0].max(), 4) == round(0.99 ** 5, 4)
    success = evaluate_policy(env, lambda s: int(Q[s].argmax()), 100, seed0=1000).mean()
    assert success == 1.0


def test_q_learning_on_the_slippery_lake_comes_close_to_the_optimum():
    env = gym.make("FrozenLake-v1")
    Q, _ = q_learning(env, 10_000, 0.1, 0.99, lambda e: epsilon_linear(e, 1.0, 0.05, 8000), 0)
    policy = greedy_policy(Q)
    exact = finite_horizon_value(env.unwrapped.P, policy, 100)[0]
    assert exact > 0.70  # the optimum is 0.7402; a random policy succeeds about 1.5% of the time


def test_q_learning_checks_arguments():
    env = gym.make("FrozenLake-v1")
    with pytest.raises(TypeError):
        q_learning(env, 10, 0.1, 0.99, 0.1, 0)
    with pytest.raises(ValueError):
        q_learning(env, 10, 1.5, 0.99, lambda e: 0.1, 0)


# ----------------------------------------------------------------------------- replay buffer
def test_replay_buffer_overwrites_the_oldest_when_full():
    buffer = ReplayBuffer(3, obs_dim=2)
    for i in range(5):
        buffer.push([i, i], i % 2, float(i), [i + 1, i + 1], i == 4)
    assert len(buffer) == 3 and buffer.position == 2
    assert sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0]
    latest = buffer.latest(2)
    assert latest["rewards"].tolist() == [3.0, 4.0] and latest["terminated"].tolist() == [0.0, 1.0]
    batch = buffer.sample(3, np.random.default_rng(0))
    assert sorted(batch["rewards"].tolist()) == [2.0, 3.0, 4.0]
    assert batch["obs"].dtype == torch.float32 and batch["actions"].dtype == torch.int64


def test_replay_buffer_checks_arguments():
    with pytest.raises(ValueError):
        ReplayBuffer(0, 4)
    buffer = ReplayBuffer(10, 4)
    with pytest.raises(ValueError, match="at least batch_size"):
        buffer.sample(2, np.random.default_rng(0))
    buffer.push(np.zeros(4), 0, 1.0, np.zeros(4), False)
    with pytest.raises(TypeError):
        buffer.sample(1, 0)


# ----------------------------------------------------------------------------- the Q-network
def test_qnet_size_shapes_and_frozen_copy():
    torch.manual_seed(0)
    q = QNet()
    assert sum(p.numel() for p in q.parameters()) == 17_410
    assert q(torch.zeros(5, 4)).shape == (5, 2)
    with pytest.raises(ValueError, match="4 numbers"):
        q(torch.zeros(5, 3))
    before = torch.rand(1)
    torch.manual_seed(0)
    QNet()
    target = frozen_copy(q)
    assert torch.rand(1) == before  # the copy drew no random numbers
    assert not target.training and not any(p.requires_grad for p in target.parameters())
    with pytest.raises(TypeError):
        frozen_copy(torch.nn.Linear(4, 2))


def _batch(terminated: float) -> dict[str, torch.Tensor]:
    return {"obs": torch.ones(1, 4), "actions": torch.tensor([1]), "rewards": torch.tensor([1.0]),
            "next_obs": torch.full((1, 4), 2.0), "terminated": torch.tensor([terminated])}


def _target_of(terminated: float) -> tuple[float, float, QNet]:
    """Recover the TD target a single update used, from the gradient of the Huber loss."""
    torch.manual_seed(0)
    q = QNet()
    target = frozen_copy(q)
    with torch.no_grad():
        target.layers[-1].bias.fill_(5.0)  # make the bootstrap value large and easy to see
    optimizer = torch.optim.SGD(q.parameters(), lr=0.0)
    dqn_update(q, target, _batch(terminated), 0.9, optimizer, clip_norm=None)
    # smooth L1 with one element: gradient w.r.t. Q(s, a) is clamp(Q - goal, -1, 1)
    return q.layers[-1].bias.grad[1].item(), q(torch.ones(1, 4))[0, 1].item(), target


def test_no_bootstrap_when_terminated_but_bootstrap_when_only_truncated():
    grad_end, q_sa, target = _target_of(terminated=1.0)
    assert grad_end == pytest.approx(float(np.clip(q_sa - 1.0, -1, 1)), abs=1e-6)
    grad_go, q_sa, target = _target_of(terminated=0.0)
    with torch.no_grad():
        goal = 1.0 + 0.9 * target(torch.full((1, 4), 2.0)).max().item()
    assert goal > 5
    assert grad_go == pytest.approx(float(np.clip(q_sa - goal, -1, 1)), abs=1e-6)


def test_dqn_update_trains_the_online_net_only():
    torch.manual_seed(0)
    q = QNet()
    target = frozen_copy(q)
    frozen = {k: v.clone() for k, v in target.state_dict().items()}
    online = {k: v.clone() for k, v in q.state_dict().items()}
    loss = dqn_update(q, target, _batch(0.0), 0.99, torch.optim.Adam(q.parameters(), lr=1e-3))
    assert loss > 0
    assert all(torch.equal(v, target.state_dict()[k]) for k, v in frozen.items())
    assert not all(torch.equal(v, q.state_dict()[k]) for k, v in online.items())
    with pytest.raises(TypeError):
        dqn_update(torch.nn.Linear(4, 2), None, _batch(0.0), 0.99, None)


# ----------------------------------------------------------------------------- DQN
def test_dqn_config_checks_its_fields():
    with pytest.raises(ValueError, match="batch_size"):
        DQNConfig(batch_size=128, buffer_size=64)
    with pytest.raises(TypeError):
        DQNConfig(use_target="no")
    with pytest.raises(ValueError):
        DQNConfig(gamma=1.2)
    with pytest.raises(TypeError):
        train_dqn({"total_steps": 10})


def test_a_short_dqn_run_is_reproducible(one_thread):
    config = DQNConfig(total_steps=600, learning_starts=200, eval_every=300, eval_episodes=2)
    first, weights = train_dqn(config)
    second, _ = train_dqn(config)
    assert first["eval_means"] == second["eval_means"] and first["losses"] == second["losses"]
    assert first["eval_steps"] == [300, 600] and set(weights) == set(QNet().state_dict())


def test_the_pretrained_dqn_scores_the_cap_on_ten_seeds(one_thread):
    q = QNet()
    q.load_state_dict(torch.load(CHECKPOINTS / "dqn_cartpole.pt", weights_only=True))
    returns = evaluate_policy(gym.make("CartPole-v1"), greedy_act(q.eval()), 10, seed0=1000)
    assert returns.tolist() == [500.0] * 10
    log = json.loads((CHECKPOINTS / "log_main.json").read_text())
    assert log["eval_means"][-1] == 500.0
