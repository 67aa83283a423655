"""Closed forms of the gambler's ruin: invariants and agreement with Monte Carlo."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polemos.bargaining import (
    absorption_probability,
    continuation_value,
    expected_duration,
    expected_duration_truncated,
    simulate_walk,
)

GRID = [
    (5, 10, 0.5),
    (1, 10, 0.5),
    (10, 20, 0.5),
    (3, 7, 0.6),
    (8, 10, 0.45),
    (2, 20, 0.52),
    (4, 15, 0.35),
    (1, 3, 0.9),
    (6, 12, 0.55),
]
RUNS = 20_000


def _z_scores():
    out = []
    for k, (i, n, p) in enumerate(GRID):
        won, dur = simulate_walk(i, n, p, RUNS, np.random.default_rng(1000 + k))
        prob = float(absorption_probability(i, n, p))
        mean_d = float(expected_duration(i, n, p))
        z_p = (won.mean() - prob) / np.sqrt(prob * (1 - prob) / RUNS)
        z_d = (dur.mean() - mean_d) / (dur.std(ddof=1) / np.sqrt(RUNS))
        out.append((i, n, p, z_p, z_d))
    return out


def test_monte_carlo_matches_closed_forms():
    zs = _z_scores()
    worst = max(max(abs(zp), abs(zd)) for *_, zp, zd in zs)
    print(f"largest |z| over the grid: {worst:.2f}")
    for i, n, p, zp, zd in zs:
        assert abs(zp) < 4.0, (i, n, p, zp)
        assert abs(zd) < 4.0, (i, n, p, zd)


def test_fair_walk_special_cases():
    i = np.arange(11)
    np.testing.assert_allclose(absorption_probability(i, 10, 0.5), i / 10)
    np.testing.assert_allclose(expected_duration(i, 10, 0.5), i * (10 - i))


def test_near_half_is_continuous():
    i = np.arange(21)
    for eps in (1e-6, -1e-6, 1e-8):
        np.testing.assert_allclose(absorption_probability(i, 20, 0.5 + eps), i / 20, atol=1e-4)
        np.testing.assert_allclose(expected_duration(i, 20, 0.5 + eps), i * (20 - i), rtol=1e-4)


def test_textbook_value():
    # r = q/p = 2/3 at p = 0.6: P = (1 - (2/3)^3) / (1 - (2/3)^10)
    r = 2 / 3
    assert absorption_probability(3, 10, 0.6) == pytest.approx((1 - r**3) / (1 - r**10))
    assert expected_duration(3, 10, 0.6) == pytest.approx(
        3 / (0.4 - 0.6) - 10 / (0.4 - 0.6) * (1 - r**3) / (1 - r**10)
    )


def test_no_overflow_for_large_n():
    p = absorption_probability(500, 1000, np.array([0.01, 0.3, 0.7, 0.99]))
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p, [0, 0, 1, 1], atol=1e-12)
    assert np.all(np.isfinite(expected_duration(500, 1000, np.array([0.01, 0.3, 0.7]))))


def test_truncated_duration_converges_and_is_bounded():
    p = np.array([0.3, 0.5, 0.62])
    short = expected_duration_truncated(4, 10, p, 5)
    assert np.all(short <= 5) and np.all(short >= 4)  # 4 rounds at least from i = 4, N = 10
    long = expected_duration_truncated(4, 10, p, 5000)
    np.testing.assert_allclose(long, expected_duration(4, 10, p), rtol=1e-9)


positions = st.integers(min_value=1, max_value=60)
probs = st.floats(min_value=0.01, max_value=0.99)


@settings(max_examples=200, deadline=None)
@given(n=positions, frac=st.floats(0, 1), p=probs)
def test_probability_bounded_and_monotone(n, frac, p):
    i = np.arange(n + 1)
    prob = absorption_probability(i, n, p)
    assert np.all((prob >= 0) & (prob <= 1))
    assert prob[0] == 0 and prob[-1] == 1
    assert np.all(np.diff(prob) >= -1e-12)  # monotone in i
    j = int(round(frac * n))
    assert absorption_probability(j, n, min(p + 0.01, 0.999)) >= absorption_probability(j, n, p)
    # symmetry: A winning from i at p = B winning from N - i at 1 - p
    np.testing.assert_allclose(prob, 1 - absorption_probability(n - i, n, 1 - p), atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(n=positions, p=probs, c=st.floats(0, 1))
def test_duration_and_wald_identity(n, p, c):
    i = np.arange(n + 1)
    d = expected_duration(i, n, p)
    assert np.all(d >= 0) and d[0] == 0 and d[-1] == 0
    np.testing.assert_allclose(d, expected_duration(n - i, n, 1 - p), rtol=1e-7, atol=1e-9)
    # Wald: E[i_T] = i + (2p - 1) E[T], so N P - c D = continuation value
    prob = absorption_probability(i, n, p)
    np.testing.assert_allclose(
        continuation_value(i, n, p, c), n * prob - c * d, rtol=1e-9, atol=1e-6
    )
    np.testing.assert_allclose(
        continuation_value(i, n, p, c, "B"), n * (1 - prob) - c * d, rtol=1e-9, atol=1e-6
    )
