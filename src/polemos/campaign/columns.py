"""Per-run sums over a few columns, fast and to the bit.

The engine's per-sector arrays are shaped (runs, sectors) and stored column-major (``order="F"``):
each sector's runs are contiguous, so the per-run factors shaped (runs, 1) broadcast along
contiguous memory and a per-run sum over sectors adds whole columns. numpy's own
``a.sum(axis=1)`` of a row-major (runs, few) array loops once per run (≈ 0.3 ms for 10,000
runs, whatever the width) and its result depends on the layout; :func:`row_sum` gives the bits
numpy gives for a row-major array (its pairwise order) whatever the layout, by adding columns.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 8        # numpy's pairwise sum: 8 partial sums, ...
_PAIRWISE = 128   # ... up to this many elements, then it splits the row in halves


def row_sum(a: np.ndarray, dtype=None) -> np.ndarray:
    """``a.sum(axis=1, keepdims=True, dtype=dtype)`` of a row-major (n, k) array, the same bits,
    by whole-column additions (fast when ``a`` is column-major)."""
    n, k = a.shape
    if k > _PAIRWISE or a.dtype == bool:
        return a.sum(axis=1, keepdims=True, dtype=dtype)
    dtype = dtype or a.dtype    # columns are converted as they are added
    if k < _BLOCK:              # short rows are summed left to right
        out = a[:, 0:1].astype(dtype)
        for j in range(1, k):
            out += a[:, j:j + 1]
        return out
    r = a[:, :_BLOCK].astype(dtype, order="F")   # 8 partial sums over blocks of 8 columns
    j = _BLOCK
    while j + _BLOCK <= k:
        r += a[:, j:j + _BLOCK]
        j += _BLOCK
    r = r[:, 0::2] + r[:, 1::2]         # ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    r = r[:, 0::2] + r[:, 1::2]
    out = r[:, 0:1] + r[:, 1:2]
    for i in range(j, k):               # the remaining < 8 columns, left to right
        out += a[:, i:i + 1]
    return out


def masked_sum(a: np.ndarray, mask: np.ndarray, dtype=None) -> np.ndarray:
    """``(a * mask).sum(axis=1, keepdims=True, dtype=dtype)`` of a row-major (n, k) array of
    finite values ≥ 0 and a 0/1 mask (k,), the same bits: the masked-out zeros add nothing, so
    only the chosen columns are added, in numpy's pairwise order."""
    cols = [a[:, j:j + 1] if m else None for j, m in enumerate(np.asarray(mask) != 0)]
    if dtype is not None:
        cols = [c if c is None else c.astype(dtype) for c in cols]
    k = len(cols)
    if k > _PAIRWISE:
        return (a * mask).sum(axis=1, keepdims=True, dtype=dtype)
    if k < _BLOCK:
        r = [_add(cols)]
    else:
        r = cols[:_BLOCK]
        j = _BLOCK
        while j + _BLOCK <= k:
            r = [_add([x, y]) for x, y in zip(r, cols[j:j + _BLOCK], strict=True)]
            j += _BLOCK
        r = [_add(r[i:i + 2]) for i in range(0, _BLOCK, 2)]
        r = [_add(r[i:i + 2]) for i in range(0, len(r), 2)]
        r = [_add(r + cols[j:])]
    out = r[0]
    if out is None:
        return np.zeros((a.shape[0], 1), dtype=dtype or a.dtype)
    return out.copy() if out.base is not None else out


def _add(cols: list):
    """Left-to-right sum of (n, 1) columns, skipping None (zero); None if all are."""
    out = None
    for c in cols:
        if c is not None:
            out = c if out is None else out + c
    return out
