"""Movement and the states of a sector's defence: break-in, breakthrough, exploitation.

Each contestable sector's defence is in one state (QJM postures): *fortified* while the
attacker is still inside the pre-war fortified belt (depth ``fortified_line_depth_km``),
then what lies behind the belt (scenario data ``behind_line``: *prepared*, or *hasty* when
nothing was built behind the one line), and *broken* (a withdrawal) once the defence breaks.

Advance per day (km) on a sector with power ratio R ≥ 1:

    v = ``movement.advance_km_per_day`` (QJM: infantry against a prepared defence at R = 1.46)
        × ``movement.advance_scale`` × terrain (relief; built-up share at QJM Urban 0.7)
        × posture(state) (QJM: fortified 0.58, prepared 1, hasty 2.17 of the prepared rate)
        × (R / 1.46)^γ × attacker supply^e

below R = 1 the defender counter-attacks at ``movement.counterattack_share`` of the rate at the
inverse ratio. A *broken* defence is exploited: the attacker advances at
``movement.exploitation_km_per_day`` (road march against a defence in withdrawal) × terrain ×
supply^e. Penetration depth accumulates; control = depth / the sector's depth (√area).

Breakthrough: the defence breaks when R ≥ ``movement.break_ratio`` or its strength falls below
``movement.break_strength`` of its peak. A broken defence withdraws ``movement.withdraw_share``
of its troops (and their equipment) a day to the reserve; cut off (no open route reaches it),
they cannot, and stay to be taken. The sector is taken when the attacker holds
``movement.capture_share`` of it: the defenders still in it withdraw if they can, leaving
``movement.abandon_share`` of their equipment and air defence behind (captured or
abandoned); cut off, they lose all of it and ``movement.captured_share`` of them are taken
prisoner or go missing (the rest slip out on foot). Culmination: the advance scales with
the attacker's supply, and stops with its breakpoint (termination).

Envelopment: a sector whose flanks are taken is a salient the defender cannot hold. With N_c
the sectors adjacent to c that its side held on day 0 (its rear included: those are never
taken) and T_c those of them the attacker has since taken, the defence of c breaks when

    |T_c| / |N_c| ≥ ``movement.envelop_share``

(no contact needed): it withdraws like any broken defence if a road still reaches it, else it
is trapped and taken with the sector. At 1 only an encircled sector breaks so. Sources: Dupuy
QJM advance and posture tables (OPORD-QJM transcription); Epstein's adaptive withdrawal;
Dupuy, *Understanding War* (1987), on flank and rear attack.
"""

from __future__ import annotations

import numpy as np

from polemos.campaign.component import Component
from polemos.campaign.components.ground_combat import REFERENCE_RATIO, urban_blend
from polemos.campaign.kernels import kernel_module
from polemos.campaign.sectors import (
    BROKE_BY_CAPTURE,
    BROKE_BY_ENVELOPMENT,
    BROKE_IN_COMBAT,
    BROKEN,
    CAPTURED,
    FORTIFIED,
    HASTY,
    PREPARED,
    by_relief,
    by_state,
    fill_where,
    front,
    lose_air_defence,
    posture_names,
    relief_names,
    rows_of,
    state_factor,
    total,
    touched_runs,
)

#: the parameters advance_terrain reads
ADVANCE_PARAMS = relief_names("movement.terrain_advance") + ("movement.urban_advance",)


def defence_breaks(ratio, strength, peak, break_ratio, break_strength):
    """Breakthrough, as a plain function on arrays: a defence breaks when the power ratio
    reaches ``break_ratio`` or its ``strength`` (persons) is worn below ``break_strength`` of
    its ``peak``."""
    return (ratio >= break_ratio) | (strength < break_strength * peak)


def flank_counts(th) -> tuple[np.ndarray, np.ndarray]:
    """The envelopment rule's graph: (C, C) float32 0/1 adjacency among the contestable
    sectors (a product with 0/1 counts sums small whole numbers: exact in float32, whatever
    the order of the sums, and 20× faster than an integer matmul, which has no BLAS), and
    (C,) how many of each contestable sector's neighbours its side (the defender) held on day
    0, its rear included (a sector with none is never enveloped: its count is set out of
    reach)."""
    cols = th.cols
    adj = th.adjacency > 0
    held0 = (adj[cols] & ~th.attacker_held0[None, :]).sum(axis=1).astype(float)
    return adj[np.ix_(cols, cols)].astype(np.float32), np.where(held0 > 0, held0, np.inf)


def ratio_speed(log_ratio, gamma):
    """The advance's power-ratio factor (R / 1.46)^γ = exp(γ (|ln R| − ln 1.46)), dimensionless,
    float32, from ``log_ratio`` ln R ((…, n) float32) and the exponent ``gamma`` γ ((n,)); |ln R|:
    below R = 1 the defender counter-attacks at the rate of the inverse ratio. Both engines
    take it from here (numpy's float32 ``exp``)."""
    speed = np.abs(log_ratio)
    speed -= np.float32(np.log(REFERENCE_RATIO))
    speed *= gamma
    return np.exp(speed, out=speed)


