"""Exact value functions by dynamic programming (checks on the closed forms).

* :func:`value_dp` - fixed ``p``: ``V(j) = -c + p V(j+1) + q V(j-1)`` on ``j = 1..N-1`` with the
  absorbing payoffs, solved exactly as a linear system (no horizon) or by ``H`` steps of
  backward induction from the frozen front ``V_0(j) = j`` (A) or ``N - j`` (B).
* :func:`belief_value_dp` - Beta belief with learning: backward induction on the lattice of
  states ``(i + w - l, a + w, b + l)`` reachable in ``w + l <= H`` rounds, using the predictive
  probability ``(a + w) / (a + b + w + l)`` that A wins the next round.

Units: payoffs in contested units, ``cost`` per round in units.
"""

from __future__ import annotations

import numpy as np

__all__ = ["value_dp", "belief_value_dp"]


def _payoff(j, n, side):
    if side == "A":
        return np.asarray(j, dtype=float)
    if side == "B":
        return float(n) - np.asarray(j, dtype=float)
    raise ValueError(f"side must be 'A' or 'B', not {side!r}")


def value_dp(
    n_units: int, p: float, cost: float, side: str = "A", horizon: int | None = None
) -> np.ndarray:
    """Value of fighting on from every position ``0..N`` under a known ``p``, ``(N + 1,)``."""
    n = int(n_units)
    q = 1.0 - p
    j = np.arange(n + 1)
    terminal = _payoff(j, n, side)
    if horizon is None:
        m = n - 1
        if m <= 0:
            return terminal
        mat = np.eye(m)
        mat[np.arange(m - 1), np.arange(1, m)] = -p
        mat[np.arange(1, m), np.arange(m - 1)] = -q
        rhs = np.full(m, -float(cost))
        rhs[-1] += p * terminal[n]
        rhs[0] += q * terminal[0]
        v = terminal.copy()
        v[1:n] = np.linalg.solve(mat, rhs)
        return v
    v = terminal.copy()
    for _ in range(int(horizon)):
        nxt = terminal.copy()
        nxt[1:n] = -cost + p * v[2:] + q * v[: n - 1]
        v = nxt
    return v


def belief_value_dp(
    i: int, n_units: int, a: float, b: float, cost: float, horizon: int, side: str = "A"
) -> float:
    """Value of fighting on for ``horizon`` rounds with Bayesian learning, from ``(i, a, b)``.

    State after ``w`` wins and ``l`` losses by A: position ``i + w - l``, belief
    ``Beta(a + w, b + l)``. ``O(H**2)``. With the frozen-front terminal value it equals
    ``E_{p ~ Beta(a, b)}[continuation_value(i, N, p, cost, side, horizon)]`` exactly (iterated
    expectations), and tends to the fixed-``p`` value as ``a + b`` grows.
    """
    n = int(n_units)
    v_next = None
    for k in range(int(horizon), -1, -1):
        w = np.arange(k + 1)
        pos = i + w - (k - w)
        if v_next is None:
            v = _payoff(pos, n, side)
        else:
            ph = (a + w) / (a + b + k)
            v = -cost + ph * v_next[w + 1] + (1.0 - ph) * v_next[w]
        v = np.where(pos >= n, _payoff(n, n, side), v)
        v = np.where(pos <= 0, _payoff(0, n, side), v)
        v_next = v
    return float(v_next[0])
