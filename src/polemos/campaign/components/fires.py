"""Fires: tube and rocket artillery against troops in the sectors being fought over.

Casualties inflicted per day by a side = (tubes + ``fires.rocket_weight`` × rocket launchers)
× ``fires.casualties_per_tube_day`` × supply^``logistics.supply_elasticity`` × the target's
vulnerability (Dupuy's QJM posture vulnerability factors, ``ground_combat.vulnerability_*``).
The attacker's fire is multiplied by (1 + ``fires.isr_bonus`` × ISR coverage): rocket artillery
fired on what drones see ([CK] claim 2: drone strikes coordinated with rocket launchers).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.columns import row_sum
from polemos.campaign.component import Component


class Fires(Component):
    """Artillery and rocket launchers against troops."""

    name = "fires"
    params = ("rocket_weight", "casualties_per_tube_day", "isr_bonus", "daily_sigma")

    def step(self, sim, day):
        st, p = sim.state, sim.params
        live = st.alive[:, None]
        any_active = st.active.any(axis=1, keepdims=True)
        guns = np.multiply(p["fires.rocket_weight"], st.equip[:, :, 3], order="F")
        guns += st.equip[:, :, 2]                                        # tubes + w × rockets
        rate = p["fires.casualties_per_tube_day"] * guns * st.supply_power
        vul = sim.vulnerability(sim)                                   # (n, S) defender
        def_vul = row_sum(vul * st.a_share)
        noise = sim.streams.lognormal_factor("fires", day, p["fires.daily_sigma"], 2)
        to_def = rate[:, 0:1] * (1 + p["fires.isr_bonus"] * st.isr_cov) * def_vul
        to_att = rate[:, 1:2] * row_sum(st.sector_power * st.d_share)
        st.cas_today += np.concatenate([to_att, to_def], axis=1, out=np.empty((st.n, 2),
                                       order="F")) * noise * any_active * live
