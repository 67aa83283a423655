"""Ceasefire recurrence hazards: fitting (parameter recovery), the light loader, the shipped fit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from polemos.ceasefire.hazards import COEFFICIENTS_PATH, available_models, load_hazard_model
from validation import fit_ceasefire_hazards as fch

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "ceasefire"


def _require_data():
    if not DATA.is_dir():
        pytest.skip("needs ../shared/data/ceasefire (development data), absent")


# ------------------------------------------------------------------------------------------
# parameter recovery
# ------------------------------------------------------------------------------------------

TRUE_A, TRUE_RHO, TRUE_B = -3.0, 0.7, np.array([-0.7, 0.3])


def _simulate(n: int = 1500, seed: int = 12345) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.integers(0, 2, n).astype(float)
    x2 = rng.normal(0.0, 1.0, n)
    scale = np.exp(TRUE_A + TRUE_B[0] * x1 + TRUE_B[1] * x2)
    t = (-np.log(rng.uniform(size=n)) / scale) ** (1.0 / TRUE_RHO)
    c = rng.uniform(1.0, 200.0, n)
    return pd.DataFrame({
        "spell": np.arange(n), "cluster": np.arange(n).astype(str), "start": 0.0,
        "stop": np.minimum(t, c), "event": (t <= c).astype(int), "x1": x1, "x2": x2,
    })


def _split(df: pd.DataFrame, at: float) -> pd.DataFrame:
    """Counting-process split of every spell longer than ``at`` (same likelihood)."""
    long = df[df["stop"] > at]
    first = long.assign(stop=at, event=0)
    second = long.assign(start=at)
    return pd.concat([df[df["stop"] <= at], first, second]).sort_values(["spell", "start"])


def test_weibull_ph_recovers_known_parameters():
    df = _simulate()
    m = fch.fit_weibull_ph(df, ["x1", "x2"])
    assert m.converged
    se = m.se(robust=False)
    est = np.array([m.a, np.log(m.rho), *m.beta])
    true = np.array([TRUE_A, np.log(TRUE_RHO), *TRUE_B])
    assert np.all(np.abs(est - true) < 4.0 * se), (est, true, se)
    # robust and model-based SEs agree when there is no clustering (one spell per cluster)
    assert np.allclose(m.se(robust=True), se, rtol=0.25)


def test_counting_process_split_leaves_the_fit_unchanged():
    df = _simulate(n=600, seed=7)
    m1 = fch.fit_weibull_ph(df, ["x1", "x2"])
    m2 = fch.fit_weibull_ph(_split(df, 12.0), ["x1", "x2"])
    assert m2.n_rows > m1.n_rows and m2.n_spells == m1.n_spells
    assert np.allclose([m1.a, m1.rho, *m1.beta], [m2.a, m2.rho, *m2.beta], atol=1e-7)


def test_cox_recovers_known_coefficients():
    df = _simulate(n=800, seed=99)
    cph = fch.fit_cox(df, ["x1", "x2"])
    s = cph.summary
    for name, b in zip(["x1", "x2"], TRUE_B, strict=True):
        assert abs(s.loc[name, "coef"] - b) < 4.0 * s.loc[name, "se(coef)"]


def test_brier_of_perfect_forecast_is_zero_and_km_is_worse():
    df = _simulate(n=400, seed=3)
    T, E = df["stop"].to_numpy(), df["event"].to_numpy()
    G = fch._censoring_km(T, E)
    truth = np.where(T > 24.0, 1.0, 0.0)
    known = (T > 24.0) | (E == 1)
    assert fch.brier_ipcw(T[known], E[known], truth[known], 24.0, G) == pytest.approx(0.0)
    assert fch.brier_ipcw(T, E, np.full(len(T), 0.5), 24.0, G) > 0.1


# ------------------------------------------------------------------------------------------
# loader: the shipped JSON
# ------------------------------------------------------------------------------------------


def test_loader_imports_without_pandas_or_lifelines():
    code = ("import sys, polemos.ceasefire.hazards as h; h.load_hazard_model(); "
            "bad = [m for m in ('pandas', 'lifelines', 'scipy') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", available_models())
def test_survival_is_exp_minus_cumulative_hazard_monotone_in_unit_interval(name):
    m = load_hazard_model(name)
    t = np.linspace(0.0, 240.0, 481)
    rng = np.random.default_rng(0)
    for _ in range(5):
        cov = {c: float(rng.integers(0, 2)) if m.reference[c] == 0 else m.reference[c] + 1.0
               for c in m.covariate_names}
        H = m.cumulative_hazard(t, cov)
        S = m.survival(t, cov)
        assert np.allclose(S, np.exp(-H))
        assert S[0] == 1.0 and np.all((S >= 0) & (S <= 1))
        assert np.all(np.diff(S) <= 0) and np.all(np.diff(H) >= 0)
        # the instantaneous hazard integrates to the cumulative hazard (from month 1: a Weibull
        # shape below 1 has an integrable singularity at 0 that a midpoint rule cannot follow)
        fine = np.linspace(1.0, 100.0, 19801)[1:]
        integral = np.sum(m.hazard_rate(fine - 0.0025, cov)) * 0.005
        expected = float(m.cumulative_hazard(100.0, cov) - m.cumulative_hazard(1.0, cov))
        assert integral == pytest.approx(expected, rel=2e-3)
        months = np.arange(1, 121)
        h = m.monthly_hazard(months, cov)
        assert np.all((h >= 0) & (h <= 1))
        assert np.allclose(np.cumprod(1.0 - h), m.survival(months, cov))
        assert np.allclose(m.p_recurrence(months, cov), 1.0 - m.survival(months, cov))


def test_default_is_the_interstate_model():
    m = load_hazard_model()
    assert m.name == "lhr_interstate"
    assert {"tie", "victor_claim", "pk", "lndeaths"} == set(m.covariate_names)
    cv = m.entry["cross_validation"]["repeats"]["models"]
    for h in (24, 60):  # its cross-validated Brier beats the base rate's
        assert cv["piecewise_ph"][f"brier_{h}m"]["mean"] < cv["km_base_rate"][f"brier_{h}m"]["mean"]


def test_hazard_ratios_and_broadcasting():
    m = load_hazard_model("fortna_pk")
    assert m.name == "fortna_pk"
    for c in ("un_pk", "nonun_pk", "victory", "treaty", "prior_failed_cf"):
        ratio = m.hazard_rate(7.0, {c: 1.0}) / m.hazard_rate(7.0)
        assert ratio == pytest.approx(m.hazard_ratio(c))
        lo, hi = m.hazard_ratio_ci(c)
        assert lo < m.hazard_ratio(c) < hi
    # covariate arrays broadcast against the months
    S = m.survival(np.arange(1, 61)[:, None], {"nonun_pk": np.array([0.0, 1.0])})
    assert S.shape == (60, 2)
    with pytest.raises(KeyError, match="unknown covariate"):
        m.survival(12.0, {"russian_pk": 1.0})
    with pytest.raises(KeyError, match="unknown hazard model"):
        load_hazard_model("nope")


def test_shipped_json_has_provenance():
    data = json.loads(COEFFICIENTS_PATH.read_text())
    prov = data["provenance"]
    assert prov["censoring_date"] == "2020-11-10"
    for key in ("fortna_pk_pkept", "ucdp_termination", "walter2015", "lhr_2008",
                "icow_provisional"):
        assert prov["datasets"][key]["commit"]
    for name in ("fortna_pk", "ucdp_episodes", "lhr_interstate"):
        cv = data["models"][name]["cross_validation"]["models"]
        assert {"weibull_ph", "cox_ph", "km_base_rate"} <= set(cv)
        assert "brier_24m" in cv["weibull_ph"] and "brier_60m" in cv["weibull_ph"]


# ------------------------------------------------------------------------------------------
# errors name the file and the column
# ------------------------------------------------------------------------------------------


def test_missing_file_is_named(tmp_path):
    with pytest.raises(fch.DataError, match="pk_pkept.csv: file not found"):
        fch.load_fortna(tmp_path)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / fch.UCDP_TERM_FILE
    path.parent.mkdir(parents=True)
    pd.DataFrame({"conflictep_id": [1]}).to_csv(path, index=False)
    with pytest.raises(fch.DataError, match=r"ucdp-term-acd-3-2021.csv: missing column\(s\) "):
        fch.load_ucdp_episodes(tmp_path)


# ------------------------------------------------------------------------------------------
# the development data (skipped when ../shared is absent)
# ------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_shipped_json_matches_a_refit():
    _require_data()
    shipped = json.loads(COEFFICIENTS_PATH.read_text())
    refit = fch.fit_all(DATA, cv=False)
    for name, e in shipped["models"].items():
        r = refit["models"][name]
        assert r["n_spells"] == e["n_spells"] and r["n_events"] == e["n_events"]
        for k in ("log_scale_a", "shape_rho", "log_rates"):
            if k in e["baseline"]:
                diff = np.subtract(r["baseline"][k], e["baseline"][k])
                assert np.all(np.abs(diff) < 1e-6), (name, k)
        for c, row in e["covariates"].items():
            assert abs(r["covariates"][c]["coef"] - row["coef"]) < 1e-6, (name, c)
            assert abs(r["covariates"][c]["se_robust"] - row["se_robust"]) < 1e-6, (name, c)


@pytest.mark.shared
def test_information_discipline():
    _require_data()
    ucdp = fch.load_ucdp_episodes(DATA)
    assert ucdp["end_date"].max() < pd.Timestamp("2019-01-01")
    ends = ucdp["end_date"] + pd.to_timedelta(ucdp["stop"] * fch.DAYS_PER_MONTH, unit="D")
    assert ends.max() <= fch.CENSOR_DATE + pd.Timedelta(days=1)
    fortna = fch.load_fortna(DATA)
    assert fortna["cfdate"].max() < fch.CENSOR_DATE
    assert len(fortna) == 189 and fortna["event"].sum() == 82


def test_latency_is_a_clock_shift():
    df = _simulate(n=500, seed=11)
    shifted = df.assign(stop=df["stop"] + 12.0)
    m0 = fch.fit_weibull_ph(df, ["x1", "x2"])
    m12 = fch.fit_weibull_ph(shifted, ["x1", "x2"], latency=12.0)
    assert np.allclose([m0.a, m0.rho, *m0.beta], [m12.a, m12.rho, *m12.beta], atol=1e-8)
    assert np.allclose(m12.survival(shifted, 12.0), 1.0)


def test_piecewise_ph_recovers_known_parameters():
    rng = np.random.default_rng(2024)
    n = 2000
    x = rng.integers(0, 2, n).astype(float)
    breaks, rates, b = np.array([0.0, 6.0, 24.0]), np.array([0.04, 0.015, 0.005]), -0.8
    # inverse-transform sampling through the piecewise-linear cumulative hazard
    target = -np.log(rng.uniform(size=n)) / np.exp(b * x)
    H_at = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(breaks))])
    j = np.searchsorted(H_at, target, side="right") - 1
    t = breaks[j] + (target - H_at[j]) / rates[j]
    c = rng.uniform(1.0, 120.0, n)
    df = pd.DataFrame({"spell": np.arange(n), "cluster": np.arange(n).astype(str),
                       "start": 0.0, "stop": np.minimum(t, c), "event": (t <= c).astype(int),
                       "x": x})
    m = fch.fit_piecewise_ph(_split(df, 10.0), ["x"], breaks=breaks)
    assert m.converged and m.n_spells == n
    se = m.se(robust=False)
    est, true = np.array([*m.log_rates, *m.beta]), np.array([*np.log(rates), b])
    assert np.all(np.abs(est - true) < 4.0 * se), (est, true, se)


@pytest.mark.shared
def test_interstate_spells_coding():
    """LHR spells from 1946, extended to the origin: the two post-2001 failures coded, the
    victor's unmet claim read from ICOW, nothing after 2020-11-10."""
    _require_data()
    d = fch.load_lhr_interstate(DATA).set_index("spell")
    assert len(d) == 57 and int(d["event"].sum()) == 28
    assert d.loc[178, "event"] == 1 and d.loc[178, "victor_claim"] == 1  # Armenia 1994, NK claim
    assert d.loc[177, "tie"] == 1 and d.loc[177, "victor_claim"] == 0
    assert d.loc[174, "event"] == 1  # US-Iraq: the 2003 invasion
    ends = pd.to_datetime(d["cfdate"]) + pd.to_timedelta(d["stop"] * fch.DAYS_PER_MONTH, unit="D")
    assert ends.max() <= fch.CENSOR_DATE + pd.Timedelta(days=1)
    assert d["cluster"].nunique() < len(d)  # dyads with several spells stay in one CV fold
    censored = fch.load_lhr_interstate(DATA, code_2020=False).set_index("spell")
    assert censored.loc[178, "event"] == 0
