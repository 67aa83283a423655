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
    return prepared + (fortified - prepared) * belt


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
        n = sim.state.n
        ratio = np.concatenate([np.broadcast_to(p["ground_combat.armour_loss_ratio"], (n, 1))] * 2
                               + [np.broadcast_to(p["ground_combat.artillery_loss_ratio"],
                                                  (n, 1))] * 2, axis=1)       # (n, E)
        self.equip_ratio = np.tile(ratio, 2)        # (n, 2·E), as st.equip flattened per run

    def vulnerability(self, sim) -> np.ndarray:
        """(n, S) QJM posture vulnerability × terrain casualty factor of the defender."""
        return self.terrain_cas * posture_mix(sim.state.belt, self.vulnerability_fortified,
                                              self.vulnerability_prepared)

    def step(self, sim, day):
        st, p = sim.state, sim.params
        f32 = np.float32
        live = st.alive[:, None]
        act = st.active_f
        armour = st.equip[:, :, 0] + st.equip[:, :, 1]                     # (n, 2)
        guns = st.equip[:, :, 2] + st.equip[:, :, 3]                        # (n, 2)
        strength = p["ground_combat.committed_share"] * (
            st.pers + p["ground_combat.armour_weight"] * armour
            + p["ground_combat.artillery_weight"] * guns)                   # (n, 2)
        air = 1 + (p["ground_combat.air_superiority"] - 1) * st.isr_cov
        A = (strength[:, 0:1] * st.supply_power[:, 0:1] * air).astype(f32) * st.a_share
        posture = posture_mix(st.belt, self.posture_fortified, self.posture_prepared)
        D_raw = strength[:, 1:2].astype(f32) * st.d_share
        D = D_raw * self.terrain_def * posture * st.sector_power
        # x = (A/D)^w by one logarithm and one exponential per element (masked to fronts)
        log_r = np.log((A + _TINY) / (D + _TINY)) * act
        st.log_ratio = log_r
        x = np.exp(self.exponent * log_r)
        loss_d = self.attacker_lethality * D * x                      # α A^w D^(1-w)
        loss_a = self.defender_lethality * A / x                      # β D^w A^(1-w)
        noise = sim.streams.noise_factor("ground_combat", day, self.daily_sigma,
                                         len(sim.theatre.cols))     # one per contestable sector
        cap = self.max_daily_loss
        loss_d = np.minimum(loss_d * self.vulnerability(sim) * noise, cap * D_raw) * act
        loss_a = np.minimum(loss_a * noise, cap * A) * act
        cas = np.concatenate([row_sum(loss_a, np.float64), row_sum(loss_d, np.float64)],
                             axis=1) * live                                   # (n, 2)
        st.cas_today += cas
        # equipment lost in proportion to the personnel loss rate of the forces in contact
        frac = np.divide(cas, strength, out=np.zeros_like(cas), where=strength > 0)
        equip = st.equip.reshape(st.n, -1)                                  # (n, 2·E) view
        rate = np.repeat(p["ground_combat.committed_share"] * frac, st.equip.shape[2], axis=1)
        lost = np.minimum(equip * rate * self.equip_ratio, equip).reshape(st.equip.shape)
        st.equip -= lost
        st.equip_lost += lost
