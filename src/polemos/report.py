"""The analyst's view of a finished run: one self-contained HTML file (``polemos report``).

It reads what ``polemos run`` wrote (``runs.parquet``, ``campaign.nc``, ``provenance.json``) and
the scenario named in the provenance, and shows

- a map of the front over time: each sector drawn at its centroid as a square whose area is
  proportional to the sector's (a schematic, not a survey), coloured by the share of runs in
  which the attacker holds it (at least half its area, :data:`HELD`) on the day the slider
  picks; roads and railways along their sectors; the sectors on the pre-war line of contact
  outlined; each objective's fall day in the record, where the record has one;
- where the front broke: per sector, the share of runs in which its defence broke, broke
  enveloped, and it fell, and the day it fell (:func:`polemos.campaign.report.geography_rows`,
  the table ``polemos run`` prints);
- the outcome table beside the record, each row marked fitted / out of sample / not compared
  (:func:`polemos.campaign.report.summary_rows`), with the sources as links;
- the losses by cause;
- one run's story day by day (the median run, or ``--run N``), its sectors' breaks included.

Everything named comes from the scenario's files; plots are Plotly figures with plotly.js
inlined once, so the file opens offline.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: a sector counts as held by the attacker when it controls at least this share of its area
HELD = 0.5
ATTACKER_COLOUR, DEFENDER_COLOUR = "#c0392b", "#2e6da4"


#: the variables of campaign.nc the report reads (the rest are not loaded)
READ = ("attacker_control", "air_defence_lost_daily", "daily_killed", "defender_area_km2",
        "duration_days", "end_cause", "sector_fall_day", "sector_break_day", "sector_break_cause")

#: the report's peak memory over the bytes it reads (the variables of :data:`READ` and the
#: per-run table): measured 1.07 from 2,000 to 10,000 runs of karabakh_2020 (peak RSS 282 and
#: 422 MB for 16.3 KB read per run); rounded up
REPORT_PEAK = 1.25
#: the share of the available memory the report may fill
REPORT_MEMORY_SHARE = 0.8


class ReportError(Exception):
    """A results folder or option the report cannot use (the message says which and why)."""


@dataclass
class SavedRun:
    """A finished ensemble as read back from its folder: enough for the report and for
    :func:`polemos.campaign.report.summary_rows` (``scenario``, ``theatre``, ``table()``)."""

    scenario: object
    theatre: object
    runs: object                    # pandas DataFrame of runs.parquet
    ds: object                      # xarray Dataset of campaign.nc
    prov: dict
    notes: list
    total_runs: int | None = None   # runs in the folder (more than read: see load_run)

    def table(self):
        return self.runs

    def provenance(self) -> dict:
        return self.prov

    @property
    def n(self) -> int:
        return len(self.runs)

    def sector_fall_days(self, j: int) -> np.ndarray:
        """(runs,) day sector ``j`` fell (-1: it did not); from the per-run control when the
        folder predates ``sector_fall_day`` (the first day at :data:`HELD`: an approximation)."""
        if "sector_fall_day" in self.ds:
            return self.ds["sector_fall_day"].values[:, j]
        held = self.ds["attacker_control"].values[:, :, j] >= HELD
        return np.where(held.any(axis=1), held.argmax(axis=1) + 1, -1)

    def sector_break_counts(self) -> np.ndarray | None:
        """As :meth:`polemos.results.CampaignResults.sector_break_counts` (None: the folder has
        no break records)."""
        from polemos.results import break_counts

        if "sector_break_cause" not in self.ds:
            return None
        return break_counts(self.ds["sector_break_cause"].values)


def bytes_per_run(nc_path: Path, parquet_path: Path) -> float:
    """Bytes the report reads per run: the variables of :data:`READ` in ``campaign.nc`` (their
    shapes, not their compressed size) and the per-run table (8 bytes a column)."""
    import h5py
    import pyarrow.parquet as papq

    with h5py.File(nc_path, "r") as f:
        runs = f["run"].shape[0]
        size = sum(f[v].size * f[v].dtype.itemsize for v in READ if v in f)
    cols = papq.ParquetFile(parquet_path).metadata.num_columns
    return size / max(runs, 1) + 8 * cols


def runs_that_fit(per_run: float) -> int | None:
    """How many runs the report can read in the memory available now (None: unknown)."""
    from polemos.output import available_memory

    have = available_memory()
    if have is None:
        return None
    return int(REPORT_MEMORY_SHARE * have // (REPORT_PEAK * per_run))


def _first_rows(path: Path, n: int):
    """The first ``n`` rows of a Parquet file as pandas, read a row group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as papq

    f, parts, got = papq.ParquetFile(path), [], 0
    for i in range(f.num_row_groups):
        if got >= n:
            break
        t = f.read_row_group(i)
        parts.append(t.slice(0, n - got))
        got += min(t.num_rows, n - got)
    return pa.concat_tables(parts).to_pandas()


