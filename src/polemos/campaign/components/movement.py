"""Movement and control: the attacker advances (or is pushed back) in each active sector.

Advance per day (km) = ``movement.advance_km_per_day`` (QJM: infantry against a prepared
defence at power ratio 1.46) × ``movement.advance_scale`` × terrain factor of the relief
(QJM ``movement.terrain_advance_*``) × posture factor (``movement.posture_advance_fortified``
inside the fortified belt, ``movement.posture_advance_prepared`` beyond it) × (R / 1.46)^γ for a
power ratio R ≥ 1 (γ = ``movement.ratio_exponent``); below 1, the defender counter-attacks at
``movement.counterattack_share`` of the same rate with the inverse ratio. The advance turns into
control as a share of the sector's depth (√area). A sector counts as taken when the attacker
holds ``movement.capture_share`` of it; then ``movement.encircled_share`` of the defenders in it
are missing or captured. Sources: Dupuy QJM opposed-advance tables (OPORD-QJM transcription).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.columns import row_sum
from polemos.campaign.component import Component
from polemos.campaign.components.ground_combat import by_relief, posture_mix

REFERENCE_RATIO = 1.46  # the QJM table row the base advance rate is read from
LOG_REF = np.float32(np.log(REFERENCE_RATIO))


class Movement(Component):
    """Advance per day by relief, posture and force ratio; control as a share of each sector."""

    name = "movement"
    params = ("advance_km_per_day", "advance_scale", "terrain_advance_plain",
              "terrain_advance_foothill", "terrain_advance_mountain",
              "posture_advance_fortified", "posture_advance_prepared", "ratio_exponent",
              "counterattack_share", "capture_share", "encircled_share")

    def init(self, sim):
        p, th = sim.params, sim.theatre
        terr = by_relief(sim, "movement.terrain_advance")
        self.cols, self.block = th.cols, th.col_block
        self.base = np.asfortranarray(p["movement.advance_km_per_day"] * p[
            "movement.advance_scale"] * terr / th.depth_km[None, th.cols], dtype=np.float32)
        self.pf = p["movement.posture_advance_fortified"].astype(np.float32)
        self.pp = p["movement.posture_advance_prepared"].astype(np.float32)
        self.g = p["movement.ratio_exponent"].astype(np.float32)
        self.back = (1.0 + p["movement.counterattack_share"]).astype(np.float32)
        self.area = th.area_km2[th.cols]
        sim.state.taken_km2 = sim.state.ctrl[:, th.cols] @ self.area
        self.untaken = sim.state.sector_day[:, th.cols] < 0    # (n, C): no capture day yet

    def step(self, sim, day):
        st, p = sim.state, sim.params
        live = st.alive[:, None]
        posture = posture_mix(st.belt, self.pf, self.pp)
        # rate ∝ (R/1.46)^γ forward when R ≥ 1; counter-attack ∝ ((1/R)/1.46)^γ when R < 1
        speed = np.abs(st.log_ratio)
        speed -= LOG_REF
        speed *= self.g
        np.exp(speed, out=speed)
        sign = np.float32(1.0) - self.back * (st.log_ratio < 0)
        delta = self.base * posture     # (runs, sectors) arithmetic in place
        delta *= speed
        delta *= sign
        delta *= st.active_f
        delta *= live
        ctrl = st.ctrl_c + delta
        np.maximum(ctrl, 0.0, out=ctrl)
        np.minimum(ctrl, 1.0, out=ctrl)
        ctrl_rows = np.ascontiguousarray(ctrl)    # row-major: the bits of the dot product
        st.ctrl[:, self.block] = ctrl_rows
        # area the attacker holds of the defender's pre-war area, km² (read by later steps)
        st.taken_km2 = ctrl_rows @ self.area
        cap = p["movement.capture_share"]
        newly = (ctrl >= cap) & self.untaken
        rows = np.flatnonzero(newly.any(axis=1))
        trapped = np.zeros((st.n, 1), dtype=np.float32)   # share of the defender in them
        if len(rows):   # capture days, written for the runs that took a sector today
            self.untaken &= ~newly
            days = st.sector_day[rows[:, None], self.cols]
            days[newly[rows]] = day
            st.sector_day[rows[:, None], self.cols] = days
            trapped[rows] = row_sum(newly[rows] * st.d_share[rows])
        st.missing_today[:, 1:2] += (p["movement.encircled_share"] * trapped
                                     * p["ground_combat.committed_share"] * st.pers[:, 1:2])
        obj_sec = sim.theatre.objective_sector
        if len(obj_sec):
            fell = (st.ctrl[:, obj_sec] >= cap) & (st.objective_day < 0)
            st.objective_day = np.where(fell, day, st.objective_day)
