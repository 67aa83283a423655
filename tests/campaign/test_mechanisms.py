"""Each mechanism's own direction, holding everything else fixed (paired runs, same streams).

A difference must exceed 3 standard errors of the paired mean difference.
"""

import numpy as np
import pytest
from campaign_helpers import QUIET

from polemos.campaign.engine import Simulation
from polemos.scenario import load_scenario

RUNS = 400


def _pair(alt, metric, days=20, base=()):
    a = load_scenario("karabakh_2020", QUIET + list(base))
    b = load_scenario("karabakh_2020", QUIET + list(base) + alt)
    sa = Simulation(a, np.arange(RUNS), seed=21, mode="prior", max_days=days).run()
    sb = Simulation(b, np.arange(RUNS), seed=21, mode="prior", max_days=days).run()
    d = metric(sb) - metric(sa)
    return d.mean(), d.std(ddof=1) / np.sqrt(len(d))


def ad_lost_to_drones(sim):
    from polemos.campaign.sectors import DRONE, LOITERING

    return sim.state.loss_ad[[DRONE, LOITERING]].sum(axis=(0, 1))


def drones_lost(sim):
    return sim.state.drones_lost.sum(1)


def ad_lost(sim):
    return sim.state.ad_lost.sum(1)


def defender_lift(sim):
    return sim.record.lift[:, :10, 1].mean(1)


def def_casualties(sim):
    return (sim.state.killed + sim.state.wounded)[:, 1]


@pytest.mark.parametrize("alt,metric,sign", [
    # air defence that kills more of the drones it engages downs more of them
    (["parameters.drones.kill_probability_sam.value=0.8"], drones_lost, +1),
    # decoys that draw no fire leave the real drones more exposed
    # a higher priority on air defence destroys more of it
    (["parameters.drones.sead_priority.value=50"], ad_lost, +1),
    # forest hides targets: fewer air-defence systems found and destroyed
    (["parameters.drones.forest_masking.value=1"], ad_lost_to_drones, -1),
    # ISR coordination makes the attacker's rocket artillery deadlier
    (["parameters.fires.isr_bonus.value=3"], def_casualties, +1),
    # deadlier artillery per tube
    (["parameters.fires.casualties_per_tube_day.value=0.5"], def_casualties, +1),
    # ballistic missiles on the roads cut the defender's lift
    (["parameters.logistics.missile_strikes_per_launcher_day.value=0.5",
      "parameters.logistics.damage_per_strike.value=0.1"], defender_lift, -1),
])
def test_mechanism_direction(alt, metric, sign):
    mean, se = _pair(alt, metric)
    assert sign * mean > 3 * se, (mean, se)


def test_jamming_degrades_drones_only_when_fielded():
    """The defender's EW effect matters only if the defender has EW systems."""
    with_ew = ["parameters.drones.defender_ew_max.value=0.8",
               "parameters.inputs.arm_pole21_count.value=5"]
    none = ["parameters.drones.defender_ew_max.value=0.8",
            "parameters.inputs.arm_pole21_count.value=0",
            "parameters.inputs.arm_repellent_count.value=0"]
    base_none = ["parameters.drones.defender_ew_max.value=0",
                 "parameters.inputs.arm_pole21_count.value=0",
                 "parameters.inputs.arm_repellent_count.value=0"]
    mean, se = _pair(with_ew, ad_lost)
    assert mean < -3 * se
    a = load_scenario("karabakh_2020", QUIET + none)
    b = load_scenario("karabakh_2020", QUIET + base_none)
    sa = Simulation(a, np.arange(100), seed=3, mode="prior", max_days=10).run()
    sb = Simulation(b, np.arange(100), seed=3, mode="prior", max_days=10).run()
    np.testing.assert_array_equal(sa.state.ad_lost, sb.state.ad_lost)


def test_decoys_draw_engagements_when_channels_are_saturated():
    """An-2 decoys soak up engagements only when air defence has more targets than channels:
    with the channels saturated, decoys that draw no fire (realism 0) leave more real drones
    to be shot down."""
    saturated = ["parameters.drones.engagements_per_channel.value=0.2",
                 "parameters.drones.decoy_realism.value=1"]
    real = [d for d in ("tb2", "orbiter", "hermes900")]

    def real_drones_lost(sim):
        idx = [sim.theatre.drone_ids.index(d) for d in real]
        return sim.state.drones_lost[:, idx].sum(1)
    mean, se = _pair(["parameters.drones.decoy_realism.value=0"], real_drones_lost,
                     base=saturated)
    assert mean > 3 * se, (mean, se)
