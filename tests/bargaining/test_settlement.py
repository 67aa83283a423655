"""Settlement region and terms."""

import numpy as np
import pytest

from polemos.bargaining import (
    BetaBeliefs,
    DiscreteBeliefs,
    continuation_values,
    expected_duration,
    settlement_possible,
    settlement_terms,
)

N = 10


def _grid():
    """All (i, disagreement, strength) combinations, as flat arrays of runs."""
    i, d, s = np.meshgrid(np.arange(1, N), np.linspace(0, 0.8, 17), [2.0, 6.0, 20.0, 60.0])
    i, d, s = i.ravel(), d.ravel(), s.ravel()
    return i, BetaBeliefs.from_means(0.5 + d / 2, 0.5 - d / 2, s, runs=i.size)


@pytest.mark.parametrize("cost", [0.01, 0.1, 1.0])
def test_common_beliefs_with_positive_costs_always_settle(cost):
    i = np.tile(np.arange(1, N), 12)
    means = np.repeat(np.linspace(0.2, 0.8, 4), 27)
    strength = np.tile(np.repeat([2.0, 10.0, 100.0], 9), 4)
    bel = BetaBeliefs.from_means(means, means, strength, runs=i.size)
    assert settlement_possible(i, N, bel, cost, cost).all()
    va, vb = continuation_values(i, N, bel, cost, cost)
    assert np.all(va + vb < N)
    # at a point mass: V_A + V_B = N - (c_A + c_B) D
    sharp = BetaBeliefs.from_means(0.5, 0.5, 1e9, runs=N - 1)
    va, vb = continuation_values(np.arange(1, N), N, sharp, cost, cost)
    d = expected_duration(np.arange(1, N), N, 0.5)
    np.testing.assert_allclose(va + vb, N - 2 * cost * d, rtol=1e-5)


def test_costless_common_beliefs_are_on_the_boundary():
    bel = BetaBeliefs.from_means(0.55, 0.55, 8.0, runs=N + 1)
    va, vb = continuation_values(np.arange(N + 1), N, bel, 0.0, 0.0)
    np.testing.assert_allclose(va + vb, N, rtol=1e-10)


def test_mutual_optimism_prevents_settlement():
    bel = BetaBeliefs.from_means(0.8, 0.2, 50.0, runs=N - 1)
    assert not settlement_possible(np.arange(1, N), N, bel, 0.01, 0.01).any()


def test_restart_cost_widens_the_settlement_region():
    i, bel = _grid()
    base = settlement_possible(i, N, bel, 0.05, 0.05)
    sizes = [base.sum()]
    prev = base
    for r in (0.25, 0.5, 1.0):
        wider = settlement_possible(i, N, bel, 0.05, 0.05, restart_cost=r)
        assert np.all(wider >= prev)  # never removes a point
        sizes.append(wider.sum())
        prev = wider
    print("settlement region sizes:", sizes, "of", i.size)
    assert sizes[1] > sizes[0] and sizes[-1] > sizes[1]


def test_costs_widen_and_horizon_variant_runs():
    i, bel = _grid()
    cheap = settlement_possible(i, N, bel, 0.02, 0.02)
    dear = settlement_possible(i, N, bel, 0.2, 0.2)
    assert np.all(dear >= cheap) and dear.sum() > cheap.sum()
    short = settlement_possible(i, N, bel, 0.05, 0.05, horizon=10)
    assert short.shape == i.shape and short.any() and not short.all()


def test_terms_track_the_front():
    i = np.arange(N + 1)
    # known p = 1/2, equal costs: A gets exactly what it holds
    sharp = BetaBeliefs.from_means(0.5, 0.5, 1e9, runs=N + 1)
    np.testing.assert_allclose(settlement_terms(i, N, sharp, 0.1, 0.1), i, atol=1e-5)
    # shared but uncertain p around 1/2: monotone, symmetric, pulled towards N / 2
    bel = BetaBeliefs.from_means(0.5, 0.5, 12.0, runs=N + 1)
    x = settlement_terms(i, N, bel, 0.1, 0.1)
    np.testing.assert_allclose(x, N - x[::-1], atol=1e-9)
    # (at i = N / 2 the terms are N / 2 up to rounding: 8.9e-16 on some numpy builds)
    assert np.all(np.diff(x) > 0) and np.all(np.abs(x - N / 2) <= np.abs(i - N / 2) + 1e-9)
    # optimistic A gets more; terms monotone in i and inside [0, N]
    common = x
    bel = BetaBeliefs.from_means(0.6, 0.5, 12.0, runs=N + 1)
    x = settlement_terms(i, N, bel, 0.1, 0.1)
    assert np.all(np.diff(x) >= 0) and np.all((x >= 0) & (x <= N))
    assert np.all(x[1:-1] > common[1:-1])
    y = settlement_terms(i, N, bel, 0.1, 0.1, rule="mean_belief")
    assert np.all(np.diff(y) >= 0) and y[0] == 0 and y[-1] == N
    with pytest.raises(ValueError):
        settlement_terms(i, N, bel, 0.1, 0.1, rule="coin")


def test_discrete_beliefs_are_accepted():
    types = np.array([0.3, 0.5, 0.7])
    w = np.array([[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]])
    bel = DiscreteBeliefs(types, w)
    ok = settlement_possible(np.array([5, 5]), N, bel, 0.05, 0.05)
    np.testing.assert_array_equal(ok, [False, True])
