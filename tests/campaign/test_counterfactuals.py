"""The campaign counterfactuals (src/polemos/scenarios/campaign_*.toml) validate under --strict
and move the outcome in the direction their mechanism implies.

Paired runs on common random numbers (same seed, the shipped posterior: the calibrated model
is what the counterfactuals are about); a difference must exceed 3 standard errors of the paired
mean difference. Measured differences: docs/counterfactuals.md. Key metrics: the day the
decisive objective falls measures how fast the attacker goes; the end of
the war is endogenous (the defender accepts terms once its road is cut and its capital
threatened), so a slower attacker fights on longer and the totals at the end (area, Armenian
dead) can move either way: they are not tested.
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
    return Ensemble(runs=RUNS, seed=SEED, mode="posterior")


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


def _duration(r):
    return r.table()["duration_days"].to_numpy()


def _killed_attacker(r):
    return r.table()[f"killed_{r.theatre.sides[0]}"].to_numpy()


def _shusha_day(r):
    """Day the decisive objective fell (the horizon + 1 when it did not)."""
    return np.nan_to_num(r.objective_day("shusha"), nan=r.ensemble.max_days + 1)


def _ad_lost(r):
    return r.table()[f"lost_air_defence_{r.theatre.sides[1]}"].to_numpy()


def _drone_share(r):
    return r.table()[f"casualty_share_drones_{r.theatre.sides[1]}"].to_numpy()


def _lift_ratio(r):
    return r.lift_ratio()


@pytest.mark.parametrize("name", FILES)
def test_validates_strict(name):
    sc = load_scenario(_path(name), strict=True)
    assert sc.extends == "karabakh_2020"
    assert str(sc.start_date) == "2020-09-27"
    assert sc.description


@pytest.mark.parametrize("name, metric, sign", [
    ("no_strike_drones", _shusha_day, +1),        # the decisive objective falls later
    ("no_strike_drones", _killed_attacker, +1),   # and the attacker pays more
    ("no_strike_drones", _ad_lost, -1),           # the air defence survives
    ("modern_air_defence", _shusha_day, +1),
    ("modern_air_defence", _killed_attacker, +1),
    ("modern_air_defence", _drone_share, -1),     # drones cause less of the Armenian losses
    ("second_fortified_line", _shusha_day, +1),
    ("second_fortified_line", _duration, +1),     # a later end
    ("second_fortified_line", _area, -1),
    ("second_road", _area, -1),
    ("second_road", _lift_ratio, -1),             # the "ten times faster" gap narrows
    ("attacker_without_rail", _lift_ratio, -1),   # the attacker moves troops more slowly
    ("attacker_without_rail", _killed_attacker, +1),
    ("equal_numbers", _area, -1),
])
def test_direction(base, results, name, metric, sign):
    mean, se = _diff(base, results(name), metric)
    assert sign * mean > 3 * se, f"{name}: {metric.__name__} moved {mean:+.4g} (SE {se:.2g})"


def test_equal_numbers_takes_much_less_area(base, results):
    mean, se = _diff(base, results("equal_numbers"), _area)
    assert mean < -0.1 and mean < -3 * se
