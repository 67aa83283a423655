"""Likelihood-free calibration (ABC) of a scenario's calibrated campaign parameters.

The contract follows SALib: separate steps, each a plain function on arrays.

    priors = campaign_priors(sc)                    # name -> (low, high, shape)
    params = sample_prior(sc, n, seed)              # sample:   name -> (n,) values
    res = simulate(sc, params, seed)                # evaluate: one engine run per particle
    S = summary_statistics(res)                     #           (n, K)
    names, t, tol = targets(sc)                     # the [record] calibration targets
    d = distance(S, t, tol)                         # analyse:  (n,) scaled distances
    acc, eps = abc_rejection(d, quantile=0.01)      #           rejection ABC, or
    smc = abc_smc(simulator, D, t, tol, ...)        #           sequential ABC (ABC-PMC)

``python -m polemos.analysis.calibrate`` runs the sequential ABC on a scenario, writes the
posterior (``posterior.csv`` beside the scenario, an equal-weight resample of the final
population) and a JSON report with the calibrated model against the targets. With
``POLEMOS_REDUCED=1`` it runs a tiny version (CI) and, unless ``--out`` is given, writes to a
temporary folder rather than over the shipped posterior.

Summary statistics (one per calibration target, in this order):

* ``duration_days``: the run's last day of fighting;
* ``shusha_fall_day``: the day the decisive objective fell; a run in which it never fell is
  given ``end_day + NEVER_FELL_PENALTY_DAYS`` (it would have fallen, at the earliest, after the
  war ended; the penalty of 10 days makes such runs 10+ tolerances from the target);
* ``area_taken_share``: share of the defender's pre-war area taken in fighting;
* ``military_killed_armenia`` / ``military_killed_azerbaijan``: military killed per side;
* ``armenian_killed_daily``: the **shape** of the defender's daily killed series: its share in
  each of five 9-day periods of days 1–45, against the observed shares. The observed series is
  a lower bound (insured cases only: 3,487 of 3,825), so its level is not compared; the level is
  constrained by the official total (``military_killed_armenia``). The tolerance of a share is
  derived from the stated per-day tolerance: ``tol_day · sqrt(days in period) / series total``.

The distance is Euclidean in units of each target's stated tolerance.

Sequential ABC (:func:`abc_smc`) is population Monte Carlo ABC (Beaumont et al. 2009; Toni et
al. 2009) with adaptive thresholds: generation 0 keeps the ``n_particles`` closest of
``n_initial`` prior draws; each later generation draws ``n_proposals`` particles from the
weighted previous population, perturbs them with a Gaussian kernel of twice the population's
weighted variance, and keeps the ``n_particles`` closest (epsilon_t = the
``n_particles / n_proposals`` quantile of the generation's distances, never above epsilon_{t-1}).
Importance weights are prior / mixture-of-kernels density. Parameters live on the unit hypercube
(the prior's CDF: uniform, or uniform in log for log-uniform priors), where the prior is uniform.

Two choices make this work in ~100 dimensions, where a plain multivariate kernel's importance
weights collapse (a first try, a full-covariance Gaussian in logit space, gave an effective
sample size of 2 of 2,000 after one generation):

* the kernel is component-wise, each component a normal truncated to [0, 1] (Beaumont et al.
  2009 use component-wise normals; truncation keeps every proposal inside the prior's support
  and its normaliser is exact);
* only the *active* dimensions are perturbed: those whose accepted marginal after generation 0
  differs from the prior (one-sample KS test, p < 0.001; re-tested on each generation's
  equal-weight resample, and a dimension once active stays so). The others are drawn afresh from the
  prior, an independence kernel whose density cancels from the weights. This costs efficiency,
  not validity: every particle is still accepted on all its parameters, so a parameter screened
  out is still conditioned on the data.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EXCLUDED_GROUPS = ("ceasefire",)       # the post-war forecast's parameters, not the campaign's
NEVER_FELL_PENALTY_DAYS = 10
SERIES_DAYS = 45
N_PERIODS = 3  # thirds of the 45-day series: a shape robust to daily noise
SHAPE_TARGET = "armenian_killed_daily"
DECISIVE_OBJECTIVE = "shusha"


# --- priors and the unit hypercube ------------------------------------------------------------
def campaign_priors(scenario) -> dict[str, tuple[float, float, str]]:
    """The calibrated campaign parameters (prior set; ``ceasefire.*`` left out):
    name -> (low, high, shape)."""
    from polemos.campaign.params import calibrated

    def fitted(name: str) -> bool:
        """A parameter is fitted when one of its targets is a calibration target; those that
        name only validation items (``not_fitted``, ``ceasefire_prior_only``) keep their prior."""
        comp, _, key = name.partition(".")
        targets = scenario.parameters[comp][key].fitted_to
        return any(scenario.record[t].use == "calibration" for t in targets
                   if t in scenario.record)

    return {k: v for k, v in calibrated(scenario).items()
            if k.partition(".")[0] not in EXCLUDED_GROUPS and fitted(k)}


def _priors(scenario_or_priors) -> dict[str, tuple[float, float, str]]:
    if isinstance(scenario_or_priors, dict):
        return scenario_or_priors
    return campaign_priors(scenario_or_priors)


def from_unit(priors: dict, u: np.ndarray) -> dict[str, np.ndarray]:
    """(n, D) points of the unit cube -> parameter values (columns in ``priors`` order)."""
    from polemos.campaign.params import prior_draw

    u = np.atleast_2d(u)
    return {k: prior_draw(u[:, j], *priors[k]) for j, k in enumerate(priors)}


def to_unit(priors: dict, params: dict[str, np.ndarray]) -> np.ndarray:
    """Parameter values -> (n, D) points of the unit cube (the prior CDF)."""
    cols = []
    for k, (lo, hi, shape) in priors.items():
        x = np.asarray(params[k], dtype=float)
        if shape == "loguniform":
            cols.append((np.log(x) - np.log(lo)) / (np.log(hi) - np.log(lo)))
        else:
            cols.append((x - lo) / (hi - lo) if hi > lo else np.zeros_like(x))
    return np.column_stack(cols)


def sample_prior(scenario, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` draws of every calibrated campaign parameter from its prior (``scenario`` may also
    be a priors dict as returned by :func:`campaign_priors`)."""
    priors = _priors(scenario)
    u = np.random.default_rng(seed).random((n, len(priors)))
    return from_unit(priors, u)


