"""Movement (:mod:`polemos.campaign.components.movement`) compiled: the same formulas, per
sector and run, in a few passes over the (sectors, runs) arrays — the advance, the penetration
clipped to [0, depth], control and the area taken; the break-in beyond the fortified belt and
the breaks in combat; then, run by run in sector order, the day and cause of each new break, the
daily withdrawal of a broken defence and the captures (the defenders leave, or are trapped and
taken); on a day when some run of the chunk took a sector, the envelopment of the sectors whose
flanks fell, in every run (as numpy does); control by theatre sector and the objectives taken.
Each per-run sum over sectors is added in sector order, each kind of booking (withdrawal,
leaving, capture) apart, as numpy adds them: from the same state the two engines agree to the
bit (float32 arrays, float64 sums, states and records).

The power-ratio factor of the advance, (R / 1.46)^γ, is the component's own
:func:`~polemos.campaign.components.movement.ratio_speed` (numpy): numpy's float32 ``exp``
(SIMD) differs from the compiled one by 1–2 units in the last place on ~40% of arguments,
which would move the penetration by as much and could flip ``gained`` or a threshold. The
captures are compiled too: in a chunk of 2,500 runs some run takes a sector on most days. The
kernel changes the state's arrays in place; the wrapper sets the arrays numpy makes anew
(penetration, control, gains, states, area taken)."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.components.movement import ratio_speed
from polemos.campaign.sectors import (
    BROKE_BY_CAPTURE,
    BROKE_BY_ENVELOPMENT,
    BROKE_IN_COMBAT,
    BROKEN,
    CAPTURED,
    F32,
    FORTIFIED,
    HASTY,
    PREPARED,
)


def step(movement, sim, day) -> None:
    """One day of movement on ``sim``'s arrays (the component ``movement`` holds its tables)."""
    st, p = sim.state, sim.params
    speed = ratio_speed(st.log_ratio, p.row("movement.ratio_exponent"))
    pen = np.empty_like(st.pen)
    ctrl_c = np.empty_like(st.pen)
    gained = np.empty(st.pen.shape, dtype=bool)
    state = np.empty_like(st.sector_state)   # a new array: cached state factors are of the old
    taken_km2 = np.empty(pen.shape[1])
    _movement(day, movement.theatre_cols, st.active, st.alive, st.log_ratio, speed,
              movement.base, movement.posture, movement.exploit, st.supply_power,
              p.row("movement.counterattack_share"), movement.depth, movement.belt,
              movement.behind, st.power_ratio, st.dp_peak, p.row("movement.break_ratio"),
              p.row("movement.break_strength"), p.row("movement.withdraw_share"),
              p.row("movement.capture_share"), p.row("movement.abandon_share"),
              p.row("movement.captured_share"), st.connected, movement.flanks,
              movement.flanks_held0, p.row("movement.envelop_share"), movement.area,
              sim.theatre.objective_sector, st.pen, st.sector_state, st.dp, st.de, st.ad_share,
              st.ad0, st.ad_groups, pen, gained, ctrl_c, state, taken_km2, st.ctrl,
              st.sector_day, st.sector_break_day, st.sector_break_by, st.objective_day,
              st.dres, st.dres_e, st.cas_c, st.loss_e, st.loss_ad)
    st.pen, st.gained, st.ctrl_c, st.sector_state, st.taken_km2 = (pen, gained, ctrl_c, state,
                                                                   taken_km2)


