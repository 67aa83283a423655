"""Fit the empirical recurrence hazards that ground the ceasefire forecast.

Development-only (imports pandas and lifelines). Run as::

    python -m validation.fit_ceasefire_hazards \
        --data /work/shared/data/ceasefire --out src/polemos/ceasefire/hazard_coefficients.json

Pipeline (plain functions): ``load_*`` -> ``fit_weibull_ph`` / ``fit_cox`` ->
``cross_validate`` -> ``build_payload`` -> ``write_json``.

Models are proportional-hazards Weibull models, fitted by Newton-Raphson on counting-process rows
``(start, stop, event)`` in months since the ceasefire (left truncation at ``start`` handles
Fortna's time-varying peacekeeping splits)::

    H(t | x) = exp(a + sum_k b_k (x_k - ref_k)) * t ** rho,     S = exp(-H)

so ``exp(b_k)`` is a hazard ratio. Confidence intervals use cluster-robust (sandwich) standard
errors, clustered on the conflict (Fortna: ``cluster``; UCDP: ``conflict_id``). Cox models from
lifelines are fitted beside them as a semi-parametric check.

Information discipline: the forecast starts on 2020-11-10 (``CENSOR_DATE``). Every observation
is truncated at that date: spells that start after it are dropped, recurrences after it are
censored at it, and UCDP episodes whose termination could not yet be confirmed on that date
(episodes ending in 2019 or later: UCDP needs a full calendar year of inactivity) are dropped.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375
CENSOR_DATE = pd.Timestamp("2020-11-10")
K_FOLDS = 5
CV_SEED = 20201110
HORIZONS_MONTHS = (24, 60)
BASELINE_MONTHS = 120
# UCDP codes a new episode only after a full calendar year below 25 battle deaths, so no
# recurrence can be observed within ~12 months of an episode's end (the shortest gap is 13.4).
UCDP_LATENCY = 12.0
UCDP_BREAKS = (0.0, 6.0, 12.0, 24.0, 48.0, 108.0)  # months after the latency: 12, 18, 24, 36 ...

FORTNA_FILE = "fortna_civilwar_peacekeeping/pk_pkept.csv"
FORTNA_POSTSOVIET_FILE = "armenia_azerbaijan_extract/fortna_pk_pkept_postsoviet_cases.csv"
UCDP_TERM_FILE = "ucdp_termination_acd_brd/ucdp-term-acd-3-2021.csv"
WALTER_FILE = "walter2015_civilwar_recurrence/Walter_2015_JCR.csv"
README_FILE = "README.md"

DATASETS = {
    "fortna_pk_pkept": {
        "name": "Fortna, 'Peacekeeping and the Peacekept' civil-war ceasefire spells (pk&pkept.dta)",
        "file": FORTNA_FILE,
        "version": "replication data for Fortna 2008 / Fortna 2004 ISQ; stset, censored 2004-12-31",
        "source": "github:avehtari/ROS-Examples",
        "commit": "06c47e3d682e271af2a57c4bfa447c25ad039902",
        "cite": "Fortna 2008, Does Peacekeeping Work?; Fortna 2004, ISQ",
    },
    "ucdp_termination": {
        "name": "UCDP Conflict Termination dataset (conflict-episode level)",
        "file": UCDP_TERM_FILE,
        "version": "v3-2021 (ACD-based, 1946-2020)",
        "source": "github:Bvlampe/CCIP_seminar_paper",
        "commit": "94f1fae",
        "cite": "Kreutz 2010, JPR",
    },
    "walter2015": {
        "name": "Walter 2015 JCR civil-war recurrence subset (BayesSPsurv package data)",
        "file": WALTER_FILE,
        "version": "package subset, 1962-2009",
        "source": "github:Nicolas-Schmidt/BayesSPsurv",
        "commit": "e81504df7619842465c5758d3c64914062fafb42",
        "cite": "Walter 2015, JCR",
    },
}


LHR_FILE = "interstate/lo_hashimoto_reiter_2008/LHR_spells_derived.csv"
LHR_SOURCE = "interstate/lo_hashimoto_reiter_2008/SOURCE.txt"
ICOW_FILE = "interstate/icow_territorial_claims/ICOWprovyr101.csv"
ICOW_SOURCE = "interstate/icow_territorial_claims/SOURCE.txt"
COW_WAR_FILE = "interstate/cow_interstate_war_v4_participants/Inter-StateWarData_v4.0.csv"
UCDP_ACD_FILE = "peacesciencer/ucdp_acd.csv"
LHR_CENSOR = pd.Timestamp("2002-01-01")
LHR_FISSION_IDS = range(100, 132)  # state fission/fusion panels, not new ceasefires
LHR_BREAKS = (0.0, 6.0, 24.0, 120.0)
#: Failures after LHR's censoring (2002-01-01) up to the forecast origin, coded to LHR's rule
#: (a new interstate war in the dyad). COW v4.0 (to 2007) and the UCDP ACD interstate rows give
#: one war, Iraq 2003 (COW #227, UCDP 420); UCDP codes 2020 Karabakh as conflict 388 (Azerbaijan
#: vs Artsakh, Armenia a secondary party), so its date is coded by hand: full-scale war between
#: the two states from 27 Sep 2020 (the Karabakh scenario's start date; UCDP 388 at war
#: intensity, 7,646 battle deaths in 2020).
POST_LHR_FAILURES = {  # LHR id: (date, source)
    174: ("2003-03-20", "COW inter-state war #227 Invasion of Iraq (US vs Iraq); UCDP 420"),
    178: ("2020-09-27", "Second Karabakh War (UCDP conflict 388 at war intensity; Armenia a "
                        "party through its forces in Karabakh); hand-coded"),
}

DATASETS_INTERSTATE = {
    "lhr_2008": {
        "name": "Lo, Hashimoto & Reiter (2008) Expanded Cease-Fires Data Set (dyadic panels)",
        "file": LHR_FILE, "readme": LHR_SOURCE,
        "version": "LHRIOOct08replication.dta (ceasefires 1914-2001, censored 2002-01-01); "
                   "spells derived per panel id (first-row covariates)",
        "source": "github:gwilliford/tvcure",
        "commit": "de0b5c6bddd1182607c3bdcbaa12db4d734d1bd0",
        "cite": "Lo, Hashimoto & Reiter 2008, IO 62(4); Fortna 2004, Peace Time",
    },
    "icow_provisional": {
        "name": "ICOW provisional global territorial claims, claim-dyad-years v1.01",
        "file": ICOW_FILE, "readme": ICOW_SOURCE,
        "version": "1.01 (1816-2001)", "source": "github:gwilliford/Trade-and-Peace",
        "commit": "a411def55b5990cccf38cd3e1581a13b25080f43",
        "cite": "Hensel, Mitchell, Sowers & Thyne 2008, JCR",
    },
}


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and column."""


# --------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------


def _read_csv(data_dir: Path, rel: str, required: list[str]) -> pd.DataFrame:
    path = Path(data_dir) / rel
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected under --data {data_dir})")
    try:
        df = pd.read_csv(path, low_memory=False)
    except Exception as exc:  # pragma: no cover - pandas error types vary
        raise DataError(f"{path}: cannot be read as CSV ({exc})") from exc
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def _numeric(df: pd.DataFrame, col: str, path: str, allow_na: bool = False) -> pd.Series:
    s = pd.to_numeric(df[col], errors="coerce")
    bad = s.isna() & df[col].notna()
    if bad.any():
        raise DataError(f"{path}: column {col} has non-numeric values, e.g. {df[col][bad].iloc[0]!r}")
    if not allow_na and s.isna().any():
        raise DataError(f"{path}: column {col} has {int(s.isna().sum())} missing value(s)")
    return s


def _dates(df: pd.DataFrame, col: str, path: str, dayfirst: bool = False) -> pd.Series:
    fmt = "%d/%m/%Y" if dayfirst else "%Y-%m-%d"
    s = pd.to_datetime(df[col], format=fmt, errors="coerce")
    bad = s.isna() & df[col].notna()
    if bad.any():
        raise DataError(f"{path}: column {col} has unparseable dates, e.g. {df[col][bad].iloc[0]!r}")
    return s


FORTNA_COLUMNS = [
    "id", "cname", "cluster", "clust2", "cfdate", "faildate", "drop", "_t0", "_t", "_d",
    "victory", "treaty", "truce", "UNpk_dum", "noUNpk_d", "pkwho", "logdead", "wardur",
]


