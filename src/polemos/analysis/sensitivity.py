"""What decided the war: variance-based global sensitivity of a campaign's outcomes to groups
of its inputs (Sobol' indices, SALib). ``polemos sensitivity SCENARIO``.

The contract is that of :mod:`~polemos.analysis.calibrate` and :mod:`~polemos.analysis.identify`:
plain functions on arrays.

    ranges, source = input_ranges(sc, over="posterior")      # name -> (low, high, shape)
    groups, table = assign_groups(parameter_keys(sc, ranges), group_tables(sc))
    U = sobol_design(list(ranges), [groups[k] for k in ranges], n=256, seed=1)   # sample
    Y, var = evaluate_points(sc, ranges, U, replicates=8, seed=1)               # evaluate
    idx = sobol_indices([groups[k] for k in ranges], Y)                          # analyse

**Indices** (Sobol' 1993, 2001; Saltelli et al. 2010), for an output Y = f(X) and a group of
inputs X_g (the other inputs X_~g):

* first order ``S1_g = Var(E[Y | X_g]) / Var(Y)``: the share of the output's variance the group
  explains on its own;
* total order ``ST_g = E[Var(Y | X_~g)] / Var(Y)``: the share it explains with all its
  interactions; ``ST_g ≈ 0``: the group could be fixed anywhere in its range and the output
  would not change. ``ST_g − S1_g`` is the group's share through interactions.

**Design**: Saltelli's scheme on a scrambled Sobol' sequence (SALib ``sobol.sample``, groups,
``calc_second_order=False``): ``N`` base rows, ``N · (G + 2)`` points for ``G`` groups.
**Estimators**: SALib ``sobol.analyze``: S1 by Saltelli et al. (2010, table 2 (b)), ST by Jansen
(1999); 95% confidence intervals from ``resamples`` bootstrap resamples of the ``N`` base rows
(normal approximation: index ± 1.96 · bootstrap sd).

**Evaluation**: every point is the mean of ``replicates`` engine runs on **common random
numbers** (replicate *j* of every point on the random numbers of global run *j*,
:func:`~polemos.analysis.calibrate.simulate_replicates`): points differ by their inputs, not by
their luck. The **noise share** of an output is the Monte Carlo variance of a point's mean
(the replicates' variance / ``replicates``, averaged over points) over the variance of the
means across points: with noise independent between points every ST would be inflated by up
to that share; common random numbers correlate the noise of paired points and make the
inflation smaller.

**Which inputs vary**: the scenario's calibrated campaign parameters (``ceasefire.*`` left out)
with ``over = "posterior"``: each within its posterior's marginal ``quantiles`` (default 5–95%,
uniform, or uniform in log for a log-uniform prior), or its prior where the posterior has no
column (``posterior`` mode draws it from its prior); ``over = "prior"``: each over its prior.
Every other number keeps its value. **Caveat**: Sobol' indices assume independent inputs; the
posterior's draws are correlated (ridges the record constrains), so the design covers the box
of the marginal ranges, combinations the posterior finds unlikely included: the indices say
how the model responds over that box, not how the posterior's uncertainty splits.

**Groups** come from a table of patterns (``sensitivity_groups.toml`` beside this module; a
scenario's ``[sensitivity.groups]`` and ``--groups FILE`` add to it or override it), matched
against each parameter's keys: its name and the key paths of the quantities that read it
(:func:`parameter_keys`). The most specific pattern wins; an input no pattern matches goes to
``other`` and is reported.

References: Sobol' (1993, 2001); Jansen (1999); Saltelli et al. (2010), Comput. Phys. Commun.
181:259; Herman & Usher (2017), SALib, JOSS 2(9):97.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GROUPS_FILE = Path(__file__).with_name("sensitivity_groups.toml")
OTHER = "other"
OVER = ("posterior", "prior")
KIND = "model result (Sobol' indices of the simulation), not evidence"
DEFAULT_QUANTILES = (0.05, 0.95)
RESAMPLES = 1000
CONF_LEVEL = 0.95


# --- which inputs vary, over which ranges ----------------------------------------------------
def input_ranges(scenario, over: str = "posterior",
                 quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                 ) -> tuple[dict[str, tuple[float, float, str]], dict[str, str]]:
    """The varied inputs: name -> (low, high, shape) (a :func:`~polemos.analysis.calibrate.
    from_unit` priors dict) and name -> where the range comes from (see the module doc)."""
    from polemos.analysis.calibrate import campaign_priors
    from polemos.analysis.posterior import load_posterior

    if over not in OVER:
        raise ValueError(f"over must be one of {OVER}, got {over!r}")
    lo_q, hi_q = quantiles
    if not 0 <= lo_q < hi_q <= 1:
        raise ValueError(f"quantiles must satisfy 0 <= low < high <= 1, got {quantiles}")
    priors = campaign_priors(scenario, fitted_only=False)
    post = load_posterior(scenario) if over == "posterior" else None
    ranges, source = {}, {}
    for k, (lo, hi, shape) in priors.items():
        if post is not None and k in post:
            qlo, qhi = np.quantile(post[k], [lo_q, hi_q])
            ranges[k] = (float(qlo), float(qhi), shape)
            source[k] = f"posterior {lo_q:.0%}-{hi_q:.0%}"
        else:
            ranges[k] = (lo, hi, shape)
            source[k] = "prior" if over == "prior" else "prior (no posterior column)"
    return ranges, source


def posterior_correlation(scenario, names: list[str]) -> dict | None:
    """How far the posterior is from the independence Sobol' assumes: the largest absolute
    correlation between two of its columns and the share of pairs above 0.3."""
    from polemos.analysis.posterior import load_posterior

    post = load_posterior(scenario)
    cols = [k for k in names if post is not None and k in post and np.ptp(post[k]) > 0]
    if len(cols) < 2:
        return None
    r = np.corrcoef(np.column_stack([post[k] for k in cols]), rowvar=False)
    iu = np.triu_indices(len(cols), 1)
    a = np.abs(r[iu])
    j = int(np.argmax(a))
    return {"columns": len(cols), "max_abs": float(a[j]),
            "max_pair": [cols[iu[0][j]], cols[iu[1][j]]],
            "share_of_pairs_above_0.3": float(np.mean(a > 0.3))}


# --- groups -----------------------------------------------------------------------------------
@dataclass
class GroupTable:
    """Groups of one table: id -> (label, note, patterns); ``source`` names where it was read."""

    groups: dict[str, object]
    source: str


def read_group_table(path: Path) -> GroupTable:
    """A TOML file of ``[groups.<id>]`` tables (label, note, patterns), checked against the
    schema; a problem raises ScenarioError naming the file, line and key."""
    from pydantic import ValidationError

    from polemos.scenario.errors import Problem, ScenarioError
    from polemos.scenario.load import Loaded, read_toml, validation_problems
    from polemos.scenario.schema import SensitivitySpec

    path = Path(path)
    data, where = read_toml(path)
    try:
        spec = SensitivitySpec.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(validation_problems(e, Loaded(data, where, [str(path)]),
                                                SensitivitySpec)) from None
    if not spec.groups:
        raise ScenarioError([Problem(str(path), None, "groups",
                                     "no [groups.<id>] table: nothing to group by")])
    return GroupTable(dict(spec.groups), str(path))


def group_tables(scenario, extra: Path | None = None) -> list[GroupTable]:
    """The tables in order of precedence: ``extra`` (``--groups FILE``), the scenario's
    ``[sensitivity.groups]``, the default table."""
    out = [read_group_table(extra)] if extra is not None else []
    if scenario is not None and scenario.sensitivity is not None \
            and scenario.sensitivity.groups:
        out.append(GroupTable(dict(scenario.sensitivity.groups),
                              f"scenario {scenario.name} [sensitivity.groups]"))
    out.append(read_group_table(GROUPS_FILE))
    return out


def parameter_keys(scenario, names) -> dict[str, list[str]]:
    """name -> its keys: the name itself, then the key path of every quantity of the scenario
    that reads it with ``{param = name}`` (e.g. ``forces.armenia.air_defence.osa.count``)."""
    from polemos.scenario.quantity import ParamRef
    from polemos.scenario.validation import walk

    keys = {k: [k] for k in names}
    for path, x in walk(scenario):
        if isinstance(x, ParamRef) and x.param in keys:
            keys[x.param].append(".".join(map(str, path)))
    return keys


def specificity(pattern: str) -> int:
    """Characters of a glob pattern that are not wildcards: the more, the more specific."""
    return len(pattern) - sum(pattern.count(c) for c in "*?[]")


def assign_groups(keys: dict[str, list[str]], tables: list[GroupTable]
                  ) -> tuple[dict[str, str], dict]:
    """Each parameter's group: the first table (in precedence order) with a pattern matching
    one of its keys decides, by its most specific matching pattern; no match: ``other``.

    Returns (name -> group id, info) with info = {"labels", "notes", "order", "matched_by",
    "unused_patterns"}. Raises ValueError when two groups of one table match a parameter
    equally specifically."""
    assigned, matched_by = {}, {}
    used = set()
    for name, ks in keys.items():
        for t in tables:
            best = []
            for gid, g in t.groups.items():
                for p in g.patterns:
                    if any(fnmatch.fnmatchcase(k, p) for k in ks):
                        best.append((specificity(p), gid, p))
            if not best:
                continue
            top = max(b[0] for b in best)
            winners = {(gid, p) for s, gid, p in best if s == top}
            if len({gid for gid, _ in winners}) > 1:
                raise ValueError(f"{t.source}: parameter {name} (keys {', '.join(ks)}) matches "
                                 "patterns of several groups equally: "
                                 + ", ".join(f"{p!r} ({gid})" for gid, p in sorted(winners))
                                 + "; make one pattern more specific")
            gid, p = sorted(winners)[0]
            assigned[name], matched_by[name] = gid, f"{p} [{t.source}]"
            used.add((t.source, gid, p))
            break
        else:
            assigned[name], matched_by[name] = OTHER, "no pattern"
    labels, notes, order = {}, {}, []
    for t in reversed(tables):                    # the default table's order first
        for gid, g in t.groups.items():
            if gid not in order:
                order.append(gid)
            labels[gid] = g.label or gid
            notes[gid] = g.note
    order.append(OTHER)
    labels[OTHER], notes[OTHER] = "other", "inputs no pattern matches"
    unused = [f"{p} ({gid}) [{t.source}]" for t in tables for gid, g in t.groups.items()
              for p in g.patterns if (t.source, gid, p) not in used]
    return assigned, {"labels": labels, "notes": notes, "order": order,
                      "matched_by": matched_by, "unused_patterns": unused}


# --- sample -----------------------------------------------------------------------------------
def problem(names: list[str], groups: list[str]) -> dict:
    """SALib's problem on the unit cube, inputs grouped (``groups[i]`` is input i's group)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names),
            "groups": list(groups)}


