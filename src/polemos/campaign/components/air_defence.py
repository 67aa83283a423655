"""Air defence by sector: which drones each system can reach, and how much airspace it covers.

Each defender system type k has an engagement envelope (scenario data: ceiling, slant range,
channels). It can engage drone type d when its ceiling reaches the drone's working altitude
(a ZU-23 gun or a Strela-10 does not reach a TB2 at ~5.5 km; an Osa, Tor, Buk or S-300 does;
loitering munitions dive to their targets and are in every shooter's reach). The airspace of
sector s is covered against drone type d as a Poisson field of envelopes:

    λ_{d,s} = Σ_k reach_{k,d} × systems_{k,s} × min(1, π r_k² / area_s) × (1 − suppression)
    cover_{d,s} = 1 − exp(−λ_{d,s})

the chance that a point of the sector lies inside at least one working envelope. The
attacker's electronic warfare suppresses air defence continuously, ``air_defence.ew_max`` ×
(1 − exp(−EW systems / ``air_defence.ew_scale``)); so does the An-2 decoy fleet
(``air_defence.decoy_sorties_per_day`` of it flies each day, spent), whose sorties soak up
engagements (drones read it in their engagement step). A sector's airspace is *permissive*
(cover < 1/3), *contested* or *denied* (cover ≥ 2/3) for the attacker's strike drones; drones
avoid covered airspace (drones). Sources: envelopes in the scenario (manufacturers' and
press figures); [CK] claim 2; Babayan (claim: half the air defence out in the first minutes).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.theatre import AD_CLASSES

AIRSPACE = ("permissive", "contested", "denied")


class AirDefence(Component):
    """Envelopes by system: reach by drone altitude, Poisson cover of each sector's airspace."""

    name = "air_defence"
    params = ("ew_max", "ew_scale", "decoy_sorties_per_day")

    def init(self, sim):
        th, p = sim.theatre, sim.params
        shooting = np.array([AD_CLASSES[c] not in ("radar", "decoy") for c in th.ad_class],
                            dtype=bool)
        alt = th.drone_altitude_km.copy()
        alt[np.array([r == "loitering" for r in th.drone_role], dtype=bool)] = 0.0  # terminal dive
        b = sim.bound
        ceiling, rng = b["ad_ceiling_km"].T, b["ad_range_km"].T                   # (A, n)
        self.reach = ((ceiling[:, None, :] >= alt[None, :, None]) & shooting[:, None, None]
                      & (rng[:, None, :] > 0)).astype(float)                     # (A, D, n)
        area = th.area_km2[th.cols]
        self.share = np.minimum(1.0, np.pi * rng[:, None, :] ** 2 / area[None, :, None])
        ew = sim.bound["ew_count"][:, 0]
        self.suppressed = p.row("air_defence.ew_max") * (
            1 - np.exp(-ew / p.row("air_defence.ew_scale")))                     # (n,)
        self.shooting = shooting.astype(float)
        strike = np.flatnonzero([r == "strike" for r in th.drone_role])
        self.strike = strike if len(strike) else np.arange(min(1, len(th.drone_ids)))
        sim.state.air_cover = np.zeros((len(th.drone_ids), len(th.cols), sim.state.n))
        sim.state.ad_suppressed = self.suppressed

    def step(self, sim, day):
        st = sim.state
        field = st.ad * self.share                                              # (A, C, n)
        lam = (self.reach[:, :, None, :] * field[:, None]).sum(axis=0) * (1 - self.suppressed)
        st.air_cover = 1 - np.exp(-lam)                                         # (D, C, n)
        # cover against the strike drones, read by manoeuvre's cost of an axis
        if len(self.strike):
            st.ad_cover = st.air_cover[self.strike].max(axis=0)
