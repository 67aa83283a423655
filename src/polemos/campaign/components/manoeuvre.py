"""Manoeuvre: which sectors are fought over today, and where the attacker puts its weight.

A defender sector is *active* when the attacker holds at least ``manoeuvre.frontier_share`` of
a neighbouring sector (or has entered it) and the defender still holds part of it.

The attacker chooses its axes by expected gain against expected cost (a discrete-choice, or
logit, rule over the active sectors):

    gain_s  = area_s + Σ_o value_o × δ^links(s, o)                           (km²)
    cost_s  = P_D,s × (1 − control_s) × depth_s / (advance terrain × posture advance)_s
              × (1 + ``manoeuvre.air_defence_cost`` × air-defence cover_s)   (power × days)
    score_s = ln gain_s − ln cost_s + ``manoeuvre.momentum`` × [defence broken or gave ground]
    target_s ∝ exp(β × score_s)   (β = ``manoeuvre.decisiveness``)

blended with ``manoeuvre.pin_share`` spread along the whole active line by its length (the
attacker keeps contact everywhere, [CK]: fighting along the whole line of contact). The value
of objectives (``value_km2`` in the scenario: the decisive objective, the capital, the road)
reaches a sector through the links, discounted by δ = ``manoeuvre.objective_discount`` per
link: a sector is worth what it is and what it opens. The cost side — thin defences, flat
ground without a fortified belt, no air-defence cover — is what makes the choice, not graph
distance. The defender reads the attacker's effort and commits its reserve there
(deployment). Sources: expected-utility axis choice as in Epstein (1985) and Kress's
attrition-manoeuvre models; [CK] claims 3, 8, 9.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.components.movement import ADVANCE_PARAMS, advance_terrain
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import (
    BROKEN,
    F32,
    TINY,
    by_state,
    fill_where,
    front,
    posture_names,
    rows_of,
    share_of,
    state_factor,
)


class Manoeuvre(Component):
    """Active sectors; the attacker's axes by expected gain and cost (logit choice)."""

    name = "manoeuvre"
    params = tuple(f"manoeuvre.{k}" for k in (
        "frontier_share", "decisiveness", "objective_discount", "momentum", "pin_share",
        "air_defence_cost")) + ADVANCE_PARAMS + posture_names("movement.posture_advance") + (
        "ground_combat.armour_weight", "ground_combat.artillery_weight")

    def init(self, sim):
        th, p, st = sim.theatre, sim.params, sim.state
        cols = th.cols
        n, C = st.n, len(cols)
        # each contestable sector's neighbours, padded with index S: an extra row of the
        # "held" array that is always False
        nbrs = [np.flatnonzero(th.adjacency[c]) for c in cols]
        width = max(len(x) for x in nbrs)
        self.nbrs = np.array([np.pad(x, (0, width - len(x)), constant_values=th.n_sectors)
                              for x in nbrs])                                  # (C, K)
        delta = p.row("manoeuvre.objective_discount")
        gain = np.broadcast_to(th.area_km2[cols, None].astype(F32), (C, n)).copy()
        for o in range(len(th.objective_ids)):
            hops = th.objective_hops[o, cols]
            gain += sim.bound["objective_value_km2"][:, o].astype(F32) * delta ** hops[:, None]
        self.log_gain = np.log(gain + TINY)
        self.adv_terrain = advance_terrain(sim)
        self.adv_posture = by_state(sim, "movement.posture_advance")
        self.depth = th.depth_km[cols, None].astype(F32)
        self.line = th.front_km[cols, None].astype(F32) + F32(1)
        st.active = np.zeros((C, n), dtype=bool)
        st.a_target = np.zeros((C, n), dtype=F32)
        st.sector_state = np.zeros((C, n), dtype=np.int8)
        st.gained = np.zeros((C, n), dtype=bool)
        st.ad_cover = np.zeros((C, n), dtype=F32)
        st.ctrl_c = np.ascontiguousarray(st.ctrl[:, cols].T, dtype=F32)

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        ctrl = st.ctrl_c                                                      # (C, n)
        held = np.zeros((st.ctrl.shape[1] + 1, st.n), dtype=bool)              # (S + 1, n)
        held[:-1] = (st.ctrl >= p["manoeuvre.frontier_share"]).T
        exposed = held[self.nbrs].any(axis=1)                                  # (C, n)
        active = (ctrl < 1.0) & (exposed | (ctrl > 0))
        st.active = active
        # scores on the sectors active in some run (elsewhere no weight: a score of −inf)
        dec = p.row("manoeuvre.decisiveness")
        rows = front(st)
        if rows is not None and (not len(rows) or not (dec > 0).all()):
            rows = None                  # (0 × −inf: let every sector carry its NaN, as before)
        act = rows_of(active, rows)
        ctrl = rows_of(ctrl, rows)
        cost = sim.defender_power(sim, rows)
        cost *= 1 - ctrl
        cost *= rows_of(self.depth, rows)
        cost /= rows_of(self.adv_terrain, rows) * rows_of(
            state_factor(sim, "movement.posture_advance", self.adv_posture), rows)
        cost *= 1 + p.row("manoeuvre.air_defence_cost") * rows_of(st.ad_cover, rows)
        cost += F32(1)
        score = rows_of(self.log_gain, rows) - np.log(cost, out=cost)
        score += p.row("manoeuvre.momentum") * (rows_of(st.gained, rows) | (
            rows_of(st.sector_state, rows) == BROKEN))
        fill_where(score, ~act, -np.inf)
        top = score.max(axis=0)
        score -= np.where(np.isfinite(top), top, F32(0))
        score *= dec
        w = np.exp(score, out=score)
        w *= act
        line = share_of(rows_of(self.line, rows) * act)
        pin = p.row("manoeuvre.pin_share")
        target = (1 - pin) * share_of(w)
        target += pin * line
        if rows is None:
            st.a_target = target
        else:
            st.a_target = np.zeros(active.shape, dtype=target.dtype)
            st.a_target[rows] = target
