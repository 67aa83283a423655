"""Out-of-sample wars: the campaign engine, as calibrated on the 2020 war, run on the wars of
2016 and 2023 in the same theatre, its bands beside their record (``docs/validation.md``,
"Out-of-sample wars").

    python -m validation.wars                 # 2,000 runs per scenario, ~1 min
    POLEMOS_REDUCED=1 python -m validation.wars --out /tmp/wars.json    # 200 runs (CI)

Nothing is fitted here: each scenario extends ``karabakh_2020``'s parameters and every run draws
them from its posterior. Writes ``docs/validation-wars.json``; every number of the section is in
it. Besides the record's items (duration, area, each side's dead and equipment, the ending), two
readings that need no extra input: the model's war on the day the real one ended (dead and area
by that day, a diagnostic of its rates that takes the real end date as given) and, where the
attacker takes everything, the day the last sector fell. A sensitivity run gives the engine the
day of the talks that actually ended each war (``termination.truce_day_1``): labelled as such,
since that day is an outcome.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "validation-wars.json"
SEED = 2020
#: the wars, and the day the talks that ended each were held (day 1 = the scenario's start_date)
WARS = {"karabakh_2016": 4, "karabakh_2023": 2}
REFERENCE = "karabakh_2020"   # in sample: the war the parameters were fitted on


def reduced() -> bool:
    return os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")


def _band(x) -> dict:
    from polemos.results import band

    x = np.asarray(x, dtype=float)
    ok = x[~np.isnan(x)]
    if ok.size == 0:
        return {"median": None, "p10": None, "p90": None, "share_of_runs": 0.0}
    m, lo, hi = band(ok)
    return {"median": float(m), "p10": float(lo), "p90": float(hi),
            "share_of_runs": float(ok.size / x.size)}


def model_metric(res, key: str):
    """The per-run model value a record item ``key`` is compared with (None: no such metric)."""
    t, (att, dfd) = res.table(), res.theatre.sides
    cols = {"duration_days": "duration_days", "area_taken_share": "area_taken_share",
            "area_handed_over_share": "handed_over_share",
            f"military_missing_{dfd}": f"missing_{dfd}"}
    for side in (att, dfd):
        cols[f"military_killed_{side}"] = f"killed_{side}"
        for cat in ("tanks", "ifv_apc", "tube_artillery", "rocket_launchers"):
            cols[f"{cat}_lost_{side}"] = f"lost_{cat}_{side}"
    if key == "tank_loss_ratio":
        return (t[f"lost_tanks_{dfd}"] / t[f"lost_tanks_{att}"].clip(lower=1)).to_numpy()
    return t[cols[key]].to_numpy() if key in cols else None


def compare(res) -> dict:
    """Each record item the model has a metric for: the record beside the model's band, whether
    the record's range meets the 10-90% band, and the share of runs inside the record's range
    (for a lower bound: at or above it)."""
    out = {}
    for key, item in res.scenario.record.items():
        x = model_metric(res, key)
        if x is None:
            continue
        lo, hi = item.range
        b = _band(x)
        inside = (x >= lo) if item.bound == "at_least" else (x >= lo) & (x <= hi)
        out[key] = {"record": {"value": item.value, "low": lo, "high": hi, "kind": item.kind,
                               "bound": item.bound, "sources": item.sources},
                    "model": b,
                    "record_meets_band": bool(hi >= b["p10"] and lo <= b["p90"])
                    if item.bound != "at_least" else bool(b["median"] >= item.value),
                    "runs_inside_record": float(np.mean(inside))}
    return out


def on_day(res, day: int) -> dict:
    """The model's war on ``day`` (the day the real one ended): military killed by then, per
    side, and the area taken by then; runs that ended earlier count as they ended."""
    k = res.arrays["daily_killed"][:, :day, :].astype(float).sum(axis=1)
    sides = res.theatre.sides
    return {"day": day,
            **{f"killed_{s}": _band(k[:, i]) for i, s in enumerate(sides)},
            "area_taken_share": _band(res.area_taken_share(day=day))}


def last_sector_day(res) -> dict:
    """Day the last of the defender's sectors fell, over the runs where all of them did."""
    th = res.theatre
    d = res.arrays["sector_day"][:, th.cols].astype(float)
    fell_all = (d >= 0).all(axis=1)
    return _band(np.where(fell_all, d.max(axis=1), np.nan))


def measure(res, record_day: int | None) -> dict:
    from polemos.campaign.state import END_CAUSES

    t = res.table()
    causes = t.end_cause.value_counts(normalize=True)
    out = {"runs": res.n, "seed": res.ensemble.seed, "mode": res.ensemble.mode,
           "duration_days": _band(t.duration_days),
           "end_causes": {c: float(causes.get(c, 0.0)) for c in END_CAUSES if causes.get(c, 0)},
           "area_taken_share": _band(t.area_taken_share),
           "last_sector_fell_day": last_sector_day(res),
           "objective_fall_day": {o: _band(t[f"{o}_fall_day"]) for o in res.theatre.objective_ids},
           "record": compare(res)}
    for side in res.theatre.sides:
        out[f"killed_{side}"] = _band(t[f"killed_{side}"])
    if record_day is not None:
        out["on_the_record_end_day"] = on_day(res, record_day)
    return out


def run(name: str, runs: int, seed: int = SEED, overrides: tuple = ()):
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.scenario import load_scenario

    sc = load_scenario(name, list(overrides), strict=True)
    return run_ensemble(sc, Ensemble(runs=runs, seed=seed))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200 if reduced() else 2000)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    report = {"runs": args.runs, "seed": args.seed, "mode": "posterior",
              "parameters": "karabakh_2020/posterior.csv (not refitted)", "wars": {}}
    for name, talks_day in WARS.items():
        sc_runs = run(name, args.runs, args.seed)
        record_day = int(round(sc_runs.scenario.record["duration_days"].value))
        entry = {"as_built": measure(sc_runs, record_day)}
        talks = run(name, args.runs, args.seed,
                    (f"parameters.termination.truce_day_1.value={talks_day}",))
        entry["talks_day_given"] = {"truce_day_1": talks_day, **measure(talks, record_day)}
        report["wars"][name] = entry
    report["reference_in_sample"] = {REFERENCE: measure(run(REFERENCE, args.runs, args.seed),
                                                        None)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
