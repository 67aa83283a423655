"""The simulation's state and its daily record: plain numpy arrays shaped (runs, ...)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from polemos.campaign.sectors import CAUSES

# end causes
ONGOING, ACCEPTED, BREAKPOINT_DEFENDER, BREAKPOINT_ATTACKER, INTERVENTION, SETTLEMENT, \
    HORIZON = range(7)
END_CAUSES = ("ongoing", "defender accepted terms", "defender breakpoint", "attacker breakpoint",
              "outside intervention", "settlement at talks", "horizon")


class State(SimpleNamespace):
    """Named arrays of one chunk of runs. Run-major arrays are shaped (runs, …); the
    operational layer's per-sector arrays are sector-major, shaped (…, sectors, runs) (see
    :mod:`polemos.campaign.sectors`). The engine tells them apart by which axis has the
    runs: the first, or else the last."""


def new_state(theatre, n: int, bound: dict) -> State:
    """Day-0 state of ``n`` runs (``bound``: per-run fields from :meth:`Theatre.bind`)."""
    S, R, n_obj = theatre.n_sectors, len(theatre.route_ids), len(theatre.objective_ids)
    A, D = len(theatre.ad_ids), len(theatre.drone_ids)
    E = theatre.equipment.shape[1]
    K = len(CAUSES)
    f = np.float64
    return State(
        n=n,
        ctrl=np.broadcast_to(theatre.attacker_held0.astype(f), (n, S)).copy(),
        pers=np.zeros((n, 2)),
        equip=bound["equipment"].copy(),
        drones=bound["drone_count"].copy(),
        mob_left=np.zeros((n, 2)),
        interdiction=np.zeros((n, R)),
        route_open=np.ones((n, R), dtype=bool),
        supply=np.ones((n, 2)),
        connected=np.ones((n, S), dtype=bool),
        drone_strikes_on_routes=np.zeros((n, 1)),
        lift=np.zeros((n, 2)),
        killed=np.zeros((n, 2)),
        wounded=np.zeros((n, 2)),
        missing=np.zeros((n, 2)),
        equip_lost=np.zeros((n, 2, E)),
        ad_lost=np.zeros((n, A)),
        # by cause (sectors.CAUSES), sector-major: (cause, side, n), (cause, side, E, n), ...
        cas_c=np.zeros((K, 2, n)), cas_total=np.zeros((K, 2, n)),
        loss_e=np.zeros((K, 2, E, n)), loss_ad=np.zeros((K, A, n)),
        drones_lost=np.zeros((n, D)),
        strength0=np.zeros((n, 2)),
        alive=np.ones(n, dtype=bool),
        end_day=np.zeros(n, dtype=np.int32),
        end_cause=np.zeros(n, dtype=np.int8),
        objective_day=np.full((n, n_obj), -1, dtype=np.int32),
        sector_day=np.full((n, S), -1, dtype=np.int32),
        # the day each sector's defence first broke (-1: never) and how (sectors.BREAK_CAUSES,
        # coded from 1; 0: never)
        sector_break_day=np.full((n, S), -1, dtype=np.int32),
        sector_break_by=np.zeros((n, S), dtype=np.int8),
    )


def new_record(theatre, n: int, days: int) -> State:
    """Daily series kept for results: compact dtypes, preallocated (no growing lists), shaped
    (runs, days, ...) but stored day by day (each day's writes are one contiguous block; the
    engine hands them out run-major at the end of the run)."""
    E = theatre.equipment.shape[1]
    return State(
        killed=daily(n, days, 2, np.float32),
        cause=daily(n, days, 2 * len(CAUSES), np.float32),   # casualties by (cause, side)
        equip=daily(n, days, 2 * E, np.float32),             # equipment lost by (side, type)
        ad=daily(n, days, len(theatre.ad_ids), np.float32),   # air-defence systems lost
        ctrl=daily(n, days, theatre.n_sectors, np.uint8),  # attacker share, %
        lift=daily(n, days, 2, np.float32),
    )


def daily(n: int, days: int, width: int, dtype) -> np.ndarray:
    """Zeros shaped (n, days, width), stored day-major."""
    return np.zeros((days, n, width), dtype=dtype).transpose(1, 0, 2)


def run_major(v: np.ndarray, days: int | None = None) -> np.ndarray:
    """A (runs, days, width) array of the record as a row-major copy; only its first ``days``
    days are copied (the later ones are zeros: no run went on). The day-major storage is
    transposed as one 2-D array of (run, day) entries, each ``width`` values moved as one unit
    (an 8-byte integer, or an opaque block of bytes): many times faster than numpy's copy of
    the 3-D transpose, which moves the values one by one."""
    stored = v.transpose(1, 0, 2)
    if not stored.flags.c_contiguous or v.shape[2] == 0:     # (a width of 0: no air defence)
        return np.ascontiguousarray(v)
    size = v.shape[2] * v.itemsize
    unit = np.uint64 if size == 8 else np.dtype((np.void, size))
    units = stored.view(unit)[:, :, 0]                                      # (days, runs)
    days = v.shape[1] if days is None else min(days, v.shape[1])
    out = (np.zeros if days < v.shape[1] else np.empty)(v.shape, dtype=v.dtype)
    out.view(unit)[:, :, 0][:, :days] = units[:days].T     # one transposing copy into place
    return out
