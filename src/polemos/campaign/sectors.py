"""Sector-major arrays: the operational layer's per-sector state is shaped (sectors, runs)
(or (types, sectors, runs)), so that a per-run parameter shaped (runs,) broadcasts over it and
a per-run sum over sectors adds whole rows (``a.sum(axis=0)``), each run's own numbers in the
same order whatever the number of runs. They are float32 (per-run totals stay float64). Only
the contestable sectors (the defender's, outside its rear: ``Theatre.cols``) carry such
arrays.
"""

from __future__ import annotations

import numpy as np

RELIEF_KEYS = ("plain", "foothill", "mountain")
#: the QJM postures a sector's defence is in, by state (a broken defence withdraws)
POSTURE_KEYS = ("fortified", "prepared", "hasty", "withdrawal")
TINY = np.float32(1e-9)
F32 = np.float32

# operational states of a sector's defence (QJM postures, then the defence's collapse: the
# parameters of a state are named by its posture, see by_state)
FORTIFIED, PREPARED, HASTY, BROKEN = range(4)

# how a sector's defence first broke (0: it did not): in combat (the power ratio reached the
# break ratio, or the defence was worn below its break strength), by envelopment (its flanks
# taken), or when the sector was taken before it broke
BREAK_CAUSES = ("combat", "envelopment", "capture")
BROKE_IN_COMBAT, BROKE_BY_ENVELOPMENT, BROKE_BY_CAPTURE = 1, 2, 3

# a sector's airspace for the attacker's strike drones, by the cover of its air defence
# (< 1/3, < 2/3, ≥ 2/3): a reading of air_defence's cover, reported per run
AIRSPACE = ("permissive", "contested", "denied")

# causes of loss, in the order of the by-cause arrays
# (artillery_drone_directed: the part of artillery and rocket fire owed to drones' ISR over the
# sector, the strike coordination of [CK] claim 2; artillery: the rest)
CAUSES = ("drone", "loitering_munition", "artillery_drone_directed", "artillery", "direct_fire",
          "captured_or_abandoned")
DRONE, LOITERING, ARTILLERY_DIRECTED, ARTILLERY, DIRECT_FIRE, CAPTURED = range(6)


def ad_groups(ad_class) -> np.ndarray:
    """(A,) air-defence group of each system: 0 emitters (missile systems with their radars,
    radars, dummies that mimic them: what anti-radiation munitions home on), 1 the rest (guns,
    MANPADS). Every loss, withdrawal and capture of air defence in a sector scales the
    systems of a group alike, so the defender's air defence by system and sector is
    ``ad0[a] × ad_share[group(a), sector]`` (exactly: deployment puts every system type where
    the troops are), two (C, n) fields instead of one per system type."""
    from polemos.campaign.theatre import AD_CLASSES

    return np.array([0 if AD_CLASSES[c] not in ("aaa", "manpads") else 1 for c in ad_class],
                    dtype=int)


