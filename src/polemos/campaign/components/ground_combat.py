"""Ground combat in each sector under attack, in the manner of Dupuy's QJM/TNDM.

Combat power (in personnel-equivalents of lethality, an OLI-like unit) of each side on a
sector:

    P_A = (persons + w_arm × armoured vehicles + w_art × guns and launchers)_on the axis
          × supply_A^e × (1 + (air − 1) × ISR_s)
    P_D = (persons + w_arm × armour + w_art × guns)_in the sector
          × terrain_defence(relief, built-up share) × posture(state) × sector supply^e

where each modifier belongs to the side it describes (QJM: terrain and posture multiply the
defender's power; air superiority, here the drones' ISR over the sector, the attacker's).
R = P_A / P_D. Casualty *rates* per day (TNDM form: a base rate, scaled by the power ratio):

    r_D = r0 × R^κ  × vulnerability(state) × terrain_casualty       (share of the defenders)
    r_A = r0 × ρ × R^−κ × terrain_casualty                          (share of the attackers)

each capped at ``ground_combat.max_daily_loss`` and varied day to day by a log-normal factor
(``ground_combat.daily_sigma``), so that persons are lost from persons and vehicles from
vehicles: equipment of a category is lost at the personnel rate × its CDB90 loss ratio
(armour ``armour_loss_ratio``, guns ``artillery_loss_ratio``). A defender cut off from supply
has less power, so a higher R and more losses. Cause: direct fire. Sources: Dupuy, *Numbers,
Prediction and War* (1979/1985); posture states fortified / prepared / hasty / withdrawal (a
broken defence) with the QJM strength and vulnerability factors of each and *Attrition* (1990) (QJM factor tables as transcribed in
OPORD-QJM); CDB90 loss ratios.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import (
    DIRECT_FIRE,
    TINY,
    by_relief,
    by_state,
    front,
    posture_names,
    put_rows,
    relief_names,
    rows_of,
    state_factor,
    take_losses,
    total,
)

REFERENCE_RATIO = 1.46  # the QJM table row the base advance rate is read from


def lanchester_losses(A, D, alpha, beta, w, dt=1.0):
    """Losses (to A, to D) over ``dt`` days of the Lanchester-family law (Euler step); kept as
    the continuous counterpart the attrition tests check."""
    A = np.maximum(A, 0.0)
    D = np.maximum(D, 0.0)
    loss_d = alpha * A ** w * D ** (1 - w) * dt
    loss_a = beta * D ** w * A ** (1 - w) * dt
    return loss_a, loss_d


def urban_blend(factor, urban_factor, urban_share, better=np.maximum):
    """A QJM terrain factor of a sector whose ``urban_share`` is built-up: on built-up ground
    the factor is QJM 'Urban' or the relief's, whichever favours the defender (``better``:
    ``np.maximum`` for its strength, ``np.minimum`` for its casualties and the attacker's
    advance): a town adds cover and never removes what its relief gives."""
    return factor * (1 - urban_share) + better(factor, urban_factor) * urban_share


# The law itself, as plain functions on arrays (any shape that broadcasts, any float dtype):
# the component below calls them on its (sectors, runs) arrays, and the development-only
# validation on historical battles (validation/cdb90.py, validation/ardennes.py) on its own.


def personnel_equivalents(persons, armour, guns, armour_weight, artillery_weight):
    """Combat power before modifiers, in personnel-equivalents of lethality (an OLI-like
    unit): persons + w_arm × armoured vehicles + w_art × guns and launchers."""
    return persons + armour_weight * armour + artillery_weight * guns


def attacker_strength(equivalents, supply, air_superiority, isr):
    """P_A = equivalents × supply^e (given as ``supply``) × (1 + (air − 1) × ISR coverage):
    the QJM air superiority factor in proportion to the attacker's ISR over the sector."""
    return equivalents * supply * (1 + (air_superiority - 1) * isr)


def defender_strength(equivalents, terrain, posture, supply):
    """P_D = equivalents × terrain defence factor × posture factor × supply^e (the QJM
    modifiers that belong to the defender)."""
    return equivalents * terrain * posture * supply


def power_ratio(attacker_power, defender_power):
    """R = P_A / P_D (a tiny floor on both keeps empty sectors finite)."""
    return (attacker_power + TINY) / (defender_power + TINY)


def casualty_rates(ratio, base_rate, attacker_rate_ratio, exponent, vulnerability, cap):
    """Daily casualty rates (share of each side's persons) at power ratio ``ratio``:
    r_D = r0 × R^κ × vulnerability, r_A = r0 × ρ × R^−κ, each capped at ``cap``; ``base_rate``
    r0 carries the terrain casualty factor and the day's noise, which act on both sides."""
    rd = np.minimum(base_rate * ratio ** exponent * vulnerability, cap)
    ra = np.minimum(base_rate * attacker_rate_ratio * ratio ** -exponent, cap)
    return rd, ra


def lethality(sim, persons, equip):
    """Personnel-equivalents of ``persons`` (…, n) with equipment ``equip`` (E, …, n)."""
    p = sim.params
    return personnel_equivalents(persons, equip[0] + equip[1], equip[2] + equip[3],
                                 p.row("ground_combat.armour_weight"),
                                 p.row("ground_combat.artillery_weight"))


def equipment_loss_ratios(p) -> np.ndarray:
    """(E, 1, n) loss rate of each equipment category per unit personnel loss rate (CDB90)."""
    arm, art = p.row("ground_combat.armour_loss_ratio"), p.row(
        "ground_combat.artillery_loss_ratio")
    return np.stack([arm, arm, art, art])[:, None, :]


