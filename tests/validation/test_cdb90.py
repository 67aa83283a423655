"""CDB90 validation: outcome columns are refused, folds are whole wars, the issue's baselines
reproduce, and the reported numbers (with their intervals) are what the code produces."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_numbers import numbers

from validation import cdb90, stats

REDUCED = os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")


# --- no outcome as an input (no data needed) -------------------------------------------------
@pytest.mark.parametrize("column", ["WINA", "CASD", "KMDA", "CEA", "FORTSA", "RESOA1",
                                    "ATPBYR1", "FLYA", "RERPD"])
def test_an_outcome_column_is_refused(column):
    df = pd.DataFrame({"STRA": [1.0], "STRD": [2.0], column: [1]})
    with pytest.raises(cdb90.LeakError, match=f"column {column} describes the outcome"):
        cdb90.pre_battle(df, ["STRA", "STRD", column])


def test_a_column_not_on_the_pre_battle_list_is_refused():
    df = pd.DataFrame({"STRA": [1.0], "PRIA1": ["FF"]})
    with pytest.raises(cdb90.LeakError, match="PRIA1 is not on the pre-battle list"):
        cdb90.pre_battle(df, ["STRA", "PRIA1"])
    assert list(cdb90.pre_battle(df, ["STRA"]).columns) == ["STRA"]


def test_no_column_is_both_pre_battle_and_outcome():
    assert not set(cdb90.PRE_BATTLE) & set(cdb90.OUTCOME)


def test_bad_data_is_named_not_a_traceback(tmp_path, run_module):
    r = run_module("validation.cdb90", "--data", str(tmp_path), "--out",
                   str(tmp_path / "x.json"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "CDB90-patched.csv: file not found" in r.stderr
    bad = tmp_path / "cdb90" / "src-data" / "CDB90"
    bad.mkdir(parents=True)
    pd.DataFrame({"ISQNO": [1], "WINA": [1]}).to_csv(bad / "CDB90-patched.csv", index=False)
    with pytest.raises(cdb90.DataError, match=r"CDB90-patched.csv: missing column\(s\) CASA"):
        cdb90.load(tmp_path)


# --- the data (../shared) ---------------------------------------------------------------------
@pytest.mark.shared
def test_inputs_hold_only_pre_battle_columns(cdb90_data):
    assert set(cdb90_data.inputs.columns) <= set(cdb90.PRE_BATTLE)
    assert not set(cdb90_data.inputs.columns) & set(cdb90.OUTCOME)


@pytest.mark.shared
def test_issue_baselines_reproduce(cdb90_data):
    """The issue's figures on the 614 decided battles, to the precision it states them."""
    d = cdb90_data
    lr = np.log(d.inputs["STRA"] / d.inputs["STRD"]).to_numpy()
    assert len(d.attacker_won) == 614 and round(d.attacker_won.mean(), 3) == 0.647
    assert round(stats.auc(lr, d.attacker_won), 2) == 0.59
    assert round(np.mean((lr >= np.log(3)) == d.attacker_won), 2) == 0.45
    ok = np.isfinite(d.log_cas)
    w = stats.fit_ols(lr[ok], d.log_cas[ok])
    resid = d.log_cas[ok] - stats.predict_ols(w, lr[ok])
    assert round(resid.std(ddof=2), 2) == 1.42


@pytest.mark.shared
def test_folds_are_whole_wars(cdb90_data):
    war = cdb90_data.war
    folds = stats.leave_one_group_out(war)
    assert len(folds) == len(np.unique(war)) == 62
    covered = np.zeros(len(war), int)
    for train, test in folds:
        assert not set(war[train]) & set(war[test])
        covered += test
    assert np.all(covered == 1)
    # the label fix: every World War II battle is one war
    assert sum("World War II" in w for w in np.unique(war)) == 1


@pytest.mark.shared
def test_qjm_extra_factors_follow_the_sides(cdb90_data, battles_dir):
    x = cdb90_data.inputs
    ex = cdb90.qjm_extra(x, battles_dir)
    s = x["SURPA"].to_numpy()
    att = (s > 0) & (s <= 3)
    dfd = s < 0
    assert np.all(ex.vul_d[att] > 1) and np.all(ex.vul_a[att] < 1)
    assert np.all(ex.vul_d[dfd] < 1) and np.all(ex.vul_a[dfd] > 1)
    none = (s == 0) | (s == 9)
    assert np.all(ex.vul_d[none] == 1) and np.all(ex.vul_a[none] == 1)
    heavy_rain = x["WX1"].astype(str).str[1] == "H"
    assert heavy_rain.any() and np.all(ex.attack[heavy_rain] < 1)


@pytest.mark.shared
@pytest.mark.slow
def test_reduced_pipeline_is_deterministic_and_reports_intervals(battles_dir, tmp_path,
                                                                 run_module):
    """The command in its reduced form (8 largest wars), run twice: identical outputs; every
    metric carries a 95% interval around its value; the target flags follow the numbers."""
    outs = []
    for k in range(2):
        out = tmp_path / f"r{k}.json"
        r = run_module("validation.cdb90", "--data", str(battles_dir), "--out", str(out),
                       "--boot", "60", reduced=True)
        assert r.returncode == 0, r.stderr
        outs.append(out.read_text())
    assert outs[0] == outs[1]
    rep = json.loads(outs[0])
    assert rep["method"]["only_largest_wars"] == cdb90.WARS_REDUCED
    _check_report(rep)


def _check_report(rep: dict) -> None:
    for name, m in rep["models"].items():
        for key, v in m.items():
            if isinstance(v, dict):
                lo, hi = v["ci95"]
                assert lo <= v["value"] + 1e-12 and v["value"] <= hi + 1e-12, (name, key)
    for name, met in rep["target"]["met"].items():
        m = rep["models"][name]
        assert met == (m["auc"]["value"] >= rep["target"]["auc"]
                       and m["cas_rms"]["value"] <= rep["target"]["cas_rms"])


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(REDUCED, reason="the full run takes minutes; CI runs the reduced form")
def test_full_run_reproduces_the_documented_numbers(battles_dir, tmp_path, run_module):
    shipped = Path(cdb90.OUT)
    out = tmp_path / "full.json"
    r = run_module("validation.cdb90", "--data", str(battles_dir), "--out", str(out))
    assert r.returncode == 0, r.stderr
    got, want = json.loads(out.read_text()), json.loads(shipped.read_text())
    _check_report(got)
    assert numbers(got) == pytest.approx(numbers(want), rel=1e-9, abs=1e-12)

