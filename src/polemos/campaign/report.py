"""Readable output of a campaign ensemble: the outcome distribution beside the record, and plots.

Every number printed is a median with its 10–90% band and the number of runs; the record column
shows each side's official figure and the independent estimates, with their sources.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from polemos.numbers import fmt_number
from polemos.results import CampaignResults, band


def _fmt(x: float, pct: bool = False) -> str:
    if np.isnan(x):
        return "–"
    return f"{x:.1%}" if pct else fmt_number(float(x))


def _band_txt(values, pct=False) -> str:
    """'median [10th–90th]' over the values that are not NaN, and their share of runs when
    some are. One float64 copy, reordered in place by the percentiles (they depend only on
    the values, not on their order)."""
    v = np.array(values, dtype=float)
    ok = v.size - int(np.count_nonzero(np.isnan(v)))
    if ok == 0:
        return "never"
    m, lo, hi = band(v, overwrite_input=True)
    share = "" if ok == v.size else f" ({ok / v.size:.0%} of runs)"
    return f"{_fmt(m, pct)} [{_fmt(lo, pct)}–{_fmt(hi, pct)}]{share}"


def record_text(sc, key: str) -> str:
    """The record item ``key`` as 'value (range) — sources'."""
    item = sc.record.get(key)
    if item is None:
        return ""
    lo, hi = item.range

    def num(x):                          # shares as percentages, like the model's column
        return f"{x:.1%}" if item.unit == "share" else fmt_number(x, 4)
    rng = f" ({num(lo)}–{num(hi)})" if lo != hi else ""
    at_least = "≥ " if item.bound == "at_least" else ""
    kind = f" {item.kind.replace('_', ' ')}" if item.bound == "at_least" or \
        item.kind == "claim" else ""
    return f"{at_least}{num(item.value)}{rng}{kind} [{', '.join(item.sources)}]"


def figure_claims_text(sc, fid: str) -> str:
    """A register figure's headline and claims, one per line, with who counted."""
    fig = sc.figures.get(fid)
    if fig is None:
        return ""
    lines = [f"{fig.value:,.0f} {fig.kind} [{', '.join(fig.sources)}]"]
    for c in fig.claims:
        if c.kind in ("estimate",) or c.by == "independent":
            lo, hi = c.range
            v = f"{c.value:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}"
            lines.append(f"{v} {c.by} {c.kind} [{', '.join(c.sources)}]")
    return "\n".join(lines[:4])


def record_status(sc, key: str | None) -> str:
    """How a row relates to the record: "fitted" (a calibration target), "out of sample" (a
    validation item, never fitted) or "not compared" (no record item)."""
    item = sc.record.get(key) if key else None
    if item is None:
        return "not compared"
    if item.use == "calibration":
        return "fitted"
    return "out of sample (a claim)" if item.kind == "claim" else "out of sample"


def summary_rows(res: CampaignResults) -> list[tuple[str, str, str, str]]:
    """(metric, model median [10–90%], record, status) rows; status says whether the record
    item was fitted (a calibration target), is out of sample, or is not compared."""
    sc, th, t = res.scenario, res.theatre, res.table()
    att, dfd = th.sides
    spec = [("war duration, days", _band_txt(t.duration_days), "duration_days")]
    for oid in th.objective_ids:
        spec.append((f"day {sc.objectives[oid].name} fell", _band_txt(t[f"{oid}_fall_day"]),
                     f"{oid}_fall_day"))
    spec += [
        ("area taken in fighting (share of pre-war)", _band_txt(t.area_taken_share, True),
         "area_taken_share"),
        ("area handed over under the terms (share)", _band_txt(t.handed_over_share, True),
         "area_handed_over_share"),
        (f"military killed, {att}", _band_txt(t[f"killed_{att}"]), f"military_killed_{att}"),
        (f"military killed, {dfd}", _band_txt(t[f"killed_{dfd}"]), f"military_killed_{dfd}"),
        (f"wounded, {att}", _band_txt(t[f"wounded_{att}"]), None),
        (f"wounded, {dfd}", _band_txt(t[f"wounded_{dfd}"]), None),
        (f"missing or captured, {dfd}", _band_txt(t[f"missing_{dfd}"]), f"military_missing_{dfd}"),
    ]
    for side in (dfd, att):
        for cat in ("tanks", "ifv_apc", "tube_artillery", "rocket_launchers"):
            spec.append((f"{cat.replace('_', ' ')} lost, {side}",
                         _band_txt(t[f"lost_{cat}_{side}"]), f"{cat}_lost_{side}"))
    spec.append((f"air defence lost, {dfd}", _band_txt(t[f"lost_air_defence_{dfd}"]), None))
    spec.append((f"drones and loitering munitions lost or spent, {att}",
                 _band_txt(t[f"lost_drones_{att}"]), None))
    if f"lost_tanks_{att}" in t:
        spec.append((f"tank losses, {dfd} / {att}",
                     _band_txt(t[f"lost_tanks_{dfd}"] / t[f"lost_tanks_{att}"].clip(lower=1)),
                     "tank_loss_ratio"))
    spec.insert(len(th.objective_ids) + 7, (f"troop lift, {att} / {dfd} (network)",
                                            _band_txt(t.lift_ratio), "lift_ratio"))
    return [(m, v, record_text(sc, k) if k else "", record_status(sc, k)) for m, v, k in spec]


