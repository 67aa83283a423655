"""Negotiated settlement: the random-walk bargaining model learns from the campaign's days.

Each day is one round of Smith & Stam's random walk: the attacker "wins" the round when it
gained ground that day. Each side holds its own Beta belief about p, the chance the attacker
wins a round (means ``bargaining.attacker_belief`` and ``bargaining.defender_belief`` on day 0,
strength ``bargaining.belief_strength`` rounds' worth of evidence), and updates it by Bayes' rule
on every day's outcome. At mediated talks — on the days the scenario gives as
``termination.truce_day_1``, ``_2``, … (none: no talks) — the sides settle when their expected values of fighting on,
each under its own belief and net of its daily cost (``bargaining.cost_attacker``,
``bargaining.cost_defender``, in units of the contested area per day), add up to no more than
the whole (the rule of :func:`polemos.bargaining.settlement.settlement_possible`, integrated
over beliefs on a p-grid by :class:`BeliefIntegrator`). The contested area is
``bargaining.units`` units; the position is the share the attacker has taken. The terms (equal
split of the surplus, as :func:`~polemos.bargaining.settlement.settlement_terms`) follow the
line of control. Sources: Smith & Stam (2003, 2004); Blainey (1973).
"""

from __future__ import annotations

import numpy as np

from polemos.bargaining.beliefs import BetaBeliefs
from polemos.bargaining.random_walk import expected_duration
from polemos.campaign.component import Component

TALKS = "termination.truce_day_"  # the days of mediated talks: truce_day_1, truce_day_2, ...
GRID = 256  # points of the p-grid on which beliefs are integrated (midpoint rule)
MIN_SHAPE = 5.0  # Beta shapes below this are integrated by quadrature instead
BLOCK = 256  # runs integrated at once: (runs, grid) float32 arrays of 256 kB stay in cache


class BeliefIntegrator:
    """Expected continuation values under Beta beliefs, for many runs at once.

    ``V_A = i + E[(2p − 1) τ] − c_A E[τ]`` and ``V_B = N − i + E[(1 − 2p) τ] − c_B E[τ]``
    (Smith & Stam; :func:`polemos.bargaining.settlement.continuation_values`), with
    ``E[τ | p]`` the gambler's-ruin duration tabulated once on a midpoint p-grid and each run's
    Beta density evaluated on the grid (one exponential per grid point and run). Agrees with
    the Gauss–Legendre quadrature of :mod:`polemos.bargaining.settlement` (tested).
    """

    def __init__(self, units: int, grid: int = GRID):
        self.units = units
        g = (np.arange(grid) + 0.5) / grid
        self.log_g = np.log(g).astype(np.float32)
        self.log_1g = np.log1p(-g).astype(np.float32)
        i = np.arange(units + 1)[:, None]
        tau = expected_duration(i, units, g[None, :])                      # (N+1, G)
        self.tau = tau.astype(np.float32)
        self.signed = ((2 * g[None, :] - 1) * tau).astype(np.float32)      # (N+1, G)

    def values(self, pos, beliefs, cost_a, cost_b):
        """(V_A, V_B) per run; ``pos`` integer positions in 1..N-1. Beliefs with a shape
        parameter below ``MIN_SHAPE`` (densities too peaked at 0 or 1 for the grid) go to the
        Gauss–Legendre quadrature of :mod:`polemos.bargaining.settlement`."""
        from polemos.bargaining.settlement import continuation_values

        pos = np.asarray(pos, dtype=int)
        rough = (np.minimum(beliefs.a, beliefs.b) < MIN_SHAPE).any(axis=1)
        smooth = np.flatnonzero(~rough)
        va = np.empty(len(pos))
        vb = np.empty(len(pos))
        if len(smooth):
            ps = pos[smooth]
            ab = {side: (beliefs.a[smooth, side:side + 1].astype(np.float32),
                         beliefs.b[smooth, side:side + 1].astype(np.float32)) for side in (0, 1)}
            ex = np.empty((4, len(smooth)))          # E[τ], E[(2p − 1) τ] of side A, then B
            grid = len(self.log_g)
            buf = np.empty((2, min(BLOCK, len(smooth)), grid), dtype=np.float32)
            # in blocks of runs, so that the (runs, grid) arrays stay in cache (each run's
            # numbers are its own row's: the same whatever the block)
            for lo in range(0, len(smooth), BLOCK):
                hi = min(lo + BLOCK, len(smooth))
                tau, signed = self.tau[ps[lo:hi]], self.signed[ps[lo:hi]]   # shared by both
                logw, tmp = buf[0, :hi - lo], buf[1, :hi - lo]
                for side in (0, 1):
                    a, b = ab[side][0][lo:hi], ab[side][1][lo:hi]
                    np.multiply(a - 1, self.log_g, out=logw)
                    logw += np.multiply(b - 1, self.log_1g, out=tmp)
                    logw -= logw.max(axis=1, keepdims=True)
                    w = np.exp(logw, out=logw)
                    w /= w.sum(axis=1, keepdims=True)
                    ex[2 * side, lo:hi] = np.multiply(w, tau, out=tmp).sum(1, dtype=np.float64)
                    ex[2 * side + 1, lo:hi] = np.multiply(w, signed, out=tmp).sum(
                        1, dtype=np.float64)
            tau_a, sig_a, tau_b, sig_b = ex
            ca = np.broadcast_to(cost_a, pos.shape)[smooth]
            cb = np.broadcast_to(cost_b, pos.shape)[smooth]
            va[smooth] = ps + sig_a - ca * tau_a
            vb[smooth] = self.units - ps - sig_b - cb * tau_b
        if rough.any():
            idx = np.flatnonzero(rough)
            ca = np.broadcast_to(cost_a, pos.shape)[idx]
            cb = np.broadcast_to(cost_b, pos.shape)[idx]
            va[idx], vb[idx] = continuation_values(pos[idx].astype(float), self.units,
                                                   beliefs.take(idx), ca, cb)
        return va, vb


