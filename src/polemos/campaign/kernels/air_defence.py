"""Air defence (:mod:`polemos.campaign.components.air_defence`) as two compiled passes over
the (levels, sectors, runs) cover, with numpy's exponential between them on the levels in use
(its SIMD loop: faster than a compiled scalar call per entry, and numpy's bits): the same
Poisson field of envelopes per group and level, × the working share, cover = 1 − exp(−λ);
the cover against the strike drones (the maximum over their levels); the sector-days of
fighting counted by the state of the airspace (the same float32 thresholds, 1/3 and 2/3).
The cover is written into the state's arrays in place (0 at the levels not in use, as in
numpy)."""

from __future__ import annotations

import numba as nb
import numpy as np

THIRD, TWO_THIRDS = np.float32(1 / 3), np.float32(2 / 3)


def step(ad, sim, day) -> None:
    """One day of air-defence cover on ``sim``'s state (the component ``ad`` holds its
    tables: the field of envelopes of each group at each level in use)."""
    st = sim.state
    L = st.air_cover.shape[0]
    used = np.arange(L) if ad.used is None else ad.used
    slot = np.full(L, -1)                 # each level's row of the field (-1: not in use)
    slot[used] = np.arange(len(used))
    lam = np.empty(ad.field.shape[1:], dtype=np.float32)                       # (U, C, n)
    _exponent(st.ad_share, ad.field, ad.neg_working, lam)
    np.exp(lam, out=lam)
    _cover(slot, ad.strike_level, st.active, st.alive, lam, st.air_cover, st.ad_cover,
           st.airspace_days)


@nb.njit(cache=True, error_model="numpy")
def _exponent(ad_share, field, neg_working, lam):  # pragma: no cover - compiled
    """``lam`` (U, C, n): −λ = −(Σ_groups surviving share × field) × working share at each
    level in use."""
    U, C, n = lam.shape
    for i in range(U):
        for c in range(C):
            for r in range(n):
                x = ad_share[0, c, r] * field[0, i, c, r]
                x += ad_share[1, c, r] * field[1, i, c, r]
                lam[i, c, r] = x * neg_working[r]


@nb.njit(cache=True, error_model="numpy")
def _cover(slot, strike, active, alive, lam, cover, ad_cover,
           airspace_days):  # pragma: no cover - compiled
    """``cover`` (L, C, n): 1 − ``lam`` (= exp(−λ)) at the levels in use (``slot``: the row
    of ``lam``), 0 at the others; ``ad_cover`` its maximum over the strike drones' levels
    (when there are any); each run's sector-days of fighting added to ``airspace_days`` by
    the state of the airspace (permissive, contested, denied)."""
    L, C, n = cover.shape
    one, zero = np.float32(1.0), np.float32(0.0)
    n_fighting = np.zeros(n, dtype=np.int32)        # sectors of each run (C < 2**31)
    n_contested = np.zeros(n, dtype=np.int32)
    n_denied = np.zeros(n, dtype=np.int32)
    for c in range(C):
        for k in range(L):
            row = cover[k, c]
            if slot[k] < 0:
                row[:] = zero
                continue
            e = lam[slot[k], c]
            for r in range(n):
                row[r] = one - e[r]
        out = ad_cover[c]
        if strike.shape[0]:
            out[:] = cover[strike[0], c]
            for j in range(1, strike.shape[0]):
                row = cover[strike[j], c]
                for r in range(n):
                    out[r] = np.maximum(out[r], row[r])
        act = active[c]
        for r in range(n):               # (0/1 products: a loop without branches)
            fighting = np.int32(act[r]) * np.int32(alive[r])
            x = out[r]
            n_fighting[r] += fighting
            n_contested[r] += np.int32(x >= THIRD) * fighting
            n_denied[r] += np.int32(x >= TWO_THIRDS) * fighting
    for r in range(n):
        airspace_days[0, r] += n_fighting[r] - n_contested[r]
        airspace_days[1, r] += n_contested[r] - n_denied[r]
        airspace_days[2, r] += n_denied[r]
