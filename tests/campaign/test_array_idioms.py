"""The array idioms of :mod:`polemos.campaign.sectors` that replace numpy calls for speed give
the same bits as the calls they replace (random cases: dtypes, shapes, broadcasts, densities,
NaN, -0 and infinities)."""

import numpy as np
import pytest

from polemos.campaign.sectors import count_true, fill_where, ratio, total

SPECIALS = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, 1e-300, -1.5])


def _values(rng, shape, dtype):
    x = rng.normal(size=shape) * 10
    if np.issubdtype(dtype, np.floating):
        flat = x.reshape(-1)
        pick = rng.random(flat.size) < 0.2
        flat[pick] = rng.choice(SPECIALS, pick.sum())
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int8])
def test_fill_where_is_copyto_bit_for_bit(dtype):
    rng = np.random.default_rng(1)
    for case in range(200):
        shape = tuple(int(k) for k in rng.integers(1, 40, size=rng.integers(1, 4)))
        out = _values(rng, shape, dtype)
        density = rng.choice([0.0, 0.01, 0.05, 0.3, 0.7, 1.0])
        cshape = tuple(1 if (rng.random() < 0.3) else k for k in shape)   # broadcast cond
        cond = rng.random(cshape) < density
        value = (rng.choice(SPECIALS) if np.issubdtype(dtype, np.floating) and rng.random() < 0.5
                 else _values(rng, (), dtype))
        want = out.copy()
        with np.errstate(invalid="ignore"):
            np.copyto(want, np.asarray(value).astype(dtype), where=cond)
        got = fill_where(out.copy(), cond, value)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (case, shape, cshape)


def test_ratio_count_true_and_total_match_numpy():
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        a = _values(rng, (14, 300), dtype)
        b = _values(rng, (14, 300), dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            want = np.where(b > 0, a / np.where(b > 0, b, 1), dtype(0))
        assert ratio(a, b).tobytes() == want.astype(dtype).tobytes()
        with np.errstate(invalid="ignore"):
            assert total(a).tobytes() == a.sum(axis=0, dtype=float).tobytes()
    m = rng.random((14, 300)) < 0.4
    np.testing.assert_array_equal(count_true(m), m.sum(axis=0))
