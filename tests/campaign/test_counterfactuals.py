"""The campaign counterfactuals (src/polemos/scenarios/campaign_*.toml) validate under --strict
and move the outcome in the direction their mechanism implies.

Paired runs on common random numbers (same seed, prior mode); a difference must exceed 3
standard errors of the paired mean difference. Measured differences: docs/counterfactuals.md.
Key metrics: the area taken by day 21 rather than at the end measures how fast the attacker
goes; the end of the war is endogenous (a slower attacker settles less often at the mediated
talks and fights on longer), so the final area taken moves much less than the pace. The strike
drones' effect on the pace is real but small, so their test uses the direct effects: Armenian
dead and tanks lost.
"""

from pathlib import Path

import numpy as np
import pytest

from polemos.campaign.engine import Ensemble, run_ensemble
from polemos.scenario import load_scenario

SCENARIOS = Path(__file__).parents[2] / "src" / "polemos" / "scenarios"
RUNS = 600
SEED = 17
FILES = ("no_strike_drones", "modern_air_defence", "second_fortified_line", "second_road",
         "attacker_without_rail", "equal_numbers")


def _path(name):
    return SCENARIOS / f"campaign_{name}.toml"


def _ens():
    return Ensemble(runs=RUNS, seed=SEED, mode="prior")


@pytest.fixture(scope="module")
def base():
    return run_ensemble(load_scenario("karabakh_2020"), _ens())


@pytest.fixture(scope="module")
def results():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = run_ensemble(load_scenario(_path(name)), _ens())
        return cache[name]

    return get


def _diff(base, alt, metric):
    d = np.asarray(metric(alt), dtype=float) - np.asarray(metric(base), dtype=float)
    return d.mean(), d.std(ddof=1) / np.sqrt(len(d))


def _area(r):
    return r.area_taken_share()


def _area_by_day_21(r):
    """Share of the defender's area taken by day 21 (the line on the last day if it ended)."""
    return 1 - r.defender_area_by_day()[:, 20] / r.theatre.defender_area0


def _duration(r):
    return r.table()["duration_days"].to_numpy()


def _killed_defender(r):
    return r.table()[f"killed_{r.theatre.sides[1]}"].to_numpy()


def _lost_tanks_defender(r):
    return r.table()[f"lost_tanks_{r.theatre.sides[1]}"].to_numpy()


def _lift_ratio(r):
    return r.lift_ratio()


@pytest.mark.parametrize("name", FILES)
def test_validates_strict(name):
    sc = load_scenario(_path(name), strict=True)
    assert sc.extends == "karabakh_2020"
    assert str(sc.start_date) == "2020-09-27"
    assert sc.description


@pytest.mark.parametrize("name, metric, sign", [
    ("no_strike_drones", _killed_defender, -1),   # fewer Armenian dead without strike drones
    ("no_strike_drones", _lost_tanks_defender, -1),
    ("modern_air_defence", _area_by_day_21, -1),  # a slower attacker
    ("modern_air_defence", _killed_defender, -1),
    ("second_fortified_line", _area_by_day_21, -1),
    ("second_fortified_line", _duration, +1),     # a later end
    ("second_road", _area_by_day_21, -1),
    ("second_road", _lift_ratio, -1),             # the "ten times faster" gap narrows
    ("attacker_without_rail", _lift_ratio, -1),   # the attacker moves troops more slowly
    ("attacker_without_rail", _area_by_day_21, -1),
    ("equal_numbers", _area, -1),
])
def test_direction(base, results, name, metric, sign):
    mean, se = _diff(base, results(name), metric)
    assert sign * mean > 3 * se, f"{name}: {metric.__name__} moved {mean:+.4g} (SE {se:.2g})"


def test_equal_numbers_takes_much_less_area(base, results):
    mean, se = _diff(base, results("equal_numbers"), _area)
    assert mean < -0.1 and mean < -3 * se
