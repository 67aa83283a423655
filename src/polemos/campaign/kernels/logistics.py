"""Logistics (:mod:`polemos.campaign.components.logistics`) as one compiled pass over the runs:
the same formulas, run by run — strikes on the defender's open routes and their repair; route
states and the sectors an open route reaches, recomputed only for the runs whose control
crossed ``cut_share`` or whose objectives fell since they were last computed (grown a link a
step through held sectors until the set stops growing, as numpy does); throughput, supply and
lift; stocks of cut-off sectors and the supply factor on the defender's power; mobilisation.
Its arrays are run-major, (runs, routes or sectors), so runs are the outer loop. The per-run
sums over routes are added in route order. The component keeps its tables and the control and
objectives last computed on (``key_held``, ``key_fallen``, updated here in place); this kernel
changes the state's arrays in place. No random numbers are drawn."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.sectors import F32


def _per_run(a: np.ndarray) -> np.ndarray:
    """A (runs, 1) parameter or per-run constant as a contiguous (runs,) float64 vector."""
    return np.ascontiguousarray(a[:, 0])


def step(logistics, sim, day) -> None:
    """One day of logistics on ``sim``'s arrays (the component ``logistics`` holds its tables;
    its ``init``, numpy, computed the network once for every run)."""
    th, st, p = sim.theatre, sim.state, sim.params
    _logistics(
        st.alive, st.ctrl, st.objective_day, _per_run(st.drone_strikes_on_routes), st.pers,
        st.mob_rate,
        # tables: routes, paths, links, sectors
        logistics.route_def, logistics.path, th.objective_cuts, logistics.adjacency,
        logistics.def_sector, th.contestable, th.cols, logistics.steps,
        # per run
        logistics.capacity, _per_run(logistics.missiles), _per_run(logistics.unrepaired),
        _per_run(p["logistics.damage_per_strike"]), _per_run(p["logistics.cut_share"]),
        _per_run(p["logistics.consumption_t_per_person_day"]), _per_run(logistics.e),
        _per_run(p["logistics.troop_lift_share"]), _per_run(p["logistics.t_per_person_moved"]),
        _per_run(p["logistics.stock_days"]), _per_run(p["logistics.cutoff_power"]),
        _per_run(logistics.cutoff_power),
        # changed in place
        logistics.key_held, logistics.key_fallen, st.interdiction, st.route_open, st.connected,
        st.open_capacity, st.supply, st.supply_power, st.lift, st.stock, st.sector_supply,
        st.sector_power32, st.mob_left, st.ap, st.dres)
    sim.record_day("lift", day, st.lift)


@nb.njit(cache=True, error_model="numpy")
def _logistics(alive, ctrl, objective_day, drone_strikes, pers, mob_rate,
               route_def, path, objective_cuts, adjacency, def_sector, contestable, cols, steps,
               capacity, missiles, unrepaired, damage, cut_share, consumption, e, lift_share,
               t_moved, stock_days, cutoff, cutoff_power, key_held, key_fallen, interdiction,
               route_open, connected, open_capacity, supply, supply_power, lift, stock,
               sector_supply, power, mob_left, ap, dres):  # pragma: no cover - compiled
    n, R = capacity.shape
    S, C, n_obj = ctrl.shape[1], cols.shape[0], objective_cuts.shape[0]
    held = np.empty(S, dtype=np.bool_)        # the attacker holds cut_share of the sector
    held_def = np.empty(S, dtype=np.bool_)
    reach = np.empty(S, dtype=np.bool_)
    grown = np.empty(S, dtype=np.bool_)
    fallen = np.empty(n_obj, dtype=np.bool_)
    thr = np.empty(2)
    for r in range(n):
        live = 1.0 if alive[r] else 0.0
        # strikes on the defender's open routes, spread by capacity (t/day)
        tot = 0.0
        for j in range(R):
            if route_open[r, j] and route_def[j]:
                tot += capacity[r, j]
        strikes = drone_strikes[r] + missiles[r]
        for j in range(R):
            od = capacity[r, j] if route_open[r, j] and route_def[j] else 0.0
            share = od / tot if tot > 0.0 else 0.0
            x = interdiction[r, j] * unrepaired[r] + share * strikes * damage[r] * live
            interdiction[r, j] = min(max(x, 0.0), 1.0)
        # route states and reach, where control crossed cut_share or an objective fell
        changed = False
        for s in range(S):
            held[s] = ctrl[r, s] >= cut_share[r]
        for k in range(C):
            if held[cols[k]] != key_held[r, k]:
                key_held[r, k] = held[cols[k]]
                changed = True
        for o in range(n_obj):
            fallen[o] = objective_day[r, o] >= 0
            if fallen[o] != key_fallen[r, o]:
                key_fallen[r, o] = fallen[o]
                changed = True
        if changed:
            for j in range(R):
                blocked = False
                for s in range(S):
                    if held[s] and path[j, s] > 0:
                        blocked = True
                        break
                for o in range(n_obj):
                    if fallen[o] and objective_cuts[o, j]:
                        blocked = True
                route_open[r, j] = not (blocked and route_def[j])
            # defender sectors reached by an open route through sectors it still holds
            for s in range(S):
                held_def[s] = not held[s] and def_sector[s]
                reached = False
                for j in range(R):
                    if route_open[r, j] and route_def[j] and path[j, s] > 0:
                        reached = True
                        break
                reach[s] = reached and held_def[s]
            # grown a link a step through held sectors until the set stops growing
            for _ in range(steps):
                grew = False
                for s in range(S):
                    grown[s] = reach[s]
                    if reach[s] or not held_def[s]:
                        continue
                    for t in range(S):
                        if reach[t] and adjacency[t, s] > 0:
                            grown[s] = True
                            grew = True
                            break
                if not grew:
                    break
                for s in range(S):
                    reach[s] = grown[s]
            for s in range(S):
                connected[r, s] = reach[s] or not contestable[s]
        # throughput by side (t/day), supply, its factor on power, lift (persons/day)
        thr[0] = 0.0
        thr[1] = 0.0
        for j in range(R):
            cap = capacity[r, j] * (1.0 - interdiction[r, j]) * (1.0 if route_open[r, j] else 0.0)
            open_capacity[r, j] = cap
            thr[1 if route_def[j] else 0] += cap
        for k in range(2):
            demand = pers[r, k] * consumption[r]
            sup = min(1.0, thr[k] / demand if demand > 0.0 else 1.0)
            supply[r, k] = sup
            supply_power[r, k] = sup ** e[r] if sup < 1.0 else 1.0
            lift[r, k] = thr[k] * lift_share[r] / t_moved[r]
        # cut-off sectors draw down their stocks, then fight at cutoff_power
        for k in range(C):
            if connected[r, cols[k]]:
                stock[r, k] = stock_days[r]
                sector_supply[r, k] = supply[r, 1]
                power[k, r] = F32(supply_power[r, 1])
            else:
                left = max(stock[r, k] - live, 0.0)
                stock[r, k] = left
                if left > 0.0:
                    sector_supply[r, k] = 1.0
                    power[k, r] = F32(1.0)
                else:
                    sector_supply[r, k] = cutoff[r]
                    power[k, r] = F32(cutoff_power[r])
        # mobilisation, limited by the rate and by what the network can lift
        for k in range(2):
            arrive = min(min(mob_left[r, k], mob_rate[r, k]), lift[r, k]) * live
            mob_left[r, k] -= arrive
            pers[r, k] += arrive
            if k == 0:
                ap[r] += arrive             # the attacker's theatre pool
            else:
                dres[r] += arrive           # the defender's reserve
