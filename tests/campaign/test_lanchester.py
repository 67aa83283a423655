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
    """The engine's ground combat, with noise off, takes the TNDM-form rates of its docstring:
    r_D = r0 R^κ × vulnerability(state) × terrain casualty, r_A = r0 ρ R^−κ × terrain casualty
    (capped), on the persons of each side in the sector."""
    from polemos.campaign.engine import Simulation
    from polemos.campaign.sectors import pick

    n = 3
    sim = Simulation(karabakh, np.arange(n), seed=1, mode="point", max_days=2,
                     fixed={"ground_combat.daily_sigma": np.zeros(n)})
    for c in sim.components:
        c.init(sim)
    gc = next(c for c in sim.components if c.name == "ground_combat")
    st, p = sim.state, sim.params
    st.active[:] = False
    st.active[0] = True                         # one sector under attack
    st.a_share[:] = 0.0
    st.a_share[0] = 1.0
    dp0, ap0 = st.dp.copy(), st.ap.copy()
    gc.step(sim, 1)
    R = st.power_ratio[0]
    k = p.row("ground_combat.ratio_exponent")
    r0 = p.row("ground_combat.base_casualty_rate") * gc.terrain_cas[0]
    cap = p.row("ground_combat.max_daily_loss")
    rd = np.minimum(r0 * R ** k * pick(gc.vul, st.sector_state)[0], cap)
    ra = np.minimum(r0 * p.row("ground_combat.attacker_rate_ratio") * R ** -k, cap)
    # the sector arrays are float32: agreement to float32 precision
    np.testing.assert_allclose(dp0[0] - st.dp[0], rd * dp0[0], rtol=1e-5)
    np.testing.assert_allclose(st.dp[1:], dp0[1:])          # no fighting elsewhere
    a_pers = p.row("ground_combat.committed_share") * ap0
    np.testing.assert_allclose(ap0 - st.ap, ra * a_pers, rtol=1e-5)
    assert (R > 0).all() and (rd < cap).all()