def load_run(folder: Path, scenario: str | None = None,
             max_runs: int | None = None) -> SavedRun:
    """Read a ``polemos run`` output folder; the scenario is the one its provenance names
    (with the same ``--set`` overrides) unless ``scenario`` is given. Reads the first
    ``max_runs`` runs (default: as many as fit in the memory available, :func:`runs_that_fit`;
    the runs are independent draws, so the first n are a random sample of the ensemble), and
    says so in ``notes`` when that is fewer than the folder holds."""
    import pandas as pd
    import xarray as xr

    from polemos.campaign.theatre import compile_theatre
    from polemos.provenance import scenario_hash
    from polemos.scenario import ScenarioError, load_scenario

    folder = Path(folder)
    need = [folder / f for f in ("runs.parquet", "campaign.nc", "provenance.json")]
    missing = [p.name for p in need if not p.is_file()]
    if missing:
        raise ReportError(f"{folder}: not a 'polemos run' output folder (missing "
                          f"{', '.join(missing)})")
    try:
        prov = json.loads(need[2].read_text())
        overrides = json.loads(prov.get("overrides", "[]"))
        spec = scenario or prov["scenario"]
    except (ValueError, KeyError) as e:
        raise ReportError(f"{need[2]}: unreadable provenance ({e})") from None
    try:
        sc = load_scenario(spec, overrides)
    except ScenarioError as e:
        raise ReportError(f"{need[2]}: scenario {spec!r} cannot be loaded (give it with "
                          f"--scenario): " + "; ".join(map(str, e.problems[:3]))) from None
    notes = []
    if prov.get("scenario_sha256") and scenario_hash(sc) != prov["scenario_sha256"]:
        notes.append(f"The scenario {spec!r} has changed since these runs were made (its hash "
                     "differs from the provenance): names and the record are today's.")
    if max_runs is not None and max_runs < 1:
        raise ReportError(f"--max-runs {max_runs}: must be at least 1")
    try:
        import pyarrow.parquet as papq

        total = papq.ParquetFile(need[0]).metadata.num_rows
        limit = max_runs
        if limit is None:
            limit = runs_that_fit(bytes_per_run(need[1], need[0]))
            if limit is not None and limit < 1:
                raise ReportError(f"{folder}: not even one run fits in the memory available")
        take = total if limit is None else min(total, limit)
        if take < total:
            runs = _first_rows(need[0], take)
            how = "--max-runs" if max_runs is not None else "the memory available"
            notes.append(f"This report reads the first {take:,} of the {total:,} runs ({how}): "
                         "its bands and shares are those of this sample (each run is an "
                         "independent draw).")
        else:
            runs = pd.read_parquet(need[0])
        with xr.open_dataset(need[1], engine="h5netcdf") as nc:
            ds = nc[[v for v in READ if v in nc]].isel(run=slice(0, take)).load()
    except (OSError, ValueError, KeyError) as e:
        raise ReportError(f"{folder}: cannot read the results ({e})") from None
    return SavedRun(sc, compile_theatre(sc), runs, ds, prov, notes, total)


# --- numbers and dates ---------------------------------------------------------------------------
def day_date(sc, day: int) -> dt.date:
    """The calendar date of day ``day`` of the war (day 1 = the scenario's start date)."""
    return sc.start_date + dt.timedelta(days=int(day) - 1)


def _esc(x) -> str:
    return html.escape(str(x))


