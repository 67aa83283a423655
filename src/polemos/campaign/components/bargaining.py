"""Negotiated settlement: the random-walk bargaining model learns from the campaign's days.

Each day is one round of Smith & Stam's random walk: the attacker "wins" the round when it
gained ground that day. Each side holds its own Beta belief about p, the chance the attacker
wins a round (means ``bargaining.attacker_belief`` and ``bargaining.defender_belief`` on day 0,
strength ``bargaining.belief_strength`` rounds' worth of evidence), and updates it by Bayes' rule
on every day's outcome. At mediated talks — the three humanitarian truces of 2020
(``termination.truce_day_1..3``) — the sides settle when their expected values of fighting on,
each under its own belief and net of its daily cost (``bargaining.cost_attacker``,
``bargaining.cost_defender``, in units of the contested area per day), add up to no more than
the whole (:func:`polemos.bargaining.settlement.settlement_possible`). The contested area is
``bargaining.units`` units; the position is the share the attacker has taken. The terms
(:func:`~polemos.bargaining.settlement.settlement_terms`, equal split of the surplus) follow
the line of control. Sources: Smith & Stam (2003, 2004); Blainey (1973).
"""

from __future__ import annotations

import numpy as np

from polemos.bargaining.beliefs import BetaBeliefs
from polemos.bargaining.settlement import settlement_possible, settlement_terms
from polemos.campaign.component import Component

QUADRATURE_NODES = 12  # per panel; see polemos.bargaining.settlement (error ~1e-3 units)


class Bargaining(Component):
    """Random-walk bargaining: daily Bayesian learning, settlement tested at mediated talks."""

    name = "bargaining"
    params = ("attacker_belief", "defender_belief", "belief_strength", "cost_attacker",
              "cost_defender", "units")

    def init(self, sim):
        p, st, th = sim.params, sim.state, sim.theatre
        self.beliefs = BetaBeliefs.from_means(p["bargaining.attacker_belief"][:, 0],
                                              p["bargaining.defender_belief"][:, 0],
                                              p["bargaining.belief_strength"][:, 0], st.n)
        self.units = int(p.scalar("bargaining.units"))
        self.area = th.area_km2 * th.contestable
        self.taken = (st.ctrl * self.area).sum(axis=1)
        self.talks = {int(p.scalar(f"termination.truce_day_{i}")) for i in (1, 2, 3)}
        st.terms_attacker_share = np.full(st.n, np.nan)
        sim.settlement_rule = self.settles

    def step(self, sim, day):
        st = sim.state
        taken = (st.ctrl * self.area).sum(axis=1)
        won = taken > self.taken + 1e-9
        self.taken = taken
        # an ended run learns nothing more: add zero evidence
        w = st.alive.astype(float)
        self.beliefs = self.beliefs.update_weighted(won.astype(float), w[:, None])

    def settles(self, sim, day) -> np.ndarray:
        """Runs that settle today (only at mediated talks)."""
        st, p = sim.state, sim.params
        out = np.zeros(st.n, dtype=bool)
        if day not in self.talks or not st.alive.any():
            return out
        idx = np.flatnonzero(st.alive)
        share = self.taken[idx] / sim.theatre.defender_area0
        pos = np.clip(np.round(share * self.units), 1, self.units - 1)
        b = self.beliefs.take(idx)
        ca = p["bargaining.cost_attacker"][idx, 0]
        cb = p["bargaining.cost_defender"][idx, 0]
        ok = settlement_possible(pos, self.units, b, ca, cb, nodes=QUADRATURE_NODES)
        if ok.any():
            terms = settlement_terms(pos[ok], self.units, b.take(np.flatnonzero(ok)), ca[ok],
                                     cb[ok], nodes=QUADRATURE_NODES)
            st.terms_attacker_share[idx[ok]] = terms / self.units
        out[idx] = ok
        return out