def load_fortna(data_dir: Path) -> pd.DataFrame:
    """Fortna's civil-war ceasefire spells as counting-process rows (months since ceasefire).

    Columns: spell, conflict (cname), cluster, fsu, cfdate, start, stop, event and covariates
    un_pk, nonun_pk, nonun_gp (pkwho == 3: great/regional power such as Russia/CIS),
    nonun_regional (other non-UN: regional organisations and unknown leads), victory, treaty
    (reference: truce/ceasefire), prior_failed_cf (an earlier ceasefire in the same conflict
    had failed before this one began), logdead, wardur. Rows flagged ``drop`` are removed.
    """
    df = _read_csv(data_dir, FORTNA_FILE, FORTNA_COLUMNS)
    path = str(Path(data_dir) / FORTNA_FILE)
    df = df.copy()
    for col in ["id", "drop", "_t0", "_t", "_d", "victory", "treaty", "truce", "UNpk_dum",
                "noUNpk_d"]:
        df[col] = _numeric(df, col, path)
    for col in ["pkwho", "logdead", "wardur"]:
        df[col] = _numeric(df, col, path, allow_na=True)
    df["cfdate"] = _dates(df, "cfdate", path)
    df["faildate"] = _dates(df, "faildate", path)
    df = df[df["drop"] == 0].copy()
    if ((df["_t"] - df["_t0"]) <= 0).any():
        raise DataError(f"{path}: columns _t0/_t: some rows have _t <= _t0")
    if (df[["victory", "treaty", "truce"]].sum(axis=1) != 1).any():
        raise DataError(f"{path}: columns victory/treaty/truce are not one-hot on every row")
    df = df.sort_values(["id", "_t0"]).reset_index(drop=True)
    # the ceasefire date is given on a spell's first row only
    df["cfdate"] = df.groupby("id")["cfdate"].transform("first")
    if df["cfdate"].isna().any():
        raise DataError(f"{path}: column cfdate missing for spell(s) "
                        f"{sorted(df.loc[df.cfdate.isna(), 'id'].unique())[:5]}")
    # information discipline: calendar time of each row, truncated at CENSOR_DATE
    row_start = df["cfdate"] + pd.to_timedelta(df["_t0"], unit="D")
    row_stop = df["cfdate"] + pd.to_timedelta(df["_t"], unit="D")
    df = df[row_start < CENSOR_DATE].copy()
    late = row_stop.loc[df.index] > CENSOR_DATE
    df.loc[late, "_d"] = 0
    df.loc[late, "_t"] = (CENSOR_DATE - df.loc[late, "cfdate"]).dt.days
    out = pd.DataFrame({
        "spell": df["id"].astype(int),
        "conflict": df["cname"].astype(str),
        "cluster": df["cluster"].astype(str),
        "fsu": (df["clust2"].astype(str) == "FSU").astype(int),
        "cfdate": df["cfdate"],
        "start": df["_t0"] / DAYS_PER_MONTH,
        "stop": df["_t"] / DAYS_PER_MONTH,
        "event": df["_d"].astype(int),
        "un_pk": df["UNpk_dum"],
        "nonun_pk": df["noUNpk_d"],
        "nonun_gp": df["noUNpk_d"] * (df["pkwho"] == 3),
        "nonun_regional": df["noUNpk_d"] * (df["pkwho"] != 3),
        "victory": df["victory"],
        "treaty": df["treaty"],
        "logdead": df["logdead"],
        "wardur": df["wardur"],
    })
    # prior history: an earlier ceasefire in the same conflict failed before this one began
    first = df.groupby("id").agg(cname=("cname", "first"), cfdate=("cfdate", "first"),
                                 faildate=("faildate", "max"))
    prior = {}
    for sid, row in first.iterrows():
        same = first[(first.cname == row.cname) & (first.index != sid)]
        prior[int(sid)] = int((same.faildate.notna() & (same.faildate <= row.cfdate)).any())
    out["prior_failed_cf"] = out["spell"].map(prior).astype(float)
    return out.reset_index(drop=True)


def load_lhr_interstate(data_dir: Path, code_2020: bool = True) -> pd.DataFrame:
    """Interstate ceasefire spells (LHR 2008) from 1946, one row per spell, months since the
    ceasefire, extended from LHR's censoring (2002-01-01) to the forecast origin (2020-11-10).

    Covariates known at the ceasefire:

    * ``tie`` - the war ended without a victor (LHR/Fortna ``tie``), 0/1;
    * ``victor_claim`` - a victor (``tie == 0``; LHR ``ccode1``) that still claims territory held
      by the loser: an ICOW provisional claim with challenger = ``ccode1`` and target =
      ``ccode2`` is active in the year after the ceasefire (the ceasefire year itself for 2001
      ceasefires, ICOW ending in 2001), 0/1;
    * ``claim_active`` - any ICOW claim between the two, either way, active then, 0/1;
    * ``pk`` - peacekeepers or observers in the agreement (LHR ``pk`` > 0), 0/1;
    * ``lndeaths`` - log battle deaths of the war (LHR).

    The cluster is the dyad (the two country codes, unordered): CV folds keep a dyad's spells
    together. ``code_2020=False`` leaves the hand-coded 2020 failure censored (a sensitivity).
    """
    need = ["id", "war", "ccode1", "ccode2", "cf_start", "obs_end", "failed", "tie", "pk",
            "lndeaths", "LHRcluster"]
    d = _read_csv(data_dir, LHR_FILE, need)
    d["cf_start"] = _dates(d, "cf_start", LHR_FILE)
    d["obs_end"] = _dates(d, "obs_end", LHR_FILE)
    for c in ("id", "ccode1", "ccode2", "failed", "tie", "pk"):
        d[c] = _numeric(d, c, LHR_FILE).astype(int)
    d["lndeaths"] = _numeric(d, "lndeaths", LHR_FILE, allow_na=True)
    d = d[(d["cf_start"] >= pd.Timestamp("1946-01-01")) & ~d["id"].isin(LHR_FISSION_IDS)].copy()
    # extension: censored at LHR's end -> failures coded after it, else censored at the origin
    open_ = (d["failed"] == 0) & (d["obs_end"] >= LHR_CENSOR)
    d.loc[open_, "obs_end"] = CENSOR_DATE
    for pid, (when, _src) in POST_LHR_FAILURES.items():
        if pid == 178 and not code_2020:
            continue
        hit = open_ & (d["id"] == pid)
        d.loc[hit, "obs_end"] = pd.Timestamp(when)
        d.loc[hit, "failed"] = 1
    icow = _read_csv(data_dir, ICOW_FILE, ["chal", "tgt", "year"])
    icow = icow[["chal", "tgt", "year"]].apply(pd.to_numeric, errors="coerce").dropna()
    active = set(map(tuple, icow[["chal", "tgt", "year"]].astype(int).to_numpy()))
    yr = np.minimum(d["cf_start"].dt.year + 1, 2001).to_numpy()
    c1, c2 = d["ccode1"].to_numpy(), d["ccode2"].to_numpy()
    fwd = np.array([(a, b, y) in active for a, b, y in zip(c1, c2, yr, strict=True)])
    back = np.array([(b, a, y) in active for a, b, y in zip(c1, c2, yr, strict=True)])
    d["victor_claim"] = ((d["tie"] == 0) & fwd).astype(float)
    d["claim_active"] = (fwd | back).astype(float)
    d["pk"] = (d["pk"] > 0).astype(float)
    d["tie"] = d["tie"].astype(float)
    months = (d["obs_end"] - d["cf_start"]).dt.days / DAYS_PER_MONTH
    lo, hi = np.minimum(c1, c2), np.maximum(c1, c2)
    return pd.DataFrame({
        "spell": d["id"].to_numpy(), "cluster": [f"{a}-{b}" for a, b in zip(lo, hi, strict=True)],
        "war_cluster": d["LHRcluster"].to_numpy(), "war": d["war"].to_numpy(),
        "ccode1": c1, "ccode2": c2, "cfdate": d["cf_start"].to_numpy(),
        "start": 0.0, "stop": np.maximum(months.to_numpy(), 1.0 / DAYS_PER_MONTH),
        "event": d["failed"].to_numpy().astype(float),
        "tie": d["tie"].to_numpy(), "victor_claim": d["victor_claim"].to_numpy(),
        "claim_active": d["claim_active"].to_numpy(), "pk": d["pk"].to_numpy(),
        "lndeaths": d["lndeaths"].to_numpy(),
    })


UCDP_COLUMNS = ["conflictep_id", "conflictepisode", "confterm", "ependdate", "outcome",
                "conflict_id", "year", "location", "intensity_level", "type_of_conflict",
                "start_date2"]

UCDP_OUTCOMES = {1: "peace agreement", 2: "ceasefire", 3: "victory side A (govt)",
                 4: "victory side B", 5: "low activity", 6: "actor ceases to exist"}


