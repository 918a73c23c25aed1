"""Figures of chapter 17 (returns and discounting, value iteration, Q-learning, DQN).

Every function draws what it is given and returns a matplotlib ``Figure``; none of them trains,
solves or simulates anything.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["discount_weights", "value_sweeps", "lake_values", "learning_curve", "dqn_run",
           "ablation_curves", "peer_bars", "cartpole_trajectory"]

_ARROWS = {0: "\u2190", 1: "\u2193", 2: "\u2192", 3: "\u2191"}  # FrozenLake: left, down, right, up


def _check_same_length(**arrays) -> None:
    lengths = {name: len(values) for name, values in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"these sequences must have the same length: {lengths}.")


def discount_weights(gammas: Sequence[float], n_steps: int = 2000) -> Figure:
    """The weight gamma**k of the reward k steps ahead, one line per gamma, with its 1/(1-gamma) horizon."""
    if not gammas or not all(0 < g < 1 for g in gammas):
        raise ValueError("gammas must be a non-empty list of numbers strictly between 0 and 1.")
    k = np.arange(n_steps)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for g in gammas:
        line, = ax.plot(k, g ** k, label=f"\u03b3 = {g}  (horizon \u2248 {1 / (1 - g):,.0f})")
        ax.axvline(1 / (1 - g), color=line.get_color(), linestyle=":", linewidth=1)
    ax.set(yscale="log", ylim=(1e-4, 1.5), xlabel="steps ahead k", ylabel="weight \u03b3\u1d4f",
           title="How much a future reward counts")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def value_sweeps(values: np.ndarray, policies: np.ndarray, state_names: Sequence[str],
                 action_names: Sequence[str], gammas: np.ndarray, gaps: np.ndarray,
                 switch: float) -> Figure:
    """Left: V per sweep (markers: the greedy action). Right: Q(low, recharge) - Q(low, search) vs gamma."""
    values, policies = np.asarray(values), np.asarray(policies)
    if values.shape != policies.shape or values.shape[1] != len(state_names):
        raise ValueError("values and policies must both have shape (sweeps, states).")
    _check_same_length(gammas=gammas, gaps=gaps)
    markers = "o^s"
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    sweeps = np.arange(1, len(values) + 1)
    for s, name in enumerate(state_names):
        line, = left.plot(sweeps, values[:, s], label=f"V({name})")
        for a, action in enumerate(action_names):
            pick = policies[:, s] == a
            if pick.any():
                left.scatter(sweeps[pick], values[pick, s], marker=markers[a], color=line.get_color(),
                             label=f"greedy in {name}: {action}", zorder=3)
    left.set(xlabel="sweep", ylabel="value", title="Value iteration, \u03b3 = 0.9")
    left.legend(fontsize=8)
    right.plot(gammas, gaps)
    right.axhline(0, color="0.5", linewidth=1)
    right.axvline(switch, color="C3", linestyle="--", label=f"\u03b3 = {switch:.4f}")
    right.set(xlabel="\u03b3", ylabel="Q*(low, recharge) \u2212 Q*(low, search)",
              title="When does recharging pay?")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def lake_values(values: np.ndarray, policies: Mapping[str, np.ndarray], terminal: np.ndarray) -> Figure:
    """A 4x4 heat map of V with one panel of arrows per policy (terminal cells left blank)."""
    values = np.asarray(values, dtype=float).reshape(4, 4)
    terminal = np.asarray(terminal, dtype=bool).reshape(4, 4)
    fig, axes = plt.subplots(1, len(policies), figsize=(3.6 * len(policies), 3.6), squeeze=False)
    for ax, (title, policy) in zip(axes[0], policies.items()):
        policy = np.asarray(policy).reshape(4, 4)
        ax.imshow(values, cmap="Blues", vmin=0, vmax=1)
        for r in range(4):
            for c in range(4):
                text = "" if terminal[r, c] else f"{_ARROWS[int(policy[r, c])]}\n{values[r, c]:.2f}"
                ax.text(c, r, text, ha="center", va="center", fontsize=10)
        ax.set(title=title, xticks=[], yticks=[])
    fig.tight_layout()
    return fig


def learning_curve(curves: Mapping[str, np.ndarray], window: int, reference: float | None = None,
                   reference_label: str = "optimum", xlabel: str = "episode") -> Figure:
    """Moving averages (over ``window`` points) of per-episode returns, with an optional reference line."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for label, returns in curves.items():
        returns = np.asarray(returns, dtype=float)
        if len(returns) < window:
            raise ValueError(f"the curve {label!r} has {len(returns)} points, fewer than window={window}.")
        smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(np.arange(window, len(returns) + 1), smooth, label=label)
    if reference is not None:
        ax.axhline(reference, color="0.3", linestyle="--", label=f"{reference_label} {reference:.4f}")
    ax.set(xlabel=xlabel, ylabel=f"return (mean of {window})", title="Learning curve")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def dqn_run(episode_ends: Sequence[int], episode_returns: Sequence[float], eval_steps: Sequence[int],
            eval_means: Sequence[float], eval_stds: Sequence[float], eps_steps: np.ndarray,
            eps_values: np.ndarray) -> Figure:
    """Training episode returns, greedy evaluations (mean +- std) and epsilon on a twin axis."""
    _check_same_length(episode_ends=episode_ends, episode_returns=episode_returns)
    _check_same_length(eval_steps=eval_steps, eval_means=eval_means, eval_stds=eval_stds)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.plot(episode_ends, episode_returns, ".", markersize=3, alpha=0.6, label="training episode")
    ax.errorbar(eval_steps, eval_means, yerr=eval_stds, fmt="o-", color="C3", capsize=3,
                label="greedy evaluation (10 seeds)")
    ax.set(xlabel="environment step", ylabel="return", ylim=(0, 520), title="DQN on CartPole-v1")
    ax.legend(loc="upper left", fontsize=8)
    twin = ax.twinx()
    twin.plot(eps_steps, eps_values, color="0.5", linestyle="--")
    twin.set(ylabel="\u03b5 (dashed)", ylim=(0, 1))
    fig.tight_layout()
    return fig


