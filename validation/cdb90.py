"""The engine's ground-combat law on the battles of CDB90, out of sample (``docs/validation.md``).

    python -m validation.cdb90 [--data ../shared/data/battles] [--out docs/validation-cdb90.json]

Data: ``cdb90/src-data/CDB90/CDB90-patched.csv`` (the signed codes intact; ``data/battles.csv``
blanks every negative code) and, for the war of each battle only, ``cdb90/data/battles.csv``
(``war4``: Arnold's war labels, right where the patched ``WAR`` is not). The 614 decided
battles (WINA = ±1) with both strengths known.

Predictors come only from ``PRE_BATTLE`` (each with why an analyst could know it before the
battle); ``pre_battle`` refuses any other column, and names the outcome columns it refuses.
The outcomes (WINA, CASA, CASD) are read apart and only ever scored against.

Every model is fitted on all wars but one and predicts the held-out war's battles (leave one
war out: no war has battles in both); metrics are taken over the pooled out-of-fold
predictions, with 95% intervals from a bootstrap over wars.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from validation import engine_law, stats

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "battles"
OUT = ROOT / "docs" / "validation-cdb90.json"
PATCHED = "cdb90/src-data/CDB90/CDB90-patched.csv"
WARS = "cdb90/data/battles.csv"
QJM = "qjm_factor_tables/tables"
SEED = 90
N_BOOT = 2000
N_BOOT_REDUCED = 200
WARS_REDUCED = 8
TARGET_AUC, TARGET_CAS_SD = 0.72, 1.25
# one battle's war4 label lost its last digit upstream
WAR_LABEL_FIXES = {"World War II of 1939-194": "World War II of 1939-1945"}

# --- what an analyst could know before the battle -------------------------------------------
PRE_BATTLE = {
    "STRA": "attacker's personnel strength (CODEA 1: initial; 3, a quarter of the battles: "
            "total engaged, reinforcements included: the forces committed)",
    "STRD": "defender's personnel strength (as STRA)",
    "TANKA": "attacker's tanks (order of battle)",
    "TANKD": "defender's tanks (order of battle)",
    "ARTYA": "attacker's artillery tubes (order of battle)",
    "ARTYD": "defender's artillery tubes (order of battle)",
    "POST1": "defender's primary posture (hasty, prepared, fortified, delay, withdrawal): "
             "the defence as the attacker finds it",
    "TERRA1": "primary local terrain (rugged / rolling / flat; urban)",
    "AEROA": "which side held air superiority in the theatre",
    "SURPA": "surprise achieved by the attacker, -3..+3 (a condition at the start; its code "
             "0 also means 'did not affect the outcome': a judgement made afterwards)",
    "WX1": "primary local weather (dry/wet, precipitation, temperature)",
}
# refused as predictors, with the reason (a leaked outcome code is a defect)
OUTCOME = {
    **dict.fromkeys(["WINA", "KMDA", "ACHA", "ACHD", "CRIT"], "the outcome itself"),
    **dict.fromkeys(["CASA", "CASD", "FINSTA", "FINSTD", "CTANKA", "CTANKD", "CARTYA",
                     "CARTYD", "CFLYA", "CFLYD"], "losses or strength at the end"),
    **dict.fromkeys([f"RESO{s}{i}" for s in "AD" for i in (1, 2, 3)],
                    "resolution/outcome codes"),
    **dict.fromkeys(["CEA", "LEADA", "TRNGA", "MORALA", "LOGSA", "MOMNTA", "INTELA", "TECHA",
                     "INITA"],
                    "relative advantages judged with knowledge of the battle's course and "
                    "result (combat effectiveness is inferred from results)"),
    **dict.fromkeys(["QUALA", "RESA", "MOBILA", "AIRA", "FPREPA", "WXA", "TERRA", "LEADAA",
                     "PLANA", "SURPAA", "MANA", "LOGSAA", "FORTSA", "DEEPA"],
                    "degree of influence on the outcome (judged from the outcome)"),
    **dict.fromkeys(["RERPA", "RERPD"], "reinforcements that arrived during the battle"),
    **dict.fromkeys(["FLYA", "FLYD"], "close air support sorties flown during the battle"),
    "NOATP": "active periods: the battle's duration",
}
OUTCOME_PREFIXES = {"ATPB": "start of an active period (duration)",
                    "ATPE": "end of an active period (duration)"}


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and the column."""


