"""The post-war forecast: disagreement and the commitment problem."""

import numpy as np

from polemos.bargaining import war_probability


def test_shift_beyond_cost_means_war_without_disagreement():
    shifts = np.linspace(-0.3, 0.3, 61)
    cost_a, cost_b = 0.1, 0.15
    war = war_probability(0.5, 0.5, cost_a, cost_b, shift=shifts)
    expected = (shifts < -cost_a) | (shifts > cost_b)
    np.testing.assert_array_equal(war, expected.astype(float))
    assert war.any() and not war.all()


def test_disagreement_beyond_costs_means_war():
    d = np.linspace(0, 0.5, 51)
    war = war_probability(0.5 + d / 2, 0.5 - d / 2, 0.1, 0.1)
    np.testing.assert_array_equal(war, (d > 0.2 + 1e-12).astype(float))


def test_uncertain_shift_gives_a_probability():
    shifts = np.linspace(-0.4, 0.0, 41)
    p = war_probability(0.5, 0.5, 0.1, 0.1, shift=shifts, shift_sd=0.05)
    assert np.all((p > 0) & (p < 1))
    assert np.all(np.diff(p) <= 0)  # larger shift against A -> more war
    # at shift = -cost, A is on the fence: P(war) ~ 1/2 (plus the tiny B tail)
    mid = war_probability(0.5, 0.5, 0.1, 0.1, shift=-0.1, shift_sd=0.05)
    assert abs(mid - 0.5) < 1e-3
    # symmetry between the sides
    np.testing.assert_allclose(p, war_probability(0.5, 0.5, 0.1, 0.1, -shifts, 0.05))
