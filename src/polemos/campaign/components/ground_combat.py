"""Ground combat at each contested sector: a Lanchester-family attrition law with terrain,
posture and fortification multipliers from Dupuy's Quantified Judgment Model (QJM).

Per active sector, with effective strengths A (attacker) and D (defender) in
personnel-equivalents (personnel in contact + ``ground_combat.armour_weight`` × armoured
vehicles + ``ground_combat.artillery_weight`` × guns and rocket launchers, the QJM's way of
counting fire support in combat power; so drones that destroy armour and artillery weaken the
side that loses them), per day:

    dD/dt = −α · A^w · D^(1−w) · v_D          dA/dt = −β · D^w · A^(1−w)

w = ``ground_combat.exponent`` (1: Lanchester's square law, aimed fire; 0.5: the linear law's
"mixed" form). In the deterministic limit (no noise, v_D = 1, constant modifiers) the state
equation is β(D0^{2w} − D^{2w}) = α(A0^{2w} − A^{2w}) (tested). The defender's strength is
multiplied by the QJM terrain defence factor of its sector's relief and its posture (fortified
inside the pre-war fortified belt, prepared beyond it) and by its supply; its casualties by the
QJM vulnerability of that posture and the terrain casualty factor. Equipment is lost in
proportion to personnel losses × ``ground_combat.armour_loss_ratio`` (armour) or
``ground_combat.artillery_loss_ratio`` (guns). Daily variation: multiplicative log-normal noise
with ``ground_combat.daily_sigma``. Sources: Dupuy, *Numbers, Prediction and War* (1979/1985)
factor tables as transcribed in OPORD-QJM; Lanchester (1916); Helmbold (1965).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.columns import row_sum
from polemos.campaign.component import Component

RELIEF_KEYS = ("plain", "foothill", "mountain")
_TINY = np.float32(1e-9)


def lanchester_losses(A, D, alpha, beta, w, dt=1.0):
    """Losses (to A, to D) over ``dt`` days of the Lanchester-family law (Euler step)."""
    A = np.maximum(A, 0.0)
    D = np.maximum(D, 0.0)
    loss_d = alpha * A ** w * D ** (1 - w) * dt
    loss_a = beta * D ** w * A ** (1 - w) * dt
    return loss_a, loss_d


def by_relief(sim, stem: str) -> np.ndarray:
    """(n, C) parameter ``stem_plain|foothill|mountain`` of each contestable sector's relief
    (column-major, as the engine's other per-sector arrays)."""
    p, relief = sim.params, sim.theatre.relief[None, sim.theatre.cols]
    out = np.zeros((sim.state.n, len(sim.theatre.cols)))
    for i, key in enumerate(RELIEF_KEYS):
        out = np.where(relief == i, p[f"{stem}_{key}"], out)
    return np.asfortranarray(out)


def posture_mix(belt, fortified, prepared):
    """Per sector, the fortified value inside the belt and the prepared one beyond it."""
    out = (fortified - prepared) * belt
    out += prepared
    return out


class GroundCombat(Component):
    """Lanchester-family attrition with terrain, posture and fortification (QJM factors)."""

    name = "ground_combat"
    params = ("exponent", "attacker_lethality", "defender_lethality", "armour_weight",
              "artillery_weight",
              "committed_share", "daily_sigma", "max_daily_loss", "armour_loss_ratio",
              "artillery_loss_ratio", "air_superiority")

    def init(self, sim):
        p = sim.params
        f32 = np.float32
        self.terrain_def = by_relief(sim, "ground_combat.terrain_defence").astype(f32)
        self.terrain_cas = by_relief(sim, "ground_combat.terrain_casualty").astype(f32)
        # per-run factors of the (runs, sectors) arithmetic, in float32 (half the memory traffic)
        for key in ("posture_fortified", "posture_prepared", "vulnerability_fortified",
                    "vulnerability_prepared", "attacker_lethality", "defender_lethality",
                    "exponent", "max_daily_loss", "daily_sigma"):
            setattr(self, key, p[f"ground_combat.{key}"].astype(f32))
        sim.vulnerability = self.vulnerability
        self.vul = self.vul_belt = None     # today's vulnerability and the belt it is of
        n = sim.state.n
        self.equip_ratio = np.asfortranarray(np.concatenate(
            [np.broadcast_to(p["ground_combat.armour_loss_ratio"], (n, 1))] * 2
            + [np.broadcast_to(p["ground_combat.artillery_loss_ratio"], (n, 1))] * 2,
            axis=1))                                                           # (n, E)

    def vulnerability(self, sim) -> np.ndarray:
        """(n, C) QJM posture vulnerability × terrain casualty factor of the defender (computed
        once a day, when the front has set the fortified belt; read by fires and here)."""
        if self.vul_belt is not sim.state.belt:
            self.vul_belt = sim.state.belt
            self.vul = self.terrain_cas * posture_mix(self.vul_belt,
                                                      self.vulnerability_fortified,
                                                      self.vulnerability_prepared)
        return self.vul

    def step(self, sim, day):
        st, p = sim.state, sim.params
        f32 = np.float32
        live = st.alive[:, None]
        act = st.active_f
        armour = np.add(st.equip[:, :, 0], st.equip[:, :, 1], order="F")   # (n, 2)
        guns = np.add(st.equip[:, :, 2], st.equip[:, :, 3], order="F")
        strength = p["ground_combat.committed_share"] * (
            st.pers + p["ground_combat.armour_weight"] * armour
            + p["ground_combat.artillery_weight"] * guns)                   # (n, 2)
        air = 1 + (p["ground_combat.air_superiority"] - 1) * st.isr_cov
        A = (strength[:, 0:1] * st.supply_power[:, 0:1] * air).astype(f32) * st.a_share
        D_raw = strength[:, 1:2].astype(f32) * st.d_share
        D = D_raw * self.terrain_def
        D *= posture_mix(st.belt, self.posture_fortified, self.posture_prepared)
        D *= st.sector_power
        # x = (A/D)^w by one logarithm and one exponential per element (masked to fronts);
        # the (runs, sectors) arithmetic runs in place, on as few arrays as it can
        log_r = A + _TINY
        log_r /= D + _TINY
        np.log(log_r, out=log_r)
        log_r *= act
        st.log_ratio = log_r
        x = self.exponent * log_r
        np.exp(x, out=x)
        loss_d = self.attacker_lethality * D                          # α A^w D^(1-w)
        loss_d *= x
        loss_a = self.defender_lethality * A                          # β D^w A^(1-w)
        loss_a /= x
        noise = sim.streams.noise_factor("ground_combat", day, self.daily_sigma,
                                         len(sim.theatre.cols))     # one per contestable sector
        loss_d *= self.vulnerability(sim)
        loss_d *= noise
        D_raw *= self.max_daily_loss                                  # the daily loss caps
        np.minimum(loss_d, D_raw, out=loss_d)
        loss_d *= act
        loss_a *= noise
        A *= self.max_daily_loss
        np.minimum(loss_a, A, out=loss_a)
        loss_a *= act
        cas = np.concatenate([row_sum(loss_a, np.float64), row_sum(loss_d, np.float64)],
                             axis=1, out=np.empty((st.n, 2), order="F")) * live   # (n, 2)
        st.cas_today += cas
        # equipment lost in proportion to the personnel loss rate of the forces in contact
        frac = np.divide(cas, strength, out=np.zeros_like(cas), where=strength > 0)
        lost = np.minimum(st.equip * (p["ground_combat.committed_share"] * frac)[:, :, None]
                          * self.equip_ratio[:, None, :], st.equip)
        st.equip -= lost
        st.equip_lost += lost
