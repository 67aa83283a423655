"""Sector-major arrays: the operational layer's per-sector state is shaped (sectors, runs)
(or (types, sectors, runs)), so that a per-run parameter shaped (runs,) broadcasts over it and
a per-run sum over sectors adds whole rows (``a.sum(axis=0)``), each run's own numbers in the
same order whatever the number of runs. Only the contestable sectors (the defender's, outside
its rear: ``Theatre.cols``) carry such arrays.
"""

from __future__ import annotations

import numpy as np

RELIEF_KEYS = ("plain", "foothill", "mountain")
TINY = 1e-9

# operational states of a sector's defence (QJM postures, then the defence's collapse)
FORTIFIED, PREPARED, HASTY, BROKEN = range(4)
STATE_NAMES = ("fortified", "prepared", "hasty", "broken")

# causes of loss, in the order of the by-cause arrays
CAUSES = ("drone", "loitering_munition", "artillery", "direct_fire", "captured_or_abandoned")
DRONE, LOITERING, ARTILLERY, DIRECT_FIRE, CAPTURED = range(5)


def by_relief(sim, stem: str) -> np.ndarray:
    """(C, n): parameter ``stem_plain|foothill|mountain`` of each contestable sector's relief."""
    p, relief = sim.params, sim.theatre.relief[sim.theatre.cols]
    table = np.stack([p.row(f"{stem}_{k}") for k in RELIEF_KEYS])         # (3, n)
    return table[relief]


def by_state(sim, stem: str, keys=("fortified", "prepared", "hasty", "withdrawal")
             ) -> np.ndarray:
    """(4, n): parameter ``stem_<posture>`` of each state (a broken defence withdraws)."""
    return np.stack([sim.params.row(f"{stem}_{k}") for k in keys])


def pick(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index[c, r], r]`` for a (K, n) table and a (C, n) index array."""
    return table[index, np.arange(table.shape[1])]


def share_of(w: np.ndarray, axis: int = 0) -> np.ndarray:
    """``w`` normalised to sum to 1 along ``axis`` (0 where the sum is 0)."""
    tot = w.sum(axis=axis, keepdims=True)
    return np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)


def take_losses(stock: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Remove ``loss`` from ``stock`` in place (never below 0); returns what was removed."""
    lost = np.minimum(loss, stock)
    stock -= lost
    return lost
