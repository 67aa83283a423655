"""`polemos validate` promises what `polemos run` keeps: every scenario of the tests, of the
docs' examples and every embedded one either fails validation (with its problems) or runs (a
few days, a few runs)."""

from pathlib import Path

import pytest

from polemos.scenario import ScenarioError, load_scenario
from polemos.scenarios import embedded_names

TESTS = Path(__file__).parent
EXAMPLES = TESTS.parent / "docs" / "examples"           # the tutorial's war
CASES = sorted(str(p.relative_to(TESTS.parent)) for p in [*TESTS.rglob("*.toml"),
                                                           *EXAMPLES.glob("*.toml")]) + [
    f"embedded:{n}" for n in embedded_names()]


@pytest.mark.parametrize("case", CASES)
def test_a_scenario_that_validates_runs(case):
    from polemos.campaign.engine import Ensemble, run_ensemble

    spec = case.removeprefix("embedded:") if case.startswith("embedded:") else \
        TESTS.parent / case
    try:
        sc = load_scenario(spec)
    except ScenarioError as e:
        assert e.problems                                   # it says what is wrong
        return
    res = run_ensemble(sc, Ensemble(runs=20, seed=1, max_days=3))
    t = res.table()
    assert len(t) == 20 and (t.duration_days <= 3).all()
    res.dataset()


def test_the_cases_include_the_embedded_scenarios_and_the_test_theatre():
    assert {"embedded:karabakh_2020", "tests/data/tiny.toml",
            "docs/examples/border_war.toml"} <= set(CASES)