def attacker_on_axes(sim, rows=None):
    """(persons (C, n), equipment (E, C, n)) of the attacker committed on each axis (on the
    sectors ``rows`` only, see :func:`polemos.campaign.sectors.front`)."""
    st, p = sim.state, sim.params
    committed = p.row("ground_combat.committed_share") * rows_of(st.a_share, rows) * rows_of(
        st.active, rows)
    return committed * st.ap.astype(np.float32), st.ae.astype(np.float32)[:, None, :] * committed


class GroundCombat(Component):
    """QJM/TNDM-style attrition per sector: power ratio → casualty rates on persons."""

    name = "ground_combat"
    params = tuple(f"ground_combat.{k}" for k in (
        "committed_share", "armour_weight", "artillery_weight", "base_casualty_rate",
        "attacker_rate_ratio", "ratio_exponent", "daily_sigma", "max_daily_loss",
        "armour_loss_ratio", "artillery_loss_ratio", "air_superiority", "urban_defence",
        "urban_casualty")) + relief_names("ground_combat.terrain_defence") + relief_names(
        "ground_combat.terrain_casualty") + posture_names("ground_combat.posture") + posture_names(
        "ground_combat.vulnerability")

    def init(self, sim):
        th = sim.theatre
        p = sim.params
        u = th.urban_share[th.cols, None].astype(np.float32)   # built-up share: QJM Urban
        self.terrain_def = urban_blend(by_relief(sim, "ground_combat.terrain_defence"),
                                       p.row("ground_combat.urban_defence"), u)   # (C, n)
        self.terrain_cas = urban_blend(by_relief(sim, "ground_combat.terrain_casualty"),
                                       p.row("ground_combat.urban_casualty"), u, np.minimum)
        self.posture = by_state(sim, "ground_combat.posture")                      # (4, n)
        self.vul = by_state(sim, "ground_combat.vulnerability")
        self.equip_ratio = equipment_loss_ratios(p)                                # (E, 1, n)
        # per run: the base casualty rate on each sector's ground, the day's noise's sd
        self.base_cas = p.row("ground_combat.base_casualty_rate") * self.terrain_cas   # (C, n)
        self.sigma = p["ground_combat.daily_sigma"].astype(np.float32)               # (n, 1)
        sim.defender_power = self.defender_power
        sim.equip_ratio = self.equip_ratio
        # the power ratio and its log on each sector, set anew by every step (none before the
        # first: nobody fights on day 0)
        st = sim.state
        st.power_ratio = np.zeros((len(th.cols), st.n), dtype=np.float32)
        st.log_ratio = np.zeros((len(th.cols), st.n), dtype=np.float32)

    def defender_power(self, sim, rows=None):
        """(C, n) the defender's combat power in each contestable sector (its modifiers); on
        the sectors ``rows`` alone if given."""
        st = sim.state
        posture = rows_of(state_factor(sim, "ground_combat.posture", self.posture), rows)
        return defender_strength(lethality(sim, rows_of(st.dp, rows), rows_of(st.de, rows)),
                                 rows_of(self.terrain_def, rows), posture,
                                 rows_of(st.sector_power32, rows))

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        act = (st.active & st.alive).astype(np.float32)          # 0/1 (a float32 mask, reused)
        # the attacker's power and the losses on the sectors fought over somewhere today (on
        # the others the attacker has nothing and nobody is lost); the power ratio everywhere
        rows = front(st)
        a_pers, a_eq = attacker_on_axes(sim, rows)
        PA = attacker_strength(lethality(sim, a_pers, a_eq),
                               st.supply_power[:, 0].astype(np.float32),
                               p.row("ground_combat.air_superiority"), rows_of(st.isr, rows))
        if rows is not None:
            PA_front, PA = PA, np.zeros(st.active.shape, dtype=PA.dtype)
            PA[rows] = PA_front
        PD = self.defender_power(sim)
        ratio = power_ratio(PA, PD)
        st.log_ratio = np.log(ratio) * act
        st.power_ratio = ratio
        k = p.row("ground_combat.ratio_exponent")
        noise = sim.streams.noise_factor("ground_combat", day, self.sigma,
                                         st.active.shape[0]).T                    # (C, n)
        r0 = rows_of(self.base_cas, rows) * rows_of(noise, rows)
        cap = p.row("ground_combat.max_daily_loss")
        rd, ra = casualty_rates(rows_of(ratio, rows), r0,
                                p.row("ground_combat.attacker_rate_ratio"), k, rows_of(
                                    state_factor(sim, "ground_combat.vulnerability", self.vul),
                                    rows), cap)
        act = rows_of(act, rows)
        rd *= act
        ra *= act
        dp, de = rows_of(st.dp, rows), rows_of(st.de, rows)
        loss = np.multiply(rd, dp, out=r0)                  # r0 no longer needed
        d_loss = take_losses(dp, loss)
        loss = np.multiply(ra, a_pers, out=loss)
        a_loss = np.minimum(total(loss), st.ap)
        st.ap -= a_loss
        st.cas_c[DIRECT_FIRE, 1] += total(d_loss)
        st.cas_c[DIRECT_FIRE, 0] += a_loss
        # vehicles and guns at the personnel rate × their loss ratios
        eq = rd * self.equip_ratio
        eq *= de
        de_loss = take_losses(de, eq)
        st.loss_e[DIRECT_FIRE, 1] += de_loss.sum(axis=1, dtype=float)
        eq = np.multiply(ra, self.equip_ratio, out=eq)
        eq *= a_eq
        ae_loss = np.minimum(eq.sum(axis=1, dtype=float), st.ae)
        st.ae -= ae_loss
        st.loss_e[DIRECT_FIRE, 0] += ae_loss
        put_rows(st.dp, rows, dp)
        put_rows(st.de, rows, de)
