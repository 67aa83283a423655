"""The drone kill chain by sector: sorties → where they fly → engagement by air defence →
time on station and detection → strikes on what is in the sector.

Per day and drone type d: sorties = airframes × ``drones.sorties_per_airframe`` (strike and
ISR types); loitering munitions launched = stock × ``drones.loitering_launch_share``, the
stock resupplied by ``drones.loitering_resupply_per_day`` (a share of the initial stock per
day). Sorties go to the sectors under attack in proportion to the attacker's effort there ×
exp(−``drones.risk_aversion`` × cover_{d,s}): drones work where the airspace is permissive.

Engagement: a sortie in covered airspace is engaged with probability cover_{d,s}, but air
defence engages at most its channels × ``drones.engagements_per_channel`` a day, and decoy
sorties (An-2s; ``drones.decoy_realism`` each) draw their share of the engagements; an engaged
real drone is shot down with ``drones.kill_probability_sam`` (a gun: ``_gun``).

Detection: each surviving sortie spends its endurance on station (hours) and finds targets at
``drones.detect_per_hour`` × (1 − masking by relief: ``drones.masking_foothill`` /
``_mountain``) × (1 − ``drones.forest_masking`` × forest share) × (1 − the defender's jamming,
``drones.defender_ew_max`` × (1 − exp(−EW systems / ``drones.defender_ew_scale``))). A strike
sortie finds a target with probability 1 − exp(−hours × rate) and fires
``drones.munitions_per_sortie`` munitions; a loitering munition is one strike. Strikes go to
the sector's targets in proportion to count × priority (air-defence systems × ``sead_priority``
— loitering munitions home on radars, × ``drones.anti_radiation`` more —, guns, armoured
vehicles, troops by the group of 100) and to the defender's roads (× ``interdiction_priority``,
roads are theatre-wide); each kills with ``drones.kill_probability``; a strike on troops causes
``drones.casualties_per_troop_strike`` casualties. ISR coverage of a sector, 1 − exp(−detection
hours / ``drones.detection_hours_for_coverage``), lets the rocket artillery fire on what the
drones see (fires) and adds the air factor to the attacker's power (ground combat).
Causes: drone (strike drones) and loitering munition. Sources: [CK] claims 1–3; Aliyev
interview (TB2 flew almost daily); CACI Analyst (TB2 found targets, Harop/Harpy struck them).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.sectors import DRONE, LOITERING, TINY, share_of
from polemos.campaign.theatre import AD_CLASSES

TROOP_GROUP = 100  # persons: troops count as targets by the company; priorities are relative


class Drones(Component):
    """Drone kill chain by sector: sorties, engagement, detection, strikes on what is there."""

    name = "drones"
    params = ("sorties_per_airframe", "loitering_launch_share", "loitering_resupply_per_day",
              "risk_aversion", "engagements_per_channel", "decoy_realism",
              "kill_probability_sam", "kill_probability_gun", "munitions_per_sortie",
              "detect_per_hour", "masking_foothill", "masking_mountain", "forest_masking",
              "defender_ew_max", "defender_ew_scale", "sead_priority", "anti_radiation",
              "interdiction_priority", "kill_probability", "casualties_per_troop_strike",
              "detection_hours_for_coverage")

    def init(self, sim):
        th, p, st = sim.theatre, sim.params, sim.state
        roles = np.array(th.drone_role)
        self.strike = (roles == "strike").astype(float)
        self.isr = (roles == "isr").astype(float)
        self.loiter = (roles == "loitering").astype(float)
        self.decoy = (roles == "decoy").astype(float)
        self.flies = self.strike + self.isr                              # (D,) reusable types
        self.hours = th.drone_endurance_h                                # (D,)
        cls = [AD_CLASSES[c] for c in th.ad_class]
        self.ad_target = np.array([c != "decoy" for c in cls], dtype=float)   # real systems
        self.ad_dummy = 1.0 - self.ad_target
        self.radar = np.array([c not in ("aaa", "manpads", "decoy") for c in cls], dtype=float)
        self.gun = np.array([c == "aaa" for c in cls], dtype=float)
        self.channels = (sim.bound["ad_channels"] * np.array(
            [c not in ("radar", "decoy") for c in cls])).T                          # (A, n)
        rel = th.relief[th.cols]
        mask = np.stack([np.zeros(st.n), p.row("drones.masking_foothill"),
                         p.row("drones.masking_mountain")])[rel]              # (C, n)
        ew = sim.bound["ew_count"][:, 1]
        jam = p.row("drones.defender_ew_max") * (1 - np.exp(-ew / p.row(
            "drones.defender_ew_scale")))
        self.rate = p.row("drones.detect_per_hour") * (1 - mask) * (
            1 - p.row("drones.forest_masking") * th.forest[th.cols, None]) * (1 - jam)
        self.stock0 = st.drones.T * self.loiter[:, None]                    # (D, n)
        self.def_route = th.route_side == 1
        st.isr = np.zeros((len(th.cols), st.n))
        st.drone_strikes_on_routes = np.zeros((st.n, 1))

    def step(self, sim, day):
        st, p = sim.state, sim.params
        live = st.alive.astype(float)
        drones = st.drones.T                                                 # (D, n) view
        launched = drones * (self.flies[:, None] * p.row("drones.sorties_per_airframe")
                             + self.loiter[:, None] * p.row("drones.loitering_launch_share"))
        launched *= live
        decoys = drones * self.decoy[:, None] * p.row("air_defence.decoy_sorties_per_day") * live
        # where they fly: the attacker's axes, away from covered airspace
        effort = st.a_share * st.active                                      # (C, n)
        w = effort[None] * np.exp(-p.row("drones.risk_aversion") * st.air_cover)   # (D, C, n)
        sorties = launched[:, None, :] * share_of(w, axis=1)
        # engagement: cover, limited by channels; decoys draw their share of engagements
        engaged = sorties * st.air_cover
        real = engaged.sum(axis=0)                                            # (C, n)
        decoy_c = decoys.sum(axis=0) * share_of(effort)                        # (C, n)
        ch = self.channels[:, None, :] * st.ad                                 # (A, C, n)
        capacity = ch.sum(axis=0) * p.row(
            "drones.engagements_per_channel") * (1 - st.ad_suppressed)
        dec = p.row("drones.decoy_realism") * decoy_c
        on_real = np.minimum(1.0, np.divide(capacity, real + dec, out=np.ones_like(real),
                                            where=real + dec > 0))
        on_real *= np.divide(real, real + dec, out=np.ones_like(real), where=real + dec > 0)
        # kill probability of the shooters in the sector: SAM or gun, by their share of channels
        gun = np.divide((self.gun[:, None, None] * ch).sum(axis=0), ch.sum(axis=0),
                        out=np.zeros_like(real), where=ch.sum(axis=0) > 0)
        pk = (1 - gun) * p.row("drones.kill_probability_sam") + gun * p.row(
            "drones.kill_probability_gun")
        downed = engaged * (on_real * pk)[None]                               # (D, C, n)
        flying = sorties - downed
        lost = downed.sum(axis=1) * (self.flies[:, None]) + launched * self.loiter[:, None]
        lost += decoys
        gone = np.minimum(lost, drones)
        drones -= gone
        st.drones_lost += gone.T
        # loitering munitions resupplied (deliveries during the war)
        drones += self.stock0 * p.row("drones.loitering_resupply_per_day") * live
        # detection on station
        hours = flying * self.hours[:, None, None]                            # (D, C, n)
        find = 1 - np.exp(-hours * self.rate[None])                           # per sortie
        st.isr = 1 - np.exp(-(hours.sum(axis=0) * self.rate)
                            / p.row("drones.detection_hours_for_coverage"))
        strikes_d = (flying * find * self.strike[:, None, None]).sum(axis=0) * p.row(
            "drones.munitions_per_sortie")                                    # (C, n)
        strikes_l = (flying * find * self.loiter[:, None, None]).sum(axis=0)
        # targets in each sector, weighted by priority
        ad_seen = st.ad.sum(axis=0)
        radar = ((self.radar + self.ad_dummy)[:, None, None] * st.ad).sum(axis=0)
        arty = st.de[2] + st.de[3]
        armour = st.de[0] + st.de[1]
        troops = st.dp / TROOP_GROUP
        sead = p.row("drones.sead_priority")
        roads = (st.route_open[:, self.def_route]).sum(axis=1) * p.row(
            "drones.interdiction_priority")                                    # (n,)
        pk_hit = p.row("drones.kill_probability")
        road_hits = 0.0
        for cause, strikes, ad_w in ((DRONE, strikes_d, sead * ad_seen),
                                     (LOITERING, strikes_l,
                                      sead * (ad_seen + p.row("drones.anti_radiation") * radar))):
            pools = np.stack([ad_w, arty, armour, troops])                     # (4, C, n)
            tot = pools.sum(axis=0)
            road_share = roads * effort / (roads * effort + tot + TINY)
            road_hits = road_hits + (strikes * road_share).sum(axis=0)
            hits = strikes * (1 - road_share) * share_of(pools, axis=0) * pk_hit  # (4, C, n)
            self._strike(st, hits, cause, p)
        st.drone_strikes_on_routes = (road_hits * pk_hit)[:, None]

    def _strike(self, st, hits, cause, p):
        """Book ``hits`` (4, C, n) on air defence, guns, armour and troops."""
        ad_all = st.ad.sum(axis=0)
        ad_kill = np.minimum(st.ad, hits[0][None] * np.divide(
            st.ad, ad_all[None], out=np.zeros_like(st.ad), where=ad_all[None] > 0))
        st.ad -= ad_kill
        st.loss_ad[cause] += ad_kill.sum(axis=1)
        for cats, h in (((2, 3), hits[1]), ((0, 1), hits[2])):
            pool = st.de[cats[0]] + st.de[cats[1]]
            for e in cats:
                k = np.minimum(st.de[e], h * np.divide(st.de[e], pool, out=np.zeros_like(pool),
                                                      where=pool > 0))
                st.de[e] -= k
                st.loss_e[cause, 1, e] += k.sum(axis=0)
        cas = np.minimum(st.dp, hits[3] * p.row("drones.casualties_per_troop_strike"))
        st.dp -= cas
        st.cas_c[cause, 1] += cas.sum(axis=0)
