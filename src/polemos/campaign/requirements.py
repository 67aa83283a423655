"""What the campaign engine reads from a scenario, checked before it runs.

``polemos validate`` (and every load) calls :func:`campaign_problems`, so that a scenario that
validates runs, and runs as written: each rule below is something a component reads or a
condition without which part of the scenario would silently do nothing.

* **parameters** — every parameter a component reads (``Component.params``; the engine's
  defaults give each one) is there, none is negative, and a probability or share (unit
  per_sortie, or a name ``*_share``/``*_probability*``) lies in [0, 1]
  (``schema.parameter_range``), its value, range and prior alike;
* **sectors** — at least one sector can change hands (held by the defender, outside its rear),
  and one of them borders a sector the attacker holds (the front: manoeuvre opens fighting
  only next to the attacker's ground);
* **routes** — the attacker has at least one (logistics: a side's supply and its troop lift
  are the capacity of its open routes; an attacker with none has no supply and no combat
  power); a defender with none is a blockaded enclave (a note: every sector it holds is cut off
  from day 1, and its reserve cannot move); an objective cuts, and an outside power's ``route_cut`` red line watches, only the
  defender's routes (the attacker's are never closed);
* **objectives** — held by the side that holds their sector, in a sector that can change
  hands (or they can never fall); a ``sector_taken`` red line watches such a sector;
* **forces** — the defender's air defence that shoots (SAMs, MANPADS, guns) has an envelope
  (``ceiling_km``, ``range_km``); the attacker's strike and ISR drones have a working
  altitude (``altitude_km``: which air defence reaches them).

Notes (not errors): a defender without a route; the parts of a scenario the engine does not
read — the attacker's air defence, the defender's drones, electronic-warfare systems in the
``radar`` role.
"""

from __future__ import annotations

from polemos.scenario.schema import parameter_range, range_problem

SHOOTERS = ("sam_long", "sam_medium", "sam_short", "manpads", "aaa")
Found = list[tuple[tuple, str]]


def required_parameters(components=None) -> dict[str, list[str]]:
    """Parameter ("component.key") -> the components that read it."""
    from polemos.campaign.components import default_components

    out: dict[str, list[str]] = {}
    for c in components or default_components():
        for name in c.params:
            out.setdefault(name, []).append(c.name)
    return out


def campaign_problems(sc) -> tuple[Found, Found]:
    """(problems, notes) of a scenario for the campaign engine, each (key path, message)."""
    problems: Found = []
    notes: Found = []
    _parameters(sc, problems)
    _theatre(sc, problems, notes)
    _forces(sc, problems, notes)
    return problems, notes


def _parameters(sc, out: Found) -> None:
    for name, readers in required_parameters().items():
        comp, _, key = name.partition(".")
        p = sc.parameters.get(comp, {}).get(key)
        if p is None:
            out.append((("parameters", comp), f"'{name}' is missing: read by "
                        f"{', '.join(readers)} (the engine's defaults give it unless the "
                        "scenario replaced the table)"))
            continue
        lo, hi = p.prior if p.prior is not None else p.range
        lo, hi = min(lo, p.value, *p.range), max(hi, p.value, *p.range)
        msg = range_problem(lo, hi, parameter_range(name, p.unit, engine=True))
        if msg is not None:
            out.append((("parameters", comp, key, "value"), f"{msg} (read by "
                        f"{', '.join(readers)})"))


