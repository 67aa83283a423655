"""The simulation's state and its daily record: plain numpy arrays shaped (runs, ...)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

# end causes
ONGOING, DECISIVE, BREAKPOINT_DEFENDER, BREAKPOINT_ATTACKER, TRUCE, INTERVENTION, \
    SETTLEMENT, HORIZON = range(8)
END_CAUSES = ("ongoing", "decisive objective", "defender breakpoint", "attacker breakpoint",
              "truce held", "outside intervention", "negotiated settlement", "horizon")


class State(SimpleNamespace):
    """Named arrays of one chunk of runs; per-run scalars are shaped (runs, 1). Arrays with a
    column per side, sector, route, drone type or air-defence system are column-major
    (``order="F"``): per-run factors (runs, 1) then broadcast along contiguous memory."""


def new_state(theatre, n: int, bound: dict) -> State:
    """Day-0 state of ``n`` runs (``bound``: per-run fields from :meth:`Theatre.bind`)."""
    S, R, n_obj = theatre.n_sectors, len(theatre.route_ids), len(theatre.objective_ids)
    A, D = len(theatre.ad_ids), len(theatre.drone_ids)
    E = theatre.equipment.shape[1]
    f = np.float64
    return State(
        n=n,
        ctrl=np.broadcast_to(theatre.attacker_held0.astype(f), (n, S)).copy(),
        pers=np.zeros((n, 2), order="F"),
        equip=bound["equipment"].copy(order="F"),
        ad=bound["ad_count"].copy(order="F"),
        drones=bound["drone_count"].copy(order="F"),
        munitions=np.zeros((n, D)),
        mob_left=np.zeros((n, 2), order="F"),
        interdiction=np.zeros((n, R), order="F"),
        route_open=np.ones((n, R), dtype=bool, order="F"),
        supply=np.ones((n, 2), order="F"),
        connected=np.ones((n, S), dtype=bool),
        isr_cov=np.zeros((n, 1)),
        drone_strikes_on_routes=np.zeros((n, 1)),
        lift=np.zeros((n, 2), order="F"),
        cas_today=np.zeros((n, 2), order="F"),
        missing_today=np.zeros((n, 2), order="F"),
        killed=np.zeros((n, 2), order="F"),
        wounded=np.zeros((n, 2), order="F"),
        missing=np.zeros((n, 2), order="F"),
        equip_lost=np.zeros((n, 2, E), order="F"),
        ad_lost=np.zeros((n, A), order="F"),
        drones_lost=np.zeros((n, D), order="F"),
        strength0=np.zeros((n, 2), order="F"),
        alive=np.ones(n, dtype=bool),
        end_day=np.zeros(n, dtype=np.int32),
        end_cause=np.zeros(n, dtype=np.int8),
        objective_day=np.full((n, n_obj), -1, dtype=np.int32),
        sector_day=np.full((n, S), -1, dtype=np.int32),
    )


def new_record(theatre, n: int, days: int) -> State:
    """Daily series kept for results: compact dtypes, preallocated (no growing lists), shaped
    (runs, days, ...) but stored day by day (each day's writes are one contiguous block; the
    engine hands them out run-major at the end of the run)."""
    return State(
        killed=daily(n, days, 2, np.float32),
        ctrl=daily(n, days, theatre.n_sectors, np.uint8),  # attacker share, %
        lift=daily(n, days, 2, np.float32),
    )


def daily(n: int, days: int, width: int, dtype) -> np.ndarray:
    """Zeros shaped (n, days, width), stored day-major."""
    return np.zeros((days, n, width), dtype=dtype).transpose(1, 0, 2)


def run_major(v: np.ndarray) -> np.ndarray:
    """A (runs, days, width) array of the record as a row-major copy. When a (run, day) entry
    is 8 bytes (two float32), the day-major storage is transposed as one 2-D array of 8-byte
    units (10× faster than numpy's copy, which moves the entries one by one)."""
    stored = v.transpose(1, 0, 2)
    if stored.flags.c_contiguous and v.shape[2] * v.itemsize == 8:
        units = stored.view(np.uint64)[:, :, 0]                             # (days, runs)
        return np.ascontiguousarray(units.T).view(v.dtype).reshape(v.shape)
    return np.ascontiguousarray(v)