def sum_by_ad_group(groups: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(2, n): the (A, n) per-system ``x`` summed over each air-defence group."""
    g = np.stack([groups == 0, groups == 1]).astype(x.dtype)                  # (2, A)
    return (g[:, :, None] * x[None]).sum(axis=1)


def ad_by_sector(st, groups) -> np.ndarray:
    """(A, C, n) air-defence systems by system type and sector."""
    return st.ad0[:, None, :] * st.ad_share[groups]


def lose_air_defence(st, share, cause: int, runs=None, ad_share=None) -> None:
    """Remove ``share`` of each sector's air defence (a (C, n) share for both groups, or a
    pair of them, one per group) and book it under ``cause`` by system type; with ``runs``,
    ``share`` (C, m) covers only those runs (columns). ``ad_share``: the (2, k, n) shares to
    remove from instead of ``st.ad_share`` (its rows of some sectors, see :func:`front`)."""
    if runs is None:
        ads = st.ad_share if ad_share is None else ad_share
        shares = share if isinstance(share, tuple) else (share, share)
        by_group = np.empty((2, ads.shape[-1]))
        for g in (0, 1):
            lost = ads[g] * shares[g]
            ads[g] -= lost
            by_group[g] = total(lost)
        st.loss_ad[cause] += _ad0_f64(st) * by_group.take(st.ad_groups, axis=0)
        return
    ads = st.ad_share[:, :, runs]
    lost = ads * share
    st.ad_share[:, :, runs] = ads - lost
    st.loss_ad[cause][:, runs] += _ad0_f64(st)[:, runs] * lost.sum(axis=1, dtype=float).take(
        st.ad_groups, axis=0)


def _ad0_f64(st) -> np.ndarray:
    """``st.ad0`` in float64 (the same values: a float32 × float64 product converts it anyway,
    through numpy's slower mixed-type loop), made once per state."""
    cached = st.__dict__.get("ad0_f64")
    if cached is None or cached[0] is not st.ad0:
        cached = st.ad0_f64 = (st.ad0, st.ad0.astype(np.float64))
    return cached[1]


def front(st) -> np.ndarray | None:
    """The contestable sectors fought over in some run today (``st.active``), as row indices
    of the (…, C, n) arrays, or None when all are. What acts only where the attacker attacks
    (drones, fires, ground combat, the choice of axes, the commitment of reserves, the
    advance) is computed on these rows alone: on the others every strike, loss, weight and
    advance is exactly 0 (nothing is taken, 0 is added to each sum over sectors), so the
    results are the same. Found once per ``st.active`` array (kept with it in the state: a
    component that changes which sectors are active sets a new array, as manoeuvre does)."""
    active = st.active
    cached = st.__dict__.get("front_rows")
    if cached is not None and cached[0] is active:      # today's (manoeuvre sets st.active anew)
        return cached[1]
    rows = np.flatnonzero(active.any(axis=1))
    rows = None if len(rows) == active.shape[0] else rows
    st.front_rows = (active, rows)
    return rows


def front_rows(st) -> np.ndarray:
    """:func:`front` as row indices always (all rows when every sector is fought over): what
    the compiled kernels loop over."""
    rows = front(st)
    return np.arange(st.active.shape[0]) if rows is None else rows


def rows_of(a: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """Rows ``rows`` (sectors, the second-to-last axis) of a (…, C, n) array: the array itself
    when ``rows`` is None, else a copy."""
    return a if rows is None else a.take(rows, axis=-2)


def put_rows(a: np.ndarray, rows: np.ndarray | None, values: np.ndarray) -> None:
    """Write back what :func:`rows_of` took (nothing to do when it was the array itself)."""
    if rows is not None:
        a[..., rows, :] = values


def any_per_run(x: np.ndarray) -> np.ndarray:
    """(n,) whether any of a run's few entries (a (n, k) boolean array) is true: reduced over
    a contiguous (k, n) copy (numpy reduces a short last axis row by row, ~25× slower)."""
    return np.ascontiguousarray(x.T).any(axis=0)


def total(x: np.ndarray) -> np.ndarray:
    """(n,) float64 sums over sectors (the first axis) of a (C, n) array: converted first,
    then summed row after row — the same numbers, added in the same order, as
    ``x.sum(axis=0, dtype=float)``, whose buffered conversion costs ~1.8× as much."""
    return x.astype(np.float64, copy=False).sum(axis=0)


def count_true(mask: np.ndarray) -> np.ndarray:
    """(n,) int64: how many of the rows of a (k, n) boolean array are true in each column;
    counted as bytes when k < 256 (a boolean sum converts each entry to int64: ~7x slower)."""
    if mask.shape[0] < 256:
        return mask.view(np.uint8).sum(axis=0, dtype=np.uint8).astype(np.int64)
    return mask.sum(axis=0)


def touched_runs(share: np.ndarray) -> np.ndarray:
    """Runs (columns of a (C, n) array) where any sector's ``share`` is not zero."""
    return np.flatnonzero((share != 0).any(axis=0))


def relief_names(stem: str) -> tuple[str, ...]:
    """The parameters of a by-relief table: ``stem_plain``, ``stem_foothill``, ``stem_mountain``."""
    return tuple(f"{stem}_{k}" for k in RELIEF_KEYS)


def posture_names(stem: str) -> tuple[str, ...]:
    """The parameters of a by-posture table: ``stem_fortified`` … ``stem_withdrawal``."""
    return tuple(f"{stem}_{k}" for k in POSTURE_KEYS)


def by_relief(sim, stem: str) -> np.ndarray:
    """(C, n): parameter ``stem_plain|foothill|mountain`` of each contestable sector's relief."""
    p, relief = sim.params, sim.theatre.relief[sim.theatre.cols]
    table = np.stack([p.row(name) for name in relief_names(stem)])         # (3, n)
    return table[relief]


def by_state(sim, stem: str) -> np.ndarray:
    """(4, n): parameter ``stem_<posture>`` of each state (a broken defence withdraws)."""
    return np.stack([sim.params.row(name) for name in posture_names(stem)])


def state_factor(sim, name: str, table: np.ndarray) -> np.ndarray:
    """(C, n) the (4, n) ``table`` of a posture parameter picked at each sector's state;
    computed once a day (movement alone changes the states, after the others have read them)
    and kept in ``sim.state.by_state`` under ``name`` (every table of a name holds the same
    values): from the day before's factors, re-picked where a state changed (a few sectors a
    day), else picked in full."""
    st = sim.state
    cache = st.__dict__.setdefault("by_state", {})
    hit = cache.get(name)
    state = st.sector_state
    if hit is not None and hit[0] is state:
        return hit[2]
    snap = cache.get(None)              # a copy of today's states, shared by every table
    if snap is None or snap[0] is not state:
        snap = cache[None] = (state, state.copy(), {})
    if hit is not None and hit[1].shape == state.shape:
        diff = snap[2].get(id(hit[1]))         # hit[1]: the copy of the states it was picked at
        if diff is None or diff[0] is not hit[1]:
            diff = snap[2][id(hit[1])] = (hit[1], np.flatnonzero(hit[1] != state))
        changed = diff[1]
        factor = hit[2].copy()
        if len(changed):
            factor.flat[changed] = table[state.flat[changed], changed % state.shape[-1]]
    else:
        factor = pick(table, state)
    cache[name] = (state, snap[1], factor)
    return factor


def pick(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index[c, r], r]`` for a (K, n) table and a (C, n) index array."""
    return table[index, np.arange(table.shape[1])]


_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def fill_where(out: np.ndarray, cond: np.ndarray, value) -> np.ndarray:
    """``np.copyto(out, value, where=cond)`` (``value`` cast to ``out``'s dtype, ``cond``
    boolean; both broadcast to ``out``), done on the bits: ``out`` kept through a mask of
    ``cond``'s zeros, ``value`` put through its ones — the same bits, without numpy's branch
    per entry, which a scattered ``cond`` mispredicts (~5× slower at (14, 2500) when a third
    of ``cond`` is true: the same holds for ``np.where``). A sparse ``cond`` (under 1/16 true)
    predicts well: numpy's masked copy then, the cheaper one."""
    k = np.count_nonzero(cond)
    if k * 16 < cond.size:
        if k:
            np.copyto(out, value, where=cond)
        return out
    u = _UINT[out.dtype.itemsize]
    keep = cond.view(np.int8).astype(_INT[out.dtype.itemsize])   # 1 where cond, else 0
    keep -= 1                                                      # 0 where cond, else ~0
    keep = keep.view(u)
    bits = out.view(u)
    bits &= keep
    put = np.asarray(value, dtype=out.dtype).view(u)
    if put.any():
        bits |= np.invert(keep, out=keep) & put
    return out


def ratio(a: np.ndarray, b: np.ndarray, empty: float = 0.0, out=None) -> np.ndarray:
    """``a / b`` where ``b > 0``, else ``empty`` (into ``out`` if given). (One division, then
    ``empty`` copied over the few other places: numpy's masked ``np.divide(..., where=)`` is
    ~30× slower, and two ``np.where`` cost twice the division.)"""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.divide(a, b, out=out)
    if not isinstance(q, np.ndarray):                         # 0-d operands
        pos = b > 0
        return np.where(pos, a / np.where(pos, b, 1), empty)
    return fill_where(q, ~(b > 0), empty)


def share_of(w: np.ndarray, axis: int = 0) -> np.ndarray:
    """Non-negative ``w`` normalised to sum to 1 along ``axis`` (0 where the sum is 0: then
    every ``w`` is 0, and so is ``w / tiny``)."""
    tot = w.sum(axis=axis, keepdims=True)
    return w / np.maximum(tot, np.finfo(w.dtype).tiny)


def take_losses(stock: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Remove ``loss`` from ``stock`` in place (never below 0); returns what was removed."""
    lost = np.minimum(loss, stock)
    stock -= lost
    return lost
