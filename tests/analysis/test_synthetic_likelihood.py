"""The synthetic likelihood and its DE-MC sampler on toy models with known answers, and the
time split's targets."""

import numpy as np
import pytest
from scipy import stats as sps

from polemos.analysis.calibrate import (
    period_sums,
    split_statistics,
    split_targets,
    weeks,
)
from polemos.analysis.synthetic_likelihood import best_of_prior, sl_demc, synthetic_loglik


@pytest.fixture(scope="module")
def karabakh():
    from polemos.scenario import load_scenario

    return load_scenario("karabakh_2020")


@pytest.fixture(scope="module")
def small_results(karabakh):
    from polemos.campaign.engine import Ensemble, run_ensemble

    return run_ensemble(karabakh, Ensemble(runs=60, seed=4))


def test_loglik_is_the_gaussian_density_with_the_tolerance_as_measurement_error():
    rng = np.random.default_rng(1)
    S = rng.normal([2.0, -1.0], [0.5, 2.0], size=(1, 30, 2))
    t, tol = np.array([1.5, 0.0]), np.array([1.0, 1.0])
    cov = np.cov(S[0], rowvar=False) + np.eye(2)
    want = sps.multivariate_normal(S[0].mean(0), cov).logpdf(t)
    assert synthetic_loglik(S, t, tol)[0] == pytest.approx(want, rel=1e-10)


def test_loglik_in_tolerance_units_and_one_sided_bounds():
    rng = np.random.default_rng(2)
    S = rng.normal(10.0, 1.0, size=(2, 40, 1))
    S[1] += 50                                         # far above the target
    t = np.array([10.0])
    # a 10x coarser tolerance on a 10x coarser statistic: the same in tolerance units
    assert np.allclose(synthetic_loglik(S * 10, t * 10, [10.0]) - synthetic_loglik(S, t, [1.0]),
                       np.log(1.0), atol=1e-9)
    two_sided = synthetic_loglik(S, t, [1.0])
    lower = synthetic_loglik(S, t, [1.0], at_least=np.array([True]))
    assert two_sided[1] < two_sided[0] - 100           # far above: penalised two-sided ...
    assert lower[1] > two_sided[1] + 100               # ... not at all as a lower bound
    with pytest.raises(ValueError, match="at least 2 replicate"):
        synthetic_loglik(S[:, :1], t, [1.0])


def toy_simulator(m=20, sigma=0.5):
    """stat = 10 u0 + noise; u1 does nothing."""

    def sim(u, step, run_offset):
        rng = np.random.default_rng([run_offset, len(u)])
        return (10 * u[:, :1, None] + sigma * rng.standard_normal((len(u), m, 1))
                ).reshape(len(u), m, 1)

    return sim


def test_demc_recovers_a_known_posterior_and_leaves_an_inert_parameter_at_its_prior():
    sim = toy_simulator()
    t, tol = np.array([5.0]), np.array([1.0])
    init, _ = best_of_prior(sim, 2, 16, 64, t, tol, seed=3)
    res = sl_demc(sim, init, t, tol, steps=600, seed=3, run_offset=64)
    d = res.draws()
    diag = res.diagnostics()
    assert diag["rhat_max"] < 1.1 and diag["ess_min"] > 200
    ess = np.asarray(diag["ess_bulk"])
    # likelihood N(5; 10 u0, 0.25 (1 + 1/m) + 1): the replicates' mean is itself noisy (m = 20),
    # so the synthetic-likelihood posterior of u0 is N(0.5, sqrt(1.2625)/10); the inert u1
    # stays uniform on [0, 1] (mean 0.5, sd sqrt(1/12)).
    want_mean = np.array([0.5, 0.5])
    want_sd = np.array([np.sqrt(1.25 + 0.25 / 20) / 10, np.sqrt(1 / 12)])
    # tolerances from the chains' own Monte Carlo error: 4 standard errors, with the ESS
    # arviz-stats measured (se of a mean sd/sqrt(ESS); of an sd, sd/sqrt(2 ESS), the normal
    # case, which over-states it for the uniform)
    se_mean, se_sd = want_sd / np.sqrt(ess), want_sd / np.sqrt(2 * ess)
    assert np.all(np.abs(d.mean(axis=0) - want_mean) < 4 * se_mean), (d.mean(axis=0), se_mean)
    assert np.all(np.abs(d.std(axis=0) - want_sd) < 4 * se_sd), (d.std(axis=0), se_sd)
    assert 0.05 < res.acceptance < 0.9


def test_demc_is_reproducible_and_refuses_odd_chains():
    sim = toy_simulator()
    t, tol = np.array([5.0]), np.array([1.0])
    init = np.random.default_rng(0).random((6, 2))
    a = sl_demc(sim, init, t, tol, steps=20, seed=9)
    b = sl_demc(sim, init, t, tol, steps=20, seed=9)
    assert np.array_equal(a.chains, b.chains)
    with pytest.raises(ValueError, match="even number"):
        sl_demc(sim, init[:5], t, tol, steps=2)


def test_weeks_and_period_sums():
    assert weeks(1, 21) == [(1, 7), (8, 14), (15, 21)]
    assert weeks(22, 45)[-1] == (43, 45)
    x = np.arange(1, 11, dtype=float)[None]
    assert period_sums(x, [(1, 3), (4, 10), (9, 12)]).tolist() == [[6.0, 49.0, 19.0]]


def test_time_split_targets_are_what_was_known_by_the_cut_off(karabakh):
    tg = split_targets(karabakh, 21)
    series = np.asarray(karabakh.record["military_killed_daily_armenia"].series, dtype=float)
    assert tg.names[:3] == [f"military_killed_daily_armenia_{a}_{b}" for a, b in weeks(1, 21)]
    assert tg.values[:3].tolist() == [series[:7].sum(), series[7:14].sum(), series[14:21].sum()]
    assert "air_defence_lost_first_days" in tg.names                # dated day 3
    # nothing from after the cut-off: no end-of-war target
    assert not {"duration_days", "area_taken_share"} & set(tg.names)
    assert "air_defence_lost_first_days" not in split_targets(karabakh, 2).names


def test_time_split_statistics_match_their_targets(karabakh, small_results):
    stats = split_statistics(karabakh, 21)(small_results)
    assert stats.shape == (small_results.n, len(split_targets(karabakh, 21).names))
    daily = small_results.arrays["daily_killed"][:, :21, 1].sum(axis=1)
    assert np.allclose(stats[:, :3].sum(axis=1), daily, rtol=1e-5)