class LeakError(DataError):
    """A column that is not a pre-battle input was asked for as a predictor."""


def pre_battle(df: pd.DataFrame, columns, where: str = PATCHED) -> pd.DataFrame:
    """The ``columns`` of ``df`` as predictors, refusing any that is not in ``PRE_BATTLE``."""
    for c in columns:
        why = OUTCOME.get(c) or next((r for p, r in OUTCOME_PREFIXES.items()
                                      if c.startswith(p)), None)
        if why:
            raise LeakError(f"{where}: column {c} describes the outcome ({why}); only "
                            f"pre-battle columns may be predictors: {', '.join(PRE_BATTLE)}")
        if c not in PRE_BATTLE:
            raise LeakError(f"{where}: column {c} is not on the pre-battle list "
                            f"({', '.join(PRE_BATTLE)}); add it there with the reason an "
                            "analyst could know it before the battle")
        if c not in df.columns:
            raise DataError(f"{where}: missing column {c}")
    return df[list(columns)].copy()


@dataclass
class Data:
    """The decided battles: pre-battle ``inputs``, and apart from them the outcomes."""

    inputs: pd.DataFrame      # PRE_BATTLE columns only
    attacker_won: np.ndarray  # WINA = +1
    log_cas: np.ndarray       # ln(CASA / CASD), NaN when either is not positive
    war: np.ndarray           # the war of each battle (fold groups)
    isqno: np.ndarray


def _read(data_dir: Path, rel: str, required: list[str]) -> pd.DataFrame:
    path = Path(data_dir) / rel
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected under --data {data_dir})")
    df = pd.read_csv(path, low_memory=False)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    return df


def _numeric(df: pd.DataFrame, cols, where: str) -> None:
    for c in cols:
        v = pd.to_numeric(df[c], errors="coerce")
        if v.isna().any():
            raise DataError(f"{where}: column {c} has non-numeric or empty values "
                            f"(ISQNO {df.loc[v.isna(), 'ISQNO'].iloc[0]})")
        df[c] = v


