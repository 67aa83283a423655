"""Monthly forecast of recurrence after a ceasefire (vectorised over runs, loop over months).

Per run, from the ceasefire state (month 0 = ``start_date``):

* **base hazard** - the survival model (:mod:`polemos.ceasefire.recurrence_prior`): monthly
  increments ``dH0(m)`` of the Weibull cumulative hazard at the case's covariates, without
  peacekeepers; the force adds ``b_pk * s(m)`` to the log hazard (``s`` = strength 0..1).
* **peacekeepers** (:func:`peacekeeping_strength`) - the strength ``s`` falls after an outside
  shock to the patron, an early drawdown, or notice before the renewal; ``b_pk`` is split into
  monitoring (a share ``phi``, also lowering clashes) and a restart cost
  ``R = -(1 - phi) b_pk s / (2 gap_effect)`` (prize shares, paid by whoever restarts).
* **beliefs** - each side's logit belief about ``q`` (P(Azerbaijan wins a renewed war)) drifts
  as a random walk, learns from clashes and mediators' information, shifts with technology
  signals and resets in part when Armenia's leader changes (:mod:`polemos.ceasefire.leaders`).
* **power** - capability indices grow at each side's rearmament rate (Azerbaijan's scaled by the
  oil price); counter-drone success phases in a gain for Armenia; ``q`` is a contest function.
* **mechanisms** - the log hazard is modulated by the bargaining gap ``G`` (mutual optimism minus
  costs; Blainey, Smith & Stam), the commitment problem ``C`` (probability that the projected
  shift exceeds the cost of war of the side it goes against,
  :func:`polemos.bargaining.commitment.war_probability` with no disagreement), and mediation ``M``
  (attention x leverage), each relative to month 0 (``M`` to a reference level)::

      log h(m) = log dH0(m) + b_pk s(m) + clip(kg (G - G0) + kc (C - C0) - (M - M_ref), +-Lmax)

* **outcomes** - per run, P(large-scale offensive by m) = 1 - prod(1 - h); clash deaths are
  Poisson given a yearly gamma intensity, so P(a year with >= 25 deaths by m) is computed exactly
  given the path; realised events are drawn too (for CRPS and the per-run table).

See ``docs/ceasefire-forecast.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from polemos.ceasefire.inputs import CeasefireInputs, Sampler, stream

__all__ = ["Forecast", "run_forecast", "KEY_MONTHS", "BRANCHES"]

KEY_MONTHS = (12, 24, 36, 60)
BRANCHES = ("leader_change & counterdrone_success", "leader_change & counterdrone_failure",
            "no_leader_change & counterdrone_success", "no_leader_change & counterdrone_failure")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    p = np.clip(p, 1e-9, 1.0 - 1e-9)
    return np.log(p) - np.log1p(-p)


@dataclass
class Forecast:
    """Per-run results (arrays shaped (runs,) or (runs, months)) and their summaries."""

    months: np.ndarray
    p_offensive: np.ndarray  # (runs, months) P(large-scale offensive by month m | run)
    p_clash: np.ndarray  # (runs, months) P(a year with >= 25 battle deaths by month m | run)
    p_initiator: np.ndarray  # (runs, 2) P(offensive by horizon started by [attacker, other])
    initiator_curve: np.ndarray  # (runs, months, 2) the same by month m
    monthly_deaths: np.ndarray  # (runs, months) realised battle deaths
    offensive_month: np.ndarray  # (runs,) realised month of the first offensive, 0 = none
    initiator: np.ndarray  # (runs,) 0 none, 1 attacker (Azerbaijan), 2 the other side
    clash_year_month: np.ndarray  # (runs,) realised month of the first >=25-death year, 0 = none
    leader_change_month: np.ndarray  # (runs,) 0 = none within the horizon
    tech_success: np.ndarray  # (runs,) bool
    tech_month: np.ndarray  # (runs,)
    patron_shock_month: np.ndarray  # (runs,) 0 = none
    log_multiplier: np.ndarray  # (runs, months + 1) the mechanisms' L(m), m = 0..months
    levels: dict[str, np.ndarray]  # (runs, months + 1) gap, commitment, mediation - reference;
    #                                restart cost R (prize shares)
    parameters: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return int(self.p_offensive.shape[0])

    def curve(self, name: str) -> dict[str, np.ndarray]:
        """mean (the forecast probability), median, q10, q90 over runs, per month."""
        x = {"offensive": self.p_offensive, "clash": self.p_clash}[name]
        q10, q50, q90 = np.quantile(x, [0.1, 0.5, 0.9], axis=0)
        return {"mean": x.mean(axis=0), "median": q50, "q10": q10, "q90": q90,
                "mc_se": x.std(axis=0, ddof=1) / np.sqrt(self.runs)}

    def branches(self) -> dict[str, dict[str, float]]:
        """The CF scenario tree: P(branch), P(offensive by the horizon | branch), runs."""
        lc = self.leader_change_month > 0
        out = {}
        for name, mask in zip(BRANCHES, (lc & self.tech_success, lc & ~self.tech_success,
                                         ~lc & self.tech_success, ~lc & ~self.tech_success),
                              strict=True):
            n = int(mask.sum())
            p = float(self.p_offensive[mask, -1].mean()) if n else float("nan")
            out[name] = {"probability": n / self.runs, "p_offensive": p, "runs": n}
        return out

    def initiator_shares(self) -> dict[str, float]:
        """Share of offensives (by the horizon) each side starts, expected over runs."""
        tot = self.p_initiator.sum()
        a, b = self.attrs["sides"]
        if tot <= 0:
            return {a: float("nan"), b: float("nan")}
        return {a: float(self.p_initiator[:, 0].sum() / tot),
                b: float(self.p_initiator[:, 1].sum() / tot)}

    def to_dataset(self):
        """An xarray Dataset (dims run, month) with the summaries as variables too."""
        import xarray as xr

        months = self.months
        data = {
            "p_offensive": (("run", "month"), self.p_offensive),
            "p_clash": (("run", "month"), self.p_clash),
            "monthly_deaths": (("run", "month"), self.monthly_deaths),
            "p_initiator_attacker": (("run",), self.p_initiator[:, 0]),
            "p_initiator_other": (("run",), self.p_initiator[:, 1]),
            "initiator_attacker_mean": (("month",), self.initiator_curve[:, :, 0].mean(axis=0)),
            "initiator_other_mean": (("month",), self.initiator_curve[:, :, 1].mean(axis=0)),
            "offensive_month": (("run",), self.offensive_month.astype(np.int32)),
            "initiator": (("run",), self.initiator.astype(np.int32)),
            "clash_year_month": (("run",), self.clash_year_month.astype(np.int32)),
            "leader_change_month": (("run",), self.leader_change_month.astype(np.int32)),
            "tech_success": (("run",), self.tech_success.astype(np.int8)),
            "tech_month": (("run",), self.tech_month.astype(np.int32)),
            "patron_shock_month": (("run",), self.patron_shock_month.astype(np.int32)),
            "log_multiplier": (("run", "month0"), self.log_multiplier),
        }
        for name in ("offensive", "clash"):
            c = self.curve(name)
            for stat, v in c.items():
                data[f"{name}_{stat}"] = (("month",), v)
        for k, v in self.parameters.items():
            data[f"param__{k.replace('.', '__')}"] = (("run",), v)
        attrs = {k: (v if isinstance(v, (int, float, str)) else str(v))
                 for k, v in self.attrs.items()}
        return xr.Dataset(data, coords={"run": np.arange(self.runs), "month": months,
                                        "month0": np.arange(len(months) + 1)},
                          attrs=attrs)


def calendar_years(start, months: int) -> np.ndarray:
    """``(months,)`` index (0 = the start's year) of the calendar year of each month's midpoint,
    months of 30.4375 days from ``start``."""
    import datetime as dt

    mid = [start + dt.timedelta(days=(m - 0.5) * 30.4375) for m in range(1, months + 1)]
    return np.array([d.year - start.year for d in mid], dtype=int)


def mandate_schedule(present: bool, u_notice: np.ndarray, p_notice: np.ndarray,
                     mandate_months: float, renewal_months: float, notice_months: float,
                     until: float) -> tuple[np.ndarray, np.ndarray]:
    """``(withdraw_month, notice_month)``, each ``(runs,)``, ``inf`` when the force stays.

    The mandate runs ``mandate_months`` and renews automatically for ``renewal_months`` at a
    time unless a party gives notice ``notice_months`` before a term ends (statement of
    10 Nov 2020, point 4); before each term end a party does so with probability
    ``p_notice`` (one uniform per run and term, ``u_notice`` shaped ``(runs, terms)``). The
    force leaves at the end of the first term with notice; the notice is public from
    ``withdraw - notice_months``.
    """
    runs = u_notice.shape[0]
    withdraw = np.full(runs, np.inf)
    if not present:
        return withdraw, np.full(runs, np.inf)
    end = float(mandate_months)
    for j in range(u_notice.shape[1]):
        if end - notice_months > until:
            break
        given = np.isinf(withdraw) & (u_notice[:, j] < p_notice)
        withdraw = np.where(given, end, withdraw)
        end += max(float(renewal_months), 1.0)
    return withdraw, withdraw - float(notice_months)


def peacekeeping_strength(present: bool, month, shocked: np.ndarray, after_shock,
                          drawdown_month, after_drawdown, withdraw_month: np.ndarray
                          ) -> np.ndarray:
    """Strength 0..1 of the force in ``month`` (runs,): cut by a patron shock, an early drawdown,
    and 0 after the force withdraws at the end of a mandate term (notice given)."""
    runs = shocked.shape[0]
    if not present:
        return np.zeros(runs)
    s = np.where(shocked, after_shock, 1.0)
    if drawdown_month is not None:
        s = np.where(month > drawdown_month, s * after_drawdown, s)
    return np.where(month > withdraw_month, 0.0, s)


def expected_strength(month, s: np.ndarray, withdraw_month: np.ndarray,
                      notice_month: np.ndarray, horizon) -> np.ndarray:
    """The force's strength the parties expect over the next ``horizon`` months (runs,):
    ``s`` times the share of that window before a withdrawal of which notice has been given
    (unannounced shocks and drawdowns are not foreseen)."""
    left = np.clip((withdraw_month - month) / np.maximum(horizon, 1e-9), 0.0, 1.0)
    return np.where(month >= notice_month, s * left, s)


def _simulate(inputs: CeasefireInputs, runs: int, seed: int, months: int,
              uncertainty: bool, rows: slice = slice(None), given: dict | None = None
              ) -> Forecast:
    from scipy.special import gammainc, gammaincinv, ndtr
    from scipy.stats import poisson

    from polemos.bargaining.commitment import war_probability
    from polemos.ceasefire.leaders import leader_change_months
    from polemos.ceasefire.recurrence_prior import draw_recurrence_prior

    spec = inputs.spec
    S = Sampler(inputs, runs, seed, uncertainty)  # draws for the whole ensemble ...
    for name, values in (given or {}).items():     # per-run values given (from the war)
        S.draws[name] = np.asarray(values, dtype=float).reshape(runs)
    total = runs
    runs = len(range(total)[rows])  # ... of which this call simulates the rows ``rows``
    c = "ceasefire"
    M = int(months)

    def Q(quantity, key):
        return S.q(quantity, key)[rows]

    def U(name, *tail):
        return stream(seed, name).random((total,) + tail)[rows]

    def Z(name, *tail):
        return stream(seed, name).standard_normal((total,) + tail)[rows]
    other = next(s for s in spec.costs if s != spec.attacker)   # the schema: two sides
    sides = [spec.attacker, other]

    # ---- base hazard ---------------------------------------------------------------------
    prior = draw_recurrence_prior(S, seed, M)
    dH0 = prior.increments(M)[rows]
    b_pk = prior.b_pk[rows]

    # ---- peacekeepers and patron -----------------------------------------------------------
    pk = spec.peacekeepers
    phi = Q(pk.monitoring_share, f"{c}.peacekeepers.monitoring_share")
    mandate_m = 12.0 * S.scalar(pk.mandate_years, "mandate")
    renewal_m = 12.0 * S.scalar(pk.renewal_years, "renewal")
    notice_m = S.scalar(pk.notice_months, "notice_months")
    drawdown = None if pk.drawdown_month is None else S.scalar(pk.drawdown_month, "drawdown")
    after_dd = (0.0 if pk.strength_after_drawdown is None
                else Q(pk.strength_after_drawdown, f"{c}.peacekeepers.strength_after_drawdown"))
    pat = spec.patron
    p_shock = Q(pat.shock_per_month, f"{c}.patron.shock_per_month")
    forced_shock = (None if pat.forced_shock_month is None
                    else S.scalar(pat.forced_shock_month, "forced_shock_month"))
    u_shock = U("patron_shock", M)
    after_shock = Q(pat.strength_after_shock, f"{c}.patron.strength_after_shock")
    att_after = Q(pat.attention_after_shock, f"{c}.patron.attention_after_shock")

    # ---- mediation -------------------------------------------------------------------------
    med = spec.mediation
    info = Q(med.information, f"{c}.mediation.information")
    m_eff = Q(med.effect, f"{c}.mediation.effect")
    m_ref = Q(med.reference, f"{c}.mediation.reference")  # sum(attention x leverage), ref. class
    actors = [(Q(a.attention, f"{c}.mediation.actors.{k}.attention"),
               Q(a.leverage, f"{c}.mediation.actors.{k}.leverage"), a.patron)
              for k, a in med.actors.items()]

    def mediation(shocked):
        """Summed attention and summed attention x leverage of the mediators (runs,)."""
        att = np.zeros(runs)
        lev = np.zeros(runs)
        for a, lv, is_patron in actors:
            a_t = np.where(shocked, a * att_after, a) if is_patron else a
            att = att + a_t
            lev = lev + a_t * lv
        return att, lev

    # ---- power -----------------------------------------------------------------------------
    pw = spec.power
    q0 = Q(pw.balance_at_ceasefire, f"{c}.power.balance_at_ceasefire")
    e = Q(pw.elasticity, f"{c}.power.elasticity")
    K = Q(pw.commitment_horizon_months, f"{c}.power.commitment_horizon_months")
    # terms whose notice could fall within the horizon (a number fixed by M, not by the rows)
    n_terms = 1 + int(max(M + notice_m - mandate_m, 0.0) // max(renewal_m, 1.0))
    withdraw_m, notice_at = mandate_schedule(
        pk.present, U("pk_notice", n_terms), Q(pk.notice_probability, "notice"), mandate_m,
        renewal_m, notice_m, float(M))
    z_rearm = Z("rearmament", 2)
    g, g_sd = [], []
    for j, side in enumerate(sides):
        path = pw.sides[side]
        mu = Q(path.rearmament_per_year, f"{c}.power.sides.{side}.rearmament_per_year")
        sd = Q(path.rearmament_sd_per_year, f"{c}.power.sides.{side}.rearmament_sd_per_year")
        g.append(mu + sd * z_rearm[:, j])
        g_sd.append(sd)
    g_az, g_ar = g
    shift_sd_year = np.sqrt(g_sd[0] ** 2 + g_sd[1] ** 2)

    # ---- technology signal -----------------------------------------------------------------
    tech = spec.technology
    if tech.forced == "success":
        success = np.ones(runs, bool)
    elif tech.forced == "failure":
        success = np.zeros(runs, bool)
    else:
        success = U("tech_outcome") < Q(tech.p_success, "p_success")
    t_lo = Q(tech.earliest_month, f"{c}.technology.earliest_month")
    t_hi = np.maximum(Q(tech.latest_month, f"{c}.technology.latest_month"), t_lo)
    tech_month = np.ceil(t_lo + U("tech_timing") * (t_hi - t_lo))
    tech_month = np.maximum(tech_month, 1).astype(int)
    gain = np.log1p(Q(tech.power_gain, f"{c}.technology.power_gain"))
    phase = np.maximum(Q(tech.phase_in_months, f"{c}.technology.phase_in_months"), 1.0)
    shift = Q(tech.belief_shift, f"{c}.technology.belief_shift")
    tech_sign = 1.0 if tech.side != spec.attacker else -1.0  # +1: the gain goes to the defender

    def tech_gain(month):
        """Realised log capability gain of the defender at ``month`` (runs,)."""
        frac = np.clip((month - tech_month) / phase, 0.0, 1.0)
        return np.where(success & (month >= tech_month), gain * frac, 0.0)

    # ---- leaders ---------------------------------------------------------------------------
    lc = spec.leader_change
    lc_month = leader_change_months(lc, Q, U("leader_change", M), M)
    reset = Q(lc.belief_reset, f"{c}.leader_change.belief_reset")
    optimism = Q(lc.new_leader_optimism, f"{c}.leader_change.new_leader_optimism")
    lc_is_attacker = lc.side == spec.attacker

    # ---- resolve (Azerbaijan) ----------------------------------------------------------------
    rs = spec.resolve
    rally = Q(rs.rally_at_ceasefire, f"{c}.resolve.rally_at_ceasefire")
    rally_tau = np.maximum(Q(rs.rally_decay_months, f"{c}.resolve.rally_decay_months"), 0.1)
    oppo = Q(rs.opposition, f"{c}.resolve.opposition")
    oil_sd = Q(rs.oil_volatility_per_month, f"{c}.resolve.oil_volatility_per_month")
    oil_el = Q(rs.oil_elasticity, f"{c}.resolve.oil_elasticity")
    z_oil = Z("oil", M)

    # ---- beliefs, costs, clashes, offensive ----------------------------------------------------
    bl = spec.beliefs
    d0 = Q(bl.initial_disagreement, f"{c}.beliefs.initial_disagreement")
    drift = Q(bl.drift_sd_per_month, f"{c}.beliefs.drift_sd_per_month")
    learn = Q(bl.clash_learning, f"{c}.beliefs.clash_learning")
    z_drift = Z("belief_drift", M, 2)
    c_az = Q(spec.costs[spec.attacker], f"{c}.costs.{spec.attacker}")
    c_ar = Q(spec.costs[other], f"{c}.costs.{other}")
    cl = spec.clashes
    clash_rate = Q(cl.deaths_per_month, f"{c}.clashes.deaths_per_month")
    k_disp = Q(cl.dispersion, f"{c}.clashes.dispersion")
    couple = Q(cl.tension_coupling, f"{c}.clashes.tension_coupling")
    thr = S.scalar(cl.threshold_deaths, "threshold")
    # calendar years (UCDP counts battle deaths by calendar year): month m belongs to the year
    # of its midpoint; the start year counts only its months after the ceasefire
    year_of = calendar_years(spec.start_date, M)
    years = int(year_of[-1]) + 1
    u_gam = U("clash_frailty", years)
    frailty = gammaincinv(k_disp[:, None], u_gam) / k_disp[:, None]
    u_deaths = U("clash_deaths", M)
    of = spec.offensive
    off_med = Q(of.deaths_median, f"{c}.offensive.deaths_median")
    off_sd = Q(of.deaths_log_sd, f"{c}.offensive.deaths_log_sd")
    z_offd = Z("offensive_deaths")
    w_az = (Q(of.initiator_share[spec.attacker], f"{c}.offensive.initiator_share")
            if spec.attacker in of.initiator_share else np.full(runs, 0.5))
    u_off = U("offensive", M)
    u_init = U("initiator", M)
    mech = spec.mechanisms
    kg = Q(mech.gap_effect, f"{c}.mechanisms.gap_effect")
    kc = Q(mech.commitment_effect, f"{c}.mechanisms.commitment_effect")
    g_ref = Q(mech.gap_reference, f"{c}.mechanisms.gap_reference")
    c_ref = Q(mech.commitment_reference, f"{c}.mechanisms.commitment_reference")
    lmax = Q(mech.max_log_multiplier, f"{c}.mechanisms.max_log_multiplier")

    # ---- state at month 0 --------------------------------------------------------------------
    theta0 = _logit(q0)
    rel = np.zeros(runs)  # log P_az - log P_ar from rearmament
    oil = np.zeros(runs)  # log oil price relative to the ceasefire
    b_az = theta0 + 0.5 * d0
    b_ar = theta0 - 0.5 * d0
    shocked = np.zeros(runs, bool)
    shock_month = np.zeros(runs, int)

    def motives(month, b_az, b_ar, oil, s_bar, shocked):
        """The levels of the mechanisms in ``month`` (each ``(runs,)``)."""
        theta = theta0 + e * (rel - tech_sign * tech_gain(month))
        q = _sigmoid(theta)
        resolve = np.maximum(1.0 + rally * np.exp(-month / rally_tau) - oppo + oil_el * oil, 0.2)
        ca = c_az / resolve
        # restart cost (prize shares) of the force the parties expect over the horizon: through
        # the gap it is worth exactly (1 - phi) b_pk s_bar of log hazard (the fitted effect once)
        R = np.maximum(-(1.0 - phi) * b_pk * s_bar / (2.0 * kg), 0.0)
        gap = _sigmoid(b_az) - _sigmoid(b_ar) - ca - c_ar  # without the force
        growth = (g_az * np.exp(oil_el * oil) - g_ar) * K / 12.0
        future_gain = tech_sign * (tech_gain(month + K) - tech_gain(month))
        q_future = _sigmoid(theta + e * (growth - future_gain))
        dq = q_future - q
        sd_q = e * shift_sd_year * K / 12.0 * q * (1.0 - q) + 1e-6
        p_cp = war_probability(0.0, 0.0, ca, c_ar, shift=dq, shift_sd=sd_q)
        p_cp_az = ndtr((-ca - dq) / sd_q)  # the shift goes against Azerbaijan beyond its cost
        p_cp_ar = 1.0 - ndtr((c_ar - dq) / sd_q)  # ... against Armenia
        w_az_m = _sigmoid(b_az) - q0 - ca - R
        w_ar_m = q0 - _sigmoid(b_ar) - c_ar - R
        att, lev = mediation(shocked)
        return theta, gap - 2.0 * R, p_cp, (w_az_m, p_cp_az), (w_ar_m, p_cp_ar), att, lev, R

    def level_term(gap, cp, lev):
        """The mechanisms' log-hazard multiplier, in levels against the reference class
        (``gap`` includes the restart cost ``-2R``)."""
        return np.clip(kg * (gap - g_ref) + kc * (cp - c_ref) - m_eff * (lev - m_ref),
                       -lmax, lmax)

    s0 = peacekeeping_strength(pk.present, 0, shocked, after_shock, drawdown, after_dd,
                               withdraw_m)
    sb0 = expected_strength(0, s0, withdraw_m, notice_at, K)
    _, gap0, cp0, _, _, _, lev0, R0 = motives(0.0, b_az, b_ar, oil, sb0, shocked)
    L0 = level_term(gap0, cp0, lev0)

    surv = np.ones(runs)
    L_path = np.zeros((runs, M + 1))
    L_path[:, 0] = L0
    lv = {k: np.zeros((runs, M + 1)) for k in ("gap", "restart_cost", "commitment", "mediation")}

    def keep(m, gap, cp, lev, R):
        lv["gap"][:, m] = gap + 2.0 * R - g_ref  # what gap_effect multiplies
        lv["restart_cost"][:, m] = R
        lv["commitment"][:, m] = cp - c_ref
        lv["mediation"][:, m] = lev - m_ref
    keep(0, gap0, cp0, lev0, R0)
    p_off = np.zeros((runs, M))
    p_clash = np.zeros((runs, M))
    p_init = np.zeros((runs, 2))
    init_curve = np.zeros((runs, M, 2))
    deaths = np.zeros((runs, M))
    off_month = np.zeros(runs, int)
    initiator = np.zeros(runs, int)
    clash_month = np.zeros(runs, int)
    q_years = np.ones(runs)  # P(no >=25-death year among the completed years)
    lam_year = np.zeros(runs)
    real_year = np.zeros(runs)
    mu_prev = clash_rate * np.exp(phi * b_pk * s0 + couple * L0)

    for m in range(1, M + 1):
        i = m - 1
        # exogenous paths
        oil = oil + oil_sd * z_oil[:, i]
        if forced_shock is None:
            new_shock = (~shocked) & (u_shock[:, i] < p_shock)
        else:
            new_shock = np.full(runs, m == int(np.ceil(forced_shock)))
        shock_month = np.where(new_shock, m, shock_month)
        shocked = shocked | new_shock
        s = peacekeeping_strength(pk.present, m, shocked, after_shock, drawdown, after_dd,
                                  withdraw_m)
        s_bar = expected_strength(m, s, withdraw_m, notice_at, K)
        rel = rel + (g_az * np.exp(oil_el * oil) - g_ar) / 12.0
        theta = theta0 + e * (rel - tech_sign * tech_gain(m))
        # technology signal: beliefs jump
        sig = tech_month == m
        own = -tech_sign  # direction of q when the defender gains
        b_ar = np.where(sig & success, b_ar + own * shift, b_ar)
        b_az = np.where(sig & success, b_az + own * 0.5 * shift, b_az)
        b_ar = np.where(sig & ~success, b_ar - own * 0.5 * shift, b_ar)
        # leader change: the side's belief resets in part to the new leader's
        new_leader = lc_month == m
        if lc_is_attacker:
            b_az = np.where(new_leader, (1 - reset) * b_az + reset * (theta + optimism), b_az)
        else:
            b_ar = np.where(new_leader, (1 - reset) * b_ar + reset * (theta - optimism), b_ar)
        # drift without information, learning from clashes and mediators
        att, _ = mediation(shocked)
        lam = np.clip(learn * mu_prev + info * att, 0.0, 1.0)
        b_az = b_az + drift * z_drift[:, i, 0]
        b_ar = b_ar + drift * z_drift[:, i, 1]
        b_az = b_az + lam * (theta - b_az)
        b_ar = b_ar + lam * (theta - b_ar)
        # hazard
        _, gap, cp, az, ar, _, lev, R = motives(m - 0.5, b_az, b_ar, oil, s_bar, shocked)
        L = level_term(gap, cp, lev)
        L_path[:, m] = L
        keep(m, gap, cp, lev, R)
        h = -np.expm1(-dH0[:, i] * np.exp(L + phi * b_pk * s))
        # who initiates: each side's motive in levels (a common reference cancels)
        x_az = np.clip(kg * az[0] + kc * az[1], -lmax, lmax)
        x_ar = np.clip(kg * ar[0] + kc * ar[1], -lmax, lmax)
        share_az = _sigmoid(_logit(w_az) + x_az - x_ar)
        p_init[:, 0] += surv * h * share_az
        p_init[:, 1] += surv * h * (1 - share_az)
        init_curve[:, i] = p_init
        # realised offensive
        hit = (off_month == 0) & (u_off[:, i] < h)
        off_month = np.where(hit, m, off_month)
        initiator = np.where(hit, np.where(u_init[:, i] < share_az, 1, 2), initiator)
        surv = surv * (1.0 - h)
        p_off[:, i] = 1.0 - surv
        # clashes: expected deaths this month, exact P(year total >= threshold)
        y = int(year_of[i])
        mu = clash_rate * frailty[:, y] * np.exp(phi * b_pk * s + couple * L)
        lam_year = lam_year + mu
        p_year = gammainc(thr, lam_year) if thr > 0 else np.ones(runs)
        p_clash[:, i] = 1.0 - q_years * (1.0 - p_year) * surv
        d = poisson.ppf(u_deaths[:, i], mu)
        d = d + np.where(hit, off_med * np.exp(off_sd * z_offd), 0.0)
        deaths[:, i] = d
        real_year = real_year + d
        clash_month = np.where((clash_month == 0) & (real_year >= thr), m, clash_month)
        if m == M or year_of[m] != y:  # the calendar year ends with this month
            q_years = q_years * (1.0 - p_year)
            lam_year = np.zeros(runs)
            real_year = np.zeros(runs)
        mu_prev = mu

    lc_out = np.where(lc_month <= M, lc_month, 0)
    attrs = {"scenario": inputs.scenario_name, "seed": int(seed), "runs": int(runs),
             "months": M, "start_date": str(spec.start_date), "hazard_model": prior.model,
             "uncertainty": int(bool(uncertainty)), "sides": sides,
             "leader_change_side": spec.leader_change.side,
             "threshold_deaths": float(thr), "places": ";".join(spec.places),
             "base_rates": json.dumps(prior.base_rates)}
    return Forecast(np.arange(1, M + 1), p_off, p_clash, p_init, init_curve, deaths, off_month,
                    initiator, clash_month, lc_out, success, tech_month, shock_month, L_path, lv,
                    {k: v[rows] for k, v in S.draws.items()}, attrs)


def run_forecast(inputs: CeasefireInputs, runs: int = 5000, seed: int = 2020,
                 months: int | None = None, chunk: int | None = None,
                 uncertainty: bool = True, given: dict | None = None) -> Forecast:
    """Simulate ``runs`` runs for ``months`` (default: the scenario's horizon).

    Every random number is drawn for the whole ensemble from its named stream and indexed by
    run; ``chunk`` runs the month loop on slices of ``chunk`` runs (less memory), taking the same
    rows of every draw, so results do not depend on it. ``uncertainty=False`` uses the central
    value of every parameter (no prior draws). ``given`` maps parameter names (e.g.
    ``ceasefire.victory_degree``) or figure keys to per-run values (``runs``,) that replace
    their draws: this is how each run starts from its own war's end state (:mod:`from_war`).
    """
    months = int(months or inputs.spec.horizon_months)
    if runs < 1:
        raise ValueError("runs must be >= 1")
    if not chunk or chunk >= runs:
        return _simulate(inputs, runs, seed, months, uncertainty, given=given)
    parts = [_simulate(inputs, runs, seed, months, uncertainty, slice(a, min(a + chunk, runs)),
                       given)
             for a in range(0, runs, int(chunk))]
    return _concat(parts)


def _concat(parts: list[Forecast]) -> Forecast:
    f0 = parts[0]

    def cat(name):
        return np.concatenate([getattr(p, name) for p in parts], axis=0)

    params = {k: np.concatenate([p.parameters[k] for p in parts]) for k in f0.parameters}
    attrs = dict(f0.attrs)
    attrs["runs"] = int(sum(p.runs for p in parts))
    return Forecast(f0.months, cat("p_offensive"), cat("p_clash"), cat("p_initiator"),
                    cat("initiator_curve"),
                    cat("monthly_deaths"), cat("offensive_month"), cat("initiator"),
                    cat("clash_year_month"), cat("leader_change_month"), cat("tech_success"),
                    cat("tech_month"), cat("patron_shock_month"), cat("log_multiplier"),
                    {k: np.concatenate([p.levels[k] for p in parts]) for k in f0.levels},
                    params, attrs)