def _theatre(sc, out: Found, notes: Found) -> None:
    sides = list(sc.sides)
    if len(sides) != 2 or sorted(s.role for s in sc.sides.values()) != ["attacker", "defender"]:
        return                                   # reported by the cross-reference rules
    att, dfd = sc.attacker, sc.defender
    contestable = {k for k, s in sc.sectors.items()
                   if s.controller == dfd and s.region != "defender_rear"}
    attacker_held = {k for k, s in sc.sectors.items() if s.controller == att}
    if not contestable:
        out.append((("sectors",), f"no sector can change hands: the defender '{dfd}' must hold "
                    "at least one sector outside its rear (region other than 'defender_rear')"))
    else:
        front = any(a in contestable and b in attacker_held or b in contestable
                    and a in attacker_held for a, b in (link.between for link in sc.links.values()))
        if not front:
            out.append((("links",), f"no sector the defender '{dfd}' can lose borders one the "
                        f"attacker '{att}' holds: there is no front, nothing would be fought over "
                        "(link a sector of each side)"))
    if not any(r.side == att for r in sc.routes.values()):
        out.append((("routes",), f"the attacker '{att}' has no route: its supply and troop lift "
                    "come from its open routes (logistics), so it would have no supply and no "
                    "combat power; give it at least one [routes.<id>] with side = "
                    f"\"{att}\""))
    if not any(r.side == dfd for r in sc.routes.values()):
        notes.append((("routes",), f"the defender '{dfd}' has no route: a blockaded enclave, "
                      "every sector it holds is cut off from day 1 (it fights on its stocks, then "
                      "at logistics.cutoff_power) and its reserve and mobilised men cannot move "
                      "(they move on its routes' lift)"))
    for oid, o in sc.objectives.items():
        sector = sc.sectors.get(o.sector)
        if sector is None:
            continue
        if o.side != sector.controller:
            out.append((("objectives", oid, "side"), f"'{o.side}' does not hold sector "
                        f"'{o.sector}' ('{sector.controller}' does)"))
        elif o.sector not in contestable:
            out.append((("objectives", oid, "sector"), f"sector '{o.sector}' cannot change hands "
                        f"(only the defender's sectors outside its rear can be taken): "
                        f"objective '{oid}' could never fall"))
        for j, rid in enumerate(o.cuts_routes):
            r = sc.routes.get(rid)
            if r is not None and r.side != dfd:
                out.append((("objectives", oid, "cuts_routes", j), f"route '{rid}' is the "
                            f"attacker's: only the defender's routes are cut"))
    for aid, actor in sc.actors.items():
        for j, rl in enumerate(actor.red_lines):
            where = ("actors", aid, "red_lines", j, "target")
            if rl.trigger == "route_cut":
                r = sc.routes.get(rl.target)
                if r is not None and r.side != dfd:
                    out.append((where, f"route '{rl.target}' is the attacker's: only the "
                                "defender's routes are cut, so this red line could never be "
                                "crossed"))
            elif rl.target in sc.sectors and rl.target not in contestable:
                out.append((where, f"sector '{rl.target}' cannot change hands, so this red "
                            "line could never be crossed"))


def _forces(sc, out: Found, notes: Found) -> None:
    if sorted(s.role for s in sc.sides.values()) != ["attacker", "defender"]:
        return
    att, dfd = sc.attacker, sc.defender
    f_att, f_dfd = sc.forces.get(att), sc.forces.get(dfd)
    if f_dfd is not None:
        for k, a in f_dfd.air_defence.items():
            if a.class_ in SHOOTERS:
                for key in ("ceiling_km", "range_km"):
                    if getattr(a, key) is None:
                        out.append((("forces", dfd, "air_defence", k), f"a {a.class_} needs "
                                    f"'{key}' (its engagement envelope): without it it shoots "
                                    "nothing"))
        if f_dfd.drones:
            notes.append((("forces", dfd, "drones"), "the engine models the attacker's drones "
                          "only: the defender's are not read"))
    if f_att is not None:
        for k, d in f_att.drones.items():
            if d.role in ("strike", "isr") and d.altitude_km is None:
                out.append((("forces", att, "drones", k), f"a {d.role} drone needs "
                            "'altitude_km' (its working altitude decides which air defence "
                            "reaches it)"))
        if f_att.air_defence:
            notes.append((("forces", att, "air_defence"), "the engine models the defender's "
                          "air defence only: the attacker's is not read"))
    for side, f in ((att, f_att), (dfd, f_dfd)):
        for k, e in (f.electronic_warfare.items() if f is not None else ()):
            if e.role == "radar":
                notes.append((("forces", side, "electronic_warfare", k), "role 'radar' is not "
                              "read (the engine counts jamming and counter_drone systems)"))