def talk_days(params) -> set[int]:
    """Days of mediated talks: every ``termination.truce_day_<k>`` parameter the scenario gives
    (none: no talks, and no settlement)."""
    return {int(params.scalar(name)) for name in params.values if name.startswith(TALKS)}


class Bargaining(Component):
    """Random-walk bargaining: daily Bayesian learning, settlement tested at mediated talks."""

    name = "bargaining"
    params = ("bargaining.attacker_belief", "bargaining.defender_belief",
              "bargaining.belief_strength", "bargaining.cost_attacker", "bargaining.cost_defender",
              "bargaining.units")
    optional_params = (TALKS,)

    def init(self, sim):
        p, st, th = sim.params, sim.state, sim.theatre
        prior = BetaBeliefs.from_means(p["bargaining.attacker_belief"][:, 0],
                                       p["bargaining.defender_belief"][:, 0],
                                       p["bargaining.belief_strength"][:, 0], st.n)
        # the Beta shapes (runs, 2), updated in place day by day (the numbers of
        # BetaBeliefs.update_weighted: each day adds 1 or 0 to each; a BetaBeliefs is made
        # of them at talks)
        self.a, self.b = prior.a, prior.b
        self.units = int(p.scalar("bargaining.units"))
        self.integrator = BeliefIntegrator(self.units)
        self.area = th.area_km2 * th.contestable
        self.taken = st.ctrl @ self.area
        self.talks = talk_days(p)
        st.terms_attacker_share = np.full(st.n, np.nan)
        sim.settlement_rule = self.settles

    def step(self, sim, day):
        st = sim.state
        taken = st.taken_km2
        won = taken > self.taken + 1e-9
        self.taken = taken
        # an ended run learns nothing more: add zero evidence
        self.a += (won & st.alive)[:, None]
        self.b += (~won & st.alive)[:, None]

    def settles(self, sim, day) -> np.ndarray:
        """Runs that settle today (only at mediated talks)."""
        st, p = sim.state, sim.params
        out = np.zeros(st.n, dtype=bool)
        if day not in self.talks or not st.alive.any():
            return out
        idx = np.flatnonzero(st.alive)
        share = self.taken[idx] / sim.theatre.defender_area0
        pos = np.clip(np.round(share * self.units), 1, self.units - 1)
        b = BetaBeliefs(self.a[idx], self.b[idx])
        ca = p["bargaining.cost_attacker"][idx, 0]
        cb = p["bargaining.cost_defender"][idx, 0]
        va, vb = self.integrator.values(pos, b, ca, cb)
        ok = va + vb <= self.units * (1.0 + 1e-12)       # a split beats fighting for both
        terms = np.clip(0.5 * (self.units + va - vb), 0.0, self.units)   # equal surplus split
        st.terms_attacker_share[idx[ok]] = terms[ok] / self.units
        out[idx] = ok
        return out
