"""Invariants of the engine over random parameter draws (hypothesis picks seeds and horizons)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from polemos.campaign.engine import Simulation
from polemos.scenario import load_scenario

_KB = load_scenario("karabakh_2020")


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), days=st.integers(1, 60))
def test_state_stays_physical(seed, days):
    karabakh = _KB
    sim = Simulation(karabakh, np.arange(64), seed=seed, mode="prior", max_days=days).run()
    s, th = sim.state, sim.theatre
    for name in ("pers", "equip", "ad", "drones", "killed", "wounded", "missing", "equip_lost",
                 "ad_lost", "drones_lost", "stock", "interdiction"):
        assert (getattr(s, name) >= -1e-9).all(), name
    assert ((s.ctrl >= 0) & (s.ctrl <= 1)).all()
    # losses never above what there was: equipment, air defence, drones
    np.testing.assert_allclose(s.equip + s.equip_lost, sim.bound["equipment"], rtol=1e-9)
    np.testing.assert_allclose(s.ad + s.ad_lost, sim.bound["ad_count"], rtol=1e-9)
    assert (s.drones_lost <= sim.bound["drone_count"] + 1e-9).all()
    # personnel: what arrived = what is left + what was lost
    arrived = s.strength0 + (sim.bound["forces.personnel_mobilised"] - s.mob_left)
    np.testing.assert_allclose(s.pers + s.killed + s.wounded + s.missing, arrived, rtol=1e-9)
    # area is conserved: the attacker's and the defender's shares add up to each sector
    held_att = (s.ctrl * th.area_km2).sum(1)
    held_def = ((1 - s.ctrl) * th.area_km2).sum(1)
    np.testing.assert_allclose(held_att + held_def, th.area_km2.sum())
    # only the defender's contestable sectors ever change hands
    fixed = np.broadcast_to(th.attacker_held0[~th.contestable], s.ctrl[:, ~th.contestable].shape)
    np.testing.assert_array_equal(s.ctrl[:, ~th.contestable], fixed)
    assert ((s.end_day >= 1) & (s.end_day <= days)).all()
