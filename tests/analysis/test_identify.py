"""The identifiability screen (Morris elementary effects, SALib) on toy models with known
answers, and on the scenario (tiny)."""

import numpy as np
import pytest

from polemos.analysis.identify import INERT_TOLERANCE, morris_screen


def test_a_parameter_that_does_nothing_is_inert_and_the_others_are_not():
    # y0 = 3 x0 (tolerance units), y1 = x1 + 0.5 x0; x2 does nothing
    def model(U):
        return np.column_stack([3 * U[:, 0], U[:, 1] + 0.5 * U[:, 0]])

    scr = morris_screen(model, ["a", "b", "idle"], ["y0", "y1"], trajectories=8, seed=1)
    assert scr.inert == ["idle"]
    assert scr.active == ["a", "b"]
    # linear model: the elementary effects are the slopes (per full prior range)
    np.testing.assert_allclose(scr.mu_star[0], [3.0, 0.5], atol=1e-9)
    np.testing.assert_allclose(scr.mu[1], [0.0, 1.0], atol=1e-9)
    assert np.all(scr.mu_star[2] < INERT_TOLERANCE)
    # two targets, two directions constrained
    assert (scr.singular_values > 1e-9).sum() == 2


def test_a_weak_parameter_below_a_quarter_tolerance_is_inert():
    def model(U):
        return np.column_stack([0.2 * U[:, 0] + 2 * U[:, 1]])

    scr = morris_screen(model, ["weak", "strong"], ["y"], trajectories=6, seed=2)
    assert scr.inert == ["weak"]
    assert scr.table().index[0] == "strong"


@pytest.mark.slow
def test_scenario_screen_runs_on_common_random_numbers():
    from polemos.analysis.calibrate import campaign_priors
    from polemos.analysis.identify import screen
    from polemos.scenario import load_scenario

    sc = load_scenario("karabakh_2020")
    pri = campaign_priors(sc)
    scr = screen(sc, pri, trajectories=2, runs=3, seed=4)
    assert scr.runs == 2 * (len(pri) + 1) * 3
    assert scr.mu_star.shape == (len(pri), len(scr.targets))
    assert set(scr.inert) | set(scr.active) == set(pri)
    rep = scr.report()
    assert rep["effects"][0]["largest"] >= rep["effects"][-1]["largest"]
