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
    from polemos.campaign.sectors import ad_by_sector

    ad = ad_by_sector(s, s.ad_groups)                                   # (A, C, n) systems
    assert (ad >= 0).all()
    for name in ("pers", "equip", "ad_share", "drones", "killed", "wounded", "missing", "equip_lost",
                 "ad_lost", "drones_lost", "stock", "interdiction", "dp", "de", "dres",
                 "dres_e", "ap", "ae", "cas_total", "loss_e", "loss_ad", "pen"):
        assert (getattr(s, name) >= -1e-9).all(), name
    assert ((s.ctrl >= 0) & (s.ctrl <= 1)).all()
    assert ((s.sector_state >= 0) & (s.sector_state <= 3)).all()
    assert ((s.air_cover >= 0) & (s.air_cover <= 1)).all()
    # the sector-major arrays: (…, contestable sectors, runs)
    C, n = len(th.cols), 64
    assert s.dp.shape == (C, n) and ad.shape == (len(th.ad_ids), C, n)
    # the attacker's shares of effort: at most its whole force (less once no sector is active)
    assert (s.a_share.sum(axis=0) <= 1 + 1e-5).all()      # float32
    # losses never above what there was: equipment, air defence (in the sectors), drones
    # (float32 sector arrays; remnants below 1e-6 a sector are zeroed daily, unbooked)
    np.testing.assert_allclose(s.equip + s.equip_lost, sim.bound["equipment"], rtol=1e-5,
                               atol=1e-3)
    np.testing.assert_allclose(ad.sum(axis=1).T + s.ad_lost, sim.bound["ad_count"],
                               rtol=1e-5, atol=1e-3)
    # drones: airframes and decoys are conserved; loitering munitions are also resupplied
    loiter = np.array([r == "loitering" for r in th.drone_role])
    count = sim.bound["drone_count"]
    np.testing.assert_allclose((s.drones + s.drones_lost)[:, ~loiter], count[:, ~loiter],
                               rtol=1e-9, atol=1e-9)
    assert ((s.drones + s.drones_lost)[:, loiter] >= count[:, loiter] - 1e-9).all()
    # personnel: what arrived = what is left + what was lost
    arrived = s.strength0 + (sim.bound["forces.personnel_mobilised"] - s.mob_left)
    np.testing.assert_allclose(s.pers + s.killed + s.wounded + s.missing, arrived, rtol=1e-5)
    # area is conserved: the attacker's and the defender's shares add up to each sector
    held_att = (s.ctrl * th.area_km2).sum(1)
    held_def = ((1 - s.ctrl) * th.area_km2).sum(1)
    np.testing.assert_allclose(held_att + held_def, th.area_km2.sum())
    # only the defender's contestable sectors ever change hands
    fixed = np.broadcast_to(th.attacker_held0[~th.contestable], s.ctrl[:, ~th.contestable].shape)
    np.testing.assert_array_equal(s.ctrl[:, ~th.contestable], fixed)
    assert ((s.end_day >= 1) & (s.end_day <= days)).all()
