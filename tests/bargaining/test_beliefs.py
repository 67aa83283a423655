"""Bayes updates against the conjugate formulas; mediation adds pseudo-observations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polemos.bargaining import BetaBeliefs, DiscreteBeliefs, mediate


def test_update_matches_conjugate_formula():
    bel = BetaBeliefs([[2.0, 5.0], [1.0, 1.0], [3.0, 0.5]], [[2.0, 1.0], [4.0, 1.0], [1.0, 2.0]])
    won = np.array([True, False, True])
    new = bel.update(won)
    np.testing.assert_array_equal(new.a, bel.a + won[:, None])
    np.testing.assert_array_equal(new.b, bel.b + ~won[:, None])
    # original unchanged (immutable)
    assert bel.a[0, 0] == 2.0
    # per-side perceptions
    seen = np.array([[True, False], [False, False], [True, True]])
    new = bel.update(seen)
    np.testing.assert_array_equal(new.a, bel.a + seen)
    np.testing.assert_array_equal(new.b, bel.b + ~seen)


def test_weighted_update_and_moments():
    bel = BetaBeliefs.from_means(0.7, 0.4, 10.0, runs=2)
    np.testing.assert_allclose(bel.mean(), [[0.7, 0.4], [0.7, 0.4]])
    np.testing.assert_allclose(bel.disagreement(), [0.3, 0.3])
    new = bel.update_weighted(np.array([0.25, 1.0]), weight=4.0)
    np.testing.assert_allclose(new.a, bel.a + np.array([[1.0, 1.0], [4.0, 4.0]]))
    np.testing.assert_allclose(new.b, bel.b + np.array([[3.0, 3.0], [0.0, 0.0]]))
    a, b = new.a, new.b
    np.testing.assert_allclose(new.var(), a * b / ((a + b) ** 2 * (a + b + 1)))


@settings(max_examples=100, deadline=None)
@given(
    a0=st.floats(0.1, 50),
    b0=st.floats(0.1, 50),
    outcomes=st.lists(st.booleans(), min_size=0, max_size=40),
)
def test_sequential_updates_count_wins_and_losses(a0, b0, outcomes):
    bel = BetaBeliefs([[a0, b0]], [[b0, a0]])
    for o in outcomes:
        bel = bel.update(np.array([o]))
    wins = sum(outcomes)
    np.testing.assert_allclose(bel.a, [[a0 + wins, b0 + wins]])
    np.testing.assert_allclose(bel.b, [[b0 + len(outcomes) - wins, a0 + len(outcomes) - wins]])
    assert np.all((bel.mean() > 0) & (bel.mean() < 1))


def test_discrete_bayes_matches_manual_posterior():
    types = np.array([0.3, 0.5, 0.7])
    prior = np.array([[[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]])
    bel = DiscreteBeliefs(types, prior)
    seq = [True, True, False, True]
    for o in seq:
        bel = bel.update(np.array([o]))
    lik = types**3 * (1 - types) ** 1
    post = prior[0] * lik
    post /= post.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(bel.weights[0], post, rtol=1e-12)
    np.testing.assert_allclose(bel.mean()[0], post @ types)


def test_regress_to_prior():
    prior = BetaBeliefs.from_means(0.6, 0.4, 4.0, runs=3)
    later = prior.update_weighted(np.ones(3), weight=10.0)
    np.testing.assert_allclose(later.regress(1.0, prior).a, prior.a)
    np.testing.assert_allclose(later.regress(0.0, prior).a, later.a)
    half = later.regress(0.5, prior)
    np.testing.assert_allclose(half.a, prior.a + 5.0)


def test_mediation_adds_a_common_signal_and_nothing_without_information():
    bel = BetaBeliefs.from_means(0.8, 0.2, 6.0, runs=1000)
    rng = np.random.default_rng(3)
    same = mediate(bel, 0.5, 0, rng)
    assert same is bel
    new = mediate(bel, 0.3, 5, rng)
    added_a = new.a - bel.a
    np.testing.assert_allclose((new.a + new.b) - (bel.a + bel.b), 5.0)
    np.testing.assert_array_equal(added_a[:, 0], added_a[:, 1])  # same public signal
    # Binomial(5, 0.3): mean 1.5, sd sqrt(1.05 / 1000)
    assert added_a[:, 0].mean() == pytest.approx(1.5, abs=4 * np.sqrt(1.05 / 1000))
    assert np.abs(new.disagreement()).mean() < np.abs(bel.disagreement()).mean()


def test_shape_validation():
    with pytest.raises(ValueError):
        BetaBeliefs(np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError):
        BetaBeliefs([[0.0, 1.0]], [[1.0, 1.0]])
