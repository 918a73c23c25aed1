"""Chapter 17's Q-network: a small MLP that maps a state vector to one value per action."""
from __future__ import annotations

import copy

import torch
from torch import nn

from helpers.checks import check_int

__all__ = ["QNet", "frozen_copy"]


class QNet(nn.Module):
    """Two hidden ReLU layers; ``QNet(4, 2)`` has 640 + 16,512 + 258 = 17,410 parameters."""

    def __init__(self, obs_dim: int = 4, n_actions: int = 2, hidden: int = 128):
        super().__init__()
        self.obs_dim = check_int("obs_dim", obs_dim)
        self.n_actions = check_int("n_actions", n_actions)
        hidden = check_int("hidden", hidden)
        self.layers = nn.Sequential(
            nn.Linear(self.obs_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, self.n_actions),
        )

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        if obs.shape[-1] != self.obs_dim:
            raise ValueError(f"QNet expects states with {self.obs_dim} numbers in the last "
                             f"dimension, got shape {tuple(obs.shape)}.")
        return self.layers(obs)


def frozen_copy(net: QNet) -> QNet:
    """A target network: same architecture and weights, in eval mode, with no gradients."""
    if not isinstance(net, QNet):
        raise TypeError(f"net must be a QNet, got {type(net).__name__}.")
    # a deep copy draws no random numbers, so making a target leaves every later draw unchanged
    return copy.deepcopy(net).eval().requires_grad_(False)
