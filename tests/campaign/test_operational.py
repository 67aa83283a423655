"""The operational layer's mechanisms and states, one direction each (paired runs).

Every pair runs the same seed with common random numbers in point mode (only the day-to-day
noise of fires and ground combat differs between runs), every ending silenced unless the test
is about one, a fixed horizon and at most 256 runs (one chunk, never compacted). A difference
must exceed 3 standard errors of the paired mean difference and be non-zero.
"""

import numpy as np
import pytest
from campaign_helpers import NO_ACCEPTANCE, NO_BREAKPOINTS, NO_RED_LINE, NO_TALKS, QUIET

from polemos.campaign.engine import Simulation
from polemos.campaign.sectors import (
    ARTILLERY_DIRECTED,
    BROKEN,
    CAPTURED,
    CAUSES,
    DRONE,
    LOITERING,
    pick,
)
from polemos.campaign.state import ACCEPTED, INTERVENTION
from polemos.campaign.theatre import AD_CLASSES
from polemos.scenario import load_scenario

RUNS = 200
SEED = 7
DAYS = 25


def _sim(overrides, days=DAYS, quiet=QUIET):
    sc = load_scenario("karabakh_2020", quiet + overrides)
    return Simulation(sc, np.arange(RUNS), seed=SEED, mode="point", max_days=days).run()


def _paired(base, alt, metric, sign, days=DAYS, quiet=QUIET):
    a, b = _sim(base, days, quiet), _sim(alt, days, quiet)
    d = np.asarray(metric(b), dtype=float) - np.asarray(metric(a), dtype=float)
    mean, se = d.mean(), d.std(ddof=1) / np.sqrt(len(d))
    assert sign * mean > 3 * se and sign * mean > 0, (mean, se)
    return a, b


def area(sim):
    th = sim.theatre
    return (sim.state.ctrl * th.area_km2 * th.contestable).sum(1) / th.defender_area0


def fall_day(sid):
    """Day the sector was taken (the horizon + 1 if it was not)."""
    def metric(sim):
        d = sim.state.sector_day[:, sim.theatre.sector_ids.index(sid)].astype(float)
        return np.where(d < 0, sim.max_days + 1, d)
    return metric


def defender_cas(*causes):
    def metric(sim):
        return sim.state.cas_total[list(causes), 1].sum(axis=0)
    return metric


def _ad_counts(sc_keys, value):
    return [f"forces.armenia.air_defence.{k}.count={value}" for k in sc_keys]


@pytest.fixture(scope="module")
def karabakh():
    return load_scenario("karabakh_2020")


# (a) built-up ground: the QJM Urban factors (defence 1.4, advance 0.7) against rolling ground
# (1.3, 0.8). Not in the mountains: there the QJM's Rugged factors (1.55, 0.5) favour the
# defence more than Urban does, so a built-up share makes a mountain town (Shusha) fall sooner.
def test_a_town_falls_later():
    def urban(v):
        return [f'sectors.khojavend.urban_share={{ value = {v}, kind = "estimate", '
                'sources = ["ck"] }']
    _paired(urban(0.0), urban(1.0), fall_day("khojavend"), +1)


# (b) a prepared second line behind the belt everywhere
def test_b_a_prepared_line_behind_the_belt_slows_the_advance(karabakh):
    every = [f"sectors.{s}.behind_line=\"prepared\"" for s, sec in karabakh.sectors.items()]
    hasty = [f"sectors.{s}.behind_line=\"hasty\"" for s, sec in karabakh.sectors.items()]
    _paired(hasty, every, area, -1)


# (c) a defence that breaks only at a higher power ratio
def test_c_a_higher_break_ratio_breaks_fewer_defences():
    def broken(sim):
        return (sim.state.sector_state == BROKEN).sum(axis=0)
    lo, hi = ["parameters.movement.break_ratio.value=1.5"], ["parameters.movement.break_ratio.value=6"]
    _paired(lo, hi, broken, -1, days=12)
    _paired(lo, hi, area, -1, days=12)


# (d) faster exploitation of a broken defence
def test_d_faster_exploitation_takes_more_area():
    _paired(["parameters.movement.exploitation_km_per_day.value=3"],
            ["parameters.movement.exploitation_km_per_day.value=40"], area, +1, days=20)



# (o) envelopment: a salient breaks once a share of its side's neighbouring sectors is taken
def test_o_a_lower_envelopment_share_breaks_salients_sooner():
    lo, hi = (["parameters.movement.envelop_share.value=1.0"],
              ["parameters.movement.envelop_share.value=0.34"])
    _paired(lo, hi, area, +1, days=20)
    _paired(lo, hi, fall_day("fuzuli"), -1, days=25)