def source_link(sc, sid: str) -> str:
    """A source id as a link (or, without a URL, a labelled span) titled from the register."""
    s = sc.sources.get(sid)
    if s is None:
        return _esc(sid)
    tip = _esc(", ".join(x for x in (s.title, s.author, s.date) if x))
    if s.url:
        return f'<a href="{_esc(s.url)}" title="{tip}" target="_blank" rel="noopener">{_esc(sid)}</a>'
    return f'<span class="src" title="{tip}">{_esc(sid)}</span>'


def source_entry(sc, sid: str) -> str:
    """A source of the register as 'id: title, author, date — URL' (the URL a link)."""
    s = sc.sources[sid]
    text = f"{source_link(sc, sid)}: " + _esc(", ".join(x for x in (s.title, s.author, s.date)
                                                      if x))
    if s.url:
        text += f' — <a href="{_esc(s.url)}">{_esc(s.url)}</a>'
    return text


def _linked_record(sc, text: str) -> str:
    """The record cell of a summary row with its trailing '[id, id]' sources as links."""
    m = re.search(r"\[([^\[\]]*)\]\s*$", text)
    if not m:
        return _esc(text)
    ids = [i.strip() for i in m.group(1).split(",") if i.strip()]
    return _esc(text[:m.start()]) + "[" + ", ".join(source_link(sc, i) for i in ids) + "]"


# --- the map -------------------------------------------------------------------------------------
def held_share_by_day(view: SavedRun) -> np.ndarray:
    """(days + 1, sectors): share of runs in which the attacker holds each sector (at least
    :data:`HELD` of its area), on day 0 (before the war) and each day after; a run that has
    ended keeps its last line."""
    ctrl = view.ds["attacker_control"].values                     # (run, day, sector)
    held = (ctrl >= HELD).mean(axis=0)
    day0 = view.theatre.attacker_held0.astype(float)[None, :]
    return np.vstack([day0, held])


