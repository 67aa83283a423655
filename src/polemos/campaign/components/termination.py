"""Termination: how each run's war ends, on which day, and on what line.

A run ends (in this order of precedence) when
* the decisive objective has fallen and ``termination.untenable_days`` have passed (the
  defender's position is untenable; the 2020 ceasefire followed Shusha/Shushi by two days);
* a side's losses (killed, wounded, missing) pass ``termination.breakpoint_defender`` /
  ``termination.breakpoint_attacker`` of its initial strength (its breakpoint);
* a humanitarian truce, attempted on ``termination.truce_day_1..3``, holds (probability
  ``termination.truce_hold``; the three truces of 2020 broke down within hours);
* an outside power imposes a ceasefire: daily hazard ``termination.intervention_hazard`` ×
  share of the defender's area lost (Russia stepped in once the outcome was clear, [CK] 10);
* a settlement rule, if one is attached (``sim.settlement_rule``: the bargaining model), finds
  a settlement;
* the horizon (``max_days``) is reached.
The line of control at the end is the per-sector control share; the terms follow it.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.state import (
    BREAKPOINT_ATTACKER,
    BREAKPOINT_DEFENDER,
    DECISIVE,
    HORIZON,
    INTERVENTION,
    SETTLEMENT,
    TRUCE,
)


class Termination(Component):
    """Decisive objective, breakpoints, truces, outside intervention, settlement, horizon."""

    name = "termination"
    params = ("untenable_days", "breakpoint_defender", "breakpoint_attacker", "truce_day_1",
              "truce_day_2", "truce_day_3", "truce_hold", "intervention_hazard")

    def init(self, sim):
        p = sim.params
        self.truce_days = {int(p.scalar(f"termination.truce_day_{i}")) for i in (1, 2, 3)}
        self.decisive = sim.theatre.objective_decisive

    def step(self, sim, day):
        st, p, th = sim.state, sim.params, sim.theatre
        n = st.n
        cause = np.zeros(n, dtype=np.int8)
        lost = (st.killed + st.wounded + st.missing) / np.maximum(st.strength0, 1.0)
        taken = st.taken_km2 / th.defender_area0
        u = sim.streams.uniform("termination", day, 2)

        def mark(mask, code):
            nonlocal cause
            cause = np.where((cause == 0) & mask, code, cause).astype(np.int8)

        if self.decisive.any():
            fell = np.where(st.objective_day[:, self.decisive] >= 0,
                            st.objective_day[:, self.decisive], 10**6).min(axis=1)
            mark(day >= fell + p["termination.untenable_days"][:, 0], DECISIVE)
        mark(lost[:, 1] >= p["termination.breakpoint_defender"][:, 0], BREAKPOINT_DEFENDER)
        mark(lost[:, 0] >= p["termination.breakpoint_attacker"][:, 0], BREAKPOINT_ATTACKER)
        if day in self.truce_days:
            mark(u[:, 0] < p["termination.truce_hold"][:, 0], TRUCE)
        mark(u[:, 1] < p["termination.intervention_hazard"][:, 0] * taken, INTERVENTION)
        if sim.settlement_rule is not None:
            mark(np.asarray(sim.settlement_rule(sim, day), dtype=bool), SETTLEMENT)
        if day >= sim.max_days:
            mark(np.ones(n, dtype=bool), HORIZON)
        ending = st.alive & (cause > 0)
        st.end_cause = np.where(ending, cause, st.end_cause).astype(np.int8)
        st.end_day = np.where(ending, day, st.end_day).astype(np.int32)
        sim.record.ctrl[:, day - 1, :] = st.ctrl * 100 + 0.5      # stored as whole percent
        st.alive = st.alive & ~ending
