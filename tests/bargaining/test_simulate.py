"""Vectorised simulation of war with learning: comparative statics within Monte Carlo error."""

import numpy as np
import pytest

from polemos.bargaining import (
    A_WON,
    B_WON,
    ONGOING,
    SETTLED,
    BetaBeliefs,
    Mediator,
    Peacekeeping,
    simulate_war,
)

N, START, RUNS = 10, 5, 2000


def _war(d, seed=1, runs=RUNS, **kw):
    bel = BetaBeliefs.from_means(0.5 + d / 2, 0.5 - d / 2, 10.0, runs=runs)
    return simulate_war(START, N, 0.5, bel, 0.1, 0.1, np.random.default_rng(seed), **kw)


def _mean_se(x):
    return x.mean(), x.std(ddof=1) / np.sqrt(x.size)


def test_common_beliefs_settle_at_round_zero():
    means = np.linspace(0.2, 0.8, 7)
    bel = BetaBeliefs.from_means(np.repeat(means, 50), np.repeat(means, 50), 5.0, runs=350)
    res = simulate_war(START, N, 0.5, bel, 0.05, 0.05, np.random.default_rng(0))
    assert np.all(res.outcome == SETTLED) and np.all(res.duration == 0)
    assert np.all((res.terms >= 0) & (res.terms <= N))


def test_larger_disagreement_gives_longer_wars():
    grid = [0.2, 0.3, 0.4, 0.5, 0.6]
    stats = [_mean_se(_war(d, seed=10 + k).duration) for k, d in enumerate(grid)]
    print("mean duration by disagreement:", [(d, round(m, 2), round(s, 2)) for d, (m, s) in
                                             zip(grid, stats, strict=True)])
    for (m0, s0), (m1, s1) in zip(stats, stats[1:], strict=False):
        assert m1 - m0 > 4 * np.hypot(s0, s1)


def test_mediation_shortens_wars():
    plain = _war(0.4, seed=5)
    silent = _war(0.4, seed=5, mediator=Mediator(0))
    np.testing.assert_array_equal(plain.duration, silent.duration)  # no information, no effect
    (m0, s0), prev = _mean_se(plain.duration), None
    for k, signals in enumerate((1, 3)):
        m1, s1 = _mean_se(_war(0.4, seed=6 + k, mediator=Mediator(signals)).duration)
        print(f"mediation {signals}: {m1:.2f} +- {s1:.2f} vs {m0:.2f} +- {s0:.2f}")
        assert m0 - m1 > 4 * np.hypot(s0, s1)
        if prev is not None:
            assert prev[0] - m1 > 4 * np.hypot(prev[1], s1)
        prev = (m1, s1)


def test_peacekeeping_monitoring_shortens_wars_when_beliefs_drift():
    kw = dict(noise=0.1, drift=0.15)
    none = _mean_se(_war(0.3, seed=7, peacekeeping=Peacekeeping(0.0), **kw).duration)
    full = _mean_se(_war(0.3, seed=8, peacekeeping=Peacekeeping(1.0), **kw).duration)
    print(f"peacekeeping: {full[0]:.2f} +- {full[1]:.2f} vs {none[0]:.2f} +- {none[1]:.2f}")
    assert none[0] - full[0] > 4 * np.hypot(none[1], full[1])
    # a restart cost alone ends wars sooner too (wider settlement region)
    dear = _mean_se(_war(0.3, seed=9, peacekeeping=Peacekeeping(0.0, 1.0), **kw).duration)
    assert none[0] - dear[0] > 4 * np.hypot(none[1], dear[1])


def test_outcomes_are_consistent_and_reproducible():
    res = _war(0.5, seed=3, runs=500, max_rounds=8)
    again = _war(0.5, seed=3, runs=500, max_rounds=8)
    np.testing.assert_array_equal(res.duration, again.duration)
    np.testing.assert_array_equal(res.position, again.position)
    assert set(np.unique(res.outcome)) <= {A_WON, B_WON, SETTLED, ONGOING}
    assert np.all(res.position[res.outcome == A_WON] == N)
    assert np.all(res.position[res.outcome == B_WON] == 0)
    assert np.all(res.terms[res.outcome == A_WON] == N)
    assert np.all(np.isnan(res.terms[res.outcome == ONGOING]))
    assert np.all(res.duration <= 8) and np.all(res.duration[res.outcome == ONGOING] == 8)
    assert (res.outcome == ONGOING).any()
    # the fighting taught each side exactly what it saw (no noise): a + b grew by the duration
    grown = (res.beliefs.a + res.beliefs.b).sum(axis=1) - 2 * 10.0
    np.testing.assert_allclose(grown, 2 * res.duration)


def test_no_global_rng_is_used():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    _war(0.4, runs=200)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("p_true", [0.3, 0.7])
def test_the_stronger_side_wins_more(p_true):
    bel = BetaBeliefs.from_means(0.8, 0.2, 10.0, runs=1000)
    res = simulate_war(START, N, p_true, bel, 0.05, 0.05, np.random.default_rng(4))
    a_share = np.nanmean(res.terms) / N
    assert (a_share > 0.5) == (p_true > 0.5)
