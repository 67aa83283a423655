"""Information discipline: which figures a forecast from ``origin`` reads, and when each was known.

A forecast from an origin date may read only what was known by then. Every figure the forecast
reads (the ``[ceasefire]`` table, the parameters and register figures it refers to) must carry a
``date`` (when the number was known) no later than the origin, and cite no source dated after
it. A source's date may be partial (``2021``, ``2020-04``): it counts from its first day, so a
source dated ``2020`` passes an origin in 2020 and one dated ``2021`` fails it.
``polemos validate --strict --origin DATE`` and ``polemos forecast --origin DATE`` report every
problem at once. ``--from-war`` also inherits the campaign's calibration:
:func:`from_war_problems` lists the calibration targets known only after the origin.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel

from polemos.scenario.quantity import Figure, FigureRef, ParamRef

__all__ = ["earliest_day", "origin_problems", "from_war_problems"]


def earliest_day(text: str) -> dt.date | None:
    """The first day a (possibly partial) date can mean: ``2021`` -> 2021-01-01,
    ``2020-04`` -> 2020-04-01; ``None`` when there is no date."""
    m = re.match(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", str(text or ""))
    if not m:
        return None
    return dt.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))


def _figure_problems(path: str, fig: Figure, sources: dict, origin: dt.date) -> list[str]:
    out = []
    when = earliest_day(fig.date or "")
    if when is None:
        out.append(f"{path}: undated figure: give date = \"YYYY-MM-DD\" (when it was known)")
    elif when > origin:
        out.append(f"{path}: dated {fig.date}, after the origin {origin}")
    for s in fig.sources:
        src = sources.get(s)
        sd = earliest_day(getattr(src, "date", "")) if src is not None else None
        if sd is not None and sd > origin:
            out.append(f"{path}: source '{s}' is dated {src.date}, after the origin {origin}")
    return out


def _walk(node, path: str):
    """Every quantity under a pydantic model: (dotted path, quantity)."""
    if isinstance(node, (Figure, FigureRef, ParamRef)):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name), f"{path}.{name}")
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def origin_problems(scenario, origin: dt.date) -> list[str]:
    """Problems with the figures the ceasefire forecast of ``scenario`` reads, for ``origin``
    (an empty list when every one is dated no later than it)."""
    if scenario.ceasefire is None:
        return [f"{scenario.name}: no [ceasefire] table"]
    out: list[str] = []
    seen: set[str] = set()
    sources = dict(scenario.sources)
    for path, q in _walk(scenario.ceasefire, "ceasefire"):
        if isinstance(q, Figure):
            out += _figure_problems(path, q, sources, origin)
        elif isinstance(q, ParamRef) and q.param not in seen:
            seen.add(q.param)
            comp, _, name = q.param.partition(".")
            p = scenario.parameters.get(comp, {}).get(name)
            if p is not None:
                out += _figure_problems(f"parameters.{q.param}", p, sources, origin)
        elif isinstance(q, FigureRef) and q.ref not in seen:
            seen.add(q.ref)
            f = scenario.figures.get(q.ref)
            if f is not None:
                out += _figure_problems(f"figures.{q.ref}", f, sources, origin)
    return out


def from_war_problems(scenario, origin: dt.date) -> list[str]:
    """Calibration targets of the campaign (what ``--from-war`` inherits through the fitted
    parameters) whose date, or a source's date, is after ``origin``."""
    out = []
    sources = dict(scenario.sources)
    for key, item in scenario.record.items():
        if item.use != "calibration":
            continue
        when = earliest_day(item.date or "")
        late = [s for s in item.sources if s in sources
                and (earliest_day(sources[s].date) or dt.date.min) > origin]
        if (when is not None and when > origin) or late:
            what = f"dated {item.date}" if when is not None and when > origin else \
                f"source {', '.join(late)} dated after it"
            out.append(f"record.{key}: calibration target {what} (origin {origin})")
    return out
