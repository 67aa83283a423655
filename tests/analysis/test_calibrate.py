"""Calibration (ABC): recovery on a toy simulator with an analytic posterior, an inert parameter, the
shipped posterior's columns and support, summary statistics on a few real runs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as st

from polemos.analysis import calibrate as cal

# --- toy: x_i ~ N(mu, sigma^2), i = 1..m, prior mu ~ U(LO, HI); statistic = sample mean -------
LO, HI, SIGMA, M_OBS, XBAR = -5.0, 5.0, 1.0, 25, 0.7
SE = SIGMA / np.sqrt(M_OBS)             # sd of the sample mean: the exact posterior is N(XBAR, SE)
TOL = SE                                 # the target's "tolerance"


def toy_simulator(seed):
    rng = np.random.default_rng(seed)

    def run(u, generation, run_offset):
        mu = LO + u[:, 0] * (HI - LO)
        return (mu + SE * rng.standard_normal(len(mu)))[:, None]   # the sample mean's law

    return run


def _posterior_moments_truncated():
    """Exact posterior of mu: N(XBAR, SE^2) truncated to [LO, HI] (mean, sd)."""
    a, b = (LO - XBAR) / SE, (HI - XBAR) / SE
    d = st.truncnorm(a, b, loc=XBAR, scale=SE)
    return d.mean(), d.std()


def test_rejection_recovers_normal_mean():
    rng = np.random.default_rng(1)
    n = 400_000
    mu = rng.uniform(LO, HI, n)
    s = (mu + SE * rng.standard_normal(n))[:, None]
    d = cal.distance(s, np.array([XBAR]), np.array([TOL]))
    acc, eps = cal.abc_rejection(d, epsilon=0.1)
    m, sd = _posterior_moments_truncated()
    assert len(acc) > 500
    # epsilon 0.1 tolerance adds variance (0.1 SE)^2/3: negligible
    mc = sd / np.sqrt(len(acc))
    assert abs(mu[acc].mean() - m) < 4 * mc
    assert abs(mu[acc].std() - sd) < 0.05 * sd
    acc_q, eps_q = cal.abc_rejection(d, quantile=0.01)
    assert len(acc_q) == pytest.approx(0.01 * n, rel=0.01) and eps_q > 0


def test_smc_recovers_normal_mean():
    floor = 0.3
    res = cal.abc_smc(toy_simulator(3), 1, np.array([XBAR]), np.array([TOL]), n_particles=2000,
                      n_initial=20000, generations=30, epsilon_floor=floor, seed=4)
    assert np.allclose(res.weights, 1 / 2000)
    assert all(b <= a for a, b in zip(res.epsilons, res.epsilons[1:], strict=False))
    assert res.epsilons[-1] == floor and np.all(res.distances <= floor)
    mu = LO + res.u[:, 0] * (HI - LO)
    m, sd_true = _posterior_moments_truncated()
    # a uniform kernel of half-width eps (in SE) adds eps^2/3 SE^2 to the posterior variance;
    # MCMC copies are correlated: allow 4 Monte Carlo errors of an effective 200 draws
    sd_abc = np.sqrt(sd_true ** 2 + (floor * SE) ** 2 / 3)
    assert abs(mu.mean() - m) < 4 * sd_abc / np.sqrt(200)
    assert mu.std() == pytest.approx(sd_abc, rel=0.15)
    idx = res.resample(1000, seed=0)
    assert len(idx) == 1000 and abs(mu[idx].mean() - m) < 0.05


def test_smc_leaves_an_inert_parameter_at_its_prior():
    """Two parameters, one inert: its posterior must stay uniform on [0, 1]."""
    rng = np.random.default_rng(7)

    def run(u, g, off):
        mu = LO + u[:, 0] * (HI - LO)
        return (mu + SE * rng.standard_normal(len(mu)))[:, None]

    res = cal.abc_smc(run, 2, np.array([XBAR]), np.array([TOL]), n_particles=1500,
                      n_initial=15000, generations=30, epsilon_floor=0.5, seed=8)
    u1 = res.u[:, 1]
    assert st.kstest(u1, "uniform").pvalue > 1e-3
    assert abs(u1.mean() - 0.5) < 0.05 and u1.min() >= 0 and u1.max() <= 1


def test_reflect_unit_folds_into_the_cube_symmetrically():
    x = np.array([-0.25, 0.0, 0.4, 1.0, 1.3, 2.6, -1.7])
    assert np.allclose(cal.reflect_unit(x), [0.25, 0.0, 0.4, 1.0, 0.7, 0.6, 0.3])


def test_unit_cube_round_trip_and_prior_sample():
    priors = {"a.x": (1.0, 3.0, "uniform"), "a.y": (0.01, 10.0, "loguniform")}
    p = cal.sample_prior(priors, 5000, seed=2)
    assert set(p) == set(priors)
    assert p["a.x"].min() >= 1.0 and p["a.x"].max() <= 3.0
    assert np.median(np.log10(p["a.y"])) == pytest.approx(-0.5, abs=0.1)
    u = cal.to_unit(priors, p)
    back = cal.from_unit(priors, u)
    assert np.allclose(back["a.y"], p["a.y"]) and np.allclose(back["a.x"], p["a.x"])


def test_series_shares_and_periods():
    assert cal.periods(45, 5) == [(1, 9), (10, 18), (19, 27), (28, 36), (37, 45)]
    assert cal.periods() == [(1, 15), (16, 30), (31, 45)]
    x = np.zeros((2, 120))
    x[0, :45] = 1.0
    s = cal.series_shares(x)
    assert np.allclose(s[0], 1 / 3) and np.allclose(s[1], 0.0)


# --- the scenario -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scenario():
    from polemos.scenario import load_scenario

    return load_scenario("karabakh_2020")


def test_priors_leave_out_ceasefire(scenario):
    from polemos.campaign.params import calibrated

    pri = cal.campaign_priors(scenario)
    assert pri and not any(k.startswith("ceasefire.") for k in pri)
    assert any(k.startswith("inputs.") for k in pri)
    def has_calibration_target(name):
        comp, _, key = name.partition(".")
        return any(scenario.record[t].use == "calibration"
                   for t in scenario.parameters[comp][key].fitted_to)

    assert set(pri) == {k for k in calibrated(scenario)
                        if not k.startswith("ceasefire.") and has_calibration_target(k)}
    # an input no quantity reads would change nothing: never fitted
    from polemos.scenario.validation import unread_input_problems

    assert not set(pri) & {f"inputs.{path[2]}" for path, _ in unread_input_problems(scenario)}
    assert "inputs.arm_ada_tanks" in pri  # now read (the ADA's tanks, extra_equipment)


def test_targets_from_record(scenario):
    tg = cal.targets(scenario)
    assert tg.names[:5] == ["duration_days", "shusha_fall_day", "area_taken_share",
                            "military_killed_armenia", "military_killed_azerbaijan"]
    assert list(tg.values[:2]) == [44, 43]
    assert tg.values[5:8].sum() == pytest.approx(1.0)      # the daily series' three shares
    assert np.all(tg.tolerances > 0)
    # equipment losses (visually confirmed: lower bounds) and the early air-defence losses
    assert tg.names[8:] == ["military_missing_armenia", "tanks_lost_armenia",
                            "ifv_apc_lost_armenia", "tanks_lost_azerbaijan",
                            "ifv_apc_lost_azerbaijan", "air_defence_lost_first_days"]
    assert list(tg.at_least) == [False] * 9 + [True] * 4 + [False]
    # a lower bound counts only a shortfall
    d = cal.distance(np.array([[300.0], [200.0]]), np.array([255.0]), np.array([25.0]),
                     np.array([True]))
    assert d.tolist() == [0.0, pytest.approx(2.2)]


def test_simulate_summary_and_run_offset(scenario):
    params = cal.sample_prior(scenario, 6, seed=5)
    res = cal.simulate(scenario, params, seed=3)
    S = cal.summary_statistics(res)
    assert S.shape == (6, len(cal.targets(scenario).names))
    assert np.all(np.isfinite(S))
    # a never-fallen objective counts as end_day + penalty
    fell = res.objective_day("shusha")
    nf = np.isnan(fell)
    assert np.all(S[nf, 1] == S[nf, 0] + cal.NEVER_FELL_PENALTY_DAYS)
    # particle i at run_offset k is global run k + i: same as the tail of a longer ensemble
    tail = {k: v[3:] for k, v in params.items()}
    res2 = cal.simulate(scenario, tail, seed=3, run_offset=3)
    assert np.allclose(cal.summary_statistics(res2), S[3:])


SHIPPED = Path(cal.__file__).resolve().parents[1] / "scenarios" / "karabakh_2020" / "posterior.csv"


@pytest.mark.skipif(not SHIPPED.is_file(), reason="no shipped posterior.csv yet")
def test_shipped_posterior_columns_and_support(scenario):
    with SHIPPED.open() as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], np.array(rows[1:], dtype=float)
    pri = cal.campaign_priors(scenario)
    assert sorted(header) == sorted(pri)
    assert len(body) >= 1000
    for j, k in enumerate(header):
        lo, hi, _ = pri[k]
        tol = 1e-5 * max(abs(lo), abs(hi))           # values are written to 6 significant digits
        assert body[:, j].min() >= lo - tol, k
        assert body[:, j].max() <= hi + tol, k


def test_calibration_command_writes_posterior_and_report(tmp_path):
    import json

    out, rep = tmp_path / "posterior.csv", tmp_path / "report.json"
    assert cal.main(["--method", "smc", "--out", str(out), "--report", str(rep),
                     "--particles", "40", "--initial", "120", "--generations", "3",
                     "--evaluate-runs", "100", "--posterior-rows", "100",
                     "--no-screen", "--replicates", "1"]) == 0
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 101
    r = json.loads(rep.read_text())
    assert r["simulations"] >= 120 and len(r["history"]) >= 2
    ev = r["evaluation"]
    assert ev["decisive_objective"] == "shusha"
    assert 0 <= ev["decisive_in_window_share"] <= ev["decisive_fell_share"] <= 1
    assert ev["window_days"] == [40.0, 48.0]


def test_synthetic_likelihood_command_reports_convergence(tmp_path):
    import json

    out, rep = tmp_path / "posterior.csv", tmp_path / "report.json"
    assert cal.main(["--out", str(out), "--report", str(rep), "--chains", "4", "--steps", "2",
                     "--initial", "8", "--replicates", "2", "--no-screen",
                     "--evaluate-runs", "100", "--posterior-rows", "50"]) == 0
    r = json.loads(rep.read_text())
    assert r["chains"] == 4 and r["steps"] == 2 and r["replicates"] == 2
    # the start's prior draws, the 4 chains' starts scored afresh (no best-of-draws luck), then
    # 4 chains x 2 steps
    assert r["simulations"] == 8 + 4 + 2 * 4
    assert len(r["convergence"]["rhat"]) == len(r["parameters"])
    assert len(r["evaluation"]["killed_by_week"]["armenia"]) == 7     # 45 days in weeks
    assert (tmp_path / "report-profiles.png").stat().st_size > 10_000  # the marginals plot


def test_population_diversity_counts_lineages():
    u = np.array([[0.1, 0.2]] * 3 + [[0.5, 0.5]])
    d = cal.population_diversity(u)
    assert d["particles"] == 4 and d["distinct"] == 2
    assert d["effective_lineages"] == pytest.approx(16 / (9 + 1))


def test_replicates_share_random_numbers_across_points(scenario):
    """Replicate j of every point runs on global run j: identical points give identical runs."""
    params = cal.sample_prior(scenario, 1, seed=3)
    twice = {k: np.repeat(v, 2) for k, v in params.items()}
    res = cal.simulate_replicates(scenario, twice, runs=3, seed=5, chunk_size=4)
    S = cal.summary_statistics(res).reshape(2, 3, -1)
    np.testing.assert_array_equal(S[0], S[1])
    killed = S[0, :, 3]                     # military_killed_armenia: its own noise per run
    assert len(set(killed.tolist())) == 3


def test_cli_calibrate_screens_then_fits(tmp_path, monkeypatch):
    """`polemos calibrate` (reduced): identifiability screen, then the fit of the parameters that
    move a target; the report says which were left at their prior."""
    import json

    from typer.testing import CliRunner

    from polemos.cli import app

    monkeypatch.setenv("POLEMOS_REDUCED", "1")
    out = tmp_path / "posterior.csv"
    r = CliRunner().invoke(app, ["calibrate", "karabakh_2020", "--out", str(out),
                                 "--report", str(tmp_path / "report.json")])
    assert r.exit_code == 0, r.output
    rep = json.loads((tmp_path / "report.json").read_text())
    ident = rep["identifiability"]
    assert ident["runs"] > 0 and len(ident["singular_values"]) > 0
    fitted = {p["name"] for p in rep["parameters"]}
    assert not fitted & set(ident["inert"])
    assert rep["population_diversity"]["distinct"] >= 1
    bad = CliRunner().invoke(app, ["calibrate", "no_such_scenario"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_simulator_averages_replicates_on_fresh_random_numbers(scenario):
    pri = cal.campaign_priors(scenario)
    u = np.random.default_rng(2).random((2, len(pri)))
    sim = cal.scenario_simulator(scenario, pri, seed=3, replicates=3)
    got = sim(u, 1, run_offset=5)
    params = {k: np.repeat(v, 3) for k, v in cal.from_unit(pri, u).items()}
    runs = cal.summary_statistics(cal.simulate(scenario, params, seed=3, run_offset=15))
    np.testing.assert_allclose(got, runs.reshape(2, 3, -1).mean(axis=1))


def test_calibration_resumes_from_its_checkpoint(tmp_path, monkeypatch, capsys):
    """--checkpoint DIR: a rerun of the same calibration replays every batch of engine runs from
    DIR (none computed again) and writes the same posterior; a batch that lost chunks computes
    only those; another calibration (another seed) is refused, naming DIR and the difference."""
    from polemos.campaign import engine

    computed = []
    real = engine.run_chunk

    def counting(scenario, ens, posterior, theatre, reduce, chunk):
        if reduce is not None:                  # the fit's runs (the evaluation keeps arrays)
            computed.append(len(chunk["run_ids"]))
        return real(scenario, ens, posterior, theatre, reduce, chunk)

    monkeypatch.setattr(engine, "run_chunk", counting)
    monkeypatch.delenv("POLEMOS_REDUCED", raising=False)   # the sizes below are already tiny
    ckpt = tmp_path / "ckpt"

    def calibrate(tag, *extra):
        out = tmp_path / tag / "posterior.csv"
        code = cal.main(["--out", str(out), "--report", str(tmp_path / tag / "report.json"),
                         "--chains", "4", "--steps", "3", "--initial", "16", "--replicates",
                         "2", "--chunk-size", "10", "--screen-trajectories", "1",
                         "--screen-runs", "2", "--evaluate-runs", "20", "--posterior-rows",
                         "30", "--checkpoint", str(ckpt), *extra])
        return code, out

    code, first = calibrate("first")
    assert code == 0 and computed
    batches = sorted(p.name for p in ckpt.iterdir() if p.is_dir())
    # the screen; the prior draws; the chains' start; 3 steps x 2 halves
    assert batches[0] == "batch-0000000000" and "screen" in batches and len(batches) == 9
    runs_first = sum(computed)
    computed.clear()
    code, again = calibrate("again")
    assert code == 0 and computed == []
    assert again.read_text() == first.read_text()
    # the first batch (16 points x 2 runs: 4 chunks) lost two chunks (an interruption): only
    # those are computed again
    lost = sorted((ckpt / batches[0]).glob("chunk-*.npz"))[1:3]
    assert len(lost) == 2
    for p in lost:
        p.unlink()
    code, third = calibrate("third")
    assert code == 0 and computed == [10, 10]
    assert third.read_text() == first.read_text() and runs_first > 20
    capsys.readouterr()
    code, _ = calibrate("other", "--seed", "7")
    err = capsys.readouterr().err
    assert code == 1 and str(ckpt) in err and "seed: 20201110 there, 7 now" in err


def test_any_scenario_calibrates_to_the_targets_its_record_has(tmp_path):
    """Not only Karabakh: the statistics are the record's calibration targets, whatever they
    are; a scenario without any gets a clear error."""
    from pathlib import Path

    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.scenario import load_scenario

    root = Path(__file__).resolve().parents[2]
    tiny = load_scenario(root / "tests" / "data" / "tiny.toml")
    tg = cal.targets(tiny)
    assert tg.names == [rid for rid, r in tiny.record.items() if r.use == "calibration"]
    res = run_ensemble(tiny, Ensemble(runs=20, seed=1, mode="prior", max_days=30))
    assert cal.summary_statistics(res).shape == (20, len(tg.names))
    border = load_scenario(root / "docs" / "examples" / "border_war.toml")
    with pytest.raises(ValueError, match="no calibration target"):
        cal.targets(border)
    with pytest.raises(ValueError, match="no time split"):
        cal.split_targets(tiny, 21)
