"""FizzBuzz as a classification task (chapter 12; the production chapter serves the same model).

Players count in turn and say "Fizz" for multiples of 3, "Buzz" for multiples of 5 and
"FizzBuzz" for multiples of both. The network sees the number just said, written as ``bits``
binary digits (most significant first), and predicts what the *next* player must say: the
class of ``n + 1``. So the input 14 must answer "FizzBuzz", because 15 comes next.

Classes, in this order: 0 FizzBuzz, 1 Buzz, 2 Fizz, 3 the number itself.
"""
from __future__ import annotations

import numbers

import torch
from torch.utils.data import Dataset

from helpers.checks import check_int

__all__ = ["CLASS_NAMES", "encode_binary", "decode_binary", "fizzbuzz_class", "say",
           "FizzBuzzDataset", "fizzbuzz_split"]

CLASS_NAMES = ("FizzBuzz", "Buzz", "Fizz", "number")


def encode_binary(n: int, bits: int = 10) -> torch.Tensor:
    """The ``bits`` binary digits of ``n``, most significant first, as a float32 tensor."""
    n = check_int("n", n, 0)
    bits = check_int("bits", bits, 1)
    if n >= 2 ** bits:
        raise ValueError(f"{n} needs more than {bits} binary digits; raise bits to at least "
                         f"{n.bit_length()}.")
    powers = 2 ** torch.arange(bits - 1, -1, -1)
    return ((n // powers) % 2).to(torch.float32)


def decode_binary(x: torch.Tensor) -> int:
    """The integer whose binary digits (most significant first) are the entries of ``x``."""
    if not isinstance(x, torch.Tensor) or x.dim() != 1:
        raise TypeError("x must be a one-dimensional tensor of 0s and 1s, such as "
                        "encode_binary(14).")
    digits = x.round().to(torch.int64)
    if not torch.all((digits == 0) | (digits == 1)):
        raise ValueError("x must hold only 0s and 1s.")
    powers = 2 ** torch.arange(len(x) - 1, -1, -1)
    return int((digits * powers).sum())


def fizzbuzz_class(n: int) -> int:
    """0 if ``n`` is a multiple of 15, 1 of 5 only, 2 of 3 only, else 3."""
    n = check_int("n", n, 0)
    if n % 15 == 0:
        return 0
    if n % 5 == 0:
        return 1
    if n % 3 == 0:
        return 2
    return 3


def say(n: int, cls: int) -> str:
    """What a player says for ``n`` when the class is ``cls``: a word, or the number itself."""
    n = check_int("n", n, 0)
    cls = check_int("cls", int(cls) if isinstance(cls, torch.Tensor) else cls, 0)
    if cls >= len(CLASS_NAMES):
        raise ValueError(f"cls must be one of 0, 1, 2, 3 (see CLASS_NAMES), got {cls}.")
    return str(n) if cls == 3 else CLASS_NAMES[cls]


class FizzBuzzDataset(Dataset):
    """Numbers ``start`` to ``end - 1`` as (binary digits, class) pairs, computed on demand.

    With ``next_number=True`` (the book's rule) the label of ``n`` is the class of ``n + 1``.
    """

    def __init__(self, start: int = 0, end: int = 1000, bits: int = 10,
                 next_number: bool = True):
        self.start = check_int("start", start, 0)
        self.end = check_int("end", end, self.start + 1)
        self.bits = check_int("bits", bits, 1)
        if not isinstance(next_number, bool):
            raise TypeError(f"next_number must be True or False, got {next_number!r}.")
        self.next_number = next_number
        if self.end - 1 >= 2 ** self.bits:
            raise ValueError(f"numbers up to {self.end - 1} need more than {self.bits} bits; "
                             f"raise bits or lower end.")

    def __len__(self) -> int:
        return self.end - self.start

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise TypeError(f"index must be an integer, got {i!r}.")
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} numbers.")
        n = self.start + (i % len(self))
        label = fizzbuzz_class(n + 1 if self.next_number else n)
        return encode_binary(n, self.bits), torch.tensor(label, dtype=torch.int64)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All items stacked: x of shape (len, bits) float32 and y of shape (len,) int64."""
        xs, ys = zip(*(self[i] for i in range(len(self))))
        return torch.stack(xs), torch.stack(ys)


def fizzbuzz_split(n: int = 1000, n_test: int = 100,
                   seed: int = 42) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffle ``0..n-1`` with a generator seeded ``seed``; return (train, test) index tensors."""
    n = check_int("n", n, 2)
    n_test = check_int("n_test", n_test, 1)
    seed = check_int("seed", seed, 0)
    if n_test >= n:
        raise ValueError(f"n_test must leave some training numbers: got n_test={n_test} "
                         f"out of n={n}.")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[:n - n_test], order[n - n_test:]
