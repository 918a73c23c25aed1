"""FizzBuzz models of chapter 12, reused by the production chapter.

* ``MyLinear``: a fully connected layer written with two ``nn.Parameter``s, initialised the way
  ``nn.Linear`` is, so that under one seed the two start from the same numbers.
* ``FizzBuzzNet``: the chapter's first module, 10 -> 100 -> 4 with a sigmoid after each layer.
* ``fizzbuzz_classifier`` and ``train_fizzbuzz``: the final recipe (a tanh hidden layer, logits,
  cross-entropy, Adam, shuffled mini-batches from a seeded generator). ``play`` turns the trained
  classifier's answers into words. The data side (binary digits, classes) is
  ``data_generation.fizzbuzz``.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from data_generation.fizzbuzz import encode_binary, say
from helpers.checks import check_int

__all__ = ["MyLinear", "FizzBuzzNet", "fizzbuzz_classifier", "train_fizzbuzz", "accuracy",
           "play"]


class MyLinear(nn.Module):
    """``x @ weight.T + bias`` with weight (out, in) and bias (out,), as ``nn.Linear`` stores them."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.in_features = check_int("in_features", in_features)
        self.out_features = check_int("out_features", out_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in +-1/sqrt(in_features) for both tensors, which is what nn.Linear draws."""
        # nn.Linear's kaiming_uniform_(a=sqrt(5)) works out to exactly this bound for the weight
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.in_features)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight.T + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


class FizzBuzzNet(nn.Module):
    """Binary digits -> hidden layer -> four class scores, a sigmoid after both layers."""

    def __init__(self, in_features: int = 10, hidden: int = 100, out_features: int = 4,
                 linear: type[nn.Module] = MyLinear):
        super().__init__()
        self.hidden = linear(in_features, hidden)
        self.output = linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.output(torch.sigmoid(self.hidden(x))))


def fizzbuzz_classifier(bits: int = 10, hidden: int = 100, seed: int | None = 42) -> nn.Sequential:
    """The final model, ``Linear -> Tanh -> Linear`` (logits); ``seed`` fixes its initial weights.

    The seed is applied inside a forked random state, so building the model leaves the caller's
    random stream where it was.
    """
    bits, hidden = check_int("bits", bits), check_int("hidden", hidden)
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(check_int("seed", seed, minimum=0))
        return nn.Sequential(nn.Linear(bits, hidden), nn.Tanh(), nn.Linear(hidden, 4))


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of ``x`` whose highest score is the class in ``y``."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]} labels.")
    device = next(model.parameters()).device
    with torch.no_grad():
        return (model(x.to(device)).argmax(dim=1) == y.to(device)).float().mean().item()


def train_fizzbuzz(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int = 500,
                   lr: float = 0.01, batch_size: int = 64, seed: int = 42,
                   progress: bool = True, on_epoch_end=None) -> list[float]:
    """Adam on cross-entropy over shuffled mini-batches; returns the mean loss of every epoch.

    Each epoch draws one ``randperm`` from a generator seeded with ``seed``, so a run is the same
    every time. ``on_epoch_end(epoch, model)`` is called after each epoch if given.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}.")
    if x.dim() != 2 or y.dim() != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x must be (N, bits) and y (N,), got {tuple(x.shape)} and "
                         f"{tuple(y.shape)}.")
    epochs, batch_size = check_int("epochs", epochs), check_int("batch_size", batch_size)
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}.")
    device = next(model.parameters()).device
    x, y = x.to(device), y.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    shuffler = torch.Generator().manual_seed(check_int("seed", seed, minimum=0))
    history = []
    for epoch in tqdm(range(1, epochs + 1), desc="FizzBuzz", disable=not progress):
        model.train()
        order = torch.randperm(len(x), generator=shuffler).to(device)
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        history.append(total / len(x))
        if on_epoch_end is not None:
            model.eval()
            on_epoch_end(epoch, model)
    model.eval()
    return history


def play(model: nn.Module, first: int = 1, last: int = 20, bits: int = 10) -> list[str]:
    """What the model says for ``first`` .. ``last``: it is shown the number before each one."""
    first = check_int("first", first, minimum=1)
    last = check_int("last", last, minimum=first)
    device = next(model.parameters()).device
    said = torch.stack([encode_binary(n - 1, bits) for n in range(first, last + 1)]).to(device)
    with torch.no_grad():
        classes = model(said).argmax(dim=1).tolist()
    return [say(n, c) for n, c in zip(range(first, last + 1), classes)]
