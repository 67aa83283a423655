"""Random streams: chunking, workers, inert components and shared prefixes change nothing."""

import numpy as np
import pytest
from campaign_helpers import (
    NO_ACCEPTANCE,
    NO_BREAKPOINTS,
    NO_RED_LINE,
    NO_TALKS,
    )

from polemos.campaign.component import Component
from polemos.campaign.engine import Ensemble, Simulation, components_in_order, run_ensemble
from polemos.rng import Streams
from polemos.scenario import load_scenario

KEYS = ("end_day", "end_cause", "killed", "ctrl_final", "daily_killed", "equip_lost",
        "cas_cause", "equip_cause", "ad_cause", "daily_cause", "daily_equip", "daily_ad",
        "sector_day", "objective_day", "drones_lost", "pers_final", "sector_break_day",
        "sector_break_by")


def _same(a, b):
    for k in KEYS:
        np.testing.assert_array_equal(a.arrays[k], b.arrays[k], err_msg=k)


def test_uniform_depends_only_on_global_run_index():
    full = Streams(7, np.arange(100)).uniform("x", 3, 5)
    part = Streams(7, np.arange(40, 60)).uniform("x", 3, 5)
    np.testing.assert_array_equal(full[40:60], part)
    other = Streams(7, np.arange(100)).uniform("y", 3, 5)
    assert not np.allclose(full, other)


def test_results_do_not_depend_on_chunk_size_without_compaction(karabakh):
    """Chunks of at most 256 runs are never compacted: chunking alone changes nothing."""
    a = run_ensemble(karabakh, Ensemble(runs=250, seed=5, mode="prior", chunk_size=250))
    b = run_ensemble(karabakh, Ensemble(runs=250, seed=5, mode="prior", chunk_size=70))
    _same(a, b)


def test_results_do_not_depend_on_chunk_size(karabakh):
    a = run_ensemble(karabakh, Ensemble(runs=300, seed=5, mode="prior", chunk_size=300))
    b = run_ensemble(karabakh, Ensemble(runs=300, seed=5, mode="prior", chunk_size=70))
    _same(a, b)


def test_results_do_not_depend_on_workers(karabakh, dask_scheduler):
    """The chunks spread over the two worker processes of a Dask cluster: the same results."""
    from polemos.analysis.executor import default_scheduler

    a = run_ensemble(karabakh, Ensemble(runs=200, seed=9, mode="prior", chunk_size=50))
    b = run_ensemble(karabakh, Ensemble(runs=200, seed=9, mode="prior", chunk_size=50,
                                        scheduler=dask_scheduler))
    _same(a, b)
    # on the command line --workers N alone means a local cluster of N processes
    assert default_scheduler(None, 2) == "local" and default_scheduler(None, 1) is None
    assert default_scheduler("tcp://h:1", 2) == "tcp://h:1"


class Inert(Component):
    """Draws random numbers from its own stream and changes nothing."""

    name = "inert"

    def step(self, sim, day):
        sim.streams.uniform(self.name, day, 4)


def test_inert_component_changes_nothing(karabakh):
    ids = np.arange(150)
    a = Simulation(karabakh, ids, seed=3, mode="prior").run()
    comps = components_in_order()
    comps.insert(2, Inert())
    b = Simulation(karabakh, ids, seed=3, mode="prior", components=comps).run()
    np.testing.assert_array_equal(a.state.killed, b.state.killed)
    np.testing.assert_array_equal(a.record.ctrl, b.record.ctrl)


def test_identical_until_the_day_they_differ():
    """All talks moved to day 30 with beliefs and costs that settle there: the runs agree
    exactly on days 1-30 with runs whose talks never settle (bargaining only reads the war)."""
    k = 30
    others = NO_ACCEPTANCE + NO_BREAKPOINTS + NO_RED_LINE
    settle = ["parameters.bargaining.attacker_belief.value=0.6",
              "parameters.bargaining.defender_belief.value=0.6",
              "parameters.bargaining.belief_strength.value=1000",
              "parameters.bargaining.cost_attacker.value=0.1",
              "parameters.bargaining.cost_defender.value=0.1"]
    base = load_scenario("karabakh_2020", others + NO_TALKS)
    alt = load_scenario("karabakh_2020", others + settle
                        + [f"parameters.termination.truce_day_{i}.value={k}" for i in (1, 2, 3)])
    a = Simulation(base, np.arange(200), seed=11, mode="point").run()
    b = Simulation(alt, np.arange(200), seed=11, mode="point").run()
    ongoing = a.state.end_day > k
    assert ongoing.sum() > 20, "too few runs reach the day of the change to test it"
    np.testing.assert_array_equal(a.record.killed[:, :k], b.record.killed[:, :k])
    np.testing.assert_array_equal(a.record.ctrl[:, :k], b.record.ctrl[:, :k])
    assert (b.state.end_day[ongoing] == k).all()
    assert not np.array_equal(a.record.ctrl[ongoing, k + 1:], b.record.ctrl[ongoing, k + 1:])


