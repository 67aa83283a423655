"""Score a ceasefire forecast against what happened.

The events file is a CSV with columns ``date`` (ISO, ``2021-05-12``), ``kind`` (``clash``,
``offensive`` or ``sector_change``), ``fatalities`` (battle deaths, an integer >= 0) and
``source``. From it, per horizon ``h`` months after the forecast's start date:

* (a) *clash year*: 1 if a ceasefire year (months 1-12, 13-24, ...) reached ``threshold`` (25)
  battle deaths, or an offensive happened, by month ``h``;
* (b) *offensive*: 1 if an event of kind ``offensive`` or ``sector_change`` happened, or a month
  had 1,000 or more battle deaths, by month ``h``;
* unknown (not scored) when nothing happened by ``h`` and the events file does not cover ``h``
  months (``observed_until``, by default the last event's date).

Scores (lower is better): Brier ``(p - y)**2``; log score ``-log(p)`` if ``y`` else
``-log(1 - p)`` (``p`` clipped to ``[1e-6, 1 - 1e-6]``); CRPS of the forecast's ensemble of
monthly battle deaths against the observed monthly totals (``scoringrules.crps_ensemble``),
averaged over the observed months. A bad events file raises :class:`EventsError`, whose message
names the file, the line and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["EventsError", "Event", "read_events", "month_index", "observed_outcomes",
           "observed_monthly_deaths", "brier", "log_score", "score", "ForecastSummary",
           "load_forecast", "DAYS_PER_MONTH", "HORIZONS", "KINDS"]

DAYS_PER_MONTH = 30.4375
HORIZONS = (12, 24, 36, 60)
KINDS = ("clash", "offensive", "sector_change")
COLUMNS = ("date", "kind", "fatalities", "source")
OFFENSIVE_DEATHS = 1000


class EventsError(ValueError):
    """A problem in an events file: ``file:line: column 'c': message``."""

    def __init__(self, path, line: int | None, column: str | None, message: str):
        self.path, self.line, self.column = str(path), line, column
        where = f"{path}:{line}" if line is not None else str(path)
        col = f" column '{column}':" if column else ""
        super().__init__(f"{where}:{col} {message}")


@dataclass(frozen=True)
class Event:
    date: dt.date
    kind: str
    fatalities: int
    source: str
    line: int


def read_events(path: str | Path) -> list[Event]:
    """Read and check an events CSV; raises :class:`EventsError` on the first problem."""
    p = Path(path)
    if not p.is_file():
        raise EventsError(p, None, None, "file not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise EventsError(p, None, None, f"not UTF-8 text (byte {e.start})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(c.strip() for c in rows[0]):
        raise EventsError(p, 1, None, f"empty file; expected a header {','.join(COLUMNS)}")
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise EventsError(p, 1, missing[0], f"missing column; the header must have "
                          f"{', '.join(COLUMNS)} (got {', '.join(header)})")
    idx = {c: header.index(c) for c in COLUMNS}
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise EventsError(p, n, None, f"expected {len(header)} fields, got {len(row)}")
        raw_date = row[idx["date"]].strip()
        try:
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise EventsError(p, n, "date", f"not an ISO date (YYYY-MM-DD): {raw_date!r}") \
                from None
        kind = row[idx["kind"]].strip().lower()
        if kind not in KINDS:
            raise EventsError(p, n, "kind", f"unknown kind {kind!r}; expected one of "
                              f"{', '.join(KINDS)}")
        raw_f = row[idx["fatalities"]].strip()
        try:
            fat = float(raw_f)
        except ValueError:
            raise EventsError(p, n, "fatalities", f"not a number: {raw_f!r}") from None
        if not math.isfinite(fat) or fat < 0 or fat != int(fat):
            raise EventsError(p, n, "fatalities", f"must be a whole number >= 0, got {raw_f!r}")
        out.append(Event(date, kind, int(fat), row[idx["source"]].strip(), n))
    return out


def month_index(date: dt.date, start: dt.date) -> int:
    """Month ``m`` (1-based, of 30.4375 days) after ``start`` that contains ``date``; 0 before."""
    days = (date - start).days
    return 0 if days < 0 else int(days // DAYS_PER_MONTH) + 1


def observed_monthly_deaths(events: list[Event], start: dt.date, months: int) -> np.ndarray:
    """Battle deaths per month 1..months (events before ``start`` are ignored)."""
    d = np.zeros(months)
    for ev in events:
        m = month_index(ev.date, start)
        if 1 <= m <= months:
            d[m - 1] += ev.fatalities
    return d


def _first_months(events, start, months, threshold):
    deaths = observed_monthly_deaths(events, start, months)
    off = [month_index(e.date, start) for e in events
           if e.kind in ("offensive", "sector_change") and month_index(e.date, start) >= 1]
    off += [m + 1 for m in np.flatnonzero(deaths >= OFFENSIVE_DEATHS)]
    first_off = min(off) if off else 0
    first_clash = 0
    for y in range(0, months, 12):
        cum = np.cumsum(deaths[y:y + 12])
        hit = np.flatnonzero(cum >= threshold)
        if hit.size:
            first_clash = y + int(hit[0]) + 1
            break
    if first_off and (not first_clash or first_off < first_clash):
        first_clash = first_off
    return first_clash, first_off


def observed_outcomes(events: list[Event], start: dt.date, horizons=HORIZONS,
                      observed_until: dt.date | None = None, threshold: float = 25
                      ) -> dict[int, dict[str, int | None]]:
    """``{h: {"clash": y or None, "offensive": y or None}}`` (None = not yet known)."""
    months = max(horizons)
    if observed_until is None:
        observed_until = max((e.date for e in events), default=start)
    covered = (observed_until - start).days / DAYS_PER_MONTH
    first_clash, first_off = _first_months(events, start, months, threshold)
    out = {}
    for h in horizons:
        row = {}
        for name, first in (("clash", first_clash), ("offensive", first_off)):
            if first and first <= h:
                row[name] = 1
            elif covered >= h:
                row[name] = 0
            else:
                row[name] = None
        out[h] = row
    return out


def brier(p, y) -> np.ndarray:
    """``(p - y)**2``."""
    return (np.asarray(p, float) - np.asarray(y, float)) ** 2


def log_score(p, y, eps: float = 1e-6) -> np.ndarray:
    """``-log p`` where ``y`` else ``-log(1 - p)``, ``p`` clipped to ``[eps, 1 - eps]``."""
    p = np.clip(np.asarray(p, float), eps, 1.0 - eps)
    y = np.asarray(y, float)
    return -(y * np.log(p) + (1.0 - y) * np.log1p(-p))


@dataclass
class ForecastSummary:
    """What scoring needs from a forecast."""

    start_date: dt.date
    months: np.ndarray  # (M,)
    p_clash: np.ndarray  # (M,) forecast probability by month
    p_offensive: np.ndarray  # (M,)
    monthly_deaths: np.ndarray | None = None  # (runs, M) ensemble
    threshold: float = 25.0

    @classmethod
    def from_forecast(cls, f) -> ForecastSummary:
        return cls(dt.date.fromisoformat(f.attrs["start_date"]), f.months,
                   f.curve("clash")["mean"], f.curve("offensive")["mean"], f.monthly_deaths)


def load_forecast(path: str | Path) -> ForecastSummary:
    """Read a forecast written by ``polemos forecast`` (a folder or its ``forecast.nc``)."""
    import xarray as xr

    p = Path(path)
    if p.is_dir():
        p = p / "forecast.nc"
    if not p.is_file():
        raise EventsError(p, None, None, "forecast file not found (run `polemos forecast` first)")
    try:
        with xr.open_dataset(p, engine="scipy") as ds:
            ds = ds.load()
    except Exception as e:  # noqa: BLE001 - any unreadable file becomes one clear line
        raise EventsError(p, None, None, f"not a forecast file: {e}") from None
    for var in ("offensive_mean", "clash_mean"):
        if var not in ds:
            raise EventsError(p, None, var, "missing variable; not a polemos forecast")
    deaths = ds["monthly_deaths"].values if "monthly_deaths" in ds else None
    return ForecastSummary(dt.date.fromisoformat(str(ds.attrs["start_date"])),
                           ds["month"].values, ds["clash_mean"].values,
                           ds["offensive_mean"].values, deaths,
                           float(ds.attrs.get("threshold_deaths", 25.0)))


def score(forecast: ForecastSummary, events: list[Event], horizons=HORIZONS,
          observed_until: dt.date | None = None) -> dict:
    """Brier and log scores per horizon and outcome (``rows``; ``None`` where the outcome is not
    yet known) and the CRPS of the monthly battle deaths over the observed months."""
    M = len(forecast.months)
    horizons = [h for h in horizons if h <= M]
    obs = observed_outcomes(events, forecast.start_date, horizons, observed_until,
                            forecast.threshold)
    rows = []
    for h in horizons:
        for name, curve in (("clash", forecast.p_clash), ("offensive", forecast.p_offensive)):
            y = obs[h][name]
            p = float(curve[h - 1])
            rows.append({"horizon": h, "outcome": name, "p": p, "observed": y,
                         "brier": None if y is None else float(brier(p, y)),
                         "log": None if y is None else float(log_score(p, y))})
    out = {"rows": rows, "crps": None, "crps_months": 0}
    if forecast.monthly_deaths is not None and events:
        until = observed_until or max(e.date for e in events)
        n = min(M, int((until - forecast.start_date).days // DAYS_PER_MONTH))
        if n >= 1:
            import scoringrules as sr

            y = observed_monthly_deaths(events, forecast.start_date, n)
            ens = np.asarray(forecast.monthly_deaths, float)[:, :n].T  # (n, runs)
            out["crps"] = float(np.mean(sr.crps_ensemble(y, ens)))
            out["crps_months"] = n
    return out