def load_ucdp_episodes(data_dir: Path) -> pd.DataFrame:
    """One row per terminated UCDP conflict episode, followed until the next episode of the same
    conflict (event) or CENSOR_DATE (censored). Episodes whose end year is 2019 or later are
    dropped: their termination needs a full calendar year of inactivity after the end year,
    which could not be observed by 2020-11-10."""
    df = _read_csv(data_dir, UCDP_TERM_FILE, UCDP_COLUMNS)
    path = str(Path(data_dir) / UCDP_TERM_FILE)
    df = df.copy()
    for col in ["conflictep_id", "conflictepisode", "confterm", "conflict_id", "year",
                "intensity_level", "type_of_conflict"]:
        df[col] = _numeric(df, col, path)
    df["outcome"] = _numeric(df, "outcome", path, allow_na=True)
    df["ependdate"] = _dates(df, "ependdate", path, dayfirst=True)
    df["start_date2"] = _dates(df, "start_date2", path, dayfirst=True)
    ep = df.groupby("conflictep_id").agg(
        conflict_id=("conflict_id", "first"), episode=("conflictepisode", "first"),
        start=("start_date2", "min"), location=("location", "first"),
        maxint=("intensity_level", "max"), interstate=("type_of_conflict", lambda s: (s == 2).any()),
    )
    term = df[df["confterm"] == 1].set_index("conflictep_id")
    if term.index.duplicated().any():
        raise DataError(f"{path}: column confterm is 1 on more than one row of an episode")
    if term["outcome"].isna().any() or term["ependdate"].isna().any():
        raise DataError(f"{path}: columns outcome/ependdate missing on a terminated row")
    ep = ep.join(term[["ependdate", "outcome"]], how="left")
    nxt = ep[["conflict_id", "episode", "start"]].copy()
    nxt["episode"] = nxt["episode"] - 1
    nxt = nxt.rename(columns={"start": "next_start"})
    ep = ep.reset_index().merge(nxt, on=["conflict_id", "episode"], how="left")
    ep = ep[ep["ependdate"].notna()].copy()
    ep = ep[ep["ependdate"].dt.year <= 2018].copy()
    ep.loc[ep["next_start"] > CENSOR_DATE, "next_start"] = pd.NaT
    event = ep["next_start"].notna()
    end_obs = ep["next_start"].where(event, CENSOR_DATE)
    days = (end_obs - ep["ependdate"]).dt.days.clip(lower=1)
    out = pd.DataFrame({
        "spell": ep["conflictep_id"].astype(int),
        "cluster": ep["conflict_id"].astype(int).astype(str),
        "location": ep["location"],
        "end_date": ep["ependdate"],
        "start": 0.0,
        "stop": days / DAYS_PER_MONTH,
        "event": event.astype(int),
        "outcome": ep["outcome"].astype(int),
        "peace_agreement": (ep["outcome"] == 1).astype(float),
        "ceasefire": (ep["outcome"] == 2).astype(float),
        "victory": ep["outcome"].isin([3, 4]).astype(float),
        "low_activity": (ep["outcome"] == 5).astype(float),
        "actor_ceased": (ep["outcome"] == 6).astype(float),
        "prior_recurrence": (ep["episode"] > 1).astype(float),
        "interstate": ep["interstate"].astype(float),
        "war_intensity": (ep["maxint"] == 2).astype(float),
    })
    return out.sort_values("spell").reset_index(drop=True)


WALTER_COLUMNS = ["year", "renewed_war", "comprehensive", "victory", "unpko", "ccode", "id"]


def load_walter(data_dir: Path) -> pd.DataFrame:
    """Walter (2015) post-civil-war country-years as counting-process rows: months since the
    first year of each ``id`` in the subset (which is not always the war's end: the subset is
    left-censored at 1962), one row per (id, year), repeated renewals kept (Andersen-Gill style).
    All rows end in 2009, before CENSOR_DATE. A weak robustness check only."""
    df = _read_csv(data_dir, WALTER_FILE, WALTER_COLUMNS)
    path = str(Path(data_dir) / WALTER_FILE)
    df = df.copy()
    for col in WALTER_COLUMNS:
        df[col] = _numeric(df, col, path)
    df = df[df["year"] <= CENSOR_DATE.year - 1]
    # some (id, year) pairs repeat: keep one row per war-year (any renewed war / PKO that year)
    df = (df.groupby(["id", "year"], as_index=False)
          .agg({"renewed_war": "max", "unpko": "max", "victory": "first",
                "comprehensive": "first", "ccode": "first"})
          .sort_values(["id", "year"]).reset_index(drop=True))
    k = df["year"] - df.groupby("id")["year"].transform("min")
    return pd.DataFrame({
        "spell": df["id"].astype(int), "cluster": df["ccode"].astype(int).astype(str),
        "start": 12.0 * k, "stop": 12.0 * (k + 1), "event": df["renewed_war"].astype(int),
        "un_pk": df["unpko"], "victory": df["victory"], "comprehensive": df["comprehensive"],
    })


# --------------------------------------------------------------------------------------------
# Weibull proportional hazards, counting-process likelihood
# --------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _ProportionalHazards:
    """What every fitted PH model here holds: covariates centred on ``reference``, their
    coefficients, the covariance over (baseline parameters, beta), the fit's counts."""

    covariates: list[str]
    reference: dict[str, float]
    beta: np.ndarray
    vcov: np.ndarray  # model-based, over (baseline parameters..., beta...)
    vcov_robust: np.ndarray | None
    loglik: float
    n_rows: int
    n_spells: int
    n_events: int
    n_clusters: int
    converged: bool
    latency: float = 0.0  # months during which recurrence cannot be coded (UCDP: 12)

    def se(self, robust: bool = True) -> np.ndarray:
        v = self.vcov_robust if (robust and self.vcov_robust is not None) else self.vcov
        return np.sqrt(np.diag(v))


@dataclass(kw_only=True)
class WeibullPH(_ProportionalHazards):
    """A fitted Weibull PH model: H(t|x) = exp(a + (x - ref) @ beta) * t**rho (t in months);
    vcov over (a, log rho, beta...)."""

    a: float
    rho: float
    extra: dict = field(default_factory=dict)

    n_base = 2  # baseline parameters before the coefficients in the parameter vector

    @property
    def param_names(self) -> list[str]:
        return ["log_scale_a", "log_shape_rho", *self.covariates]

    def linear_predictor(self, X: pd.DataFrame) -> np.ndarray:
        Z = _design(X, self.covariates, self.reference)
        return self.a + Z @ self.beta

    def survival(self, X: pd.DataFrame, t: float) -> np.ndarray:
        t_eff = max(float(t) - self.latency, 0.0)
        return np.exp(-np.exp(self.linear_predictor(X)) * t_eff**self.rho)


def _design(df: pd.DataFrame, covariates: list[str], reference: dict[str, float]) -> np.ndarray:
    if not covariates:
        return np.zeros((len(df), 0))
    return np.column_stack([df[c].to_numpy(float) - reference.get(c, 0.0) for c in covariates])


def _weibull_terms(theta, Z, t0, t1, d):
    a, g, beta = theta[0], theta[1], theta[2:]
    rho = math.exp(g)
    eta = a + Z @ beta
    mu = np.exp(eta)
    L1 = np.log(t1)
    pos0 = t0 > 0
    L0 = np.where(pos0, np.log(np.where(pos0, t0, 1.0)), 0.0)
    p1 = t1**rho
    p0 = np.where(pos0, np.where(pos0, t0, 1.0) ** rho, 0.0)
    A = p1 - p0
    dA = rho * (p1 * L1 - p0 * L0)
    d2A = dA + rho**2 * (p1 * L1**2 - p0 * L0**2)
    ll = d * (eta + g + (rho - 1.0) * L1) - mu * A
    return rho, mu, L1, A, dA, d2A, ll


def _weibull_loglik_grad_hess(theta, Z, t0, t1, d):
    rho, mu, L1, A, dA, d2A, ll = _weibull_terms(theta, Z, t0, t1, d)
    X = np.column_stack([np.ones(len(t1)), Z])  # eta design (a, beta)
    u = mu * A
    s_eta = (d - u)[:, None] * X
    s_g = d * (1.0 + rho * L1) - mu * dA
    scores = np.column_stack([s_eta[:, :1], s_g, s_eta[:, 1:]])  # order: a, g, beta
    H_ee = -(X * u[:, None]).T @ X
    H_eg = -(X * (mu * dA)[:, None]).sum(axis=0)
    H_gg = float(np.sum(d * rho * L1) - np.sum(mu * d2A))
    k = X.shape[1]
    H = np.empty((k + 1, k + 1))
    idx = [0, *range(2, k + 1)]  # positions of (a, beta) in theta order
    H[np.ix_(idx, idx)] = H_ee
    H[idx, 1] = H_eg
    H[1, idx] = H_eg
    H[1, 1] = H_gg
    return float(ll.sum()), scores, H


