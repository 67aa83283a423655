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
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import AIRSPACE, ad_groups, count_true
from polemos.campaign.theatre import AD_CLASSES


class AirDefence(Component):
    """Envelopes by system: reach by drone altitude, Poisson cover of each sector's airspace."""

    name = "air_defence"
    params = ("air_defence.ew_max", "air_defence.ew_scale")

    def init(self, sim):
        th, p = sim.theatre, sim.params
        shooting = np.array([AD_CLASSES[c] not in ("radar", "decoy") for c in th.ad_class],
                            dtype=bool)
        alt = th.drone_altitude_km.copy()
        alt[np.array([r == "loitering" for r in th.drone_role], dtype=bool)] = 0.0  # terminal dive
        # drone types at the same altitude see the same air defence: one cover per level
        self.levels, sim.drone_level = np.unique(alt, return_inverse=True)
        b = sim.bound
        ceiling, rng = b["ad_ceiling_km"].T, b["ad_range_km"].T                   # (A, n)
        self.reach = ((ceiling[:, None, :] >= self.levels[None, :, None])
                      & shooting[:, None, None] & (rng[:, None, :] > 0))           # (A, L, n)
        area = th.area_km2[th.cols]
        share = np.minimum(1.0, np.pi * rng[:, None, :] ** 2 / area[None, :, None])  # (A, C, n)
        strike = np.flatnonzero([r == "strike" for r in th.drone_role])
        self.strike_level = sim.drone_level[strike] if len(strike) else sim.drone_level[:1]
        # cover is read at the levels of the drones air defence engages (not the decoys':
        # theirs stays 0) and of the strike drones
        engaged = {int(sim.drone_level[d]) for d, r in enumerate(th.drone_role) if r != "decoy"}
        used = sorted(engaged | {int(k) for k in self.strike_level})
        self.used = None if len(used) == len(self.levels) else np.array(used)
        # static per group and level in use: Σ_{a in group} reach × envelope share × count
        groups = ad_groups(th.ad_class)
        ad0 = sim.state.ad0
        self.field = np.zeros((2, len(used), len(th.cols), sim.state.n), np.float32)
        for a in np.flatnonzero(shooting):
            for i, k in enumerate(used):
                self.field[groups[a], i] += share[a] * (self.reach[a, k] * ad0[a])
        ew = sim.bound["ew_count"][:, 0]
        # a per-run factor on the sector-major arrays: float32 like every parameter row
        # (drones' jamming is made so too), not float64 from the EW counts
        self.suppressed = (p.row("air_defence.ew_max") * (
            1 - np.exp(-ew / p.row("air_defence.ew_scale")))).astype(np.float32)  # (n,)
        sim.state.air_cover = np.zeros((len(self.levels), len(th.cols), sim.state.n),
                                       dtype=np.float32)
        # sector-days of fighting by the state of the airspace for the strike drones
        sim.state.airspace_days = np.zeros((len(AIRSPACE), sim.state.n))
        sim.state.ad_suppressed = self.suppressed
        self.neg_working = -(1 - self.suppressed)                               # (n,)

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st = sim.state
        lam = st.ad_share[0][None] * self.field[0]                               # (L, C, n)
        lam += st.ad_share[1][None] * self.field[1]
        lam *= self.neg_working                                 # × the working share
        np.exp(lam, out=lam)
        np.subtract(1, lam, out=lam)
        if self.used is None:
            st.air_cover = lam                                                   # (L, C, n)
        else:
            st.air_cover = np.zeros((len(self.levels),) + lam.shape[1:], dtype=lam.dtype)
            st.air_cover[self.used] = lam
        # cover against the strike drones, read by manoeuvre's cost of an axis
        if len(self.strike_level):
            st.ad_cover = st.air_cover[self.strike_level].max(axis=0)
        # sector-days of fighting by the state of the airspace (0, 1, 2: AIRSPACE): counted at
        # cover ≥ 1/3 and ≥ 2/3, the permissive ones the rest
        fighting = st.active & st.alive
        contested = (st.ad_cover >= np.float32(1 / 3)) & fighting
        denied = (st.ad_cover >= np.float32(2 / 3)) & fighting
        n_contested, n_denied = count_true(contested), count_true(denied)
        st.airspace_days[0] += count_true(fighting) - n_contested
        st.airspace_days[1] += n_contested - n_denied
        st.airspace_days[2] += n_denied
