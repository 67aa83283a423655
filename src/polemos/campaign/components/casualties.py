"""Casualties: each day's losses split into killed, wounded and missing or captured, and taken
off each side's strength.

Of the day's battle casualties, ``casualties.killed_share`` are killed (historical wounded to
killed ratios of about 3:1 to 4:1, Dupuy, *Attrition*, 1990) and the rest wounded; the missing
and captured come from sectors overrun that day (movement). Wounded leave the front:
``casualties.wounded_return_share`` come back after treatment (not modelled in time: removed).
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component


class Casualties(Component):
    """Split the day's casualties into killed / wounded / missing and update strengths."""

    name = "casualties"
    params = ("killed_share",)

    def step(self, sim, day):
        st, p = sim.state, sim.params
        live = st.alive[:, None]
        cas = np.minimum(st.cas_today * live, st.pers)
        miss = np.minimum(st.missing_today * live, st.pers - cas)
        killed = cas * p["casualties.killed_share"]
        st.killed += killed
        st.wounded += cas - killed
        st.missing += miss
        st.pers -= cas + miss
        sim.record.killed[:, day - 1, :] = killed
        st.cas_today = np.zeros_like(st.cas_today)
        st.missing_today = np.zeros_like(st.missing_today)