def group_order(groups: list[str]) -> list[str]:
    """The groups in SALib's order (first appearance)."""
    return list(dict.fromkeys(groups))


def sobol_design(names: list[str], groups: list[str], n: int, seed: int) -> np.ndarray:
    """Saltelli's design without second-order terms: ``n · (G + 2)`` points of the unit cube
    (``n`` a power of 2: the Sobol' sequence is balanced at powers of 2)."""
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise ValueError(f"the base sample size must be a power of 2 (>= 2), got {n}")
    return sobol_sample.sample(problem(names, groups), n, calc_second_order=False,
                               scramble=True, seed=seed)


# --- evaluate: the engine ---------------------------------------------------------------------
@dataclass(frozen=True)
class Output:
    name: str                        # a column of CampaignResults.table(), or derived
    label: str
    record: str | None = None        # the record item it relates to (fitted / out of sample)


def outputs(scenario) -> list[Output]:
    """The outcomes analysed: duration, area taken, each side's dead, the decisive objective's
    fall (share of runs and day), tanks and AFVs lost per side, the defender's air defence
    lost (the engine models air defence on the defender's side only)."""
    from polemos.analysis.calibrate import decisive_objective

    att, dfd = scenario.attacker, scenario.defender
    oid = decisive_objective(scenario)
    oname = scenario.objectives[oid].name
    outs = [Output("duration_days", "war duration, days", "duration_days"),
            Output("area_taken_share", "area taken in fighting, share", "area_taken_share"),
            Output(f"killed_{dfd}", f"military killed, {dfd}", f"military_killed_{dfd}"),
            Output(f"killed_{att}", f"military killed, {att}", f"military_killed_{att}"),
            Output(f"{oid}_fell", f"{oname} fell, share of runs", f"{oid}_fall_day"),
            Output(f"{oid}_fall_day", f"day {oname} fell (never: end + 10)",
                   f"{oid}_fall_day")]
    for cat, what in (("tanks", "tanks"), ("ifv_apc", "AFVs")):
        for side in (dfd, att):
            outs.append(Output(f"lost_{cat}_{side}", f"{what} lost, {side}",
                               f"{cat}_lost_{side}"))
    outs.append(Output(f"lost_air_defence_{dfd}", f"air defence systems lost, {dfd}"))
    return outs