def front_map(view: SavedRun):
    """A Plotly figure: the sectors' schematic map with a day slider (one frame a day)."""
    import plotly.graph_objects as go

    sc, th = view.scenario, view.theatre
    secs = [sc.sectors[s] for s in th.sector_ids]
    lon = np.array([s.centroid.lon for s in secs])
    lat = np.array([s.centroid.lat for s in secs])
    share = held_share_by_day(view)
    last = int(min(np.nanmax(view.runs["duration_days"]), share.shape[0] - 1))
    share = share[: last + 1]
    idx = {s: i for i, s in enumerate(th.sector_ids)}
    att, dfd = (sc.sides[s].name for s in th.sides)
    traces = []
    for sid_a, sid_b in (lk.between for lk in sc.links.values()):      # adjacency, faint
        a, b = idx[sid_a], idx[sid_b]
        traces.append(go.Scatter(x=[lon[a], lon[b]], y=[lat[a], lat[b]], mode="lines",
                                 line=dict(color="#cccccc", width=1), hoverinfo="skip",
                                 showlegend=False))
    for side in th.sides:
        for mode, dash in (("road", "solid"), ("rail", "dot")):
            xs, ys, names = [], [], []
            for r in sc.routes.values():
                if r.side != side or r.mode != mode:
                    continue
                pts = [idx[p] for p in r.path]
                xs += [lon[p] for p in pts] + [None]
                ys += [lat[p] for p in pts] + [None]
                names += [r.name] * len(pts) + [None]
            if xs:
                colour = ATTACKER_COLOUR if side == th.sides[0] else DEFENDER_COLOUR
                traces.append(go.Scatter(x=xs, y=ys, mode="lines", text=names,
                                         hoverinfo="text", name=f"{mode}s, {sc.sides[side].name}",
                                         line=dict(color=colour, width=2, dash=dash),
                                         opacity=0.6))
    size = 8 + 26 * np.sqrt(th.area_km2 / th.area_km2.max())
    on_loc = th.front_km > 0
    names = [s.name for s in secs]

    def sector_text(row):
        return [f"{n}<br>{sc.sides[s.controller].name} before the war<br>"
                f"attacker holds it in {v:.0%} of runs" for n, s, v in zip(names, secs, row,
                                                                           strict=True)]
    k_sector = len(traces)
    traces.append(go.Scatter(
        x=lon, y=lat, mode="markers+text", text=names, textposition="bottom center",
        textfont=dict(size=9), hovertext=sector_text(share[0]), hoverinfo="text",
        name="sectors (area to scale)",
        marker=dict(symbol="square", size=size, color=share[0], cmin=0, cmax=1,
                    colorscale=[[0, DEFENDER_COLOUR], [0.5, "#f3e9d2"], [1, ATTACKER_COLOUR]],
                    colorbar=dict(title=dict(text=f"share of runs<br>{_esc(att)} holds"),
                                  tickformat=".0%"),
                    line=dict(color=np.where(on_loc, "black", "white").tolist(),
                              width=np.where(on_loc, 3, 1).tolist()))))
    traces.append(go.Scatter(x=[None], y=[None], mode="markers", name="outlined: on the "
                             "pre-war line of contact",
                             marker=dict(symbol="square-open", size=12, color="black",
                                         line=dict(width=3))))
    o_sec = [idx[o.sector] for o in sc.objectives.values()]
    traces.append(go.Scatter(x=lon[o_sec], y=lat[o_sec], mode="markers", name="objectives",
                             hovertext=[o.name for o in sc.objectives.values()],
                             hoverinfo="text",
                             marker=dict(symbol="star", size=14, color="gold",
                                         line=dict(color="black", width=1))))
    rec = [(oid, sc.record[f"{oid}_fall_day"].value) for oid in sc.objectives
           if f"{oid}_fall_day" in sc.record]

    def record_points(day):
        pts = [(idx[sc.objectives[o].sector], d) for o, d in rec if d <= day]
        return dict(x=[lon[i] for i, _ in pts] or [None], y=[lat[i] for i, _ in pts] or [None],
                    hovertext=[f"record: {sc.objectives[o].name} fell on day {d:g}"
                               for o, d in rec if d <= day] or None)
    k_record = len(traces)
    traces.append(go.Scatter(mode="markers", name="record: objective fell by this day",
                             hoverinfo="text", marker=dict(symbol="x", size=16, color="black"),
                             **record_points(0)))

    def label(day):
        return "before the war" if day == 0 else f"day {day} ({day_date(sc, day):%d %b %Y})"

    frames = [go.Frame(name=str(d), traces=[k_sector, k_record],
                       data=[go.Scatter(marker=dict(color=share[d]),
                                        hovertext=sector_text(share[d])),
                             go.Scatter(**record_points(d))],
                       layout=dict(title=dict(text=f"The front, {label(d)}")))
              for d in range(last + 1)]
    step_args = dict(mode="immediate", frame=dict(duration=0, redraw=True),
                     transition=dict(duration=0))
    fig = go.Figure(data=traces, frames=frames)
    lat0 = float(np.mean(lat))
    fig.update_layout(
        title=dict(text=f"The front, {label(0)}"), height=780, hovermode="closest",
        xaxis=dict(title="longitude", showgrid=False),
        yaxis=dict(title="latitude", showgrid=False, scaleanchor="x",
                   scaleratio=1 / np.cos(np.radians(lat0))),
        legend=dict(orientation="h", y=-0.32),
        sliders=[dict(active=0, currentvalue=dict(prefix=""), pad=dict(t=40),
                      steps=[dict(label=str(d), method="animate", args=[[str(d)], step_args])
                             for d in range(last + 1)])],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=-0.08, xanchor="left",
                          buttons=[dict(label="▶ play", method="animate",
                                        args=[None, dict(mode="immediate", fromcurrent=True,
                                                         frame=dict(duration=250, redraw=True),
                                                         transition=dict(duration=0))])])],
        annotations=[dict(text=f"{_esc(dfd)} (blue) against {_esc(att)} (red); schematic: "
                          "squares at the sectors' centroids, area to scale",
                          xref="paper", yref="paper", x=0, y=1.06, showarrow=False,
                          font=dict(size=11))])
    return fig


