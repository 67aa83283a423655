"""Score a ceasefire forecast against what happened, with coding rules that decide.

The events file is a CSV with columns ``date`` (ISO, ``2021-05-12``), ``kind`` (``clash``,
``offensive`` or ``control_change``), ``fatalities`` (battle deaths, an integer >= 0) and
``source``, and optionally ``place`` and ``initiator``. The coding rules (not the labels) decide
each outcome, per horizon ``h`` months after the forecast's start date:

* (a) *clash year*: 1 if a **calendar year** (as UCDP counts battle deaths) reached
  ``threshold`` (25) battle deaths counting only events after the start date (the start year
  counts only its part after the ceasefire), or an offensive happened, by month ``h``;
* (b) *large-scale offensive*: 1 if by month ``h`` an event had >= 1,000 battle deaths, or a
  month had >= 1,000, or an event of kind ``control_change`` took a populated place or district
  named in the scenario's ``places`` list (its ``place`` must be one of them). An event labelled
  ``offensive`` with fewer deaths and no change of control does **not** count;
* *initiator*: the side that started the first offensive (column ``initiator``, one of the
  forecast's two sides; required on the event that makes the offensive count);
* unknown (not scored) when nothing happened by ``h`` and the events file does not cover ``h``
  months (``observed_until``, by default the last event's date).

Scores (lower is better): Brier ``(p - y)**2``; log score ``-log(p)`` if ``y`` else
``-log(1 - p)`` (``p`` clipped to ``[1e-6, 1 - 1e-6]``); for the initiator the Brier score over
the three categories (none, attacker, other); CRPS of the forecast's ensemble of monthly battle
deaths (``scoringrules.crps_ensemble``) against the observed monthly totals. Each is set beside
two reference forecasters, as a skill ``1 - score / score_ref``:

* the **base rate**: the Kaplan-Meier P(recurrence by h) of the survival model's reference class
  (offensive) and of UCDP's terminated episodes (clash year), stored with the forecast; for the
  CRPS, a forecast of zero deaths;
* **climatology**: the case's own yearly frequency of each outcome over the full calendar years
  of the events file before the start (``history_from`` onwards), ``p(h) = 1 - (1 - f)**(h/12)``.

A bad events file raises :class:`EventsError`, whose message names the file, the line and the
column.
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
           "load_forecast", "climatology", "DAYS_PER_MONTH", "HORIZONS", "KINDS"]

DAYS_PER_MONTH = 30.4375
HORIZONS = (12, 24, 36, 60)
KINDS = ("clash", "offensive", "control_change")
COLUMNS = ("date", "kind", "fatalities", "source")
OPTIONAL = ("place", "initiator")
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
    place: str = ""
    initiator: str = ""
    path: str = ""


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
        if kind == "sector_change":
            raise EventsError(p, n, "kind", "'sector_change' is undefined; use "
                              "'control_change' with a 'place' from the scenario's places")
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
        extra = {c: row[header.index(c)].strip() for c in OPTIONAL if c in header}
        if kind == "control_change" and not extra.get("place"):
            raise EventsError(p, n, "place", "a control_change needs the place taken")
        if not row[idx["source"]].strip():
            raise EventsError(p, n, "source", "every event needs its source")
        out.append(Event(date, kind, int(fat), row[idx["source"]].strip(), n,
                         extra.get("place", ""), extra.get("initiator", "").lower(), str(p)))
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


def _first_offensive(events, start, months, places) -> tuple[int, Event | None]:
    """Month of the first event that makes a large-scale offensive under the coding rule, and
    that event (``None`` when only a month's total reached 1,000)."""
    allowed = {p.strip().lower() for p in places}
    best: tuple[int, Event | None] = (0, None)
    for e in sorted(events, key=lambda e: e.date):
        m = month_index(e.date, start)
        if not 1 <= m <= months:
            continue
        if e.kind == "control_change":
            if not allowed:
                raise EventsError(e.path, e.line, "place", "the forecast lists no places whose "
                                  "change of control counts (scenario [ceasefire] places)")
            if e.place.lower() not in allowed:
                raise EventsError(e.path, e.line, "place", f"{e.place!r} is not in the "
                                  f"scenario's places ({', '.join(places)})")
            best = (m, e)
            break
        if e.fatalities >= OFFENSIVE_DEATHS:
            best = (m, e)
            break
    deaths = observed_monthly_deaths(events, start, months)
    big = np.flatnonzero(deaths >= OFFENSIVE_DEATHS)
    if big.size and (not best[0] or big[0] + 1 < best[0]):
        best = (int(big[0]) + 1, None)
    return best


def _first_months(events, start, months, threshold, places=()):
    first_off, _ = _first_offensive(events, start, months, places)
    first_clash = 0
    after = sorted((e for e in events if 1 <= month_index(e.date, start) <= months),
                   key=lambda e: e.date)
    total: dict[int, int] = {}
    for e in after:  # exact calendar years of the events' dates
        total[e.date.year] = total.get(e.date.year, 0) + e.fatalities
        if total[e.date.year] >= threshold:
            first_clash = month_index(e.date, start)
            break
    if first_off and (not first_clash or first_off < first_clash):
        first_clash = first_off
    return first_clash, first_off


def observed_outcomes(events: list[Event], start: dt.date, horizons=HORIZONS,
                      observed_until: dt.date | None = None, threshold: float = 25,
                      places=()) -> dict[int, dict[str, int | None]]:
    """``{h: {"clash": y or None, "offensive": y or None}}`` (None = not yet known)."""
    months = max(horizons)
    if observed_until is None:
        observed_until = max((e.date for e in events), default=start)
    covered = (observed_until - start).days / DAYS_PER_MONTH
    first_clash, first_off = _first_months(events, start, months, threshold, places)
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
    places: tuple[str, ...] = ()
    sides: tuple[str, str] = ("attacker", "other")
    p_initiator: np.ndarray | None = None  # (M, 2) P(offensive by m started by side)
    base_rates: dict | None = None  # {"offensive": {month: p}, "clash": {month: p}}

    @classmethod
    def from_forecast(cls, f) -> ForecastSummary:
        import json

        return cls(dt.date.fromisoformat(f.attrs["start_date"]), f.months,
                   f.curve("clash")["mean"], f.curve("offensive")["mean"], f.monthly_deaths,
                   float(f.attrs.get("threshold_deaths", 25.0)),
                   tuple(p for p in f.attrs.get("places", "").split(";") if p),
                   tuple(f.attrs.get("sides", ("attacker", "other"))),
                   f.initiator_curve.mean(axis=0),
                   json.loads(f.attrs.get("base_rates", "{}")))


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
    for var in ("offensive_mean", "clash_mean", "month"):
        if var not in ds:
            raise EventsError(p, None, var, "missing variable; not a polemos forecast")
    try:
        dt.date.fromisoformat(str(ds.attrs["start_date"]))
    except (KeyError, ValueError):
        raise EventsError(p, None, "start_date", "missing or not an ISO date (the ceasefire's "
                          "date, an attribute of every polemos forecast)") from None
    import ast
    import json

    deaths = ds["monthly_deaths"].values if "monthly_deaths" in ds else None
    init = (np.stack([ds["initiator_attacker_mean"].values, ds["initiator_other_mean"].values],
                     axis=1) if "initiator_attacker_mean" in ds else None)
    sides = ds.attrs.get("sides", "['attacker', 'other']")
    sides = tuple(ast.literal_eval(sides)) if isinstance(sides, str) else tuple(sides)
    return ForecastSummary(dt.date.fromisoformat(str(ds.attrs["start_date"])),
                           ds["month"].values, ds["clash_mean"].values,
                           ds["offensive_mean"].values, deaths,
                           float(ds.attrs.get("threshold_deaths", 25.0)),
                           tuple(x for x in str(ds.attrs.get("places", "")).split(";") if x),
                           sides, init, json.loads(ds.attrs.get("base_rates", "{}") or "{}"))


def climatology(events: list[Event], start: dt.date, history_from: dt.date,
                threshold: float = 25, places=()) -> dict[str, float]:
    """The case's yearly frequency of each outcome over the full calendar years from
    ``history_from`` to the year before ``start``: ``{"clash": f, "offensive": f, "years": n}``.
    A year counts as a clash year at >= ``threshold`` deaths, as an offensive year when an event
    had >= 1,000 deaths or took a listed place."""
    first = history_from.year + (0 if (history_from.month, history_from.day) == (1, 1) else 1)
    years = list(range(first, start.year))
    if not years:
        raise ValueError(f"history from {history_from} covers no full calendar year before "
                         f"{start}")
    allowed = {p.lower() for p in places}
    clash = off = 0
    for y in years:
        evs = [e for e in events if e.date.year == y]
        clash += sum(e.fatalities for e in evs) >= threshold
        off += any(e.fatalities >= OFFENSIVE_DEATHS
                   or (e.kind == "control_change" and e.place.lower() in allowed) for e in evs)
    return {"clash": clash / len(years), "offensive": off / len(years), "years": len(years),
            "from": first, "to": start.year - 1}


def _base_rate(table: dict | None, h: int) -> float | None:
    """P by month ``h`` from a Kaplan-Meier table ``{month: p}``, linear between months."""
    if not table:
        return None
    ms = np.array(sorted(int(k) for k in table), float)
    ps = np.array([table[str(int(m))] for m in ms], float)
    return float(np.interp(h, np.concatenate([[0.0], ms]), np.concatenate([[0.0], ps])))


def score(forecast: ForecastSummary, events: list[Event], horizons=HORIZONS,
          observed_until: dt.date | None = None, history_from: dt.date | None = None) -> dict:
    """Brier and log scores per horizon and outcome (``rows``; ``None`` where the outcome is not
    yet known) beside the base-rate and climatology forecasters, the initiator's Brier score,
    the CRPS of the monthly battle deaths, and skill scores (``skill``)."""
    M = len(forecast.months)
    horizons = [h for h in horizons if h <= M]
    obs = observed_outcomes(events, forecast.start_date, horizons, observed_until,
                            forecast.threshold, forecast.places)
    clim = (climatology(events, forecast.start_date, history_from, forecast.threshold,
                        forecast.places) if history_from is not None else None)
    br = forecast.base_rates or {}
    rows = []
    for h in horizons:
        for name, curve in (("clash", forecast.p_clash), ("offensive", forecast.p_offensive)):
            y = obs[h][name]
            p = float(curve[h - 1])
            row = {"horizon": h, "outcome": name, "p": p, "observed": y,
                   "brier": None if y is None else float(brier(p, y)),
                   "log": None if y is None else float(log_score(p, y))}
            refs = {"base_rate": _base_rate(br.get(name), h),
                    "climatology": (None if clim is None
                                    else 1.0 - (1.0 - clim[name]) ** (h / 12.0))}
            for ref, q in refs.items():
                row[f"p_{ref}"] = q
                row[f"brier_{ref}"] = None if (y is None or q is None) else float(brier(q, y))
                row[f"log_{ref}"] = None if (y is None or q is None) else float(log_score(q, y))
            rows.append(row)
    out = {"rows": rows, "crps": None, "crps_months": 0, "climatology": clim,
           "initiator": _score_initiator(forecast, events, horizons, obs)}
    out["skill"] = {}
    for ref in ("base_rate", "climatology"):
        for metric in ("brier", "log"):
            known = [r for r in rows if r[metric] is not None and r[f"{metric}_{ref}"] is not None]
            if known:
                a = sum(r[metric] for r in known)
                b = sum(r[f"{metric}_{ref}"] for r in known)
                out["skill"][f"{metric}_vs_{ref}"] = {
                    "score": a / len(known), "reference": b / len(known), "n": len(known),
                    "skill": (1.0 - a / b) if b > 0 else None}
    if forecast.monthly_deaths is not None and events:
        until = observed_until or max(e.date for e in events)
        n = min(M, int((until - forecast.start_date).days // DAYS_PER_MONTH))
        if n >= 1:
            import scoringrules as sr

            y = observed_monthly_deaths(events, forecast.start_date, n)
            ens = np.asarray(forecast.monthly_deaths, float)[:, :n].T  # (n, runs)
            out["crps"] = float(np.mean(sr.crps_ensemble(y, ens)))
            out["crps_months"] = n
            zero = float(np.mean(np.abs(y)))  # CRPS of a point forecast of 0 deaths
            out["skill"]["crps_vs_zero_deaths"] = {
                "score": out["crps"], "reference": zero, "n": n,
                "skill": (1.0 - out["crps"] / zero) if zero > 0 else None}
    return out


def _score_initiator(forecast: ForecastSummary, events, horizons, obs) -> list[dict]:
    """Brier score over (none, attacker, other) at each horizon where the offensive's occurrence
    is known; the forecast's ``p_initiator`` by month, the base rate splitting evenly."""
    if forecast.p_initiator is None:
        return []
    m_off, ev = _first_offensive(events, forecast.start_date, len(forecast.months),
                                 forecast.places)
    who = None
    if m_off:
        if ev is None or not ev.initiator:
            where = (ev.path, ev.line) if ev is not None else (None, None)
            if ev is None:
                return [{"note": "the first offensive is a month's total, not one event: its "
                                 "initiator is not coded"}]
            raise EventsError(where[0], where[1], "initiator", "the event that makes the "
                              "offensive count needs its initiator (one of "
                              f"{', '.join(forecast.sides)})")
        if ev.initiator not in forecast.sides:
            raise EventsError(ev.path, ev.line, "initiator", f"{ev.initiator!r} is not one of "
                              f"the forecast's sides ({', '.join(forecast.sides)})")
        who = forecast.sides.index(ev.initiator)
    rows = []
    br = forecast.base_rates or {}
    for h in horizons:
        y_off = obs[h]["offensive"]
        if y_off is None:
            continue
        y = np.zeros(3)
        y[0 if not y_off else 1 + who] = 1.0
        q = forecast.p_initiator[h - 1]
        p = np.array([1.0 - q.sum(), q[0], q[1]])
        b = _base_rate(br.get("offensive"), h)
        row = {"horizon": h, "observed": "none" if not y_off else forecast.sides[who],
               "p": p.tolist(), "brier": float(np.sum((p - y) ** 2))}
        if b is not None:
            pb = np.array([1.0 - b, b / 2, b / 2])
            row["brier_base_rate"] = float(np.sum((pb - y) ** 2))
        rows.append(row)
    return rows
