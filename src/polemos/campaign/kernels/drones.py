"""Drones (:mod:`polemos.campaign.components.drones`) as one compiled pass over the sectors
fought over: the same formulas — sorties by altitude level and sector, engagement by air
defence, time on station and detection, ISR coverage, strikes on air defence, guns, armour,
troops and roads — per sector and run, the per-run sums over sectors (drones downed, losses by
cause, strikes on the roads) added in sector order. The airframes lost and the loitering
munitions resupplied are booked per run and type; air defence lost is booked by system type
(its theatre count × the share of its group lost, as :func:`sectors.lose_air_defence`). The
drones draw no random numbers. This kernel changes the state's arrays in place."""

from __future__ import annotations

from types import SimpleNamespace

import numba as nb
import numpy as np

from polemos.campaign.components.drones import TROOP_GROUP
from polemos.campaign.sectors import DRONE, F32, FORTIFIED, LOITERING, TINY, front_rows

TINY32 = np.finfo(np.float32).tiny       # share_of's floor of a float32 sum


def step(drones, sim, day) -> None:
    """One day of drones on ``sim``'s arrays (the component ``drones`` holds its tables)."""
    st, p = sim.state, sim.params
    C, n = st.active.shape
    rows = front_rows(st)
    t = _tables(drones)
    w = drones._work(("numba", "w"), (len(t.fly_levels), C, n), F32)
    launched32 = drones._work(("numba", "launched32"), (len(t.loiter), n), F32)
    find = t.no_find if drones.find is None else drones.find
    _drones(rows, st.active, st.alive, st.a_share, st.sector_state, st.air_cover, st.ad_share,
            st.ad_count_g, st.de, st.dp, st.route_open, t.def_routes, st.drones,
            drones.launch_rate, drones.resupply, find, drones.rate, drones.g_chan,
            drones.g_gun, drones.g_emit, t.types, t.level, t.loiter_t, t.flies_t, t.strike_t,
            t.hours, t.find_row, t.fly_levels, t.fly_index, t.sortie_levels, t.loiter,
            t.decoy, drones.watch, p.row("drones.risk_aversion"),
            p.row("drones.engagements_per_channel"), drones.unsuppressed,
            p.row("drones.decoy_realism"), p.row("air_defence.decoy_sorties_per_day"),
            p.row("drones.kill_probability_sam"), p.row("drones.kill_probability_gun"),
            p.row("drones.munitions_per_sortie"), p.row("drones.prewar_isr"),
            p.row("drones.detection_hours_for_coverage"), p.row("drones.sead_priority"),
            p.row("drones.anti_radiation"), p.row("drones.interdiction_priority"),
            p.row("drones.kill_probability"), p.row("drones.casualties_per_troop_strike"),
            w, launched32, st.isr, st.drones_lost, st.ad0, st.ad_groups, st.loss_ad,
            st.loss_e, st.cas_c, st.drone_strikes_on_routes)


def _tables(drones) -> SimpleNamespace:
    """The component's per-type tables as the kernel reads them (theatre-wide, the same for
    every run; made once per :meth:`Drones.init`, whose ``level`` array keys them)."""
    cached = drones.__dict__.get("_kernel_tables")
    if cached is not None and cached[0] is drones.level:
        return cached[1]
    types = np.array(drones.active_types, dtype=np.int64)
    level = np.asarray(drones.level, dtype=np.int64)
    fly_levels = np.array(drones.fly_levels, dtype=np.int64)
    fly_index = np.full(len(level), -1, dtype=np.int64)     # levels index np.unique's altitudes
    fly_index[fly_levels] = np.arange(len(fly_levels))
    t = SimpleNamespace(
        types=types, level=level[types], fly_levels=fly_levels, fly_index=fly_index,
        loiter_t=drones.loiter[types] > 0, flies_t=drones.flies[types] > 0,
        strike_t=drones.strike[types] > 0,
        hours=np.array([np.float32(drones.hours[d]) for d in types], dtype=F32),
        find_row=np.array([drones.find_row.get(int(d), -1) for d in types], dtype=np.int64),
        sortie_levels=np.array(drones.used_levels, dtype=np.int64),
        loiter=np.asarray(drones.loiter, dtype=np.float64),
        decoy=np.asarray(drones.decoy, dtype=np.float64),
        def_routes=np.flatnonzero(drones.def_route).astype(np.int64),
        no_find=np.zeros((0, 1, 1), dtype=F32))
    drones._kernel_tables = (drones.level, t)
    return t


