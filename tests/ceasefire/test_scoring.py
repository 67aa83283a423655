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
PLACES = ("Stepanakert", "Syunik")


def _events(tmp_path, body: str, name="events.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body)
    return p


def _flat(p_clash: float, p_off: float, months=60, deaths=None, **kw) -> ForecastSummary:
    return ForecastSummary(START, np.arange(1, months + 1), np.full(months, p_clash),
                           np.full(months, p_off), deaths, places=PLACES, **kw)


def test_brier_and_log_of_known_cases():
    assert brier(0.3, 1) == pytest.approx(0.49)
    assert brier(0.3, 0) == pytest.approx(0.09)
    assert log_score(0.3, 1) == pytest.approx(-np.log(0.3))
    assert log_score(0.3, 0) == pytest.approx(-np.log(0.7))


def test_observed_outcomes(tmp_path):
    evs = _placed(tmp_path, "2021-05-12,clash,10,a,\n2021-07-28,clash,20,b,\n"
                            "2023-09-19,control_change,200,c,Stepanakert\n"
                            "2025-11-30,clash,0,d,\n")
    obs = observed_outcomes(evs, START, places=PLACES)
    # 30 deaths in calendar 2021 (the 25th death in month 9); Stepanakert taken in month 35
    assert obs[12] == {"clash": 1, "offensive": 0}
    assert obs[24] == {"clash": 1, "offensive": 0}
    assert obs[36] == {"clash": 1, "offensive": 1}
    assert obs[60] == {"clash": 1, "offensive": 1}
    # not covered yet: unknown rather than 0
    short = observed_outcomes(read_events(_events(tmp_path, "2021-02-01,clash,1,a\n", "s.csv")),
                              START)
    assert short[12] == {"clash": None, "offensive": None}


def _placed(tmp_path, body: str, name="placed.csv"):
    p = tmp_path / name
    p.write_text("date,kind,fatalities,source,place\n" + body)
    return read_events(p)


def test_the_coding_rule_not_the_label_decides(tmp_path):
    """An event labelled 'offensive' with 290 deaths and no change of control is not a
    large-scale offensive; 1,000 deaths, or a listed place taken, is (whatever the label)."""
    evs = _placed(tmp_path, "2022-09-13,offensive,290,a,\n2025-12-01,clash,0,z,\n")
    assert observed_outcomes(evs, START, places=PLACES)[60]["offensive"] == 0
    evs = _placed(tmp_path, "2022-09-13,clash,1200,a,\n2025-12-01,clash,0,z,\n", "b.csv")
    assert observed_outcomes(evs, START, places=PLACES)[24]["offensive"] == 1
    evs = _placed(tmp_path, "2022-09-13,control_change,5,a,Syunik\n", "c.csv")
    assert observed_outcomes(evs, START, places=PLACES)[24]["offensive"] == 1
    bad = _placed(tmp_path, "2022-09-13,control_change,5,a,Paris\n", "d.csv")
    with pytest.raises(EventsError, match=r"d\.csv:2: column 'place': 'Paris' is not in"):
        observed_outcomes(bad, START, places=PLACES)
    with pytest.raises(EventsError, match="column 'kind': 'sector_change' is undefined"):
        read_events(_events(tmp_path, "2022-09-13,sector_change,5,a\n", "e.csv"))


def test_clash_years_are_calendar_years(tmp_path):
    """20 deaths in Dec 2021 and 20 in Jan 2022: 40 within twelve months of each other, but no
    calendar year reaches 25 (UCDP's count), so no clash year."""
    evs = read_events(_events(tmp_path, "2021-12-20,clash,20,a\n2022-01-05,clash,20,b\n"
                                        "2023-01-01,clash,0,z\n"))
    assert observed_outcomes(evs, START)[24]["clash"] == 0
    evs = read_events(_events(tmp_path, "2021-12-20,clash,20,a\n2021-12-28,clash,5,b\n"
                                        "2023-01-01,clash,0,z\n", "b.csv"))
    assert observed_outcomes(evs, START)[24]["clash"] == 1


def test_initiator_is_scored(tmp_path):
    p = tmp_path / "i.csv"
    p.write_text("date,kind,fatalities,source,place,initiator\n"
                 "2023-09-19,control_change,400,a,Stepanakert,azerbaijan\n"
                 "2025-12-01,clash,0,z,,\n")
    evs = read_events(p)
    curve = np.zeros((60, 2))
    curve[:, 0] = np.linspace(0.0, 0.3, 60)
    curve[:, 1] = np.linspace(0.0, 0.1, 60)
    f = _flat(0.5, 0.4, sides=("azerbaijan", "armenia"), p_initiator=curve)
    res = score(f, evs)
    by_h = {r["horizon"]: r for r in res["initiator"]}
    assert by_h[24]["observed"] == "none" and by_h[60]["observed"] == "azerbaijan"
    q = curve[59]
    expected = (1 - q.sum()) ** 2 + (q[0] - 1) ** 2 + q[1] ** 2
    assert by_h[60]["brier"] == pytest.approx(expected)
    p.write_text("date,kind,fatalities,source,place\n"
                 "2023-09-19,control_change,400,a,Stepanakert\n")
    with pytest.raises(EventsError, match="column 'initiator'"):
        score(f, read_events(p))


def test_skill_against_base_rate_and_climatology(tmp_path):
    """A forecast equal to the base rate has skill 0 against it; climatology comes from the
    years before the start in the events file."""
    body = ("2012-06-01,clash,25,a\n2014-08-01,clash,46,a\n2016-04-02,clash,141,a\n"
            "2021-05-12,clash,30,b\n2025-12-01,clash,0,z\n")
    evs = read_events(_events(tmp_path, body))
    table = {"12": 0.1, "24": 0.2, "36": 0.25, "60": 0.3}
    f = ForecastSummary(START, np.arange(1, 61), np.full(60, 0.2), np.interp(
        np.arange(1, 61), [0, 12, 24, 36, 60], [0, 0.1, 0.2, 0.25, 0.3]), places=PLACES,
        base_rates={"offensive": table, "clash": table})
    res = score(f, evs, history_from=dt.date(2010, 1, 1))
    assert res["climatology"]["years"] == 10 and res["climatology"]["clash"] == pytest.approx(0.3)
    off = [r for r in res["rows"] if r["outcome"] == "offensive"]
    assert all(r["brier"] == pytest.approx(r["brier_base_rate"]) for r in off)
    sk = res["skill"]
    assert set(sk) >= {"brier_vs_base_rate", "brier_vs_climatology", "log_vs_base_rate"}
    clash12 = next(r for r in res["rows"] if r["outcome"] == "clash" and r["horizon"] == 12)
    assert clash12["p_climatology"] == pytest.approx(0.3)


def test_score_hand_computed_brier(tmp_path):
    evs = read_events(_events(tmp_path, "2021-05-12,clash,30,a\n2026-01-01,clash,0,z\n"))
    res = score(_flat(0.4, 0.2), evs)
    rows = {(r["horizon"], r["outcome"]): r for r in res["rows"]}
    assert rows[12, "clash"]["brier"] == pytest.approx((0.4 - 1) ** 2)
    assert rows[60, "offensive"]["brier"] == pytest.approx(0.2**2)
    assert rows[24, "offensive"]["log"] == pytest.approx(-np.log(0.8))


def test_perfect_forecaster_beats_base_rate(tmp_path):
    evs = _placed(tmp_path, "2022-09-13,clash,290,a,\n2023-09-19,control_change,250,b,"
                            "Stepanakert\n2026-01-01,clash,0,z,\n")
    obs = observed_outcomes(evs, START, places=PLACES)
    months = np.arange(1, 61)
    first_clash = 23  # 2022-09-13 is in month 23
    first_off = 35
    perfect = ForecastSummary(START, months, (months >= first_clash).astype(float),
                              (months >= first_off).astype(float), places=PLACES)
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
    # the reference: a point forecast of zero deaths (CRPS = mean |y|)
    assert s_good["skill"]["crps_vs_zero_deaths"]["reference"] == pytest.approx(10 / 11)
    assert s_bad["skill"]["crps_vs_zero_deaths"]["skill"] < 0


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
