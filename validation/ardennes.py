"""The engine's attrition law, day by day, on the Ardennes campaign (``docs/validation.md``).

    python -m validation.ardennes [--data ../shared/data/battles] [--out docs/validation-ardennes.json]

Data: ``ardennes_daily_wiper2000/Ardennes.csv`` (Wiper, Pettit & Young 2000, from the CAA
Ardennes Campaign Simulation Data Base): days 2–33 of 16 Dec 1944 – 16 Jan 1945, each side's
personnel strength and casualties on the day; no reinforcements, no equipment, no posture.

The Germans are the attacker throughout (the engine's law has fixed roles; the series says
nothing of the Allied counter-offensive that began in its second half). Each day

    R_t   = G_t / (A_t × terrain defence × posture)       (persons only: no equipment)
    cas_A = r_D(R_t) × A_t,   cas_G = r_A(R_t) × G_t      (ground_combat.casualty_rates)

with the Ardennes as the engine's *foothill* relief (QJM Rolling; it is wooded, which the
engine's combat factors do not distinguish) and the Allied defence *prepared* (the posture
matters for the level at the shipped parameters, so every posture is reported).

1. **Shipped**: the posterior medians of the Karabakh calibration (r0, ρ, κ, no fitting): the
   daily level and the ratio the engine would predict.
2. **Fitted**: r0, ρ, κ by least squares on the log daily casualties of both sides (so the
   law's *form* is tested, not the Karabakh values; κ within 0–2, the range of the CDB90
   fit), with the residuals; the same with κ fixed at 0 (constant daily loss rates) and at
   1 (Lanchester's square law) for comparison.
3. **Time split**: each of the three fitted on days 2–17, predicting days 18–33.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from polemos.campaign.components.ground_combat import casualty_rates, power_ratio
from validation import engine_law

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "battles"
FILE = "ardennes_daily_wiper2000/Ardennes.csv"
OUT = ROOT / "docs" / "validation-ardennes.json"
COLUMNS = ["Day", "ForcesAllies", "CasualtiesAllies", "ForcesGermans", "CasualtiesGermans"]
RELIEF = "foothill"
POSTURE = "prepared"
SPLIT_DAY = 17      # fit on days <= SPLIT_DAY, predict the rest


class DataError(ValueError):
    """The series is missing or malformed; the message names the file and the column."""


def load(data_dir: Path = DATA) -> pd.DataFrame:
    path = Path(data_dir) / FILE
    if not path.is_file():
        raise DataError(f"{path}: file not found (expected under --data {data_dir})")
    df = pd.read_csv(path, sep=r"\s+")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    for c in COLUMNS:
        v = pd.to_numeric(df[c], errors="coerce")
        bad = v.isna() | (v <= 0)
        if bad.any():
            raise DataError(f"{path}: column {c} must hold positive numbers (data row "
                            f"{int(np.flatnonzero(bad)[0]) + 1}: {df[c].iloc[np.flatnonzero(bad)[0]]!r})")
        df[c] = v
    return df


def predict(df: pd.DataFrame, p: dict[str, float], posture: str = POSTURE,
            relief: str = RELIEF) -> tuple[np.ndarray, np.ndarray]:
    """(Allied, German) casualties each day by the engine's law with parameters ``p``."""
    gc = "ground_combat."
    a, g = df["ForcesAllies"].to_numpy(float), df["ForcesGermans"].to_numpy(float)
    ratio = power_ratio(g, a * p[f"{gc}terrain_defence_{relief}"] * p[f"{gc}posture_{posture}"])
    rd, ra = casualty_rates(ratio, p[f"{gc}base_casualty_rate"] * p[f"{gc}terrain_casualty_{relief}"],
                            p[f"{gc}attacker_rate_ratio"], p[f"{gc}ratio_exponent"],
                            p[f"{gc}vulnerability_{posture}"], p[f"{gc}max_daily_loss"])
    return rd * a, ra * g


def _with(p: dict, r0: float, rho: float, kappa: float) -> dict:
    return {**p, "ground_combat.base_casualty_rate": r0,
            "ground_combat.attacker_rate_ratio": rho, "ground_combat.ratio_exponent": kappa}


def fit(df: pd.DataFrame, p: dict, kappa: float | None = None) -> dict:
    """r0, ρ (and κ unless fixed) by least squares on ln daily casualties of both sides."""
    obs = np.log(np.r_[df["CasualtiesAllies"], df["CasualtiesGermans"]])

    def resid(v):
        k = v[2] if kappa is None else kappa
        ca, cg = predict(df, _with(p, np.exp(v[0]), np.exp(v[1]), k))
        return np.log(np.r_[ca, cg]) - obs

    v0 = [np.log(p["ground_combat.base_casualty_rate"]),
          np.log(p["ground_combat.attacker_rate_ratio"])]
    lo, hi = [-np.inf, -np.inf], [np.inf, np.inf]
    if kappa is None:                   # κ within the range the CDB90 fit allows it
        v0.append(p["ground_combat.ratio_exponent"])
        lo.append(engine_law.WIDE["ground_combat.ratio_exponent"][0])
        hi.append(engine_law.WIDE["ground_combat.ratio_exponent"][1])
    res = optimize.least_squares(resid, v0, bounds=(lo, hi), method="trf", xtol=1e-12,
                                 ftol=1e-12, gtol=1e-12)
    n, k = len(obs), len(v0)
    rss = float((res.fun ** 2).sum())
    cov = np.linalg.inv(res.jac.T @ res.jac) * rss / (n - k)
    se = np.sqrt(np.diag(cov))
    names = ["ln_r0", "ln_rho", "kappa"][:k]
    return {
        "values": dict(zip(names, map(float, res.x), strict=True)),
        "se": dict(zip(names, map(float, se), strict=True)),
        "params": _with(p, float(np.exp(res.x[0])), float(np.exp(res.x[1])),
                        float(res.x[2]) if kappa is None else kappa),
        "rss": rss, "n": n, "k": k,
        "at_bound": bool(kappa is None and not lo[2] < res.x[2] < hi[2] - 1e-9),
        "aic": float(n * np.log(rss / n) + 2 * k),
    }


