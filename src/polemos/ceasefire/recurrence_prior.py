"""Adapter from the fitted survival model (:mod:`polemos.ceasefire.hazards`) to per-run hazards.

The PH model ``H(t | x) = exp(sum_k b_k (x_k - ref_k)) H0(t)`` (piecewise-exponential or Weibull
baseline ``H0``) is evaluated at the case's covariates (:func:`case_covariates`) with the
peacekeeping indicators at 0 (no peacekeepers); the peacekeeping coefficient (UN or non-UN, from
the model or from ``peacekeeping_model``) is returned apart, because the forecast applies it
month by month, scaled by the force's strength. With
``coefficient_uncertainty`` the baseline and coefficients are drawn per run from a normal with
the fit's cluster-robust covariance (``vcov_robust``, stream ``hazard_coefficients``), so the
bands include the sampling error of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polemos.ceasefire.inputs import Sampler, stream

__all__ = ["RecurrencePriorDraws", "draw_recurrence_prior"]


@dataclass
class RecurrencePriorDraws:
    increments_full: np.ndarray  # (runs, months) H(m) - H(m - 1), case covariates, no peacekeepers
    b_pk: np.ndarray  # (runs,) log hazard ratio of the force type (UN or non-UN), at strength 1
    model: str
    family: str
    hazard_ratios: dict[str, float]  # central fitted hazard ratios (for reports)
    base_rates: dict = None  # Kaplan-Meier base rates {"offensive": {month: p}, "clash": ...}

    def increments(self, months: int) -> np.ndarray:
        """``(runs, months)``: H(m) - H(m - 1) for m = 1..months (no peacekeepers)."""
        return self.increments_full[:, :months]

    def p_recurrence(self, months: int, pk_strength: float = 0.0) -> np.ndarray:
        """``(runs,)``: the survival model alone, P(recurrence by ``months``)."""
        h = self.increments_full[:, :months].sum(axis=1) * np.exp(self.b_pk * pk_strength)
        return -np.expm1(-h)


def _baseline(model, draws: dict[str, np.ndarray], months: int, runs: int) -> np.ndarray:
    """``(runs, months + 1)`` baseline cumulative hazard at t = 0..months, per run."""
    t = np.arange(months + 1, dtype=float)
    u = np.maximum(t - model.latency, 0.0)
    b = model.baseline
    pieces = sorted((n for n in draws if n.startswith("log_rate_piece_")),
                    key=lambda n: int(n.rsplit("_", 1)[1]))
    if model.family == "piecewise_exponential_ph" and pieces:
        lo = np.asarray(b["breaks_months"], dtype=float)
        hi = np.append(lo[1:], np.inf)
        rates = np.exp(np.stack([draws[n] for n in pieces], axis=1))  # (runs, P)
        return rates @ (np.clip(u[:, None], lo, hi) - lo).T
    if model.family == "weibull_ph" and "log_scale_a" in draws and "log_shape_rho" in draws:
        rho = np.exp(draws["log_shape_rho"])[:, None]
        return np.exp(draws["log_scale_a"])[:, None] * u[None, :] ** rho
    return np.broadcast_to(model.baseline_cumulative_hazard(t), (runs, months + 1)).copy()


def draw_recurrence_prior(sampler: Sampler, seed: int, months: int) -> RecurrencePriorDraws:
    """Per-run base hazard increments (case covariates, no peacekeepers) and ``b_pk``."""
    from polemos.ceasefire.hazards import load_hazard_model

    spec = sampler.inputs.spec
    rp = spec.recurrence_prior
    model = load_hazard_model(rp.model)
    runs = sampler.runs
    names = list(model.entry.get("param_names", []))
    central = dict(model.coefficients)
    b = model.baseline
    if "log_rates" in b:
        central.update({f"log_rate_piece_{k}": float(v) for k, v in enumerate(b["log_rates"])})
    if "log_scale_a" in b:
        central["log_scale_a"] = float(b["log_scale_a"])
        central["log_shape_rho"] = float(np.log(b["shape_rho"]))
    names = [n for n in names if n in central]
    theta = np.array([central[n] for n in names], dtype=float)
    mat = np.broadcast_to(theta, (runs, len(names))).copy()
    vcov = model.entry.get("vcov_robust")
    all_names = list(model.entry.get("param_names", []))
    if rp.coefficient_uncertainty and sampler.uncertainty and vcov is not None and names:
        idx = [all_names.index(n) for n in names]
        v = np.asarray(vcov, dtype=float)[np.ix_(idx, idx)]
        w, vec = np.linalg.eigh(0.5 * (v + v.T))
        root = vec * np.sqrt(np.clip(w, 0.0, None))
        z = stream(seed, "hazard_coefficients").standard_normal((runs, len(names)))
        mat = mat + z @ root.T
    col = {n: mat[:, i] for i, n in enumerate(names)}
    coef = {k: col.get(k, np.full(runs, v)) for k, v in model.coefficients.items()}
    cov = case_covariates(sampler)
    lp = np.zeros(runs)
    for k in model.coefficients:
        if k in PEACEKEEPING:
            continue  # the force is applied month by month by the forecast
        if k not in cov:
            raise ValueError(f"ceasefire.recurrence_prior: model {model.name!r} needs covariate "
                             f"{k!r}, which the case description does not give (known: "
                             f"{', '.join(sorted(cov))})")
        lp = lp + coef[k] * (cov[k] - model.reference[k])
    H0 = _baseline(model, col, months, runs)
    inc = np.diff(H0, axis=1) * np.exp(lp)[:, None]
    b_pk = _peacekeeping_coefficient(sampler, seed, model, coef)
    hrs = {k: model.hazard_ratio(k) for k in model.coefficients}
    return RecurrencePriorDraws(inc, b_pk, model.name, model.family, hrs, base_rates(model))


#: the Kaplan-Meier base rate of each model's data set (``base_rates`` of the coefficients file)
BASE_RATE_OF = {"lhr_2008": "lhr_interstate_km", "fortna_pk_pkept": "fortna_km",
                "ucdp_termination": "ucdp_km", "walter2015": "walter_km"}


def base_rates(model) -> dict:
    """The base-rate forecasters of ``polemos score``: P(recurrence by month) in the model's
    own reference class (offensive) and P(a new UCDP episode, >= 25 deaths in a year, by month)
    after a terminated episode (clash year), both Kaplan-Meier."""
    key = BASE_RATE_OF.get(model.entry.get("dataset", ""), "")
    br = model.base_rates
    out = {"offensive_source": key, "clash_source": "ucdp_km"}
    if key in br:
        out["offensive"] = br[key]["p_recur_by_month"]
    if "ucdp_km" in br:
        out["clash"] = br["ucdp_km"]["p_recur_by_month"]
    return out


#: covariates that describe a peacekeeping force (set to 0 in the base hazard)
PEACEKEEPING = ("un_pk", "nonun_pk", "nonun_gp", "nonun_regional", "pk")


def case_covariates(sampler: Sampler) -> dict[str, np.ndarray]:
    """Every survival model's covariates, from the case description ``[recurrence_prior]``.

    ``v`` = victory degree, ``c`` = the victor's unmet claim (0/1): Fortna's ``victory`` = v;
    LHR's ``tie`` = 1 - v and ``victor_claim`` = v c (a victor, to degree v, still claiming
    territory); ``claim_active`` = c; ``logdead`` / ``lndeaths`` = log(war deaths); ``wardur``
    = duration in years; ``treaty``, ``prior_failed_cf`` as given.
    """
    rp = sampler.inputs.spec.recurrence_prior
    k = "ceasefire.recurrence_prior."
    v = sampler.q(rp.victory, k + "victory")
    claim = sampler.q(rp.victor_unmet_claim, k + "victor_unmet_claim")
    log_deaths = np.log(sampler.q(rp.war_deaths, k + "war_deaths"))
    return {
        "victory": v, "tie": 1.0 - v, "victor_claim": v * claim, "claim_active": claim,
        "treaty": sampler.q(rp.treaty, k + "treaty"),
        "prior_failed_cf": sampler.q(rp.prior_failed_cf, k + "prior_failed_cf"),
        "logdead": log_deaths, "lndeaths": log_deaths,
        "wardur": sampler.q(rp.war_duration_years, k + "war_duration_years"),
    }


def _peacekeeping_coefficient(sampler: Sampler, seed: int, model, coef) -> np.ndarray:
    """``(runs,)`` log hazard ratio of the force (UN-led or not) at full strength: from
    ``model`` or from ``peacekeeping_model``; drawn per run from its robust standard error
    (stream ``peacekeeping_coefficient``) under coefficient uncertainty."""
    from polemos.ceasefire.hazards import load_hazard_model

    spec = sampler.inputs.spec
    rp = spec.recurrence_prior
    key = "un_pk" if spec.peacekeepers.un_led else "nonun_pk"
    runs = sampler.runs
    if not rp.peacekeeping_model or rp.peacekeeping_model == model.name:
        if key not in coef and "pk" in coef:
            key = "pk"
        return coef.get(key, np.zeros(runs))
    pkm = load_hazard_model(rp.peacekeeping_model)
    if key not in pkm.coefficients:
        raise ValueError(f"ceasefire.recurrence_prior.peacekeeping_model: model "
                         f"{pkm.name!r} has no covariate {key!r}")
    b = np.full(runs, pkm.coefficients[key])
    if rp.coefficient_uncertainty and sampler.uncertainty:
        se = float(pkm.entry["covariates"][key]["se_robust"])
        b = b + se * stream(seed, "peacekeeping_coefficient").standard_normal(runs)
    return b
