"""Termination: how each run's war ends, on which day, and on what line — from the war itself.

A run ends (in this order of precedence) when

* the **defender accepts terms**: its position has been untenable for
  ``termination.untenable_days`` days. Untenable means its supply line is under the enemy's
  fire control or cut — the share of its road capacity (pre-war) closed or interdicted is at
  least ``termination.acceptance_supply_cut`` — while its capital is threatened — the
  attacker holds at least ``termination.acceptance_capital_threat`` of the capital's sector or
  of a sector next to it (the objective marked ``capital`` in the scenario). In 2020 Shusha/
  Shushi cut the M-12 and overlooks Khankendi/Stepanakert: that it ended the war is a result
  the model can get wrong, not a rule;
* a side's losses (killed, wounded, missing) pass ``termination.breakpoint_defender`` /
  ``termination.breakpoint_attacker`` of its initial strength (its breakpoint; the attacker's
  is its culmination);
* an outside power's **red line** is crossed (scenario data, ``[actors.*.red_lines]``: a route
  cut, a sector taken) and its ``delay_days`` have passed: it imposes a ceasefire;
* at mediated talks (the scenario's ``termination.truce_day_1``, ``_2``, …) the bargaining
  model finds that a settlement beats fighting on for both sides (the truce holds);
* the horizon (``max_days``) is reached.

No ending is drawn as a coin: each follows from the state of the war. The line of control at
the end is the per-sector control share; the terms follow it.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import ratio
from polemos.campaign.state import (
    ACCEPTED,
    BREAKPOINT_ATTACKER,
    BREAKPOINT_DEFENDER,
    HORIZON,
    INTERVENTION,
    SETTLEMENT,
)

NEVER = 10**6


class Termination(Component):
    """Defender accepts terms, breakpoints, outside red lines, settlement at talks, horizon."""

    name = "termination"
    params = tuple(f"termination.{k}" for k in (
        "untenable_days", "acceptance_supply_cut", "acceptance_capital_threat",
        "breakpoint_defender", "breakpoint_attacker"))

    def init(self, sim):
        th, st = sim.theatre, sim.state
        cap = th.objective_sector[th.objective_capital] if len(th.objective_sector) else []
        near = np.zeros(th.n_sectors, dtype=bool)
        for s in np.atleast_1d(cap):
            near |= th.adjacency[s] > 0
            near[s] = True
        self.capital_near = np.flatnonzero(near & th.contestable)
        self.def_route = th.route_side == 1
        self.cap0 = sim.bound["route_capacity_t"][:, self.def_route].sum(axis=1)      # (n,)
        st.untenable_since = np.full(st.n, NEVER, dtype=np.int32)
        st.redline_day = np.full((st.n, len(th.redline_actor or [])), NEVER, dtype=np.int32)

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p, th = sim.state, sim.params, sim.theatre
        n = st.n
        cause = np.zeros(n, dtype=np.int8)

        def mark(mask, code):
            nonlocal cause
            cause = np.where((cause == 0) & mask, code, cause).astype(np.int8)

        # the defender's position: supply line and capital
        cap = getattr(st, "open_capacity", None)      # today's, from logistics
        if cap is None or cap.shape[0] != n:
            cap = sim.bound["route_capacity_t"] * (1 - st.interdiction) * st.route_open
        open_cap = cap[:, self.def_route].sum(axis=1)
        cut = 1 - ratio(open_cap, self.cap0, 1.0)
        threat = np.ascontiguousarray(st.ctrl[:, self.capital_near].T).max(axis=0) if len(
            self.capital_near) else np.zeros(n)
        untenable = ((cut >= p.row("termination.acceptance_supply_cut"))
                     & (threat >= p.row("termination.acceptance_capital_threat")))
        st.untenable_since = np.where(untenable, np.minimum(st.untenable_since, day), NEVER)
        mark(day >= st.untenable_since + p.row("termination.untenable_days"), ACCEPTED)
        lost = (st.killed + st.wounded + st.missing) / np.maximum(st.strength0, 1.0)
        mark(lost[:, 1] >= p.row("termination.breakpoint_defender"), BREAKPOINT_DEFENDER)
        mark(lost[:, 0] >= p.row("termination.breakpoint_attacker"), BREAKPOINT_ATTACKER)
        # outside powers' red lines
        for j in range(st.redline_day.shape[1] if sim.exogenous_endings else 0):
            r, s = th.redline_route[j], th.redline_sector[j]
            crossed = ~st.route_open[:, r] if r >= 0 else st.sector_day[:, s] >= 0
            st.redline_day[:, j] = np.where(crossed, np.minimum(st.redline_day[:, j], day),
                                            st.redline_day[:, j])
            delay = sim.bound["redline_delay_days"][:, j]
            mark(day >= st.redline_day[:, j] + delay, INTERVENTION)
        if sim.settlement_rule is not None and sim.exogenous_endings:
            mark(np.asarray(sim.settlement_rule(sim, day), dtype=bool), SETTLEMENT)
        if day >= sim.max_days:
            mark(np.ones(n, dtype=bool), HORIZON)
        ending = st.alive & (cause > 0)
        st.end_cause = np.where(ending, cause, st.end_cause).astype(np.int8)
        st.end_day = np.where(ending, day, st.end_day).astype(np.int32)
        sim.record_day("ctrl", day, st.ctrl * 100 + 0.5)      # stored as whole percent
        st.alive = st.alive & ~ending
