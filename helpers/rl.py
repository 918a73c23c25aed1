"""Chapter 17's reinforcement-learning toolkit: exact solutions, tabular Q-learning and a DQN.

* Tables in gymnasium's toy-text layout, ``P[s][a] = [(p, s', r[, terminated]), ...]``:
  :func:`transition_arrays`, :func:`bellman_backup`, :func:`value_iteration`,
  :func:`policy_evaluation` (a linear solve), :func:`finite_horizon_value` and :func:`greedy_policy`.
* Exploration: :func:`epsilon_exp` and :func:`epsilon_linear`.
* Learning from interaction: :func:`q_learning` (a table), :class:`ReplayBuffer`,
  :func:`dqn_update` and :func:`train_dqn` (a Q-network), and :func:`evaluate_policy`, the one greedy
  evaluation shared by every agent of the chapter (tabular, ours, stable-baselines3).
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from data_generation.robot_mdp import validate_mdp
from helpers.checks import (check_bool, check_fraction, check_int, check_non_negative,
                            check_positive, check_seed)
from helpers.nn.qnetwork import QNet, frozen_copy

__all__ = ["transition_arrays", "bellman_backup", "value_iteration", "policy_evaluation",
           "finite_horizon_value", "greedy_policy", "epsilon_exp", "epsilon_linear", "q_learning",
           "evaluate_policy", "ReplayBuffer", "dqn_update", "DQNConfig", "train_dqn", "greedy_act"]


# ----------------------------------------------------------------------------- exact solutions
def transition_arrays(P) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense arrays of a toy-text table: expected reward R (S, A), continuation C (S, A, S), mask (S, A).

    ``C[s, a, s']`` is the probability of landing in ``s'`` *and going on*: an entry flagged
    terminated contributes its reward but no future, which is what stops the bootstrap.
    """
    n_states = validate_mdp(P)
    n_actions = 1 + max(a for actions in P.values() for a in actions)
    R = np.zeros((n_states, n_actions))
    C = np.zeros((n_states, n_actions, n_states))
    available = np.zeros((n_states, n_actions), dtype=bool)
    for s, actions in P.items():
        for a, outcomes in actions.items():
            available[s, a] = True
            for entry in outcomes:
                p, s_next, r = entry[:3]
                done = bool(entry[3]) if len(entry) == 4 else False
                R[s, a] += p * r
                if not done:
                    C[s, a, s_next] += p
    return R, C, available


def bellman_backup(P, V, gamma: float) -> np.ndarray:
    """One Bellman optimality backup: Q[s, a] = sum p (r + gamma V[s']), NaN where a is unavailable."""
    gamma = check_fraction("gamma", gamma, 0.0, 1.0, inclusive=True)
    R, C, available = transition_arrays(P)
    V = np.asarray(V, dtype=float)
    if V.shape != (R.shape[0],):
        raise ValueError(f"V must hold one value per state ({R.shape[0]}), got shape {V.shape}.")
    Q = R + gamma * C @ V
    return np.where(available, Q, np.nan)


def value_iteration(P, gamma: float, tol: float = 1e-12,
                    max_sweeps: int = 100_000) -> tuple[np.ndarray, np.ndarray, int]:
    """Solve a finite MDP: return V*, Q* (NaN where an action is unavailable) and the sweeps taken.

    Sweeps stop when no state's value moves by more than ``tol``.
    """
    gamma = check_fraction("gamma", gamma, 0.0, 1.0, inclusive=True)
    tol = check_positive("tol", tol)
    max_sweeps = check_int("max_sweeps", max_sweeps)
    R, C, available = transition_arrays(P)
    V = np.zeros(R.shape[0])
    for sweep in range(1, max_sweeps + 1):
        Q = np.where(available, R + gamma * C @ V, -np.inf)
        V_new = Q.max(axis=1)
        change = np.abs(V_new - V).max()
        V = V_new
        if change < tol:
            break
    else:
        raise RuntimeError(f"value iteration did not reach tol={tol} in {max_sweeps} sweeps; "
                           f"raise max_sweeps or tol (gamma close to 1 converges slowly).")
    return V, np.where(available, Q, np.nan), sweep


