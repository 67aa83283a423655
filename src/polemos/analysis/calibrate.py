"""Likelihood-free calibration (ABC) of a scenario's calibrated campaign parameters.

The contract follows SALib: separate steps, each a plain function on arrays.

    priors = campaign_priors(sc)                    # name -> (low, high, shape)
    params = sample_prior(sc, n, seed)              # sample:   name -> (n,) values
    res = simulate(sc, params, seed)                # evaluate: one engine run per particle
    S = summary_statistics(res)                     #           (n, K)
    names, t, tol = targets(sc)                     # the [record] calibration targets
    d = distance(S, t, tol)                         # analyse:  (n,) scaled distances
    acc, eps = abc_rejection(d, quantile=0.01)      #           rejection ABC, or
    smc = abc_smc(simulator, D, t, tol, ...)        #           sequential ABC (replenishment SMC)

``python -m polemos.analysis.calibrate`` runs the sequential ABC on a scenario, writes the
posterior (``posterior.csv`` beside the scenario, an equal-weight resample of the final
population) and a JSON report with the calibrated model against the targets. With
``POLEMOS_REDUCED=1`` it runs a tiny version (CI) and, unless ``--out`` is given, writes to a
temporary folder rather than over the shipped posterior.

Summary statistics (one per calibration target, in this order):

* ``duration_days``: the run's last day of fighting;
* ``<decisive objective>_fall_day``: the day it fell; a run in which it never fell is
  given ``end_day + NEVER_FELL_PENALTY_DAYS`` (it would have fallen, at the earliest, after the
  war ended; the penalty of 10 days makes such runs 10+ tolerances from the target);
* ``area_taken_share``: share of the defender's pre-war area taken in fighting;
* ``military_killed_<side>``: military killed per side (defender first);
* ``military_killed_daily_<side>``: the **shape** of a side's daily killed series: its share in
  each of ``N_PERIODS`` (three) 15-day periods of days 1–45, against the observed shares (a
  series that is a lower bound, as Karabakh's insured cases are, says nothing of the level; the
  level is the total's). The tolerance of a share is derived from the stated per-day
  tolerance: ``tol_day · sqrt(days in period) / series total``;
* missing, equipment lost (lower bounds where ``bound = "at_least"``) and the early
  air-defence losses, where the record has them.

Each statistic is there only when the scenario's record has its target (``use =
"calibration"``), so any scenario with a record calibrates.

The distance is Euclidean in units of each target's stated tolerance.

Sequential ABC (:func:`abc_smc`) is the replenishment algorithm of Drovandi & Pettitt (2011)
(also Del Moral et al. 2012): generation 0 keeps the ``n_particles`` closest of ``n_initial``
prior draws; each later generation drops the half of the population farthest from the targets,
refills it by resampling the rest and moves the copies by ABC-MCMC steps (a Gaussian random walk
with the population's covariance times an adapted scale, reflected into the unit cube, accepted
when its own run falls within the new threshold). It stops when the threshold reaches
``EPSILON_FLOOR`` (1: the targets' stated tolerances). Parameters live on the unit hypercube (the prior's CDF: uniform,
or uniform in log for log-uniform priors), where the prior is uniform. Particles keep equal
weights, so nothing degenerates in ~100 dimensions; a first version, population Monte Carlo ABC
(Beaumont et al. 2009) with importance weights, ended at an effective sample size of 7 of 1,000
with its threshold stuck at 11.8 tolerance units.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from polemos.campaign.engine import DEFAULT_CHUNK
from polemos.scenarios import DEFAULT

EXCLUDED_GROUPS = ("ceasefire",)       # the post-war forecast's parameters, not the campaign's
NEVER_FELL_PENALTY_DAYS = 10
SERIES_DAYS = 45
N_PERIODS = 3  # thirds of the 45-day series: a shape robust to daily noise
SERIES_TARGET = "military_killed_daily"   # record id stem: <stem>_<side>, a daily series
EPSILON_FLOOR = 1.0  # stop the ABC at the targets' stated tolerances (see abc_smc)
WINDOW_DAYS = 4  # the acceptance window of the campaign issue: the 44-day duration +- 4 days


# --- priors and the unit hypercube ------------------------------------------------------------
def campaign_priors(scenario, fitted_only: bool = True) -> dict[str, tuple[float, float, str]]:
    """The calibrated campaign parameters (prior set; ``ceasefire.*`` left out):
    name -> (low, high, shape). ``fitted_only=False`` keeps also those that no calibration
    target informs (``posterior`` mode draws them from their priors)."""
    from polemos.campaign.params import calibrated

    def fitted(name: str) -> bool:
        """A parameter is fitted when one of its targets is a calibration target; those that
        name only validation items (``not_fitted``, ``ceasefire_prior_only``) keep their prior."""
        comp, _, key = name.partition(".")
        targets = scenario.parameters[comp][key].fitted_to
        return any(scenario.record[t].use == "calibration" for t in targets
                   if t in scenario.record)

    return {k: v for k, v in calibrated(scenario).items()
            if k.partition(".")[0] not in EXCLUDED_GROUPS and (fitted(k) or not fitted_only)}


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
def _ensemble(params: dict[str, np.ndarray], run_ids: np.ndarray, seed: int,
              chunk_size: int = DEFAULT_CHUNK, max_days: int | None = None,
              scheduler: str | None = None, workers: int | None = None,
              engine: str | None = None):
    """Row ``i`` runs with ``params[k][i]`` for every ``k`` on the random numbers of global run
    ``run_ids[i]`` (point mode), with ``engine`` (None: :func:`resolve_engine`'s default)."""
    from polemos.campaign.engine import DEFAULT_MAX_DAYS, Ensemble

    fixed = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    return Ensemble(runs=len(run_ids), seed=seed, mode="point", chunk_size=chunk_size,
                    max_days=max_days or DEFAULT_MAX_DAYS, fixed=fixed,
                    run_ids=np.asarray(run_ids), scheduler=scheduler, workers=workers,
                    engine=engine)


def replicate(params: dict[str, np.ndarray], runs: int):
    """Each point ``runs`` times (point-major) and the global run of each row: replicate *j* of
    every point on global run *j* (common random numbers)."""
    m = len(next(iter(params.values())))
    return ({k: np.repeat(np.asarray(v, dtype=float), runs) for k, v in params.items()},
            np.tile(np.arange(runs), m))


def simulate(scenario, params: dict[str, np.ndarray], seed: int = 0, run_offset: int = 0,
             chunk_size: int = DEFAULT_CHUNK, max_days: int | None = None,
             scheduler: str | None = None, workers: int | None = None):
    """One engine run per particle: run ``i`` takes ``params[k][i]`` for every ``k`` and the
    random numbers of global run index ``run_offset + i`` (so generations of a sequential ABC
    can use fresh noise while every run stays reproducible). Returns CampaignResults."""
    from polemos.campaign.engine import run_ensemble

    n = len(next(iter(params.values())))
    return run_ensemble(scenario, _ensemble(params, np.arange(n) + run_offset, seed, chunk_size,
                                            max_days, scheduler, workers))


def simulate_replicates(scenario, params: dict[str, np.ndarray], runs: int, seed: int = 0,
                        chunk_size: int = DEFAULT_CHUNK, scheduler: str | None = None,
                        workers: int | None = None, engine: str | None = None):
    """``runs`` runs of each parameter point (``params[k][i]``), replicate *j* of every point on
    the random numbers of global run *j* (common random numbers: two points differ only by
    their parameters). Returns CampaignResults, rows point-major (point i: rows i·runs …)."""
    from polemos.campaign.engine import run_ensemble

    rows, ids = replicate(params, runs)
    return run_ensemble(scenario, _ensemble(rows, ids, seed, chunk_size, None, scheduler,
                                            workers, engine))


def run_statistics(scenario, params: dict[str, np.ndarray], run_ids: np.ndarray, seed: int = 0,
                   chunk_size: int = DEFAULT_CHUNK, *, statistics: Callable | None = None,
                   max_days: int | None = None, scheduler: str | None = None,
                   workers: int | None = None, checkpoint=None, progress=None) -> np.ndarray:
    """(rows, K) ``statistics(results)`` (default :func:`summary_statistics`) of the runs of
    :func:`simulate` (row ``i``: ``params[k][i]``, global run ``run_ids[i]``); each chunk hands
    back only its statistics. With ``checkpoint`` (a directory) finished chunks are kept there
    and a rerun resumes."""
    from polemos.analysis.executor import job_hash
    from polemos.campaign.engine import map_ensemble

    ens = _ensemble(params, run_ids, seed, chunk_size, max_days, scheduler, workers)
    key = None
    if checkpoint is not None:   # the chunks' hashes cover their run indices and parameters
        from polemos import __version__
        from polemos.campaign.kernels import engine_label, resolve_engine

        key = job_hash("calibrate.run_statistics", __version__, scenario, seed, ens.max_days,
                       chunk_size, getattr(statistics, "__qualname__", "summary_statistics"),
                       engine_label(resolve_engine(ens.engine)))
    parts = map_ensemble(scenario, ens, reduce=statistics or summary_statistics,
                         checkpoint=checkpoint, job_key=key, progress=progress)
    return np.concatenate(parts)


def population_diversity(u: np.ndarray) -> dict[str, float]:
    """Distinct particles of an equal-weight population, and the effective number of distinct
    lineages, N_eff = N² / Σ c_i² over the copies c_i of each distinct particle (Kish)."""
    _, counts = np.unique(np.round(np.asarray(u), 12), axis=0, return_counts=True)
    n = counts.sum()
    return {"particles": int(n), "distinct": int(len(counts)),
            "effective_lineages": float(n * n / (counts.astype(float) ** 2).sum())}


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


def period_sums(daily: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """(n, days) daily counts -> (n, P) sums over the 1-based inclusive ``spans``."""
    x = np.atleast_2d(np.asarray(daily, dtype=float))
    last = max(b for _, b in spans)
    if x.shape[1] < last:
        x = np.pad(x, ((0, 0), (0, last - x.shape[1])))
    return np.column_stack([x[:, a - 1:b].sum(1) for a, b in spans])


def weeks(first: int, last: int) -> list[tuple[int, int]]:
    """Consecutive 7-day spans from day ``first`` to ``last`` (the last one may be shorter)."""
    return [(a, min(a + 6, last)) for a in range(first, last + 1, 7)]


def decisive_objective(scenario) -> str:
    """The id of the scenario's decisive objective (``decisive = true``): its fall day is a
    calibration target, ``<id>_fall_day`` in the record."""
    ids = [oid for oid, o in scenario.objectives.items() if o.decisive]
    if len(ids) != 1:
        raise ValueError(f"the calibration needs exactly one decisive objective, got {ids}")
    return ids[0]


def summary_statistics(results, objective: str | None = None,
                       penalty_days: int = NEVER_FELL_PENALTY_DAYS) -> np.ndarray:
    """(n, K) summary statistics in the order of :func:`stat_names` (see the module doc): one
    per calibration target the scenario's record has."""
    a, sc = results.arrays, results.scenario
    end = a["end_day"].astype(float)
    cols = []
    for rid in _core_targets(sc):
        if rid == "duration_days":
            cols.append(end)
        elif rid.endswith("_fall_day"):
            fell = results.objective_day(objective or rid.removesuffix("_fall_day"))
            cols.append(np.where(np.isnan(fell), end + penalty_days, fell))
        elif rid == "area_taken_share":
            cols.append(results.area_taken_share())
        else:                                             # military_killed_<side>
            cols.append(a["killed"][:, results.theatre.sides.index(rid.rpartition("_")[2])])
    for side in _series_sides(sc):
        cols.append(series_shares(a["daily_killed"][:, :, results.theatre.sides.index(side)]))
    for name in _extra_targets(sc):
        cols.append(_extra_statistic(results, name))
    return np.column_stack(cols).astype(float)


def _calibration(scenario, rid: str) -> bool:
    r = scenario.record.get(rid)
    return r is not None and r.use == "calibration"


def _core_targets(scenario) -> list[str]:
    """The end-of-war calibration targets the record has, in this order: ``duration_days``,
    ``<decisive objective>_fall_day``, ``area_taken_share``, ``military_killed_<defender>``,
    ``military_killed_<attacker>``."""
    defender, attacker = _side_names(scenario)
    decisive = [oid for oid, o in scenario.objectives.items() if o.decisive]
    ids = ["duration_days", *(f"{o}_fall_day" for o in decisive[:1]), "area_taken_share",
           f"military_killed_{defender}", f"military_killed_{attacker}"]
    return [rid for rid in ids if _calibration(scenario, rid)]


def _series_sides(scenario) -> list[str]:
    """Sides whose daily killed series (``military_killed_daily_<side>``) is a target."""
    defender, attacker = _side_names(scenario)
    return [s for s in (defender, attacker) if _calibration(scenario, f"{SERIES_TARGET}_{s}")]


EQUIPMENT_TARGETS = {"tanks_lost": 0, "ifv_apc_lost": 1}   # record id stem -> category
MISSING_TARGET = "military_missing"                          # record id stem
AIR_DEFENCE_TARGET = "air_defence_lost_first_days"
AIR_DEFENCE_DAYS = 3


def _extra_targets(scenario) -> list[str]:
    """The missing, equipment and early air-defence calibration targets the scenario's record
    has, in record order: ``military_missing_<side>``, ``tanks_lost_<side>``,
    ``ifv_apc_lost_<side>``, ``air_defence_lost_first_days``."""
    if scenario is None:
        return []
    sides = set(scenario.sides)
    out = []
    for rid, r in scenario.record.items():
        if r.use != "calibration":
            continue
        stem, _, side = rid.rpartition("_")
        if ((stem in EQUIPMENT_TARGETS or stem == MISSING_TARGET) and side in sides) \
                or rid == AIR_DEFENCE_TARGET:
            out.append(rid)
    return out


def _extra_statistic(results, name: str) -> np.ndarray:
    """Per run, the statistic of an equipment or air-defence target (see the module doc)."""
    a, th = results.arrays, results.theatre
    if name == AIR_DEFENCE_TARGET:   # share of the missile launchers lost by the end of day 3
        from polemos.campaign.theatre import AD_CLASSES

        sam = np.array([AD_CLASSES[c] in ("sam_long", "sam_medium", "sam_short")
                        for c in th.ad_class])
        lost = a["daily_ad"][:, :AIR_DEFENCE_DAYS, sam].sum(axis=(1, 2))
        total = a["ad0"][:, sam].sum(axis=1)
        return np.divide(lost, total, out=np.zeros_like(lost), where=total > 0)
    stem, _, side = name.rpartition("_")
    if stem == MISSING_TARGET:
        return a["missing"][:, th.sides.index(side)]
    return a["equip_lost"][:, th.sides.index(side), EQUIPMENT_TARGETS[stem]]


@dataclass
class Targets:
    names: list[str]
    values: np.ndarray
    tolerances: np.ndarray
    notes: list[str] = field(default_factory=list)
    #: True where the target is a lower bound (``bound = "at_least"``): only a shortfall counts
    at_least: np.ndarray | None = None


def targets(scenario) -> Targets:
    """The scenario's [record] calibration targets as summary-statistic values and tolerances
    (in the order of :func:`stat_names`)."""
    rec = scenario.record
    names, vals, tols, notes = [], [], [], []
    for rid in _core_targets(scenario):
        r = rec[rid]
        names.append(rid)
        vals.append(float(r.value))
        tols.append(float(r.tolerance))
        notes.append("")
    for side in _series_sides(scenario):
        rid = f"{SERIES_TARGET}_{side}"
        r = rec[rid]
        obs = np.asarray(r.series, dtype=float)
        shares = series_shares(obs)[0]
        total = obs.sum()
        for (a, b), sh in zip(periods(), shares, strict=True):
            names.append(f"{rid}_share_{a}_{b}")
            vals.append(float(sh))
            tols.append(float(r.tolerance) * np.sqrt(b - a + 1) / total)
            notes.append(f"share of days {a}-{b} in the observed series; tolerance "
                         f"{r.tolerance:g}/day x sqrt({b - a + 1}) / {total:g}")
    lower = [False] * len(names)
    for rid in _extra_targets(scenario):
        r = rec[rid]
        names.append(rid)
        vals.append(float(r.value))
        tols.append(float(r.tolerance))
        notes.append("lower bound: only a model value below it counts" if r.bound == "at_least"
                     else "")
        lower.append(r.bound == "at_least")
    if not names:
        raise ValueError(f"scenario {scenario.name!r}: its [record] has no calibration target "
                         "the calibration knows (use = \"calibration\" on duration_days, "
                         "area_taken_share, military_killed_<side>, ...)")
    return Targets(names, np.array(vals), np.array(tols), notes, np.array(lower))


# --- the time split: fit on what was known by day D, predict the rest ------------------------
def split_targets(scenario, day: int) -> Targets:
    """The calibration targets known by the end of day ``day``: weekly sums of each daily
    killed series over days 1..``day`` (two-sided, tolerance tol_day·√days: a series that is a
    lower bound still dates what was known then) and the early air-defence losses if they are
    dated by then. Nothing about the end of the war."""
    rec = scenario.record
    spans = weeks(1, day)
    names, vals, tols, notes = [], [], [], []
    for side in _series_sides(scenario):
        rid = f"{SERIES_TARGET}_{side}"
        r = rec[rid]
        vals += period_sums(np.asarray(r.series, dtype=float), spans)[0].tolist()
        names += [f"{rid}_{a}_{b}" for a, b in spans]
        tols += [float(r.tolerance) * np.sqrt(b - a + 1) for a, b in spans]
        notes += [f"sum of days {a}-{b} of the observed series; tolerance {r.tolerance:g}/day "
                  f"x sqrt({b - a + 1})" for a, b in spans]
    if AIR_DEFENCE_TARGET in _extra_targets(scenario) and AIR_DEFENCE_DAYS <= day:
        names.append(AIR_DEFENCE_TARGET)
        vals.append(float(rec[AIR_DEFENCE_TARGET].value))
        tols.append(float(rec[AIR_DEFENCE_TARGET].tolerance))
        notes.append("")
    if not names:
        raise ValueError(f"scenario {scenario.name!r}: nothing in its [record] is dated by day "
                         f"{day} (a daily series {SERIES_TARGET}_<side>, or "
                         f"{AIR_DEFENCE_TARGET}): no time split is possible")
    return Targets(names, np.asarray(vals, dtype=float), np.array(tols), notes,
                   np.zeros(len(names), dtype=bool))


def split_statistics(scenario, day: int) -> Callable:
    """``statistics(results) -> (n, K)`` in the order of :func:`split_targets`."""
    with_ad = AIR_DEFENCE_TARGET in split_targets(scenario, day).names
    sides = _series_sides(scenario)
    spans = weeks(1, day)

    def statistics(results) -> np.ndarray:
        daily = results.arrays["daily_killed"]
        cols = [period_sums(daily[:, :, results.theatre.sides.index(s)], spans) for s in sides]
        if with_ad:
            cols.append(_extra_statistic(results, AIR_DEFENCE_TARGET)[:, None])
        return np.column_stack(cols).astype(float)

    return statistics


def _side_names(scenario) -> tuple[str, str]:
    """(defender, attacker) side ids."""
    return scenario.defender, scenario.attacker


def distance(stats: np.ndarray, target_values: np.ndarray, tolerances: np.ndarray,
             at_least: np.ndarray | None = None) -> np.ndarray:
    """Euclidean distance in units of each target's tolerance: sqrt(sum(((s - t) / tol)^2));
    for a lower-bound target (``at_least``) only a shortfall counts: min(0, s − t) / tol."""
    z = (np.atleast_2d(stats) - np.asarray(target_values)) / np.asarray(tolerances)
    if at_least is not None and np.any(at_least):
        z = np.where(np.asarray(at_least, dtype=bool), np.minimum(z, 0.0), z)
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


# --- analyse: sequential ABC (replenishment SMC with MCMC moves) ------------------------------
@dataclass
class SMCResult:
    """Final population (unit-cube coordinates ``u``, equal ``weights``, ``distances``,
    ``stats``) and the history of the generations."""

    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    stats: np.ndarray
    history: list[dict] = field(default_factory=list)

    @property
    def epsilons(self) -> list[float]:
        return [h["epsilon"] for h in self.history]

    @property
    def simulations(self) -> int:
        return int(sum(h["simulations"] for h in self.history))

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


def reflect_unit(x: np.ndarray) -> np.ndarray:
    """Fold values into [0, 1] by reflection at the edges (keeps a random walk symmetric)."""
    x = np.mod(x, 2.0)
    return np.where(x > 1.0, 2.0 - x, x)


def abc_smc(simulator: Callable[[np.ndarray, int, int], np.ndarray], dim: int,
            target_values: np.ndarray, tolerances: np.ndarray, n_particles: int = 1000,
            at_least: np.ndarray | None = None,
            n_initial: int | None = None, generations: int = 30, alpha: float = 0.5,
            min_acceptance: float = 0.02, max_moves: int = 30, target_acceptance: float = 0.25,
            epsilon_floor: float = 0.0, seed: int = 0,
            log: Callable[[str], None] | None = None) -> SMCResult:
    """Sequential ABC by replenishment (Drovandi & Pettitt 2011; Del Moral et al. 2012).

    ``simulator(u, generation, run_offset) -> stats``: ``u`` is (m, dim) on the unit cube
    (the prior is uniform there), ``stats`` (m, K); ``run_offset`` numbers its runs so that
    every simulation draws fresh, reproducible noise.

    * Generation 0 keeps the ``n_particles`` closest of ``n_initial`` prior draws (rejection).
    * Each later generation drops the ``alpha`` share of particles farthest from the targets
      (epsilon_t = the largest distance kept), refills the population by resampling the kept
      ones, and moves each copy by ``R_t`` steps of ABC-MCMC: a Gaussian random walk with the
      kept particles' covariance times a scale, reflected into the cube, accepted when its own
      simulation is within epsilon_t (the prior is uniform and the walk symmetric, so that is
      the whole Metropolis–Hastings ratio). The scale starts at 2.38²/dim (Roberts et al.
      1997) and is multiplied after each generation by its acceptance rate over
      ``target_acceptance`` (within [1/4, 4]). ``R_t`` makes a particle move at least once with
      probability 0.99 at the last generation's acceptance rate (0.5 assumed before the first
      moves; at most ``max_moves``).
    * Stops after ``generations``, when the acceptance rate falls below ``min_acceptance``, or
      after the generation whose threshold reached ``epsilon_floor`` (epsilon_t never goes
      below it). With distances in units of the targets' stated tolerances, a floor of 1 stops
      where the accepted runs are as close as the targets are known: the ABC posterior is
      then the exact posterior under a model error uniform on that ball (Wilkinson 2013),
      rather than a sharper fit than the record supports.

    Particles keep equal weights: there are no importance weights to degenerate, which is what
    makes this work with ~100 parameters (population Monte Carlo ABC's weights collapsed to an
    effective sample size of 7 of 1,000 here).
    """
    rng = np.random.default_rng(seed)
    n_initial = n_initial or 10 * n_particles
    log = log or (lambda s: None)
    t0 = time.perf_counter()
    u = rng.random((n_initial, dim))
    stats = np.asarray(simulator(u, 0, 0), dtype=float)
    d = distance(stats, target_values, tolerances, at_least)
    keep = np.argsort(d, kind="stable")[:n_particles]
    x, d, s = u[keep], d[keep], stats[keep]
    n = len(x)
    hist = [{"generation": 0, "epsilon": float(d.max()), "simulations": n_initial,
             "acceptance": float(n / n_initial), "moves": 0,
             "seconds": time.perf_counter() - t0}]
    log(f"generation 0: {n_initial} prior draws, epsilon {d.max():.3f}, "
        f"{hist[-1]['seconds']:.1f} s")
    offset, p_acc, scale = n_initial, 0.5, 2.38 ** 2 / dim   # p_acc: assumed before any move
    n_keep = n - max(1, int(alpha * n))
    for g in range(1, generations):
        t0 = time.perf_counter()
        order = np.argsort(d, kind="stable")
        kept = order[:n_keep]
        eps = max(float(d[kept[-1]]), epsilon_floor)
        if eps == epsilon_floor:                         # keep all within the floor
            kept = order[d[order] <= eps]
        copies = kept[rng.integers(0, len(kept), n - len(kept))]
        x = np.concatenate([x[kept], x[copies]])
        d = np.concatenate([d[kept], d[copies]])
        s = np.concatenate([s[kept], s[copies]])
        chol = np.linalg.cholesky(scale * np.cov(x[:len(kept)], rowvar=False)
                                  + 1e-9 * np.eye(dim))
        moves = int(min(max_moves, max(1, np.ceil(np.log(0.01) / np.log1p(-min(p_acc,
                                                                         0.99))))))
        movers = np.arange(len(kept), n)
        tried = accepted = 0
        for _ in range(moves if len(movers) else 0):
            prop = reflect_unit(x[movers] + rng.standard_normal((len(movers), dim)) @ chol.T)
            s_new = np.asarray(simulator(prop, g, offset), dtype=float)
            offset += len(movers)
            d_new = distance(s_new, target_values, tolerances, at_least)
            ok = d_new <= eps
            x[movers[ok]], d[movers[ok]], s[movers[ok]] = prop[ok], d_new[ok], s_new[ok]
            tried += len(movers)
            accepted += int(ok.sum())
        p_acc = accepted / tried if tried else 1.0
        hist.append({"generation": g, "epsilon": eps, "simulations": tried,
                     "acceptance": p_acc, "moves": moves, "scale": scale,
                     "seconds": time.perf_counter() - t0})
        log(f"generation {g}: epsilon {eps:.3f}, {moves} moves, acceptance {p_acc:.3f}, "
            f"{hist[-1]['seconds']:.1f} s")
        if p_acc < min_acceptance:
            log(f"acceptance {p_acc:.3f} < {min_acceptance}: stopping")
            break
        if eps <= epsilon_floor:
            log(f"epsilon reached its floor {epsilon_floor:g}: stopping")
            break
        scale *= float(np.clip(p_acc / target_acceptance, 0.25, 4.0))
    return SMCResult(x, np.full(n, 1.0 / n), d, s, hist)


# --- the scenario's calibration ---------------------------------------------------------------
def scenario_simulator(scenario, priors: dict, seed: int, chunk_size: int = DEFAULT_CHUNK,
                       replicates: int = 1, unfitted: dict | None = None,
                       reduce: bool = True, statistics: Callable | None = None,
                       max_days: int | None = None, *,
                       scheduler: str | None = None, workers: int | None = None,
                       checkpoint=None, progress=None):
    """A simulator for :func:`abc_smc`: unit-cube particles -> summary statistics, each the
    mean over ``replicates`` runs of the particle on fresh random numbers (so that a particle
    is judged by what its parameters do, not by one run's noise). ``unfitted`` (name -> prior)
    are drawn from their priors for every run, as ``posterior`` mode draws them later (a
    parameter left out of the fit is at its prior, not at its point value). ``reduce=False``
    returns every replicate, (particles, replicates, K), for the synthetic likelihood;
    ``statistics(results) -> (runs, K)`` replaces :func:`summary_statistics` and ``max_days``
    stops the runs early (time split: nothing after the cut-off day changes what it sees).

    ``scheduler``/``workers``: where the runs go (:func:`~polemos.analysis.executor.map_chunks`;
    the same statistics on any). ``checkpoint``: a directory; each call (a batch, named by its
    run offset) keeps its finished chunks in a subdirectory, so that a rerun of the same
    calibration replays the finished batches from disk and resumes the interrupted one."""

    def run(u: np.ndarray, generation: int, run_offset: int) -> np.ndarray:
        params = {k: np.repeat(v, replicates) for k, v in from_unit(priors, u).items()}
        m = len(u) * replicates
        if unfitted:
            draws = np.random.default_rng([seed, run_offset]).random((m, len(unfitted)))
            params.update(from_unit(unfitted, draws))
        batch = None if checkpoint is None else Path(checkpoint) / f"batch-{run_offset:010d}"
        S = run_statistics(scenario, params, np.arange(m) + run_offset * replicates, seed,
                           chunk_size, statistics=statistics, max_days=max_days,
                           scheduler=scheduler, workers=workers, checkpoint=batch,
                           progress=progress)
        S = S.reshape(len(u), replicates, -1)
        return S.mean(axis=1) if reduce else S

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
             chunk_size: int = DEFAULT_CHUNK, scheduler: str | None = None,
             workers: int | None = None) -> dict:
    """Run the calibrated model (mode='posterior') and compare it with the targets (median,
    10–90% band, share of runs within tolerance) and report the out-of-sample values."""
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.campaign.state import END_CAUSES
    from polemos.results import band

    t0 = time.perf_counter()
    res = run_ensemble(scenario, Ensemble(runs=runs, seed=seed, mode="posterior",
                                          chunk_size=chunk_size, scheduler=scheduler,
                                          workers=workers), posterior=posterior)
    secs = time.perf_counter() - t0
    S = summary_statistics(res)
    tg = targets(scenario)
    out = {"runs": runs, "seed": seed, "seconds": secs, "targets": [], "out_of_sample": {}}
    for j, name in enumerate(tg.names):
        m, lo, hi = band(S[:, j])
        miss = S[:, j] - tg.values[j]
        if tg.at_least is not None and tg.at_least[j]:
            miss = np.minimum(miss, 0.0)
        within = float(np.mean(np.abs(miss) <= tg.tolerances[j]))
        out["targets"].append({"name": name, "target": float(tg.values[j]),
                               "tolerance": float(tg.tolerances[j]), "median": float(m),
                               "p10": float(lo), "p90": float(hi), "within_tolerance": within})
    decisive = [oid for oid, o in scenario.objectives.items() if o.decisive]
    if decisive and "duration_days" in scenario.record:
        # the decisive objective falls within WINDOW_DAYS of the war's recorded length
        fell = res.objective_day(decisive[0])
        dur = float(scenario.record["duration_days"].value)
        lo, hi = dur - WINDOW_DAYS, dur + WINDOW_DAYS
        out["decisive_objective"] = decisive[0]
        out["decisive_fell_share"] = float(np.mean(~np.isnan(fell)))
        out["decisive_in_window_share"] = float(np.mean((fell >= lo) & (fell <= hi)))
        out["window_days"] = [lo, hi]
    out["end_causes"] = {END_CAUSES[c]: float(np.mean(res.arrays["end_cause"] == c))
                         for c in np.unique(res.arrays["end_cause"])}
    t = res.table()
    oos = {}
    oos["handed_over_share"] = _band_dict(t["handed_over_share"].to_numpy())
    if "area_handed_over_share" in scenario.record:
        oos["handed_over_share"]["record"] = float(
            scenario.record["area_handed_over_share"].value)
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
    # each recorded daily killed series by week, observed against the model (the time split's
    # held-out part is the weeks after its cut-off day)
    out["killed_by_week"] = {}
    for side in _series_sides(scenario):
        obs = np.asarray(scenario.record[f"{SERIES_TARGET}_{side}"].series, dtype=float)
        spans = weeks(1, len(obs))
        model = period_sums(res.arrays["daily_killed"][:, :, th.sides.index(side)], spans)
        out["killed_by_week"][side] = [
            {"days": [a, b], "observed": float(o), **_band_dict(model[:, j])}
            for j, ((a, b), o) in enumerate(zip(spans, period_sums(obs, spans)[0],
                                                strict=True))]
    return out


def plot_profiles(priors: dict, samples: dict[str, np.ndarray], path: Path,
                  order: list[str] | None = None, k: int = 12) -> Path:
    """Posterior marginals of ``k`` fitted parameters (the screen's most influential first,
    ``order``) on the prior's unit scale, where the prior is the flat line at 1: what the fit
    learnt about each, and what it did not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in (order or list(priors)) if n in priors][:k]
    u = to_unit({n: priors[n] for n in names}, {n: samples[n] for n in names})
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False)
    for ax, j in zip(axes.flat, range(len(names)), strict=False):
        ax.hist(u[:, j], bins=20, range=(0, 1), density=True, color="tab:blue", alpha=0.7)
        ax.axhline(1.0, color="grey", lw=1, ls="--")
        lo, hi, shape = priors[names[j]]
        ax.set_title(names[j], fontsize=8)
        ax.set_xlabel(f"prior {lo:g} to {hi:g}{' (log)' if shape == 'loguniform' else ''}",
                      fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle("Posterior marginals on the prior's scale (dashed: the prior)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _reduced() -> bool:
    return os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m polemos.analysis.calibrate",
                                 description="Calibration of a scenario's campaign "
                                             "parameters to its [record] targets")
    ap.add_argument("--scenario", default=DEFAULT)
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--initial", type=int, default=None, help="prior draws (20 x particles)")
    ap.add_argument("--generations", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20201110)
    ap.add_argument("--posterior-rows", type=int, default=2000)
    ap.add_argument("--evaluate-runs", type=int, default=10000)
    ap.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
    ap.add_argument("--method", choices=("sl", "smc"), default="sl",
                    help="sl: synthetic likelihood by DE-MC (default); smc: replenishment "
                         "SMC-ABC")
    ap.add_argument("--replicates", type=int, default=None,
                    help="runs per particle on fresh random numbers (default 10 for sl, whose "
                         "likelihood uses their mean and covariance; 4 for smc, which uses "
                         "their mean)")
    ap.add_argument("--chains", type=int, default=48, help="DE-MC chains (sl)")
    ap.add_argument("--steps", type=int, default=400, help="DE-MC steps per chain (sl)")
    ap.add_argument("--start", type=Path, default=None,
                    help="sl: start the chains at rows of this posterior CSV (a previous run's; "
                         "its burn-in is then the previous run's) instead of the best prior "
                         "draws")
    ap.add_argument("--until-day", type=int, default=None,
                    help="time split: fit only the targets known by the end of this day (the "
                         "defender's killed by week, early air-defence losses) and predict "
                         "the rest; writes beside --out, never over the shipped posterior")
    ap.add_argument("--no-screen", dest="screen", action="store_false",
                    help="fit every calibrated parameter (no identifiability screen first)")
    ap.add_argument("--screen-trajectories", type=int, default=10)
    ap.add_argument("--screen-runs", type=int, default=20,
                    help="replicate runs per screening point (common random numbers)")
    ap.add_argument("--out", type=Path, default=None,
                    help="posterior CSV (default: posterior.csv beside the scenario)")
    ap.add_argument("--report", type=Path, default=None,
                    help="JSON report (default: docs/calibration-report.json)")
    ap.add_argument("--scheduler", default=None,
                    help="where the engine runs go: 'local' (a Dask cluster on this machine) or "
                         "a Dask scheduler's address (tcp://host:8786); default: this process, "
                         "or a local cluster when --workers > 1. The results are the same on "
                         "any")
    ap.add_argument("--workers", type=int, default=None,
                    help="worker processes of the local cluster (default: one per CPU)")
    ap.add_argument("--checkpoint", "--resume", dest="checkpoint", type=Path, default=None,
                    metavar="DIR",
                    help="keep every finished chunk of engine runs in DIR; run the same "
                         "command again with the same DIR to resume an interrupted calibration "
                         "(refused if DIR holds another calibration)")
    a = ap.parse_args(argv)
    if a.workers is not None and a.workers < 1:
        ap.error(f"--workers: must be at least 1, got {a.workers}")
    from polemos.analysis.executor import ExecutorError, default_scheduler

    a.scheduler = default_scheduler(a.scheduler, a.workers)
    try:
        return _calibrate(a)
    except ExecutorError as e:
        print(f"calibrate: {e}", file=sys.stderr)
        return 1


def _job(a, scenario) -> dict:
    """What defines a calibration's results (not where it runs): a checkpoint is resumed only
    by the same job."""
    from polemos import __version__
    from polemos.analysis.executor import job_hash
    from polemos.campaign.kernels import engine_label, resolve_engine

    job = {"command": "calibrate", "polemos": __version__, "engine": engine_label(resolve_engine()),
           "scenario": a.scenario,
           "scenario_hash": job_hash(scenario)[:16], "seed": a.seed, "method": a.method,
           "replicates": a.replicates, "until_day": a.until_day, "chunk_size": a.chunk_size,
           "screen": a.screen}
    if a.screen:
        job.update(screen_trajectories=a.screen_trajectories, screen_runs=a.screen_runs)
    if a.method == "sl" and a.start is not None:     # chains continued from a posterior file
        try:
            start = job_hash(a.start.read_bytes())[:16]
        except OSError:
            start = None
        job.update(chains=a.chains, steps=a.steps, start=str(a.start), start_hash=start)
    elif a.method == "sl":
        job.update(chains=a.chains, steps=a.steps, initial=a.initial or 20 * a.chains)
    else:
        job.update(particles=a.particles, generations=a.generations,
                   initial=a.initial or 20 * a.particles)
    return job


def _calibrate(a) -> int:
    from polemos.analysis.posterior import FILENAME, read_posterior, write_posterior
    from polemos.scenario import load_scenario

    if a.replicates is None:
        a.replicates = 10 if a.method == "sl" else 4
    if _reduced():
        a.particles, a.generations = min(a.particles, 40), min(a.generations, 2)
        a.initial = min(a.initial or 10 ** 9, 120 if a.method == "smc" else 16)
        a.chains, a.steps = min(a.chains, 4), min(a.steps, 2)
        a.posterior_rows, a.evaluate_runs = min(a.posterior_rows, 100), min(a.evaluate_runs, 100)
        a.screen_trajectories, a.screen_runs = 2, 2
        a.replicates = 1 if a.method == "smc" else min(a.replicates, 2)
    sc = load_scenario(a.scenario)
    if a.out is None:
        if _reduced() or a.until_day is not None:
            import tempfile

            a.out = Path(tempfile.mkdtemp(prefix="polemos-calibrate-")) / FILENAME
        else:
            a.out = Path(sc.origin[-1]).parent / FILENAME
    if a.report is None:                       # docs/ of the repository, else beside --out
        docs = Path(__file__).resolve().parents[3] / "docs"
        shipped = docs.is_dir() and not _reduced() and a.until_day is None
        a.report = (docs if shipped else a.out.parent) \
            / "calibration-report.json"
    priors = campaign_priors(sc)
    tg = targets(sc) if a.until_day is None else split_targets(sc, a.until_day)
    statistics = None if a.until_day is None else split_statistics(sc, a.until_day)

    def log(s):
        print(s, file=sys.stderr, flush=True)

    where = {"scheduler": a.scheduler, "workers": a.workers,
             "progress": True if sys.stderr.isatty() else None}
    if a.checkpoint is not None:
        from polemos.analysis.executor import claim_checkpoint

        claim_checkpoint(a.checkpoint, _job(a, sc))
        log(f"checkpoint {a.checkpoint}: finished chunks are kept there (and resumed from)")
    screening, unfitted = None, {}
    if a.screen:
        from polemos.analysis.identify import screen

        t0 = time.perf_counter()
        screening = screen(sc, priors, trajectories=a.screen_trajectories,
                           runs=a.screen_runs, seed=a.seed, tg=tg, statistics=statistics,
                           **where, checkpoint=None if a.checkpoint is None
                           else a.checkpoint / "screen")
        log(f"identifiability screen: {screening.runs:,} runs in "
            f"{time.perf_counter() - t0:.0f} s; singular values "
            + ", ".join(f"{x:.3g}" for x in screening.singular_values[:10])
            + f"; {len(screening.inert)} of {len(priors)} parameters inert (left at prior)")
        unfitted = {k: v for k, v in priors.items() if k in set(screening.inert)}
        priors = {k: v for k, v in priors.items() if k in set(screening.active)}
    log(f"{len(priors)} calibrated campaign parameters fitted, {len(tg.names)} statistics")
    t0 = time.perf_counter()
    method = {}
    if a.method == "sl":
        from polemos.analysis.synthetic_likelihood import best_of_prior, sl_demc

        sim = scenario_simulator(sc, priors, a.seed, a.chunk_size, a.replicates, unfitted,
                                 reduce=False, statistics=statistics, max_days=a.until_day,
                                 **where, checkpoint=a.checkpoint)
        if a.start is not None:
            prev = read_posterior(a.start)
            if not prev:
                raise SystemExit(f"{a.start}: no rows")
            missing = sorted(set(priors) - set(prev))
            if missing:
                raise SystemExit(f"{a.start}: no column for the fitted parameters {missing}")
            n_prev = len(next(iter(prev.values())))
            rows = np.random.default_rng(a.seed).choice(n_prev, a.chains,
                                                        replace=n_prev < a.chains)
            init = to_unit(priors, {k: prev[k][rows] for k in priors})
            initial = 0
            log(f"start: {a.chains} rows of {a.start}")
        else:
            initial = a.initial or 20 * a.chains
            init, _ = best_of_prior(sim, len(priors), a.chains, initial, tg.values,
                                    tg.tolerances, tg.at_least, seed=a.seed)
            log(f"start: the best {a.chains} of {initial} prior draws "
                f"({initial * a.replicates:,} runs, {time.perf_counter() - t0:.0f} s)")
        sl = sl_demc(sim, init, tg.values, tg.tolerances, tg.at_least, steps=a.steps,
                     seed=a.seed, run_offset=initial, log=log)
        draws = sl.draws()
        diag = sl.diagnostics()
        log(f"DE-MC: acceptance {sl.acceptance:.3f}; worst split-R-hat {diag['rhat_max']}, "
            f"smallest bulk ESS {diag['ess_min']} of {diag['draws']} kept draws")
        diversity = population_diversity(draws)
        idx = np.random.default_rng(a.seed).choice(len(draws), a.posterior_rows,
                                                   replace=len(draws) < a.posterior_rows)
        samples = from_unit(priors, draws[idx])
        simulations = initial + sl.simulations
        method = {"method": "Bayesian synthetic likelihood (Wood 2010; Price et al. 2018), "
                            "DE-MC with subspace crossover (ter Braak 2006; Vrugt et al. "
                            "2009), started at the best prior draws",
                  "chains": a.chains, "steps": a.steps, "acceptance": sl.acceptance,
                  "history": sl.history, "generations_run": None,
                  "convergence": {**diag, "parameters": list(priors)},
                  "final_population_stats": None}
    else:
        smc = abc_smc(scenario_simulator(sc, priors, a.seed, a.chunk_size, a.replicates,
                                         unfitted, statistics=statistics, **where,
                                         checkpoint=a.checkpoint),
                      len(priors),
                      tg.values, tg.tolerances, n_particles=a.particles, at_least=tg.at_least,
                      n_initial=a.initial or 20 * a.particles, generations=a.generations,
                      epsilon_floor=EPSILON_FLOOR, seed=a.seed, log=log)
        diversity = population_diversity(smc.u)
        log(f"final population: {diversity['distinct']} distinct of "
            f"{diversity['particles']}, {diversity['effective_lineages']:.0f} effective "
            f"lineages")
        idx = smc.resample(a.posterior_rows, a.seed)
        samples = from_unit(priors, smc.u[idx])
        simulations = smc.simulations
        method = {"method": "replenishment SMC-ABC (Drovandi & Pettitt 2011): half the "
                            "population dropped per generation, refilled by ABC-MCMC moves "
                            "(Gaussian random walk, 2x the population covariance, reflected "
                            "into the unit cube)",
                  "particles": a.particles, "generations_run": len(smc.epsilons),
                  "history": smc.history,
                  "final_population_stats": {
                      n: {"median": float(np.median(smc.stats[:, j])),
                          "p10": float(np.percentile(smc.stats[:, j], 10)),
                          "p90": float(np.percentile(smc.stats[:, j], 90))}
                      for j, n in enumerate(tg.names)}}
    t_cal = time.perf_counter() - t0
    a.out.parent.mkdir(parents=True, exist_ok=True)
    write_posterior(a.out, samples)
    log(f"posterior ({a.posterior_rows} rows) -> {a.out}  [{t_cal:.0f} s]")
    # evaluate with the values as written (6 significant digits)
    written = read_posterior(a.out)
    ev = evaluate(sc, written, a.evaluate_runs, a.seed + 1, a.chunk_size, a.scheduler,
                  a.workers)
    log(f"evaluation: {a.evaluate_runs} runs in posterior mode [{ev['seconds']:.0f} s]")
    report = {
        "scenario": sc.name, "seed": a.seed, "reduced": _reduced(),
        "fitted_until_day": a.until_day,
        **method,
        "replicates": a.replicates,
        "scheduler": a.scheduler or "serial", "workers": a.workers,
        "simulations": simulations, "engine_runs": simulations * a.replicates,
        "calibration_seconds": t_cal,
        "targets": [{"name": n, "value": float(v), "tolerance": float(t), "note": note}
                    for n, v, t, note in zip(tg.names, tg.values, tg.tolerances, tg.notes,
                                             strict=True)],
        "parameters": posterior_summary(priors, samples),
        "population_diversity": diversity,
        "posterior_rows_distinct": population_diversity(to_unit(priors, samples))["distinct"],
        "identifiability": screening.report() if screening is not None else None,
        "evaluation": ev,
    }
    a.report.write_text(json.dumps(report, indent=1))
    log(f"report -> {a.report}")
    order = None
    if screening is not None:                   # the most influential parameters first
        eff = {e["parameter"]: e["largest"] for e in screening.report()["effects"]}
        order = sorted(priors, key=lambda n: -eff.get(n, 0.0))
    fig = plot_profiles(priors, samples, a.report.with_name(a.report.stem + "-profiles.png"),
                        order)
    log(f"posterior marginals -> {fig}")
    if "decisive_objective" in ev:
        log(f"  {ev['decisive_objective']} falls in {ev['decisive_fell_share']:.0%} of runs, "
            f"within days {ev['window_days'][0]:g}-{ev['window_days'][1]:g} in "
            f"{ev['decisive_in_window_share']:.0%}")
    for r in ev["targets"]:
        log(f"  {r['name']:<40} target {r['target']:>9.3f} ± {r['tolerance']:<7.3g} model "
            f"{r['median']:>9.3f} [{r['p10']:.3f}, {r['p90']:.3f}]  within tol "
            f"{r['within_tolerance']:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
