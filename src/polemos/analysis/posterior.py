"""The calibrated posterior shipped with a scenario: ``posterior.csv`` beside its TOML files.

One row per accepted particle, one column per calibrated parameter (``component.name``).
A derived scenario (``extends``) uses its base's posterior; a parameter set with ``--set``
takes the set value in every run (its posterior column is dropped).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

FILENAME = "posterior.csv"


def posterior_path(scenario) -> Path | None:
    """The posterior file of the scenario or of the scenario it extends, if any."""
    for f in reversed(scenario.origin):
        cand = Path(f).parent / FILENAME
        if cand.is_file():
            return cand
    return None


def read_posterior(path: Path) -> dict[str, np.ndarray]:
    """name -> samples of a posterior CSV as :func:`write_posterior` writes it ({} if it has
    no rows)."""
    with Path(path).open() as fh:
        names = next(csv.reader(fh), [])
        values = np.loadtxt(fh, delimiter=",", ndmin=2)
    if not names or values.size == 0:
        return {}
    return {name: values[:, j].copy() for j, name in enumerate(names)}


def load_posterior(scenario) -> dict[str, np.ndarray] | None:
    """name -> samples, only for parameters still calibrated in this scenario."""
    path = posterior_path(scenario)
    if path is None:
        return None
    out = {}
    for name, values in read_posterior(path).items():
        comp, _, key = name.partition(".")
        p = scenario.parameters.get(comp, {}).get(key)
        if p is None or p.kind != "calibrated":
            continue
        out[name] = values
    return out or None


def write_posterior(path: Path, samples: dict[str, np.ndarray]) -> None:
    """Write accepted particles as CSV (one column per parameter)."""
    names = sorted(samples)
    n = len(samples[names[0]])
    with Path(path).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(n):
            w.writerow([f"{samples[k][i]:.6g}" for k in names])
