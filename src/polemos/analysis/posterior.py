"""The calibrated posterior shipped with a scenario: ``posterior.csv`` beside its TOML files.

One row per accepted particle, one column per calibrated parameter (``component.name``).
A derived scenario (``extends``) uses its base's posterior; a parameter set with ``--set``
takes the set value in every run (its posterior column is dropped).
"""

from __future__ import annotations

import csv
import warnings
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


def read_table(path: Path) -> tuple[list[str], np.ndarray]:
    """(column names, values shaped (draws, columns)) of a posterior CSV, read once per version
    of the file (its path, modification time and size). A row that is not as long as the
    header or holds a cell that is not a number is an error naming its line; a file with no
    rows gives a (0, columns) array. Raises :class:`PosteriorError`."""
    st = Path(path).stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _TABLES:
        with Path(path).open(newline="") as fh:
            try:
                names = next(csv.reader(fh), [])
            except csv.Error as e:
                raise PosteriorError(f"the header is not a CSV row ({e})", 1) from None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)   # "input contained no data"
                    values = np.loadtxt(fh, delimiter=",", ndmin=2)
            except ValueError:
                raise _first_bad_row(path, len(names)) from None
        if values.size == 0:
            values = np.zeros((0, len(names)))
        elif values.shape[1] != len(names):
            raise PosteriorError(f"{len(names)} column names but {values.shape[1]} values a "
                                 "row", 1)
        _TABLES.clear()
        _TABLES[key] = (names, values)
    return _TABLES[key]


_TABLES: dict = {}


class PosteriorError(ValueError):
    """A posterior CSV that cannot be read as a table of numbers; ``line``: where."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _first_bad_row(path: Path, columns: int) -> PosteriorError:
    """Where and why a posterior CSV's rows cannot be read as numbers."""
    with Path(path).open(newline="") as fh:
        rows = csv.reader(fh)
        try:
            for row in rows:
                line = rows.line_num
                if line == 1 or not row or row[0].lstrip().startswith("#"):
                    continue
                if len(row) != columns:
                    return PosteriorError(f"{len(row)} values, but the header names {columns} "
                                          "columns", line)
                for j, cell in enumerate(row):
                    try:
                        float(cell)
                    except ValueError:
                        return PosteriorError(f"column {j + 1} ({cell[:40]!r}) is not a "
                                              "number", line)
        except csv.Error as e:             # e.g. a quote that opens a field of 131,072 bytes
            return PosteriorError(f"not a CSV row ({e})", rows.line_num)
    return PosteriorError("its rows cannot be read as numbers")


def data_lines(path: Path) -> list[int]:
    """The line of each row of a posterior CSV (blank and comment lines are not rows)."""
    with Path(path).open(newline="") as fh:
        return [i for i, ln in enumerate(fh, start=1)
                if i > 1 and ln.strip() and not ln.lstrip().startswith("#")]


def read_posterior(path: Path) -> dict[str, np.ndarray]:
    """name -> samples of a posterior CSV as :func:`write_posterior` writes it ({} if it has
    no rows)."""
    names, values = read_table(path)
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
