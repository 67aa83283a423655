"""Fires: tube and rocket artillery on the sectors being fought over.

Casualties inflicted per day on a sector = guns there (tubes + ``fires.rocket_weight`` ×
rocket launchers: the attacker's committed share on that axis, the defender's in the sector) ×
``fires.casualties_per_tube_day`` × the firer's supply^e × the target's QJM vulnerability
(the defender's posture; the attacker attacks in the open, 1). The attacker's fire on a sector
is multiplied by (1 + ``fires.isr_bonus`` × ISR coverage of that sector): rocket artillery
fired on what drones see ([CK] claim 2: drone strikes coordinated with rocket launchers); that
part of its effect, b/(1 + b) with b = bonus × coverage, is booked as "artillery directed by
drones", the rest as "artillery".
Equipment in the sector is lost at the personnel rate × ``fires.equipment_loss_ratio`` of its
category's ground-combat loss ratio (shell fire hits soft vehicles and guns less than a
tank battle does). Counter-air-defence fire: ``fires.counter_ad_share`` of the attacker's
rocket launchers on an axis fire at the air defence ISR has found there, destroying
``fires.ad_kills_per_launcher_day`` × ISR coverage systems per launcher-day (rockets and
loitering munitions against the same targets: Babayan, claim: half the air defence and 40% of
the artillery out in the opening minutes). Causes: artillery, and artillery directed by drones
(all counter-air-defence fire: its targets are found by ISR). Day-to-day log-normal variation ``fires.daily_sigma``.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.components.ground_combat import attacker_on_axes, equipment_loss_ratios
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import (
    ARTILLERY,
    ARTILLERY_DIRECTED,
    by_state,
    front,
    lose_air_defence,
    posture_names,
    put_rows,
    ratio,
    rows_of,
    state_factor,
    take_losses,
    total,
)


class Fires(Component):
    """Artillery and rockets on each active sector; the attacker's guided by drone ISR."""

    name = "fires"
    params = tuple(f"fires.{k}" for k in (
        "rocket_weight", "casualties_per_tube_day", "isr_bonus", "daily_sigma",
        "equipment_loss_ratio", "counter_ad_share", "ad_kills_per_launcher_day")) + (
        "ground_combat.committed_share", "ground_combat.armour_loss_ratio",
        "ground_combat.artillery_loss_ratio") + posture_names("ground_combat.vulnerability")

    def init(self, sim):
        self.vul = by_state(sim, "ground_combat.vulnerability")
        p = sim.params
        self.loss_ratio = p.row("fires.equipment_loss_ratio") * equipment_loss_ratios(p)  # (E,1,n)

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        # on the sectors fought over somewhere today (elsewhere nobody fires: nothing is lost)
        rows = front(st)
        act = (rows_of(st.active, rows) & st.alive).astype(np.float32)   # 0/1, used thrice
        w, rate = p.row("fires.rocket_weight"), p.row("fires.casualties_per_tube_day")
        noise = sim.streams.lognormal_factor("fires", day, p["fires.daily_sigma"], 2).T.astype(
            np.float32)                                                          # (2, n)
        a_pers, a_eq = attacker_on_axes(sim, rows)
        isr = rows_of(st.isr, rows)
        # counter-air-defence fire: a share of the rockets on what ISR has found
        ads, n_g = rows_of(st.ad_share, rows), st.ad_count_g
        count = ads[0] * n_g[0]                                              # systems there
        count += ads[1] * n_g[1]
        sead = p.row("fires.counter_ad_share") * (count > 0)   # only where there is some
        a_guns = np.subtract(1, sead)
        a_guns *= w
        a_guns *= a_eq[3]
        a_guns += a_eq[2]                                                       # (C, n)
        shots = a_eq[3] * sead
        shots *= p.row("fires.ad_kills_per_launcher_day")
        shots *= isr
        shots *= act
        f = ratio(shots, count)
        np.minimum(f, 1, out=f)
        lose_air_defence(st, f, ARTILLERY_DIRECTED, ad_share=ads)     # found by ISR
        put_rows(st.ad_share, rows, ads)
        dp, de = rows_of(st.dp, rows), rows_of(st.de, rows)
        d_guns = w * de[3]
        d_guns += de[2]
        spotted = p.row("fires.isr_bonus") * isr
        directed = 1 + spotted
        np.divide(spotted, directed, out=directed)  # the part of the fire owed to drones' ISR
        to_d = a_guns * rate                    # a_guns no longer needed: to_d in its place
        to_d *= st.supply_power[:, 0].astype(np.float32)
        to_d *= noise[1]
        spotted += 1
        to_d *= spotted
        to_d *= rows_of(state_factor(sim, "ground_combat.vulnerability", self.vul), rows)
        to_d *= act
        r_d = ratio(to_d, dp)
        to_a = d_guns * rate
        to_a *= rows_of(st.sector_power32, rows)
        to_a *= noise[0]
        to_a *= act
        d_loss = take_losses(dp, to_d)
        by_drones = d_loss * directed
        st.cas_c[ARTILLERY_DIRECTED, 1] += total(by_drones)
        d_loss -= by_drones
        st.cas_c[ARTILLERY, 1] += total(d_loss)
        a_loss = np.minimum(total(to_a), st.ap)
        st.ap -= a_loss
        st.cas_c[ARTILLERY, 0] += a_loss
        np.minimum(r_d, 1, out=r_d)
        lost = r_d * self.loss_ratio
        lost *= de
        lost = take_losses(de, lost)
        lost_directed = lost * directed
        st.loss_e[ARTILLERY_DIRECTED, 1] += lost_directed.sum(axis=1, dtype=float)
        lost -= lost_directed
        st.loss_e[ARTILLERY, 1] += lost.sum(axis=1, dtype=float)
        put_rows(st.dp, rows, dp)
        put_rows(st.de, rows, de)
        r_a = ratio(to_a, a_pers)
        np.minimum(r_a, 1, out=r_a)
        a_lost = r_a * self.loss_ratio
        a_lost *= a_eq
        a_lost = np.minimum(a_lost.sum(axis=1, dtype=float), st.ae)
        st.ae -= a_lost
        st.loss_e[ARTILLERY, 0] += a_lost