# --- losses --------------------------------------------------------------------------------------
def losses_by_cause(view: SavedRun):
    """(Plotly figure, rows): each total's share by cause, median and 10–90% over runs."""
    import plotly.graph_objects as go

    from polemos.campaign.sectors import CAUSES
    from polemos.results import band

    t, (att, dfd) = view.runs, view.theatre.sides
    names = view.scenario.sides
    totals = {f"casualties, {names[dfd].name}": [f"casualties_{c}_{dfd}" for c in CAUSES],
              f"casualties, {names[att].name}": [f"casualties_{c}_{att}" for c in CAUSES],
              f"tanks and AFVs, {names[dfd].name}": [f"lost_armour_{c}_{dfd}" for c in CAUSES],
              f"air defence, {names[dfd].name}": [f"lost_air_defence_{c}_{dfd}"
                                                  for c in CAUSES]}
    fig, rows = go.Figure(), []
    for label, cols in totals.items():
        x = t[cols].to_numpy(dtype=float)
        tot = x.sum(1, keepdims=True)
        sh = np.divide(x, tot, out=np.zeros_like(x), where=tot > 0)
        m, lo, hi = band(sh)
        fig.add_bar(name=label, x=[c.replace("_", " ") for c in CAUSES], y=m,
                    error_y=dict(type="data", symmetric=False, array=hi - m, arrayminus=m - lo))
        rows.append((label, [f"{a:.0%} [{b:.0%}–{c:.0%}]" for a, b, c in zip(m, lo, hi,
                                                                             strict=True)]))
    fig.update_layout(barmode="group", height=420, yaxis=dict(tickformat=".0%",
                                                              title="share of the total"),
                      title=f"Losses by cause (median and 10–90% over {view.n:,} runs)")
    return fig, rows


# --- one run's story -----------------------------------------------------------------------------
def median_run(view: SavedRun) -> int:
    """The run id nearest the medians of duration and area taken (each scaled by its 10–90%
    spread): a typical war rather than an average of wars."""
    t = view.runs
    d = 0.0
    for col in ("duration_days", "area_taken_share"):
        x = t[col].to_numpy(dtype=float)
        spread = np.subtract(*np.nanpercentile(x, [90, 10])) or 1.0
        d = d + ((x - np.nanmedian(x)) / spread) ** 2
    return int(t["run"].to_numpy()[int(np.nanargmin(d))])


def talk_days(sc) -> list[int]:
    """The days of mediated talks the scenario sets (``termination.truce_day_<k>``, the
    parameters the bargaining component reads; central values)."""
    from polemos.campaign.components.bargaining import TALKS

    group, prefix = TALKS.split(".")
    return sorted(int(p.value) for k, p in sc.parameters.get(group, {}).items()
                  if k.startswith(prefix) and p.value is not None)


def story(view: SavedRun, run: int) -> list[tuple[int, str]]:
    """(day, event) of run ``run``: sectors the attacker came to hold (:data:`HELD` of the
    area), objectives that fell (and the roads they cut), air defence destroyed, the talks
    that did not end it, and the end and its cause."""
    from polemos.campaign.state import END_CAUSES

    sc, th, ds = view.scenario, view.theatre, view.ds
    runs = list(ds["run"].values)
    if run not in runs:
        read = (f"; the report read the first {len(runs):,} of {view.total_runs:,} runs "
                "(--max-runs)" if view.total_runs and view.total_runs > len(runs) else "")
        raise ReportError(f"--run {run}: no such run (runs are {runs[0]}–{runs[-1]}{read})")
    i = runs.index(run)
    row = view.runs.iloc[int(np.flatnonzero(view.runs["run"].to_numpy() == run)[0])]
    end = int(ds["duration_days"].values[i])
    ctrl = ds["attacker_control"].values[i, :end]                 # (day, sector)
    events: list[tuple[int, str]] = []
    for j in th.cols:
        took = np.flatnonzero(ctrl[:, j] >= HELD)
        if took.size:
            events.append((int(took[0]) + 1, f"{sc.sectors[th.sector_ids[j]].name}: the "
                           f"attacker holds {ctrl[took[0], j]:.0%} of it"))
    if "sector_break_day" in ds:
        from polemos.campaign.sectors import BREAK_CAUSES

        day_b, how = ds["sector_break_day"].values[i], ds["sector_break_cause"].values[i]
        for j in th.cols:
            if 0 < day_b[j] <= end:
                events.append((int(day_b[j]), f"{sc.sectors[th.sector_ids[j]].name}: its "
                               f"defence breaks ({BREAK_CAUSES[int(how[j]) - 1]})"))
    for oid in th.objective_ids:
        d = row.get(f"{oid}_fall_day")
        if d is not None and not np.isnan(d):
            o = sc.objectives[oid]
            cut = [sc.routes[r].name for r in o.cuts_routes]
            events.append((int(d), f"{o.name} fell" + (f"; cut: {', '.join(cut)}" if cut else "")))
    ad = ds["air_defence_lost_daily"].values[i, :end].astype(float)   # (day, system)
    systems = sc.forces[th.sides[1]].air_defence
    names = [systems[a].name for a in th.ad_ids]
    total0 = float(th.ad_count.sum()) or 1.0
    cum = np.cumsum(ad.sum(1)) / total0
    for day in range(ad.shape[0]):
        lost = [(n, x) for n, x in zip(names, ad[day], strict=True) if x >= 0.5]
        if lost:
            events.append((day + 1, "air defence destroyed: " + ", ".join(
                f"{x:,.0f} {n}" for n, x in lost) + f" ({cum[day]:.0%} of the starting "
                "systems gone)"))
    for level in (0.5, 0.9):
        crossed = np.flatnonzero(cum >= level)
        if crossed.size:
            events.append((int(crossed[0]) + 1, f"{level:.0%} of the defender's air defence "
                           "is gone"))
    cause = END_CAUSES[int(ds["end_cause"].values[i])]
    for d in talk_days(sc):
        if d < end:
            events.append((d, "mediated talks and a truce: no settlement, the fighting goes on"))
    events.append((end, f"the war ends: {cause}; the attacker has taken "
                   f"{row['area_taken_share']:.1%} of the defender's area"))
    return sorted(events, key=lambda e: e[0])