def residual_summary(df: pd.DataFrame, p: dict) -> dict:
    """Log residuals (observed − predicted) of each side: SD, mean, lag-1 autocorrelation,
    the largest, and the daily values."""
    ca, cg = predict(df, p)
    out = {}
    for side, pred, col in (("allies", ca, "CasualtiesAllies"),
                            ("germans", cg, "CasualtiesGermans")):
        r = np.log(df[col].to_numpy(float)) - np.log(pred)
        out[side] = {
            "mean": float(r.mean()), "sd": float(r.std(ddof=1)),
            "rms": float(np.sqrt((r ** 2).mean())),
            "lag1_autocorrelation": float(np.corrcoef(r[:-1], r[1:])[0, 1]),
            "largest": {"day": int(df["Day"].iloc[np.argmax(np.abs(r))]),
                        "value": float(r[np.argmax(np.abs(r))])},
            "total_observed": float(df[col].sum()), "total_predicted": float(pred.sum()),
            "daily": [round(float(x), 4) for x in r],
        }
    return out


def report(data_dir: Path = DATA) -> dict:
    df = load(data_dir)
    p = engine_law.engine_parameters()
    gc = "ground_combat."
    shipped = residual_summary(df, p)
    by_posture = {}
    for post in engine_law.POSTURES:
        ca, cg = predict(df, p, posture=post)
        by_posture[post] = {"allies_total": float(ca.sum()), "germans_total": float(cg.sum())}
    free, k0, k1 = fit(df, p), fit(df, p, kappa=0.0), fit(df, p, kappa=1.0)
    early = df[df["Day"] <= SPLIT_DAY]
    late = df[df["Day"] > SPLIT_DAY]
    split = {}
    for name, kappa in (("kappa_free", None), ("kappa_0", 0.0), ("kappa_1", 1.0)):
        f = fit(early, p, kappa)
        split[name] = {"fit": _strip(f), "in_sample": residual_summary(early, f["params"]),
                       "out_of_sample": residual_summary(late, f["params"])}
    a, g = df["ForcesAllies"].to_numpy(float), df["ForcesGermans"].to_numpy(float)
    return {
        "data": {"file": FILE, "days": [int(df["Day"].min()), int(df["Day"].max())],
                 "rows": int(len(df)),
                 "casualties_total": {"allies": float(df["CasualtiesAllies"].sum()),
                                      "germans": float(df["CasualtiesGermans"].sum())},
                 "force_ratio_germans_to_allies": [float((g / a).min()), float((g / a).max())]},
        "mapping": {"attacker": "Germans", "relief": RELIEF, "posture": POSTURE,
                    "equipment": "none (personnel only)"},
        "shipped": {"parameters": {k: p[gc + k] for k in ("base_casualty_rate",
                                                          "attacker_rate_ratio",
                                                          "ratio_exponent")},
                    "residuals": shipped, "totals_by_posture": by_posture},
        "fitted": {"kappa_free": _strip(free), "kappa_0": _strip(k0), "kappa_1": _strip(k1),
                   "residuals": residual_summary(df, free["params"])},
        "time_split": {"fit_days": [int(early["Day"].min()), SPLIT_DAY], **split},
    }


def _strip(f: dict) -> dict:
    return {k: v for k, v in f.items() if k != "params"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m validation.ardennes",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the battles folder of ../shared")
    ap.add_argument("--out", type=Path, default=OUT, help="JSON to write")
    args = ap.parse_args(argv)
    try:
        rep = report(args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(json.dumps(rep, indent=1) + "\n")
    print(summary(rep))
    print(f"written: {args.out}")
    return 0


def summary(rep: dict) -> str:
    lines = []
    sh = rep["shipped"]["residuals"]
    lines.append("shipped parameters: total casualties observed / predicted: "
                 + ", ".join(f"{s} {sh[s]['total_observed']:.0f} / {sh[s]['total_predicted']:.0f}"
                             for s in sh))
    for name in ("kappa_free", "kappa_0", "kappa_1"):
        f = rep["fitted"][name]
        vals = ", ".join(f"{k} {v:.3f} ± {f['se'][k]:.3f}" for k, v in f["values"].items())
        lines.append(f"fit {name}: {vals}; RSS {f['rss']:.3f}, AIC {f['aic']:.2f}")
    r = rep["fitted"]["residuals"]
    lines.append("fitted log residuals: " + ", ".join(
        f"{s} sd {r[s]['sd']:.3f} lag-1 r {r[s]['lag1_autocorrelation']:.2f}" for s in r))
    for name in ("kappa_free", "kappa_0", "kappa_1"):
        o = rep["time_split"][name]["out_of_sample"]
        lines.append(f"time split {name}, days {SPLIT_DAY + 1}+ predicted from the days "
                     "before: " + ", ".join(f"{s} rms {o[s]['rms']:.3f} mean "
                                            f"{o[s]['mean']:+.3f}" for s in o))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
