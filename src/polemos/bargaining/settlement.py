"""When a negotiated split beats fighting on, and on what terms (Smith & Stam 2004).

Each side values fighting on as its expected continuation value under *its own* belief about
``p``, net of its per-round cost (in contested units per round) and of a one-off ``restart_cost``
(units; the cost of restarting a war that peacekeepers monitor, Smith & Stam 2003)::

    V_A = E_{p ~ A's belief}[ i + (2p - 1 - c_A) E[tau | p] ] - R
    V_B = E_{p ~ B's belief}[ N - i + (1 - 2p - c_B) E[tau | p] ] - R

(:func:`~polemos.bargaining.random_walk.continuation_value`; ``tau`` the rounds to absorption,
or to the ``horizon`` after which the front is taken as frozen at ``i``). A settlement exists when
``V_A + V_B <= N``: some split of the ``N`` units gives each side at least its value of fighting.
Fighting to the finish is the outside option; sides do not price in later settlements (the
Smith & Stam simplification). Because beliefs are martingales, ``V`` equals the value computed
with learning on the ``(i, a, b)`` lattice (:func:`~polemos.bargaining.values.belief_value_dp`).
"""

from __future__ import annotations

import numpy as np

from .random_walk import absorption_probability, continuation_value

__all__ = ["continuation_values", "settlement_possible", "settlement_terms"]


def continuation_values(
    position,
    n_units: int,
    beliefs,
    cost_a,
    cost_b,
    restart_cost=0.0,
    horizon: int | None = None,
    nodes: int = 24,
) -> tuple[np.ndarray, np.ndarray]:
    """``(V_A, V_B)``, each ``(runs,)``, in units: values of fighting on under own beliefs.

    ``beliefs`` a :class:`BetaBeliefs` or :class:`DiscreteBeliefs`; ``position``, costs and
    ``restart_cost`` scalars or ``(runs,)``. ``nodes`` per quadrature panel (3 panels); the
    default 24 is within ~2e-4 units of ``nodes=48`` and takes ~0.3 s for 10 000 runs, N = 20.
    A finite ``horizon`` costs ``O(runs * nodes * N * horizon)`` (~20 s for 10 000 runs at
    N = 20, H = 30): use it for small batches.
    """
    runs = beliefs.runs
    i = np.broadcast_to(np.asarray(position, dtype=float), (runs,))[:, None]
    ca = np.broadcast_to(np.asarray(cost_a, dtype=float), (runs,))[:, None]
    cb = np.broadcast_to(np.asarray(cost_b, dtype=float), (runs,))[:, None]
    r = np.broadcast_to(np.asarray(restart_cost, dtype=float), (runs,))
    if horizon is not None:
        i = i.astype(np.int64)
    va = beliefs.expect(lambda p: continuation_value(i, n_units, p, ca, "A", horizon), 0, nodes)
    vb = beliefs.expect(lambda p: continuation_value(i, n_units, p, cb, "B", horizon), 1, nodes)
    return va - r, vb - r


def settlement_possible(
    position,
    n_units: int,
    beliefs,
    cost_a,
    cost_b,
    restart_cost=0.0,
    horizon: int | None = None,
    nodes: int = 24,
) -> np.ndarray:
    """``V_A + V_B <= N`` (bool, ``(runs,)``): both sides prefer some split to fighting on.

    Always true with common beliefs and positive costs (the sum is ``N - (c_A + c_B) E[tau]``);
    false when mutual optimism outweighs the costs. Absorbed positions (``0``, ``N``) count as
    settled.
    """
    va, vb = continuation_values(
        position, n_units, beliefs, cost_a, cost_b, restart_cost, horizon, nodes
    )
    return va + vb <= n_units * (1.0 + 1e-12)


def settlement_terms(
    position,
    n_units: int,
    beliefs,
    cost_a,
    cost_b,
    restart_cost=0.0,
    horizon: int | None = None,
    rule: str = "split",
    nodes: int = 24,
) -> np.ndarray:
    """Units A receives in a settlement, ``(runs,)``, clipped to ``[0, N]``.

    ``rule="split"``: split the bargaining surplus equally (Nash bargaining with equal weights),
    ``x_A = (N + V_A - V_B) / 2``; with common beliefs at ``p = 1/2`` and equal costs this is
    exactly ``i``, so terms track the front. ``rule="mean_belief"``: ``x_A = N P(i, N, pbar)``,
    A's chance of winning under the average of the two sides' mean beliefs. Computed for every
    run; mask with :func:`settlement_possible`.
    """
    if rule == "split":
        va, vb = continuation_values(
            position, n_units, beliefs, cost_a, cost_b, restart_cost, horizon, nodes
        )
        x = 0.5 * (n_units + va - vb)
    elif rule == "mean_belief":
        pbar = beliefs.mean().mean(axis=1)
        x = n_units * absorption_probability(position, n_units, pbar)
    else:
        raise ValueError(f"rule must be 'split' or 'mean_belief', not {rule!r}")
    return np.clip(x, 0.0, float(n_units))