def fit_weibull_ph(
    df: pd.DataFrame,
    covariates: list[str],
    reference: dict[str, float] | None = None,
    start_col: str = "start",
    stop_col: str = "stop",
    event_col: str = "event",
    cluster_col: str | None = "cluster",
    spell_col: str | None = "spell",
    max_iter: int = 100,
    latency: float = 0.0,
) -> WeibullPH:
    """Maximum-likelihood Weibull PH on counting-process rows (left truncation at ``start``),
    by damped Newton-Raphson with the analytic Hessian. Deterministic.

    ``latency`` shifts the clock: H(t) = exp(a + lp) * max(t - latency, 0)**rho, for data in
    which no event can occur before ``latency`` months (UCDP's episode coding)."""
    reference = {c: 0.0 for c in covariates} | dict(reference or {})
    use = df.dropna(subset=[*covariates, start_col, stop_col, event_col])
    Z = _design(use, covariates, reference)
    if latency > 0:
        early = use[stop_col] <= latency
        if (early & (use[event_col] == 1)).any():
            raise ValueError(f"fit_weibull_ph: events before the latency of {latency} months")
        use = use[~early]
        Z = _design(use, covariates, reference)
    t0 = np.maximum(use[start_col].to_numpy(float) - latency, 0.0)
    t1 = use[stop_col].to_numpy(float) - latency
    d = use[event_col].to_numpy(float)
    if np.any(t1 <= t0) or np.any(t1 <= 0):
        raise ValueError("fit_weibull_ph: every row needs stop > start >= 0")
    exposure = float(np.sum(t1 - t0))
    theta = np.zeros(2 + len(covariates))
    theta[0] = math.log(max(d.sum(), 0.5) / exposure)
    ll, _, H = _weibull_loglik_grad_hess(theta, Z, t0, t1, d)
    converged = False
    for _ in range(max_iter):
        ll, S, H = _weibull_loglik_grad_hess(theta, Z, t0, t1, d)
        g = S.sum(axis=0)
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError:
            step = g * 1e-3
        if not np.all(np.isfinite(step)):
            step = g * 1e-3
        step_scale = 1.0
        for _half in range(40):
            cand = theta + step_scale * step
            ll_c = _weibull_loglik_grad_hess(cand, Z, t0, t1, d)[0]
            if np.isfinite(ll_c) and ll_c >= ll - 1e-12:
                break
            step_scale /= 2.0
        theta = cand
        if np.max(np.abs(step_scale * step)) < 1e-10:
            converged = True
            break
    ll, S, H = _weibull_loglik_grad_hess(theta, Z, t0, t1, d)
    inv = np.linalg.inv(-H)
    vrob, n_clusters = _sandwich(use, cluster_col, S, inv)
    n_spells = int(use[spell_col].nunique()) if spell_col in use.columns else len(use)
    return WeibullPH(
        covariates=list(covariates), reference={c: float(reference[c]) for c in covariates},
        a=float(theta[0]), rho=float(math.exp(theta[1])), beta=theta[2:].copy(), vcov=inv,
        vcov_robust=vrob, loglik=ll, n_rows=len(use), n_spells=n_spells, n_events=int(d.sum()),
        n_clusters=n_clusters, converged=converged, latency=float(latency),
    )


@dataclass(kw_only=True)
class PiecewisePH(_ProportionalHazards):
    """A fitted piecewise-exponential PH model: constant baseline hazard exp(alpha_j) per
    month on [breaks[j], breaks[j+1]) of the shifted clock t - latency (the last piece is open);
    vcov over (alpha_1..J, beta...).
    """

    breaks: np.ndarray
    log_rates: np.ndarray
    events_per_piece: list[int]

    @property
    def n_base(self) -> int:
        return len(self.log_rates)

    @property
    def param_names(self) -> list[str]:
        return [f"log_rate_piece_{j}" for j in range(self.n_base)] + self.covariates

    def linear_predictor(self, X: pd.DataFrame) -> np.ndarray:
        return _design(X, self.covariates, self.reference) @ self.beta

    def baseline_cumhaz(self, t) -> np.ndarray:
        t = np.maximum(np.asarray(t, float) - self.latency, 0.0)
        lo = self.breaks
        hi = np.append(self.breaks[1:], np.inf)
        expo = np.clip(t[..., None], lo, hi) - lo
        return expo @ np.exp(self.log_rates)

    def survival(self, X: pd.DataFrame, t: float) -> np.ndarray:
        return np.exp(-np.exp(self.linear_predictor(X)) * float(self.baseline_cumhaz(t)))


def _piece_exposure(t0, t1, d, breaks):
    lo = breaks[None, :]
    hi = np.append(breaks[1:], np.inf)[None, :]
    E = np.clip(np.minimum(t1[:, None], hi) - np.maximum(t0[:, None], lo), 0.0, None)
    D = ((t1[:, None] > lo) & (t1[:, None] <= hi)) * d[:, None]
    return E, D.astype(float)


def fit_piecewise_ph(
    df: pd.DataFrame,
    covariates: list[str],
    reference: dict[str, float] | None = None,
    breaks=(0.0, 3.0, 6.0, 12.0, 24.0, 36.0, 60.0, 120.0),
    latency: float = 0.0,
    cluster_col: str | None = "cluster",
    spell_col: str | None = "spell",
    max_iter: int = 100,
) -> PiecewisePH:
    """Maximum-likelihood piecewise-exponential PH (Poisson form) on counting-process rows,
    Newton-Raphson with the analytic Hessian; cluster-robust sandwich covariance."""
    reference = {c: 0.0 for c in covariates} | dict(reference or {})
    breaks = np.asarray(breaks, float)
    use = df.dropna(subset=[*covariates, "start", "stop", "event"])
    if latency > 0:
        if ((use["stop"] <= latency) & (use["event"] == 1)).any():
            raise ValueError(f"fit_piecewise_ph: events before the latency of {latency} months")
        use = use[use["stop"] > latency]
    Z = _design(use, covariates, reference)
    t0 = np.maximum(use["start"].to_numpy(float) - latency, 0.0)
    t1 = use["stop"].to_numpy(float) - latency
    d = use["event"].to_numpy(float)
    E, D = _piece_exposure(t0, t1, d, breaks)
    ev = D.sum(axis=0)
    if np.any(ev == 0):
        raise ValueError(f"fit_piecewise_ph: no events in piece(s) {np.flatnonzero(ev == 0)} "
                         f"of breaks {breaks.tolist()}; merge pieces")
    J, k = len(breaks), len(covariates)
    theta = np.concatenate([np.log(ev / E.sum(axis=0)), np.zeros(k)])

    def terms(th):
        alpha, beta = th[:J], th[J:]
        xb = Z @ beta
        mu = E * np.exp(alpha[None, :] + xb[:, None])
        ll = float(np.sum(D * (alpha[None, :] + xb[:, None])) - mu.sum())
        m_i = mu.sum(axis=1)
        S = np.column_stack([D - mu, Z * (d - m_i)[:, None]])
        H = np.zeros((J + k, J + k))
        H[:J, :J] = -np.diag(mu.sum(axis=0))
        H[:J, J:] = -(mu.T @ Z)
        H[J:, :J] = H[:J, J:].T
        H[J:, J:] = -(Z * m_i[:, None]).T @ Z
        return ll, S, H

    converged = False
    for _ in range(max_iter):
        ll, S, H = terms(theta)
        # lstsq: a covariate with no events in a CV training fold makes -H singular
        step = np.linalg.lstsq(-H, S.sum(axis=0), rcond=None)[0]
        scale = 1.0
        for _half in range(40):
            cand = theta + scale * step
            if terms(cand)[0] >= ll - 1e-12:
                break
            scale /= 2.0
        theta = cand
        if np.max(np.abs(scale * step)) < 1e-10:
            converged = True
            break
    ll, S, H = terms(theta)
    inv = np.linalg.pinv(-H)
    vrob, n_clusters = _sandwich(use, cluster_col, S, inv)
    n_spells = int(use[spell_col].nunique()) if spell_col in use.columns else len(use)
    return PiecewisePH(
        covariates=list(covariates), reference={c: float(reference[c]) for c in covariates},
        breaks=breaks, log_rates=theta[:J].copy(), beta=theta[J:].copy(), vcov=inv,
        vcov_robust=vrob, loglik=ll, n_rows=len(use), n_spells=n_spells,
        n_events=int(d.sum()), n_clusters=n_clusters, converged=converged,
        events_per_piece=[int(x) for x in ev], latency=float(latency),
    )


