"""Front line and force allocation: which sectors are fought over today, and who puts what where.

A defender sector is *active* when the attacker holds at least ``front.frontier_share`` of a
neighbouring sector (or has already entered it) and the defender still holds part of it. The
attacker spreads its effort over active sectors with weights by relief (it concentrates where
the terrain suits its drones and armour: ``front.attacker_weight_foothill``/``_mountain``, plain
= 1) and towards its decisive objective (× exp(−``front.objective_focus`` × links from the
sector to the objective; the objective itself weighs as a plain whatever its relief): [CK]
claims 3 and 9, the southern breakthrough turned north towards Shusha/Shushi); the defender spreads its force evenly over active sectors and shifts
``front.defender_reaction`` of it to follow the attacker's weights. Also marks the sectors where
the attacker is still inside the pre-war fortified belt (depth ``fortified_line_depth_km``).

Shares change only when a sector's status changes, so they are recomputed only for those runs.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.columns import row_sum
from polemos.campaign.component import Component


class Front(Component):
    """Front line and force allocation (active sectors, each side's shares)."""

    name = "front"
    params = ("frontier_share", "attacker_weight_foothill", "attacker_weight_mountain",
              "objective_focus", "defender_reaction")

    def init(self, sim):
        th, p, st = sim.theatre, sim.params, sim.state
        cols = th.cols                     # the (runs, C) arrays of fronts cover these sectors
        self.block = th.col_block
        self.adj_cols = th.adjacency[:, cols].astype(np.float32)   # link counts: exact
        relief = th.relief[None, cols]
        self.weight = np.where(relief == 1, p["front.attacker_weight_foothill"],
                               np.where(relief == 2, p["front.attacker_weight_mountain"], 1.0))
        # the decisive objective itself is pursued whatever its relief
        hops = th.objective_hops[None, cols]
        self.weight = np.where(hops == 0, 1.0, self.weight)
        self.weight = np.asfortranarray(self.weight * np.exp(-p["front.objective_focus"] * hops))
        shape = (st.n, len(cols))
        self.status = np.full(shape, -1, dtype=np.int8, order="F")
        self.belt_km = (sim.bound["fort_depth_km"] / th.depth_km[None, :])[:, cols]  # as share
        f32 = np.float32   # the (runs, C) arithmetic of fronts runs in float32, column-major
        st.active = np.zeros(shape, dtype=bool, order="F")
        st.active_f = np.zeros(shape, dtype=f32, order="F")
        st.a_share = np.zeros(shape, dtype=f32, order="F")
        st.d_share = np.zeros(shape, dtype=f32, order="F")

    def step(self, sim, day):
        st, p = sim.state, sim.params
        frontier = p["front.frontier_share"]
        ctrl_c = np.asfortranarray(st.ctrl[:, self.block])                 # (n, C)
        status = (ctrl_c >= frontier) + np.int8(2) * (ctrl_c > 0) + np.int8(4) * (ctrl_c < 1.0)
        rows = np.flatnonzero((status != self.status).any(axis=1))   # runs whose status changed
        self.status = status
        if len(rows):
            ctrl = ctrl_c[rows]
            held = st.ctrl[rows] >= frontier[rows]                          # (m, S)
            exposed = (held.astype(np.float32) @ self.adj_cols) > 0
            active = (ctrl < 1.0) & (exposed | (ctrl > 0))
            w = self.weight[rows] * active
            tot = row_sum(w)
            a_share = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
            n_act = active.sum(axis=1, keepdims=True)
            even = active / np.maximum(n_act, 1).astype(np.float32)
            react = p["front.defender_reaction"][rows]
            st.active[rows] = active
            st.active_f[rows] = active
            st.a_share[rows] = a_share
            st.d_share[rows] = (1 - react) * even + react * a_share
        # inside the pre-war fortified belt: the attacker has not yet advanced through it
        st.ctrl_c = ctrl_c
        st.belt = (ctrl_c < self.belt_km).astype(np.float32)
