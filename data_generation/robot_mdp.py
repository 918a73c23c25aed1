"""Chapter 17's trash-collecting robot as a finite MDP, stored as plain data.

The robot's battery is either ``high`` or ``low``. In each state it may ``search`` for cans, ``wait``
for someone to bring one, or (only when low) ``recharge`` at its dock. Two rows of the table come from
the text the chapter follows (searching from high: stays high with 0.7, drops to low with 0.3, reward
4; waiting from high: stays high). The other numbers are the project's own completion in the spirit of
the classic recycling-robot example: they are a choice, not a quote (see ``COMPLETED``).

The layout is gymnasium's toy-text one, ``P[state][action] = [(prob, next_state, reward), ...]``,
with states and actions as integers, so the same value-iteration code serves this robot and
FrozenLake (whose entries carry a fourth item, the terminal flag).
"""
from __future__ import annotations

import math

__all__ = ["STATES", "ACTIONS", "HIGH", "LOW", "SEARCH", "WAIT", "RECHARGE", "COMPLETED",
           "robot_mdp", "validate_mdp"]

STATES = ("high", "low")
ACTIONS = ("search", "wait", "recharge")
HIGH, LOW = 0, 1
SEARCH, WAIT, RECHARGE = 0, 1, 2

# (state, action) pairs whose numbers the project chose (the source's figure is not available).
# The wait reward in high is also ours; its probability (1.0) is the source's.
COMPLETED = (("high", "wait"), ("low", "search"), ("low", "wait"), ("low", "recharge"))


def robot_mdp(source_only: bool = False) -> dict[int, dict[int, list[tuple[float, int, float]]]]:
    """The robot's dynamics ``P[s][a] = [(p, s', r), ...]``; ``source_only`` keeps the source's rows.

    With ``source_only=True`` only the high-battery search row survives (the one row the source
    states completely), which is enough to show the layout but not to solve anything.
    """
    if not isinstance(source_only, bool):
        raise TypeError(f"source_only must be True or False, got {source_only!r}.")
    table = {
        HIGH: {
            SEARCH: [(0.7, HIGH, 4.0), (0.3, LOW, 4.0)],
            WAIT: [(1.0, HIGH, 1.0)],
        },
        LOW: {
            # the battery dies 40% of the time: the robot is carried back to the dock (penalty -3)
            SEARCH: [(0.6, LOW, 4.0), (0.4, HIGH, -3.0)],
            WAIT: [(1.0, LOW, 1.0)],
            RECHARGE: [(1.0, HIGH, 0.0)],
        },
    }
    if source_only:
        table = {HIGH: {SEARCH: table[HIGH][SEARCH]}}
    validate_mdp(table)
    return table


def validate_mdp(P) -> int:
    """Check a toy-text transition table and return its number of states.

    Every state must offer at least one action; every action lists ``(p, s', r)`` or
    ``(p, s', r, terminated)`` entries with probabilities in [0, 1] summing to 1, next states that
    are states of the table (or, for a one-row table, any non-negative integer) and finite rewards.
    """
    if not isinstance(P, dict) or not P:
        raise TypeError(f"P must be a non-empty dict of dicts (P[s][a] = [(p, s', r), ...]), "
                        f"got {type(P).__name__}.")
    states = set(P)
    if not all(isinstance(s, int) and s >= 0 for s in states):
        raise ValueError(f"states must be non-negative integers, got {sorted(states, key=str)}.")
    n_states = max(states) + 1
    for s, actions in P.items():
        if not isinstance(actions, dict) or not actions:
            raise ValueError(f"state {s} must map to a non-empty dict of actions, got {actions!r}.")
        for a, outcomes in actions.items():
            if not isinstance(a, int) or a < 0:
                raise ValueError(f"actions must be non-negative integers, got {a!r} in state {s}.")
            if not isinstance(outcomes, list) or not outcomes:
                raise ValueError(f"P[{s}][{a}] must be a non-empty list of (p, s', r) tuples.")
            total = 0.0
            for entry in outcomes:
                if not isinstance(entry, tuple) or len(entry) not in (3, 4):
                    raise ValueError(f"P[{s}][{a}] holds {entry!r}; each entry must be "
                                     f"(p, next_state, reward) or (p, next_state, reward, done).")
                p, s_next, r = entry[:3]
                if not 0.0 <= p <= 1.0:
                    raise ValueError(f"probability {p} in P[{s}][{a}] lies outside [0, 1].")
                if not isinstance(s_next, int) or s_next < 0:
                    raise ValueError(f"next state {s_next!r} in P[{s}][{a}] is not a state index.")
                if len(P) > 1 and s_next not in states:
                    raise ValueError(f"next state {s_next} in P[{s}][{a}] is not in the table.")
                if not math.isfinite(r):
                    raise ValueError(f"reward {r} in P[{s}][{a}] is not finite.")
                total += p
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"the probabilities of P[{s}][{a}] sum to {total}, not 1.")
            n_states = max(n_states, *(e[1] + 1 for e in outcomes))
    return n_states
