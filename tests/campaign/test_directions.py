"""Each mechanism moves the outcome in the direction it implies (paired runs, same streams).

Tolerances: a difference must exceed 3 standard errors of the paired mean difference.
"""

import numpy as np
import pytest

from polemos.campaign.engine import Ensemble, Simulation, run_ensemble
from polemos.scenario import load_scenario

RUNS = 600


def _paired(base_overrides, alt_overrides, metric):
    a = load_scenario("karabakh_2020", base_overrides)
    b = load_scenario("karabakh_2020", alt_overrides)
    ens = Ensemble(runs=RUNS, seed=17, mode="prior")
    ra, rb = run_ensemble(a, ens), run_ensemble(b, ens)
    d = metric(rb) - metric(ra)
    return d.mean(), d.std(ddof=1) / np.sqrt(len(d))


def _area_by_day(res, day):
    return res.defender_area_by_day()[:, day - 1]


NO_DRONES = [f"forces.azerbaijan.drones.{k}.count=0" for k in
             ("tb2", "harop", "skystriker", "orbiter", "hermes900")]


def test_no_drones_slows_the_attacker():
    # area still held by the defender on day 30: more without the attacker's drones
    mean, se = _paired([], NO_DRONES, lambda r: _area_by_day(r, 30))
    assert mean > 3 * se and mean > 0


def test_mountains_slow_the_advance(karabakh):
    flat = [f"sectors.{s}.relief=\"plain\"" for s, sec in karabakh.sectors.items()
            if sec.relief == "mountain"]
    mean, se = _paired(flat, [], lambda r: r.area_taken_share())
    assert mean < -3 * se


def test_fortified_line_slows_the_advance():
    mean, se = _paired([], ["parameters.inputs.fortified_line_depth_km.value=15"],
                       lambda r: r.area_taken_share())
    assert mean < -3 * se


def test_a_cut_road_starves_the_sector_behind_it(karabakh):
    """Take the sectors on both Armenian roads: the sectors behind lose supply after their
    stocks run out, while they are supplied as long as a road is open."""
    sim = Simulation(karabakh, np.arange(20), seed=1, mode="point", max_days=30)
    for c in sim.components:
        c.init(sim)
    logistics = next(c for c in sim.components if c.name == "logistics")
    ids = sim.theatre.sector_ids
    behind = ids.index("stepanakert")
    col = list(sim.theatre.cols).index(behind)      # supply is kept per contestable sector

    def supply_behind():
        return np.broadcast_to(sim.state.sector_supply, (20, len(sim.theatre.cols)))[:, col]

    logistics.step(sim, 1)
    assert sim.state.connected[:, behind].all()
    assert (supply_behind() > 0.5).all()
    for s in ("lachin", "kalbajar"):
        sim.state.ctrl[:, ids.index(s)] = 1.0
    stock = int(np.ceil(sim.params["logistics.stock_days"].max()))
    for day in range(2, stock + 4):
        logistics.step(sim, day)
    assert not sim.state.connected[:, behind].any()
    cutoff = sim.params["logistics.cutoff_power"][:, 0]
    np.testing.assert_allclose(supply_behind(), cutoff)
    assert (sim.state.lift[:, 1] == 0).all()  # no troops reach the defender any more


def test_more_defender_road_capacity_helps_the_defender():
    mean, se = _paired([], ["parameters.inputs.m12_capacity_t_per_day.value=20000"],
                       lambda r: r.area_taken_share())
    assert mean < 0 and abs(mean) > 3 * se


@pytest.mark.parametrize("side", ["attacker", "defender"])
def test_network_sets_the_lift_ratio(side, karabakh):
    """Each side's troop lift (so their ratio, the "ten times faster") comes from its network's
    capacities: closing one of its routes lowers it."""
    key = ("parameters.inputs.az_rail_south_capacity_t_per_day.value=0" if side == "attacker"
           else "parameters.inputs.vardenis_road_capacity_t_per_day.value=0")
    i = 0 if side == "attacker" else 1
    mean, se = _paired([], [key], lambda r: r.arrays["daily_lift"][:, :10, i].mean(1))
    assert mean < -3 * se  # the side's own lift falls with its network's capacity
