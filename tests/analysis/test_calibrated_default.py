"""The calibrated default against the record: the engine issue's acceptance criteria, checked on
the shipped posterior (a regression test of the calibration, not a fit: it fails when a change
to the engine or the scenario moves the calibrated model off the record without a new
calibration). Slow-marked; CI runs it with fewer runs."""

from __future__ import annotations

import os

import numpy as np
import pytest

from polemos.analysis.calibrate import WINDOW_DAYS

pytestmark = pytest.mark.slow
RUNS = 1000 if os.environ.get("POLEMOS_REDUCED") else 10000


@pytest.fixture(scope="module", params=["numpy", "numba"])
def results(request, karabakh_scenario):
    """The runs of each engine: numpy, the reference, and its compiled kernels, the engine as
    shipped when numba is installed (the posterior was fitted with numpy)."""
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.campaign.kernels import numba_available

    if request.param == "numba" and not numba_available():
        pytest.skip("numba is not installed (pip install 'polemos[fast]')")
    return run_ensemble(karabakh_scenario, Ensemble(runs=RUNS, seed=2020, engine=request.param))


@pytest.fixture(scope="module")
def table(results):
    return results.table()


@pytest.fixture(scope="module")
def karabakh_scenario():
    from polemos.scenario import load_scenario

    return load_scenario("karabakh_2020")


def test_median_war_lasts_40_to_48_days(table, karabakh_scenario):
    target = karabakh_scenario.record["duration_days"].value
    assert target - WINDOW_DAYS <= table.duration_days.median() <= target + WINDOW_DAYS


def test_shusha_falls_in_that_window_in_most_runs(table, karabakh_scenario):
    target = karabakh_scenario.record["duration_days"].value
    inside = table.shusha_fall_day.between(target - WINDOW_DAYS, target + WINDOW_DAYS)
    # measured 0.87 at 10,000 runs (docs/calibration.md, sixth session); its standard error at 1,000 is 0.01
    assert inside.mean() > 0.5


@pytest.mark.parametrize("side", ["armenia", "azerbaijan"])
def test_official_dead_inside_the_10_90_band(table, karabakh_scenario, side):
    official = karabakh_scenario.record[f"military_killed_{side}"].value
    lo, hi = np.percentile(table[f"killed_{side}"], [10, 90])
    assert lo <= official <= hi


# The area taken missed its band (0.305 [0.092-0.307]) until the envelopment rule: now 0.305
# [0.092-0.415] (10,000 runs, docs/calibration.md, sixth session). No known miss is left.


@pytest.mark.parametrize("j", range(14))
def test_every_target_inside_the_10_90_band(results, karabakh_scenario, j):
    """In sample (issue 8): each calibration target inside the model's 10-90% band; a lower
    bound (visually confirmed losses) at or below the model's median."""
    from polemos.analysis.calibrate import summary_statistics, targets

    tg = targets(karabakh_scenario)
    assert len(tg.names) == 14
    name = tg.names[j]
    S = summary_statistics(results)
    lo, med, hi = np.percentile(S[:, j], [10, 50, 90])
    if tg.at_least[j]:
        assert med >= tg.values[j], (name, med)
    else:
        assert lo <= tg.values[j] <= hi, (name, lo, hi)


def test_no_ending_by_a_coin(results):
    """Every run ends by a cause the war produced (no truce or intervention drawn as a coin)."""
    from polemos.campaign.state import END_CAUSES

    causes = {END_CAUSES[c] for c in np.unique(results.arrays["end_cause"])}
    assert causes <= {"defender accepted terms", "defender breakpoint", "attacker breakpoint",
                      "outside intervention", "settlement at talks", "horizon"}
