"""Bayesian synthetic likelihood, sampled by differential-evolution MCMC.

Synthetic likelihood (Wood 2010; Price, Drovandi, Lee & Nott 2018): at a parameter point θ,
simulate ``m`` runs, take the mean μ(θ) and covariance Σ(θ) of their summary statistics and
score the record t by the Gaussian log density

    log L(θ) = −½ [ rᵀ (Σ(θ) + diag(tol²))⁻¹ r + log det(Σ(θ) + diag(tol²)) ],   r = t − μ(θ)

(statistics in units of their targets' stated tolerances, so tol = 1 there). The tolerances
enter as measurement error; for a lower-bound target only a shortfall counts
(r_j = max(t_j − μ_j, 0)). The record is *one* realisation of the war: the model's run-to-run
spread Σ(θ) belongs in the likelihood, rather than being averaged away as ABC on replicate
means does (a model whose wars scatter widely is not penalised for missing the one war that
happened by less than its own scatter).

Sampler: DE-MC with subspace crossover (ter Braak 2006; Vrugt et al. 2009, DREAM without its
archive). The chains are split in two halves; each chain of one half proposes

    x' = x + mask ⊙ (γ (x_a − x_b) + e),   γ = 2.38 / √(2 d*),   e ~ N(0, 10⁻³²)

with a, b two distinct chains of the other half, ``mask`` a random subset of the coordinates
(each with probability ``crossover``, at least one), d* its size, and γ = 1 every
``jump_every`` steps (jumps between modes); reflected into the unit cube, where the prior is
uniform, so that the proposal stays symmetric. Accepted with probability min(1, L(x')/L(x)),
the current state keeping its estimated likelihood (pseudo-marginal MCMC). Convergence is
reported, not assumed: split-R̂ and bulk effective sample size per coordinate (arviz-stats)
over the kept half of the chains.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from polemos.analysis.calibrate import reflect_unit

NOISE_SD = 1e-3   # e: a small jitter on the unit cube so that the chains can leave a line


def synthetic_loglik(stats: np.ndarray, target_values: np.ndarray, tolerances: np.ndarray,
                     at_least: np.ndarray | None = None) -> np.ndarray:
    """(n,) Gaussian synthetic log-likelihood of the targets at each of ``n`` points from
    ``stats`` (n, m, K): ``m`` replicate runs' K statistics per point (see the module doc)."""
    tol = np.asarray(tolerances, dtype=float)
    S = np.asarray(stats, dtype=float) / tol
    n, m, k = S.shape
    if m < 2:
        raise ValueError("the synthetic likelihood needs at least 2 replicate runs per point")
    mu = S.mean(axis=1)
    dev = S - mu[:, None, :]
    cov = np.einsum("nmk,nml->nkl", dev, dev) / (m - 1) + np.eye(k)
    r = np.asarray(target_values, dtype=float) / tol - mu
    if at_least is not None and np.any(at_least):
        r = np.where(at_least, np.maximum(r, 0.0), r)
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, r[..., None])[..., 0]
    logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * ((z ** 2).sum(axis=1) + logdet + k * np.log(2 * np.pi))


@dataclass
class SLResult:
    """The chains (steps, chains, dim) on the unit cube, their log-likelihoods (steps,
    chains), the acceptance rate and the run's history."""

    chains: np.ndarray
    loglik: np.ndarray
    acceptance: float
    simulations: int
    history: list[dict] = field(default_factory=list)

    def kept(self, burn_in: float = 0.5) -> np.ndarray:
        """(steps after burn-in, chains, dim): the second part of every chain."""
        return self.chains[int(len(self.chains) * burn_in):]

    def draws(self, burn_in: float = 0.5) -> np.ndarray:
        """(N, dim) the kept states of all chains, flattened."""
        k = self.kept(burn_in)
        return k.reshape(-1, k.shape[-1])

    def diagnostics(self, burn_in: float = 0.5) -> dict:
        """Split-R̂ and bulk ESS per coordinate (arviz-stats) and their worst values."""
        import warnings

        from arviz_stats.base import array_stats

        k = np.moveaxis(self.kept(burn_in), 1, 0)             # (chains, draws, dim)
        with warnings.catch_warnings():       # too few draws to say anything: NaN, said below
            warnings.simplefilter("ignore", RuntimeWarning)
            rhat = np.asarray(array_stats.rhat(k, chain_axis=0, draw_axis=1), dtype=float)
            ess = np.asarray(array_stats.ess(k, chain_axis=0, draw_axis=1), dtype=float)
        finite = np.isfinite(rhat).any() and np.isfinite(ess).any()   # not with 1-2 draws
        return {"rhat": rhat.tolist(), "ess_bulk": ess.tolist(),
                "rhat_max": float(np.nanmax(rhat)) if finite else None,
                "ess_min": float(np.nanmin(ess)) if finite else None,
                "draws": int(k.shape[0] * k.shape[1]), "chains": int(k.shape[0])}