def test_o_each_break_is_recorded_with_its_day_and_cause():
    from polemos.campaign.sectors import BREAK_CAUSES, BROKE_BY_ENVELOPMENT

    lo = _sim(["parameters.movement.envelop_share.value=1.0"], days=25)
    hi = _sim(["parameters.movement.envelop_share.value=0.34"], days=25)
    for sim in (lo, hi):
        st, cols = sim.state, sim.theatre.cols
        day, by, fell = (x[:, cols] for x in (st.sector_break_day, st.sector_break_by,
                                              st.sector_day))
        assert ((by > 0) == (day > 0)).all() and by.max() <= len(BREAK_CAUSES)
        assert (by[fell > 0] > 0).all()                 # every sector taken had broken ...
        assert (day[fell > 0] <= fell[fell > 0]).all()  # ... on or before the day it fell
        broken = (st.sector_state == BROKEN).T          # (n, C): broken at the end
        assert (broken == (by > 0)).all()
    assert (hi.state.sector_break_by == BROKE_BY_ENVELOPMENT).sum() > (
        lo.state.sector_break_by == BROKE_BY_ENVELOPMENT).sum()


def test_o_flank_counts_are_the_neighbours_the_defender_held_on_day_0(karabakh):
    from polemos.campaign.components.movement import flank_counts
    from polemos.campaign.theatre import compile_theatre

    th = compile_theatre(karabakh)
    flanks, held0 = flank_counts(th)
    at = {s: i for i, s in enumerate(np.array(th.sector_ids)[th.cols])}
    # Fuzuli/Varanda: Jabrayil, Hadrut, Khojavend (Horadiz and the Fuzuli front were Azerbaijan's)
    assert held0[at["fuzuli"]] == 3
    assert {s for s, j in at.items() if flanks[at["fuzuli"], j]} == {"jabrayil", "hadrut", "khojavend"}
    # Lachin/Berdzor: its neighbour in Armenia (Goris) counts and is never taken
    assert held0[at["lachin"]] == 5 and flanks[at["lachin"]].sum() == 4

# (e) air defence: none at all; and envelopes that do not reach the TB2's altitude
def test_e_without_air_defence_drones_do_more(karabakh):
    none = _ad_counts(karabakh.forces["armenia"].air_defence, 0)

    def drone_share(sim):      # drones' strikes and the artillery fire they direct
        return (defender_cas(DRONE, LOITERING, ARTILLERY_DIRECTED)(sim)
                / np.maximum(sim.state.cas_total[:CAPTURED, 1].sum(axis=0), 1.0))
    _paired([], none, drone_share, +1)
    _paired([], none, area, +1)


def test_e_air_defence_below_the_tb2_does_not_down_it(karabakh):
    ad = karabakh.forces["armenia"].air_defence
    tb2_alt = karabakh.value(karabakh.forces["azerbaijan"].drones["tb2"].altitude_km)
    low = [f"forces.armenia.air_defence.{k}.ceiling_km={tb2_alt - 0.5}" for k, a in ad.items()
           if a.ceiling_km is not None]
    base, alt = _sim([]), _sim(low)
    tb2 = base.theatre.drone_ids.index("tb2")
    assert base.state.drones_lost[:, tb2].mean() > 0      # reachable: some are downed
    assert (alt.state.drones_lost[:, tb2] == 0).all()     # out of reach: none


# (f) the attacker's electronic warfare suppresses air defence
def test_f_attacker_ew_costs_the_defender_air_defence():
    def drones_lost(sim):
        return sim.state.drones_lost.sum(1)
    ew = ["parameters.air_defence.ew_max.value=0.8", "parameters.air_defence.ew_scale.value=1"]
    none = ["parameters.air_defence.ew_max.value=0"]
    # (in the end most air defence is overrun whatever its drone losses: count those)
    _paired(none, ew, lambda s: s.state.loss_ad[[DRONE, LOITERING]].sum(axis=(0, 1)), +1)
    _paired(none, ew, drones_lost, -1)


# (g) the defender's jamming blinds the drones
def test_g_defender_ew_means_fewer_drone_casualties():
    fielded = ["parameters.inputs.arm_pole21_count.value=5",
               "parameters.inputs.arm_repellent_count.value=5"]
    _paired(["parameters.drones.defender_ew_max.value=0"] + fielded,
            ["parameters.drones.defender_ew_max.value=0.8"] + fielded,
            defender_cas(DRONE, LOITERING), -1)


# (h) a withdrawing defence leaves more behind
def test_h_abandon_share_means_more_captured_equipment():
    _paired(["parameters.movement.abandon_share.value=0.05"],
            ["parameters.movement.abandon_share.value=0.7"],
            lambda s: s.state.loss_e[CAPTURED, 1].sum(axis=0), +1)


# (i) reserves committed faster where the attack falls
def test_i_faster_reserve_commitment_holds_more_ground():
    _paired(["parameters.deployment.reserve_commit_rate.value=0.02"],
            ["parameters.deployment.reserve_commit_rate.value=0.6"], area, -1, days=15)