def output_statistics(results, outs: list[Output]) -> np.ndarray:
    """(runs, K) the outputs of each run. The decisive objective's fall day is, when it never
    fell, ``end_day + NEVER_FELL_PENALTY_DAYS`` (the calibration's convention)."""
    from polemos.analysis.calibrate import NEVER_FELL_PENALTY_DAYS

    t = results.table()
    cols = []
    for o in outs:
        if o.name.endswith("_fell"):
            cols.append(t[o.name[:-len("_fell")] + "_fall_day"].notna().to_numpy(float))
        elif o.name.endswith("_fall_day"):
            day = t[o.name].to_numpy(float)
            end = t["duration_days"].to_numpy(float)
            cols.append(np.where(np.isnan(day), end + NEVER_FELL_PENALTY_DAYS, day))
        else:
            cols.append(t[o.name].to_numpy(float))
    return np.column_stack(cols)


@dataclass(frozen=True)
class PointEvaluator:
    """``(m, D)`` unit-cube points -> {"mean", "var"}: (m, K) mean and variance of the
    outputs over ``replicates`` runs
    each, on common random numbers. A chunk's result depends on the chunk alone, so results do
    not depend on how points are chunked or spread over workers."""

    scenario: object
    ranges: dict
    replicates: int
    seed: int
    outs: tuple
    #: the engine, resolved where the job starts (not in each worker)
    engine: str | None = None

    def __call__(self, u: np.ndarray) -> dict[str, np.ndarray]:
        from polemos.analysis.calibrate import from_unit, simulate_replicates

        u = np.atleast_2d(u)
        res = simulate_replicates(self.scenario, from_unit(self.ranges, u), self.replicates,
                                  self.seed, engine=self.engine)
        y = output_statistics(res, list(self.outs)).reshape(len(u), self.replicates, -1)
        var = y.var(axis=1, ddof=1) if self.replicates > 1 else np.zeros_like(y[:, 0])
        return {"mean": y.mean(axis=1), "var": var}


