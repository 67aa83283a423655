"""Vectorised Monte Carlo of the random walk of war with learning and settlement.

Arrays are shaped ``(runs,)``; the only Python loop is over rounds, and it works on the
still-active runs only. Randomness comes from the ``numpy.random.Generator`` passed in.

Each round of :func:`simulate_war`, for every run still at war:

1. if a settlement exists (:func:`~polemos.bargaining.settlement.settlement_possible`) the war
   ends with the ``split`` terms (checked before round 1 too, so wars that should not start
   last 0 rounds);
2. A wins the round with probability ``p_true`` and the front moves one unit;
3. each side updates its Beta belief on what it sees (the true outcome, flipped with probability
   ``noise``), a mediator adds its public signal, beliefs regress ``drift`` towards the prior;
4. the war ends at ``0`` (B wins) or ``N`` (A wins).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .beliefs import BetaBeliefs
from .mediation import Mediator
from .peacekeeping import Peacekeeping
from .settlement import settlement_possible, settlement_terms

__all__ = ["WarResult", "simulate_walk", "simulate_war", "A_WON", "B_WON", "SETTLED", "ONGOING"]

A_WON, B_WON, SETTLED, ONGOING = 1, -1, 0, 2


@dataclass(frozen=True)
class WarResult:
    """Per-run results, each ``(runs,)``.

    ``duration`` rounds fought; ``outcome`` one of ``A_WON``, ``B_WON``, ``SETTLED``, ``ONGOING``
    (cut off at ``max_rounds``); ``position`` final front; ``terms`` units A ends with (``N``,
    ``0`` or the settlement; ``nan`` if ongoing); ``beliefs`` final beliefs.
    """

    duration: np.ndarray
    outcome: np.ndarray
    position: np.ndarray
    terms: np.ndarray
    beliefs: BetaBeliefs


def simulate_walk(
    position, n_units: int, p, runs: int, rng: np.random.Generator, max_rounds: int = 1_000_000
) -> tuple[np.ndarray, np.ndarray]:
    """Plain gambler's ruin: ``(a_won, duration)`` per run, bool and int arrays ``(runs,)``.

    Runs not absorbed within ``max_rounds`` report ``a_won = False`` and ``duration =
    max_rounds``.
    """
    pos = np.broadcast_to(np.asarray(position, dtype=np.int64), (runs,)).copy()
    pr = np.broadcast_to(np.asarray(p, dtype=float), (runs,))
    dur = np.zeros(runs, dtype=np.int64)
    idx = np.flatnonzero((pos > 0) & (pos < n_units))
    for _ in range(max_rounds):
        if idx.size == 0:
            break
        step = np.where(rng.random(idx.size) < pr[idx], 1, -1)
        pos[idx] += step
        dur[idx] += 1
        idx = idx[(pos[idx] > 0) & (pos[idx] < n_units)]
    return pos >= n_units, dur


def simulate_war(
    position,
    n_units: int,
    p_true,
    beliefs: BetaBeliefs,
    cost_a,
    cost_b,
    rng: np.random.Generator,
    *,
    max_rounds: int = 10_000,
    settle: bool = True,
    noise: float = 0.0,
    drift: float = 0.0,
    mediator: Mediator | None = None,
    peacekeeping: Peacekeeping | None = None,
    horizon: int | None = None,
    nodes: int = 24,
) -> WarResult:
    """Simulate ``beliefs.runs`` wars from ``position`` with true per-round chance ``p_true``.

    ``cost_a``, ``cost_b`` in units per round; ``noise`` misperception probability; ``drift``
    per-round regression of beliefs to the initial beliefs; ``mediator`` adds
    ``mediator.signals`` public pseudo-rounds per round; ``peacekeeping`` scales noise and drift
    by ``1 - monitoring`` and adds its ``restart_cost`` to the settlement test. ``nodes`` per
    quadrature panel in the settlement test.
    """
    runs = beliefs.runs
    pos = np.broadcast_to(np.asarray(position, dtype=np.int64), (runs,)).copy()
    pr = np.broadcast_to(np.asarray(p_true, dtype=float), (runs,))
    ca = np.broadcast_to(np.asarray(cost_a, dtype=float), (runs,))
    cb = np.broadcast_to(np.asarray(cost_b, dtype=float), (runs,))
    restart = 0.0
    if peacekeeping is not None:
        noise, drift = peacekeeping.noise(noise), peacekeeping.drift(drift)
        restart = peacekeeping.restart_cost
    signals = 0 if mediator is None else int(mediator.signals)
    a, b = beliefs.a.copy(), beliefs.b.copy()
    a0, b0 = beliefs.a, beliefs.b
    dur = np.zeros(runs, dtype=np.int64)
    outcome = np.full(runs, ONGOING, dtype=np.int8)
    terms = np.full(runs, np.nan)
    outcome[pos >= n_units], terms[pos >= n_units] = A_WON, float(n_units)
    outcome[pos <= 0], terms[pos <= 0] = B_WON, 0.0
    idx = np.flatnonzero(outcome == ONGOING)
    for t in range(max_rounds + 1):
        if settle and idx.size:
            bel = BetaBeliefs(a[idx], b[idx])
            args = (pos[idx], n_units, bel, ca[idx], cb[idx], restart, horizon)
            ok = settlement_possible(*args, nodes=nodes)
            if ok.any():
                done = idx[ok]
                outcome[done] = SETTLED
                terms[done] = settlement_terms(
                    pos[done], n_units, bel.take(ok), ca[done], cb[done], restart, horizon,
                    nodes=nodes,
                )
                idx = idx[~ok]
        if idx.size == 0 or t == max_rounds:
            break
        m = idx.size
        won = rng.random(m) < pr[idx]
        pos[idx] += np.where(won, 1, -1)
        dur[idx] += 1
        seen = np.repeat(won[:, None], 2, axis=1)
        if noise > 0.0:
            seen ^= rng.random((m, 2)) < noise
        a[idx] += seen
        b[idx] += ~seen
        if signals:
            k = rng.binomial(signals, pr[idx]).astype(float)[:, None]
            a[idx] += k
            b[idx] += signals - k
        if drift > 0.0:
            a[idx] = a0[idx] + (1.0 - drift) * (a[idx] - a0[idx])
            b[idx] = b0[idx] + (1.0 - drift) * (b[idx] - b0[idx])
        up, down = pos[idx] >= n_units, pos[idx] <= 0
        outcome[idx[up]], terms[idx[up]] = A_WON, float(n_units)
        outcome[idx[down]], terms[idx[down]] = B_WON, 0.0
        idx = idx[~(up | down)]
    return WarResult(dur, outcome, pos, terms, BetaBeliefs(a, b))