def _sandwich(use: pd.DataFrame, cluster_col: str | None, S: np.ndarray, inv: np.ndarray):
    if cluster_col is None or cluster_col not in use.columns:
        return None, 0
    cl = use[cluster_col].to_numpy()
    groups = pd.Series(range(len(cl))).groupby(cl).indices
    if len(groups) < 2:
        return None, len(groups)
    B = np.zeros_like(inv)
    for rows in groups.values():
        s = S[rows].sum(axis=0)
        B += np.outer(s, s)
    B *= len(groups) / (len(groups) - 1)
    return inv @ B @ inv, len(groups)


def fit_cox(df: pd.DataFrame, covariates: list[str], cluster_col: str = "cluster"):
    """lifelines Cox PH on the same counting-process rows (entry = start), clustered SEs."""
    from lifelines import CoxPHFitter

    use = df.dropna(subset=covariates)[["start", "stop", "event", cluster_col, *covariates]]
    cph = CoxPHFitter()
    cph.fit(use, duration_col="stop", event_col="event", entry_col="start",
            cluster_col=cluster_col)
    return cph


# --------------------------------------------------------------------------------------------
# summaries, scores, cross-validation
# --------------------------------------------------------------------------------------------


def covariate_table(m: WeibullPH | PiecewisePH, df: pd.DataFrame | None = None) -> dict:
    se_r, se_m = m.se(robust=True), m.se(robust=False)
    out = {}
    for i, c in enumerate(m.covariates):
        b, s = float(m.beta[i]), float(se_r[m.n_base + i])
        row = {
            "coef": b, "se_robust": s, "se_model": float(se_m[m.n_base + i]),
            "hazard_ratio": math.exp(b),
            "hr_ci95": [math.exp(b - 1.959964 * s), math.exp(b + 1.959964 * s)],
            "p_value": float(_two_sided_p(b / s)), "reference": m.reference[c],
        }
        if df is not None:
            sub = df.dropna(subset=m.covariates)
            exposed = sub[c] != m.reference[c] if set(sub[c].unique()) <= {0.0, 1.0} else None
            if exposed is not None:
                row["n_rows_exposed"] = int(exposed.sum())
                row["n_spells_exposed"] = int(sub.loc[exposed, "spell"].nunique())
                row["n_events_exposed"] = int(sub.loc[exposed, "event"].sum())
        out[c] = row
    return out


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def contrast(m: WeibullPH | PiecewisePH, c1: str, c2: str) -> dict:
    """Hazard ratio exp(b1 - b2) with a robust 95% CI (e.g. UN vs non-UN peacekeeping)."""
    V = m.vcov_robust if m.vcov_robust is not None else m.vcov
    i, j = m.n_base + m.covariates.index(c1), m.n_base + m.covariates.index(c2)
    b = float(m.beta[i - m.n_base] - m.beta[j - m.n_base])
    s = math.sqrt(V[i, i] + V[j, j] - 2 * V[i, j])
    return {"contrast": f"{c1} vs {c2}", "hazard_ratio": math.exp(b),
            "hr_ci95": [math.exp(b - 1.959964 * s), math.exp(b + 1.959964 * s)],
            "p_value": _two_sided_p(b / s)}


def spells(rows: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """Collapse counting-process rows to one row per spell: total duration, event, and the
    covariates known at the ceasefire (first row) - what a forecaster would have had."""
    g = rows.sort_values(["spell", "start"]).groupby("spell", sort=True)
    first = g.first()
    out = first[[c for c in ["cluster", *covariates] if c in first.columns]].copy()
    out["stop"] = g["stop"].max()
    out["event"] = g["event"].max()
    return out.reset_index()


def _censoring_km(T: np.ndarray, E: np.ndarray):
    from lifelines import KaplanMeierFitter

    km = KaplanMeierFitter().fit(T, 1 - E)
    return lambda t: np.clip(km.survival_function_at_times(np.asarray(t, float)).to_numpy(),
                             1e-6, 1.0)


def brier_ipcw(T, E, S_pred, t: float, G) -> float:
    """Inverse-probability-of-censoring-weighted Brier score at time t (Graf et al. 1999)."""
    T, E, S_pred = np.asarray(T, float), np.asarray(E, int), np.asarray(S_pred, float)
    died = (T <= t) & (E == 1)
    alive = T > t
    w_died = np.where(died, 1.0 / G(np.maximum(T - 1e-9, 0.0)), 0.0)
    w_alive = np.where(alive, 1.0 / G(np.full_like(T, t)), 0.0)
    return float(np.mean(w_died * S_pred**2 + w_alive * (1.0 - S_pred) ** 2))


def _folds(clusters: np.ndarray, k: int, seed: int) -> np.ndarray:
    uniq = np.array(sorted(set(clusters)))
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(uniq))
    fold_of = {uniq[p]: i % k for i, p in enumerate(perm)}
    return np.array([fold_of[c] for c in clusters])


FORECASTERS = ("piecewise_ph", "weibull_ph", "cox_ph", "km_base_rate")