def sl_demc(simulator: Callable[[np.ndarray, int, int], np.ndarray], init: np.ndarray,
            target_values: np.ndarray, tolerances: np.ndarray,
            at_least: np.ndarray | None = None, steps: int = 500, crossover: float = 0.2,
            jump_every: int = 10, seed: int = 0, run_offset: int = 0,
            log: Callable[[str], None] | None = None) -> SLResult:
    """DE-MC on the synthetic likelihood (module doc). ``simulator(u, step, run_offset)``
    returns (len(u), m, K) replicate statistics of the unit-cube points ``u``, numbering its
    runs from its ``run_offset`` so that every call draws fresh, reproducible noise (the
    sampler's first call starts at ``run_offset``). ``init``
    (chains, dim): the chains' starting points (an even number, at least 4)."""
    rng = np.random.default_rng(seed)
    log = log or (lambda s: None)
    x = np.array(init, dtype=float)
    c, dim = x.shape
    if c < 4 or c % 2:
        raise ValueError(f"DE-MC needs an even number of chains, at least 4 (got {c})")
    offset = run_offset

    def loglik(u, step):
        nonlocal offset
        S = np.asarray(simulator(u, step, offset), dtype=float)
        offset += len(u)
        return synthetic_loglik(S, target_values, tolerances, at_least)

    t0 = time.perf_counter()
    lx = loglik(x, 0)
    halves = (np.arange(0, c, 2), np.arange(1, c, 2))
    chains, lls, hist = [x.copy()], [lx.copy()], []
    tried = accepted = 0
    for s in range(1, steps + 1):
        acc_s = 0
        for h in (0, 1):
            me, other = halves[h], halves[1 - h]
            k = len(me)
            pick = np.argsort(rng.random((k, len(other))), axis=1)[:, :2]
            a, b = other[pick[:, 0]], other[pick[:, 1]]
            mask = rng.random((k, dim)) < crossover
            mask[np.arange(k), rng.integers(0, dim, k)] = True
            dstar = mask.sum(axis=1)
            gamma = np.ones(k) if s % jump_every == 0 else 2.38 / np.sqrt(2 * dstar)
            step = gamma[:, None] * (x[a] - x[b]) + NOISE_SD * rng.standard_normal((k, dim))
            prop = reflect_unit(x[me] + mask * step)
            lp = loglik(prop, s)
            ok = np.log(rng.random(k)) < lp - lx[me]
            x[me[ok]], lx[me[ok]] = prop[ok], lp[ok]
            acc_s += int(ok.sum())
            tried += k
        accepted += acc_s
        chains.append(x.copy())
        lls.append(lx.copy())
        if s % max(1, steps // 20) == 0 or s == steps:
            hist.append({"step": s, "acceptance": acc_s / c, "loglik_median": float(
                np.median(lx)), "loglik_max": float(lx.max()),
                "seconds": time.perf_counter() - t0})
            log(f"step {s}/{steps}: acceptance {acc_s / c:.2f}, log-likelihood median "
                f"{np.median(lx):.2f} (max {lx.max():.2f}), {time.perf_counter() - t0:.0f} s")
    return SLResult(np.array(chains), np.array(lls), accepted / max(tried, 1),
                    offset - run_offset, hist)


def best_of_prior(simulator: Callable[[np.ndarray, int, int], np.ndarray], dim: int,
                  chains: int, draws: int, target_values: np.ndarray, tolerances: np.ndarray,
                  at_least: np.ndarray | None = None,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Starting points: the ``chains`` of ``draws`` prior points (unit cube) with the highest
    synthetic likelihood, and those log-likelihoods. Its runs are numbered from 0: start the
    sampler at ``run_offset = draws``."""
    u = np.random.default_rng([seed, 1]).random((draws, dim))
    ll = synthetic_loglik(np.asarray(simulator(u, -1, 0), dtype=float),
                          target_values, tolerances, at_least)
    best = np.argsort(-ll, kind="stable")[:chains]
    return u[best], ll[best]
