"""Scoring a ceasefire forecast against events: values, base rates, bad files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from polemos.ceasefire import commands
from polemos.ceasefire.scoring import (
    EventsError,
    ForecastSummary,
    brier,
    log_score,
    observed_outcomes,
    read_events,
    score,
)

START = dt.date(2020, 11, 10)
HEADER = "date,kind,fatalities,source\n"


def _events(tmp_path, body: str, name="events.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body)
    return p


def _flat(p_clash: float, p_off: float, months=60, deaths=None) -> ForecastSummary:
    return ForecastSummary(START, np.arange(1, months + 1), np.full(months, p_clash),
                           np.full(months, p_off), deaths)


def test_brier_and_log_of_known_cases():
    assert brier(0.3, 1) == pytest.approx(0.49)
    assert brier(0.3, 0) == pytest.approx(0.09)
    assert log_score(0.3, 1) == pytest.approx(-np.log(0.3))
    assert log_score(0.3, 0) == pytest.approx(-np.log(0.7))


def test_observed_outcomes(tmp_path):
    evs = read_events(_events(tmp_path, "2021-05-12,clash,10,a\n2021-07-28,clash,20,b\n"
                                        "2023-09-19,offensive,200,c\n2025-11-30,clash,0,d\n"))
    obs = observed_outcomes(evs, START)
    # 30 deaths in ceasefire year 1 (the 25th death in month 9); offensive in month 35
    assert obs[12] == {"clash": 1, "offensive": 0}
    assert obs[24] == {"clash": 1, "offensive": 0}
    assert obs[36] == {"clash": 1, "offensive": 1}
    assert obs[60] == {"clash": 1, "offensive": 1}
    # not covered yet: unknown rather than 0
    short = observed_outcomes(read_events(_events(tmp_path, "2021-02-01,clash,1,a\n", "s.csv")),
                              START)
    assert short[12] == {"clash": None, "offensive": None}


def test_score_hand_computed_brier(tmp_path):
    evs = read_events(_events(tmp_path, "2021-05-12,clash,30,a\n2026-01-01,clash,0,z\n"))
    res = score(_flat(0.4, 0.2), evs)
    rows = {(r["horizon"], r["outcome"]): r for r in res["rows"]}
    assert rows[12, "clash"]["brier"] == pytest.approx((0.4 - 1) ** 2)
    assert rows[60, "offensive"]["brier"] == pytest.approx(0.2**2)
    assert rows[24, "offensive"]["log"] == pytest.approx(-np.log(0.8))


def test_perfect_forecaster_beats_base_rate(tmp_path):
    evs = read_events(_events(tmp_path, "2022-09-13,clash,290,a\n2023-09-19,offensive,250,b\n"
                                        "2026-01-01,clash,0,z\n"))
    obs = observed_outcomes(evs, START)
    months = np.arange(1, 61)
    first_clash = 23  # 2022-09-13 is in month 23
    first_off = 35
    perfect = ForecastSummary(START, months, (months >= first_clash).astype(float),
                              (months >= first_off).astype(float))
    base = _flat(0.5, 0.3)
    s_perfect = score(perfect, evs)
    s_base = score(base, evs)
    tot = {k: sum(r[k] for r in s["rows"]) for s in (s_perfect,) for k in ("brier", "log")}
    tot_b = {k: sum(r[k] for r in s_base["rows"]) for k in ("brier", "log")}
    assert all(r["observed"] is not None for r in s_perfect["rows"])
    assert tot["brier"] == pytest.approx(0.0) and tot["brier"] < tot_b["brier"]
    assert tot["log"] < tot_b["log"]
    assert obs[24]["clash"] == 1 and obs[24]["offensive"] == 0


def test_crps_prefers_the_right_ensemble(tmp_path):
    evs = read_events(_events(tmp_path, "2021-01-05,clash,5,a\n2021-03-05,clash,5,b\n"
                                        "2021-10-20,clash,0,z\n"))
    rng = np.random.default_rng(0)
    good = rng.poisson(2.0, (500, 60)).astype(float)
    bad = rng.poisson(40.0, (500, 60)).astype(float)
    s_good = score(_flat(0.5, 0.1, deaths=good), evs)
    s_bad = score(_flat(0.5, 0.1, deaths=bad), evs)
    assert s_good["crps_months"] == 11
    assert s_good["crps"] < s_bad["crps"]


@pytest.mark.parametrize("body, line, column", [
    ("2021-13-01,clash,3,a\n", 2, "date"),
    ("2021-01-01,clash,3,a\n2021-02-01,skirmish,3,b\n", 3, "kind"),
    ("2021-01-01,clash,many,a\n", 2, "fatalities"),
    ("2021-01-01,clash,-4,a\n", 2, "fatalities"),
    ("2021-01-01,clash,3\n", 2, None),
])
def test_bad_events_file_names_line_and_column(tmp_path, body, line, column):
    p = _events(tmp_path, body)
    with pytest.raises(EventsError) as e:
        read_events(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:{line}:")
    assert "\n" not in msg
    if column:
        assert f"column '{column}'" in msg


def test_missing_column_and_file(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("date,kind,source\n2021-01-01,clash,a\n")
    with pytest.raises(EventsError, match=r"e\.csv:1: column 'fatalities'"):
        read_events(p)
    with pytest.raises(EventsError, match="file not found"):
        read_events(tmp_path / "nope.csv")


def test_score_command_bad_file_is_one_line(tmp_path):
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("forecast")(commands.forecast)
    app.command("score")(commands.score)
    ev = _events(tmp_path, "2021-01-01,clash,lots,a\n")
    fc = tmp_path / "missing"
    r = CliRunner().invoke(app, ["score", str(fc), str(ev)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    # a real forecast file, then a bad events file
    from polemos.ceasefire.forecast import run_forecast
    from polemos.ceasefire.inputs import ceasefire_inputs_raw

    f = run_forecast(ceasefire_inputs_raw("karabakh_2020"), runs=50, seed=1, months=24)
    commands.write_forecast(f, tmp_path / "fc")
    r = CliRunner().invoke(app, ["score", str(tmp_path / "fc"), str(ev)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    err = r.output.strip().splitlines()
    assert len(err) == 1 and ":2: column 'fatalities'" in err[0]