def story_figure(view: SavedRun, run: int):
    """The run's daily killed per side and the defender's area, day by day."""
    from plotly.subplots import make_subplots

    sc, th, ds = view.scenario, view.theatre, view.ds
    i = list(ds["run"].values).index(run)
    end = int(ds["duration_days"].values[i])
    days = np.arange(1, end + 1)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for k, side in enumerate(th.sides):
        fig.add_bar(x=days, y=ds["daily_killed"].values[i, :end, k], opacity=0.6,
                    marker_color=(ATTACKER_COLOUR, DEFENDER_COLOUR)[k],
                    name=f"killed per day, {sc.sides[side].name}")
    fig.add_scatter(x=days, y=ds["defender_area_km2"].values[i, :end], mode="lines",
                    line=dict(color="black"),
                    name=f"area held by {sc.sides[th.sides[1]].name}, km²", secondary_y=True)
    fig.update_layout(barmode="stack", height=380, title=f"Run {run}, day by day",
                      xaxis_title=f"day of war (day 1 = {sc.start_date:%d %b %Y})",
                      legend=dict(orientation="h", y=-0.3))
    fig.update_yaxes(title_text="killed per day", tickformat=",.0f", secondary_y=False)
    fig.update_yaxes(title_text="km²", tickformat=",.0f", secondary_y=True)
    return fig


# --- what decided the war ----------------------------------------------------------------------
def sensitivity_table(path: Path) -> str:
    """The HTML table of a ``polemos sensitivity`` result (``sensitivity.csv``): one row per
    group of inputs, one column per outcome, each cell the total-order index ST with its 95%
    interval (and the first-order S1); groups by their largest ST."""
    import pandas as pd

    try:
        t = pd.read_csv(path)
        need = {"output_label", "group_label", "S1", "ST", "ST_low", "ST_high"}
        if not need <= set(t.columns):
            raise ValueError(f"columns {sorted(need - set(t.columns))} missing")
    except (OSError, ValueError) as e:
        raise ReportError(f"{path}: not a 'polemos sensitivity' table ({e})") from None
    outs = list(dict.fromkeys(t["output_label"]))
    order = t.groupby("group_label")["ST"].max().sort_values(ascending=False).index
    cell = {(r.group_label, r.output_label): r for r in t.itertuples()}
    head = "".join(f"<th>{_esc(o)}</th>" for o in outs)
    body = ""
    for g in order:
        tds = ""
        for o in outs:
            r = cell.get((g, o))
            tds += "<td>–</td>" if r is None else (
                f"<td>{r.ST:.2f} [{r.ST_low:.2f}–{r.ST_high:.2f}]"
                f"<br><small>S1 {r.S1:.2f}</small></td>")
        body += f"<tr><td>{_esc(g)}</td>{tds}</tr>"
    return (f'<table id="sensitivity"><tr><th>inputs</th>{head}</tr>{body}</table>'
            f'<p class="note">Sobol\' total-order index ST [95% interval] (S1: first order) '
            f"from {_esc(path)}: the share of each outcome's variance over the inputs' ranges "
            "that the group takes part in; a model result, not evidence.</p>")


