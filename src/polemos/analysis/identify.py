"""Identifiability screen: which calibrated parameters move which calibration targets.

Before fitting, every calibrated parameter is screened against every target with Morris'
elementary effects (SALib): ``trajectories`` one-at-a-time paths through the unit cube of the
priors, each point simulated ``runs`` times on **common random numbers** (replicate *j* of every
point shares the random numbers of global run *j*, so an elementary effect is a paired
difference, not Monte Carlo noise). Effects are in units of each target's tolerance per full
prior range, on the misfit the calibration sees (a lower-bound target counts only a shortfall):

* ``mu_star[d, k]``: mean absolute elementary effect of parameter *d* on target *k*;
* ``mu[d, k]``: its signed mean; the singular values of ``mu`` (parameters × targets) say how
  many directions of parameter space the targets constrain (a local-linear reading);
* a parameter is **inert** when it moves no target by ``INERT_TOLERANCE`` (a quarter) of its
  tolerance: the calibration leaves it at its prior, out of the fit.

    scr = screen(scenario, priors)           # Screening
    scr.inert                                 # names left at their prior
    scr.table()                               # pandas: parameter x target mu_star

References: Morris (1991); Campolongo, Cariboni & Saltelli (2007) for mu_star; SALib (Herman &
Usher 2017).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INERT_TOLERANCE = 0.25  # a parameter that moves no target by this share of its tolerance


@dataclass
class Screening:
    names: list[str]                  # parameters, in the priors' order
    targets: list[str]
    mu_star: np.ndarray               # (D, K) tolerance units per prior range
    mu: np.ndarray                    # (D, K) signed
    sigma: np.ndarray                 # (D, K) spread of the elementary effects
    runs: int = 0                     # engine runs spent
    singular_values: np.ndarray = field(default=None)
    inert: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.singular_values is None:
            self.singular_values = np.linalg.svd(self.mu, compute_uv=False)
        if not self.inert:
            self.inert = [n for n, m in zip(self.names, self.mu_star.max(axis=1), strict=True)
                          if m < INERT_TOLERANCE]

    @property
    def active(self) -> list[str]:
        return [n for n in self.names if n not in set(self.inert)]

    def table(self):
        """mu_star as a DataFrame (parameters x targets), with the largest effect and the flag."""
        import pandas as pd

        t = pd.DataFrame(self.mu_star, index=self.names, columns=self.targets)
        t["largest"] = self.mu_star.max(axis=1)
        t["inert"] = t.index.isin(self.inert)
        return t.sort_values("largest", ascending=False)

    def report(self) -> dict:
        """JSON-ready summary."""
        order = np.argsort(-self.mu_star.max(axis=1))
        return {
            "method": "Morris elementary effects (SALib), common random numbers across points",
            "runs": self.runs, "inert_threshold_tolerances": INERT_TOLERANCE,
            "singular_values": [float(x) for x in self.singular_values],
            "inert": list(self.inert),
            "effects": [{"parameter": self.names[d],
                         "largest": float(self.mu_star[d].max()),
                         "on": self.targets[int(np.argmax(self.mu_star[d]))],
                         "mu_star": {t: float(v) for t, v in zip(self.targets, self.mu_star[d],
                                                                 strict=True)}}
                        for d in order],
        }


def morris_screen(model, names: list[str], targets: list[str], trajectories: int = 10,
                  levels: int = 4, seed: int = 0) -> Screening:
    """Screen a plain function ``model(U) -> (m, K)`` statistics in tolerance units, ``U`` the
    (m, D) points of the unit cube (SALib's contract)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    D = len(names)
    problem = {"num_vars": D, "names": list(names), "bounds": [[0.0, 1.0]] * D}
    X = morris_sample.sample(problem, N=trajectories, num_levels=levels, seed=seed)
    Y = np.asarray(model(X), dtype=float)
    K = Y.shape[1]
    mu_star, mu, sigma = (np.zeros((D, K)) for _ in range(3))
    for k in range(K):
        r = morris_analyze.analyze(problem, X, Y[:, k], num_levels=levels, seed=seed,
                                   print_to_console=False)
        mu_star[:, k], mu[:, k], sigma[:, k] = r["mu_star"], r["mu"], r["sigma"]
    return Screening(list(names), list(targets), mu_star, mu, np.nan_to_num(sigma),
                     runs=len(X))


def screen(scenario, priors: dict | None = None, trajectories: int = 10, runs: int = 20,
           seed: int = 0, levels: int = 4, tg=None, statistics=None, *,
           scheduler: str | None = None, workers: int | None = None, checkpoint=None,
           progress=None) -> Screening:
    """Morris screening of a scenario's calibrated parameters against its calibration targets
    (``runs`` replicates per point on common random numbers; ``len(priors) + 1`` points per
    trajectory). ``tg`` and ``statistics`` replace the targets and their statistics (the time
    split's). ``scheduler``, ``workers``, ``checkpoint``, ``progress``: where the runs go and
    where their finished chunks are kept (:func:`polemos.analysis.calibrate.run_statistics`)."""
    from polemos.analysis.calibrate import (
        campaign_priors,
        from_unit,
        replicate,
        run_statistics,
        targets,
    )

    priors = priors or campaign_priors(scenario)
    tg = tg or targets(scenario)
    spent = [0]

    lower = np.asarray(tg.at_least, dtype=bool)

    def model(U):
        params, ids = replicate(from_unit(priors, U), runs)
        S = run_statistics(scenario, params, ids, seed, statistics=statistics,
                           scheduler=scheduler, workers=workers, checkpoint=checkpoint,
                           progress=progress).reshape(len(U), runs, -1)
        spent[0] += len(U) * runs
        z = (np.nanmean(S, axis=1) - tg.values) / tg.tolerances
        # a lower bound counts only a shortfall, as in the calibration's distance
        return np.where(lower, np.minimum(z, 0.0), z)

    scr = morris_screen(model, list(priors), tg.names, trajectories, levels, seed)
    scr.runs = spent[0]
    return scr
