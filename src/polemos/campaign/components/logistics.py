"""Logistics: routes, supply, cut-off sectors, mobilisation and reinforcement.

A route is open while its side holds every sector on its path (the attacker holds less than
``logistics.cut_share`` of each) and no objective that cuts it has fallen; drone and missile
strikes on it (and the attacker's ballistic missiles, ``logistics.missile_strikes_per_launcher_day``
per launcher: the LORA strike on the bridge to Armenia, CACI Analyst) reduce its capacity by
``logistics.damage_per_strike`` each, repaired at
``logistics.repair_share`` per day. A side's daily throughput is the sum of its open routes'
capacities (t/day). Supply ratio = min(1, throughput / (personnel ×
``logistics.consumption_t_per_person_day``)); combat power scales with supply^
``logistics.supply_elasticity``. Defender sectors that no open route reaches through sectors it
still holds are cut off: they live on ``logistics.stock_days`` of stocks, then fight at
``logistics.cutoff_power``. Mobilised troops arrive at most at the mobilisation rate and at
most at what the network can lift: throughput × ``logistics.troop_lift_share`` /
``logistics.t_per_person_moved`` persons per day. So the "ten times faster" of the sources is
an output: the ratio of the two sides' lift, read off the network (recorded daily).
Sources: [CK] claim 6; route data in the scenario.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import any_per_run, fill_where, ratio


class Logistics(Component):
    """Road and rail throughput, supply, cut-off sectors and mobilisation."""

    name = "logistics"
    params = tuple(f"logistics.{k}" for k in (
        "cut_share", "damage_per_strike", "repair_share", "consumption_t_per_person_day",
        "supply_elasticity", "stock_days", "cutoff_power", "troop_lift_share",
        "t_per_person_moved", "missile_strikes_per_launcher_day"))

    def init(self, sim):
        th, st, p = sim.theatre, sim.state, sim.params
        f = {k[7:]: v for k, v in sim.bound.items() if k.startswith("forces.")}   # (n, 2)
        st.mob_left = f["personnel_mobilised"].copy()
        st.mob_rate = np.ascontiguousarray(f["personnel_mobilised"]
                                           / np.maximum(f["mobilisation_days"], 1.0))
        cols = th.cols
        self.cols = th.col_block          # a slice when consecutive: views, not copies
        st.stock = np.broadcast_to(p["logistics.stock_days"], (st.n, len(cols))).copy()
        st.sector_supply = np.ones((st.n, len(cols)))
        self.route_def = (th.route_side == 1)
        self.capacity = np.ascontiguousarray(sim.bound["route_capacity_t"])   # (n, R), as routes
        # (C-ordered, as mob_rate: compacted chunks are, so the compiled kernel sees one layout)
        self.side_matrix = np.stack([~self.route_def, self.route_def], axis=1).astype(float)
        self.side_cols = [np.ascontiguousarray(self.side_matrix[:, k]) for k in (0, 1)]
        self.path = th.route_path.astype(float)                    # (R, S)
        self.adjacency = th.adjacency.astype(np.float32)   # link counts are exact in float32
        self.def_sector = ~th.attacker_held0
        self.steps = max(1, th.n_sectors - 1)
        self.e = p["logistics.supply_elasticity"]
        self.missile_rate = p["logistics.missile_strikes_per_launcher_day"]
        self.cutoff_power = p["logistics.cutoff_power"] ** self.e
        # per run: ballistic-missile strikes a day on the defender's roads, the share of the
        # damage not repaired in a day
        self.missiles = self.missile_rate * sim.bound["forces.ballistic_missiles"][:, 0:1]
        self.unrepaired = 1 - p["logistics.repair_share"]
        self.key_held = self.key_fallen = None   # control and objectives last computed on
        st.supply_power = np.ones((st.n, 2))
        st.sector_power32 = np.ones((len(th.cols), st.n), dtype=np.float32)
        self.update_network(sim)

    def update_network(self, sim):
        """Open routes, throughput, supply and the sectors an open route still reaches.
        Route states and reach change only when control crosses ``cut_share`` or an objective
        falls (only the contestable sectors change hands), so they are recomputed only for
        those runs."""
        th, st, p = sim.theatre, sim.state, sim.params
        cut_share = p["logistics.cut_share"]
        held_c = st.ctrl[:, self.cols] >= cut_share                        # (n, C)
        fallen = st.objective_day >= 0                                      # (n, O)
        if self.key_held is None:
            rows = np.ones(st.n, dtype=bool)
        else:
            rows = any_per_run(held_c != self.key_held) | any_per_run(fallen != self.key_fallen)
        self.key_held, self.key_fallen = held_c, fallen
        if rows.any():
            held_att = st.ctrl[rows] >= cut_share[rows]                    # (m, S)
            blocked = (held_att.astype(float) @ self.path.T) > 0            # (m, R)
            if th.objective_cuts.size:
                blocked |= (fallen[rows].astype(float) @ th.objective_cuts.astype(float)) > 0
            route_open = ~(blocked & self.route_def[None, :])
            st.route_open[rows] = route_open
            # defender sectors reached by an open route through sectors it still holds
            held_def = ~held_att & self.def_sector
            reach = ((route_open & self.route_def).astype(float) @ self.path) > 0
            reach &= held_def
            # grown a link a step through held sectors, each run until its set stops growing
            # (a run whose set did not grow is done: another step would change nothing)
            grow = np.arange(len(reach))
            for _ in range(self.steps):
                r = reach[grow]
                grown = r | (((r.astype(np.float32) @ self.adjacency) > 0) & held_def[grow])
                changed = any_per_run(grown != r)
                if not changed.any():
                    break
                grow = grow[changed]
                reach[grow] = grown[changed]
            st.connected[rows] = reach | ~th.contestable[None, :]
        cap = self.capacity * (1 - st.interdiction) * st.route_open
        st.open_capacity = cap                                               # (n, R) t/day
        throughput = np.stack([(cap * col).sum(axis=1) for col in self.side_cols],
                              axis=1)                                        # (n, 2) t/day
        demand = st.pers * p["logistics.consumption_t_per_person_day"]
        st.supply = np.minimum(1.0, ratio(throughput, demand, 1.0))
        st.supply_power = np.where(st.supply < 1.0, st.supply ** self.e, 1.0)   # 1^e = 1
        st.lift = throughput * p["logistics.troop_lift_share"] / p["logistics.t_per_person_moved"]
        return throughput

    @staticmethod
    def _by_connection(cut, cut_dry, connected, dry):
        """(n, C): ``connected`` (n, 1) where a road reaches the sector, ``dry`` (n, 1) where it
        is cut off and out of stocks, else (cut off, with stocks) 1. Filled with ``connected``,
        then the few cut-off entries overwritten."""
        out = np.empty(cut.shape)
        out[...] = connected
        fill_where(out, cut, 1.0)
        return fill_where(out, cut_dry, dry)

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        live = st.alive[:, None]
        # strikes on the defender's open routes, spread by capacity
        open_def = (st.route_open & self.route_def[None, :]) * self.capacity
        tot = open_def.sum(axis=1, keepdims=True)
        share = ratio(open_def, tot)
        strikes = st.drone_strikes_on_routes + self.missiles
        dmg = share                                                     # in place:
        dmg *= strikes                                                  # strikes × share
        dmg *= p["logistics.damage_per_strike"]
        dmg *= live
        interdiction = st.interdiction * self.unrepaired
        interdiction += dmg
        st.interdiction = np.clip(interdiction, 0, 1, out=interdiction)
        self.update_network(sim)
        # cut-off sectors draw down their stocks, then fight at cutoff_power (where a road
        # reaches a sector: full stocks, the side's supply; filled with those, then the few
        # cut-off entries overwritten, rather than picked by np.where)
        conn = st.connected[:, self.cols]                                  # (n, C)
        cut = ~conn                          # cut off: few (n, C) entries
        drawn = np.subtract(st.stock, live)
        np.maximum(drawn, 0.0, out=drawn)
        stock = np.empty_like(drawn)
        stock[...] = p["logistics.stock_days"]
        fill_where(stock, cut, drawn)
        st.stock = stock
        cut_dry = cut & ~(stock > 0)         # cut off and out of stocks
        st.sector_supply = self._by_connection(cut, cut_dry, st.supply[:, 1:2],
                                               p["logistics.cutoff_power"])
        # the defender's supply factor on its power, sector-major float32 as the arrays it
        # scales (the float64 values rounded once, whichever is picked)
        power = np.empty(cut.shape[::-1], dtype=np.float32)                # (C, n)
        power[...] = st.supply_power[:, 1]
        fill_where(power, cut.T, 1.0)
        fill_where(power, cut_dry.T, self.cutoff_power[:, 0])
        st.sector_power32 = power
        # mobilisation, limited by the rate and by what the network can lift
        arrive = np.minimum(np.minimum(st.mob_left, st.mob_rate), st.lift) * live
        st.mob_left -= arrive
        st.ap += arrive[:, 0]             # the attacker's theatre pool
        st.dres += arrive[:, 1]           # the defender's reserve
        st.pers += arrive
        sim.record_day("lift", day, st.lift)

