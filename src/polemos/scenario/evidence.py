"""The evidence register: every number of a scenario with its source, kind and range.

Contested figures keep each party's and each independent source's value side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from polemos.scenario.quantity import Figure, FigureRef, ParamRef
from polemos.scenario.schema import Parameter, RegisterFigure, Scenario
from polemos.scenario.validation import walk


@dataclass(frozen=True)
class Entry:
    """One row of the register."""

    path: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    kind: str
    sources: tuple[str, ...]
    date: str
    note: str
    by: str = ""


def _entry(path: str, f: Figure, unit: str = "", by: str = "") -> Entry:
    return Entry(path, f.value, f.low, f.high, f.unit or unit, f.kind, tuple(f.sources),
                 f.date or "", f.note, by)


def register(sc: Scenario) -> list[Entry]:
    """Every figure of the scenario: the register, inline figures and parameters."""
    from polemos.scenario.validation import FIELD_UNITS

    rows = []
    for path, v in walk(sc):
        if path and path[0] in ("figures",) and len(path) > 2:
            continue  # claims are listed by contested()
        key = ".".join(map(str, path))
        field = next((p for p in reversed(path) if isinstance(p, str)), "")
        if isinstance(v, (Figure, Parameter)) and not (path[0] == "record" and len(path) > 2):
            rows.append(_entry(key, v, FIELD_UNITS.get(field, "")))
    return rows


def contested(sc: Scenario) -> dict[str, list[Entry]]:
    """Figures with claims: id -> [the register's value, then each claim]."""
    out = {}
    for fid, fig in sc.figures.items():
        if fig.claims:
            out[fid] = [_entry(fid, fig, by="register")] + [
                _entry(fid, c, fig.unit or "", by=c.by) for c in fig.claims]
    return out


def source_label(sc: Scenario, ids) -> str:
    """Short labels of sources, with the party a source speaks for."""
    labels = []
    for s in ids:
        src = sc.sources.get(s)
        if src is None:
            labels.append(s)
        else:
            party = f" [{src.party}]" if src.party != "none" else ""
            labels.append(f"{s}{party}")
    return ", ".join(labels)


def fmt_value(e: Entry | Figure) -> str:
    from polemos.numbers import fmt_number

    v = e.value
    txt = fmt_number(v, 4)
    if e.low is not None or e.high is not None:
        lo = e.low if e.low is not None else v
        hi = e.high if e.high is not None else v
        txt += f" ({fmt_number(lo, 4)}–{fmt_number(hi, 4)})"
    return txt


def print_register(sc: Scenario, console, contested_only: bool = False) -> None:
    """Rich tables of the register (``contested_only``: the contested figures side by side)."""
    from rich.markup import escape
    from rich.table import Table

    if not contested_only:
        t = Table(title=f"Evidence register: {sc.name} ({len(sc.sources)} sources)",
                  show_lines=False)
        for col in ("key", "value (range)", "unit", "kind", "sources", "date"):
            t.add_column(col, overflow="fold")
        for e in register(sc):
            t.add_row(e.path, fmt_value(e), e.unit, e.kind, escape(source_label(sc, e.sources)),
                      e.date)
        console.print(t)
    groups = contested(sc)
    if not groups:
        console.print("No contested figures.")
    for fid, entries in groups.items():
        fig: RegisterFigure = sc.figures[fid]
        t = Table(title=f"{fid}: {fig.category or fid} - subject: {fig.subject} "
                  f"({fig.unit or ''})", title_justify="left")
        for col in ("counted by", "kind", "value (range)", "date", "sources", "note"):
            t.add_column(col, overflow="fold")
        for e in entries:
            label = "headline" if e.by == "register" else e.by
            t.add_row(label, e.kind, fmt_value(e), e.date, escape(source_label(sc, e.sources)),
                      escape(e.note))
        console.print(t)


def print_summary(sc: Scenario, console) -> None:
    """Sides, sectors, forces and sources of a scenario, as tables."""
    from rich.table import Table

    console.print(f"[bold]{sc.title}[/bold] ({sc.name}), day 1 = {sc.start_date}")
    for sid, s in sc.sides.items():
        console.print(f"  {s.role}: {s.name} ({sid})")
    t = Table(title="Sectors (controller on the eve of the war)")
    for col in ("sector", "held by", "front", "relief", "area km2", "elev. m", "forest",
                "front km", "fort. depth km"):
        t.add_column(col)
    held = {k: 0.0 for k in sc.sides}
    for s in sc.sectors.values():
        area = sc.value(s.area_km2)
        held[s.controller] += area
        t.add_row(s.name, s.controller, s.front, s.relief, f"{area:,.0f}",
                  f"{sc.value(s.elevation_m):,.0f}", f"{sc.value(s.forest_share):.2f}",
                  f"{sc.value(s.front_km):.0f}", f"{sc.value(s.fortified_line_depth_km):.1f}")
    console.print(t)
    t = Table(title="Forces on day 1")
    t.add_column("")
    for sid in sc.sides:
        t.add_column(sid, justify="right")
    for key in ("personnel_standing", "personnel_mobilised", "volunteers", "foreign_fighters",
                "tanks", "ifv_apc", "tube_artillery", "rocket_launchers", "ballistic_missiles"):
        t.add_row(key, *[fmt_value(_as_figure(sc, getattr(sc.forces[s], key)))
                         for s in sc.sides])
    for group in ("air_defence", "drones", "electronic_warfare"):
        for sid in sc.sides:
            for _k, item in getattr(sc.forces[sid], group).items():
                cells = ["" for _ in sc.sides]
                cells[list(sc.sides).index(sid)] = fmt_value(_as_figure(sc, item.count))
                t.add_row(f"{group}: {item.name}", *cells)
    console.print(t)
    console.print(f"{len(sc.links)} links, {len(sc.routes)} routes, {len(sc.objectives)} "
                  f"objectives, {len(sc.sources)} sources, {len(sc.figures)} register figures, "
                  f"{sum(len(p) for p in sc.parameters.values())} parameters")


def _as_figure(sc: Scenario, q) -> Figure:
    if isinstance(q, Figure):
        return q
    if isinstance(q, FigureRef):
        return sc.figures[q.ref]
    if isinstance(q, ParamRef):
        comp, _, name = q.param.partition(".")
        return sc.parameters[comp][name]
    return Figure(value=float(q))