def ablation_curves(steps: Sequence[int], runs: Mapping[str, np.ndarray]) -> Figure:
    """Greedy return against steps: per variant the mean over seeds and a min-max band."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for label, returns in runs.items():
        returns = np.atleast_2d(np.asarray(returns, dtype=float))
        if returns.shape[1] != len(steps):
            raise ValueError(f"{label!r}: each seed needs one return per step ({len(steps)}).")
        line, = ax.plot(steps, returns.mean(axis=0), "o-", label=f"{label} ({len(returns)} seeds)")
        ax.fill_between(steps, returns.min(axis=0), returns.max(axis=0), color=line.get_color(),
                        alpha=0.15)
    ax.set(xlabel="environment step", ylabel="greedy return", ylim=(0, 520),
           title="What the target network and the replay buffer buy")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def peer_bars(names: Sequence[str], means: Sequence[float], stds: Sequence[float]) -> Figure:
    """Greedy return (mean +- std) of each agent as a bar."""
    _check_same_length(names=names, means=means, stds=stds)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar(names, means, yerr=stds, capsize=4, color=[f"C{i}" for i in range(len(names))])
    ax.set(ylabel="greedy return", ylim=(0, 520), title="Same budget, three agents")
    fig.tight_layout()
    return fig


def cartpole_trajectory(x: Sequence[float], theta: Sequence[float], x_limit: float = 2.4,
                        theta_limit: float = 0.2095) -> Figure:
    """Cart position and pole angle over one episode, with the limits that end it."""
    _check_same_length(x=x, theta=theta)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4.4), sharex=True)
    top.plot(x)
    bottom.plot(np.degrees(theta))
    for ax, limit in ((top, x_limit), (bottom, np.degrees(theta_limit))):
        for sign in (-1, 1):
            ax.axhline(sign * limit, color="C3", linestyle="--", linewidth=1)
    top.set(ylabel="cart x", title="One greedy episode of the pretrained agent")
    bottom.set(ylabel="pole angle (\u00b0)", xlabel="step")
    fig.tight_layout()
    return fig
