"""Termination (:mod:`polemos.campaign.components.termination`) as one compiled pass over the
runs: the same rules, in the same order of precedence (the defender accepts terms,
breakpoints, red lines, settlement at talks, the horizon), the same float64 numbers compared
with the same thresholds, and the day's control map written to the record as whole percent.
The settlement at talks is the bargaining component's rule (``sim.settlement_rule``, numpy),
asked first: it reads nothing this step changes. The state's arrays are changed in place."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.components.termination import NEVER
from polemos.campaign.state import (
    ACCEPTED,
    BREAKPOINT_ATTACKER,
    BREAKPOINT_DEFENDER,
    HORIZON,
    INTERVENTION,
    SETTLEMENT,
)

NO_RUNS = np.zeros(0, dtype=bool)


def step(term, sim, day) -> None:
    """One day of endings on ``sim``'s arrays (the component ``term`` holds its tables)."""
    st, p, th = sim.state, sim.params, sim.theatre
    cap = getattr(st, "open_capacity", None)      # today's, from logistics
    if cap is None or cap.shape[0] != st.n:
        cap = sim.bound["route_capacity_t"] * (1 - st.interdiction) * st.route_open
    exogenous = sim.exogenous_endings
    settles = NO_RUNS
    if sim.settlement_rule is not None and exogenous:
        settles = np.asarray(sim.settlement_rule(sim, day), dtype=bool)
    rows = sim.record_rows
    series = sim.record.ctrl
    pct = series[:, day - 1, :] if rows is None else np.empty(st.ctrl.shape, dtype=series.dtype)
    _termination(day, sim.max_days, np.flatnonzero(term.def_route), term.cap0, cap, st.ctrl,
                 term.capital_near, p.row("termination.acceptance_supply_cut"),
                 p.row("termination.acceptance_capital_threat"),
                 p.row("termination.untenable_days"), p.row("termination.breakpoint_defender"),
                 p.row("termination.breakpoint_attacker"), st.killed, st.wounded, st.missing,
                 st.strength0, th.redline_route if exogenous else th.redline_route[:0],
                 th.redline_sector, st.route_open, st.sector_day, sim.bound["redline_delay_days"],
                 settles, st.untenable_since, st.redline_day, st.alive, st.end_cause, st.end_day,
                 pct)
    if rows is not None:
        series[rows, day - 1, :] = pct


@nb.njit(cache=True, error_model="numpy")
def _termination(day, max_days, def_index, cap0, cap, ctrl, capital_near, supply_cut,
                 capital_threat, untenable_days, bp_defender, bp_attacker, killed, wounded,
                 missing, strength0, redline_route, redline_sector, route_open, sector_day,
                 delay, settles, untenable_since, redline_day, alive, end_cause, end_day,
                 pct):  # pragma: no cover - compiled
    n, S = ctrl.shape
    settling = settles.shape[0] > 0
    for r in range(n):
        cause = 0
        # the defender's position: supply line and capital
        open_cap = 0.0
        for k in def_index:
            open_cap += cap[r, k]
        cut = 1.0 - (open_cap / cap0[r] if cap0[r] > 0 else 1.0)
        threat = ctrl[r, capital_near[0]] if capital_near.shape[0] else 0.0
        for i in range(1, capital_near.shape[0]):
            threat = np.maximum(threat, ctrl[r, capital_near[i]])
        if cut >= np.float64(supply_cut[r]) and threat >= np.float64(capital_threat[r]):
            untenable_since[r] = min(untenable_since[r], day)
        else:
            untenable_since[r] = NEVER
        if day >= np.float64(untenable_since[r]) + np.float64(untenable_days[r]):
            cause = ACCEPTED
        if cause == 0:
            lost = (killed[r, 1] + wounded[r, 1] + missing[r, 1]) / np.maximum(strength0[r, 1], 1.0)
            if lost >= np.float64(bp_defender[r]):
                cause = BREAKPOINT_DEFENDER
        if cause == 0:
            lost = (killed[r, 0] + wounded[r, 0] + missing[r, 0]) / np.maximum(strength0[r, 0], 1.0)
            if lost >= np.float64(bp_attacker[r]):
                cause = BREAKPOINT_ATTACKER
        # outside powers' red lines
        for j in range(redline_route.shape[0]):
            rt, s = redline_route[j], redline_sector[j]
            crossed = (not route_open[r, rt]) if rt >= 0 else sector_day[r, s] >= 0
            if crossed:
                redline_day[r, j] = min(redline_day[r, j], day)
            if cause == 0 and day >= np.float64(redline_day[r, j]) + delay[r, j]:
                cause = INTERVENTION
        if cause == 0 and settling and settles[r]:
            cause = SETTLEMENT
        if cause == 0 and day >= max_days:
            cause = HORIZON
        if alive[r] and cause > 0:
            end_cause[r] = cause
            end_day[r] = day
            alive[r] = False
        for s in range(S):
            pct[r, s] = np.uint8(ctrl[r, s] * 100.0 + 0.5)      # stored as whole percent
