"""Fires (:mod:`polemos.campaign.components.fires`) as one compiled pass over the sectors
fought over: the same formulas, per sector and run, the per-run sums over sectors added in
sector order. The component draws the day's noise and picks the posture factors; this kernel
does the rest and changes the state's arrays in place."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.sectors import ARTILLERY, ARTILLERY_DIRECTED, F32, front_rows, state_factor


def step(fires, sim, day) -> None:
    """One day of fires on ``sim``'s arrays (the component ``fires`` holds its tables)."""
    st, p = sim.state, sim.params
    rows = front_rows(st)
    noise = sim.streams.lognormal_factor("fires", day, p["fires.daily_sigma"], 2).T.astype(F32)
    vul = state_factor(sim, "ground_combat.vulnerability", fires.vul)
    ad_lost = np.zeros((2, st.n))
    _fires(rows, st.active, st.alive, st.a_share, p.row("ground_combat.committed_share"),
           st.ap.astype(F32), st.ae.astype(F32), st.isr, st.ad_share, st.ad_count_g, st.dp, st.de,
           vul, st.supply_power[:, 0].astype(F32), st.sector_power32, noise,
           p.row("fires.rocket_weight"), p.row("fires.casualties_per_tube_day"),
           p.row("fires.isr_bonus"), p.row("fires.counter_ad_share"),
           p.row("fires.ad_kills_per_launcher_day"), fires.loss_ratio,
           st.cas_c, st.loss_e, ad_lost, st.ap, st.ae)
    st.loss_ad[ARTILLERY_DIRECTED] += st.ad0 * ad_lost.take(st.ad_groups, axis=0)


@nb.njit(cache=True, error_model="numpy")
def _fires(rows, active, alive, a_share, committed_share, ap32, ae32, isr, ad_share, n_g, dp,
           de, vul, supply0, power_d, noise, w, rate, bonus, sead_share, ad_kills, loss_ratio,
           cas_c, loss_e, ad_lost, ap, ae):  # pragma: no cover - compiled
    n, E = alive.shape[0], de.shape[0]
    one = F32(1.0)
    zero = F32(0.0)
    d_directed = np.zeros(n)
    d_art = np.zeros(n)
    to_a_sum = np.zeros(n)
    e_directed = np.zeros((E, n))
    e_art = np.zeros((E, n))
    a_lost = np.zeros((E, n))
    for c in rows:
        for r in range(n):
            if not (active[c, r] and alive[r]):
                continue                  # nobody fires here: nothing is lost
            committed = committed_share[r] * a_share[c, r]
            a_pers = committed * ap32[r]
            count = ad_share[0, c, r] * n_g[0, r] + ad_share[1, c, r] * n_g[1, r]
            sead = sead_share[r] if count > zero else zero
            a_guns = (one - sead) * w[r] * (ae32[3, r] * committed) + ae32[2, r] * committed
            # counter-air-defence fire on what ISR has found
            if count > zero:
                shots = ae32[3, r] * committed * sead * ad_kills[r] * isr[c, r]
                f = min(shots / count, one)
                for g in range(2):
                    lost = ad_share[g, c, r] * f
                    ad_share[g, c, r] -= lost
                    ad_lost[g, r] += lost
            d_guns = w[r] * de[3, c, r] + de[2, c, r]
            spotted = bonus[r] * isr[c, r]
            directed = spotted / (one + spotted)
            to_d = a_guns * rate[r] * supply0[r] * noise[1, r] * (spotted + one) * vul[c, r]
            r_d = to_d / dp[c, r] if dp[c, r] > zero else zero
            to_a_sum[r] += d_guns * rate[r] * power_d[c, r] * noise[0, r]
            d_loss = min(to_d, dp[c, r])
            dp[c, r] -= d_loss
            by_drones = d_loss * directed
            d_directed[r] += by_drones
            d_art[r] += d_loss - by_drones
            r_d = min(r_d, one)
            for e in range(E):
                lost = min(r_d * loss_ratio[e, 0, r] * de[e, c, r], de[e, c, r])
                de[e, c, r] -= lost
                lost_directed = lost * directed
                e_directed[e, r] += lost_directed
                e_art[e, r] += lost - lost_directed
            to_a = d_guns * rate[r] * power_d[c, r] * noise[0, r]
            r_a = min(to_a / a_pers, one) if a_pers > zero else zero
            for e in range(E):
                a_lost[e, r] += r_a * loss_ratio[e, 0, r] * (ae32[e, r] * committed)
    for r in range(n):
        cas_c[ARTILLERY_DIRECTED, 1, r] += d_directed[r]
        cas_c[ARTILLERY, 1, r] += d_art[r]
        lost = min(to_a_sum[r], ap[r])
        ap[r] -= lost
        cas_c[ARTILLERY, 0, r] += lost
        for e in range(E):
            loss_e[ARTILLERY_DIRECTED, 1, e, r] += e_directed[e, r]
            loss_e[ARTILLERY, 1, e, r] += e_art[e, r]
            x = min(a_lost[e, r], ae[e, r])
            ae[e, r] -= x
            loss_e[ARTILLERY, 0, e, r] += x
