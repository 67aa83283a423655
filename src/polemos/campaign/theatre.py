"""The theatre compiled to static arrays: sectors, adjacency, routes, objectives, forces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RELIEF = ("plain", "foothill", "mountain")
EQUIPMENT = ("tanks", "ifv_apc", "tube_artillery", "rocket_launchers")
AD_CLASSES = ("sam_long", "sam_medium", "sam_short", "manpads", "aaa", "radar", "decoy")


@dataclass
class Theatre:
    """Static description of a scenario as arrays (sector order = ``sector_ids``).

    Side index 0 is the attacker, 1 the defender.
    """

    sector_ids: list[str]
    sector_names: list[str]
    sides: list[str]                 # [attacker, defender]
    area_km2: np.ndarray             # (S,)
    relief: np.ndarray               # (S,) int index into RELIEF
    forest: np.ndarray               # (S,) share
    front_km: np.ndarray             # (S,)
    fort_depth_km: np.ndarray        # (S,)
    depth_km: np.ndarray             # (S,) depth of a sector along the axis of advance, km
    front: list[str]                 # (S,) south / centre / north / rear
    region: list[str]
    attacker_held0: np.ndarray       # (S,) bool: held by the attacker on day 0
    contestable: np.ndarray          # (S,) bool: held by the defender and not its rear
    adjacency: np.ndarray            # (S, S) float 0/1, symmetric
    route_ids: list[str]
    route_side: np.ndarray           # (R,) 0 attacker, 1 defender
    route_capacity_t: np.ndarray     # (R,) tonnes per day
    route_length_km: np.ndarray      # (R,)
    route_path: np.ndarray           # (R, S) bool
    objective_ids: list[str]
    objective_sector: np.ndarray     # (O,) sector index
    objective_cuts: np.ndarray       # (O, R) bool
    forces: dict[str, np.ndarray]    # name -> (2,) per side
    equipment: np.ndarray            # (2, len(EQUIPMENT))
    ad_ids: list[str]
    ad_class: np.ndarray             # (A,) int index into AD_CLASSES
    ad_count: np.ndarray             # (A,) defender's systems
    drone_ids: list[str]
    drone_role: list[str]
    drone_count: np.ndarray          # (D,) attacker's drones
    ew_count: np.ndarray             # (2,) electronic-warfare systems per side (jamming, counter-drone)
    #: (field, index, parameter): elements set by a calibrated parameter, which varies by run
    param_links: list = None
    urban_share: np.ndarray = None       # (S,) share of the fighting in built-up terrain
    population: np.ndarray = None        # (S,) persons
    behind_prepared: np.ndarray = None   # (S,) bool: a prepared defence behind the belt
    objective_value_km2: np.ndarray = None   # (O,) worth to the attacker, km2 of territory
    objective_capital: np.ndarray = None     # (O,) bool: the holder's seat of government
    objective_hops: np.ndarray = None    # (O, S) links from each sector to each objective
    ad_ceiling_km: np.ndarray = None     # (A,) engagement envelope: top altitude
    ad_range_km: np.ndarray = None       # (A,) slant range
    ad_channels: np.ndarray = None       # (A,) targets engaged at once per system
    drone_altitude_km: np.ndarray = None  # (D,) working altitude
    drone_endurance_h: np.ndarray = None  # (D,) time on station per sortie
    redline_route: np.ndarray = None     # (L,) route index of a route_cut red line, else -1
    redline_sector: np.ndarray = None    # (L,) sector index of a sector_taken red line, else -1
    redline_delay_days: np.ndarray = None  # (L,)
    redline_actor: list = None           # (L,) actor ids

    def bind(self, params, n: int) -> dict[str, np.ndarray]:
        """Per-run copies, shaped (n, ...), of the fields that parameters set."""
        fields = {"equipment": self.equipment, "ad_count": self.ad_count,
                  "drone_count": self.drone_count, "route_capacity_t": self.route_capacity_t,
                  "fort_depth_km": self.fort_depth_km, "ew_count": self.ew_count,
                  "objective_value_km2": self.objective_value_km2,
                  "ad_ceiling_km": self.ad_ceiling_km, "ad_range_km": self.ad_range_km,
                  "ad_channels": self.ad_channels, "redline_delay_days": self.redline_delay_days}
        fields.update({f"forces.{k}": v for k, v in self.forces.items()})
        out = {k: np.broadcast_to(v, (n,) + v.shape).astype(float) for k, v in fields.items()}
        for field, idx, name, central in self.param_links or ():
            if field in out and name in params.values:
                out[field][(slice(None),) + idx] += params[name][:, 0] - central
        return out

    @property
    def cols(self) -> np.ndarray:
        """Indices of the sectors that can change hands (the defender's, outside its rear)."""
        return np.flatnonzero(self.contestable)

    @property
    def col_block(self) -> slice | np.ndarray:
        """``cols`` as a slice when those sectors are consecutive (reading and writing the
        (runs, S) arrays' columns through a slice is 3× faster than through indices)."""
        c = self.cols
        return slice(int(c[0]), int(c[-1]) + 1) if len(c) and (np.diff(c) == 1).all() else c

    @property
    def n_sectors(self) -> int:
        return len(self.sector_ids)

    @property
    def defender_area0(self) -> float:
        """Area held by the defender on day 0 outside its rear (km²)."""
        return float(self.area_km2[self.contestable].sum())


def compile_theatre(sc) -> Theatre:
    """Arrays of a validated scenario (references resolved to central values)."""
    from polemos.scenario.quantity import ParamRef

    att, dfd = sc.attacker, sc.defender
    sides = [att, dfd]
    links: list = []

    def q(x, field, idx):
        """Central value of a quantity; remember it if a parameter sets it."""
        val = sc.value(x)
        if isinstance(x, ParamRef):
            links.append((field, idx, x.param, val))
        return val

    ids = list(sc.sectors)
    idx = {s: i for i, s in enumerate(ids)}
    secs = [sc.sectors[s] for s in ids]
    v = sc.value
    area = np.array([v(s.area_km2) for s in secs])
    front_km = np.array([v(s.front_km) for s in secs])
    adj = np.zeros((len(ids), len(ids)))
    for link in sc.links.values():
        a, b = (idx[x] for x in link.between)
        adj[a, b] = adj[b, a] = 1.0
    rids = list(sc.routes)
    path = np.zeros((len(rids), len(ids)), dtype=bool)
    for r, rid in enumerate(rids):
        for s in sc.routes[rid].path:
            path[r, idx[s]] = True
    oids = list(sc.objectives)
    cuts = np.zeros((len(oids), len(rids)), dtype=bool)
    for o, oid in enumerate(oids):
        for rid in sc.objectives[oid].cuts_routes:
            cuts[o, rids.index(rid)] = True
    f_att, f_def = sc.forces[att], sc.forces[dfd]
    forces = {k: np.array([q(getattr(f, k), f"forces.{k}", (i,)) for i, f in
                           enumerate((f_att, f_def))]) for k in (
        "personnel_standing", "personnel_mobilised", "mobilisation_days", "volunteers",
        "foreign_fighters", "ballistic_missiles")}
    equipment = np.array([[q(getattr(f, k), "equipment", (i, j)) for j, k in enumerate(EQUIPMENT)]
                          for i, f in enumerate((f_att, f_def))])
    for i, f in enumerate((f_att, f_def)):   # formations counted apart (e.g. a separate army)
        for x in f.extra_equipment.values():
            j = EQUIPMENT.index(x.category)
            equipment[i, j] += q(x.count, "equipment", (i, j))
    ad = f_def.air_defence
    drones = f_att.drones
    ew = np.array([sum(q(e.count, "ew_count", (i,)) for e in f.electronic_warfare.values()
                       if e.role in ("jamming", "counter_drone"))
                   for i, f in enumerate((f_att, f_def))], dtype=float)
    fort = np.array([q(s.fortified_line_depth_km, "fort_depth_km", (i,))
                     for i, s in enumerate(secs)])
    caps = np.array([q(sc.routes[r].capacity_t_per_day, "route_capacity_t", (i,))
                     for i, r in enumerate(rids)])
    ad_count = np.array([q(a.count, "ad_count", (i,)) for i, a in enumerate(ad.values())])
    drone_count = np.array([q(d.count, "drone_count", (i,)) for i, d in enumerate(drones.values())])
    held0 = np.array([s.controller == att for s in secs])

    def opt(x, default=0.0):
        return default if x is None else v(x)

    objs = [sc.objectives[o] for o in oids]
    red = [(a, rl) for a, actor in sc.actors.items() for rl in actor.red_lines]
    return Theatre(
        sector_ids=ids, sector_names=[s.name for s in secs], sides=sides, area_km2=area,
        relief=np.array([RELIEF.index(s.relief) for s in secs]),
        forest=np.array([v(s.forest_share) for s in secs]), front_km=front_km,
        fort_depth_km=fort,
        depth_km=np.sqrt(area), front=[s.front for s in secs], region=[s.region for s in secs],
        attacker_held0=held0,
        contestable=np.array([s.controller == dfd and s.region != "defender_rear"
                              for s in secs]),
        adjacency=adj, route_ids=rids,
        route_side=np.array([0 if sc.routes[r].side == att else 1 for r in rids], dtype=int),
        route_capacity_t=caps,
        route_length_km=np.array([v(sc.routes[r].length_km) for r in rids]),
        route_path=path,
        objective_ids=oids,
        objective_sector=np.array([idx[sc.objectives[o].sector] for o in oids], dtype=int),
        objective_cuts=cuts, forces=forces, equipment=equipment,
        ad_ids=list(ad), ad_class=np.array([AD_CLASSES.index(a.class_) for a in ad.values()],
                                           dtype=int),
        ad_count=ad_count.astype(float),
        drone_ids=list(drones), drone_role=[d.role for d in drones.values()],
        drone_count=drone_count.astype(float),
        ew_count=ew, param_links=links,
        urban_share=np.array([opt(s.urban_share) for s in secs]),
        population=np.array([v(s.population) for s in secs]),
        behind_prepared=np.array([s.behind_line == "prepared" for s in secs]),
        objective_value_km2=np.array([0.0 if o.value_km2 is None else
                                      q(o.value_km2, "objective_value_km2", (i,))
                                      for i, o in enumerate(objs)]),
        objective_capital=np.array([o.capital for o in objs], dtype=bool),
        objective_hops=np.array([hops_to(adj, [idx[o.sector]]) for o in objs]).reshape(
            len(objs), len(ids)),
        ad_ceiling_km=np.array([0.0 if a.ceiling_km is None else
                                q(a.ceiling_km, "ad_ceiling_km", (i,))
                                for i, a in enumerate(ad.values())]),
        ad_range_km=np.array([0.0 if a.range_km is None else q(a.range_km, "ad_range_km", (i,))
                              for i, a in enumerate(ad.values())]),
        # a launcher or mount engages one target at a time unless the scenario says otherwise
        ad_channels=np.array([1.0 if a.channels is None else q(a.channels, "ad_channels", (i,))
                              for i, a in enumerate(ad.values())]),
        drone_altitude_km=np.array([opt(d.altitude_km) for d in drones.values()]),
        drone_endurance_h=np.array([opt(d.endurance_h, 1.0) for d in drones.values()]),
        redline_route=np.array([rids.index(rl.target) if rl.trigger == "route_cut" else -1
                                for _, rl in red], dtype=int),
        redline_sector=np.array([idx[rl.target] if rl.trigger == "sector_taken" else -1
                                 for _, rl in red], dtype=int),
        redline_delay_days=np.array([q(rl.delay_days, "redline_delay_days", (j,))
                                     for j, (_, rl) in enumerate(red)]),
        redline_actor=[a for a, _ in red],
    )


def hops_to(adjacency: np.ndarray, targets: list[int]) -> np.ndarray:
    """Breadth-first distance (in links) from every sector to the nearest target sector."""
    n = adjacency.shape[0]
    hops = np.full(n, n, dtype=float)
    frontier = list(targets)
    for t in targets:
        hops[t] = 0
    while frontier:
        nxt = []
        for i in frontier:
            for j in np.flatnonzero(adjacency[i]):
                if hops[j] > hops[i] + 1:
                    hops[j] = hops[i] + 1
                    nxt.append(j)
        frontier = nxt
    return hops