def load(data_dir: Path = DATA) -> Data:
    """The 614 decided battles with both strengths known."""
    path = str(Path(data_dir) / PATCHED)
    raw = _read(data_dir, PATCHED, ["ISQNO", "WINA", "CASA", "CASD", *PRE_BATTLE])
    _numeric(raw, ["ISQNO", "WINA", "CASA", "CASD", "STRA", "STRD", "TANKA", "TANKD", "ARTYA",
                   "ARTYD", "AEROA", "SURPA"], path)
    wars = _read(data_dir, WARS, ["isqno", "war4"])
    if wars["war4"].isna().any():
        raise DataError(f"{Path(data_dir) / WARS}: column war4 is empty for ISQNO "
                        f"{wars.loc[wars['war4'].isna(), 'isqno'].iloc[0]}")
    war = wars.set_index("isqno")["war4"].replace(WAR_LABEL_FIXES)
    keep = raw["WINA"].isin([1, -1]) & (raw["STRA"] > 0) & (raw["STRD"] > 0)
    df = raw[keep].reset_index(drop=True)
    missing = sorted(set(df["ISQNO"]) - set(war.index))
    if missing:
        raise DataError(f"{Path(data_dir) / WARS}: no war4 for ISQNO {missing[0]}")
    cas_ok = (df["CASA"] > 0) & (df["CASD"] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_cas = np.where(cas_ok, np.log(df["CASA"] / df["CASD"]), np.nan)
    return Data(inputs=pre_battle(df, list(PRE_BATTLE), path),
                attacker_won=(df["WINA"] == 1).to_numpy(),
                log_cas=log_cas,
                war=war.loc[df["ISQNO"]].to_numpy(),
                isqno=df["ISQNO"].to_numpy())


# --- inputs in the engine's terms -----------------------------------------------------------
RELIEF = {"F": 0, "R": 1, "G": 2}          # plain, foothill, mountain (RELIEF_KEYS)
POSTURE = {"FD": 0, "PD": 1, "HD": 2, "DL": 3, "WD": 3}   # fortified .. withdrawal (POSTURES)
RELIEF_UNKNOWN, POSTURE_UNKNOWN = 1, 2     # the modal codes (rolling; hasty defence)


def _pair(a: pd.Series, d: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Equipment of both sides, 0 for both when either side's count is unknown (-1): a
    missing count must not make one side look stronger."""
    known = (a >= 0) & (d >= 0)
    return np.where(known, a, 0.0).astype(float), np.where(known, d, 0.0).astype(float)


def engine_battles(x: pd.DataFrame) -> engine_law.Battles:
    """Pre-battle inputs -> the engine's arrays (see ``docs/validation.md`` for the mapping)."""
    armour_a, armour_d = _pair(x["TANKA"], x["TANKD"])
    guns_a, guns_d = _pair(x["ARTYA"], x["ARTYD"])
    terra = x["TERRA1"].astype(str).str.pad(3, fillchar="0")
    return engine_law.Battles(
        persons_a=x["STRA"].to_numpy(float), persons_d=x["STRD"].to_numpy(float),
        armour_a=armour_a, armour_d=armour_d, guns_a=guns_a, guns_d=guns_d,
        relief=terra.str[0].map(RELIEF).fillna(RELIEF_UNKNOWN).to_numpy(int),
        urban=(terra.str[2] == "U").to_numpy(float),
        posture=x["POST1"].map(POSTURE).fillna(POSTURE_UNKNOWN).to_numpy(int),
        air=np.where(x["AEROA"].isin([1, -1]), x["AEROA"], 0).astype(int),
    )


def _qjm_table(data_dir: Path, name: str) -> pd.DataFrame:
    path = Path(data_dir) / QJM / f"{name}.csv"
    if not path.is_file():
        raise DataError(f"{path}: file not found (the QJM factor tables)")
    return pd.read_csv(path, encoding="utf-8-sig")


def qjm_extra(x: pd.DataFrame, data_dir: Path = DATA) -> engine_law.QJMExtra:
    """The QJM surprise and weather factors (OPORD-QJM's transcription of Dupuy's tables),
    which the engine does not have. Surprise (SURPA ±1, ±2, ±3: minor, substantial,
    complete): the surprised side's vulnerability × 'Surprised Vulnerability', the side that
    surprises × 'Vulnerability'. Weather (WX1): the attacker's strength × 'Attack (h_ua)' of
    its dry/wet × sky × temperature row (unknown parts: dry, sunny, temperate)."""
    sur = _qjm_table(data_dir, "SurpriseFactors").set_index("Surprise")
    wx = _qjm_table(data_dir, "WeatherFactors")
    level = {1: "Minor Surprise", 2: "Substantial Surprise", 3: "Complete Surprise"}
    v_self = {k: float(sur.loc[v, "Vulnerability (Vsur)"]) for k, v in level.items()}
    v_hit = {k: float(sur.loc[v, "Surprised Vulnerability (Vsurd)"]) for k, v in level.items()}
    s = x["SURPA"].where(x["SURPA"].abs() <= 3, 0).astype(int).to_numpy()
    mag = np.abs(s)
    f_self = np.array([v_self.get(m, 1.0) for m in mag])
    f_hit = np.array([v_hit.get(m, 1.0) for m in mag])
    vul_d = np.where(s > 0, f_hit, np.where(s < 0, f_self, 1.0))
    vul_a = np.where(s > 0, f_self, np.where(s < 0, f_hit, 1.0))

    def key(name: str) -> tuple[str, str, str]:
        parts = [p.strip().lower() for p in name.replace("Sunshine-", "Sunshine -").split(" - ")]
        return parts[0], parts[1], parts[2]

    attack = {key(r["Weather"]): float(r["Attack (h_ua)"]) for _, r in wx.iterrows()}
    sky = {"S": ("dry", "sunshine"), "O": ("dry", "overcast"), "L": ("wet", "light"),
           "H": ("wet", "heavy")}
    temp = {"H": "extreme heat", "T": "temperate", "C": "extreme cold"}
    codes = x["WX1"].astype(str).str.pad(3, side="right", fillchar="0")
    h = np.array([attack[(*sky.get(c[1], ("dry", "sunshine")), temp.get(c[2], "temperate"))]
                  for c in codes])
    return engine_law.QJMExtra(vul_d=vul_d, vul_a=vul_a, attack=h)


def statistical_features(x: pd.DataFrame) -> np.ndarray:
    """The reference regression's design: every pre-battle input, coded plainly."""
    armour_a, armour_d = _pair(x["TANKA"], x["TANKD"])
    guns_a, guns_d = _pair(x["ARTYA"], x["ARTYD"])
    terra = x["TERRA1"].astype(str).str.pad(3, fillchar="0")
    wx = x["WX1"].astype(str).str.pad(3, side="right", fillchar="0")
    surpa = x["SURPA"].where(x["SURPA"].abs() <= 3, 0)
    return np.column_stack([
        np.log(x["STRA"] / x["STRD"]), np.log1p(armour_a) - np.log1p(armour_d),
        np.log1p(guns_a) - np.log1p(guns_d),
        x["AEROA"] == 1, x["AEROA"] == -1,
        x["POST1"] == "FD", x["POST1"] == "PD", x["POST1"].isin(["DL", "WD"]),
        terra.str[0] == "G", terra.str[0] == "F", terra.str[2] == "U",
        surpa, wx.str[1] == "L", wx.str[1] == "H", wx.str[2] == "C",
    ]).astype(float)


BASELINE_TERMS = ("intercept", "ln_force_ratio", "air_attacker", "air_defender", "air_unknown",
                  "fortified", "prepared", "delay_or_withdrawal", "rugged", "flat",
                  "terrain_unknown")


def baseline_features(x: pd.DataFrame) -> np.ndarray:
    """The issue's logistic baseline: ln force ratio, air superiority (attacker / defender /
    unknown), defender posture (fortified / prepared / delay or withdrawal; hasty the base),
    terrain (rugged / flat / unknown; rolling the base)."""
    t = x["TERRA1"].astype(str).str[0]
    return np.column_stack([
        np.log(x["STRA"] / x["STRD"]),
        x["AEROA"] == 1, x["AEROA"] == -1, x["AEROA"] == 9,
        x["POST1"] == "FD", x["POST1"] == "PD", x["POST1"].isin(["DL", "WD"]),
        t == "G", t == "F", ~t.isin(["G", "R", "F"]),
    ]).astype(float)


# --- the engine's law fitted on folds ---------------------------------------------------------
FITTED = ("ground_combat.armour_weight", "ground_combat.artillery_weight",
          "ground_combat.ratio_exponent", "ground_combat.attacker_rate_ratio")
LINK_BOUNDS = [(-10.0, 10.0), (0.0, 20.0), (np.log(0.05), np.log(10.0))]
# the law's form with its parameters free of the Karabakh priors (which bind on CDB90)
WIDE = engine_law.WIDE


@dataclass
class EngineFit:
    """The law's calibrated parameters fitted within their scenario priors, with the winner
    link P(attacker wins) = logistic(a + b M) and the casualty residual SD σ."""

    params: dict[str, float]
    a: float
    b: float
    sigma: float
    nll: float


def fit_engine(b: engine_law.Battles, won: np.ndarray, log_cas: np.ndarray,
               base: dict[str, float], priors: dict, extra=None) -> EngineFit:
    """Maximum likelihood, jointly: winners (Bernoulli, logistic in the wear margin M) and
    log casualty ratios (normal around the law's prediction, SD σ). ``FITTED`` move within
    their priors (on the prior's unit scale); the QJM factor tables stay at their values."""
    from polemos.analysis.calibrate import from_unit, to_unit

    pri = {k: priors[k] for k in FITTED}
    has = np.isfinite(log_cas)
    y = won.astype(float)

    def unpack(v):
        p = dict(base)
        p.update({k: float(x[0]) for k, x in from_unit(pri, v[:4]).items()})
        return p

    def nll(v):
        out = engine_law.law(b, unpack(v), extra)
        z = v[4] + v[5] * out["margin"]
        r = (log_cas[has] - out["log_cas_ratio"][has]) / np.exp(v[6])
        return float((np.logaddexp(0, z) - y * z).sum() + (0.5 * r ** 2 + v[6]).sum())

    u0 = np.clip(to_unit(pri, {k: base[k] for k in FITTED})[0], 0.0, 1.0)
    best = None
    for start in (u0, np.full(4, 0.5)):      # the shipped values, and the prior's centre
        res = optimize.minimize(nll, np.r_[start, 0.0, 1.0, np.log(1.4)], method="L-BFGS-B",
                                bounds=[(0.0, 1.0)] * 4 + LINK_BOUNDS)
        if best is None or res.fun < best.fun:
            best = res
    v = best.x
    return EngineFit(unpack(v), float(v[4]), float(v[5]), float(np.exp(v[6])),
                     float(best.fun))


def engine_predict(fit: EngineFit, b: engine_law.Battles, extra=None) -> np.ndarray:
    """(n, 3): P(attacker wins), wear margin, predicted ln casualty ratio."""
    out = engine_law.law(b, fit.params, extra)
    return np.column_stack([stats.sigmoid(fit.a + fit.b * out["margin"]), out["margin"],
                            out["log_cas_ratio"]])


def engine_variants(priors: dict, extra: engine_law.QJMExtra):
    """(name, ranges of FITTED, QJM extras or None) of the fitted variants of the law."""
    return (("engine_fitted", priors, None), ("engine_fitted_wide", WIDE, None),
            ("engine_qjm_extra", priors, extra))


# --- the models, each as out-of-fold predictions ----------------------------------------------
def oof_logistic(X: np.ndarray, won: np.ndarray, war: np.ndarray) -> np.ndarray:
    return stats.cross_predict(stats.fit_logistic, stats.predict_logistic, war, X, won)


def oof_ols(X: np.ndarray, log_cas: np.ndarray, war: np.ndarray) -> np.ndarray:
    """Out-of-fold least squares (rows without a casualty ratio are not fitted on)."""
    def fit(X, y):
        ok = np.isfinite(y)
        return stats.fit_ols(X[ok], y[ok])
    return stats.cross_predict(fit, stats.predict_ols, war, X, log_cas)


def run_models(data: Data, data_dir: Path = DATA, params: dict | None = None) -> dict:
    """Every model's out-of-fold predictions: 'p' P(attacker wins), 'score' a ranking score
    (when it differs from p), 'cas' predicted ln casualty ratio."""
    x, won, war, lc = data.inputs, data.attacker_won, data.war, data.log_cas
    params = params if params is not None else engine_law.engine_parameters()
    priors = engine_law.priors(names=FITTED)
    b = engine_battles(x)
    extra = qjm_extra(x, data_dir)
    lr = np.log(x["STRA"] / x["STRD"]).to_numpy()[:, None]
    out = {}
    # baselines
    out["base_rate"] = {"p": stats.cross_predict(lambda rows, y: y.mean(),
                                                 lambda m, rows: np.full(len(rows), m), war,
                                                 np.arange(len(won)), won)}
    out["three_to_one"] = {"p": (lr[:, 0] >= np.log(3)).astype(float)}
    out["force_ratio"] = {"p": oof_logistic(lr, won, war), "score_raw": lr[:, 0],
                          "cas": oof_ols(lr, lc, war)}
    out["logistic_baseline"] = {"p": oof_logistic(baseline_features(x), won, war)}
    # the engine as shipped: no parameter of the law fitted, only the link for probabilities
    e0 = engine_law.law(b, params)
    m = e0["margin"][:, None]
    out["engine_shipped"] = {"p": oof_logistic(m, won, war), "score": e0["margin"],
                             "verdict": e0["attacker_wins"].astype(float),
                             "cas": e0["log_cas_ratio"]}
    # the engine's law, its calibrated parameters fitted on the training wars
    for name, ranges, ex in engine_variants(priors, extra):
        def fit(rows, ranges=ranges, ex=ex):
            return fit_engine(b.take(rows), won[rows], lc[rows], params, ranges,
                              None if ex is None else ex.take(rows))

        def predict(f, rows, ex=ex):
            return engine_predict(f, b.take(rows), None if ex is None else ex.take(rows))

        pred = stats.cross_predict(fit, predict, war, np.arange(len(won)))
        out[name] = {"p": pred[:, 0], "score": pred[:, 1], "cas": pred[:, 2]}
    # a statistical reference on every pre-battle input (not the engine)
    F = statistical_features(x)
    out["statistical_reference"] = {"p": oof_logistic(F, won, war), "cas": oof_ols(F, lc, war)}
    return out


# --- metrics ----------------------------------------------------------------------------------
def _rms(pred, obs):
    ok = np.isfinite(obs)
    return float(np.sqrt(np.mean((obs[ok] - pred[ok]) ** 2)))


def _acc(p, y):
    return float(np.mean((p >= 0.5) == y))


def evaluate(data: Data, models: dict, n_boot: int, seed: int = SEED) -> dict:
    """AUC, accuracy and casualty RMS residual of each model's out-of-fold predictions, with
    95% intervals from ``n_boot`` bootstrap resamples of wars (the same resamples for every
    model, so differences are paired)."""
    y, lc, war = data.attacker_won, data.log_cas, data.war
    ref_auc = models["force_ratio"]["p"]
    ref_cas = models["force_ratio"]["cas"]

    def metric(fn, *arrays, by_group=False):
        point = fn(*arrays, war) if by_group else fn(*arrays)
        boot = stats.group_bootstrap(fn, war, n_boot, seed, *arrays, by_group=by_group)
        lo, hi = stats.interval(boot)
        return {"value": point, "ci95": [lo, hi]}

    res = {}
    for name, m in models.items():
        r = {}
        p = m["p"]
        r["accuracy"] = metric(_acc, p, y)
        if name not in ("base_rate", "three_to_one"):
            r["auc"] = metric(lambda p, y: stats.auc(p, y), p, y)
            r["auc_minus_force_ratio"] = metric(
                lambda p, q, y: stats.auc(p, y) - stats.auc(q, y), p, ref_auc, y)
            r["within_war_auc"] = metric(stats.within_group_auc, p, y, by_group=True)
        if "score" in m:
            r["auc_of_score"] = metric(lambda s, y: stats.auc(s, y), m["score"], y)
            r["within_war_auc_of_score"] = metric(stats.within_group_auc, m["score"], y,
                                                  by_group=True)
        if "score_raw" in m:
            r["auc_of_raw_ratio"] = metric(lambda s, y: stats.auc(s, y), m["score_raw"], y)
            r["within_war_auc_of_raw_ratio"] = metric(stats.within_group_auc, m["score_raw"],
                                                      y, by_group=True)
        if "verdict" in m:
            r["verdict_accuracy"] = metric(_acc, m["verdict"], y)
            r["verdict_attacker_share"] = float(m["verdict"].mean())
        if "cas" in m:
            r["cas_rms"] = metric(_rms, m["cas"], lc)
            r["cas_bias"] = float(np.nanmean(lc - m["cas"]))
            r["cas_rms_minus_force_ratio"] = metric(
                lambda a, b, o: _rms(a, o) - _rms(b, o), m["cas"], ref_cas, lc)
        res[name] = r
    return res


def in_sample(data: Data, params: dict, priors: dict, data_dir: Path = DATA) -> dict:
    """Reference numbers fitted and scored on all battles (not a test): the issue's figures
    and the law's parameters fitted to every war."""
    x, y, lc = data.inputs, data.attacker_won, data.log_cas
    lr = np.log(x["STRA"] / x["STRD"]).to_numpy()
    ok = np.isfinite(lc)
    w = stats.fit_ols(lr[ok], lc[ok])
    resid = lc[ok] - stats.predict_ols(w, lr[ok])
    Xb = baseline_features(x)
    wb = stats.fit_logistic(Xb, y)
    pb = stats.predict_logistic(wb, Xb)
    b = engine_battles(x)
    fits = {}
    for name, ranges, ex in engine_variants(priors, qjm_extra(x, data_dir)):
        f = fit_engine(b, y, lc, params, ranges, ex)
        pred = engine_predict(f, b, ex)
        fits[name] = {**{k: f.params[k] for k in FITTED}, "link_a": f.a, "link_b": f.b,
                      "cas_sigma": f.sigma, "auc": stats.auc(pred[:, 0], y),
                      "cas_rms": _rms(pred[:, 2], lc),
                      "at_bound": [k for k in FITTED
                                   if np.isclose(f.params[k], ranges[k][:2]).any()]}
    e0 = engine_law.law(b, params)
    return {
        "force_ratio_raw_auc": stats.auc(lr, y),
        "three_to_one_accuracy": _acc((lr >= np.log(3)).astype(float), y),
        "force_ratio_cas_slope": float(w[1]),
        "force_ratio_cas_residual_sd": float(resid.std(ddof=2)),
        "log_cas_ratio_sd": float(np.nanstd(lc, ddof=1)),
        "logistic_baseline_auc": stats.auc(pb, y), "logistic_baseline_accuracy": _acc(pb, y),
        "logistic_baseline_coefficients": dict(zip(BASELINE_TERMS, map(float, wb), strict=True)),
        "engine_shipped_verdict_vs_break_ratio": {
            "breaks_on_ratio": int((e0["ratio"] >= params["movement.break_ratio"]).sum()),
            "worn_first": int((e0["margin"] > 0).sum())},
        "engine_fits_all_wars": fits,
    }


def largest_wars(data: Data, n: int) -> Data:
    """Only the battles of the ``n`` largest wars (the reduced form of the pipeline)."""
    keep = np.isin(data.war, pd.Series(data.war).value_counts().index[:n])
    return Data(data.inputs[keep].reset_index(drop=True), data.attacker_won[keep],
                data.log_cas[keep], data.war[keep], data.isqno[keep])


def report(data_dir: Path = DATA, n_boot: int = N_BOOT, wars: int | None = None) -> dict:
    """Everything ``docs/validation.md`` reports on CDB90 (``wars``: only the largest wars)."""
    data = load(data_dir)
    if wars is not None:
        data = largest_wars(data, wars)
    params = engine_law.engine_parameters()
    priors = engine_law.priors(names=FITTED)
    models = run_models(data, data_dir, params)
    ev = evaluate(data, models, n_boot)
    y = data.attacker_won
    best = {k: v for k, v in ev.items() if k.startswith("engine")}
    return {
        "data": {"file": PATCHED, "battles": int(len(y)), "attacker_wins": int(y.sum()),
                 "attacker_win_share": float(y.mean()), "wars": int(len(np.unique(data.war))),
                 "with_casualty_ratio": int(np.isfinite(data.log_cas).sum()),
                 "largest_war": _largest(data.war)},
        "columns": PRE_BATTLE,
        "refused": sorted(OUTCOME) + [f"{p}*" for p in OUTCOME_PREFIXES],
        "method": {"folds": "leave one war out (war4)", "bootstrap": "wars, with replacement",
                   "n_boot": n_boot, "seed": SEED, "only_largest_wars": wars},
        "engine_parameters_shipped": {k: params[k] for k in (*FITTED, *engine_law.RULE)},
        "priors": {k: list(v) for k, v in priors.items()},
        "target": {"auc": TARGET_AUC, "cas_rms": TARGET_CAS_SD,
                   "met": {k: bool(v["auc"]["value"] >= TARGET_AUC
                                   and v.get("cas_rms", {"value": np.inf})["value"]
                                   <= TARGET_CAS_SD) for k, v in best.items()}},
        "models": ev,
        "in_sample": in_sample(data, params, priors, data_dir),
    }


def _largest(war) -> dict:
    s = pd.Series(war).value_counts()
    return {"war": s.index[0], "battles": int(s.iloc[0])}


def _reduced() -> bool:
    return os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m validation.cdb90", description=__doc__.split(
        "\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the battles folder of ../shared")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"JSON to write (default {OUT.relative_to(ROOT)}; a temporary file "
                         "under POLEMOS_REDUCED=1)")
    ap.add_argument("--boot", type=int, default=None,
                    help=f"bootstrap resamples (default {N_BOOT}; {N_BOOT_REDUCED} reduced)")
    ap.add_argument("--wars", type=int, default=None,
                    help=f"only the N largest wars (default all; {WARS_REDUCED} reduced)")
    args = ap.parse_args(argv)
    n_boot = args.boot or (N_BOOT_REDUCED if _reduced() else N_BOOT)
    wars = args.wars or (WARS_REDUCED if _reduced() else None)
    out = args.out or (Path(tempfile.mkdtemp()) / OUT.name if _reduced() else OUT)
    try:
        rep = report(args.data, n_boot, wars)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out.write_text(json.dumps(rep, indent=1, default=float) + "\n")
    print(summary_table(rep))
    print(f"written: {out}")
    return 0


