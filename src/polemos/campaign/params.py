"""Parameters of the mechanisms as per-run arrays shaped (runs, 1).

``mode`` says where the values come from: ``point`` (the scenario's values), ``prior`` (each
calibrated parameter drawn per run from its prior) or ``posterior`` (each run draws one row of
the calibrated posterior shipped with the scenario, falling back to the prior when there is
none). Draws come from named random streams, so a run's parameters do not depend on chunking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from polemos.rng import Streams

MODES = ("point", "prior", "posterior")


@dataclass
class ParamSet:
    """name ('component.key') -> array shaped (runs, 1)."""

    values: dict[str, np.ndarray]
    _rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def row(self, name: str) -> np.ndarray:
        """The parameter as a (runs,) float32 vector: it broadcasts over the (…, runs)
        sector-major arrays, which are float32 (half the memory traffic of float64). Made once
        per parameter set (read-only: every caller shares it)."""
        r = self._rows.get(name)
        if r is None:
            r = self._rows[name] = self.values[name][:, 0].astype(np.float32)
            r.flags.writeable = False
        return r

    def scalar(self, name: str) -> float:
        """A parameter that must be the same in every run (e.g. a date)."""
        v = self.values[name]
        return float(v.flat[0])


def calibrated(scenario) -> dict[str, tuple[float, float, str]]:
    """Calibrated parameters: name -> (low, high, prior shape)."""
    out = {}
    for comp, group in scenario.parameters.items():
        for key, p in group.items():
            if p.kind == "calibrated" and p.prior is not None:
                out[f"{comp}.{key}"] = (p.prior[0], p.prior[1], p.prior_shape)
    return out


def prior_draw(u: np.ndarray, low: float, high: float, shape: str) -> np.ndarray:
    """Map U(0,1) to the prior (uniform or log-uniform on [low, high])."""
    if shape == "loguniform":
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


def build_params(scenario, streams: Streams, mode: str = "point",
                 posterior: dict[str, np.ndarray] | None = None,
                 fixed: dict[str, np.ndarray] | None = None) -> ParamSet:
    """Per-run parameter arrays. ``fixed`` (name -> (runs,) values) overrides everything
    (used by calibration to evaluate chosen particles)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    n = len(streams.run_ids)
    cal = calibrated(scenario)
    vals: dict[str, np.ndarray] = {}
    post_idx = None
    if mode == "posterior" and posterior:
        size = len(next(iter(posterior.values())))
        post_idx = np.minimum((streams.uniform("params:posterior_row", 0)[:, 0] * size)
                              .astype(int), size - 1)
    for comp, group in scenario.parameters.items():
        for key, p in group.items():
            name = f"{comp}.{key}"
            v = np.full(n, float(p.value))
            if name in cal and mode != "point":
                if post_idx is not None and name in posterior:
                    v = np.asarray(posterior[name], dtype=float)[post_idx]
                else:
                    v = prior_draw(streams.uniform(f"params:{name}", 0)[:, 0], *cal[name])
            vals[name] = v[:, None]
    for name, v in (fixed or {}).items():
        vals[name] = np.asarray(v, dtype=float).reshape(n, 1)
    return ParamSet(vals)
