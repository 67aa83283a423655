"""The engine runs any valid theatre, not only Karabakh: the three-sector test theatre with the
engine's parameter tables."""

import numpy as np
import pytest

from polemos.campaign.engine import Ensemble, run_ensemble


@pytest.mark.parametrize("runs", [200, 300])
def test_engine_runs_the_tiny_theatre(tiny_engine, runs):
    """200 runs: one chunk never compacted; 300: compacted once most runs have ended."""
    res = run_ensemble(tiny_engine, Ensemble(runs=runs, seed=2, mode="prior"))
    t = res.table()
    assert len(t) == runs and list(res.theatre.sector_ids) == ["red_base", "plain", "hill"]
    assert ((t.area_taken_share >= 0) & (t.area_taken_share <= 1)).all()
    assert t.area_taken_share.median() > 0           # the attacker gets somewhere
    assert (t.duration_days >= 1).all()
    fell = t.hilltop_fall_day.dropna()
    assert len(fell) > 0 and (fell <= t.duration_days[fell.index]).all()
    # the rear never changes hands
    np.testing.assert_array_equal(res.arrays["ctrl_final"][:, 0], 1.0)