NAMES = {
    "base_rate": "attacker always wins (training base rate)",
    "three_to_one": "3:1 rule (attacker wins iff STRA/STRD >= 3)",
    "force_ratio": "logistic on ln force ratio",
    "logistic_baseline": "logistic: ratio + air + posture + terrain",
    "engine_shipped": "engine law, shipped parameters (link fitted)",
    "engine_fitted": "engine law, w_arm w_art kappa rho fitted in priors",
    "engine_fitted_wide": "engine law, the same fitted in wide ranges",
    "engine_qjm_extra": "engine law fitted + QJM surprise & weather",
    "statistical_reference": "logistic/OLS on every pre-battle input",
}


def summary_table(rep: dict) -> str:
    def f(m, k):
        if k not in m:
            return "-"
        v = m[k]
        return f"{v['value']:.3f} [{v['ci95'][0]:.3f}, {v['ci95'][1]:.3f}]"

    lines = [f"{'model':50} {'AUC (LOWO)':23} {'accuracy':23} {'ln cas ratio RMS':23} "
             "within-war AUC"]
    for k, m in rep["models"].items():
        lines.append(f"{NAMES.get(k, k):50} {f(m, 'auc'):23} {f(m, 'accuracy'):23} "
                     f"{f(m, 'cas_rms'):23} {f(m, 'within_war_auc')}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