# --- the ceasefire forecast ---------------------------------------------------------------------
def forecast_figure(path: Path):
    """Fan charts of a ``polemos forecast`` (``forecast.nc``): for each outcome, the forecast
    probability that it has happened by each month (the mean over runs, ± 2 Monte Carlo
    standard errors) and the 10–90% spread over runs (the parameters' uncertainty)."""
    import plotly.graph_objects as go
    import xarray as xr

    path = Path(path)
    nc = path / "forecast.nc" if path.is_dir() else path
    try:
        with xr.open_dataset(nc, engine="scipy") as f:
            ds = f.load()
        if "offensive_mean" not in ds:
            raise ValueError("no offensive_mean")
    except (OSError, ValueError, TypeError) as e:
        raise ReportError(f"{nc}: not a 'polemos forecast' file ({e})") from None
    threshold = float(ds.attrs.get("threshold_deaths", 25))
    words = {"clash": f"a calendar year with at least {threshold:,.0f} battle deaths",
             "offensive": "a large-scale offensive (an event with at least 1,000 deaths or a "
                          "listed place taken)"}
    start = str(ds.attrs.get("start_date", ""))
    m = ds["month"].values
    fig = go.Figure()
    for name, colour in (("offensive", ATTACKER_COLOUR), ("clash", "#e67e22")):
        if f"{name}_mean" not in ds:
            continue
        lo, hi = ds[f"{name}_q10"].values, ds[f"{name}_q90"].values
        mean, se = ds[f"{name}_mean"].values, ds[f"{name}_mc_se"].values
        fig.add_scatter(x=np.r_[m, m[::-1]], y=np.r_[hi, lo[::-1]], fill="toself",
                        line=dict(width=0), fillcolor=colour, opacity=0.2, hoverinfo="skip",
                        name=f"{name}: 10–90% over runs (parameter uncertainty)")
        fig.add_scatter(x=m, y=mean, mode="lines", line=dict(color=colour, width=2),
                        error_y=dict(type="data", array=2 * se, visible=True, thickness=0.5),
                        name=f"{name}: forecast probability (± 2 Monte Carlo SE) — "
                             f"{words[name]}")
    fig.update_layout(height=460, title=f"Will the fighting resume? Probability by month "
                      f"(month 0 = {start})", xaxis_title="months after the ceasefire",
                      yaxis=dict(title="probability it has happened", tickformat=".0%",
                                 range=[0, 1]), legend=dict(orientation="h", y=-0.3))
    return fig


