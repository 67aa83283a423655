"""Dynamic programming against the closed forms and the Beta quadrature."""

import numpy as np
import pytest

from polemos.bargaining import (
    BetaBeliefs,
    DiscreteBeliefs,
    belief_value_dp,
    beta_nodes,
    continuation_value,
    continuation_values,
    value_dp,
)


@pytest.mark.parametrize("n,p,c", [(10, 0.5, 0.1), (10, 0.6, 0.05), (25, 0.47, 0.3), (3, 0.9, 0)])
@pytest.mark.parametrize("side", ["A", "B"])
def test_fixed_p_dp_equals_closed_form(n, p, c, side):
    i = np.arange(n + 1)
    np.testing.assert_allclose(
        value_dp(n, p, c, side), continuation_value(i, n, p, c, side), rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        value_dp(n, p, c, side, horizon=15),
        continuation_value(i, n, p, c, side, horizon=15),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        value_dp(n, p, c, side, horizon=20_000), value_dp(n, p, c, side), rtol=1e-7, atol=1e-7
    )


@pytest.mark.parametrize(
    "i,n,a,b,c,h",
    [(3, 10, 3.0, 2.0, 0.1, 30), (5, 10, 1.0, 1.0, 0.05, 60), (2, 6, 8.0, 3.0, 0.2, 40)],
)
def test_lattice_dp_equals_beta_mixture(i, n, a, b, c, h):
    """Learning on the (i, a, b) lattice = E over the Beta prior of the fixed-p value."""
    bel = BetaBeliefs([[a, b]], [[b, a]])  # A holds Beta(a, b), B holds Beta(b, a)
    va, vb = continuation_values(i, n, bel, c, c, horizon=h)
    assert va[0] == pytest.approx(belief_value_dp(i, n, a, b, c, h, "A"), abs=1e-8)
    assert vb[0] == pytest.approx(belief_value_dp(i, n, b, a, c, h, "B"), abs=1e-8)
    # long horizon: the infinite-horizon mixture of closed forms
    va_inf, _ = continuation_values(i, n, bel, c, c)
    assert va_inf[0] == pytest.approx(belief_value_dp(i, n, a, b, c, 4000, "A"), abs=1e-6)


def test_concentrated_belief_recovers_fixed_p():
    p, s = 0.58, 1e7
    bel = BetaBeliefs([[p * s, p * s]], [[(1 - p) * s, (1 - p) * s]])
    va, vb = continuation_values(4, 12, bel, 0.1, 0.2)
    assert va[0] == pytest.approx(continuation_value(4, 12, p, 0.1), rel=1e-4)
    assert vb[0] == pytest.approx(continuation_value(4, 12, p, 0.2, "B"), rel=1e-4)


@pytest.mark.parametrize(
    "a,b,rel",
    # a - 1 or b - 1 non-integer in (0, 1): the density is not smooth at 0 or 1 -> slower
    [
        (1, 1, 1e-9),
        (2, 5, 1e-9),
        (30, 25, 1e-9),
        (400, 410, 1e-9),
        (3000, 2000, 1e-9),
        (1.5, 40, 1e-6),
    ],
)
def test_beta_quadrature_against_fine_grid(a, b, rel):
    n, i, c = 40, 17, 0.05
    grid = (np.arange(400_000) + 0.5) / 400_000
    logd = (a - 1) * np.log(grid) + (b - 1) * np.log1p(-grid)
    w = np.exp(logd - logd.max())
    w /= w.sum()
    brute = np.sum(w * continuation_value(i, n, grid, c))
    p, wq = beta_nodes(np.array([a]), np.array([b]))
    quad = np.sum(wq * continuation_value(i, n, p, c), axis=-1)[0]
    assert quad == pytest.approx(brute, rel=rel)
    assert np.sum(wq * p) == pytest.approx(a / (a + b), rel=rel)


def test_discrete_beliefs_match_beta_on_a_fine_grid():
    types = (np.arange(2000) + 0.5) / 2000
    a, b = 4.0, 3.0
    w = types ** (a - 1) * (1 - types) ** (b - 1)
    disc = DiscreteBeliefs(types, np.broadcast_to(w, (1, 2, types.size)))
    beta = BetaBeliefs([[a, a]], [[b, b]])
    vd = continuation_values(5, 10, disc, 0.1, 0.1)
    vb = continuation_values(5, 10, beta, 0.1, 0.1)
    np.testing.assert_allclose(vd, vb, rtol=1e-4)
