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


def _victory_shift(inputs, n=2000):
    lose = run_forecast(inputs, runs=n, seed=5, given={"ceasefire.victory_degree": np.zeros(n)})
    win = run_forecast(inputs, runs=n, seed=5, given={"ceasefire.victory_degree": np.ones(n)})
    d = win.p_offensive[:, -1] - lose.p_offensive[:, -1]
    return d.mean(), d.std(ddof=1) / np.sqrt(n)


def test_victory_and_the_victors_unmet_claims():
    """Same seed, same draws: only the given victory degree differs. In the interstate model a
    victory with the victor's claims unmet moves the hazard by HR(victor_claim) / HR(tie), so
    the sign follows the fit; with the claims met (or in the civil-war model, HR(victory) < 1)
    a decisive victory lowers the risk."""
    from polemos.ceasefire.hazards import load_hazard_model

    sc = load_scenario("karabakh_2020")
    inputs = ceasefire_inputs(sc)
    m = load_hazard_model(inputs.spec.recurrence_prior.model)
    sign = np.sign(m.coefficients["victor_claim"] - m.coefficients["tie"])
    shift, se = _victory_shift(inputs)
    assert sign * shift > 3 * se
    inputs.spec.recurrence_prior.victor_unmet_claim = 0.0
    shift, se = _victory_shift(inputs)
    assert shift < -3 * se
    inputs.spec.recurrence_prior.model = "fortna_pk"
    shift, se = _victory_shift(inputs)
    assert shift < -3 * se


def test_forecast_from_war_command(tmp_path):
    r = CliRunner().invoke(app, ["forecast", "--runs", "200", "--from-war", "--out",
                                 str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "starting from 200 simulated wars" in r.output
    assert (tmp_path / "forecast.nc").exists()