def write_summary(res: CampaignResults, out: Path) -> list[Path]:
    """``summary.csv`` beside the run: the printed summary's rows, each marked fitted (a
    calibration target), out of sample or not compared."""
    import csv

    path = Path(out) / "summary.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["metric", "model median [10-90%]", "record", "status"])
        w.writerows(summary_rows(res))
    return [path]


def print_summary(res: CampaignResults, console) -> None:
    """Rich tables: outcome distribution beside the record; end causes; contested dead."""
    from rich.markup import escape
    from rich.table import Table

    from polemos.campaign.state import END_CAUSES
    from polemos.provenance import footer

    sc, t = res.scenario, res.table()
    prov = res.provenance()
    title = (f"{sc.title}: {res.n:,} runs (seed {prov['seed']}, parameters: "
             f"{prov['parameters']}); median [10–90%]")
    tab = Table(title=title, title_justify="left")
    tab.add_column("outcome")
    tab.add_column("model", justify="right")
    tab.add_column("record [sources]")
    tab.add_column("record is")
    for row in summary_rows(res):
        tab.add_row(*(escape(c) for c in row))
    console.print(tab)
    counts = t.end_cause.value_counts()
    console.print("How the wars ended: " + "; ".join(
        f"{c} {counts.get(c, 0) / res.n:.1%}" for c in END_CAUSES if counts.get(c, 0)))
    dead = Table(title="Military dead: each side's count and the independent estimates "
                 "(evidence register)", title_justify="left")
    dead.add_column("figure")
    dead.add_column("values [sources]")
    for fid, fig in sc.figures.items():
        if fig.category.startswith("military killed") and fig.claims:
            dead.add_row(f"{fid} ({fig.subject})", escape(figure_claims_text(sc, fid)))
    if dead.row_count:
        console.print(dead)
    from polemos.campaign.sectors import AIRSPACE

    console.print("Airspace over the fighting for the strike drones (share of sector-days, "
                  "median [10–90%]): " + "; ".join(
                      f"{a} {_band_txt(t[f'airspace_{a}_share'], True)}" for a in AIRSPACE))
    console.print(cause_table(res))
    console.print(geography_table(res))
    console.print(f"[dim]{escape(footer(prov))}[/dim]")


def cause_table(res: CampaignResults):
    """Each side's casualties and the defender's armour and air-defence losses by cause
    (share of the total, median over runs), from the table's per-cause columns (one total at a
    time: a few columns in memory, whatever the number of runs)."""
    from rich.table import Table

    from polemos.campaign.sectors import CAUSES

    th, t = res.theatre, res.table()
    att, dfd = th.sides
    tab = Table(title=f"Losses by cause (share of each total; median [10–90%] over {res.n:,} "
                "runs)", title_justify="left")
    tab.add_column("cause")
    for col in (f"casualties, {dfd}", f"casualties, {att}", f"tanks and AFVs, {dfd}",
                f"air defence, {dfd}"):
        tab.add_column(col, justify="right")
    columns = (f"casualties_{{}}_{dfd}", f"casualties_{{}}_{att}", f"lost_armour_{{}}_{dfd}",
               f"lost_air_defence_{{}}_{dfd}")
    cells = [[] for _ in CAUSES]
    for col in columns:
        x = None                                                            # (runs, cause)
        for k, c in enumerate(CAUSES):
            v = t[col.format(c)].to_numpy()
            if x is None:
                x = np.empty((len(v), len(CAUSES)), dtype=v.dtype)
            x[:, k] = v
        tot = x.sum(1)
        for k in range(len(CAUSES)):
            cells[k].append(_band_txt(np.divide(x[:, k], tot, out=np.zeros_like(tot),
                                                where=tot > 0), True))
    for k, cause in enumerate(CAUSES):
        tab.add_row(cause.replace("_", " "), *cells[k])
    return tab


def geography_table(res: CampaignResults):
    """Per contestable sector: share of runs in which its defence broke (and by envelopment),
    in which it fell, and the median day it fell (an out-of-sample check: the order and dates
    of the advance are never fitted)."""
    from rich.table import Table

    tab = Table(title="Where the front broke (out of sample: never fitted): share of runs in "
                "which each sector's defence broke, broke enveloped, and fell",
                title_justify="left")
    for col in GEOGRAPHY_COLUMNS:
        tab.add_column(col, justify="left" if col == "sector" else "right")
    for row in geography_rows(res):
        tab.add_row(*row)
    return tab


#: the columns of :func:`geography_rows`
GEOGRAPHY_COLUMNS = ("sector", "broke", "enveloped", "fell", "day it fell, median [10–90%]")


