"""The validation evaluates the engine's own law: its functions, its parameters, its
breakthrough rule; the fit recovers known parameters."""

from __future__ import annotations

import numpy as np
import pytest

from polemos.campaign.components import ground_combat, movement
from validation import cdb90, engine_law


def _battles(n=6, posture=0, relief=1, air=0):
    return engine_law.Battles(
        persons_a=np.full(n, 30_000.0), persons_d=np.linspace(5_000, 40_000, n),
        armour_a=np.full(n, 100.0), armour_d=np.full(n, 50.0),
        guns_a=np.full(n, 200.0), guns_d=np.full(n, 100.0),
        relief=np.full(n, relief), urban=np.zeros(n), posture=np.full(n, posture),
        air=np.full(n, air))


@pytest.fixture(scope="module")
def shipped():
    return engine_law.engine_parameters()


def test_the_law_is_the_engines_functions():
    for name in ("personnel_equivalents", "attacker_strength", "defender_strength",
                 "power_ratio", "casualty_rates", "urban_blend"):
        assert getattr(engine_law, name) is getattr(ground_combat, name)
    assert engine_law.defence_breaks is movement.defence_breaks


def test_changing_an_engine_parameter_changes_the_prediction(shipped):
    stronger = engine_law.engine_parameters(
        overrides=["parameters.ground_combat.posture_fortified.value=3.2"])
    fortified, hasty = _battles(posture=0), _battles(posture=2)
    a, b = engine_law.law(fortified, shipped), engine_law.law(fortified, stronger)
    assert np.all(b["ratio"] < a["ratio"]) and np.all(b["margin"] < a["margin"])
    assert np.all(b["log_cas_ratio"] > a["log_cas_ratio"])
    # a hasty defence does not read the fortified factor
    h0, h1 = engine_law.law(hasty, shipped), engine_law.law(hasty, stronger)
    assert np.array_equal(h0["margin"], h1["margin"])
    steeper = dict(shipped, **{"ground_combat.ratio_exponent": 1.2})
    c = engine_law.law(fortified, steeper)
    assert not np.allclose(c["log_cas_ratio"], a["log_cas_ratio"])


def test_the_source_of_the_parameters_is_the_shipped_posterior_or_the_point_values():
    post = engine_law.engine_parameters(source="posterior")
    point = engine_law.engine_parameters(source="point")
    k = "ground_combat.ratio_exponent"          # calibrated: posterior median vs point value
    assert point[k] == 0.5 and post[k] != point[k]
    s = "ground_combat.posture_prepared"        # sourced: the same in both
    assert post[s] == point[s] == 1.5
    with pytest.raises(ValueError, match="source"):
        engine_law.engine_parameters(source="prior")


def test_verdict_is_the_breakthrough_rule(shipped):
    b = _battles(n=40)
    b.persons_d = np.geomspace(1_000, 500_000, 40)
    out = engine_law.law(b, shipped)
    on_ratio = out["ratio"] >= shipped["movement.break_ratio"]
    assert on_ratio.any() and (~on_ratio).any()
    assert np.all(out["attacker_wins"][on_ratio])
    # below the break ratio: the attacker wins iff the defence wears out first
    assert np.array_equal(out["attacker_wins"][~on_ratio], out["margin"][~on_ratio] > 0)
    # air superiority helps whoever holds it
    for side, sign in ((1, 1), (-1, -1)):
        air = engine_law.law(_battles(air=side), shipped)["margin"]
        assert np.all(sign * (air - engine_law.law(_battles(), shipped)["margin"]) > 0)


def test_casualty_ratio_is_lanchester_with_exponent_kappa(shipped):
    """r_A A / (r_D D) = ρ / vul × (A/D)^(1−2κ) when R = A/D: the engine's law is the
    Lanchester family of ground_combat.lanchester_losses with w = κ."""
    p = dict(shipped, **{"ground_combat.armour_weight": 0.0,
                         "ground_combat.artillery_weight": 0.0})
    for k in ("terrain_defence_foothill", "posture_fortified"):
        p[f"ground_combat.{k}"] = 1.0
    b = _battles()
    out = engine_law.law(b, p)
    kappa = p["ground_combat.ratio_exponent"]
    r0 = p["ground_combat.base_casualty_rate"] * p["ground_combat.terrain_casualty_foothill"]
    alpha = r0 * p["ground_combat.vulnerability_fortified"]
    beta = r0 * p["ground_combat.attacker_rate_ratio"]
    loss_a, loss_d = ground_combat.lanchester_losses(b.persons_a, b.persons_d, alpha, beta,
                                                     kappa)
    assert np.allclose(out["log_cas_ratio"], np.log(loss_a / loss_d), rtol=1e-6)


def test_fit_recovers_the_laws_parameters():
    """Outcomes drawn from the law at known parameters: the fit finds them again."""
    rng = np.random.default_rng(11)
    n = 1500
    b = engine_law.Battles(
        persons_a=rng.lognormal(9.5, 1.0, n), persons_d=rng.lognormal(9.2, 1.0, n),
        armour_a=rng.poisson(30, n).astype(float), armour_d=rng.poisson(20, n).astype(float),
        guns_a=rng.poisson(60, n).astype(float), guns_d=rng.poisson(40, n).astype(float),
        relief=rng.integers(0, 3, n), urban=(rng.random(n) < 0.1).astype(float),
        posture=rng.integers(0, 4, n), air=rng.integers(-1, 2, n))
    base = engine_law.engine_parameters()
    true = dict(base, **{"ground_combat.armour_weight": 20.0,
                         "ground_combat.artillery_weight": 5.0,
                         "ground_combat.ratio_exponent": 0.4,
                         "ground_combat.attacker_rate_ratio": 0.8})
    out = engine_law.law(b, true)
    won = rng.random(n) < 1 / (1 + np.exp(-(0.2 + 1.5 * out["margin"])))
    log_cas = out["log_cas_ratio"] + rng.normal(0, 0.5, n)
    fit = cdb90.fit_engine(b, won, log_cas, base, cdb90.WIDE)
    assert fit.params["ground_combat.ratio_exponent"] == pytest.approx(0.4, abs=0.05)
    assert fit.params["ground_combat.attacker_rate_ratio"] == pytest.approx(0.8, rel=0.15)
    assert fit.sigma == pytest.approx(0.5, rel=0.1)
    assert fit.b == pytest.approx(1.5, rel=0.35)