# --- the page ------------------------------------------------------------------------------------
CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0}td,th{border:1px solid
#ddd;padding:3px 6px;vertical-align:top}th{background:#f4f4f4}.fitted{background:#fde9e7}
.oos{background:#e6f3e6}.none{color:#888}.src{border-bottom:1px dotted #888;cursor:help}
.note{color:#555;font-size:13px}ol.story li{margin:2px 0}"""


def _status_class(status: str) -> str:
    return "fitted" if status == "fitted" else "oos" if status.startswith("out") else "none"


def build_html(view: SavedRun, run: int | None = None,
               sensitivity: Path | None = None, forecast: Path | None = None) -> str:
    """The whole report as one HTML string (plotly.js inlined once); ``sensitivity``: a
    ``sensitivity.csv`` to show as "what decided the war"; ``forecast``: a ``polemos
    forecast`` folder or ``forecast.nc`` to show as fan charts."""
    from polemos.campaign.report import GEOGRAPHY_COLUMNS, geography_rows, summary_rows
    from polemos.provenance import footer

    sc, prov = view.scenario, view.prov
    median = median_run(view)
    run = median if run is None else run
    events = story(view, run)
    figs = [front_map(view)]
    loss_fig, loss_rows = losses_by_cause(view)
    figs += [loss_fig, story_figure(view, run)]
    if forecast is not None:
        figs.append(forecast_figure(forecast))
    divs = [f.to_html(full_html=False, include_plotlyjs=(k == 0), div_id=f"fig{k}",
                      auto_play=False,
                      config={"displaylogo": False, "responsive": True})
            for k, f in enumerate(figs)]
    rows = "".join(
        f'<tr class="{_status_class(s)}"><td>{_esc(m)}</td><td>{_esc(v)}</td>'
        f"<td>{_linked_record(sc, r)}</td><td>{_esc(s)}</td></tr>"
        for m, v, r, s in summary_rows(view))
    cited = sorted({i for item in sc.record.values() for i in item.sources})
    sources = "".join(f"<li>{source_entry(sc, i)}</li>" for i in cited if i in sc.sources)
    loss_table = "".join(f"<tr><td>{_esc(lbl)}</td>" + "".join(f"<td>{c}</td>" for c in cells)
                         + "</tr>" for lbl, cells in loss_rows)
    from polemos.campaign.sectors import CAUSES

    story_items = "".join(
        f'<li data-day="{d}"><b>day {d}</b> ({day_date(sc, d):%d %b %Y}): {_esc(e)}</li>'
        for d, e in events)
    notes = "".join(f'<p class="note">{_esc(n)}</p>' for n in view.notes)
    geo = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in r) + "</tr>"
                  for r in geography_rows(view))
    geo_head = "".join(f"<th>{_esc(c)}</th>" for c in GEOGRAPHY_COLUMNS)
    decided = "" if sensitivity is None else \
        f"<h2>What decided the war</h2>{sensitivity_table(Path(sensitivity))}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_esc(sc.title)}: report</title>
<style>{CSS}</style></head><body>
<h1>{_esc(sc.title)}</h1>
<p class="note">{view.n:,} runs; {_esc(footer(prov))}</p>{notes}
<h2>The front over time</h2>
<p class="note">Move the slider to a day: each sector's colour is the share of runs in which
the attacker holds at least {HELD:.0%} of its area on that day (a run that has ended keeps its
last line).</p>
{divs[0]}
<h2>Where the front broke</h2>
<p class="note"><span class="oos">out of sample</span>: never fitted. Per sector, the share of
runs in which its defence broke (in combat, enveloped or taken), broke because its flanks were
taken (enveloped), and in which the sector fell, and the day it fell.</p>
<table id="geography"><tr>{geo_head}</tr>{geo}</table>
<h2>The outcomes beside the record</h2>
<p class="note">Median [10–90%] over runs. <span class="fitted">fitted</span>: a calibration
target, so agreement is not a test; <span class="oos">out of sample</span>: never fitted, a
test; not compared: the record has no figure. Sources: hover for the title, click where there
is a link.</p>
<table id="outcomes"><tr><th>outcome</th><th>model</th><th>record [sources]</th>
<th>record is</th></tr>{rows}</table>
<h2>Losses by cause</h2>
{divs[1]}
<table id="losses"><tr><th>total</th>{''.join(f'<th>{c.replace("_", " ")}</th>' for c in CAUSES)}
</tr>{loss_table}</table>
{decided}
<h2 id="story-title">One war: run {run}</h2>
<p class="note">{'The median run: the one nearest the medians of duration and area taken.'
                 if run == median else 'The run chosen with --run.'}
A sector counts as taken on the first day the attacker holds at least {HELD:.0%} of it; the
air defence's share gone is of the scenario's central count of systems.</p>
<ol class="story" id="story">{story_items}</ol>
{divs[2]}
{'<h2>The ceasefire forecast</h2>' + divs[3] if len(divs) > 3 else ''}
<h2>Sources of the record</h2><ul id="sources">{sources}</ul>
</body></html>"""


def write_report(folder: Path, out: Path | None = None, run: int | None = None,
                 scenario: str | None = None, sensitivity: Path | None = None,
                 forecast: Path | None = None, max_runs: int | None = None) -> Path:
    """Write the report of the results in ``folder`` to ``out`` (default
    ``folder/report.html``); returns its path. ``sensitivity``: a ``sensitivity.csv`` or the
    folder holding one; ``forecast``: a ``polemos forecast`` folder or its forecast.nc;
    ``max_runs``: read at most this many runs (see :func:`load_run`)."""
    view = load_run(folder, scenario, max_runs)
    if sensitivity is not None and Path(sensitivity).is_dir():
        sensitivity = Path(sensitivity) / "sensitivity.csv"
    text = build_html(view, run, sensitivity, forecast)
    out = Path(out) if out is not None else Path(folder) / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
