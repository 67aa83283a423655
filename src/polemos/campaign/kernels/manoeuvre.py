"""Manoeuvre (:mod:`polemos.campaign.components.manoeuvre`) as compiled passes: the active
sectors (the attacker holds ``frontier_share`` of a neighbour, or has entered the sector: the
same comparisons as numpy, so the same sectors), then, on the sectors fought over in some
run, the logit choice of axes: the same formulas in float32, the defender's power as
:meth:`GroundCombat.defender_power
<polemos.campaign.components.ground_combat.GroundCombat.defender_power>` computes it, the
per-run maximum and sums over sectors in sector order. The logarithm of the costs and the
exponential of the scores are numpy's, on (sectors, runs) arrays between the passes (numpy's
SIMD loops: faster than a compiled scalar call per entry, and numpy's bits). Where a run's
decisiveness is not positive, its sectors carry the numpy path's NaN (0 or −1 × −inf)."""

from __future__ import annotations

import numba as nb
import numpy as np

from polemos.campaign.sectors import BROKEN, F32, front, state_factor

TINY32 = np.finfo(F32).tiny


def step(man, sim, day) -> None:
    """One day of manoeuvre on ``sim``'s state (the component ``man`` holds its tables)."""
    st, p = sim.state, sim.params
    active = np.empty(st.ctrl_c.shape, dtype=bool)
    frontier = np.ascontiguousarray(p["manoeuvre.frontier_share"][:, 0])
    _active(st.ctrl, frontier, man.nbrs, st.ctrl_c, active)
    st.active = active                   # a new array: the front rows are found anew (front)
    dec = p.row("manoeuvre.decisiveness")
    rows = front(st)
    if rows is None or not len(rows) or not (dec > 0).all():
        rows = np.arange(active.shape[0])     # (0 × −inf: every sector carries its NaN)
    gc = sim.defender_power.__self__     # ground combat: the tables of the defender's power
    x = np.empty((len(rows), st.n), dtype=F32)
    _cost(rows, st.ctrl_c, st.dp, st.de, p.row("ground_combat.armour_weight"),
          p.row("ground_combat.artillery_weight"), gc.terrain_def,
          state_factor(sim, "ground_combat.posture", gc.posture), st.sector_power32, man.depth,
          man.adv_terrain, state_factor(sim, "movement.posture_advance", man.adv_posture),
          p.row("manoeuvre.air_defence_cost"), st.ad_cover, x)
    np.log(x, out=x)
    _exponent(rows, active, dec, man.log_gain, p.row("manoeuvre.momentum"), st.gained,
              st.sector_state, x)
    np.exp(x, out=x)
    target = np.zeros(active.shape, dtype=F32)
    _shares(rows, active, man.line, p.row("manoeuvre.pin_share"), x, target)
    st.a_target = target


@nb.njit(cache=True, error_model="numpy")
def _active(ctrl, frontier, nbrs, ctrl_c, active):  # pragma: no cover - compiled
    """``active`` (C, n): the defender still holds part of the sector, and the attacker has
    entered it or holds at least ``frontier`` of a neighbour (``nbrs`` padded with S)."""
    n, S = ctrl.shape
    C, K = nbrs.shape
    one, zero = F32(1.0), F32(0.0)
    held = np.zeros((S + 1, n), dtype=np.bool_)     # held[S]: the padding, never held
    for r in range(n):
        for s in range(S):
            held[s, r] = ctrl[r, s] >= frontier[r]
    for c in range(C):
        for r in range(n):
            active[c, r] = ctrl_c[c, r] > zero
        for k in range(K):
            h = held[nbrs[c, k]]
            for r in range(n):
                active[c, r] |= h[r]
        for r in range(n):
            active[c, r] &= ctrl_c[c, r] < one


@nb.njit(cache=True, error_model="numpy")
def _cost(rows, ctrl, dp, de, w_arm, w_art, terrain_def, posture, supply, depth, adv_terrain,
          adv_posture, ad_cost, ad_cover, x):  # pragma: no cover - compiled
    """``x`` (rows, n): 1 + the cost of each axis (the defender's power × what is left to
    take × depth / advance factors × air-defence cover), on every entry as numpy does."""
    n = x.shape[1]
    one = F32(1.0)
    for i in range(rows.shape[0]):
        c = rows[i]
        for r in range(n):
            equivalents = (dp[c, r] + w_arm[r] * (de[0, c, r] + de[1, c, r])
                           + w_art[r] * (de[2, c, r] + de[3, c, r]))
            cost = equivalents * terrain_def[c, r] * posture[c, r] * supply[c, r]
            cost *= one - ctrl[c, r]
            cost *= depth[c, 0]
            cost /= adv_terrain[c, r] * adv_posture[c, r]
            cost *= one + ad_cost[r] * ad_cover[c, r]
            x[i, r] = cost + one


@nb.njit(cache=True, error_model="numpy")
def _exponent(rows, active, dec, log_gain, momentum, gained, state,
              x):  # pragma: no cover - compiled
    """``x``: from ln(1 + cost) to β × (score − the run's best score), the score −inf where
    the sector is not active (no shift where the best is not finite)."""
    n = x.shape[1]
    one, zero = F32(1.0), F32(0.0)
    top = np.full(n, -np.inf, dtype=np.float32)
    for i in range(rows.shape[0]):
        c = rows[i]
        for r in range(n):
            score = log_gain[c, r] - x[i, r]
            score += momentum[r] * (one if gained[c, r] or state[c, r] == BROKEN else zero)
            score = score if active[c, r] else F32(-np.inf)
            x[i, r] = score
            top[r] = np.maximum(top[r], score)            # numpy's: a NaN wins
    for r in range(n):
        if not np.isfinite(top[r]):
            top[r] = zero
    for i in range(rows.shape[0]):
        for r in range(n):
            x[i, r] = (x[i, r] - top[r]) * dec[r]


@nb.njit(cache=True, error_model="numpy")
def _shares(rows, active, line, pin, w, target):  # pragma: no cover - compiled
    """``target`` on ``rows`` from ``w`` = exp(β × (score − best)) × active: (1 − pin) of
    their shares, pin spread along the active line by its length."""
    n = w.shape[1]
    one, zero = F32(1.0), F32(0.0)
    w_sum = np.zeros(n, dtype=np.float32)
    l_sum = np.zeros(n, dtype=np.float32)
    for i in range(rows.shape[0]):
        c = rows[i]
        for r in range(n):
            a = one if active[c, r] else zero
            w[i, r] *= a
            w_sum[r] += w[i, r]
            l_sum[r] += line[c, 0] * a
    for r in range(n):
        w_sum[r] = np.maximum(w_sum[r], TINY32)
        l_sum[r] = np.maximum(l_sum[r], TINY32)
    for i in range(rows.shape[0]):
        c = rows[i]
        for r in range(n):
            a = one if active[c, r] else zero
            target[c, r] = (one - pin[r]) * (w[i, r] / w_sum[r]) + pin[r] * (
                line[c, 0] * a / l_sum[r])
