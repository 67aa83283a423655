"""The wars of 2016 and 2023 (issue 10, item 5): embedded scenarios built from what was known
before each began, run with the engine's parameters as calibrated on 2020, their outcomes an
out-of-sample check (docs/validation.md, "Out-of-sample wars")."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest
from typer.testing import CliRunner

from polemos.analysis.posterior import load_posterior, posterior_path
from polemos.campaign.engine import Ensemble, run_ensemble
from polemos.campaign.params import calibrated
from polemos.cli import app
from polemos.scenario import load_scenario
from polemos.scenarios import embedded_path

WARS = ("karabakh_2016", "karabakh_2023")
BASE = "karabakh_2020"
MARKERS = {"calibrated_on_karabakh_2020", "not_fitted", "prior_only"}
runner = CliRunner()


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASE)


@pytest.fixture(scope="module", params=WARS)
def war(request):
    return load_scenario(request.param, strict=True)


@pytest.mark.parametrize("name", WARS)
def test_validates_strictly_from_the_cli(name):
    r = runner.invoke(app, ["validate", "--strict", name])
    assert r.exit_code == 0, r.output
    assert "valid (strict)" in r.output


def test_no_record_item_is_a_calibration_target(war):
    assert war.record, war.name
    assert {k for k, item in war.record.items() if item.use == "calibration"} == set()
    # ... and no parameter claims to be fitted to this war: each calibrated one names a marker
    fitted = {f"{c}.{k}": p.fitted_to for c, g in war.parameters.items() for k, p in g.items()
              if p.kind == "calibrated" and not set(p.fitted_to) <= MARKERS}
    assert fitted == {}
    for marker in MARKERS:
        assert war.record[marker].value == 0 and "Not an observation" in war.record[marker].note


def test_the_engine_parameters_are_karabakh_2020s(war, base):
    """Not refitted, not tuned: every mechanism's parameter has the value, range and prior it has
    in karabakh_2020; only the days of mediated talks (an outcome of each war) are none."""
    from polemos.campaign.engine import components_in_order

    engine = {c.name for c in components_in_order()}      # the campaign's mechanisms
    assert {c for c in war.parameters if c != "inputs"} == engine
    for comp in engine:
        assert set(war.parameters[comp]) == set(base.parameters[comp]), comp
        for key, p in base.parameters[comp].items():
            q = war.parameters[comp][key]
            if comp == "termination" and key.startswith("truce_day_"):
                assert q.value == 0, key          # 0: no talks (days count from 1)
                continue
            assert (q.value, q.low, q.high, q.prior, q.prior_shape, q.kind) == (
                p.value, p.low, p.high, p.prior, p.prior_shape, p.kind), (comp, key)


def test_inputs_named_as_in_2020_keep_its_priors(war, base):
    shared = set(war.parameters["inputs"]) & set(base.parameters["inputs"])
    assert len(shared) >= 5
    for key in shared:
        p, q = base.parameters["inputs"][key], war.parameters["inputs"][key]
        assert (q.prior, q.prior_shape, q.unit) == (p.prior, p.prior_shape, p.unit), key
        # drawn from the 2020 posterior exactly when 2020 fitted it
        assert ("not_fitted" in p.fitted_to) == ("not_fitted" in q.fitted_to), key


def test_each_run_draws_karabakh_2020s_posterior(war, base):
    assert posterior_path(war) == embedded_path(BASE) / "posterior.csv"
    post, post0 = load_posterior(war), load_posterior(base)
    inherited = {name for name in calibrated(war)
                 if war.parameters[name.split(".")[0]][name.split(".", 1)[1]].fitted_to
                 == ["calibrated_on_karabakh_2020"]}
    assert set(post) == inherited                  # a column for each, and for nothing else
    for name, column in post.items():
        np.testing.assert_array_equal(column, post0[name])
    # the new inputs (no source, known to differ from 2020) have no column: drawn from the prior
    new = set(calibrated(war)) - inherited
    assert new and not new & set(post0)


def test_the_defenders_side_and_theatre(war):
    """2016: the 2020 line and sectors; 2023: the Artsakh Defence Army alone in what it kept
    (about 2,800 km2) with no road of its own (the blockaded corridor)."""
    from polemos.campaign.theatre import compile_theatre

    th = compile_theatre(war)
    if war.name == "karabakh_2016":
        assert th.defender_area0 == compile_theatre(load_scenario(BASE)).defender_area0
        assert "tb2" not in war.forces["azerbaijan"].drones
    else:
        assert war.defender == "artsakh" and 2500 <= th.defender_area0 <= 3200
        assert not (th.route_side == 1).any()
        assert "armenia" in war.actors and "armenia" not in war.forces


@pytest.mark.parametrize("name", WARS)
def test_a_few_days_run(name):
    sc = load_scenario(name)
    res = run_ensemble(sc, Ensemble(runs=60, seed=4, max_days=5))
    a = res.arrays
    assert len(a["end_day"]) == 60 and (a["end_day"] >= 1).all() and (a["end_day"] <= 5).all()
    assert (a["killed"] > 0).all()                 # both sides lose men from day 1
    assert (a["daily_killed"][:, :5].sum(axis=(1, 2)) > 0).all()


def test_a_few_days_run_has_a_table():
    """A run shorter than 30 days has a table (its area by day 30 is the line on its last
    day, kept by day in whole per cent of each sector)."""
    res = run_ensemble(load_scenario("karabakh_2023"), Ensemble(runs=20, seed=4, max_days=5))
    t = res.table()
    assert len(t) == 20
    assert (abs(t.area_taken_share_day_30 - t.area_taken_share) <= 0.005 + 1e-6).all()


@pytest.mark.parametrize("name", WARS)
def test_run_marks_every_record_row_out_of_sample(name, tmp_path):
    r = runner.invoke(app, ["run", name, "--runs", "40", "--seed", "5", "--no-plots",
                            "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    with (tmp_path / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    status = {row["metric"]: row["status"] for row in rows}
    assert "fitted" not in status.values()
    assert status["war duration, days"] == "out of sample"
    side = "armenia" if name == "karabakh_2016" else "artsakh"
    assert status[f"military killed, {side}"] == "out of sample"
    assert status["military killed, azerbaijan"] == "out of sample"


REDUCED = os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")


def _check_report(rep: dict, runs: int) -> None:
    from validation import wars

    for name in WARS:
        for variant in ("as_built", "talks_day_given"):
            w = rep["wars"][name][variant]
            assert w["runs"] == runs and w["mode"] == "posterior"
            assert {"duration_days", "military_killed_azerbaijan"} <= set(w["record"])
            for item in w["record"].values():
                assert 0.0 <= item["runs_inside_record"] <= 1.0
            assert abs(sum(w["end_causes"].values()) - 1) < 1e-9
            assert w["on_the_record_end_day"]["day"] == round(
                load_scenario(name).record["duration_days"].value)
        assert rep["wars"][name]["talks_day_given"]["truce_day_1"] == wars.WARS[name]
    assert rep["reference_in_sample"]["karabakh_2020"]["runs"] == runs


@pytest.mark.slow
def test_validation_command_reduced(tmp_path, run_module):
    """``python -m validation.wars`` as CI runs it: the report's structure, and the same numbers
    from the same seed."""
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        r = run_module("validation.wars", "--out", str(out), reduced=True)
        assert r.returncode == 0, r.stderr
    rep = json.loads(outs[0].read_text())
    _check_report(rep, runs=200)
    assert json.loads(outs[1].read_text()) == rep


@pytest.mark.slow
@pytest.mark.skipif(REDUCED, reason="the full run (2,000 runs of each war); CI runs the reduced form")
def test_full_run_reproduces_the_documented_numbers(tmp_path, run_module):
    from report_numbers import numbers

    from validation import wars

    out = tmp_path / "full.json"
    r = run_module("validation.wars", "--out", str(out))
    assert r.returncode == 0, r.stderr
    got, want = json.loads(out.read_text()), json.loads(wars.OUT.read_text())
    _check_report(got, runs=2000)
    assert numbers(got) == pytest.approx(numbers(want), rel=1e-9, abs=1e-12)