def greedy_policy(Q) -> np.ndarray:
    """The action with the largest value in each row of Q (NaN entries never win; ties go first)."""
    Q = np.asarray(Q, dtype=float)
    if Q.ndim != 2:
        raise ValueError(f"Q must be a (states, actions) table, got shape {Q.shape}.")
    return np.nanargmax(np.where(np.isnan(Q), -np.inf, Q), axis=1)


def _policy_matrix(policy, available: np.ndarray) -> np.ndarray:
    """A policy as (S, A) probabilities: accepts one action per state or a probability table."""
    policy = np.asarray(policy)
    n_states, n_actions = available.shape
    if policy.shape == (n_states,):
        if not np.issubdtype(policy.dtype, np.integer):
            raise TypeError("a deterministic policy must hold integer actions, one per state.")
        probs = np.zeros((n_states, n_actions))
        probs[np.arange(n_states), policy] = 1.0
    elif policy.shape == (n_states, n_actions):
        probs = policy.astype(float)
    else:
        raise ValueError(f"policy must have shape ({n_states},) or ({n_states}, {n_actions}), "
                         f"got {policy.shape}.")
    if np.any(probs[~available] > 0):
        raise ValueError("the policy gives probability to an action that is unavailable there.")
    if not np.allclose(probs.sum(axis=1), 1.0):
        raise ValueError("each row of a stochastic policy must sum to 1.")
    return probs


def policy_evaluation(P, policy, gamma: float) -> np.ndarray:
    """The exact value of a fixed policy: solve (I - gamma P_pi) V = R_pi."""
    gamma = check_fraction("gamma", gamma, 0.0, 1.0, inclusive=True)
    R, C, available = transition_arrays(P)
    probs = _policy_matrix(policy, available)
    R_pi = (probs * R).sum(axis=1)
    P_pi = np.einsum("sa,sat->st", probs, C)
    return np.linalg.solve(np.eye(len(R_pi)) - gamma * P_pi, R_pi)


def finite_horizon_value(P, policy, horizon: int) -> np.ndarray:
    """Expected undiscounted reward within ``horizon`` steps under a fixed policy, per start state.

    For FrozenLake (reward 1 at the goal only) this is the probability of success before the
    100-step time limit, the number a greedy evaluation estimates by sampling.
    """
    horizon = check_int("horizon", horizon)
    R, C, available = transition_arrays(P)
    probs = _policy_matrix(policy, available)
    R_pi = (probs * R).sum(axis=1)
    P_pi = np.einsum("sa,sat->st", probs, C)
    V = np.zeros(len(R_pi))
    for _ in range(horizon):
        V = R_pi + P_pi @ V
    return V


# ----------------------------------------------------------------------------- exploration
def epsilon_exp(step: int, start: float = 0.9, end: float = 0.05, decay: float = 200.0) -> float:
    """Exponentially decaying exploration rate: end + (start - end) exp(-step / decay)."""
    step = check_int("step", step, minimum=0)
    decay = check_positive("decay", decay)
    return end + (start - end) * math.exp(-step / decay)


def epsilon_linear(step: int, start: float = 1.0, end: float = 0.05,
                   duration: float = 1000.0) -> float:
    """Exploration rate falling in a straight line from start to end over ``duration`` steps."""
    step = check_int("step", step, minimum=0)
    duration = check_positive("duration", duration)
    return end + (start - end) * max(0.0, 1.0 - step / duration)


