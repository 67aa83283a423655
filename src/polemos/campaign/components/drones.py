"""ISR and drone strikes: sorties find targets (less so in mountains and forest) and kill
air defence, artillery, armour and troops, and cut roads; loitering munitions are spent.

Per day, for each drone type: sorties = airframes × ``drones.sorties_per_airframe`` (strike and
ISR types), or loitering munitions launched = stock × ``drones.loitering_launch_share``.
Detection per sortie in a sector = ``drones.detect_per_sortie`` × (1 − masking by relief:
``drones.masking_foothill`` / ``drones.masking_mountain``) × (1 − ``drones.forest_masking`` ×
forest share), averaged over the sectors the attacker is working on; the defender's jamming
cuts it by ``drones.defender_ew_effect`` when it fields EW. Strikes (each strike sortie carries
``drones.munitions_per_sortie``) go to target classes in proportion to targets × priority
(air defence weighted by ``drones.sead_priority``, roads by ``drones.interdiction_priority``);
each kills with ``drones.kill_probability``; a strike on troops causes
``drones.casualties_per_troop_strike``. ISR coverage, 1 − exp(−detections /
``drones.detections_for_coverage``), lets the attacker's rocket artillery fire on what the drones
see (see fires). Sources: [CK] claims 1–3; Aliyev interview (TB2 flew almost daily); CACI
Analyst (TB2 found targets, Harop/Harpy struck them).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.columns import masked_sum, row_sum
from polemos.campaign.component import Component
from polemos.campaign.theatre import AD_CLASSES

TARGETS = ("air_defence", "artillery", "armour", "troops", "roads")
TROOP_GROUP = 100  # persons: troops count as targets by the company; priorities are relative


class Drones(Component):
    """ISR and drone strikes on air defence, artillery, armour, troops and roads."""

    name = "drones"
    params = ("sorties_per_airframe", "loitering_launch_share", "munitions_per_sortie",
              "detect_per_sortie", "masking_foothill", "masking_mountain", "forest_masking",
              "defender_ew_effect", "sead_priority", "interdiction_priority",
              "kill_probability", "casualties_per_troop_strike", "detections_for_coverage",
              "dummy_share")

    def init(self, sim):
        th, p = sim.theatre, sim.params
        roles = np.array(th.drone_role)
        self.strike = (roles == "strike").astype(float)
        self.isr = (roles == "isr").astype(float)
        self.loiter = (roles == "loitering").astype(float)
        spa = p["drones.sorties_per_airframe"]
        sim.sorties_per_day = np.asfortranarray(spa * (self.strike + self.isr) + p[
            "drones.loitering_launch_share"] * self.loiter)            # (n, D), as st.drones
        self.ad_real = np.array([AD_CLASSES[c] != "decoy" for c in th.ad_class], dtype=float)
        self.ad_dummy = 1.0 - self.ad_real
        relief = th.relief[None, th.cols]
        mask = np.where(relief == 1, p["drones.masking_foothill"], 0.0)
        mask = np.where(relief == 2, p["drones.masking_mountain"], mask)
        self.detect = np.asfortranarray(p["drones.detect_per_sortie"] * (1 - mask) * (
            1 - p["drones.forest_masking"] * th.forest[None, th.cols]))         # (n, C)
        self.def_ew = (sim.bound["ew_count"][:, 1:2] > 0).astype(float)
        self.def_route = th.route_side == 1

    def step(self, sim, day):
        st, p = sim.state, sim.params
        live = st.alive[:, None]
        sorties = st.drones * sim.sorties_per_day * live                  # (n, D)
        detect = row_sum(self.detect * st.a_share)                        # (n, 1)
        detect *= 1 - p["drones.defender_ew_effect"] * self.def_ew
        strike_sorties = masked_sum(sorties, self.strike)
        st.drones -= sorties * self.loiter                                # one-way munitions
        strikes = (strike_sorties * p["drones.munitions_per_sortie"]
                   + masked_sum(sorties, self.loiter)) * detect
        looks = row_sum(sorties) * detect
        st.isr_cov = 1 - np.exp(-looks / p["drones.detections_for_coverage"])

        # targets available, weighted by priority
        ad_real = masked_sum(st.ad, self.ad_real)
        ad_dummy = masked_sum(st.ad, self.ad_dummy)
        ad_seen = ad_real + ad_dummy
        eq = st.equip[:, 1, :]                                            # (n, E)
        arty = row_sum(eq[:, 2:4])
        armour = row_sum(eq[:, 0:2])
        troops = st.pers[:, 1:2] / TROOP_GROUP
        roads = masked_sum(st.route_open, self.def_route, np.int64)
        w = np.concatenate([p["drones.sead_priority"] * ad_seen, arty, armour, troops,
                            p["drones.interdiction_priority"] * roads], axis=1,
                           out=np.empty((st.n, len(TARGETS)), order="F"))
        tot = row_sum(w)
        share = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
        hits = strikes * share * p["drones.kill_probability"]             # (n, 5)

        # air defence: hits spread over systems in proportion to their numbers; dummies soak
        ad_kill = np.minimum(st.ad, hits[:, 0:1] * np.divide(
            st.ad, ad_seen, out=np.zeros_like(st.ad), where=ad_seen > 0))
        st.ad -= ad_kill
        st.ad_lost += ad_kill
        # artillery and armour by their shares of the pool
        kill = np.zeros_like(eq)
        kill[:, 2:4] = hits[:, 1:2] * np.divide(eq[:, 2:4], arty, out=np.zeros_like(eq[:, 2:4]),
                                                where=arty > 0)
        kill[:, 0:2] = hits[:, 2:3] * np.divide(eq[:, 0:2], armour,
                                                out=np.zeros_like(eq[:, 0:2]), where=armour > 0)
        kill = np.minimum(kill, eq)
        st.equip[:, 1, :] -= kill
        st.equip_lost[:, 1, :] += kill
        st.cas_today[:, 1:2] += hits[:, 3:4] * p["drones.casualties_per_troop_strike"]
        st.drone_strikes_on_routes = hits[:, 4:5]