def advance_terrain(sim) -> np.ndarray:
    """(C, n) QJM advance factor of each contestable sector's relief and built-up share."""
    th = sim.theatre
    return urban_blend(by_relief(sim, "movement.terrain_advance"),
                       sim.params.row("movement.urban_advance"),
                       th.urban_share[th.cols, None].astype(np.float32), np.minimum)


class Movement(Component):
    """Sector states (fortified → behind the belt → broken), advance, exploitation, capture."""

    name = "movement"
    params = tuple(f"movement.{k}" for k in (
        "advance_km_per_day", "advance_scale", "ratio_exponent", "counterattack_share",
        "exploitation_km_per_day", "break_ratio", "break_strength", "withdraw_share",
        "capture_share", "abandon_share", "captured_share", "envelop_share")) + ADVANCE_PARAMS + posture_names(
        "movement.posture_advance")

    def init(self, sim):
        p, th, st = sim.params, sim.theatre, sim.state
        cols = th.cols
        self.cols = th.col_block          # a slice when consecutive: views, not copies
        self.depth = th.depth_km[cols, None].astype(np.float32)
        terr = advance_terrain(sim)
        self.base = p.row("movement.advance_km_per_day") * p.row("movement.advance_scale") * terr
        self.exploit = p.row("movement.exploitation_km_per_day") * terr
        self.posture = by_state(sim, "movement.posture_advance")              # (4, n)
        self.behind = np.where(th.behind_prepared[cols], PREPARED, HASTY)[:, None]
        self.belt = sim.bound["fort_depth_km"][:, cols].T.astype(np.float32)   # (C, n) km
        st.sector_state = np.where(self.belt > 0, FORTIFIED, self.behind).astype(np.int8)
        st.pen = st.ctrl_c * self.depth                                       # (C, n) km
        self.area = th.area_km2[cols].astype(np.float32)
        st.taken_km2 = total(self.area[:, None] * st.ctrl_c)
        self.flanks, self.flanks_held0 = flank_counts(th)
        self.theatre_cols = cols

    def step(self, sim, day):
        if sim.engine == "numba":
            return kernel_module(self.name).step(self, sim, day)
        st, p = sim.state, sim.params
        act = st.active * st.alive
        # the advance, on the sectors fought over in some run (elsewhere it is 0)
        rows = front(st)
        lr = rows_of(st.log_ratio, rows)
        supply = st.supply_power[:, 0].astype(np.float32)
        speed = ratio_speed(lr, p.row("movement.ratio_exponent"))
        fwd = np.broadcast_to(-p.row("movement.counterattack_share"), lr.shape).copy()
        fill_where(fwd, lr >= 0, 1.0)
        v = rows_of(self.base, rows) * rows_of(
            state_factor(sim, "movement.posture_advance", self.posture), rows)
        v *= speed
        v *= fwd
        fill_where(v, rows_of(st.sector_state, rows) == BROKEN, rows_of(self.exploit, rows))
        v *= supply
        v *= rows_of(act, rows)
        before = st.pen
        pen = np.add(rows_of(before, rows), v, out=v)
        np.maximum(pen, np.float32(0), out=pen)          # clipped to [0, depth]
        np.minimum(pen, rows_of(self.depth, rows), out=pen)
        if rows is not None:
            pen, front_pen = before.copy(), pen
            pen[rows] = front_pen
        st.pen = pen
        st.gained = st.pen > before
        st.ctrl_c = st.pen / self.depth
        # break-in: beyond the fortified belt the defence is what was built behind it
        state = st.sector_state.copy()     # a new array: cached state factors are of the old
        was = state == BROKEN              # broken before today (its break already recorded)
        through = (state == FORTIFIED) & (st.pen >= self.belt)
        fill_where(state, through, self.behind)
        # breakthrough: the defence breaks on a high power ratio or when worn down
        breaks = act.astype(bool) & defence_breaks(st.power_ratio, st.dp, st.dp_peak,
                                                   p.row("movement.break_ratio"),
                                                   p.row("movement.break_strength"))
        fill_where(state, breaks, BROKEN)
        self._first_breaks(st, state, was, BROKE_IN_COMBAT, day)
        # a broken defence withdraws to the reserve if a road still reaches it
        conn = st.connected[:, self.cols].T
        out = p.row("movement.withdraw_share") * ((state == BROKEN) & conn & st.alive)
        self._withdraw(st, out, np.float32(0))
        # capture
        cap = p.row("movement.capture_share")
        newly = (st.ctrl_c >= cap) & (st.sector_day[:, self.cols].T < 0) & st.alive
        if newly.any():                           # capture days, for the runs that took one
            days = st.sector_day[:, self.cols]
            days[newly.T] = day
            st.sector_day[:, self.cols] = days
            leave = newly & conn
            self._withdraw(st, leave.astype(np.float32), p.row("movement.abandon_share"))
            trapped = newly & ~conn
            self._capture(st, trapped, p.row("movement.captured_share").astype(float))
            state[newly] = BROKEN
            self._first_breaks(st, state, was, BROKE_BY_CAPTURE, day)
            # envelopment: the sectors whose flanks fell with today's captures break
            taken = (st.sector_day[:, self.cols] >= 0).T.astype(np.float32)     # (C, n)
            enveloped = self.flanks @ taken >= (p.row("movement.envelop_share")
                                                * self.flanks_held0[:, None])
            np.copyto(state, BROKEN, where=enveloped & st.alive)
            self._first_breaks(st, state, was, BROKE_BY_ENVELOPMENT, day)
        st.sector_state = state
        st.ctrl[:, self.cols] = st.ctrl_c.T
        st.taken_km2 = total(self.area[:, None] * st.ctrl_c)
        obj = sim.theatre.objective_sector
        if len(obj):
            fell = (st.ctrl[:, obj] >= cap[:, None]) & (st.objective_day < 0)
            st.objective_day[fell] = day

    def _first_breaks(self, st, state, was, cause: int, day: int) -> None:
        """Record the day and ``cause`` of the defences BROKEN in ``state`` that were not in
        ``was`` ((C, n), updated: a defence breaks once, BROKEN is never left)."""
        new = state == BROKEN
        new &= ~was
        if new.any():
            c, r = np.nonzero(new)
            col = self.theatre_cols[c]
            st.sector_break_day[r, col] = day
            st.sector_break_by[r, col] = cause
            was |= new

    @staticmethod
    def _withdraw(st, share, abandon):
        """Move ``share`` (C, n) of each sector's defenders to the reserve; ``abandon`` (n,) of
        their equipment and air defence stays behind (captured or abandoned). Works on the runs
        where something moves."""
        runs = touched_runs(share)
        if not len(runs):
            return
        if 2 * len(runs) > st.dp.shape[-1]:      # most runs: in place on the whole arrays
            Movement._withdraw_all(st, share, abandon)
            return
        sh = share[:, runs]
        dp = st.dp[:, runs]
        moved = dp * sh
        st.dp[:, runs] = dp - moved
        st.dres[runs] += total(moved)
        de = st.de[:, :, runs]
        eq = de * sh
        st.de[:, :, runs] = de - eq
        if Movement._abandons_nothing(abandon):
            st.dres_e[:, runs] += eq.sum(axis=1, dtype=float)
            return
        ab = abandon[runs] if np.ndim(abandon) else abandon
        left = eq * ab
        st.dres_e[:, runs] += (eq - left).sum(axis=1, dtype=float)
        st.loss_e[CAPTURED, 1][:, runs] += left.sum(axis=1, dtype=float)
        lose_air_defence(st, sh * ab, CAPTURED, runs)

    @staticmethod
    def _abandons_nothing(abandon) -> bool:
        """A withdrawal that leaves nothing behind (the daily one of a broken defence): what
        it would book as abandoned is 0 and is skipped (adding 0 changes nothing)."""
        return not np.ndim(abandon) and abandon == 0

    @staticmethod
    def _withdraw_all(st, share, abandon):
        """:meth:`_withdraw` on every run (nothing moves where ``share`` is 0: the same
        numbers as on the runs it touches)."""
        moved = st.dp * share
        st.dp -= moved
        st.dres += total(moved)
        eq = st.de * share
        st.de -= eq
        if Movement._abandons_nothing(abandon):
            st.dres_e += eq.sum(axis=1, dtype=float)
            return
        left = eq * abandon
        eq -= left
        st.dres_e += eq.sum(axis=1, dtype=float)
        st.loss_e[CAPTURED, 1] += left.sum(axis=1, dtype=float)
        lose_air_defence(st, share * abandon, CAPTURED)

    @staticmethod
    def _capture(st, trapped, captured):
        """Cut-off sectors just taken: ``captured`` (n,) of their defenders are taken prisoner
        or missing, the rest slip out on foot to the reserve; all their equipment and air
        defence are lost (captured or abandoned)."""
        runs = touched_runs(trapped)
        if not len(runs):
            return
        m = trapped[:, runs].astype(np.float32)
        dp = st.dp[:, runs]
        st.dp[:, runs] = dp * (1 - m)
        out = dp * m
        taken = total(out) * captured[runs]
        st.cas_c[CAPTURED, 1][runs] += taken
        st.dres[runs] += total(out) - taken
        de = st.de[:, :, runs]
        st.de[:, :, runs] = de * (1 - m)
        st.loss_e[CAPTURED, 1][:, runs] += (de * m).sum(axis=1, dtype=float)
        lose_air_defence(st, m, CAPTURED, runs)