@nb.njit(cache=True, error_model="numpy")
def _movement(day, cols, active, alive, log_ratio, speed, base, posture, exploit, supply_power,
              counter, depth, belt, behind, power_ratio, dp_peak, break_ratio, break_strength,
              withdraw, capture, abandon, captured, connected, flanks, held0, envelop, area,
              objective, pen0, state0, dp, de, ad_share, ad0, ad_groups, pen, gained, ctrl_c,
              state, taken_km2, ctrl, sector_day, break_day, break_by, objective_day,
              dres, dres_e, cas_c, loss_e, loss_ad):  # pragma: no cover - compiled
    C, n = pen.shape
    E, A = de.shape[0], ad0.shape[0]
    one = F32(1.0)
    zero = F32(0.0)
    supply = np.empty(n, dtype=np.float32)
    for r in range(n):
        supply[r] = F32(supply_power[r, 0])
    taken = taken_km2                   # the area taken (km²), summed over sectors in order
    taken[:] = 0.0
    # the advance, penetration clipped to [0, depth], control (a loop without branches, which
    # the compiler vectorises: the posture factor picked by selects, not an indexed load)
    for c in range(C):
        d = depth[c, 0]
        fought = False                  # fought over in some run today (see sectors.front)
        for r in range(n):
            if active[c, r]:
                fought = True
                break
        if not fought:                  # as in numpy: left as it was
            for r in range(n):
                x = pen0[c, r]
                pen[c, r] = x
                gained[c, r] = False
                q = x / d
                ctrl_c[c, r] = q
                taken[r] += area[c] * q
            continue
        for r in range(n):
            p0 = pen0[c, r]
            s = state0[c, r]
            fwd = one if log_ratio[c, r] >= zero else -counter[r]
            f = posture[FORTIFIED, r] if s == FORTIFIED else posture[PREPARED, r]
            f = posture[HASTY, r] if s == HASTY else f
            f = posture[BROKEN, r] if s == BROKEN else f
            v = base[c, r] * f * speed[c, r] * fwd
            v = exploit[c, r] if s == BROKEN else v
            v *= supply[r]
            v = v if active[c, r] & alive[r] else zero    # numpy: × 0 (p0 + ±0 is p0)
            x = min(max(p0 + v, zero), d)
            pen[c, r] = x
            gained[c, r] = x > p0
            q = x / d
            ctrl_c[c, r] = q
            taken[r] += area[c] * q
    # the states: break-in beyond the belt, breaks in combat (branch-free: vectors); the runs
    # where something is booked today (a new break, a withdrawal, a capture)
    busy = np.zeros(n, dtype=np.bool_)
    for c in range(C):
        into = np.int8(behind[c, 0])
        for r in range(n):
            was = state0[c, r]
            s = into if (was == FORTIFIED) & (pen[c, r] >= belt[c, r]) else was
            breaks = active[c, r] & alive[r] & ((power_ratio[c, r] >= break_ratio[r])
                                                | (dp[c, r] < break_strength[r] * dp_peak[c, r]))
            s = np.int8(BROKEN) if breaks else s
            state[c, r] = s
            busy[r] |= alive[r] & (((s == BROKEN) & ((was != BROKEN) | (withdraw[r] != zero)))
                                   | (ctrl_c[c, r] >= capture[r]))
    # run by run, sector by sector: the day and cause of a new break, the daily withdrawal of a
    # broken defence, the captures; the sums over sectors of each kind booked apart, as numpy
    # books them
    moved_e = np.empty(E)               # the daily withdrawal of broken defences
    leave_e = np.empty(E)               # defenders leaving a sector just taken …
    left_e = np.empty(E)                # … and the equipment they leave behind
    trapped_e = np.empty(E)             # defenders cut off in a sector just taken
    left_ad = np.empty(2)
    trapped_ad = np.empty(2)
    newly = False
    for r in range(n):
        if not busy[r]:
            continue
        moved = leave = trapped = 0.0
        moved_e[:] = 0.0
        leave_e[:] = 0.0
        left_e[:] = 0.0
        trapped_e[:] = 0.0
        left_ad[:] = 0.0
        trapped_ad[:] = 0.0
        leaves = traps = False
        w = withdraw[r]
        ab = abandon[r]
        for c in range(C):
            col = cols[c]
            s = state[c, r]
            if s == BROKEN and state0[c, r] != BROKEN:
                break_day[r, col] = day
                break_by[r, col] = BROKE_IN_COMBAT
            # a broken defence withdraws to the reserve if a road still reaches it
            if s == BROKEN and w != zero and connected[r, col]:
                out = dp[c, r] * w
                dp[c, r] -= out
                moved += out
                for e in range(E):
                    out = de[e, c, r] * w
                    de[e, c, r] -= out
                    moved_e[e] += out
            if not (ctrl_c[c, r] >= capture[r] and sector_day[r, col] < 0):
                continue
            # taken today
            newly = True
            sector_day[r, col] = day
            if connected[r, col]:            # the defenders leave, some equipment behind
                leaves = True
                out = dp[c, r] * one
                dp[c, r] -= out
                leave += out
                for e in range(E):
                    out = de[e, c, r] * one
                    de[e, c, r] -= out
                    lost = out * ab
                    leave_e[e] += out - lost
                    left_e[e] += lost
                for g in range(2):
                    lost = ad_share[g, c, r] * (one * ab)
                    ad_share[g, c, r] -= lost
                    left_ad[g] += lost
            else:                            # cut off: all equipment lost, some taken
                traps = True
                out = dp[c, r] * one
                dp[c, r] *= one - one
                trapped += out
                for e in range(E):
                    trapped_e[e] += de[e, c, r] * one
                    de[e, c, r] *= one - one
                for g in range(2):
                    lost = ad_share[g, c, r] * one
                    ad_share[g, c, r] -= lost
                    trapped_ad[g] += lost
            if s != BROKEN:
                state[c, r] = BROKEN
                break_day[r, col] = day
                break_by[r, col] = BROKE_BY_CAPTURE
        dres[r] += moved
        for e in range(E):
            dres_e[e, r] += moved_e[e]
        if leaves:
            dres[r] += leave
            for e in range(E):
                dres_e[e, r] += leave_e[e]
                loss_e[CAPTURED, 1, e, r] += left_e[e]
            for a in range(A):
                loss_ad[CAPTURED, a, r] += np.float64(ad0[a, r]) * left_ad[ad_groups[a]]
        if traps:
            prisoners = trapped * np.float64(captured[r])
            cas_c[CAPTURED, 1, r] += prisoners
            dres[r] += trapped - prisoners
            for e in range(E):
                loss_e[CAPTURED, 1, e, r] += trapped_e[e]
            for a in range(A):
                loss_ad[CAPTURED, a, r] += np.float64(ad0[a, r]) * trapped_ad[ad_groups[a]]
    if newly:                           # envelopment: the sectors whose flanks fell break
        for r in range(n):
            if not alive[r]:
                continue
            for c in range(C):
                if state[c, r] == BROKEN:
                    continue
                count = zero
                for k in range(C):
                    if flanks[c, k] != zero and sector_day[r, cols[k]] >= 0:
                        count += flanks[c, k]
                if np.float64(count) >= np.float64(envelop[r]) * held0[c]:
                    state[c, r] = BROKEN
                    break_day[r, cols[c]] = day
                    break_by[r, cols[c]] = BROKE_BY_ENVELOPMENT
    # control by theatre sector (runs × sectors: written a block of runs at a time), the
    # objectives taken
    for r0 in range(0, n, 16):
        for c in range(C):
            col = cols[c]
            for r in range(r0, min(r0 + 16, n)):
                ctrl[r, col] = ctrl_c[c, r]
    for k in range(objective.shape[0]):
        j = objective[k]
        for r in range(n):
            if ctrl[r, j] >= capture[r] and objective_day[r, k] < 0:
                objective_day[r, k] = day
