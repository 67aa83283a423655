"""Front line and force allocation: which sectors are fought over today, and who puts what where.

A defender sector is *active* when the attacker holds at least ``front.frontier_share`` of a
neighbouring sector (or has already entered it) and the defender still holds part of it. The
attacker spreads its effort over active sectors with weights by relief (it concentrates where
the terrain suits its drones and armour: ``front.attacker_weight_foothill``/``_mountain``, plain
= 1); the defender spreads its force evenly over active sectors and shifts
``front.defender_reaction`` of it to follow the attacker's weights.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component


class Front(Component):
    """Front line and force allocation (active sectors, each side's shares)."""

    name = "front"
    params = ("frontier_share", "attacker_weight_foothill", "attacker_weight_mountain",
              "defender_reaction")

    def init(self, sim):
        th, p = sim.theatre, sim.params
        self.contestable = th.contestable[None, :]
        relief = th.relief[None, :]
        self.weight = np.where(relief == 1, p["front.attacker_weight_foothill"],
                               np.where(relief == 2, p["front.attacker_weight_mountain"], 1.0))

    def step(self, sim, day):
        st, p, th = sim.state, sim.params, sim.theatre
        held = (st.ctrl >= p["front.frontier_share"]).astype(float)
        exposed = (held @ th.adjacency) > 0
        active = self.contestable & (st.ctrl < 1.0) & (exposed | (st.ctrl > 0))
        w = self.weight * active
        tot = w.sum(axis=1, keepdims=True)
        a_share = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
        n_act = active.sum(axis=1, keepdims=True)
        even = np.divide(active.astype(float), n_act, out=np.zeros_like(w), where=n_act > 0)
        react = p["front.defender_reaction"]
        st.active = active
        st.a_share = a_share
        st.d_share = (1 - react) * even + react * a_share
        # inside the pre-war fortified belt: the attacker has not yet advanced through it
        st.belt = (st.ctrl * th.depth_km[None, :] < sim.bound["fort_depth_km"]).astype(float)
