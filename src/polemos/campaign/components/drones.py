"""The drone kill chain by sector: sorties → where they fly → engagement by air defence →
time on station and detection → strikes on what is in the sector.

Per day and drone type d: sorties = airframes × ``drones.sorties_per_airframe`` (strike and
ISR types); loitering munitions launched = stock × ``drones.loitering_launch_share``, the
stock resupplied by ``drones.loitering_resupply_per_day`` (a share of the initial stock per
day). Sorties go to the sectors under attack in proportion to the attacker's effort there ×
exp(−``drones.risk_aversion`` × cover_{d,s}): drones work where the airspace is permissive;
loitering munitions, spent anyway and hunting air defence, go where the attack goes.

Engagement: a sortie in covered airspace is engaged with probability cover_{d,s}, but air
defence engages at most its channels × ``drones.engagements_per_channel`` a day, and decoy
sorties (An-2s; ``drones.decoy_realism`` each) draw their share of the engagements; an engaged
real drone is shot down with ``drones.kill_probability_sam`` (a gun: ``_gun``).

Detection: each surviving sortie spends its endurance on station (hours) and finds targets at
``drones.detect_per_hour`` × (1 − masking by relief: ``drones.masking_foothill`` /
``_mountain``) × (1 − ``drones.forest_masking`` × forest share) × (1 − the defender's jamming,
``drones.defender_ew_max`` × (1 − exp(−EW systems / ``drones.defender_ew_scale``))). Inside the
pre-war fortified belt the positions are known from years of reconnaissance of a static line
(by strike and ISR drones: without them, none):
ISR coverage and the chance to find a target there are at least ``drones.prewar_isr``. A strike
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
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import (
    DRONE,
    FORTIFIED,
    LOITERING,
    TINY,
    ad_groups,
    count_true,
    front,
    lose_air_defence,
    put_rows,
    ratio,
    rows_of,
    share_of,
    sum_by_ad_group,
    total,
)
from polemos.campaign.theatre import AD_CLASSES

TROOP_GROUP = 100  # persons: troops count as targets by the company; priorities are relative


class Drones(Component):
    """Drone kill chain by sector: sorties, engagement, detection, strikes on what is there."""

    name = "drones"
    params = tuple(f"drones.{k}" for k in (
        "sorties_per_airframe", "loitering_launch_share", "loitering_resupply_per_day",
        "risk_aversion", "engagements_per_channel", "decoy_realism", "kill_probability_sam",
        "kill_probability_gun", "munitions_per_sortie", "detect_per_hour", "masking_foothill",
        "masking_mountain", "forest_masking", "defender_ew_max", "defender_ew_scale",
        "sead_priority", "anti_radiation", "interdiction_priority", "kill_probability",
        "casualties_per_troop_strike", "detection_hours_for_coverage", "prewar_isr")) + (
        "air_defence.decoy_sorties_per_day",)

    def init(self, sim):
        th, p, st = sim.theatre, sim.params, sim.state
        roles = np.array(th.drone_role)
        self.strike = (roles == "strike").astype(float)
        self.loiter = (roles == "loitering").astype(float)
        self.decoy = (roles == "decoy").astype(float)
        self.flies = self.strike + (roles == "isr")                      # (D,) reusable types
        self.watch = bool(self.flies.any())         # drones that watched the line before the war
        self.hours = th.drone_endurance_h                                # (D,)
        cls = [AD_CLASSES[c] for c in th.ad_class]
        self.level = sim.drone_level                                     # (D,) altitude level
        self.active_types = [d for d in range(len(roles)) if not self.decoy[d]]
        channels = (sim.bound["ad_channels"] * np.array(
            [c not in ("radar", "decoy") for c in cls])).T                          # (A, n)
        # per air-defence group (sectors.ad_groups): channels, gun channels, emitters
        groups = ad_groups(th.ad_class)
        ad0 = st.ad0.astype(float)
        gun = np.array([c == "aaa" for c in cls], dtype=float)
        emit = np.array([c not in ("aaa", "manpads") for c in cls], dtype=float)

        def by_group(x):                                   # (A, n) -> (2, n) float32
            return sum_by_ad_group(groups, x).astype(np.float32)

        self.g_chan = by_group(channels * ad0)                                      # (2, n)
        self.g_gun = by_group(channels * gun[:, None] * ad0)
        self.g_emit = by_group(emit[:, None] * ad0)
        rel = th.relief[th.cols]
        mask = np.stack([np.zeros(st.n, np.float32), p.row("drones.masking_foothill"),
                         p.row("drones.masking_mountain")])[rel]              # (C, n)
        ew = sim.bound["ew_count"][:, 1]
        jam = p.row("drones.defender_ew_max") * (1 - np.exp(-ew / p.row(
            "drones.defender_ew_scale")))
        self.rate = p.row("drones.detect_per_hour") * (1 - mask) * (
            1 - p.row("drones.forest_masking") * th.forest[th.cols, None].astype(np.float32)
        ) * (1 - jam).astype(np.float32)
        # the chance a sortie finds a target in its time on station (static: the rate is)
        hunters = [d for d in self.active_types if self.strike[d] or self.loiter[d]]
        self.find_row = {d: i for i, d in enumerate(hunters)}
        self.find = np.stack([1 - np.exp(np.float32(-self.hours[d]) * self.rate)
                              for d in hunters]) if hunters else None         # (H, C, n)
        self.fly_levels = sorted({int(self.level[d]) for d in self.active_types
                                  if not self.loiter[d]})
        self.used_levels = sorted({int(self.level[d]) for d in self.active_types})
        self.stock0 = st.drones.T * self.loiter[:, None]                    # (D, n)
        # per run and day: the share of each type launched, loitering munitions resupplied,
        # the share of air defence not suppressed
        # (runs, types), as st.drones
        self.launch_rate = np.ascontiguousarray((
            self.flies[:, None] * p.row("drones.sorties_per_airframe")
            + self.loiter[:, None] * p.row("drones.loitering_launch_share")).T)       # (n, D)
        self.resupply = np.ascontiguousarray(
            (self.stock0 * p.row("drones.loitering_resupply_per_day")).T)         # (n, D)
        self.unsuppressed = 1 - st.ad_suppressed                                 # (n,)
        self.decoy_types = np.flatnonzero(self.decoy)
        # the loitering types' 0/1 per run and type, (n, D) like st.drones (a (D,) vector
        # broadcast over its rows of 6 costs ~7x the product of two (n, D) arrays)
        self.loiter_runs = np.broadcast_to(self.loiter, st.drones.shape).copy()
        self.def_route = th.route_side == 1
        st.isr = np.zeros((len(th.cols), st.n), dtype=np.float32)
        st.drone_strikes_on_routes = np.zeros((st.n, 1))

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        # the sectors fought over somewhere today: drones fly and strike nowhere else
        rows = front(st)
        live = st.alive.astype(float)
        drones = st.drones                                                   # (n, D)
        launched = drones * self.launch_rate
        launched *= live[:, None]
        launched32 = np.ascontiguousarray(launched.T, dtype=np.float32)      # (D, n)
        decoys = np.zeros(st.n)                      # decoy airframes, type after type
        for d in self.decoy_types:
            decoys += drones[:, d]
        decoys = decoys * p.row("air_defence.decoy_sorties_per_day") * live   # (n,)
        effort = rows_of(st.a_share, rows) * rows_of(st.active, rows)        # (C, n)
        # positions in the pre-war fortified belt are known from years of watching a static line
        # (by the drones: an attacker with no strike or ISR drone has none of it)
        known_all = p.row("drones.prewar_isr") * (st.sector_state == FORTIFIED) if self.watch \
            else np.zeros_like(st.isr)
        known = rows_of(known_all, rows)
        cover = {k: rows_of(st.air_cover[k], rows) for k in self.used_levels}   # (C, n) each
        # where they fly: the attacker's axes, away from covered airspace (one weight per
        # altitude level), and how many sorties each level puts into each sector
        risk = p.row("drones.risk_aversion")
        level_share = {}
        for k in self.fly_levels:
            w = np.multiply(-risk, cover[k])
            np.exp(w, out=w)
            w *= effort
            level_share[k] = share_of(w)
        # loitering munitions are spent anyway and hunt air defence: they go where the
        # attacker attacks, whatever the cover
        strike_share = share_of(effort)
        sorties = {}                                                         # level -> (C, n)
        for d in self.active_types:
            k = int(self.level[d])
            where = strike_share if self.loiter[d] else level_share[k]
            add = where * launched32[d]
            if k in sorties:
                sorties[k] += add
            else:
                sorties[k] = add
        real = None                                                          # engaged sorties
        for k, x in sorted(sorties.items()):
            x *= cover[k]
            if real is None:
                real = x
            else:
                real += x
        if real is None:
            real = np.zeros_like(effort)
        # air defence engages at most its channels; decoys draw their share of engagements
        ads = rows_of(st.ad_share, rows)                                     # (2, C, n)
        chan = ads[0] * self.g_chan[0]
        chan += ads[1] * self.g_chan[1]
        # engagements (float32 like the unsuppressed share; any wider operand would widen the
        # chain, its float32 operands then converted once rather than in each operation)
        capacity = chan * p.row("drones.engagements_per_channel")
        wide = np.result_type(capacity, self.unsuppressed)
        shape = capacity.shape
        capacity = self._work("capacity", shape, wide, capacity)
        capacity *= self.unsuppressed
        dec = p.row("drones.decoy_realism") * decoys.astype(np.float32) * strike_share
        want = real
        want += dec
        want = self._work("want", shape, wide, want)
        np.minimum(capacity, want, out=capacity)
        on_real = ratio(capacity, want, out=capacity)
        gun = ads[0] * self.g_gun[0]
        gun += ads[1] * self.g_gun[1]
        gun = ratio(gun, chan)
        pk = (1 - gun) * p.row("drones.kill_probability_sam")
        pk += gun * p.row("drones.kill_probability_gun")
        hit = on_real
        hit *= pk.astype(hit.dtype, copy=False)   # chance an engaged real drone is downed
        # by level: engaged and hit, and not
        downed = {k: np.multiply(cover[k], hit, out=self._work(("downed", k), shape, hit.dtype))
                  for k in sorties}
        survive = {k: np.subtract(1, x, out=self._work(("survive", k), shape, x.dtype))
                   for k, x in downed.items()}
        # per drone type: downed, time on station, targets found, strikes (the products of a
        # sector share and a level, the same for several types, made once)
        lost = launched * self.loiter_runs                                    # (n, D)
        for d in self.decoy_types:
            lost[:, d] += decoys * self.decoy[d]
        look = np.zeros_like(real)
        strikes_d = np.zeros_like(real)
        strikes_l = np.zeros_like(real)
        wide = np.result_type(real, hit)
        flying = self._work("flying", shape, wide)
        tmp = self._work("tmp", shape, wide)
        munitions = p.row("drones.munitions_per_sortie").astype(wide, copy=False)
        launched_w = launched32.astype(wide, copy=False)             # launched32's values
        alive_share, down_sum = {}, {}
        find = rows_of(self.find, rows) if self.find is not None else None    # (H, C, n)
        for d in self.active_types:
            k = int(self.level[d])
            key = (bool(self.loiter[d]), k)
            where = strike_share if self.loiter[d] else level_share[k]
            if key not in alive_share:
                where = self._work(("where",) + key, shape, wide, where)
                alive_share[key] = (np.multiply(where, survive[k], out=self._work(
                    ("alive",) + key, shape, wide)), where)
            np.multiply(alive_share[key][0], launched_w[d], out=flying)       # (C, n)
            if self.flies[d]:                     # downed: the engaged that were hit
                if key not in down_sum:
                    down_sum[key] = total(np.multiply(alive_share[key][1], downed[k],
                                                      out=tmp))
                lost[:, d] += down_sum[key] * launched[:, d]
            look += np.multiply(flying, np.float32(self.hours[d]), out=tmp)
            if self.strike[d] or self.loiter[d]:
                found = np.multiply(flying, np.maximum(find[self.find_row[d]], known),
                                    out=flying)
                if self.strike[d]:
                    strikes_d += np.multiply(found, munitions, out=found)
                else:
                    strikes_l += found
        gone = np.minimum(lost, drones)
        drones -= gone
        st.drones_lost += gone
        # loitering munitions resupplied (deliveries during the war)
        drones += self.resupply * live[:, None]
        # ISR coverage (where no drone flies: what was known before the war)
        isr = np.multiply(look, rows_of(self.rate, rows), out=look)
        np.negative(isr, out=isr)
        isr /= p.row("drones.detection_hours_for_coverage")
        np.exp(isr, out=isr)
        isr = np.subtract(1, isr, out=isr)
        np.maximum(isr, known, out=isr)
        if rows is None:
            st.isr = isr
        else:
            put_rows(known_all, rows, isr)
            st.isr = known_all
        # targets in each sector, weighted by priority
        de, dp = rows_of(st.de, rows), rows_of(st.dp, rows)
        count = ads * st.ad_count_g[:, None, :]                               # (2, C, n)
        ad_seen = count[0] + count[1]
        radar = ads[0] * self.g_emit[0]
        radar += ads[1] * self.g_emit[1]
        arty = de[2] + de[3]
        armour = de[0] + de[1]
        troops = dp / TROOP_GROUP
        sead = p.row("drones.sead_priority")
        roads = count_true(np.ascontiguousarray(st.route_open[:, self.def_route].T)).astype(
            np.float32) * p.row("drones.interdiction_priority")               # (n,) open roads
        pk_hit = p.row("drones.kill_probability")
        road_hits = np.zeros(st.n)
        ar = p.row("drones.anti_radiation")
        road = roads * effort
        for cause, strikes, ad_w, emit in ((DRONE, strikes_d, sead * ad_seen, None),
                                           (LOITERING, strikes_l, sead * (ad_seen + ar * radar),
                                            ar)):
            tot = ad_w + arty
            tot += armour
            tot += troops
            road_share = road + tot
            road_share += TINY
            np.divide(road, road_share, out=road_share)
            road_hits = road_hits + (strikes * road_share).sum(axis=0)
            scale = np.subtract(1, road_share, out=road_share)
            scale *= strikes
            scale *= pk_hit
            tot += TINY
            scale /= tot                                                   # hits per target
            self._strike(st, de, dp, ads, scale, ad_w, count, ad_seen, troops, cause, p, emit)
        put_rows(st.de, rows, de)
        put_rows(st.dp, rows, dp)
        put_rows(st.ad_share, rows, ads)
        st.drone_strikes_on_routes = (road_hits * pk_hit).astype(float)[:, None]

    def _work(self, name, shape, dtype, values=None) -> np.ndarray:
        """A work array kept from day to day (the engagement chain's float64 temporaries: made
        anew each day they made the heap grow and shrink, page by page), holding ``values``
        converted to ``dtype`` if given."""
        ws = self.__dict__.setdefault("_ws", {})
        a = ws.get(name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = ws[name] = np.empty(shape, dtype=dtype)
        if values is not None:
            np.copyto(a, values)
        return a

    def _strike(self, st, de, dp, ads, scale, ad_w, count, ad_seen, troops, cause, p, emit):
        """Book the hits (``scale`` per unit of each target pool, (C, n)) on air defence
        (``ads``), guns and armour (``de``) and troops (``dp``) of the sectors struck. Hits on
        air defence spread over the systems by their numbers (× 1 + ``emit`` for the emitting
        group, which loitering munitions home on; ``ad_seen``: both groups' systems, their
        sum unweighted)."""
        hits = scale * ad_w                                                 # on air defence
        if emit is None:
            per = ratio(hits, ad_seen)
            np.minimum(per, 1, out=per)
            shares = (per, per)
        else:
            w0 = 1 + emit
            tot = count[0] * w0
            tot += count[1]
            per = ratio(hits, tot)
            shares = (np.minimum(per * w0, 1), np.minimum(per, 1))
        lose_air_defence(st, shares, cause, ad_share=ads)
        # guns and armour: the share of each pool hit is killed (at most all of it)
        k = de * np.minimum(scale, 1)
        de -= k
        st.loss_e[cause, 1] += k.sum(axis=1, dtype=float)
        cas = np.multiply(scale, troops, out=scale)
        cas *= p.row("drones.casualties_per_troop_strike")
        np.minimum(dp, cas, out=cas)
        dp -= cas
        st.cas_c[cause, 1] += total(cas)
