"""Casualties: each day's losses by cause split into killed, wounded and missing or captured,
taken off each side's strength and recorded by day and cause.

Of the day's battle casualties (drone, loitering munition, artillery, direct fire),
``casualties.killed_share`` are killed (historical wounded to killed ratios of about 3:1 to
4:1, Dupuy, *Attrition*, 1990) and the rest wounded; those taken in cut-off sectors are missing
or captured. The casualties were already taken from the sectors where they happened (by each
mechanism); this step books them and sets each side's totals (sectors + reserve + mobilised
arrivals) for the mechanisms that read them.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import CAPTURED, CAUSES, total

REMNANT = 1e-6


class Casualties(Component):
    """Book the day's casualties by cause; killed / wounded / missing; daily record."""

    name = "casualties"
    params = ("casualties.killed_share",)

    def init(self, sim):
        self.eq_before = np.zeros((2, sim.theatre.equipment.shape[1], sim.state.n))
        self.ad_before = np.zeros((len(sim.theatre.ad_ids), sim.state.n))

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        cas = st.cas_c                                                   # (K, 2, n)
        battle = cas[:CAPTURED].sum(axis=0)                              # (2, n)
        killed = battle * p.row("casualties.killed_share")
        st.killed += killed.T
        st.wounded += (battle - killed).T
        st.missing += cas[CAPTURED].T
        st.cas_total += cas
        sim.record_day("killed", day, killed.T)
        sim.record_day("cause", day, cas.reshape(len(CAUSES) * 2, -1).T)
        eq = st.loss_e.sum(axis=0)                                        # (2, E, n)
        sim.record_day("equip", day, (eq - self.eq_before).reshape(-1, st.n).T)
        self.eq_before = eq
        ad = st.loss_ad.sum(axis=0)                                       # (A, n)
        sim.record_day("ad", day, (ad - self.ad_before).T)
        self.ad_before = ad
        st.cas_c = np.zeros_like(cas)
        # remnants below a millionth of a person or system are none: left alone, repeated
        # proportional losses shrink them into subnormal floats, which the CPU handles ~50x slower
        # (only the few entries not already +0 are written: most below REMNANT are +0, the
        # sectors nobody holds; their bits, 0 for +0 alone, tell them apart from -0)
        for a in (st.dp, st.de, st.ad_share):
            small = a < REMNANT
            small &= a.view(f"u{a.itemsize}") != 0
            if small.any():
                a[small] = 0
        st.pers = np.stack([st.ap, total(st.dp) + st.dres], axis=1)

    def finalize(self, sim):
        st = sim.state
        st.equip_lost = np.moveaxis(st.loss_e.sum(axis=0), -1, 0)       # (n, 2, E)
        st.ad_lost = st.loss_ad.sum(axis=0).T                            # (n, A)
        st.equip = np.stack([st.ae.T, (st.de.sum(axis=1, dtype=float) + st.dres_e).T], axis=1)