def cross_validate(rows: pd.DataFrame, covariates: list[str], reference: dict[str, float],
                   k: int = K_FOLDS, seed: int = CV_SEED, latency: float = 0.0,
                   breaks=None) -> dict:
    """Grouped k-fold CV (folds are whole conflicts). Scores each held-out spell from its
    ceasefire-time covariates: Harrell's concordance and IPCW Brier at 24 and 60 months, for the
    piecewise-exponential PH, the Weibull PH, the lifelines Cox and the Kaplan-Meier base rate
    (marginal survival of the training folds)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import concordance_index

    rows = rows.dropna(subset=covariates)
    sp = spells(rows, covariates)
    fold = _folds(sp["cluster"].to_numpy(), k, seed)
    G = _censoring_km(sp["stop"].to_numpy(), sp["event"].to_numpy())
    preds = {m: {h: np.full(len(sp), np.nan) for h in HORIZONS_MONTHS} for m in FORECASTERS}
    risk = {m: np.full(len(sp), np.nan) for m in FORECASTERS}
    pw_kw = {} if breaks is None else {"breaks": breaks}
    for f in range(k):
        test = fold == f
        tr = rows[rows["spell"].isin(set(sp.loc[~test, "spell"]))]
        te = sp[test]
        fitted = {
            "weibull_ph": fit_weibull_ph(tr, covariates, reference, latency=latency),
            "piecewise_ph": fit_piecewise_ph(tr, covariates, reference, latency=latency,
                                             **pw_kw),
        }
        for name, m in fitted.items():
            risk[name][test] = m.linear_predictor(te)
            for h in HORIZONS_MONTHS:
                preds[name][h][test] = m.survival(te, h)
        sp_tr = sp[~test]
        km = KaplanMeierFitter().fit(sp_tr["stop"], sp_tr["event"])
        risk["km_base_rate"][test] = 0.0
        for h in HORIZONS_MONTHS:
            preds["km_base_rate"][h][test] = float(km.survival_function_at_times(h).iloc[0])
        cph = fit_cox(tr, covariates)
        risk["cox_ph"][test] = cph.predict_log_partial_hazard(te[covariates]).to_numpy()
        sf = cph.predict_survival_function(te[covariates], times=list(HORIZONS_MONTHS))
        for h in HORIZONS_MONTHS:
            preds["cox_ph"][h][test] = sf.loc[h].to_numpy()
    T, E = sp["stop"].to_numpy(), sp["event"].to_numpy()
    res = {"k_folds": k, "seed": seed, "grouping": "conflict cluster", "n_spells": len(sp),
           "n_events": int(E.sum()), "brier": "IPCW (Graf et al. 1999), censoring KM on all spells",
           "models": {}}
    for name in FORECASTERS:
        r = {"concordance": float(concordance_index(T, -risk[name], E))}
        for h in HORIZONS_MONTHS:
            r[f"brier_{h}m"] = brier_ipcw(T, E, preds[name][h], h, G)
            r[f"mean_p_recur_{h}m"] = float(np.mean(1.0 - preds[name][h]))
        res["models"][name] = r
    return res


def repeated_cv(rows: pd.DataFrame, covariates: list[str], reference: dict[str, float],
                repeats: int = 5, k: int = K_FOLDS, latency: float = 0.0, breaks=None) -> dict:
    """The k-fold CV of ``cross_validate`` for seeds CV_SEED .. CV_SEED + repeats - 1; the
    first repeat is reported as is, and the mean and SD over repeats beside it."""
    runs = [cross_validate(rows, covariates, reference, k=k, seed=CV_SEED + r, latency=latency,
                           breaks=breaks) for r in range(repeats)]
    out = runs[0]
    summary = {}
    for name in out["models"]:
        summary[name] = {}
        for metric in out["models"][name]:
            vals = np.array([run["models"][name][metric] for run in runs])
            summary[name][metric] = {"mean": float(vals.mean()), "sd": float(vals.std(ddof=1))}
    out["repeats"] = {"n": repeats, "seeds": [CV_SEED + r for r in range(repeats)],
                      "models": summary}
    return out


def rolling_origin_backtest(rows: pd.DataFrame, covariates: list[str],
                            reference: dict[str, float], min_events: int = 5,
                            boot: int = 2000, seed: int = CV_SEED) -> dict:
    """Forecast each spell from its own ceasefire date with what was known then, score it
    against what followed.

    For spell i with ceasefire date t_i, the training set is every spell that began before t_i,
    observed only up to t_i (a failure after t_i is censored at t_i). Forecasters, each fitted on
    that set: the piecewise PH model on ``covariates`` (``LHR_BREAKS``, pieces merged while
    one has no event yet; a 0/1 covariate only once a spell exposed to it has failed); the base rate (Kaplan-Meier, no covariates); climatology (one
    constant monthly rate = events / exposure, no covariates). Scored at 24 and 60 months where
    the outcome is known by 2020-11-10 (failed by then, or observed that long). Skill =
    1 - Brier / Brier(reference); 95% intervals by bootstrap over dyads (``boot`` resamples).
    """
    from lifelines import KaplanMeierFitter

    rows = rows.dropna(subset=covariates).sort_values("cfdate").reset_index(drop=True)
    preds = {m: {h: [] for h in HORIZONS_MONTHS} for m in ("model", "base_rate", "climatology")}
    obs = {h: [] for h in HORIZONS_MONTHS}
    dyad = {h: [] for h in HORIZONS_MONTHS}
    used, skipped = [], 0
    for _, r in rows.iterrows():
        t0 = pd.Timestamp(r["cfdate"])
        tr = rows[rows["cfdate"] < t0].copy()
        age = (t0 - pd.to_datetime(tr["cfdate"])).dt.days / DAYS_PER_MONTH
        tr["event"] = ((tr["event"] == 1) & (tr["stop"] <= age)).astype(float)
        tr["stop"] = np.minimum(tr["stop"], age)
        if len(tr) < 10 or tr["event"].sum() < min_events:
            skipped += 1
            continue
        one = rows.loc[[_]]
        # a 0/1 covariate enters once the history has a failure among its exposed spells (else
        # its coefficient runs off to -inf); the baseline's pieces merge until each has events
        covs = [c for c in covariates if reference[c] != 0.0
                or tr.loc[tr[c] == 1, "event"].sum() >= 1]
        for breaks in (LHR_BREAKS, (0.0, 6.0), (0.0,)):
            try:
                m = fit_piecewise_ph(tr, covs, {c: reference[c] for c in covs}, breaks=breaks)
                break
            except ValueError:
                continue
        km = KaplanMeierFitter().fit(tr["stop"], tr["event"])
        rate = tr["event"].sum() / tr["stop"].sum()
        used.append(int(r["spell"]))
        for h in HORIZONS_MONTHS:
            known = (r["event"] == 1 and r["stop"] <= h) or r["stop"] >= h
            if not known:
                continue
            obs[h].append(float(r["event"] == 1 and r["stop"] <= h))
            dyad[h].append(r["cluster"])
            preds["model"][h].append(float(1.0 - m.survival(one, h)[0]))
            preds["base_rate"][h].append(float(1.0 - km.survival_function_at_times(h).iloc[0]))
            preds["climatology"][h].append(float(1.0 - math.exp(-rate * h)))
    rng = np.random.default_rng(seed)
    out = {"n_forecast": len(used), "n_skipped_too_little_history": skipped,
           "rule": "train on spells begun before the origin, truncated at it; need >= 10 "
                   f"spells and >= {min_events} failures", "horizons": {}}
    for h in HORIZONS_MONTHS:
        y = np.array(obs[h])
        if y.size == 0:
            continue
        cl = np.array(dyad[h])
        uniq = np.unique(cl)
        idx = [np.flatnonzero(cl == c) for c in uniq]
        P = {k: np.array(v[h]) for k, v in preds.items()}
        B = {k: (p - y) ** 2 for k, p in P.items()}
        res = {"n": int(y.size), "failures": int(y.sum()),
               "brier": {k: float(b.mean()) for k, b in B.items()},
               "mean_p": {k: float(p.mean()) for k, p in P.items()},
               "observed_share": float(y.mean())}
        draws = {ref: [] for ref in ("base_rate", "climatology")}
        for _ in range(boot):
            pick = np.concatenate([idx[j] for j in rng.integers(0, len(uniq), len(uniq))])
            for ref in draws:
                draws[ref].append(1.0 - B["model"][pick].mean() / B[ref][pick].mean())
        res["skill"] = {ref: {"value": float(1.0 - B["model"].mean() / B[ref].mean()),
                              "ci95": [float(np.quantile(draws[ref], 0.025)),
                                       float(np.quantile(draws[ref], 0.975))]}
                        for ref in draws}
        out["horizons"][f"{h}m"] = res
    return out


def km_base_rates(sp: pd.DataFrame, months=(6, 12, 24, 36, 60, 120)) -> dict:
    from lifelines import KaplanMeierFitter

    km = KaplanMeierFitter().fit(sp["stop"], sp["event"])
    s = km.survival_function_at_times(list(months)).to_numpy()
    return {"n_spells": len(sp), "n_events": int(sp["event"].sum()),
            "p_recur_by_month": {str(m): float(1 - v) for m, v in zip(months, s, strict=True)}}


# --------------------------------------------------------------------------------------------
# model specifications
# --------------------------------------------------------------------------------------------

FORTNA_MAIN = ["un_pk", "nonun_pk", "victory", "treaty", "prior_failed_cf", "logdead", "wardur"]
FORTNA_SPLIT = ["un_pk", "nonun_gp", "nonun_regional", "victory", "treaty", "prior_failed_cf",
                "logdead", "wardur"]
UCDP_MAIN = ["peace_agreement", "victory", "low_activity", "actor_ceased", "prior_recurrence",
             "interstate", "war_intensity"]
WALTER_MAIN = ["un_pk", "victory", "comprehensive"]
LHR_MAIN = ["tie", "victor_claim", "pk", "lndeaths"]
LHR_ANY_CLAIM = ["tie", "claim_active", "pk", "lndeaths"]

DESCRIPTIONS = {
    "un_pk": "UN-led peacekeeping present (Fortna UNpk_dum; Walter unpko), 0/1",
    "nonun_pk": "non-UN peacekeeping present (Fortna noUNpk_d: regional organisation or great/"
                "regional power such as Russia/CIS), 0/1",
    "nonun_gp": "non-UN peacekeeping led by a great or regional power (noUNpk_d & pkwho==3: "
                "Russia/CIS in Moldova, South Ossetia, Tajikistan; US in Haiti; ...), 0/1",
    "nonun_regional": "other non-UN peacekeeping (regional organisations, unknown lead), 0/1",
    "victory": "the war ended in a decisive military victory, 0/1",
    "treaty": "ended by a treaty/peace agreement (reference: truce/ceasefire), 0/1",
    "prior_failed_cf": "an earlier ceasefire in the same conflict had already failed, 0/1",
    "logdead": "log of war deaths (Fortna logdead); reference = sample mean",
    "wardur": "war duration in years (Fortna wardur); reference = sample mean",
    "peace_agreement": "UCDP outcome 1, peace agreement (reference: ceasefire, outcome 2), 0/1",
    "low_activity": "UCDP outcome 5, low activity (reference: ceasefire), 0/1",
    "actor_ceased": "UCDP outcome 6, actor ceases to exist (reference: ceasefire), 0/1",
    "prior_recurrence": "the conflict had an earlier terminated episode (this is a recurrence), 0/1",
    "interstate": "UCDP type_of_conflict 2 (interstate) in any year of the episode, 0/1",
    "war_intensity": "the episode reached war intensity (1000+ battle deaths in a year), 0/1",
    "comprehensive": "Walter: comprehensive peace agreement, 0/1",
    "tie": "LHR: the war ended without a victor (tie), 0/1",
    "victor_claim": "a victor that still claims territory held by the loser: an ICOW provisional "
                    "claim, challenger = victor (LHR ccode1), target = loser, active in the year "
                    "after the ceasefire, 0/1",
    "claim_active": "any ICOW territorial claim between the two, either way, active in the year "
                    "after the ceasefire, 0/1",
    "pk": "LHR pk > 0: peacekeepers or observers provided for in the ceasefire, 0/1",
    "lndeaths": "LHR: log battle deaths of the war; reference = sample mean",
}


def _reference(df: pd.DataFrame, covariates: list[str]) -> dict[str, float]:
    """Binary covariates: reference 0; continuous ones: the mean over spells (first rows)."""
    if "spell" in df.columns:
        df = df.sort_values(["spell", "start"]).groupby("spell").first()
    ref = {}
    for c in covariates:
        vals = set(df[c].dropna().unique())
        ref[c] = 0.0 if vals <= {0.0, 1.0} else float(df[c].dropna().mean())
    return ref


def _round(x, nd=10):
    if isinstance(x, float):
        return float(round(x, nd))
    if isinstance(x, dict):
        return {k: _round(v, nd) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_round(v, nd) for v in x]
    return x


def _formula(m: WeibullPH | PiecewisePH) -> str:
    lp = " + ".join(f"b_{c}*({c} - ref_{c})" for c in m.covariates)
    clock = f"max(t - {m.latency:g}, 0)" if m.latency else "t"
    if isinstance(m, WeibullPH):
        return f"H(t|x) = exp(log_scale_a + {lp}) * {clock}**shape_rho"
    return f"H(t|x) = exp({lp}) * H0({clock}), H0 piecewise linear (constant monthly rates)"


def model_entry(m: WeibullPH | PiecewisePH, rows: pd.DataFrame, dataset: str,
                cv: dict | None, cox=None) -> dict:
    months = np.arange(1, BASELINE_MONTHS + 1, dtype=float)
    se = m.se()
    if isinstance(m, WeibullPH):
        H = math.exp(m.a) * np.maximum(months - m.latency, 0.0) ** m.rho
        Hprev = math.exp(m.a) * np.maximum(months - 1.0 - m.latency, 0.0) ** m.rho
        baseline = {
            "log_scale_a": m.a, "shape_rho": m.rho, "latency_months": m.latency,
            "cumulative_hazard": "H0(t) = exp(log_scale_a) * max(t - latency_months, 0)**shape_rho",
            "se_log_scale_a": float(se[0]), "se_log_shape_rho": float(se[1]),
        }
        family, beyond = "weibull_ph", "the Weibull formula"
    else:
        H, Hprev = m.baseline_cumhaz(months), m.baseline_cumhaz(months - 1.0)
        baseline = {
            "breaks_months": m.breaks.tolist(), "latency_months": m.latency,
            "log_rates": m.log_rates.tolist(),
            "rates_per_month": np.exp(m.log_rates).tolist(),
            "se_log_rates": se[: m.n_base].tolist(),
            "events_per_piece": m.events_per_piece,
            "cumulative_hazard": "H0(t) = sum_j rates_per_month[j] * overlap([breaks[j], "
                                 "breaks[j+1]), [0, t - latency_months]); last piece open",
        }
        family, beyond = "piecewise_exponential_ph", "the last piece's constant rate"
    entry = {
        "dataset": dataset,
        "family": family,
        "formula": _formula(m),
        "time_unit": "month (30.4375 days) since the ceasefire / episode end",
        "baseline": baseline,
        "covariates": covariate_table(m, rows),
        "descriptions": {c: DESCRIPTIONS.get(c, c) for c in m.covariates},
        "param_names": m.param_names,
        "vcov_robust": (m.vcov_robust if m.vcov_robust is not None else m.vcov).tolist(),
        "loglik": m.loglik,
        "n_rows": m.n_rows, "n_spells": m.n_spells, "n_events": m.n_events,
        "n_clusters": m.n_clusters, "converged": m.converged,
        "monthly_baseline_hazard": (1.0 - np.exp(-(H - Hprev))).tolist(),
        "monthly_baseline_hazard_note": "P(recurrence in month m | none before), m = 1.."
        f"{BASELINE_MONTHS}, at the reference covariates; beyond, use {beyond}",
    }
    if cv is not None:
        entry["cross_validation"] = cv
    if cox is not None:
        s = cox.summary
        entry["cox_comparison"] = {
            c: {"hazard_ratio": float(s.loc[c, "exp(coef)"]),
                "hr_ci95": [float(s.loc[c, "exp(coef) lower 95%"]),
                            float(s.loc[c, "exp(coef) upper 95%"])],
                "p_value": float(s.loc[c, "p"])}
            for c in m.covariates
        }
    return entry


def score_post_soviet(data_dir: Path, rows: pd.DataFrame, m_all: WeibullPH | PiecewisePH,
                      m_out: WeibullPH | PiecewisePH) -> dict:
    """Score the post-Soviet analogue spells (Fortna clust2 == FSU; cross-checked against the
    extract file) with the full fit and with a fit that leaves all FSU spells out."""
    ext = _read_csv(data_dir, FORTNA_POSTSOVIET_FILE, ["id", "cname", "cfdate"])
    ext_ids = set(pd.to_numeric(ext["id"], errors="coerce").dropna().astype(int))
    sp = spells(rows[rows["spell"].isin(ext_ids)], m_all.covariates)
    info = rows.groupby("spell").agg(conflict=("conflict", "first"), cfdate=("cfdate", "first"))
    cases = []
    for _, r in sp.iterrows():
        one = sp[sp["spell"] == r["spell"]]
        case = {"spell": int(r["spell"]), "conflict": info.loc[r["spell"], "conflict"],
                "ceasefire_date": str(info.loc[r["spell"], "cfdate"].date()),
                "observed_months": float(r["stop"]), "failed": bool(r["event"]),
                "covariates": {c: float(r[c]) for c in m_all.covariates}}
        for tag, m in (("full_fit", m_all), ("leave_fsu_out", m_out)):
            case[tag] = {f"p_recur_{h}m": float(1.0 - m.survival(one, h)[0])
                         for h in HORIZONS_MONTHS}
        cases.append(case)
    from lifelines import KaplanMeierFitter

    for tag, sub in (("km_base_rate", rows), ("km_base_rate_leave_fsu_out",
                                               rows[~rows["spell"].isin(ext_ids)])):
        sp_all = spells(sub, [])
        km = KaplanMeierFitter().fit(sp_all["stop"], sp_all["event"])
        for case in cases:
            case[tag] = {f"p_recur_{h}m": float(1.0 - km.survival_function_at_times(h).iloc[0])
                         for h in HORIZONS_MONTHS}
    summary = {}
    for tag in ("full_fit", "leave_fsu_out", "km_base_rate", "km_base_rate_leave_fsu_out"):
        for h in HORIZONS_MONTHS:
            y = np.array([c["failed"] and c["observed_months"] <= h for c in cases], float)
            known = np.array([c["failed"] or c["observed_months"] >= h for c in cases])
            p = np.array([c[tag][f"p_recur_{h}m"] for c in cases])
            summary[f"{tag}_brier_{h}m"] = float(np.mean((p[known] - y[known]) ** 2))
            summary[f"{tag}_mean_p_{h}m"] = float(np.mean(p[known]))
            summary[f"observed_share_{h}m"] = float(np.mean(y[known]))
    return {"cases": cases, "summary": summary,
            "note": "cases are in the training data of full_fit; leave_fsu_out is refitted "
                    "without every post-Soviet (clust2 == FSU) spell"}


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def fit_all(data_dir: Path, cv: bool = True) -> dict:
    """Load every data set, fit every model, cross-validate (if cv) and return the payload."""
    data_dir = Path(data_dir)
    readme = data_dir / README_FILE
    if not readme.is_file():
        raise DataError(f"{readme}: file not found (the data README gives versions and commits)")
    text = readme.read_text(encoding="utf-8")
    for key, meta in DATASETS.items():
        if meta["commit"] not in text:
            raise DataError(f"{readme}: commit {meta['commit']} for {key} not found; "
                            "the data copy differs from the one this fit was written for")

    fortna = load_fortna(data_dir)
    ucdp = load_ucdp_episodes(data_dir)
    walter = load_walter(data_dir)
    for key, meta in DATASETS_INTERSTATE.items():
        src = data_dir / meta["readme"]
        if not src.is_file() or meta["commit"] not in src.read_text(encoding="utf-8"):
            raise DataError(f"{src}: commit {meta['commit']} for {key} not found; the data copy "
                            "differs from the one this fit was written for")
    lhr = load_lhr_interstate(data_dir)
    lhr_no2020 = load_lhr_interstate(data_dir, code_2020=False)
    ref_l = _reference(lhr, LHR_MAIN)
    pw_l = {"breaks": LHR_BREAKS}

    ref_f = _reference(fortna, FORTNA_MAIN)
    ref_f3 = _reference(fortna, FORTNA_SPLIT)
    ref_u = _reference(ucdp, UCDP_MAIN)
    pw_u = {"latency": UCDP_LATENCY, "breaks": UCDP_BREAKS}
    specs = {  # name: (fitted model, rows, covariates, dataset, CV keyword arguments or None)
        "lhr_interstate": (fit_piecewise_ph(lhr, LHR_MAIN, ref_l, **pw_l), lhr, LHR_MAIN,
                           "lhr_2008", pw_l),
        "lhr_interstate_weibull": (fit_weibull_ph(lhr, LHR_MAIN, ref_l), lhr, LHR_MAIN,
                                   "lhr_2008", None),
        "lhr_interstate_any_claim": (
            fit_piecewise_ph(lhr, LHR_ANY_CLAIM, _reference(lhr, LHR_ANY_CLAIM), **pw_l), lhr,
            LHR_ANY_CLAIM, "lhr_2008", pw_l),
        "lhr_interstate_2020_censored": (
            fit_piecewise_ph(lhr_no2020, LHR_MAIN, ref_l, **pw_l), lhr_no2020, LHR_MAIN,
            "lhr_2008", pw_l),
        "fortna_pk": (fit_piecewise_ph(fortna, FORTNA_MAIN, ref_f), fortna, FORTNA_MAIN,
                      "fortna_pk_pkept", {}),
        "fortna_pk_weibull": (fit_weibull_ph(fortna, FORTNA_MAIN, ref_f), fortna, FORTNA_MAIN,
                              "fortna_pk_pkept", None),
        "fortna_pk_split": (fit_piecewise_ph(fortna, FORTNA_SPLIT, ref_f3), fortna,
                            FORTNA_SPLIT, "fortna_pk_pkept", {}),
        "ucdp_episodes": (fit_piecewise_ph(ucdp, UCDP_MAIN, ref_u, **pw_u), ucdp, UCDP_MAIN,
                          "ucdp_termination", pw_u),
        "ucdp_episodes_weibull": (fit_weibull_ph(ucdp, UCDP_MAIN, ref_u, latency=UCDP_LATENCY),
                                  ucdp, UCDP_MAIN, "ucdp_termination", None),
        "walter2015": (fit_weibull_ph(walter, WALTER_MAIN, _reference(walter, WALTER_MAIN)),
                       walter, WALTER_MAIN, "walter2015", None),
    }
    m_f, m_f3 = specs["fortna_pk"][0], specs["fortna_pk_split"][0]
    m_f_out = fit_piecewise_ph(fortna[fortna["fsu"] == 0], FORTNA_MAIN, ref_f)
    models = {}
    for name, (m, rows, cov, dataset, cv_kw) in specs.items():
        cvres = (repeated_cv(rows, cov, m.reference, **cv_kw)
                 if cv and cv_kw is not None else None)
        models[name] = model_entry(m, rows, dataset, cvres, fit_cox(rows, cov))
        if cv_kw is not None and cvres is None:
            models[name]["cross_validation"] = "skipped (--no-cv)"
        elif cv_kw is None:
            models[name]["cross_validation"] = (
                "see the piecewise model on the same covariates (weibull_ph row)"
                if name != "walter2015" else "not run: 61 spells, 24 events")

    sp_f = spells(fortna, [])
    sp_u = spells(ucdp, [])
    ucdp_by_outcome = {}
    for code, lab in UCDP_OUTCOMES.items():
        sub = ucdp[ucdp["outcome"] == code]
        ucdp_by_outcome[lab] = km_base_rates(sub, months=(24, 60))
    walter_sp = spells(walter, [])

    def _date_range(s: pd.Series) -> list[str]:
        return [str(s.min().date()), str(s.max().date())]

    payload = {
        "schema_version": 1,
        "default_model": "lhr_interstate",
        "provenance": {
            "fitted_on": date.today().isoformat(),
            "code": "validation.fit_ceasefire_hazards",
            "forecast_origin": str(CENSOR_DATE.date()),
            "censoring_date": str(CENSOR_DATE.date()),
            "information_discipline": (
                "Only what was known on 2020-11-10 is used. Rows are truncated at that date: "
                "spells beginning after it are dropped, recurrences after it are censored at it. "
                "Fortna's spells are censored 2004-12-31 and Walter's end in 2009, so nothing "
                "was removed from them. UCDP episodes ending in 2019 or later are dropped (their "
                "termination needs a full calendar year of inactivity, not observable by "
                "2020-11-10) and later episodes starting after 2020-11-10 count as censored; "
                "the 2020 Karabakh episode (388, began 2020-07-16) is therefore not in any fit."),
            "data_readme": "shared/data/ceasefire/README.md (collected 2026-11-22)",
            "datasets": DATASETS | DATASETS_INTERSTATE,
            "samples": {
                "fortna_pk_pkept": {
                    "n_rows": len(fortna), "n_spells": int(fortna.spell.nunique()),
                    "n_events": int(fortna.event.sum()),
                    "n_conflict_clusters": int(fortna.cluster.nunique()),
                    "ceasefire_dates": _date_range(fortna.cfdate),
                    "follow_up_end": "2004-12-31",
                    "dropped": "rows with drop != 0 (Fortna's flag); spells missing logdead or "
                               "wardur are left out of the models that use them"},
                "ucdp_termination": {
                    "n_spells": len(ucdp), "n_events": int(ucdp.event.sum()),
                    "n_conflicts": int(ucdp.cluster.nunique()),
                    "episode_end_dates": _date_range(ucdp.end_date),
                    "follow_up_end": str(CENSOR_DATE.date())},
                "walter2015": {
                    "n_rows": len(walter), "n_spells": int(walter.spell.nunique()),
                    "n_events": int(walter.event.sum()), "years": "1962-2009"},
            },
            "not_available": "Fortna's own interstate Cease-Fires files were not obtainable; "
                             "Lo, Hashimoto & Reiter (2008) extend and correct them (models "
                             "lhr_interstate*).",
            "method": "Weibull proportional hazards by maximum likelihood on counting-process "
                      "rows (left truncation at the row start), cluster-robust sandwich "
                      "standard errors; lifelines Cox PH (entry_col, cluster_col) alongside; "
                      "grouped k-fold cross-validation by conflict; IPCW Brier scores.",
        },
        "models": models,
        "contrasts": {
            "fortna_pk: un_pk vs nonun_pk": contrast(m_f, "un_pk", "nonun_pk"),
            "fortna_pk_split: un_pk vs nonun_gp": contrast(m_f3, "un_pk", "nonun_gp"),
            "fortna_pk_split: un_pk vs nonun_regional": contrast(m_f3, "un_pk", "nonun_regional"),
            "fortna_pk: treaty vs truce": {"see": "models.fortna_pk.covariates.treaty"},
            "ucdp_episodes: peace_agreement vs ceasefire": {
                "see": "models.ucdp_episodes.covariates.peace_agreement"},
        },
        "base_rates": {
            "fortna_km": km_base_rates(sp_f),
            "ucdp_km": km_base_rates(sp_u),
            "ucdp_km_by_outcome": ucdp_by_outcome,
            "walter_km": km_base_rates(walter_sp),
            "lhr_interstate_km": km_base_rates(spells(lhr, [])),
        },
        "interstate": {
            "post_lhr_failures": {str(k): {"date": v[0], "source": v[1]}
                                  for k, v in POST_LHR_FAILURES.items()},
            "rolling_origin": rolling_origin_backtest(lhr, LHR_MAIN, ref_l) if cv else "skipped",
            "spells": [{"id": int(r.spell), "war": r.war, "dyad": r.cluster,
                        "ceasefire": str(pd.Timestamp(r.cfdate).date()),
                        "months": round(float(r.stop), 2), "failed": int(r.event),
                        "tie": int(r.tie), "victor_claim": int(r.victor_claim),
                        "claim_active": int(r.claim_active), "pk": int(r.pk)}
                       for r in lhr.itertuples()],
        },
        "post_soviet_analogues": score_post_soviet(data_dir, fortna, m_f, m_f_out),
    }
    return _round(payload)


def write_json(payload: dict, out: Path) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the ceasefire data folder")
    ap.add_argument("--out", type=Path, required=True, help="where to write the JSON")
    ap.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster)")
    args = ap.parse_args(argv)
    try:
        payload = fit_all(args.data, cv=not args.no_cv)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_json(payload, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