def geography_rows(res) -> list[tuple[str, str, str, str, str]]:
    """Per contestable sector: its name, the share of runs in which its defence broke, broke
    by envelopment and in which the sector fell, and the day it fell (median [10–90%] over the
    runs in which it fell). ``res``: anything with ``theatre``, ``sector_fall_days(j)`` and
    ``sector_break_counts()`` (None: no break records, shown as –)."""
    from polemos.campaign.sectors import BROKE_BY_ENVELOPMENT

    th = res.theatre
    breaks = res.sector_break_counts()
    rows = []
    for j in th.cols:
        d = res.sector_fall_days(j).astype(float)
        fell = d >= 0
        share = f"{fell.mean():.0%}"
        d[~fell] = np.nan
        if breaks is None:
            broke = enveloped = "–"
        else:
            broke = f"{1 - breaks[j, 0] / breaks[j].sum():.0%}"
            enveloped = f"{breaks[j, BROKE_BY_ENVELOPMENT] / breaks[j].sum():.0%}"
        rows.append((th.sector_names[j], broke, enveloped, share,
                     _band_txt(d) if fell.any() else "–"))
        del d, fell
    return rows


def plot(res: CampaignResults, out: Path) -> list[Path]:
    """PNG plots: area held over time, daily killed against the record, losses by category."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from polemos.provenance import finish

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sc, th, t = res.scenario, res.theatre, res.table()
    end_day = t.duration_days.to_numpy()
    days_max = int(np.nanmax(end_day))
    days = np.arange(1, days_max + 1)
    paths = []

    # bands by day: each day's band depends on that day's values only, so the days are taken a
    # block at a time (res.day_blocks) and the bands joined
    m, lo, hi = (np.concatenate(b) for b in zip(*(
        band(blk) for _, blk in res.day_blocks("defender_area_km2", days_max)), strict=True))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.fill_between(days, lo, hi, alpha=0.3, label="10–90% of runs")
    ax.plot(days, m, label="median")
    end = sc.record.get("duration_days")          # the record's own marks, when it has them
    if end is not None:
        last = sc.start_date + dt.timedelta(days=end.value)
        ax.axvline(end.value, color="k", ls=":", lw=1,
                   label=f"record: {end.value:g} days of war (to {last:%d %b %Y})")
    taken = sc.record.get("area_taken_share")
    if taken is not None:
        ax.axhline(th.defender_area0 * (1 - taken.value), color="grey", ls="--", lw=1,
                   label=f"record: area left after {taken.value:.1%} taken in fighting")
    ax.set(xlabel=f"day of war (day 1 = {sc.start_date:%d %b %Y})", ylabel="km²",
           title=f"Area held by {th.sides[1]} ({res.n:,} runs)")
    ax.legend(fontsize=8)
    finish(fig, res.provenance())
    paths.append(out / "area_held.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    shown, side_bands = [], [[] for _ in th.sides]
    for d0, daily in res.day_blocks("daily_killed", days_max):
        daily = daily.astype(float)                                       # a copy of our own
        fighting = days[None, d0:d0 + daily.shape[1]] <= end_day[:, None]  # (runs, days)
        daily[~fighting] = np.nan                                         # runs still at war
        shown.append(fighting.mean(axis=0) >= 0.1)                        # days ≥10% of runs
        for i in range(len(th.sides)):                                    # (a fresh copy each)
            side_bands[i].append(band(daily[:, shown[-1], i], overwrite_input=True))
        del daily, fighting
    shown = np.concatenate(shown)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, side in enumerate(th.sides):
        m, lo, hi = (np.concatenate(b) for b in zip(*side_bands[i], strict=True))
        ax.fill_between(days[shown], lo, hi, alpha=0.25)
        ax.plot(days[shown], m, label=f"model: killed per day, {side} (median, 10–90% of runs "
                "still at war)")
    for key, obs in sc.record.items():          # the record's daily series, from its first day
        if obs.series and obs.unit == "persons":
            first = (obs.series_start - sc.start_date).days + 1
            ax.plot(np.arange(first, first + len(obs.series)), obs.series, "k.", ms=4,
                    label=f"record: {key.replace('_', ' ')} ({obs.kind.replace('_', ' ')})")
    ax.set(xlabel="day of war", ylabel="killed per day", title="Daily military killed")
    ax.legend(fontsize=7)
    finish(fig, res.provenance())
    paths.append(out / "daily_killed.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    dfd = th.sides[1]
    cats = ["tanks", "ifv_apc", "tube_artillery", "rocket_launchers"]
    labels = cats + ["air_defence"]
    meds, err = [], []
    for c in labels:                                   # one column in memory at a time
        v = t[f"lost_{c}_{dfd}"].to_numpy()
        meds.append(np.median(v))
        err.append([np.median(v) - np.percentile(v, 10), np.percentile(v, 90) - np.median(v)])
    err = np.array(err).T
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(labels, meds, yerr=err, capsize=4)
    ax.set(ylabel="systems lost (median, 10–90%)", title=f"Equipment lost by {dfd}")
    finish(fig, res.provenance())
    paths.append(out / "losses_by_category.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
