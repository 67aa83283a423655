"""Air defence and its suppression: the defender's systems engage the attacker's drones.

Drone sorties downed per day = Σ_systems alive × ``air_defence.kill_rate`` (sorties downed per
effective system per day) × share of engagements on real drones (decoys such as An-2 drones
draw fire: real / (real + ``air_defence.decoy_realism`` × decoy sorties)) × (1 − the
attacker's electronic suppression ``air_defence.attacker_ew_suppression`` when it fields EW).
Radars and dummy launchers shoot nothing. Decoy drones are one-way and are spent on their
sortie (``air_defence.decoy_sorties_per_day``, share of the decoy fleet per day).
Sources: [CK] claim 2 (obsolete Soviet air defence lost early, decoys); CACI Analyst.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.columns import row_sum
from polemos.campaign.component import Component
from polemos.campaign.theatre import AD_CLASSES

SHOOTING = np.array([c not in ("radar", "decoy") for c in AD_CLASSES])


class AirDefence(Component):
    """Air defence engages drones; decoys draw fire; EW suppresses it."""

    name = "air_defence"
    params = ("kill_rate", "decoy_realism", "attacker_ew_suppression", "decoy_sorties_per_day",
              "daily_sigma")

    def init(self, sim):
        th = sim.theatre
        self.shooting = SHOOTING[th.ad_class].astype(float) if len(th.ad_class) else np.zeros(0)
        self.decoy = np.array([r == "decoy" for r in th.drone_role], dtype=float)
        self.real = 1.0 - self.decoy
        self.att_ew = (sim.bound["ew_count"][:, 0:1] > 0).astype(float)

    def step(self, sim, day):
        st, p = sim.state, sim.params
        live = st.alive[:, None]
        # row-major copies for the dot products: their bits depend on the layout
        shooters = (np.ascontiguousarray(st.ad) @ self.shooting)[:, None] if len(
            self.shooting) else np.zeros((st.n, 1))
        decoy_sorties = (np.ascontiguousarray(st.drones) @ self.decoy)[:, None] * p[
            "air_defence.decoy_sorties_per_day"]
        sorties = st.drones * self.real * sim.sorties_per_day          # (n, D)
        real = row_sum(sorties)
        real_share = np.divide(real, real + p["air_defence.decoy_realism"] * decoy_sorties,
                               out=np.ones_like(real), where=real > 0)
        supp = 1.0 - p["air_defence.attacker_ew_suppression"] * self.att_ew
        noise = sim.streams.lognormal_factor("air_defence", day, p["air_defence.daily_sigma"])
        downed = shooters * p["air_defence.kill_rate"] * real_share * supp * noise * live
        share = np.divide(sorties, real, out=np.zeros_like(sorties), where=real > 0)
        lost = np.minimum(downed * share, st.drones * self.real)
        spent = np.minimum(st.drones * self.decoy,
                           np.multiply(decoy_sorties, self.decoy, order="F")) * live
        st.drones -= lost + spent
        st.drones_lost += lost + spent
        st.decoy_sorties = decoy_sorties * live
