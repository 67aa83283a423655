"""Validate a scenario: schema, cross-references, ranges and (``strict``) sourcing rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from polemos.scenario.errors import Problem, ScenarioError
from polemos.scenario.load import (
    Loaded,
    _display,
    add_engine_defaults,
    apply_overrides,
    load_raw,
    locate,
    validation_problems,
)
from polemos.scenario.quantity import Figure, FigureRef, ParamRef
from polemos.scenario.schema import (
    CEASEFIRE_FIELDS,
    CEASEFIRE_RANGES,
    FIELD_UNITS,
    POSITIVE,
    SHARES,
    UNIT_RANGES,
    Claim,
    Parameter,
    RecordItem,
    RegisterFigure,
    Scenario,
    parameter_range,
    range_problem,
)

__all__ = ["FIELD_UNITS", "POSITIVE", "SHARES", "walk", "build", "load_scenario"]

# the rules of every number live with the schema (one place): FIELD_UNITS, POSITIVE, SHARES
# are re-exported here for the callers that read them from this module


def walk(obj: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Yield (key path, value) for every model, dict entry and list item below ``obj``."""
    if isinstance(obj, BaseModel):
        for name, field in type(obj).model_fields.items():
            value = getattr(obj, name)
            key = field.alias or name
            yield path + (key,), value
            yield from walk(value, path + (key,))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield path + (k,), v
            yield from walk(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield path + (i,), v
            yield from walk(v, path + (i,))


def cross_reference_problems(sc: Scenario, strict: bool, inherited: frozenset = frozenset()
                             ) -> list[tuple[tuple, str]]:
    """Rules that span tables: ids that must exist, ranges, units, and sourcing (strict).
    ``inherited``: parameters taken from the engine's defaults, which name no target of the
    scenario's record (a calibrated default keeps its prior) and are exempt from the sourcing
    rules (tests/campaign/test_defaults.py holds the defaults to them)."""
    out: list[tuple[tuple, str]] = []

    def need(ids, name, path, what):
        if name not in ids:
            valid = ", ".join(sorted(ids)) or "none defined"
            out.append((path, f"unknown {what} '{name}'; known: {valid}"))

    sides, sectors = set(sc.sides), set(sc.sectors)
    parties = sides | set(sc.actors)
    roles = sorted(s.role for s in sc.sides.values())
    if roles != ["attacker", "defender"]:
        out.append((("sides",), f"needs exactly two sides, one attacker and one defender; got "
                    f"roles {roles}"))
    for sid, src in sc.sources.items():
        if src.party != "none":
            need(parties, src.party, ("sources", sid, "party"), "party (a side or actor id, or "
                 "'none')")
    for fid, fig in sc.figures.items():
        if fig.subject != "all":
            need(parties, fig.subject, ("figures", fid, "subject"), "subject")
        for i, c in enumerate(fig.claims):
            if c.by != "independent":
                need(parties, c.by, ("figures", fid, "claims", i, "by"),
                     "claimant (a side or actor id, or 'independent')")
    for sid, s in sc.sectors.items():
        need(sides, s.controller, ("sectors", sid, "controller"), "side")
        if s.objective is not None:
            need(set(sc.objectives), s.objective, ("sectors", sid, "objective"), "objective")
    for lid, link in sc.links.items():
        for j, s in enumerate(link.between):
            need(sectors, s, ("links", lid, "between", j), "sector")
        if link.between[0] == link.between[1]:
            out.append((("links", lid, "between"), "a link joins two different sectors"))
    for rid, r in sc.routes.items():
        need(sides, r.side, ("routes", rid, "side"), "side")
        for j, s in enumerate(r.path):
            need(sectors, s, ("routes", rid, "path", j), "sector")
            if s in sc.sectors and r.side in sides and sc.sectors[s].controller != r.side:
                out.append((("routes", rid, "path", j), f"sector '{s}' is held by "
                            f"'{sc.sectors[s].controller}', not by the route's side '{r.side}'"))
    for oid, o in sc.objectives.items():
        need(sectors, o.sector, ("objectives", oid, "sector"), "sector")
        need(sides, o.side, ("objectives", oid, "side"), "side")
        for j, r in enumerate(o.cuts_routes):
            need(set(sc.routes), r, ("objectives", oid, "cuts_routes", j), "route")
    for aid, actor in sc.actors.items():
        for j, rl in enumerate(actor.red_lines):
            ids = set(sc.routes) if rl.trigger == "route_cut" else sectors
            need(ids, rl.target, ("actors", aid, "red_lines", j, "target"),
                 "route" if rl.trigger == "route_cut" else "sector")
    for side in sides - set(sc.forces):
        out.append((("forces", side), f"no forces given for side '{side}'"))
    for side in set(sc.forces) - sides:
        need(sides, side, ("forces", side), "side")
    if sectors and _components(sc) > 1:
        out.append((("links",), f"the sector graph falls into {_components(sc)} parts; every "
                    "sector must be reachable through links"))

    for path, v in walk(sc):
        field = next((p for p in reversed(path) if isinstance(p, str)), "")
        if isinstance(v, (Figure, Parameter)):
            for j, s in enumerate(v.sources):
                need(set(sc.sources), s, path + ("sources", j), "source")
        if isinstance(v, FigureRef):
            need(set(sc.figures), v.ref, path + ("ref",), "figure")
        if isinstance(v, ParamRef):
            comp, _, name = v.param.partition(".")
            known = {f"{c}.{n}" for c, ps in sc.parameters.items() for n in ps}
            need(known, v.param, path + ("param",), "parameter")
        if isinstance(v, Parameter):
            for j, t in enumerate(v.fitted_to):
                need(set(sc.record), t, path + ("fitted_to", j), "record item")
        if field in FIELD_UNITS and path[-1] == field and isinstance(v, Figure) and \
                v.unit is not None and v.unit != FIELD_UNITS[field]:
            out.append((path + ("unit",), f"'{field}' is measured in {FIELD_UNITS[field]}, "
                        f"got unit '{v.unit}'"))
        if strict and not (path[0] == "parameters" and len(path) > 2
                           and f"{path[1]}.{path[2]}" in inherited):
            out.extend(_strict_problems(path, v, field))
    out.extend(range_problems(sc))
    if strict:
        out.extend(unread_input_problems(sc))
    return out


def field_range(path: tuple) -> tuple[bool, tuple[float, float] | None, bool]:
    """Whether a quantity at ``path`` has a range rule, its (low, high), and whether that is
    its unit's (``FIELD_UNITS``, ``CEASEFIRE_FIELDS``; else its mechanism's,
    ``CEASEFIRE_RANGES``)."""
    if not path or not isinstance(path[-1], str):
        return False, None, True
    if path[0] == "ceasefire":
        name = path[-2] if len(path) >= 2 and path[-2] in ("initiator_share", "costs") \
            else path[-1]
        if name in CEASEFIRE_RANGES:
            return True, CEASEFIRE_RANGES[name], False
        unit = CEASEFIRE_FIELDS.get(name)
    elif path[0] in ("parameters", "figures", "record"):
        return False, None, True
    else:
        unit = FIELD_UNITS.get(path[-1])
    return unit is not None, UNIT_RANGES.get(unit) if unit is not None else None, True


def _span(x) -> tuple[float, float]:
    """(low, high) of a figure or parameter: its range, its value and its prior."""
    lo, hi = x.range
    if isinstance(x, Parameter) and x.prior is not None:
        lo, hi = min(lo, x.prior[0]), max(hi, x.prior[1])
    return min(lo, x.value), max(hi, x.value)


def range_problems(sc: Scenario) -> list[tuple[tuple, str]]:
    """Every number in its physical range (``schema.UNIT_RANGES``), where it was written:
    a quantity field's number, inline or reached through ``{ref}`` or ``{param}`` (the
    problem points at the figure or parameter, naming the field that reads it); every
    register figure, claim and record item (and its series) by its unit; every parameter,
    its range and its prior, by its unit. The engine's parameters are held to its own rules
    in :mod:`polemos.campaign.requirements`."""
    out: list[tuple[tuple, str]] = []
    seen: set = set()
    for path, v in walk(sc):
        ruled, bounds, by_unit = field_range(path)
        if ruled and v is not None and not isinstance(v, (dict, list)):
            where, read_by = path, ""
            if isinstance(v, FigureRef):
                target = sc.figures.get(v.ref)
                where, read_by = ("figures", v.ref, "value"), ".".join(map(str, path))
            elif isinstance(v, ParamRef):
                comp, _, name = v.param.partition(".")
                target = sc.parameters.get(comp, {}).get(name)
                where, read_by = ("parameters", comp, name, "value"), ".".join(map(str, path))
            else:
                target = v
            if target is None:
                continue                                  # an unknown id: reported apart
            lo, hi = _span(target) if isinstance(target, Figure) else (target, target)
            msg = range_problem(lo, hi, bounds, POSITIVE.get(path[-1]), share=by_unit)
            if msg is not None and (where, msg) not in seen:
                seen.add((where, msg))
                out.append((where, msg + (f" (read by {read_by})" if read_by else "")))
            if isinstance(target, Figure) and not read_by:
                seen.add(id(target))                      # checked by its field's rule
            continue
        if isinstance(v, Parameter) and len(path) == 3 and path[0] == "parameters":
            msg = range_problem(*_span(v), parameter_range(f"{path[1]}.{path[2]}", v.unit,
                                                           engine=False))
            if msg is not None:
                out.append((path + ("value",), msg))
        elif isinstance(v, Figure) and not isinstance(v, Parameter) and id(v) not in seen \
                and v.unit is not None:
            bounds = UNIT_RANGES.get(v.unit)
            msg = range_problem(*_span(v), bounds)
            if msg is not None:
                out.append((path + ("value",), msg))
            if isinstance(v, RecordItem) and v.series:
                msg = range_problem(min(v.series), max(v.series), bounds)
                if msg is not None:
                    out.append((path + ("series",), f"series: {msg}"))
    # one problem per place: the message that names a reader wins over the unit's own
    read = {p for p, m in out if "(read by " in m}
    return [(p, m) for p, m in out if p not in read or "(read by " in m]


def unread_input_problems(sc: Scenario) -> list[tuple[tuple, str]]:
    """Calibrated inputs (``[parameters.inputs]``) that no quantity of the scenario refers to
    with ``{param = ...}``: they would change nothing."""
    used = {x.param for _, x in walk(sc) if isinstance(x, ParamRef)}
    return [(("parameters", "inputs", k), f"input 'inputs.{k}' is read by nothing: refer to it "
             "with {param = \"inputs." + k + "\"} from the quantity it sets, or remove it")
            for k in sc.parameters.get("inputs", {}) if f"inputs.{k}" not in used]


def _strict_problems(path: tuple, v: Any, field: str) -> list[tuple[tuple, str]]:
    out = []
    if field in FIELD_UNITS and path[-1] == field and isinstance(v, float):
        out.append((path, "bare number: give it a source ({value = ..., kind = ..., sources = "
                    "[...]}), refer to a figure ({ref = ...}) or to a calibrated parameter "
                    "({param = ...})"))
    if isinstance(v, Parameter):
        if v.kind == "calibrated":
            if v.prior is None:
                out.append((path, "a calibrated parameter needs 'prior = [low, high]'"))
            if not v.fitted_to:
                out.append((path, "a calibrated parameter needs 'fitted_to' (record ids)"))
        elif not v.sources:
            out.append((path, "a parameter needs sources, or kind = \"calibrated\" with a prior"))
    elif isinstance(v, (Figure, RegisterFigure, Claim)) and not v.sources:
        if v.kind == "calibrated":
            out.append((path, "kind 'calibrated' belongs to [parameters]: use {param = ...}"))
        else:
            out.append((path, "a figure needs at least one source"))
    return out


def _components(sc: Scenario) -> int:
    """Number of connected parts of the sector graph (links as undirected edges)."""
    parent = {s: s for s in sc.sectors}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for link in sc.links.values():
        a, b = link.between
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    return len({find(s) for s in parent})


def build(loaded: Loaded, strict: bool = False) -> Scenario:
    """Validate merged data into a Scenario, or raise ScenarioError with every problem."""
    try:
        sc = Scenario.model_validate(loaded.data)
    except ValidationError as e:
        raise ScenarioError(validation_problems(e, loaded, Scenario)) from None
    from polemos.campaign.requirements import campaign_problems

    def at(path, msg):
        f, line = locate(loaded.where, path, loaded.files[-1])
        return Problem(f, line, ".".join(map(str, path)), msg)

    problems = []
    base_files = set(loaded.files[:-1]) if sc.extends else set()
    for path, msg in cross_reference_problems(sc, strict, loaded.defaults):
        p = at(path, msg)
        if path[:2] == ("parameters", "inputs") and "read by nothing" in msg and \
                p.file in base_files:
            continue   # an input of the base that this scenario replaced (e.g. a count set to 0)
        problems.append(p)
    engine, notes = campaign_problems(sc)          # what the engine reads (so that it runs)
    engine_problems = [at(path, msg) for path, msg in engine]
    stricter = {p.path for p in engine_problems}   # the engine's rule for a value wins
    problems = [p for p in problems if p.path not in stricter] + engine_problems
    if problems:
        raise ScenarioError(problems)
    sc._notes = [at(path, f"note: {msg}") for path, msg in notes]
    sc._origin = [str(Path(f).resolve()) for f in loaded.files if f != "--set"]
    sc._defaults = loaded.defaults
    post = posterior_problems(sc)
    if post:
        raise ScenarioError(post)
    return sc


def posterior_problems(sc: Scenario) -> list[Problem]:
    """Every value of the posterior the runs would draw (``posterior.csv``: one row per draw,
    one column per calibrated parameter) finite and in its parameter's range
    (``schema.parameter_range``); a problem names the file, the row's line and the column. A
    posterior with no draws, or a column named twice, is a problem too."""
    import numpy as np

    from polemos.analysis.posterior import data_lines, posterior_path, read_table
    from polemos.campaign.requirements import required_parameters

    path = posterior_path(sc)
    if path is None:
        return []
    shown = _display(path)
    try:
        names, values = read_table(path)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        return [Problem(shown, getattr(e, "line", None), "", f"cannot read the posterior: {e}")]
    if not names or values.shape[0] == 0:
        return [Problem(shown, 1 if names else None, "", "the posterior holds no draws (a header "
                        "row of parameter names, then one row per draw)")]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return [Problem(shown, 1, n, "column named twice in the header") for n in twice]
    engine = set(required_parameters())
    out = []
    lines = None
    for j, name in enumerate(names):
        comp, _, key = name.partition(".")
        p = sc.parameters.get(comp, {}).get(key)
        if p is None or p.kind != "calibrated" or not values.size:
            continue
        col = values[:, j]
        bad = ~np.isfinite(col)
        bounds = parameter_range(name, p.unit, engine=name in engine)
        if bounds is not None:
            bad |= (col < bounds[0]) | (col > bounds[1])
        if bad.any():
            r = int(np.argmax(bad))
            rule = "not finite" if not np.isfinite(col[r]) else range_problem(
                col[r], col[r], bounds)
            lines = lines or data_lines(path)
            out.append(Problem(shown, lines[r], name, f"posterior draw {r + 1}: {rule} "
                               f"({int(bad.sum())} draw(s) break it)"))
    return out



def load_scenario(spec: str | Path, overrides: list[str] | tuple = (), strict: bool = False
                  ) -> Scenario:
    """Load, merge, override and validate a scenario (a path or an embedded name)."""
    loaded = add_engine_defaults(load_raw(spec))
    if overrides:
        apply_overrides(loaded, list(overrides))
    sc = build(loaded, strict=strict)
    sc._overrides = list(overrides)
    return sc
