"""Ground combat (:mod:`polemos.campaign.components.ground_combat`) compiled, sector by sector:
the same formulas as its plain functions (``personnel_equivalents``, ``attacker_strength``,
``defender_strength``, ``power_ratio``, ``casualty_rates``), per sector and run — the power
ratio everywhere, its log and the losses where a run still fights — the per-run sums over
sectors added in sector order. R^−κ is taken as 1 / R^κ (one power per sector and run instead
of two: equal to float32 rounding). The component draws the day's noise and picks the posture
factors; this kernel does the rest, changes the state's arrays in place and sets
``power_ratio`` and ``log_ratio`` anew."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from polemos.campaign.sectors import DIRECT_FIRE, F32, TINY, state_factor


def step(gc, sim, day) -> None:
    """One day of ground combat on ``sim``'s arrays (the component ``gc`` holds its tables)."""
    st, p = sim.state, sim.params
    C = st.active.shape[0]
    noise = sim.streams.noise_factor("ground_combat", day, gc.sigma, C).T       # (C, n)
    posture = state_factor(sim, "ground_combat.posture", gc.posture)
    vul = state_factor(sim, "ground_combat.vulnerability", gc.vul)
    ratio = np.empty(st.active.shape, dtype=F32)
    log_ratio = np.empty(st.active.shape, dtype=F32)
    _ground_combat(st.active, st.alive, st.a_share, p.row("ground_combat.committed_share"),
                   st.ap, st.ae, st.isr, st.supply_power, p.row("ground_combat.air_superiority"),
                   st.dp, st.de, gc.terrain_def, posture, st.sector_power32,
                   p.row("ground_combat.armour_weight"), p.row("ground_combat.artillery_weight"),
                   gc.base_cas, noise, p.row("ground_combat.attacker_rate_ratio"),
                   p.row("ground_combat.ratio_exponent"), vul,
                   p.row("ground_combat.max_daily_loss"), gc.equip_ratio,
                   st.cas_c, st.loss_e, ratio, log_ratio)
    st.power_ratio = ratio
    st.log_ratio = log_ratio


@nb.njit(cache=True, error_model="numpy")   # x / 0 as numpy (no check: the loop vectorises)
def _ground_combat(active, alive, a_share, committed_share, ap, ae, isr, supply_power, air,
                   dp, de, terrain, posture, supply_d, w_arm, w_art, base_cas, noise,
                   attacker_rate_ratio, exponent, vul, cap, equip_ratio, cas_c, loss_e,
                   ratio_out, log_out):  # pragma: no cover - compiled
    C, n, E = active.shape[0], active.shape[1], de.shape[0]
    one = F32(1.0)
    zero = F32(0.0)
    tiny = F32(TINY)
    ap32 = np.empty(n, dtype=F32)
    ae32 = np.empty((E, n), dtype=F32)
    supply_a = np.empty(n, dtype=F32)
    for r in range(n):
        ap32[r] = ap[r]
        supply_a[r] = supply_power[r, 0]
        for e in range(E):
            ae32[e, r] = ae[e, r]
    committed = np.empty(n, dtype=F32)      # one sector's row at a time
    rd = np.empty(n, dtype=F32)
    ra = np.empty(n, dtype=F32)
    d_sum = np.zeros(n)
    a_sum = np.zeros(n)
    de_sum = np.zeros((E, n))
    ae_sum = np.zeros((E, n))
    for c in range(C):
        # the power ratio R = (P_A + tiny) / (P_D + tiny) in every run
        for r in range(n):
            # P_D = personnel-equivalents × terrain × posture × supply^e
            eqv_d = (dp[c, r] + w_arm[r] * (de[0, c, r] + de[1, c, r])
                     + w_art[r] * (de[2, c, r] + de[3, c, r]))
            pd = eqv_d * terrain[c, r] * posture[c, r] * supply_d[c, r]
            # P_A = the committed share's personnel-equivalents × supply^e × air factor
            com = committed_share[r] * a_share[c, r] if active[c, r] else zero
            eqv_a = (com * ap32[r] + w_arm[r] * (ae32[0, r] * com + ae32[1, r] * com)
                     + w_art[r] * (ae32[2, r] * com + ae32[3, r] * com))
            pa = eqv_a * supply_a[r] * (one + (air[r] - one) * isr[c, r])
            ratio_out[c, r] = (pa + tiny) / (pd + tiny)
            committed[r] = com
        # the casualty rates where a run still fights here, 0 elsewhere
        fought = False
        for r in range(n):
            ratio = ratio_out[c, r]
            if not (active[c, r] and alive[r]):
                log_out[c, r] = F32(-0.0) if ratio < one else zero    # log R × 0, its sign
                rd[r] = zero
                ra[r] = zero
                continue
            fought = True
            log_out[c, r] = math.log(ratio)
            # r_D = r0 R^κ vulnerability, r_A = r0 ρ R^−κ (r0: base × terrain × noise), capped
            r0 = base_cas[c, r] * noise[c, r]
            rk = ratio ** exponent[r]
            rd[r] = min(r0 * rk * vul[c, r], cap[r])
            ra[r] = min(r0 * attacker_rate_ratio[r] / rk, cap[r])
        if not fought:
            continue
        # persons, then vehicles and guns at the personnel rate × their loss ratios
        for r in range(n):
            lost = min(rd[r] * dp[c, r], dp[c, r])
            dp[c, r] -= lost
            d_sum[r] += lost
            a_sum[r] += ra[r] * (committed[r] * ap32[r])
        for e in range(E):
            for r in range(n):
                lost = min(rd[r] * equip_ratio[e, 0, r] * de[e, c, r], de[e, c, r])
                de[e, c, r] -= lost
                de_sum[e, r] += lost
                ae_sum[e, r] += ra[r] * equip_ratio[e, 0, r] * (ae32[e, r] * committed[r])
    for r in range(n):
        a_loss = min(a_sum[r], ap[r])
        ap[r] -= a_loss
        cas_c[DIRECT_FIRE, 1, r] += d_sum[r]
        cas_c[DIRECT_FIRE, 0, r] += a_loss
        for e in range(E):
            loss_e[DIRECT_FIRE, 1, e, r] += de_sum[e, r]
            x = min(ae_sum[e, r], ae[e, r])
            ae[e, r] -= x
            loss_e[DIRECT_FIRE, 0, e, r] += x
