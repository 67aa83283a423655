"""Any war, not only Karabakh: the skeleton of `polemos new` runs on the engine's defaults, and
so does it without drones, without air defence, without electronic warfare, or with one sector
to fight over (one test per absence)."""

import numpy as np
import pytest
from campaign_helpers import drop_tables

from polemos.campaign.engine import Ensemble, Simulation, run_ensemble
from polemos.scenario import load_scenario
from polemos.scenario.new import write_new


@pytest.fixture
def skeleton(tmp_path):
    """Write the skeleton with ``edit`` applied; return the loaded scenario."""
    def make(edit=lambda t: t):
        folder = tmp_path / "war"
        (path,) = write_new("war", folder)
        path.write_text(edit(path.read_text()))
        return load_scenario(folder, strict=True)
    return make


def _run(sc, runs=200, days=12):
    return run_ensemble(sc, Ensemble(runs=runs, seed=5, mode="prior", max_days=days))


def test_the_skeleton_is_a_war(skeleton):
    sc = skeleton()
    assert sc.defaults and not sc.parameters.get("inputs")
    t = _run(sc).table()
    assert (t.killed_red > 0).all() and (t.killed_blue > 0).all()
    assert t.area_taken_share.median() > 0
    assert t.casualties_drone_blue.median() > 0          # its strike drones hit something


def test_a_war_without_drones(skeleton):
    sc = skeleton(lambda t: drop_tables(t, r"forces\.red\.drones\.\w+"))
    assert not sc.forces["red"].drones
    t = _run(sc).table()
    assert (t.killed_blue > 0).all()
    for cause in ("drone", "loitering_munition", "artillery_drone_directed"):
        assert (t[f"casualties_{cause}_blue"] == 0).all(), cause


def test_a_war_without_air_defence(skeleton):
    sc = skeleton(lambda t: drop_tables(t, r"forces\.blue\.air_defence\.\w+"))
    assert not sc.forces["blue"].air_defence
    t = _run(sc).table()
    assert (t.killed_blue > 0).all()
    assert (t.lost_air_defence_blue == 0).all()
    fought = t.airspace_permissive_share > 0
    assert fought.any() and (t.airspace_permissive_share[fought] == 1).all()


def test_a_war_without_electronic_warfare(skeleton):
    sc = skeleton(lambda t: drop_tables(t, r"forces\.\w+\.electronic_warfare\.\w+"))
    assert not any(f.electronic_warfare for f in sc.forces.values())
    sim = Simulation(sc, np.arange(100), seed=5, mode="prior", max_days=12).run()
    np.testing.assert_array_equal(sim.state.ad_suppressed, 0)   # nothing jams
    assert (sim.state.killed > 0).all()


def test_a_war_over_one_sector(skeleton):
    def one_sector(t):
        for pat in (r"sectors\.(hills|capital|blue_rear)", r"links\.\w*(hills|capital)\w*",
                    r"routes\.blue_hill_road", r"objectives\.capital"):
            t = drop_tables(t, pat)
        return t.replace('path = ["blue_rear", "capital", "plain"]', 'path = ["plain"]')
    sc = skeleton(one_sector)
    assert len(sc.sectors) == 2 and not sc.objectives
    res = _run(sc, days=20)
    t = res.table()
    assert (t.killed_blue > 0).all()
    plain = res.theatre.sector_ids.index("plain")
    np.testing.assert_allclose(t.area_taken_share, res.arrays["ctrl_final"][:, plain],
                               rtol=1e-6)
    assert t.area_taken_share.max() > 0