# (j) Russia's red line (the M-12 cut) with no delay
def test_j_an_immediate_red_line_ends_wars_sooner_by_intervention():
    quiet = NO_ACCEPTANCE + NO_BREAKPOINTS + NO_TALKS
    late = ["parameters.inputs.russia_red_line_delay_days.value=100000"]
    now = ["parameters.inputs.russia_red_line_delay_days.value=0"]
    a, b = _paired(late, now, lambda s: s.state.end_day, -1, days=60, quiet=quiet)
    assert (b.state.end_cause == INTERVENTION).mean() > 0.5
    assert not (a.state.end_cause == INTERVENTION).any()


# (k) a defender that accepts terms sooner
def test_k_lower_acceptance_thresholds_end_wars_sooner():
    quiet = NO_BREAKPOINTS + NO_RED_LINE + NO_TALKS
    high = ["parameters.termination.acceptance_supply_cut.value=0.95",
            "parameters.termination.acceptance_capital_threat.value=0.95"]
    low = ["parameters.termination.acceptance_supply_cut.value=0.2",
           "parameters.termination.acceptance_capital_threat.value=0.1"]
    a, b = _paired(high, low, lambda s: s.state.end_day, -1, days=60, quiet=quiet)
    assert (b.state.end_cause == ACCEPTED).mean() > 0.5


# (l) losses by cause add up to the totals, and nothing is created or lost unbooked
def test_l_losses_by_cause_sum_to_the_totals():
    sc = load_scenario("karabakh_2020")
    sim = Simulation(sc, np.arange(RUNS), seed=SEED, mode="prior", max_days=40).run()
    st = sim.state
    assert st.cas_total.shape == (len(CAUSES), 2, RUNS)
    np.testing.assert_allclose(st.cas_total.sum(axis=0).T, st.killed + st.wounded + st.missing,
                               rtol=1e-9)
    # conservation, two independent books: what each side had on day 0 is what it still holds
    # (sectors, reserve, attacker's pool) plus what was booked lost under some cause
    start = sim.bound["equipment"]                                    # (runs, side, type)
    np.testing.assert_allclose(st.equip + st.equip_lost, start, rtol=1e-5, atol=1e-3)
    assert (st.equip_lost > 0).any(axis=0).all()                      # every side and type lost
    still = st.ad0 * st.ad_share.sum(axis=1)[st.ad_groups]            # (systems, runs) left
    np.testing.assert_allclose(still + st.ad_lost.T, st.ad0, rtol=1e-5, atol=1e-3)
    assert st.ad_lost.sum() > 0
    # and the daily record adds up to the same
    from polemos.results import compact

    c = compact(sim)
    daily = c["daily_cause"].sum(axis=1).reshape(RUNS, len(CAUSES), 2)
    np.testing.assert_allclose(daily, c["cas_cause"], rtol=1e-4)
    np.testing.assert_allclose(c["daily_equip"].sum(axis=1).reshape(c["equip_lost"].shape),
                               c["equip_lost"], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(c["daily_ad"].sum(axis=1), c["ad_lost"], rtol=1e-4, atol=1e-3)


# (m) a defender cut off from supply loses more a day than a supplied one
def test_m_a_cut_off_defender_loses_more_per_day(karabakh):
    n = 50
    rates = []
    for power in (1.0, 0.3):
        sim = Simulation(karabakh, np.arange(n), seed=1, mode="point", max_days=2)
        for c in sim.components:
            c.init(sim)
        gc = next(c for c in sim.components if c.name == "ground_combat")
        st = sim.state
        st.active[:] = True
        st.sector_power32[0] = power          # sector 0's supply: full, or cut off
        dp0 = st.dp[0].copy()
        gc.step(sim, 1)
        rates.append((dp0 - st.dp[0]) / dp0)
        assert (pick(gc.vul, st.sector_state)[0] > 0).all()
    supplied, cut = rates
    assert (cut > supplied).all(), (cut.mean(), supplied.mean())


# (n) anti-radiation homing: loitering munitions find the emitting SAMs
def test_n_anti_radiation_homing_hits_more_radar_sams(karabakh):
    sams = np.array([AD_CLASSES[c].startswith("sam") for c in
                     Simulation(karabakh, np.arange(1)).theatre.ad_class])

    def sams_to_loitering(sim):
        return sim.state.loss_ad[LOITERING][sams].sum(axis=0)
    _paired(["parameters.drones.anti_radiation.value=1"],
            ["parameters.drones.anti_radiation.value=10"], sams_to_loitering, +1)


def test_without_air_defence_the_airspace_is_permissive(karabakh):
    """The airspace reading: with every system removed, every sector-day of fighting is
    permissive; with the default air defence some are contested or denied."""
    none = _ad_counts(karabakh.forces["armenia"].air_defence, 0)
    base, alt = _sim([]), _sim(none)
    days = base.state.airspace_days
    assert (days[1:].sum(axis=0) > 0).any()
    assert (alt.state.airspace_days[1:] == 0).all()
    assert (alt.state.airspace_days[0] > 0).all()
