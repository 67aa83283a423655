"""The default summary equals the committed baseline (update it on purpose with
``tests/baseline/update_baseline.py``)."""

import json
import math

import pytest
from update_baseline import BASELINE, current_summary


def test_default_summary_matches_baseline():
    if not BASELINE.exists():
        pytest.fail(f"{BASELINE} is missing: run tests/baseline/update_baseline.py")
    want = json.loads(BASELINE.read_text())
    got = current_summary()
    assert want["runs"] == got["runs"] and want["seed"] == got["seed"]
    assert set(want["summary"]) == set(got["summary"])
    for key, ref in want["summary"].items():
        for a, b in zip(got["summary"][key], ref, strict=True):
            if math.isnan(b):
                assert math.isnan(a), key
            else:
                assert a == pytest.approx(b, rel=1e-6, abs=1e-9), key
