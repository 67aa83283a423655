"""Empirical recurrence hazards after a ceasefire: a light loader for the shipped fit.

Reads ``hazard_coefficients.json`` (written by ``validation.fit_ceasefire_hazards``) with
json + numpy only. Each model is a proportional-hazards model in months since the ceasefire::

    H(t | x) = exp(sum_k b_k (x_k - ref_k)) * H0(max(t - L, 0)),    S(t | x) = exp(-H)

with H0 either piecewise linear (``piecewise_exponential_ph``: a constant monthly rate per
piece, the last piece open-ended; the default models) or Weibull, H0(u) = exp(a) * u**rho
(``weibull_ph``). L, ``latency``, is 0 except in the UCDP-episode models, where 12 months must
pass before UCDP can code a new episode.

Covariates left out of the ``covariates`` dict sit at their reference value (0 for the 0/1
indicators, the sample mean for continuous controls), so ``survival(t)`` with no covariates is
the reference ceasefire: a truce, no peacekeepers, no decisive victory, average war.

    >>> m = load_hazard_model()     # default: lhr_interstate (interstate ceasefires, LHR 2008)
    >>> m.survival(np.array([24.0, 60.0]), {"victor_claim": 1.0})
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

COEFFICIENTS_PATH = Path(__file__).resolve().parent / "hazard_coefficients.json"

ArrayLike = float | np.ndarray


@lru_cache(maxsize=4)
def _read(path: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: hazard coefficients not found")
    with p.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if "models" not in data or "default_model" not in data:
        raise ValueError(f"{p}: not a hazard-coefficients file (needs 'models', 'default_model')")
    return data


def available_models(path: str | Path | None = None) -> list[str]:
    """Names of the models in the coefficients file."""
    return list(_read(str(path or COEFFICIENTS_PATH))["models"])


@dataclass(frozen=True)
class HazardModel:
    """A fitted Weibull PH recurrence model (time in months since the ceasefire)."""

    name: str
    family: str
    latency: float
    baseline: Mapping = field(repr=False)
    coefficients: Mapping[str, float]
    reference: Mapping[str, float]
    hr_ci95: Mapping[str, tuple[float, float]]
    provenance: Mapping = field(repr=False)
    base_rates: Mapping = field(repr=False)
    entry: Mapping = field(repr=False)

    # ---- covariates ------------------------------------------------------------------------
    @property
    def covariate_names(self) -> tuple[str, ...]:
        return tuple(self.coefficients)

    def linear_predictor(self, covariates: Mapping[str, ArrayLike] | None = None) -> np.ndarray:
        """sum_k b_k (x_k - ref_k); unspecified covariates sit at their reference."""
        lp = np.asarray(0.0)
        for key, value in (covariates or {}).items():
            if key not in self.coefficients:
                raise KeyError(
                    f"unknown covariate {key!r} for model {self.name!r}; "
                    f"known: {', '.join(self.coefficients)}"
                )
            x = np.asarray(value, dtype=float)
            lp = lp + self.coefficients[key] * (x - self.reference[key])
        return lp

    def hazard_ratio(self, name: str) -> float:
        """exp(b) for a one-unit change in covariate ``name``."""
        return float(np.exp(self.coefficients[name]))

    def hazard_ratio_ci(self, name: str) -> tuple[float, float]:
        """95% confidence interval of the hazard ratio (cluster-robust)."""
        lo, hi = self.hr_ci95[name]
        return float(lo), float(hi)

    # ---- hazard and survival -----------------------------------------------------------------
    def cumulative_hazard(
        self, months: ArrayLike, covariates: Mapping[str, ArrayLike] | None = None
    ) -> np.ndarray:
        """H(t | x) at ``months`` (>= 0), broadcast against the covariate arrays."""
        t = np.asarray(months, dtype=float)
        if np.any(t < 0):
            raise ValueError("months must be >= 0")
        return np.exp(self.linear_predictor(covariates)) * self.baseline_cumulative_hazard(t)

    def baseline_cumulative_hazard(self, months: ArrayLike) -> np.ndarray:
        """H0 at the reference covariates."""
        u = np.maximum(np.asarray(months, dtype=float) - self.latency, 0.0)
        b = self.baseline
        if self.family == "weibull_ph":
            return np.exp(b["log_scale_a"]) * u ** b["shape_rho"]
        lo = np.asarray(b["breaks_months"], dtype=float)
        hi = np.append(lo[1:], np.inf)
        return (np.clip(u[..., None], lo, hi) - lo) @ np.asarray(b["rates_per_month"], float)

    def baseline_hazard_rate(self, months: ArrayLike) -> np.ndarray:
        """Instantaneous baseline hazard per month at the reference covariates (0 before L)."""
        u = np.asarray(months, dtype=float) - self.latency
        b = self.baseline
        if self.family == "weibull_ph":
            rho = b["shape_rho"]
            with np.errstate(divide="ignore"):
                rate = rho * np.exp(b["log_scale_a"]) * np.where(u > 0, u, 1.0) ** (rho - 1.0)
        else:
            lo = np.asarray(b["breaks_months"], dtype=float)
            rates = np.asarray(b["rates_per_month"], float)
            rate = rates[np.clip(np.searchsorted(lo, u, side="right") - 1, 0, len(lo) - 1)]
        return np.where(u > 0, rate, 0.0)

    def survival(
        self, months: ArrayLike, covariates: Mapping[str, ArrayLike] | None = None
    ) -> np.ndarray:
        """P(no recurrence by ``months``) = exp(-H)."""
        return np.exp(-self.cumulative_hazard(months, covariates))

    def hazard_rate(
        self, months: ArrayLike, covariates: Mapping[str, ArrayLike] | None = None
    ) -> np.ndarray:
        """Instantaneous hazard per month, exp(lp) * h0(t); 0 before the latency."""
        return np.exp(self.linear_predictor(covariates)) * self.baseline_hazard_rate(months)

    def monthly_hazard(
        self, months: ArrayLike, covariates: Mapping[str, ArrayLike] | None = None
    ) -> np.ndarray:
        """Discrete monthly hazard: P(recurrence in (m-1, m] | none by m-1) for month m >= 1,
        i.e. 1 - S(m)/S(m-1). The product of (1 - monthly_hazard) over m = 1..M is S(M)."""
        m = np.asarray(months, dtype=float)
        if np.any(m < 1):
            raise ValueError("months must be >= 1 (month m covers (m-1, m])")
        dH = self.cumulative_hazard(m, covariates) - self.cumulative_hazard(m - 1.0, covariates)
        return -np.expm1(-dH)

    def p_recurrence(
        self, months: ArrayLike, covariates: Mapping[str, ArrayLike] | None = None
    ) -> np.ndarray:
        """P(recurrence by ``months``) = 1 - S."""
        return -np.expm1(-self.cumulative_hazard(months, covariates))


def load_hazard_model(name: str | None = None, path: str | Path | None = None) -> HazardModel:
    """Load model ``name`` (default: the file's ``default_model``, ``lhr_interstate``)."""
    data = _read(str(path or COEFFICIENTS_PATH))
    name = name or data["default_model"]
    if name not in data["models"]:
        raise KeyError(f"unknown hazard model {name!r}; available: {', '.join(data['models'])}")
    e = data["models"][name]
    if e.get("family") not in ("weibull_ph", "piecewise_exponential_ph"):
        raise ValueError(f"model {name!r}: unsupported family {e.get('family')!r}")
    cov = e["covariates"]
    return HazardModel(
        name=name,
        family=e["family"],
        latency=float(e["baseline"].get("latency_months", 0.0)),
        baseline=e["baseline"],
        coefficients={k: float(v["coef"]) for k, v in cov.items()},
        reference={k: float(v["reference"]) for k, v in cov.items()},
        hr_ci95={k: (float(v["hr_ci95"][0]), float(v["hr_ci95"][1])) for k, v in cov.items()},
        provenance=data["provenance"],
        base_rates=data.get("base_rates", {}),
        entry=e,
    )
