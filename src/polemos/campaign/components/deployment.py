"""Forces where they are: each side's forces by sector on day 1, and reserves that move.

Day 1 (no sourced deployment by sector was found for 2020, so a stated rule): the theatre
force of a side is its standing force, volunteers and foreign fighters × its theatre share
(``deployment.theatre_share_attacker`` / ``_defender``). The defender holds
``deployment.garrison_share`` of it in the contestable sectors and keeps the rest as a mobile
reserve. A sector's garrison weight is its line of contact × a density by relief (plain = 1,
``deployment.density_foothill`` / ``_mountain``: more troops per km where the ground favours
the defence) plus depth garrisons, ``deployment.depth_per_1000km2`` × area (km²/1,000), and
town garrisons, ``deployment.town_per_10k_people`` × population (/10,000: towns hold
headquarters, depots and their own defenders);
equipment and air-defence systems stand where the troops are (the same weights; air defence
by system and sector is then its theatre count × a surviving share per group and sector,
:func:`polemos.campaign.sectors.ad_groups`). The attacker
fights from a theatre pool: on each axis it has its share (``state.a_share``) of the
committed part (``ground_combat.committed_share``).

Daily: the attacker's shares move towards the axes manoeuvre chose at
``deployment.attacker_regroup_rate`` of the gap per day, no faster than its lift carries; the
defender commits up to ``deployment.reserve_commit_rate`` of its reserve per day to the sectors
under attack, in proportion to the attacker's effort there, no faster than its lift (persons
per day over its open roads, from logistics). Sources: the rule is a modelling choice in the
spirit of Dupuy's force-to-space ratios (troops per km of front by terrain) and Epstein's
adaptive defence (reserves committed where the attack falls).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import (
    F32,
    ad_groups,
    front,
    put_rows,
    ratio,
    rows_of,
    share_of,
    sum_by_ad_group,
)


class Deployment(Component):
    """Forces by sector on day 1; attacker regroups, defender commits reserves (lift-limited)."""

    name = "deployment"
    params = ("deployment.theatre_share_attacker", "deployment.theatre_share_defender",
              "deployment.garrison_share", "deployment.density_foothill",
              "deployment.density_mountain", "deployment.depth_per_1000km2",
              "deployment.town_per_10k_people", "deployment.attacker_regroup_rate",
              "deployment.reserve_commit_rate", "ground_combat.committed_share")

    def init(self, sim):
        th, st, p, b = sim.theatre, sim.state, sim.params, sim.bound
        n, cols = st.n, th.cols
        force = b["forces.personnel_standing"] + b["forces.volunteers"] + b["forces.foreign_fighters"]
        share = np.stack([p.row("deployment.theatre_share_attacker"),
                          p.row("deployment.theatre_share_defender")], axis=1)
        theatre = share * force                                                # (n, 2)
        relief = th.relief[cols]
        dens = np.stack([np.ones(n, dtype=F32), p.row("deployment.density_foothill"),
                         p.row("deployment.density_mountain")])[relief]        # (C, n)
        w = th.front_km[cols, None].astype(F32) * dens + p.row("deployment.depth_per_1000km2") * (
            th.area_km2[cols, None] / 1000.0).astype(F32) + p.row(
            "deployment.town_per_10k_people") * (th.population[cols, None] / 1e4).astype(F32)
        w = share_of(w)                                                        # (C, n)
        garrison = p.row("deployment.garrison_share") * theatre[:, 1]
        st.dp = w * garrison.astype(F32)                      # defender personnel by sector
        st.dp_peak = st.dp.copy()
        st.dres = theatre[:, 1] - garrison                    # the defender's mobile reserve
        eq = b["equipment"]                                   # (n, 2, E)
        frac = ratio(garrison, theatre[:, 1])
        st.de = (eq[:, 1, :].T[:, None, :] * frac).astype(F32) * w   # (E, C, n) equipment
        st.dres_e = eq[:, 1, :].T * (1 - frac)                # (E, n)
        st.ad0 = np.ascontiguousarray(b["ad_count"].T, dtype=F32)   # (A, n) theatre counts
        st.ad_share = np.stack([w, w])         # (2, C, n): by group, share standing in sector
        st.ad_groups = ad_groups(th.ad_class)
        st.ad_count_g = sum_by_ad_group(st.ad_groups, st.ad0)              # (2, n) systems
        st.ap = theatre[:, 0].copy()                          # attacker theatre pool (n,)
        st.ae = eq[:, 0, :].T.copy()                          # (E, n)
        st.a_share = share_of(th.front_km[cols, None].astype(F32) * np.ones((1, n), F32))
        st.pers = np.ascontiguousarray(theatre)
        st.strength0 = st.pers.copy()

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        live = st.alive.astype(float)
        # the attacker regroups towards the chosen axes, as fast as its lift allows
        committed = p.row("ground_combat.committed_share") * st.ap
        rate = p.row("deployment.attacker_regroup_rate")
        gap = st.a_target - st.a_share
        need = np.abs(gap).sum(axis=0) * 0.5 * committed                      # persons moved
        rate = rate * np.minimum(1.0, ratio(st.lift[:, 0], rate * need, 1.0))
        gap *= (rate * live).astype(F32)
        st.a_share += gap
        # the defender commits reserves where the attack falls, as fast as its lift allows (on
        # the sectors fought over in some run: nothing goes elsewhere)
        moved = np.minimum(p.row("deployment.reserve_commit_rate") * st.dres, st.lift[:, 1])
        moved *= live * (st.active.any(axis=0))
        rows = front(st)
        where = share_of(rows_of(st.a_share, rows) * rows_of(st.active, rows))  # (C, n)
        frac = ratio(moved, st.dres)
        dp, de = rows_of(st.dp, rows), rows_of(st.de, rows)
        dp += where * moved.astype(F32)
        de += where * (st.dres_e * frac).astype(F32)[:, None, :]
        put_rows(st.dp, rows, dp)
        put_rows(st.de, rows, de)
        st.dres -= moved
        st.dres_e *= 1 - frac
        np.maximum(st.dp_peak, st.dp, out=st.dp_peak)