# exp of float32 as sums and products (Cephes' expf: the argument reduced by ln 2, a degree-6
# polynomial, times 2^k put in the exponent's bits; relative error < 1e-7, measured, as good as
# numpy's own float32 exp), so that a loop over the runs compiles to vector instructions (a
# call of the C library's expf per entry does not). Below EXP_LO, where exp is a subnormal
# float32 (numpy's) or 0: 0. The drones take exp of x <= 0 only (EXP_HI guards the bits).
LOG2E = F32(1.44269504088896341)
LN2_HI = F32(0.693359375)
LN2_LO = F32(-2.12194440e-4)
EXP_LO = F32(-87.3365478515625)           # exp(EXP_LO): the smallest normal float32
EXP_HI = F32(88.0)
P0, P1, P2 = F32(1.9875691500e-4), F32(1.3981999507e-3), F32(8.3334519073e-3)
P3, P4, P5 = F32(4.1665795894e-2), F32(1.6666665459e-1), F32(5.0000001201e-1)


@nb.njit(cache=True, error_model="numpy")
def _min(a, b):  # pragma: no cover - compiled
    """The smaller (``min`` compiles to a call, which stops a loop's vectorisation)."""
    return a if a < b else b


@nb.njit(cache=True, error_model="numpy")
def _max(a, b):  # pragma: no cover - compiled
    """The larger."""
    return a if a > b else b


@nb.njit(cache=True, error_model="numpy")
def _exp(x, bits):  # pragma: no cover - compiled
    """``x`` (float32, (n,)) replaced by exp(x); ``bits``: an int32 work array of its size."""
    one, half = F32(1.0), F32(0.5)
    for r in range(x.shape[0]):
        v = _min(_max(x[r], EXP_LO), EXP_HI)
        k = np.floor(v * LOG2E + half)
        v = v - k * LN2_HI - k * LN2_LO
        z = v * v
        p = ((((P0 * v + P1) * v + P2) * v + P3) * v + P4) * v + P5
        x[r] = p * z + v + one if x[r] >= EXP_LO else F32(0.0)
        bits[r] = (np.int32(k) + np.int32(127)) << np.int32(23)
    scale = bits.view(np.float32)
    for r in range(x.shape[0]):
        x[r] *= scale[r]


