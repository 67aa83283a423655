"""Ardennes daily series: the fit recovers known parameters, reads the engine's law, and the
documented numbers are what the code produces."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from report_numbers import numbers

from validation import ardennes, engine_law


def _series(days=40):
    t = np.arange(days)
    return pd.DataFrame({"Day": t + 1, "ForcesAllies": 800_000 * np.exp(-0.01 * t),
                         "ForcesGermans": 400_000 * np.exp(0.01 * t),
                         "CasualtiesAllies": 1.0, "CasualtiesGermans": 1.0})


def test_fit_recovers_known_parameters():
    p = engine_law.engine_parameters()
    df = _series()
    true = ardennes._with(p, 0.02, 0.6, 0.8)
    ca, cg = ardennes.predict(df, true)
    rng = np.random.default_rng(5)
    df["CasualtiesAllies"] = ca * np.exp(rng.normal(0, 0.05, len(df)))
    df["CasualtiesGermans"] = cg * np.exp(rng.normal(0, 0.05, len(df)))
    f = ardennes.fit(df, p)
    assert np.exp(f["values"]["ln_r0"]) == pytest.approx(0.02, rel=0.1)
    assert np.exp(f["values"]["ln_rho"]) == pytest.approx(0.6, rel=0.1)
    assert f["values"]["kappa"] == pytest.approx(0.8, abs=3 * f["se"]["kappa"])
    assert f["se"]["kappa"] < 0.2


def test_prediction_reads_the_engines_parameters():
    p = engine_law.engine_parameters()
    df = _series()
    base = ardennes.predict(df, p)
    harder = ardennes.predict(df, dict(p, **{"ground_combat.posture_prepared": 3.0}))
    # a stronger defence: the attacker (Germans) loses more, the defender less
    assert np.all(harder[1] > base[1]) and np.all(harder[0] < base[0])


def test_bad_series_is_named(tmp_path):
    f = tmp_path / ardennes.FILE
    f.parent.mkdir(parents=True)
    f.write_text("Day ForcesAllies CasualtiesAllies ForcesGermans CasualtiesGermans\n"
                 "2 835178 -5 616924 2656\n")
    with pytest.raises(ardennes.DataError, match="column CasualtiesAllies must hold positive"):
        ardennes.load(tmp_path)


@pytest.mark.shared
def test_documented_numbers_reproduce(battles_dir):
    got = json.loads(json.dumps(ardennes.report(battles_dir)))
    want = json.loads(ardennes.OUT.read_text())
    assert numbers(got) == pytest.approx(numbers(want), rel=1e-9, abs=1e-12)


@pytest.mark.shared
def test_the_law_cannot_tell_its_exponent_on_this_series(battles_dir):
    """The Germans-to-Allies ratio moves by ~10% over the series, so κ's standard error is
    larger than the whole range between the linear (0) and the square (1) law."""
    rep = ardennes.report(battles_dir)
    lo, hi = rep["data"]["force_ratio_germans_to_allies"]
    assert hi / lo < 1.15
    assert rep["fitted"]["kappa_free"]["se"]["kappa"] > 1.0
