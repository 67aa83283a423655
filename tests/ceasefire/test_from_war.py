"""The forecast can start each run from its own simulated war's end state."""

import numpy as np
from typer.testing import CliRunner

from polemos.campaign.engine import Ensemble, run_ensemble
from polemos.ceasefire.forecast import run_forecast
from polemos.ceasefire.from_war import WAR_DEATHS_KEY, war_end_state
from polemos.ceasefire.inputs import ceasefire_inputs
from polemos.cli import app
from polemos.scenario import load_scenario


def test_war_end_state_per_run():
    sc = load_scenario("karabakh_2020")
    res = run_ensemble(sc, Ensemble(runs=300, seed=3))
    given = war_end_state(res, sc)
    lo, hi = sc.parameters["ceasefire"]["balance_at_ceasefire"].prior
    assert all(v.shape == (300,) for v in given.values())
    v = given["ceasefire.victory_degree"]
    assert ((v >= 0) & (v <= 1)).all() and v.std() > 0
    b = given["ceasefire.balance_at_ceasefire"]
    assert ((b >= lo) & (b <= hi)).all()
    np.testing.assert_allclose(given[WAR_DEATHS_KEY], res.arrays["killed"].sum(1), rtol=1e-6)


def test_a_more_decisive_victory_lowers_the_risk_of_a_new_offensive():
    """Same seed, same draws: only the given victory degree differs (the survival model's
    victory hazard ratio is below 1)."""
    sc = load_scenario("karabakh_2020")
    inputs = ceasefire_inputs(sc)
    n = 2000
    lose = run_forecast(inputs, runs=n, seed=5, given={"ceasefire.victory_degree": np.zeros(n)})
    win = run_forecast(inputs, runs=n, seed=5, given={"ceasefire.victory_degree": np.ones(n)})
    d = win.p_offensive[:, -1] - lose.p_offensive[:, -1]
    assert d.mean() < -3 * d.std(ddof=1) / np.sqrt(n)


def test_forecast_from_war_command(tmp_path):
    r = CliRunner().invoke(app, ["forecast", "--runs", "200", "--from-war", "--out",
                                 str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "starting from 200 simulated wars" in r.output
    assert (tmp_path / "forecast.nc").exists()
