"""Deployment's daily step (:mod:`polemos.campaign.components.deployment`) as one compiled
pass: the same formulas, dtypes and order of operations as numpy — the attacker's shares
move towards the chosen axes at the regroup rate, no faster than its lift; the defender
commits reserves (persons and equipment) to the sectors fought over in proportion to the
attacker's effort there, no faster than its lift — the per-run sums over sectors in sector
order. The state's arrays are changed in place."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.sectors import F32, front_rows

TINY32 = np.finfo(F32).tiny


def step(dep, sim, day) -> None:
    """One day of regrouping and reserves on ``sim``'s state."""
    st, p = sim.state, sim.params
    rows = front_rows(st)
    _deployment(rows, st.alive, p.row("ground_combat.committed_share"), st.ap,
                p.row("deployment.attacker_regroup_rate"),
                p.row("deployment.reserve_commit_rate"), st.lift, st.active, st.a_target,
                st.a_share, st.dres, st.dres_e, st.dp, st.de, st.dp_peak)


@nb.njit(cache=True, error_model="numpy")
def _deployment(rows, alive, committed_share, ap, regroup_rate, commit_rate, lift, active,
                a_target, a_share, dres, dres_e, dp, de, dp_peak):  # pragma: no cover
    C, n = a_share.shape
    E = de.shape[0]
    # each run's distance from its target shares (float32, summed in sector order) and
    # whether it fights anywhere
    gap_sum = np.zeros(n, dtype=np.float32)
    fights = np.zeros(n, dtype=np.bool_)
    for c in range(C):
        for r in range(n):
            gap_sum[r] += abs(a_target[c, r] - a_share[c, r])
            fights[r] |= active[c, r]
    step32 = np.empty(n, dtype=np.float32)     # the share of the gap closed today
    moved = np.empty(n)                        # reserve persons committed today
    frac = np.empty(n)                         # ... as a share of the reserve
    for r in range(n):
        live = 1.0 if alive[r] else 0.0
        rate = np.float64(regroup_rate[r])
        need = np.float64(gap_sum[r] * np.float32(0.5)) * (
            np.float64(committed_share[r]) * ap[r])              # persons moved
        lift_share = lift[r, 0] / (rate * need) if rate * need > 0 else 1.0
        rate *= np.minimum(1.0, lift_share)
        step32[r] = np.float32(rate * live)
        m = np.minimum(np.float64(commit_rate[r]) * dres[r], lift[r, 1])
        m *= live * (1.0 if fights[r] else 0.0)
        moved[r] = m
        frac[r] = m / dres[r] if dres[r] > 0 else 0.0
    for c in range(C):
        for r in range(n):
            a_share[c, r] += (a_target[c, r] - a_share[c, r]) * step32[r]
    # the reserve goes where the attack falls (the sectors fought over in some run)
    total = np.zeros(n, dtype=np.float32)
    for c in rows:
        for r in range(n):
            total[r] += a_share[c, r] * (np.float32(1.0) if active[c, r] else np.float32(0.0))
    for r in range(n):
        total[r] = np.maximum(total[r], TINY32)
    moved32 = moved.astype(np.float32)
    sent32 = np.empty((E, n), dtype=np.float32)
    for e in range(E):
        for r in range(n):
            sent32[e, r] = np.float32(dres_e[e, r] * frac[r])
    for c in rows:
        for r in range(n):
            where = a_share[c, r] * (np.float32(1.0) if active[c, r] else np.float32(0.0))
            where /= total[r]
            dp[c, r] += where * moved32[r]
            for e in range(E):
                de[e, c, r] += where * sent32[e, r]
    for r in range(n):
        dres[r] -= moved[r]
        for e in range(E):
            dres_e[e, r] *= 1.0 - frac[r]
    for c in range(C):
        for r in range(n):
            dp_peak[c, r] = np.maximum(dp_peak[c, r], dp[c, r])
