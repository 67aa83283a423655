"""Numbers for people: separators, no exponent, in every printed figure and range."""

import math
import re

from typer.testing import CliRunner

from polemos.cli import app
from polemos.numbers import fmt_number


def test_fmt_number():
    assert fmt_number(66940.0) == "66,940" and fmt_number(125960.4) == "125,960"
    assert fmt_number(0.0123) == "0.0123" and fmt_number(3.14159) == "3.14"
    assert fmt_number(43.5) == "43.5" and fmt_number(-2500) == "-2,500"
    assert fmt_number(math.nan) == "–" and fmt_number(0) == "0"
    assert fmt_number(1e-5) == "0.00001"


def test_the_evidence_register_prints_no_exponent():
    r = CliRunner().invoke(app, ["evidence"], env={"COLUMNS": "250"})
    assert r.exit_code == 0, r.output
    assert "e+0" not in r.output and "e+1" not in r.output
    assert ",000" in r.output


def test_the_record_column_shows_shares_as_the_model_does():
    from polemos.campaign.report import record_text
    from polemos.scenario import load_scenario

    sc = load_scenario("karabakh_2020")
    shares = [k for k, item in sc.record.items() if item.unit == "share"]
    assert shares
    for k in shares:
        text = record_text(sc, k)
        assert re.match(r"(≥ )?\d+\.\d%", text), text