# --- evaluate: the engine ---------------------------------------------------------------------
def simulate(scenario, params: dict[str, np.ndarray], seed: int = 0, run_offset: int = 0,
             chunk_size: int = 10000, max_days: int | None = None):
    """One engine run per particle: run ``i`` takes ``params[k][i]`` for every ``k`` and the
    random numbers of global run index ``run_offset + i`` (so generations of a sequential ABC
    can use fresh noise while every run stays reproducible). Returns CampaignResults."""
    from polemos.campaign.engine import DEFAULT_MAX_DAYS, Ensemble, Simulation, run_ensemble
    from polemos.campaign.theatre import compile_theatre
    from polemos.results import CampaignResults, compact, join

    fixed = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    n = len(next(iter(fixed.values())))
    ens = Ensemble(runs=n, seed=seed, mode="point", chunk_size=chunk_size,
                   max_days=max_days or DEFAULT_MAX_DAYS, fixed=fixed)
    if run_offset == 0:
        return run_ensemble(scenario, ens)
    # the same chunk loop as run_ensemble, with global run indices shifted by run_offset
    theatre = compile_theatre(scenario)
    parts = []
    for a in range(0, n, chunk_size):
        b = min(a + chunk_size, n)
        sim = Simulation(scenario, np.arange(a, b) + run_offset, seed, "point", None,
                         {k: v[a:b] for k, v in fixed.items()}, ens.max_days, theatre=theatre)
        parts.append(compact(sim.run()))
    return CampaignResults(join(parts), theatre, scenario, ens)


