"""The drones kernel's float32 exp (a polynomial, so that its loops vectorise) against exp in
float64: within 1.5e-7 relative where float32 is normal, 0 below, exact at 0."""

import numpy as np
import pytest

from polemos.campaign.kernels import numba_available

pytestmark = pytest.mark.skipif(not numba_available(),
                                reason="numba is not installed (pip install 'polemos[fast]')")


def _exp32(x: np.ndarray) -> np.ndarray:
    import numba as nb

    from polemos.campaign.kernels.drones import _exp

    @nb.njit
    def run(y, bits):
        _exp(y, bits)

    y = x.astype(np.float32)
    run(y, np.empty(len(y), np.int32))
    return y


def test_exp_to_float32_rounding():
    from polemos.campaign.kernels.drones import EXP_LO

    x = np.concatenate([np.linspace(EXP_LO, 0, 200_001, dtype=np.float32),
                        -np.logspace(-9, 1.9, 10_001).astype(np.float32),
                        np.linspace(0, 88, 10_001, dtype=np.float32)])
    ref = np.exp(x.astype(np.float64))
    rel = np.abs(_exp32(x) - ref) / ref
    assert rel.max() < 1.5e-7, (rel.max(), x[rel.argmax()])


def test_exp_underflow_is_zero():
    from polemos.campaign.kernels.drones import EXP_LO

    x = np.array([np.nextafter(EXP_LO, -np.inf), -100, -1e30, -np.inf, 0, -0.0])
    assert _exp32(x).tolist() == [0, 0, 0, 0, 1, 1]
