"""The campaign's negotiated-settlement rule follows the random-walk bargaining model."""

import numpy as np
from campaign_helpers import NO_ACCEPTANCE, NO_BREAKPOINTS, NO_RED_LINE

from polemos.campaign.engine import Simulation
from polemos.campaign.state import SETTLEMENT
from polemos.scenario import load_scenario

QUIET = NO_ACCEPTANCE + NO_BREAKPOINTS + NO_RED_LINE   # only the talks can end a war


def _run(overrides):
    sc = load_scenario("karabakh_2020", QUIET + overrides)
    return Simulation(sc, np.arange(200), seed=4, mode="point").run()


def test_common_beliefs_and_costs_settle_at_the_first_talks():
    sim = _run(["parameters.bargaining.attacker_belief.value=0.6",
                "parameters.bargaining.defender_belief.value=0.6",
                "parameters.bargaining.belief_strength.value=1000",
                "parameters.bargaining.cost_attacker.value=0.1",
                "parameters.bargaining.cost_defender.value=0.1"])
    first_talks = int(sim.params.scalar("termination.truce_day_1"))
    reached = sim.state.end_day >= first_talks
    assert reached.sum() > 50
    assert (sim.state.end_cause[reached] == SETTLEMENT).all()
    assert (sim.state.end_day[reached] == first_talks).all()
    terms = sim.state.terms_attacker_share[reached]
    assert np.isfinite(terms).all() and ((terms >= 0) & (terms <= 1)).all()


def test_mutual_optimism_with_small_costs_never_settles():
    sim = _run(["parameters.bargaining.attacker_belief.value=0.95",
                "parameters.bargaining.defender_belief.value=0.05",
                "parameters.bargaining.belief_strength.value=1000",
                "parameters.bargaining.cost_attacker.value=0.001",
                "parameters.bargaining.cost_defender.value=0.001"])
    assert not (sim.state.end_cause == SETTLEMENT).any()


def test_terms_follow_the_line_of_control():
    """With common beliefs p = 1/2 and equal costs the terms are the line: i / N."""
    sc = load_scenario("karabakh_2020", QUIET + [
        "parameters.bargaining.attacker_belief.value=0.5",
        "parameters.bargaining.defender_belief.value=0.5",
        "parameters.bargaining.belief_strength.value=100000",
        "parameters.bargaining.cost_attacker.value=0.1",
        "parameters.bargaining.cost_defender.value=0.1"])
    sim = Simulation(sc, np.arange(300), seed=4, mode="prior").run()
    settled = sim.state.end_cause == SETTLEMENT
    assert settled.sum() > 50
    th = sim.theatre
    units = int(sim.params.scalar("bargaining.units"))
    taken = (sim.state.ctrl * th.area_km2 * th.contestable).sum(1)[settled] / th.defender_area0
    line = np.clip(np.round(taken * units), 1, units - 1) / units
    assert len(np.unique(line)) > 2  # the runs stopped at different lines
    np.testing.assert_allclose(sim.state.terms_attacker_share[settled], line, atol=2e-3)


def test_grid_integrator_agrees_with_the_quadrature():
    from polemos.bargaining.beliefs import BetaBeliefs
    from polemos.bargaining.settlement import continuation_values
    from polemos.campaign.components.bargaining import BeliefIntegrator

    rng = np.random.default_rng(0)
    n, units = 2000, 20
    b = BetaBeliefs.from_means(rng.uniform(0.5, 0.95, n), rng.uniform(0.05, 0.6, n),
                               rng.uniform(2, 60, n), n)
    pos = rng.integers(1, units, n)
    ca, cb = rng.uniform(0.005, 0.3, n), rng.uniform(0.005, 0.3, n)
    from polemos.campaign.components.bargaining import MIN_SHAPE

    va, vb = BeliefIntegrator(units).values(pos, b, ca, cb)
    smooth = (np.minimum(b.a, b.b) >= MIN_SHAPE).all(axis=1)
    assert 200 < smooth.sum() < n
    qa, qb = continuation_values(pos.astype(float), units, b, ca, cb, nodes=48)
    np.testing.assert_allclose(va[smooth], qa[smooth], atol=0.02)
    np.testing.assert_allclose(vb[smooth], qb[smooth], atol=0.02)
    decided = smooth & (np.abs(qa + qb - units) > 0.05)
    np.testing.assert_array_equal((va + vb <= units)[decided], (qa + qb <= units)[decided])
    # peaked beliefs go to the package's own quadrature
    ra, rb = continuation_values(pos.astype(float), units, b, ca, cb)
    np.testing.assert_allclose(va[~smooth], ra[~smooth], rtol=1e-12)
    np.testing.assert_allclose(vb[~smooth], rb[~smooth], rtol=1e-12)
