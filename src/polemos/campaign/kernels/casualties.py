"""Casualties (:mod:`polemos.campaign.components.casualties`) compiled: the same formulas as
the component — the day's battle casualties split into killed and wounded, the captured
missing, the totals by cause, the day's losses of equipment and air defence (totals over causes
less the day before's), remnants below ``REMNANT`` zeroed, each side's persons — with sums in
the same order (bit-identical to numpy). The kernel fills the day's series, which
``sim.record_day`` writes; the day's losses by cause are zeroed, and the component's totals of
the day before updated, in place."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.components.casualties import REMNANT
from polemos.campaign.sectors import CAPTURED, CAUSES, F32


def step(cas, sim, day) -> None:
    """Book one day's casualties on ``sim``'s arrays (the component ``cas`` holds the totals of
    equipment and air defence lost up to the day before)."""
    st, p = sim.state, sim.params
    n = st.n
    E, A = st.loss_e.shape[2], st.loss_ad.shape[1]
    killed = np.empty((n, 2), dtype=F32)         # the day's series, run-major as the record
    cause = np.empty((n, len(CAUSES) * 2), dtype=F32)
    equip = np.empty((n, 2 * E), dtype=F32)
    ad = np.empty((n, A), dtype=F32)
    pers = np.empty((n, 2))
    _casualties(st.cas_c, p.row("casualties.killed_share"), st.killed, st.wounded, st.missing,
                st.cas_total, st.loss_e, cas.eq_before, st.loss_ad, cas.ad_before,
                st.dp, st.de, st.ad_share, st.ap, st.dres, killed, cause, equip, ad, pers)
    sim.record_day("killed", day, killed)
    sim.record_day("cause", day, cause)
    sim.record_day("equip", day, equip)
    sim.record_day("ad", day, ad)
    st.pers = pers


@nb.njit(cache=True, error_model="numpy")
def _casualties(cas_c, killed_share, killed, wounded, missing, cas_total, loss_e, eq_before,
                loss_ad, ad_before, dp, de, ad_share, ap, dres, rec_killed, rec_cause,
                rec_equip, rec_ad, pers):  # pragma: no cover - compiled
    K, n = cas_c.shape[0], cas_c.shape[2]
    E, A = loss_e.shape[2], loss_ad.shape[1]
    for s in range(2):
        # battle casualties (every cause but capture): killed, the rest wounded
        for r in range(n):
            battle = cas_c[0, s, r]
            for k in range(1, CAPTURED):
                battle += cas_c[k, s, r]
            dead = battle * killed_share[r]
            killed[r, s] += dead
            wounded[r, s] += battle - dead
            missing[r, s] += cas_c[CAPTURED, s, r]
            rec_killed[r, s] = dead
        for k in range(K):
            for r in range(n):
                rec_cause[r, k * 2 + s] = cas_c[k, s, r]
                cas_total[k, s, r] += cas_c[k, s, r]
                cas_c[k, s, r] = 0.0
        # equipment lost today: the total over causes less the day before's
        for e in range(E):
            for r in range(n):
                eq = loss_e[0, s, e, r]
                for k in range(1, K):
                    eq += loss_e[k, s, e, r]
                rec_equip[r, s * E + e] = eq - eq_before[s, e, r]
                eq_before[s, e, r] = eq
    for a in range(A):
        for r in range(n):
            x = loss_ad[0, a, r]
            for k in range(1, K):
                x += loss_ad[k, a, r]
            rec_ad[r, a] = x - ad_before[a, r]
            ad_before[a, r] = x
    # remnants below a millionth of a person or system are none (subnormal floats are slow)
    _zero_remnants(dp.reshape(-1))
    _zero_remnants(de.reshape(-1))
    _zero_remnants(ad_share.reshape(-1))
    # each side's persons: the attacker's, the defender's in the sectors (summed in sector
    # order) and in reserve
    for r in range(n):
        pers[r, 0] = ap[r]
        pers[r, 1] = 0.0
    for c in range(dp.shape[0]):
        for r in range(n):
            pers[r, 1] += dp[c, r]
    for r in range(n):
        pers[r, 1] += dres[r]


@nb.njit(cache=True, error_model="numpy")
def _zero_remnants(a):  # pragma: no cover - compiled
    small = F32(REMNANT)
    for i in range(a.shape[0]):
        if a[i] < small:
            a[i] = 0
