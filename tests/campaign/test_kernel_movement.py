"""Movement's compiled kernel (polemos.campaign.kernels.movement) computes numpy's numbers to
the bit from the same state — float32 arrays, float64 sums, states, break records, captures —
on a day of break-in and captures (some of cut-off defenders) and a day of envelopments (wars
drawn from the priors: the shipped posterior's take nothing that early); the
generic comparison (test_engines) allows float32 rounding, this one nothing."""

import copy

import numpy as np
import pytest
from test_engines import _arrays, _state_at, needs_numba


@needs_numba
@pytest.mark.parametrize("day", (4, 25))
def test_movement_kernel_is_bit_identical(karabakh, day):
    sim, comp = _state_at(karabakh, day, "movement", mode="prior")   # captures on both days
    twin = copy.deepcopy(sim)
    twin.engine = "numba"
    days_before = sim.state.sector_day.copy()
    comp.step(sim, day)
    next(c for c in twin.components if c.name == "movement").step(twin, day)
    assert (sim.state.sector_day != days_before).any(), "no capture: the test would be weak"
    a, b = _arrays(sim), _arrays(twin)
    differ = [k for k in a
              if a[k].dtype != b[k].dtype or not np.array_equal(a[k], b[k], equal_nan=True)]
    assert not differ, differ