@nb.njit(cache=True, error_model="numpy")
def _drones(rows, active, alive, a_share, sector_state, air_cover, ad_share, ad_count_g, de, dp,
            route_open, def_routes, drones, launch_rate, resupply, find, rate, g_chan, g_gun,
            g_emit, types, level, loiter_t, flies_t, strike_t, hours, find_row, fly_levels,
            fly_index, sortie_levels, loiter, decoy, watch, risk, per_channel,
            unsuppressed, realism, decoy_sorties, k_sam, k_gun, munitions, prewar, cover_hours,
            sead, anti_radiation, interdiction, pk_hit, per_troop_strike, w, launched32, isr,
            drones_lost, ad0, ad_groups, loss_ad, loss_e, cas_c,
            on_routes):  # pragma: no cover - compiled
    C, n = active.shape
    D, T, F, E, A = drones.shape[1], types.shape[0], fly_levels.shape[0], de.shape[0], ad0.shape[0]
    L = air_cover.shape[0]
    one = F32(1.0)
    zero = F32(0.0)
    # (the loops over the runs are branch-free: where nothing flies — no effort, or a run that
    # has ended, which launches nothing — every term is exactly 0, as in numpy)
    # sorties launched today (float64 as the stocks, then float32), decoys flown, open roads
    decoys = np.zeros(n)
    decoys32 = np.empty(n, F32)                                    # × realism
    roads = np.empty(n, F32)                                       # open roads × priority
    for r in range(n):
        live = 1.0 if alive[r] else 0.0
        for d in range(D):
            launched32[d, r] = F32(drones[r, d] * launch_rate[r, d] * live)
            decoys[r] += drones[r, d] * decoy[d]             # decoy types (the others + 0)
    for r in range(n):
        live = 1.0 if alive[r] else 0.0
        decoys[r] = decoys[r] * np.float64(decoy_sorties[r]) * live
        decoys32[r] = realism[r] * F32(decoys[r])
        k = 0
        for j in def_routes:
            k += route_open[r, j]
        roads[r] = F32(k) * interdiction[r]
    # where they fly: each fly level's weights exp(-risk × cover) × effort and their sums,
    # the loitering munitions' (the effort's)
    effort = np.empty(n, F32)
    x = np.empty(n, F32)
    bits = np.empty(n, np.int32)
    effort_sum = np.zeros(n, F32)
    level_sum = np.zeros((F, n), F32)
    for c in rows:
        for r in range(n):
            e = a_share[c, r] if active[c, r] else zero
            effort[r] = e
            effort_sum[r] += e
        for i in range(F):
            k = fly_levels[i]
            for r in range(n):
                x[r] = -risk[r] * air_cover[k, c, r]
            _exp(x, bits)
            for r in range(n):
                v = x[r] * effort[r]
                w[i, c, r] = v
                level_sum[i, r] += v
    for r in range(n):
        effort_sum[r] = _max(effort_sum[r], TINY32)
        for i in range(F):
            level_sum[i, r] = _max(level_sum[i, r], TINY32)
    # ISR: what was known before the war of the pre-war fortified belt (by the drones)
    for c in range(C):
        for r in range(n):
            isr[c, r] = prewar[r] if watch & (sector_state[c, r] == FORTIFIED) else zero
    # per sector fought over
    down = np.zeros((D, n))                      # share of each type's sorties downed
    ad_lost = np.zeros((2, 2, n))                # (cause, group)
    e_lost = np.zeros((2, E, n))
    cas = np.zeros((2, n))
    road_hits = np.zeros(n)
    strike_share = np.empty(n, F32)
    level_share = np.empty((F, n), F32)
    sorties = np.empty((L, n), F32)
    real = np.empty(n, F32)
    hit = np.empty(n, F32)
    flying = np.empty(n, F32)
    look = np.empty(n, F32)
    strikes = np.empty((2, n), F32)                  # drones' munitions, loitering munitions
    seen = np.empty(n, F32)
    pool = np.empty(n, F32)
    ad_w = np.empty((2, n), F32)
    arty = np.empty(n, F32)
    armour = np.empty(n, F32)
    troops = np.empty(n, F32)
    road = np.empty(n, F32)
    m = np.empty(n, F32)
    for c in rows:
        for r in range(n):
            e = a_share[c, r] if active[c, r] else zero
            effort[r] = e
            strike_share[r] = e / effort_sum[r]
        for i in range(F):
            for r in range(n):
                level_share[i, r] = w[i, c, r] / level_sum[i, r]
        # sorties by altitude level (types in order), the engaged ones (levels in order)
        for k in sortie_levels:
            for r in range(n):
                sorties[k, r] = zero
        for j in range(T):
            k, d = level[j], types[j]
            where = strike_share if loiter_t[j] else level_share[fly_index[k]]
            for r in range(n):
                sorties[k, r] += where[r] * launched32[d, r]
        for r in range(n):
            real[r] = zero
        for k in sortie_levels:
            for r in range(n):
                real[r] += sorties[k, r] * air_cover[k, c, r]
        # air defence engages at most its channels; decoys draw their share of engagements;
        # the chance an engaged real drone is downed
        for r in range(n):
            a0, a1 = ad_share[0, c, r], ad_share[1, c, r]
            chan = a0 * g_chan[0, r] + a1 * g_chan[1, r]
            capacity = chan * per_channel[r] * unsuppressed[r]
            want = real[r] + decoys32[r] * strike_share[r]
            capacity = _min(capacity, want)
            on_real = capacity / want if want > zero else zero
            gun = a0 * g_gun[0, r] + a1 * g_gun[1, r]
            gun = gun / chan if chan > zero else zero
            hit[r] = on_real * ((one - gun) * k_sam[r] + gun * k_gun[r])
            look[r] = zero
            strikes[0, r] = zero
            strikes[1, r] = zero
        # per type: downed, time on station, targets found, strikes
        for j in range(T):
            k, d, hrs = level[j], types[j], hours[j]
            where = strike_share if loiter_t[j] else level_share[fly_index[k]]
            if flies_t[j]:
                for r in range(n):
                    downed = air_cover[k, c, r] * hit[r]
                    down[d, r] += np.float64(where[r] * downed)
                    flying[r] = where[r] * (one - downed) * launched32[d, r]
                    look[r] += flying[r] * hrs
            else:
                for r in range(n):
                    downed = air_cover[k, c, r] * hit[r]
                    flying[r] = where[r] * (one - downed) * launched32[d, r]
                    look[r] += flying[r] * hrs
            f = find_row[j]
            if f >= 0:
                q = 0 if strike_t[j] else 1
                for r in range(n):
                    found = flying[r] * _max(find[f, c, r], isr[c, r])   # isr: what was known
                    strikes[q, r] += found * munitions[r] if q == 0 else found
        # ISR coverage (at least what was known)
        for r in range(n):
            x[r] = -(look[r] * rate[c, r]) / cover_hours[r]
        _exp(x, bits)
        for r in range(n):
            isr[c, r] = _max(one - x[r], isr[c, r])
        # targets, weighted by priority (as they were before today's strikes; loops of a
        # few arrays each: one over many arrays is not vectorised)
        for r in range(n):
            a0, a1 = ad_share[0, c, r], ad_share[1, c, r]
            c0, c1 = a0 * ad_count_g[0, r], a1 * ad_count_g[1, r]
            seen[r] = c0 + c1                     # air-defence systems
            pool[r] = c0 * (one + anti_radiation[r]) + c1    # the emitters counted 1 + ar
            radar = a0 * g_emit[0, r] + a1 * g_emit[1, r]
            ad_w[0, r] = sead[r] * seen[r]
            ad_w[1, r] = sead[r] * (seen[r] + anti_radiation[r] * radar)
        for r in range(n):
            arty[r] = de[2, c, r] + de[3, c, r]
            armour[r] = de[0, c, r] + de[1, c, r]
            troops[r] = dp[c, r] / F32(TROOP_GROUP)
            road[r] = roads[r] * effort[r]
        for q in range(2):                            # strike drones, loitering munitions
            for r in range(n):
                tot = ad_w[q, r] + arty[r] + armour[r] + troops[r]
                road_share = road[r] / (road[r] + tot + TINY)
                road_hits[r] += np.float64(strikes[q, r] * road_share)
                scale = (one - road_share) * strikes[q, r] * pk_hit[r] / (tot + TINY)
                hits = scale * ad_w[q, r]                 # on air defence, by their numbers
                if q == 0:
                    per = hits / seen[r] if seen[r] > zero else zero
                    share0 = _min(per, one)
                    share1 = share0
                else:                       # loitering munitions home on the emitters
                    per = hits / pool[r] if pool[r] > zero else zero
                    share0 = _min(per * (one + anti_radiation[r]), one)
                    share1 = _min(per, one)
                lost = ad_share[0, c, r] * share0
                ad_share[0, c, r] -= lost
                ad_lost[q, 0, r] += np.float64(lost)
                lost = ad_share[1, c, r] * share1
                ad_share[1, c, r] -= lost
                ad_lost[q, 1, r] += np.float64(lost)
                m[r] = _min(scale, one)            # guns and armour: the share of each pool
                killed = _min(dp[c, r], scale * troops[r] * per_troop_strike[r])
                dp[c, r] -= killed
                cas[q, r] += np.float64(killed)
            for y in range(E):
                for r in range(n):
                    k_e = de[y, c, r] * m[r]
                    de[y, c, r] -= k_e
                    e_lost[q, y, r] += np.float64(k_e)
    # per run: losses by cause (air defence by system type), strikes on the roads, airframes
    for q in range(2):
        cause = DRONE if q == 0 else LOITERING
        for r in range(n):
            cas_c[cause, 1, r] += cas[q, r]
        for y in range(E):
            for r in range(n):
                loss_e[cause, 1, y, r] += e_lost[q, y, r]
        for a in range(A):
            g = ad_groups[a]
            for r in range(n):
                loss_ad[cause, a, r] += np.float64(ad0[a, r]) * ad_lost[q, g, r]
    for r in range(n):
        on_routes[r, 0] = road_hits[r] * np.float64(pk_hit[r])
    for r in range(n):
        live = 1.0 if alive[r] else 0.0
        for d in range(D):
            launched = drones[r, d] * launch_rate[r, d] * live
            lost_d = launched * loiter[d]                       # loitering munitions: spent
            lost_d += decoys[r] * decoy[d]                      # decoys: spent (else + 0)
            lost_d += down[d, r] * launched          # the engaged that were hit (else + 0)
            gone = _min(lost_d, drones[r, d])
            drones[r, d] -= gone
            drones_lost[r, d] += gone
            drones[r, d] += resupply[r, d] * live        # loitering munitions resupplied
