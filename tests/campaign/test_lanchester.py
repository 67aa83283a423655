"""Ground combat in the deterministic limit matches the closed form of its attrition law."""

import numpy as np
import pytest

from polemos.campaign.components.ground_combat import lanchester_losses


def integrate(A0, D0, alpha, beta, w, days, steps_per_day):
    A, D = float(A0), float(D0)
    dt = 1.0 / steps_per_day
    for _ in range(days * steps_per_day):
        la, ld = lanchester_losses(A, D, alpha, beta, w, dt)
        A, D = A - la, D - ld
    return A, D


@pytest.mark.parametrize("w", [1.0, 0.75, 0.5, 0.35])
def test_state_equation_holds(w):
    """β(D0^{2w} − D^{2w}) = α(A0^{2w} − A^{2w}) for dD/dt = −αA^wD^{1−w}, dA/dt = −βD^wA^{1−w}."""
    A0, D0, alpha, beta = 30000.0, 12000.0, 0.01, 0.02
    A, D = integrate(A0, D0, alpha, beta, w, days=20, steps_per_day=400)
    lhs = beta * (D0 ** (2 * w) - D ** (2 * w))
    rhs = alpha * (A0 ** (2 * w) - A ** (2 * w))
    assert D < 0.95 * D0  # real attrition happened
    assert lhs == pytest.approx(rhs, rel=2e-3)


def test_square_law_closed_form_trajectory():
    """w = 1: A(t) = A0 cosh(√(αβ) t) − √(α/β)·... solved exactly; compare at t = 10 days."""
    A0, D0, alpha, beta = 20000.0, 15000.0, 0.02, 0.03
    k = np.sqrt(alpha * beta)
    t = 10.0
    D_exact = D0 * np.cosh(k * t) - np.sqrt(alpha / beta) * A0 * np.sinh(k * t)
    A_exact = A0 * np.cosh(k * t) - np.sqrt(beta / alpha) * D0 * np.sinh(k * t)
    A, D = integrate(A0, D0, alpha, beta, 1.0, days=10, steps_per_day=2000)
    assert A == pytest.approx(A_exact, rel=1e-3)
    assert D == pytest.approx(D_exact, rel=1e-3)


def test_engine_daily_losses_use_the_law(karabakh):
    """The engine's own formula, with noise off and modifiers 1, equals the law's step."""
    from polemos.campaign.engine import Simulation

    sim = Simulation(karabakh, np.arange(3), seed=1, mode="point", max_days=2)
    for c in sim.components:
        c.init(sim)
    w = sim.params["ground_combat.exponent"][0, 0]
    la, ld = lanchester_losses(np.array([9000.0]), np.array([4000.0]), 0.01, 0.02, w)
    x = (9000.0 / 4000.0) ** w
    assert ld[0] == pytest.approx(0.01 * 4000.0 * x)
    assert la[0] == pytest.approx(0.02 * 9000.0 / x)