def chunks_of(u: np.ndarray, size: int) -> list[np.ndarray]:
    return [u[a:a + size] for a in range(0, len(u), size)]


def evaluate_points(scenario, ranges: dict, u: np.ndarray, replicates: int, seed: int,
                    outs: list[Output] | None = None, *, points_per_chunk: int | None = None,
                    scheduler=None, workers=None, checkpoint=None, job_key=None,
                    progress: Callable[[int, int], None] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(P, K) means and (P, K) replicate variances of the outputs at the points ``u``, through
    :func:`polemos.analysis.executor.map_chunks` (``progress(done, total)`` in chunks)."""
    from polemos.analysis.executor import map_chunks
    from polemos.campaign.engine import DEFAULT_CHUNK

    outs = outs or outputs(scenario)
    size = points_per_chunk or max(1, DEFAULT_CHUNK // replicates)
    from polemos.campaign.kernels import resolve_engine

    ev = PointEvaluator(scenario, dict(ranges), int(replicates), int(seed), tuple(outs),
                        resolve_engine())
    parts = map_chunks(ev, chunks_of(np.asarray(u, dtype=float), size), scheduler=scheduler,
                       workers=workers, checkpoint=checkpoint, job_key=job_key,
                       progress=progress)
    return (np.concatenate([p["mean"] for p in parts]), np.concatenate([p["var"] for p in parts]))


# --- analyse ----------------------------------------------------------------------------------
@dataclass
class Indices:
    """Sobol' indices of K outputs to G groups, each (G, K); ``conf`` the half-width of the
    95% bootstrap interval."""

    groups: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray


def sobol_indices(groups: list[str], Y: np.ndarray, resamples: int = RESAMPLES,
                  conf_level: float = CONF_LEVEL, seed: int = 0) -> Indices:
    """First and total-order indices of each column of ``Y`` (rows in the order of
    :func:`sobol_design`), with bootstrap intervals. An output that does not vary gets NaN."""
    import warnings

    from SALib.analyze import sobol as sobol_analyze

    Y = np.asarray(Y, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    order = group_order(groups)
    prob = problem([f"x{i}" for i in range(len(groups))], groups)
    G, K = len(order), Y.shape[1]
    out = [np.full((G, K), np.nan) for _ in range(4)]
    for k in range(K):
        y = Y[:, k]
        if not np.all(np.isfinite(y)) or np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = sobol_analyze.analyze(prob, y, calc_second_order=False,
                                      num_resamples=resamples, conf_level=conf_level,
                                      print_to_console=False, seed=int(seed) + 1)
        for a, key in zip(out, ("S1", "S1_conf", "ST", "ST_conf"), strict=True):
            a[:, k] = r[key]
    return Indices(order, *out)


def noise_share(means: np.ndarray, variances: np.ndarray, replicates: int) -> np.ndarray:
    """(K,) Monte Carlo variance of a point's mean (replicate variance / replicates, averaged
    over points) over the variance of the means across points; NaN where they do not vary."""
    total = np.var(means, axis=0)
    noise = np.mean(variances, axis=0) / replicates
    return np.divide(noise, total, out=np.full_like(total, np.nan), where=total > 0)


# --- the whole analysis -----------------------------------------------------------------------
@dataclass
class SensitivityResult:
    outputs: list[Output]
    indices: Indices
    labels: dict[str, str]
    sizes: dict[str, int]                 # parameters per group
    noise: np.ndarray                     # (K,) noise share
    mean: np.ndarray                      # (K,) mean over points
    sd: np.ndarray                        # (K,) sd over points
    status: list[str]                     # per output: fitted / out of sample / not compared
    design: dict = field(default_factory=dict)

    def table(self):
        """One row per (output, group): S1 and ST with their 95% intervals (pandas)."""
        import pandas as pd

        ix = self.indices
        rows = []
        for k, o in enumerate(self.outputs):
            for g, gid in enumerate(ix.groups):
                s1, c1, st, ct = ix.S1[g, k], ix.S1_conf[g, k], ix.ST[g, k], ix.ST_conf[g, k]
                rows.append({"output": o.name, "output_label": o.label, "group": gid,
                             "group_label": self.labels[gid], "parameters": self.sizes[gid],
                             "S1": s1, "S1_low": s1 - c1, "S1_high": s1 + c1,
                             "ST": st, "ST_low": st - ct, "ST_high": st + ct,
                             "noise_share": self.noise[k], "output_mean": self.mean[k],
                             "output_sd": self.sd[k], "record_is": self.status[k],
                             "kind": KIND})
        return pd.DataFrame(rows)

    def write(self, out: Path) -> list[Path]:
        """sensitivity.csv, sensitivity.parquet, sensitivity.png, sensitivity.json in ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        t = self.table()
        paths = [out / "sensitivity.csv", out / "sensitivity.parquet"]
        t.to_csv(paths[0], index=False)
        t.to_parquet(paths[1], index=False)
        paths.append(plot(self, out / "sensitivity.png"))
        js = out / "sensitivity.json"
        js.write_text(json.dumps(self.report(), indent=1))
        paths.append(js)
        return paths

    def report(self) -> dict:
        """JSON-ready: the design and the indices."""
        ix = self.indices

        def f(x):
            return None if not np.isfinite(x) else round(float(x), 6)

        return {
            "kind": KIND, **self.design,
            "outputs": [{"name": o.name, "label": o.label, "record_is": s,
                         "mean": f(m), "sd": f(sd), "noise_share": f(nz),
                         "S1_sum": f(np.nansum(ix.S1[:, k])) if np.isfinite(ix.S1[:, k]).any()
                         else None,
                         "groups": {gid: {"S1": f(ix.S1[g, k]), "S1_conf": f(ix.S1_conf[g, k]),
                                          "ST": f(ix.ST[g, k]), "ST_conf": f(ix.ST_conf[g, k])}
                                    for g, gid in enumerate(ix.groups)}}
                        for k, (o, s, m, sd, nz) in enumerate(zip(
                            self.outputs, self.status, self.mean, self.sd, self.noise,
                            strict=True))],
        }