@pytest.mark.parametrize("mode", ["point", "prior"])
def test_same_seed_same_results(karabakh, mode):
    a = run_ensemble(karabakh, Ensemble(runs=100, seed=2, mode=mode))
    b = run_ensemble(karabakh, Ensemble(runs=100, seed=2, mode=mode))
    _same(a, b)
    c = run_ensemble(karabakh, Ensemble(runs=100, seed=3, mode=mode))
    assert not np.array_equal(a.arrays["killed"], c.arrays["killed"])


def test_dropping_ended_runs_changes_no_result(karabakh):
    """Compaction (ended runs dropped from the arrays) gives the same results as stepping all."""
    from polemos.results import compact

    ids = np.arange(600)
    a = Simulation(karabakh, ids, seed=8, mode="prior").run(compact=False)
    b = Simulation(karabakh, ids, seed=8, mode="prior").run(compact=True)
    assert (b.state.end_day < b.days_run / 2).mean() > 0.5  # most ended early: compacted
    ca, cb = compact(a), compact(b)
    for k in ca:
        np.testing.assert_array_equal(ca[k], cb[k], err_msg=k)


def test_show_steps_lists_the_operational_order():
    from typer.testing import CliRunner

    from polemos.cli import app

    r = CliRunner().invoke(app, ["run", "--show-steps"])
    assert r.exit_code == 0, r.output
    names = [line.split(".", 1)[1].split(":", 1)[0].strip()
             for line in r.output.splitlines() if line[:1].isdigit()]
    assert names == ["manoeuvre", "deployment", "air_defence", "drones", "fires",
                     "ground_combat", "movement", "casualties", "logistics", "bargaining",
                     "termination"]
    assert "front" not in names


class EndAllBut(Component):
    """Ends every run but the first ``k`` on day 5 (a horizon ending), so that the engine
    compacts its arrays down to exactly ``k`` rows."""

    name = "end_all_but"

    def __init__(self, k):
        self.k = k

    def step(self, sim, day):
        if day == 5:
            st = sim.state
            end = st.alive & (np.arange(st.n) >= self.k)
            st.end_day = np.where(end, day, st.end_day).astype(np.int32)
            st.end_cause = np.where(end, 6, st.end_cause).astype(np.int8)
            st.alive = st.alive & ~end


@pytest.mark.parametrize("k", [2, 3, 4, 6])
def test_compaction_to_as_many_runs_as_an_axis_has_changes_nothing(karabakh, k):
    """Regression: the write-back after compaction once guessed which axis holds the runs from
    the stepped arrays' shapes, wrong when exactly as many runs were left as causes (6),
    airspace states (3), sides or equipment types (2, 4)."""
    from polemos.results import compact

    def run(compacting):
        comps = components_in_order() + [EndAllBut(k)]
        sim = Simulation(karabakh, np.arange(300), seed=4, mode="prior", max_days=30,
                         components=comps)
        return compact(sim.run(compact=compacting))

    a, b = run(True), run(False)
    assert (a["end_day"] > 5).sum() == k              # exactly k rows were stepped on
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_a_simulation_in_posterior_mode_reads_the_shipped_posterior(karabakh):
    """``Simulation(..., "posterior")`` without draws uses the scenario's posterior, as
    ``run_ensemble`` does (it used to fall back to the priors silently)."""
    from polemos.analysis.posterior import load_posterior

    ids = np.arange(50)
    given = Simulation(karabakh, ids, seed=2, mode="posterior",
                       posterior=load_posterior(karabakh)).params
    read = Simulation(karabakh, ids, seed=2, mode="posterior").params
    prior = Simulation(karabakh, ids, seed=2, mode="prior").params
    name = "ground_combat.base_casualty_rate"          # a fitted parameter (posterior.csv)
    np.testing.assert_array_equal(read[name], given[name])
    assert not np.array_equal(read[name], prior[name])
