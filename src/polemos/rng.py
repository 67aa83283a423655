"""Named random streams: common random numbers that do not depend on chunking.

Every random number is a pure function of (seed, stream name, day, global run index, slot):
a counter-based generator (Philox4x64 keyed by the stream and the day, its counter by the run).
So

* the same seed gives identical results whatever the batch size or the number of workers;
* a component that draws from its own stream cannot change any other component's numbers;
* two scenarios that differ from day k on draw the same numbers before day k.

This is Starsim's design ("one stream per decision, indexed by agent"); here indexed by run.
"""

from __future__ import annotations

import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TO_UNIT = 2.0 ** -53
_TABLE_BITS = 12   # a 4,096-quantile table of the normal: 32 kB, it stays in L1 cache
_TABLE_SIZE = 2 ** _TABLE_BITS
DENSE_SPAN = 50_000  # runs: spans up to this are generated as one block (cheaper than segments)


def _normal_table() -> np.ndarray:
    from scipy.special import ndtri

    return ndtri((np.arange(_TABLE_SIZE) + 0.5) / _TABLE_SIZE)


_NORMAL_TABLE = _normal_table()
_NORMAL_TABLE32 = _NORMAL_TABLE.astype(np.float32)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stream_key(seed: int, name: str) -> np.uint64:
    """64-bit key of the stream ``name`` under ``seed``."""
    with np.errstate(over="ignore"):
        k = np.uint64(zlib.crc32(name.encode())) << np.uint64(32) | np.uint64(seed & 0xFFFFFFFF)
        return _mix(np.array([k ^ np.uint64((seed >> 32) & 0xFFFFFFFF) * _GOLDEN]))[0]


class Streams:
    """Random numbers for the runs ``run_ids`` (global indices) of an ensemble."""

    def __init__(self, seed: int, run_ids: np.ndarray):
        self.seed = int(seed)
        self.run_ids = np.asarray(run_ids, dtype=np.uint64)
        self._keys: dict[str, np.uint64] = {}

    def _key(self, name: str) -> np.uint64:
        if name not in self._keys:
            self._keys[name] = stream_key(self.seed, name)
        return self._keys[name]

    def raw(self, name: str, day: int, width: int = 1) -> np.ndarray:
        """Raw 64-bit draws of shape (runs, width).

        Philox4x64 (a counter-based generator, Salmon et al. 2011) keyed by (stream, day):
        run r's numbers sit at counter blocks [r·b, (r+1)·b), b = ⌈width/4⌉, so any run's
        numbers are found without generating the others, whatever the chunk."""
        blocks = (width + 3) // 4
        key = np.empty(2, dtype=np.uint64)
        key[0], key[1] = self._key(name), day
        ids = self.run_ids
        first, last = self._span
        if last - first + 1 <= max(4 * len(ids), DENSE_SPAN):  # one block, first to last run
            block = self._block(key, first, last + 1, blocks, width)
            return block if len(ids) == last - first + 1 and ids[0] == first and \
                self._contiguous else block[ids.astype(np.int64) - first]
        out = np.empty((len(ids), width), dtype=np.uint64)
        for lo, hi, start in self._segments():
            out[lo:hi] = self._block(key, start, start + hi - lo, blocks, width)
        return out

    @property
    def _span(self) -> tuple[int, int]:
        """(first, last) global run index."""
        if not hasattr(self, "_first_last"):
            ids = self.run_ids
            self._first_last = (int(ids.min()), int(ids.max())) if len(ids) else (0, -1)
        return self._first_last

    def uniform(self, name: str, day: int, width: int = 1) -> np.ndarray:
        """U(0,1) of shape (runs, width), open at both ends (53-bit resolution); column-major
        (each column's arithmetic runs along contiguous memory)."""
        u = (self.raw(name, day, width).T >> np.uint64(11)).astype(np.float64)
        u += 0.5
        u *= _TO_UNIT
        return u.T

    def _block(self, key, start: int, stop: int, blocks: int, width: int) -> np.ndarray:
        """Raw draws of global runs start..stop-1 of the stream keyed ``key``. One Philox
        generator per ``Streams``, set to the key with its counter at 0 (the state of a new
        ``Philox(key=key)``, without the OS entropy a new generator reads), then advanced."""
        bg = self.__dict__.get("_bg")
        if bg is None:
            bg = self._bg = np.random.Philox(key=key)
        else:
            bg.state = {"bit_generator": "Philox",
                        "state": {"counter": np.zeros(4, dtype=np.uint64), "key": key},
                        "buffer": np.zeros(4, dtype=np.uint64), "buffer_pos": 4,
                        "has_uint32": 0, "uinteger": 0}
        if start:
            bg.advance(start * blocks)
        draws = bg.random_raw((stop - start) * blocks * 4)
        return draws.reshape(stop - start, blocks * 4)[:, :width]

    @property
    def _contiguous(self) -> bool:
        if not hasattr(self, "_contig"):
            self._contig = bool(len(self.run_ids) < 2 or
                                (np.diff(self.run_ids.astype(np.int64)) == 1).all())
        return self._contig

    def _segments(self) -> list[tuple[int, int, int]]:
        """(start, stop, first global run) of each run of consecutive global indices."""
        if not hasattr(self, "_segs"):
            ids = self.run_ids.astype(np.int64)
            cuts = np.flatnonzero(np.diff(ids) != 1) + 1
            starts = np.concatenate([[0], cuts])
            stops = np.concatenate([cuts, [len(ids)]])
            self._segs = [(int(a), int(b), int(ids[a])) for a, b in zip(starts, stops,
                                                                         strict=True)
                          if b > a]
        return self._segs

    def table_indices(self, name: str, day: int, width: int = 1) -> np.ndarray:
        """Indices into the 4,096-quantile normal table, (runs, width), column-major: the top
        12 bits of the four 16-bit fields of each raw 64-bit draw."""
        k = -(-width // 4)
        raw = self.raw(name, day, k)                     # (runs, k), its last axis contiguous
        return (raw.view(np.uint16).T[:width] >> np.uint16(16 - _TABLE_BITS)).T

    def noise_factor(self, name: str, day: int, sigma, width: int = 1) -> np.ndarray:
        """Cheap multiplicative noise, mean ≈ 1, sd ``sigma``: 1 + sigma·Z truncated at 0.05,
        with Z read from a 4,096-quantile table of the standard normal (no transcendental
        function per element). Column-major (runs, width), as the engine's per-sector arrays."""
        idx = self.table_indices(name, day, width)
        table = _NORMAL_TABLE32 if np.asarray(sigma).dtype == np.float32 else _NORMAL_TABLE
        out = sigma * table.take(idx.T).T
        out += table.dtype.type(1.0)
        return np.maximum(out, table.dtype.type(0.05), out=out)

    def lognormal_factor(self, name: str, day: int, sigma, width: int = 1) -> np.ndarray:
        """Multiplicative noise with mean 1: exp(sigma·Z − sigma²/2), Z from the quantile table
        (column-major (runs, width))."""
        sigma = np.asarray(sigma)
        z = _NORMAL_TABLE.take(self.table_indices(name, day, width).T).T
        out = sigma * z
        out -= 0.5 * sigma * sigma
        return np.exp(out, out=out)
