"""Information discipline: every figure the forecast reads carries its date, checked against an
origin."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from polemos.ceasefire.origin import earliest_day, from_war_problems, origin_problems
from polemos.cli import app
from polemos.scenario import load_scenario

ORIGIN = dt.date(2020, 11, 10)


def test_partial_dates_count_from_their_first_day():
    assert earliest_day("2021") == dt.date(2021, 1, 1)
    assert earliest_day("2020-12") == dt.date(2020, 12, 1)
    assert earliest_day("2020-11-10") == ORIGIN
    assert earliest_day("") is None and earliest_day("n.d.") is None


def test_the_war_deaths_are_what_was_known_on_the_origin():
    sc = load_scenario("karabakh_2020")
    late = origin_problems(sc, ORIGIN)
    assert not [p for p in late if "war_deaths" in p or "victor_unmet_claim" in p
                or "peacekeepers.size" in p]
    # the same figure fails an origin before it was known
    early = origin_problems(sc, dt.date(2020, 10, 1))
    assert any(p.startswith("ceasefire.recurrence_prior.war_deaths: dated 2020-11-10") for p in
               early)


def test_a_late_figure_is_named(tmp_path):
    sc = load_scenario("karabakh_2020")
    sc.ceasefire.recurrence_prior.war_deaths.date = "2021-06-01"
    late = origin_problems(sc, ORIGIN)
    assert "ceasefire.recurrence_prior.war_deaths: dated 2021-06-01, after the origin " \
           "2020-11-10" in late


def test_from_war_inherits_a_later_calibration():
    """The campaign is calibrated to casualty counts published in 2021-2023: --from-war says so."""
    late = from_war_problems(load_scenario("karabakh_2020"), ORIGIN)
    assert any(p.startswith("record.military_killed_armenia") for p in late)


def test_validate_strict_origin_fails_and_lists_every_problem():
    r = CliRunner().invoke(app, ["validate", "karabakh_2020", "--strict", "--origin",
                                 "2020-11-10"])
    assert r.exit_code == 1
    assert "not known by 2020-11-10" in r.output
    r = CliRunner().invoke(app, ["validate", "karabakh_2020", "--origin", "2020-11-10"])
    assert r.exit_code == 0  # without --strict the problems are listed, not fatal
    r = CliRunner().invoke(app, ["validate", "karabakh_2020", "--origin", "10/11/2020"])
    assert r.exit_code == 1 and "Traceback" not in r.output