# ----------------------------------------------------------------------------- tabular learning
def _argmax_random_ties(row: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(row == row.max())
    return int(best[0] if len(best) == 1 else rng.choice(best))


def q_learning(env, n_episodes: int, alpha: float, gamma: float,
               eps_schedule: Callable[[int], float], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Tabular epsilon-greedy Q-learning on a discrete gymnasium env; returns Q and episode returns.

    ``eps_schedule(episode)`` gives the exploration rate of each episode. The target stops
    bootstrapping only when the env says ``terminated`` (a hole or the goal); a time-limit
    truncation keeps the bootstrap, because the state it cuts off is not an end.
    """
    n_episodes = check_int("n_episodes", n_episodes)
    alpha = check_fraction("alpha", alpha, 0.0, 1.0, inclusive=False)
    gamma = check_fraction("gamma", gamma, 0.0, 1.0, inclusive=True)
    seed = check_seed("seed", seed)
    if not callable(eps_schedule):
        raise TypeError("eps_schedule must be a function of the episode number, e.g. "
                        "lambda e: epsilon_linear(e, 1.0, 0.05, 1600).")
    rng = np.random.default_rng(seed)
    env.action_space.seed(seed)
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    returns = np.zeros(n_episodes)
    obs, _ = env.reset(seed=seed)
    for episode in range(n_episodes):
        if episode:
            obs, _ = env.reset()
        eps, total, done = eps_schedule(episode), 0.0, False
        while not done:
            explore = rng.random() < eps
            action = int(env.action_space.sample()) if explore else _argmax_random_ties(Q[obs], rng)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            target = reward + (0.0 if terminated else gamma * Q[next_obs].max())
            Q[obs, action] += alpha * (target - Q[obs, action])
            obs, total, done = next_obs, total + reward, terminated or truncated
        returns[episode] = total
    return Q, returns


def evaluate_policy(env, act_fn: Callable, n_episodes: int = 10, seed0: int = 1000) -> np.ndarray:
    """Returns of ``n_episodes`` episodes of ``act_fn(obs) -> action``, reset with seeds seed0, seed0+1, ..."""
    n_episodes = check_int("n_episodes", n_episodes)
    seed0 = check_seed("seed0", seed0)
    if not callable(act_fn):
        raise TypeError("act_fn must map an observation to an action.")
    returns = np.zeros(n_episodes)
    for i in range(n_episodes):
        obs, _ = env.reset(seed=seed0 + i)
        done = False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act_fn(obs))
            returns[i] += reward
            done = terminated or truncated
    return returns


# ----------------------------------------------------------------------------- deep Q-learning
class ReplayBuffer:
    """A ring buffer of transitions in preallocated arrays; once full, each push overwrites the oldest."""

    def __init__(self, capacity: int, obs_dim: int):
        self.capacity = check_int("capacity", capacity)
        obs_dim = check_int("obs_dim", obs_dim)
        self.obs = np.zeros((self.capacity, obs_dim), dtype=np.float32)
        self.next_obs = np.zeros((self.capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(self.capacity, dtype=np.int64)
        self.rewards = np.zeros(self.capacity, dtype=np.float32)
        self.terminated = np.zeros(self.capacity, dtype=np.float32)
        self.position = 0  # where the next transition goes
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def push(self, obs, action: int, reward: float, next_obs, terminated: bool) -> None:
        """Store one transition (only ``terminated`` is kept: a truncated step still bootstraps)."""
        i = self.position
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.terminated[i] = next_obs, float(terminated)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def _batch(self, index: np.ndarray) -> dict[str, torch.Tensor]:
        return {"obs": torch.from_numpy(self.obs[index]),
                "actions": torch.from_numpy(self.actions[index]),
                "rewards": torch.from_numpy(self.rewards[index]),
                "next_obs": torch.from_numpy(self.next_obs[index]),
                "terminated": torch.from_numpy(self.terminated[index])}

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """A uniform random mini-batch (without repeats) of the stored transitions, as tensors."""
        batch_size = check_int("batch_size", batch_size)
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy Generator, e.g. np.random.default_rng(0).")
        if batch_size > self.size:
            raise ValueError(f"cannot sample {batch_size} transitions from a buffer holding "
                             f"{self.size}; wait until it has at least batch_size of them.")
        return self._batch(rng.choice(self.size, size=batch_size, replace=False))

    def latest(self, n: int) -> dict[str, torch.Tensor]:
        """The ``n`` most recent transitions, oldest first (what learning without replay sees)."""
        n = check_int("n", n)
        if n > self.size:
            raise ValueError(f"the buffer holds {self.size} transitions, fewer than {n}.")
        return self._batch((self.position - n + np.arange(n)) % self.capacity)


def dqn_update(q: QNet, target: QNet | None, batch: dict[str, torch.Tensor], gamma: float,
               optimizer: torch.optim.Optimizer, clip_norm: float | None = 10.0) -> float:
    """One gradient step on the Huber loss between Q(s, a) and r + gamma (1 - terminated) max Q'(s', .).

    ``target=None`` bootstraps from the online network itself (the "no target network" ablation).
    Returns the loss as a float.
    """
    if not isinstance(q, QNet):
        raise TypeError(f"q must be a QNet, got {type(q).__name__}.")
    gamma = check_fraction("gamma", gamma, 0.0, 1.0, inclusive=True)
    q_taken = q(batch["obs"]).gather(1, batch["actions"].unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        bootstrap_net = q if target is None else target
        next_best = bootstrap_net(batch["next_obs"]).max(dim=1).values
        goal = batch["rewards"] + gamma * (1.0 - batch["terminated"]) * next_best
    loss = F.smooth_l1_loss(q_taken, goal)
    optimizer.zero_grad()
    loss.backward()
    if clip_norm is not None:
        torch.nn.utils.clip_grad_norm_(q.parameters(), clip_norm)
    optimizer.step()
    return loss.item()


def greedy_act(q: QNet) -> Callable:
    """An ``act_fn`` for :func:`evaluate_policy`: the action with the largest Q-value."""
    def act(obs) -> int:
        with torch.no_grad():
            return int(q(torch.as_tensor(obs, dtype=torch.float32)).argmax())
    return act


@dataclass
class DQNConfig:
    """Every knob of :func:`train_dqn` (defaults: the chapter's shipped DQN on CartPole-v1)."""

    # Labelled duplicate: a duplicate finder pairs these rows with each other by shape (name: type =
    # number); they are distinct fields, one knob each.

    total_steps: int = 20_000
    seed: int = 0
    gamma: float = 0.99
    lr: float = 1e-3
    buffer_size: int = 10_000
    batch_size: int = 64
    learning_starts: int = 1_000
    eps_start: float = 0.9
    eps_end: float = 0.05
    eps_decay: float = 2_000.0
    target_sync: int = 500
    clip_norm: float = 10.0
    hidden: int = 128
    eval_every: int = 5_000
    eval_episodes: int = 10
    eval_seed: int = 1000
    use_target: bool = True
    use_replay: bool = True

    def __post_init__(self):
        for name in ("total_steps", "buffer_size", "batch_size", "target_sync", "hidden",
                     "eval_every", "eval_episodes"):
            setattr(self, name, check_int(name, getattr(self, name)))
        self.learning_starts = check_int("learning_starts", self.learning_starts, minimum=0)
        self.seed = check_seed("seed", self.seed)
        self.eval_seed = check_seed("eval_seed", self.eval_seed)
        self.gamma = check_fraction("gamma", self.gamma, 0.0, 1.0, inclusive=True)
        self.lr = check_positive("lr", self.lr)
        self.eps_start = check_fraction("eps_start", self.eps_start, 0.0, 1.0, inclusive=True)
        self.eps_end = check_fraction("eps_end", self.eps_end, 0.0, 1.0, inclusive=True)
        self.eps_decay = check_positive("eps_decay", self.eps_decay)
        self.clip_norm = check_non_negative("clip_norm", self.clip_norm)
        self.use_target = check_bool("use_target", self.use_target)
        self.use_replay = check_bool("use_replay", self.use_replay)
        if self.batch_size > self.buffer_size:
            raise ValueError(f"batch_size ({self.batch_size}) cannot exceed buffer_size "
                             f"({self.buffer_size}).")


def train_dqn(config: DQNConfig, progress: bool = False,
              stop_at: float | None = None) -> tuple[dict, dict]:
    """Train a DQN on CartPole-v1; return a log (curves, evaluations) and the best weights seen.

    Every ``eval_every`` steps the greedy policy plays ``eval_episodes`` episodes on seeds
    ``eval_seed, eval_seed + 1, ...``; the best mean wins (a tie goes to the later step), and an
    evaluation whose mean reaches ``stop_at`` (if given) ends the training there. The run
    uses one CPU thread (a tiny network is faster that way) and restores the old setting after.
    """
    import gymnasium as gym
    from tqdm.auto import tqdm

    if not isinstance(config, DQNConfig):
        raise TypeError(f"config must be a DQNConfig, got {type(config).__name__}.")
    if stop_at is not None:
        stop_at = check_positive("stop_at", stop_at)
    c = config
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        env, eval_env = gym.make("CartPole-v1"), gym.make("CartPole-v1")
        torch.manual_seed(c.seed)
        rng = np.random.default_rng(c.seed)
        env.action_space.seed(c.seed)
        q = QNet(env.observation_space.shape[0], env.action_space.n, c.hidden)
        target = frozen_copy(q) if c.use_target else None
        optimizer = torch.optim.Adam(q.parameters(), lr=c.lr)
        # without replay the memory is just the latest batch_size transitions, used in order
        memory = ReplayBuffer(c.buffer_size if c.use_replay else c.batch_size,
                              env.observation_space.shape[0])
        log = {"config": asdict(c), "episode_returns": [], "episode_ends": [], "eval_steps": [],
               "eval_means": [], "eval_stds": [], "eval_max_abs_q": [], "losses": []}
        best = (-np.inf, None)
        obs, _ = env.reset(seed=c.seed)
        episode_return, start = 0.0, time.perf_counter()
        for step in tqdm(range(1, c.total_steps + 1), disable=not progress, mininterval=1.0):
            if rng.random() < epsilon_exp(step - 1, c.eps_start, c.eps_end, c.eps_decay):
                action = int(env.action_space.sample())
            else:
                with torch.no_grad():
                    action = int(q(torch.from_numpy(obs)).argmax())
            next_obs, reward, terminated, truncated, _ = env.step(action)
            memory.push(obs, action, reward, next_obs, terminated)
            obs, episode_return = next_obs, episode_return + reward
            if terminated or truncated:
                log["episode_returns"].append(episode_return)
                log["episode_ends"].append(step)
                obs, _ = env.reset()
                episode_return = 0.0
            if step > c.learning_starts and len(memory) >= c.batch_size:
                batch = memory.sample(c.batch_size, rng) if c.use_replay else memory.latest(c.batch_size)
                loss = dqn_update(q, target, batch, c.gamma, optimizer, c.clip_norm or None)
                if step % 100 == 0:
                    log["losses"].append((step, loss))
            if target is not None and step % c.target_sync == 0:
                target.load_state_dict(q.state_dict())
            if step % c.eval_every == 0:
                returns = evaluate_policy(eval_env, greedy_act(q), c.eval_episodes, c.eval_seed)
                with torch.no_grad():
                    start_obs = torch.from_numpy(eval_env.reset(seed=c.eval_seed)[0])
                    log["eval_max_abs_q"].append(float(q(start_obs).abs().max()))
                log["eval_steps"].append(step)
                log["eval_means"].append(float(returns.mean()))
                log["eval_stds"].append(float(returns.std()))
                if returns.mean() >= best[0]:
                    best = (float(returns.mean()), {k: v.clone() for k, v in q.state_dict().items()})
                if stop_at is not None and returns.mean() >= stop_at:
                    break
        log["steps_done"] = step
        log["wall_s"] = time.perf_counter() - start
        env.close()
        eval_env.close()
    finally:
        torch.set_num_threads(threads)
    return log, (best[1] if best[1] is not None else q.state_dict())
