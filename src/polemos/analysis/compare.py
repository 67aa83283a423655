"""Paired comparison of two scenarios on the same random streams (common random numbers).

Run i of scenario A and run i of scenario B share their parameter draws (for parameters both
keep calibrated) and every random number, so their difference is due to what the scenarios
change. Reported per metric: median difference with 10–90% band, mean difference ± 2 standard
errors, and the number of runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

METRICS = ("duration_days", "area_taken_share", "area_taken_share_day_30",
           "{decisive}_fall_day", "killed_{att}", "killed_{dfd}", "lost_tanks_{dfd}",
           "lost_air_defence_{dfd}", "casualty_share_drones_{dfd}", "lift_ratio")


def metric_keys(res) -> list[str]:
    """The table's columns compared: METRICS for this scenario's sides and its decisive
    objective (``decisive = true``; none: no fall day compared)."""
    att, dfd = res.theatre.sides
    objectives = res.scenario.objectives if res.scenario is not None else {}
    decisive = next((k for k, o in objectives.items() if o.decisive), None)
    return [m.format(att=att, dfd=dfd, decisive=decisive) for m in METRICS
            if decisive is not None or "{decisive}" not in m]


def paired_differences(res_a, res_b) -> dict[str, dict[str, float]]:
    """metric -> {mean_a, mean_b, diff_median, diff_p10, diff_p90, diff_mean, diff_se, n}.

    An objective's fall is two rows: ``<id>_fell``, the share of runs in which it fell (the
    paired difference of a 0/1 outcome), and ``<id>_fall_day``, the day, over the runs in
    which it fell in both scenarios (``n`` says how many): a run in which it never fell has no
    day, and counting it at the horizon would make a mean of days meaningless."""
    ta, tb = res_a.table(), res_b.table()
    out = {}
    for key in metric_keys(res_a):
        if key not in ta or key not in tb:
            continue
        a = ta[key].to_numpy(dtype=float)
        b = tb[key].to_numpy(dtype=float)
        if key.endswith("_fall_day"):
            fell_a, fell_b = np.isfinite(a), np.isfinite(b)
            out[key.removesuffix("_day").replace("_fall", "_fell")] = _paired(
                fell_a.astype(float), fell_b.astype(float))
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() >= 2:
            out[key] = _paired(a[ok], b[ok])
    return out


def _paired(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    d = b - a
    return {"mean_a": float(a.mean()), "mean_b": float(b.mean()),
            "diff_median": float(np.median(d)), "diff_p10": float(np.percentile(d, 10)),
            "diff_p90": float(np.percentile(d, 90)), "diff_mean": float(d.mean()),
            "diff_se": float(d.std(ddof=1) / np.sqrt(len(d))), "n": int(len(d))}


def identical(diffs: dict[str, dict[str, float]]) -> bool:
    """Every run gave the same outcome in both scenarios (every paired difference is 0)."""
    return bool(diffs) and all(v["diff_p10"] == v["diff_p90"] == v["diff_mean"] == 0
                               for v in diffs.values())


def print_differences(name_a, name_b, diffs, console) -> None:
    from rich.table import Table

    from polemos.numbers import fmt_number as f

    n = max((v["n"] for v in diffs.values()), default=0)
    t = Table(title=f"{name_b} minus {name_a}: paired differences over {n:,} runs "
              "(same random streams)", title_justify="left")
    for col in ("outcome", f"mean {name_a}", f"mean {name_b}", "difference: mean ± 2 SE",
                "median [10–90%] over runs", "runs"):
        t.add_column(col, justify="right" if col != "outcome" else "left")
    for k, v in diffs.items():
        sign = "+" if v["diff_mean"] > 0 else ""
        t.add_row(k, f(v["mean_a"]), f(v["mean_b"]),
                  f"{sign}{f(v['diff_mean'])} ± {f(2 * v['diff_se'], 2)}",
                  f"{f(v['diff_median'])} [{f(v['diff_p10'])}, {f(v['diff_p90'])}]",
                  f"{v['n']:,}")
    console.print(t)
    console.print("± 2 SE is the Monte Carlo error of the mean paired difference, not the model's "
                  "uncertainty; the median [10–90%] column is the spread of the per-run "
                  "differences over the posterior's parameter draws. *_fell: share of runs in "
                  "which the objective fell; *_fall_day: over the runs in which it fell in both.")
    if identical(diffs):
        console.print("The two scenarios gave the same campaign in every run: they differ in "
                      "nothing the campaign engine reads (a ceasefire-only change is compared "
                      "with 'polemos forecast').")


def plot_differences(name_a, name_b, res_a, res_b, out: Path) -> Path:
    """The paired difference B − A of the area the defender holds, by day: median and 10–90%
    of the per-run differences, and the mean with its ± 2 SE Monte Carlo band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from polemos.provenance import finish
    from polemos.results import band

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    area_a, area_b = res_a.defender_area_by_day(), res_b.defender_area_by_day()
    days_n = min(area_a.shape[1], area_b.shape[1])
    d = area_b[:, :days_n] - area_a[:, :days_n]
    days = np.arange(1, days_n + 1)
    m, lo, hi = band(d)
    mean, se = d.mean(axis=0), d.std(axis=0, ddof=1) / np.sqrt(len(d))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.fill_between(days, lo, hi, alpha=0.2, label="10–90% of the per-run differences")
    ax.plot(days, m, label="median difference")
    ax.fill_between(days, mean - 2 * se, mean + 2 * se, color="k", alpha=0.25,
                    label="mean ± 2 SE (Monte Carlo error)")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel="day of war", ylabel="km² held by the defender, B − A",
           title=f"{name_b} minus {name_a} (paired runs)")
    ax.legend(fontsize=8)
    finish(fig, res_a.provenance(), res_b.provenance())
    path = out / f"compare_{Path(name_a).stem}_vs_{Path(name_b).stem}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown_table(base: str, others: list[str], runs: int = 4000, seed: int = 2020,
                   mode: str = "posterior", exogenous_endings: bool = True) -> str:
    """Paired differences of several counterfactuals against ``base`` as a markdown table
    (``exogenous_endings=False``: no outside red lines and no settlement at talks, so each war
    runs to its military end)."""
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.numbers import fmt_number
    from polemos.scenario import load_scenario

    ens = Ensemble(runs=runs, seed=seed, mode=mode, exogenous_endings=exogenous_endings)
    ref = run_ensemble(load_scenario(base), ens)
    diffs = {other: paired_differences(ref, run_ensemble(load_scenario(other), ens))
             for other in others}
    names = list(dict.fromkeys(k for d in diffs.values() for k in d))
    lines = [f"Paired differences against `{base}` ({runs:,} runs, seed {seed}, parameters: "
             f"{mode}, exogenous endings {'on' if exogenous_endings else 'off'}); mean ± 2 SE "
             "of the paired difference (*_fell: share of runs in which the objective fell; "
             "*_fall_day: over the runs in which it fell in both).", "",
             "| counterfactual | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(names)]
    for other, d in diffs.items():
        cells = []
        for key in names:
            v = d.get(key)
            cells.append("–" if v is None else f"{'+' if v['diff_mean'] > 0 else ''}"
                         f"{fmt_number(v['diff_mean'])} ± {fmt_number(2 * v['diff_se'], 2)}")
        lines.append(f"| {Path(other).stem} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m polemos.analysis.compare [--runs N]
    import argparse

    from polemos.scenarios import DEFAULT, ROOT

    ap = argparse.ArgumentParser(description="markdown table of the campaign counterfactuals")
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--no-exogenous-endings", action="store_true",
                    help="no outside red lines, no settlement at talks")
    ap.add_argument("files", nargs="*", help="counterfactual scenarios (default: all six)")
    a = ap.parse_args()
    files = a.files or sorted(str(p) for p in ROOT.glob("campaign_*.toml"))
    print(markdown_table(DEFAULT, files, a.runs, a.seed,
                         exogenous_endings=not a.no_exogenous_endings))