# --- summary statistics and targets -----------------------------------------------------------
def periods(days: int = SERIES_DAYS, k: int = N_PERIODS) -> list[tuple[int, int]]:
    """``k`` consecutive periods (first day, last day), 1-based, covering days 1..days."""
    edges = np.linspace(0, days, k + 1).round().astype(int)
    return [(int(a) + 1, int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def stat_names(scenario) -> list[str]:
    """Names of the summary statistics, in order (the targets' names)."""
    return targets(scenario).names


def series_shares(daily: np.ndarray, days: int = SERIES_DAYS) -> np.ndarray:
    """(n, days) or (days,) daily counts -> (n, N_PERIODS) share of days 1..days per period."""
    x = np.atleast_2d(np.asarray(daily, dtype=float))[:, :days]
    if x.shape[1] < days:
        x = np.pad(x, ((0, 0), (0, days - x.shape[1])))
    sums = np.column_stack([x[:, a - 1:b].sum(1) for a, b in periods(days)])
    tot = sums.sum(1, keepdims=True)
    return np.divide(sums, tot, out=np.zeros_like(sums), where=tot > 0)


def summary_statistics(results, objective: str = DECISIVE_OBJECTIVE,
                       penalty_days: int = NEVER_FELL_PENALTY_DAYS) -> np.ndarray:
    """(n, K) summary statistics in the order of :func:`stat_names` (see the module doc)."""
    a = results.arrays
    end = a["end_day"].astype(float)
    fell = results.objective_day(objective)
    fell = np.where(np.isnan(fell), end + penalty_days, fell)
    att, dfd = 0, 1                                    # side order of the engine
    shares = series_shares(a["daily_killed"][:, :, dfd])
    return np.column_stack([end, fell, results.area_taken_share(), a["killed"][:, dfd],
                            a["killed"][:, att], shares]).astype(float)


@dataclass
class Targets:
    names: list[str]
    values: np.ndarray
    tolerances: np.ndarray
    notes: list[str] = field(default_factory=list)


def targets(scenario) -> Targets:
    """The scenario's [record] calibration targets as summary-statistic values and tolerances
    (in the order of :func:`stat_names`)."""
    rec = scenario.record
    names, vals, tols, notes = [], [], [], []
    defender, attacker = _side_names(scenario)
    for rid in ["duration_days", f"{DECISIVE_OBJECTIVE}_fall_day", "area_taken_share",
                f"military_killed_{defender}", f"military_killed_{attacker}"]:
        r = rec[rid]
        names.append(rid)
        vals.append(float(r.value))
        tols.append(float(r.tolerance))
        notes.append("")
    r = rec[SHAPE_TARGET]
    obs = np.asarray(r.series, dtype=float)
    shares = series_shares(obs)[0]
    total = obs.sum()
    for (a, b), s in zip(periods(), shares, strict=True):
        names.append(f"{SHAPE_TARGET}_share_{a}_{b}")
        vals.append(float(s))
        tols.append(float(r.tolerance) * np.sqrt(b - a + 1) / total)
        notes.append(f"share of days {a}-{b} in the observed (lower-bound) series; tolerance "
                     f"{r.tolerance:g}/day x sqrt({b - a + 1}) / {total:g}")
    return Targets(names, np.array(vals), np.array(tols), notes)


def _side_names(scenario) -> tuple[str, str]:
    """(defender, attacker) side ids."""
    return scenario.defender, scenario.attacker


def distance(stats: np.ndarray, target_values: np.ndarray, tolerances: np.ndarray) -> np.ndarray:
    """Euclidean distance in units of each target's tolerance: sqrt(sum(((s - t) / tol)^2))."""
    z = (np.atleast_2d(stats) - np.asarray(target_values)) / np.asarray(tolerances)
    return np.sqrt(np.nansum(z * z, axis=1))


# --- analyse: rejection ABC -------------------------------------------------------------------
def abc_rejection(distances: np.ndarray, quantile: float | None = None,
                  epsilon: float | None = None) -> tuple[np.ndarray, float]:
    """Rejection ABC: indices of the particles with distance <= epsilon (given, or the
    ``quantile`` of the distances). Returns (accepted indices, epsilon)."""
    d = np.asarray(distances, dtype=float)
    if epsilon is None:
        if quantile is None:
            raise ValueError("give quantile or epsilon")
        epsilon = float(np.quantile(d, quantile, method="lower"))
    return np.flatnonzero(d <= epsilon), float(epsilon)


# --- analyse: sequential ABC (ABC-PMC) --------------------------------------------------------
def weighted_var(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per-column weighted variance (unbiased for normalised weights)."""
    w = np.asarray(w) / np.sum(w)
    m = w @ x
    return (w @ (x - m) ** 2) / max(1.0 - np.sum(w * w), 1e-12)


def truncnorm_sample(mu: np.ndarray, sd: np.ndarray, rng) -> np.ndarray:
    """Normal(mu, sd) truncated to [0, 1], element-wise (inverse CDF)."""
    from scipy.special import ndtr, ndtri

    lo, hi = ndtr(-mu / sd), ndtr((1.0 - mu) / sd)
    p = lo + rng.random(mu.shape) * (hi - lo)
    return np.clip(mu + sd * ndtri(np.clip(p, 1e-300, 1 - 1e-16)), 0.0, 1.0)


def log_truncnorm_mixture(x: np.ndarray, centres: np.ndarray, log_w: np.ndarray,
                          sd: np.ndarray, block: int = 256) -> np.ndarray:
    """log sum_j w_j prod_d TN(x_id; centres_jd, sd_d, [0, 1]) for every row i of ``x``."""
    from scipy.special import log_ndtr, logsumexp

    lognorm = np.log(np.maximum(np.exp(log_ndtr((1.0 - centres) / sd))
                                - np.exp(log_ndtr(-centres / sd)), 1e-300))      # (N, A)
    const = (-0.5 * np.log(2 * np.pi) - np.log(sd)).sum()
    base = log_w - lognorm.sum(1) + const                                        # (N,)
    out = np.empty(len(x))
    for a in range(0, len(x), block):
        z = (x[a:a + block, None, :] - centres[None, :, :]) / sd                 # (B, N, A)
        out[a:a + block] = logsumexp(base[None, :] - 0.5 * (z * z).sum(-1), axis=1)
    return out


def screen_active(u_accepted: np.ndarray, alpha: float = 1e-3) -> np.ndarray:
    """Dimensions whose accepted marginal differs from the uniform prior (one-sample KS test,
    p < ``alpha``): those the data inform. Returns a boolean mask."""
    from scipy.stats import kstest

    p = np.array([kstest(u_accepted[:, j], "uniform").pvalue
                  for j in range(u_accepted.shape[1])])
    return p < alpha


@dataclass
class SMCResult:
    """Final population (unit-cube coordinates ``u``, normalised ``weights``, ``distances``,
    ``stats``), the perturbed dimensions (``active``) and the history of the generations."""

    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    stats: np.ndarray
    active: np.ndarray
    history: list[dict] = field(default_factory=list)

    @property
    def epsilons(self) -> list[float]:
        return [h["epsilon"] for h in self.history]

    @property
    def simulations(self) -> int:
        return int(sum(h["proposals"] for h in self.history))

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))

    def resample(self, n: int, seed: int = 0) -> np.ndarray:
        """Equal-weight (systematic) resample of the final population: indices, length n."""
        return systematic_resample(self.weights, n, seed)


def systematic_resample(weights: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w / w.sum())
    c[-1] = 1.0
    pos = (np.random.default_rng(seed).random() + np.arange(n)) / n
    idx = np.searchsorted(c, pos, side="right")
    return np.random.default_rng(seed + 1).permutation(np.minimum(idx, len(w) - 1))


def abc_smc(simulator: Callable[[np.ndarray, int, int], np.ndarray], dim: int,
            target_values: np.ndarray, tolerances: np.ndarray, n_particles: int = 1000,
            n_initial: int | None = None, n_proposals: int | None = None,
            generations: int = 5, seed: int = 0, active: np.ndarray | None = None,
            screen_alpha: float = 1e-3, rescreen: bool = True, min_eps_drop: float = 0.0,
            log: Callable[[str], None] | None = None) -> SMCResult:
    """Sequential ABC (population Monte Carlo with adaptive epsilon quantiles).

    ``simulator(u, generation, run_offset) -> stats``: ``u`` is (m, dim) on the unit cube
    (the prior is uniform there), ``stats`` (m, K).

    * Generation 0 keeps the ``n_particles`` closest of ``n_initial`` prior draws (rejection).
    * Unless ``active`` (a boolean mask) is given, the dimensions whose accepted marginal
      differs from the prior (:func:`screen_active`) are the *active* ones; with ``rescreen``
      each generation adds those that have come to differ since.
    * Each later generation draws ``n_proposals`` ancestors from the weighted population and
      perturbs every active dimension with a normal kernel truncated to [0, 1], of variance
      twice the population's weighted variance (Beaumont et al. 2009); inactive dimensions are
      drawn afresh from the prior (an independence kernel: they cancel from the weights). It
      keeps the ``n_particles`` closest, i.e. epsilon_t is the n_particles / n_proposals
      quantile of the generation's distances (never above epsilon_{t-1}).
    * Weights: prior / sum_j w_j K(theta | theta_j), normalised.

    Stops after ``generations`` or when epsilon falls by less than ``min_eps_drop`` (relative).
    """
    rng = np.random.default_rng(seed)
    n_initial = n_initial or 10 * n_particles
    n_proposals = n_proposals or 5 * n_particles
    log = log or (lambda s: None)
    t0 = time.perf_counter()
    u = rng.random((n_initial, dim))
    stats = np.asarray(simulator(u, 0, 0), dtype=float)
    d = distance(stats, target_values, tolerances)
    keep = np.argsort(d, kind="stable")[:n_particles]
    eps = float(d[keep[-1]])
    x, w = u[keep], np.full(len(keep), 1.0 / len(keep))
    if active is None:
        active = screen_active(x, screen_alpha)
    active = np.asarray(active, dtype=bool)
    hist = [{"generation": 0, "epsilon": eps, "proposals": n_initial, "accepted": len(keep),
             "ess": float(len(keep)), "seconds": time.perf_counter() - t0}]
    res = SMCResult(x, w, d[keep], stats[keep], active, hist)
    log(f"generation 0: {n_initial} prior draws, epsilon {eps:.3f}, {int(active.sum())} of "
        f"{dim} dimensions active, {hist[-1]['seconds']:.1f} s")
    offset = n_initial
    for g in range(1, generations):
        t0 = time.perf_counter()
        if rescreen and g > 1:
            active = active | screen_active(x[systematic_resample(w, len(w), seed + g)],
                                            screen_alpha)
        sd = np.sqrt(np.maximum(2.0 * weighted_var(x[:, active], w), 1e-8))
        anc = rng.choice(len(x), size=n_proposals, p=w)
        x_new = rng.random((n_proposals, dim))
        x_new[:, active] = truncnorm_sample(x[anc][:, active], np.broadcast_to(
            sd, (n_proposals, len(sd))), rng)
        s_new = np.asarray(simulator(x_new, g, offset), dtype=float)
        offset += n_proposals
        d_new = distance(s_new, target_values, tolerances)
        order = np.argsort(d_new, kind="stable")
        eps_g = min(float(d_new[order[min(n_particles, n_proposals) - 1]]), eps)
        acc = order[d_new[order] <= eps_g][:n_particles]
        if len(acc) < max(10, n_particles // 4):
            log(f"generation {g}: only {len(acc)} under epsilon {eps:.3f}; stopping")
            break
        xa = x_new[acc]
        log_w = -log_truncnorm_mixture(xa[:, active], x[:, active], np.log(w), sd)
        w_new = np.exp(log_w - log_w.max())
        w_new /= w_new.sum()
        drop = (eps - eps_g) / eps if eps > 0 else 0.0
        x, w, eps = xa, w_new, eps_g
        hist.append({"generation": g, "epsilon": eps, "proposals": n_proposals,
                     "accepted": int(len(acc)), "ess": float(1.0 / np.sum(w * w)),
                     "seconds": time.perf_counter() - t0})
        hist[-1]["active"] = int(active.sum())
        res = SMCResult(x, w, d_new[acc], s_new[acc], active, hist)
        log(f"generation {g}: {n_proposals} proposals, epsilon {eps:.3f}, {active.sum()} active, "
            f"ESS {hist[-1]['ess']:.0f}, {hist[-1]['seconds']:.1f} s")
        if drop < min_eps_drop:
            log(f"epsilon fell by {drop:.1%} < {min_eps_drop:.1%}: stopping")
            break
    return res


# --- the scenario's calibration ---------------------------------------------------------------
def scenario_simulator(scenario, priors: dict, seed: int, chunk_size: int = 10000):
    """A simulator for :func:`abc_smc`: unit-cube particles -> summary statistics."""

    def run(u: np.ndarray, generation: int, run_offset: int) -> np.ndarray:
        res = simulate(scenario, from_unit(priors, u), seed, run_offset, chunk_size)
        return summary_statistics(res)

    return run


def posterior_summary(priors: dict, samples: dict[str, np.ndarray]) -> list[dict]:
    """Per parameter: median, 90% interval, prior, how much the prior narrowed, bound flags.

    ``width_ratio``: the posterior's 5–95% width on the unit cube over the prior's (0.9);
    ``identified`` when below 0.7. ``at_lower`` / ``at_upper``: more than 20% of the posterior
    (4x the prior's 5%) within the outer 5% of the prior's range at that end."""
    u = to_unit(priors, samples)
    rows = []
    for j, (k, (lo, hi, shape)) in enumerate(priors.items()):
        x = samples[k]
        q5, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
        uq = np.quantile(u[:, j], [0.05, 0.95])
        ratio = float((uq[1] - uq[0]) / 0.9)
        rows.append({"name": k, "prior": [lo, hi], "shape": shape, "median": float(q50),
                     "q05": float(q5), "q95": float(q95), "width_ratio": ratio,
                     "identified": ratio < 0.7,
                     "at_lower": float(np.mean(u[:, j] < 0.05)) > 0.2,
                     "at_upper": float(np.mean(u[:, j] > 0.95)) > 0.2})
    return rows


def _band_dict(x) -> dict[str, float]:
    from polemos.results import band

    m, lo, hi = band(x)
    return {"median": float(m), "p10": float(lo), "p90": float(hi)}


def evaluate(scenario, posterior: dict[str, np.ndarray] | None, runs: int, seed: int,
             chunk_size: int = 10000) -> dict:
    """Run the calibrated model (mode='posterior') and compare it with the targets (median,
    10–90% band, share of runs within tolerance) and report the out-of-sample values."""
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.campaign.state import END_CAUSES
    from polemos.results import band

    t0 = time.perf_counter()
    res = run_ensemble(scenario, Ensemble(runs=runs, seed=seed, mode="posterior",
                                          chunk_size=chunk_size), posterior=posterior)
    secs = time.perf_counter() - t0
    S = summary_statistics(res)
    tg = targets(scenario)
    out = {"runs": runs, "seed": seed, "seconds": secs, "targets": [], "out_of_sample": {}}
    for j, name in enumerate(tg.names):
        m, lo, hi = band(S[:, j])
        within = float(np.mean(np.abs(S[:, j] - tg.values[j]) <= tg.tolerances[j]))
        out["targets"].append({"name": name, "target": float(tg.values[j]),
                               "tolerance": float(tg.tolerances[j]), "median": float(m),
                               "p10": float(lo), "p90": float(hi), "within_tolerance": within})
    fell = res.objective_day(DECISIVE_OBJECTIVE)
    out["shusha_fell_share"] = float(np.mean(~np.isnan(fell)))
    out["end_causes"] = {END_CAUSES[c]: float(np.mean(res.arrays["end_cause"] == c))
                         for c in np.unique(res.arrays["end_cause"])}
    t = res.table()
    oos = {}
    oos["handed_over_share"] = _band_dict(t["handed_over_share"].to_numpy())
    oos["handed_over_share"]["record"] = 0.3985
    for c in t.columns:
        if c.startswith("lost_"):
            oos[c] = _band_dict(t[c].to_numpy())
    th = res.theatre
    sd = res.arrays["sector_day"].astype(float)
    fall = {}
    for j, sid in enumerate(th.sector_ids):
        if th.contestable[j]:
            x = np.where(sd[:, j] < 0, np.nan, sd[:, j])
            share = float(np.mean(~np.isnan(x)))
            med = _band_dict(x) if share > 0 else {}
            fall[sid] = {"fell_share": share, **med}
    oos["sector_fall_day"] = fall
    out["out_of_sample"] = oos
    # the observed and modelled mean daily series (shape check)
    daily = res.arrays["daily_killed"][:, :SERIES_DAYS, 1].astype(float)
    out["daily_killed_defender"] = {"median": np.median(daily, 0).round(1).tolist(),
                                    "p10": np.percentile(daily, 10, 0).round(1).tolist(),
                                    "p90": np.percentile(daily, 90, 0).round(1).tolist()}
    return out


def _reduced() -> bool:
    return os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m polemos.analysis.calibrate",
                                 description="ABC-SMC calibration of a scenario's campaign "
                                             "parameters to its [record] targets")
    ap.add_argument("--scenario", default="karabakh_2020")
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--initial", type=int, default=None, help="prior draws (20 x particles)")
    ap.add_argument("--proposals", type=int, default=None,
                    help="proposals per generation (10 x particles)")
    ap.add_argument("--generations", type=int, default=8)
    ap.add_argument("--seed", type=int, default=20201110)
    ap.add_argument("--posterior-rows", type=int, default=2000)
    ap.add_argument("--evaluate-runs", type=int, default=10000)
    ap.add_argument("--chunk-size", type=int, default=10000)
    ap.add_argument("--out", type=Path, default=None,
                    help="posterior CSV (default: posterior.csv beside the scenario)")
    ap.add_argument("--report", type=Path, default=None,
                    help="JSON report (default: docs/calibration-report.json)")
    a = ap.parse_args(argv)
    from polemos.analysis.posterior import FILENAME, write_posterior
    from polemos.scenario import load_scenario

    if _reduced():
        a.particles, a.generations = min(a.particles, 40), min(a.generations, 2)
        a.initial, a.proposals = 120, 80
        a.posterior_rows, a.evaluate_runs = min(a.posterior_rows, 100), min(a.evaluate_runs, 100)
    sc = load_scenario(a.scenario)
    if a.out is None:
        if _reduced():
            import tempfile

            a.out = Path(tempfile.mkdtemp(prefix="polemos-calibrate-")) / FILENAME
        else:
            a.out = Path(sc.origin[-1]).parent / FILENAME
    if a.report is None:                       # docs/ of the repository, else beside --out
        docs = Path(__file__).resolve().parents[3] / "docs"
        a.report = (docs if docs.is_dir() and not _reduced() else a.out.parent) \
            / "calibration-report.json"
    priors = campaign_priors(sc)
    tg = targets(sc)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    log(f"{len(priors)} calibrated campaign parameters, {len(tg.names)} summary statistics")
    t0 = time.perf_counter()
    smc = abc_smc(scenario_simulator(sc, priors, a.seed, a.chunk_size), len(priors),
                  tg.values, tg.tolerances, n_particles=a.particles,
                  n_initial=a.initial or 20 * a.particles,
                  n_proposals=a.proposals or 10 * a.particles, generations=a.generations, seed=a.seed, log=log)
    t_cal = time.perf_counter() - t0
    idx = smc.resample(a.posterior_rows, a.seed)
    samples = from_unit(priors, smc.u[idx])
    a.out.parent.mkdir(parents=True, exist_ok=True)
    write_posterior(a.out, samples)
    log(f"posterior ({a.posterior_rows} rows) -> {a.out}  [{t_cal:.0f} s]")
    # evaluate with the values as written (6 significant digits)
    with a.out.open() as fh:
        rows = list(csv.DictReader(fh))
    written = {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}
    ev = evaluate(sc, written, a.evaluate_runs, a.seed + 1, a.chunk_size)
    log(f"evaluation: {a.evaluate_runs} runs in posterior mode [{ev['seconds']:.0f} s]")
    pop_stats = smc.stats
    report = {
        "scenario": sc.name, "seed": a.seed, "reduced": _reduced(),
        "method": "ABC-PMC (Beaumont et al. 2009), adaptive epsilon quantiles, component-wise "
                  "truncated-normal kernel (2x weighted variance) on the screened active "
                  "dimensions of the unit cube, prior draws on the others",
        "active_parameters": [k for k, on in zip(priors, smc.active, strict=True) if on],
        "particles": a.particles, "generations_run": len(smc.epsilons),
        "simulations": smc.simulations, "calibration_seconds": t_cal,
        "history": smc.history,
        "targets": [{"name": n, "value": float(v), "tolerance": float(t), "note": note}
                    for n, v, t, note in zip(tg.names, tg.values, tg.tolerances, tg.notes,
                                             strict=True)],
        "final_population_stats": {
            n: {"median": float(np.median(pop_stats[:, j])),
                "p10": float(np.percentile(pop_stats[:, j], 10)),
                "p90": float(np.percentile(pop_stats[:, j], 90))}
            for j, n in enumerate(tg.names)},
        "parameters": posterior_summary(priors, samples),
        "evaluation": ev,
    }
    a.report.write_text(json.dumps(report, indent=1))
    log(f"report -> {a.report}")
    for r in ev["targets"]:
        log(f"  {r['name']:<40} target {r['target']:>9.3f} ± {r['tolerance']:<7.3g} model "
            f"{r['median']:>9.3f} [{r['p10']:.3f}, {r['p90']:.3f}]  within tol "
            f"{r['within_tolerance']:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