def job_key(scenario, design: dict) -> str:
    """A key of everything a chunk's result depends on (for checkpoint and resume)."""
    h = hashlib.sha256(scenario.model_dump_json().encode())
    h.update(json.dumps(design, sort_keys=True, default=str).encode())
    return "sensitivity-" + h.hexdigest()[:20]


def run_sensitivity(scenario, n: int = 512, replicates: int = 8, seed: int = 2020,
                    over: str = "posterior", quantiles: tuple[float, float] = DEFAULT_QUANTILES,
                    groups_file: Path | None = None, resamples: int = RESAMPLES, *,
                    scheduler=None, workers=None, checkpoint=None,
                    progress: Callable[[int, int], None] | None = None,
                    on_design: Callable[[dict], None] | None = None) -> SensitivityResult:
    """Sample, evaluate and analyse (the module doc); ``on_design(design)`` is called before
    the engine runs (e.g. to label a progress bar)."""
    from polemos.campaign.engine import DEFAULT_CHUNK
    from polemos.campaign.kernels import engine_label, resolve_engine
    from polemos.campaign.report import record_status

    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    t0 = time.perf_counter()
    ranges, source = input_ranges(scenario, over, quantiles)
    names = list(ranges)
    keys = parameter_keys(scenario, names)
    assigned, info = assign_groups(keys, group_tables(scenario, groups_file))
    # inputs in group order, so that SALib's group order is the table's
    rank = {g: i for i, g in enumerate(info["order"])}
    names.sort(key=lambda k: rank[assigned[k]])
    ranges = {k: ranges[k] for k in names}
    groups = [assigned[k] for k in names]
    outs = outputs(scenario)
    u = sobol_design(names, groups, n, seed)
    per_chunk = max(1, DEFAULT_CHUNK // replicates)
    order = group_order(groups)
    design = {
        "scenario": scenario.name, "seed": int(seed), "N": int(n),
        "replicates": int(replicates), "over": over, "quantiles": list(quantiles),
        "groups_file": str(groups_file) if groups_file else None,
        "points": int(len(u)), "engine_runs": int(len(u) * replicates),
        "engine": engine_label(resolve_engine()),
        "chunks": -(-len(u) // per_chunk), "points_per_chunk": per_chunk,
        "estimators": "SALib sobol.analyze, calc_second_order=False: S1 Saltelli et al. "
                      "(2010), ST Jansen (1999); Saltelli design on a scrambled Sobol' "
                      "sequence; common random numbers across points",
        "resamples": int(resamples), "conf_level": CONF_LEVEL,
        "groups": {g: {"label": info["labels"][g], "note": info["notes"][g],
                       "parameters": [k for k in names if assigned[k] == g]}
                   for g in order},
        "other": [k for k in names if assigned[k] == OTHER],
        "empty_groups": [g for g in info["order"] if g not in order],
        "unused_patterns": info["unused_patterns"],
        "ranges": {k: {"low": lo, "high": hi, "shape": sh, "source": source[k],
                       "group": assigned[k], "matched_by": info["matched_by"][k],
                       "keys": keys[k]}
                   for k, (lo, hi, sh) in ranges.items()},
        "posterior_correlation": posterior_correlation(scenario, names)
        if over == "posterior" else None,
        "caveat": "Sobol' indices assume independent inputs: each input varies over its own "
                  "range, whatever the others; the posterior's draws are correlated, so the "
                  "design also covers combinations the posterior finds unlikely.",
    }
    key = job_key(scenario, {k: v for k, v in design.items() if k not in ("groups_file",)})
    design["job_key"] = key
    if on_design is not None:
        on_design(design)
    t1 = time.perf_counter()
    Y, var = evaluate_points(scenario, ranges, u, replicates, seed, outs,
                             points_per_chunk=per_chunk, scheduler=scheduler, workers=workers,
                             checkpoint=checkpoint, job_key=key, progress=progress)
    t2 = time.perf_counter()
    ix = sobol_indices(groups, Y, resamples=resamples, seed=seed)
    design.update({"scheduler": scheduler or "serial", "workers": workers,
                   "engine_seconds": round(t2 - t1, 2),
                   "seconds": round(time.perf_counter() - t0, 2)})
    return SensitivityResult(
        outputs=outs, indices=ix, labels=info["labels"],
        sizes={g: groups.count(g) for g in ix.groups},
        noise=noise_share(Y, var, replicates), mean=Y.mean(axis=0), sd=Y.std(axis=0),
        status=[record_status(scenario, o.record) for o in outs], design=design)


# --- show -------------------------------------------------------------------------------------
def plot(res: SensitivityResult, path: Path) -> Path:
    """One panel per output: ST (light) and S1 (dark) per group, with 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ix, K = res.indices, len(res.outputs)
    cols = 4
    rows = -(-K // cols)
    G = len(ix.groups)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 0.32 * G * rows + 1.6 * rows),
                             sharey=True, squeeze=False)
    y = np.arange(G)
    labels = [f"{res.labels[g]} ({res.sizes[g]})" for g in ix.groups]
    for k, ax in enumerate(axes.flat):
        if k >= K:
            ax.axis("off")
            continue
        st, s1 = ix.ST[:, k], ix.S1[:, k]
        ax.barh(y, np.nan_to_num(st), xerr=np.nan_to_num(ix.ST_conf[:, k]), height=0.8,
                color="#9ecae1", ecolor="#555555", capsize=2, label="total order ST")
        ax.barh(y, np.nan_to_num(s1), xerr=np.nan_to_num(ix.S1_conf[:, k]), height=0.4,
                color="#08519c", ecolor="#000000", capsize=2, label="first order S1")
        o = res.outputs[k]
        nz = res.noise[k]
        ax.set_title(f"{o.label}\n[{res.status[k]}; noise {nz:.0%}]" if np.isfinite(nz)
                     else f"{o.label}\n[does not vary]", fontsize=8)
        ax.set_xlim(-0.05, 1.05)
        ax.axvline(0, color="#888888", lw=0.5)
        ax.tick_params(labelsize=7)
        ax.set_yticks(y, labels)
    axes.flat[0].invert_yaxis()                  # shared: the first group on top
    axes.flat[0].legend(fontsize=7, loc="lower right")
    d = res.design
    over = ("the priors" if d.get("over") == "prior" else
            "the posterior's {:.0%}-{:.0%} quantiles".format(*d.get("quantiles", (0, 1))))
    fig.suptitle(f"What decided the war, according to the model ({d.get('scenario')}): Sobol' "
                 f"indices by group of inputs (number of inputs), 95% bootstrap intervals. "
                 f"A {KIND}.\nN = {d.get('N')}: {d.get('points'):,} points x "
                 f"{d.get('replicates')} replicates = {d.get('engine_runs'):,} runs, seed "
                 f"{d.get('seed')}; inputs over {over}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.965))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def print_result(res: SensitivityResult, console, floor: float = 0.05) -> None:
    """A rich table, one row per output: the groups by total-order index, largest first, as
    ``ST ± 95% half-width (S1)``; groups whose ST interval lies below ``floor`` are counted,
    not listed (every number is in the CSV)."""
    from rich.markup import escape
    from rich.table import Table

    ix, d = res.indices, res.design
    tab = Table(title=f"{d['scenario']}: what decided the war, according to the model. Groups "
                f"by total-order Sobol' index ST ± 95% interval (first order S1); N = {d['N']}, "
                f"{d['engine_runs']:,} runs, inputs over the {d['over']}. A {KIND}.",
                title_justify="left")
    tab.add_column("output")
    tab.add_column("record is")
    tab.add_column("noise", justify="right")
    tab.add_column(f"groups: ST ± 95% (S1); groups with ST < {floor} not listed")
    for k, o in enumerate(res.outputs):
        nz = res.noise[k]
        st = ix.ST[:, k]
        if not np.isfinite(st).any():
            tab.add_row(escape(o.label), res.status[k], "–", "does not vary")
            continue
        order = np.argsort(-np.nan_to_num(st, nan=-1.0))
        shown = [g for g in order if st[g] + ix.ST_conf[g, k] >= floor]
        cells = [f"{res.labels[ix.groups[g]]} {st[g]:.2f}±{ix.ST_conf[g, k]:.2f} "
                 f"({ix.S1[g, k]:.2f})" for g in shown]
        rest = len(ix.groups) - len(shown)
        if rest:
            cells.append(f"{rest} other group(s) < {floor}")
        tab.add_row(escape(o.label), res.status[k], f"{nz:.0%}" if np.isfinite(nz) else "–",
                    escape("; ".join(cells)))
    console.print(tab)
