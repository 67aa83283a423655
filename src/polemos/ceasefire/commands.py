"""``polemos forecast`` and ``polemos score``: the post-war half of the command line.

Only typer, pathlib and typing are imported here; everything heavy is imported inside the
commands, so ``polemos --help`` stays fast. Registered in :mod:`polemos.cli` as
``app.command("forecast")(commands.forecast)`` and ``app.command("score")(commands.score)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from polemos.scenarios import DEFAULT

KEY_MONTHS = (12, 24, 36, 60)


def _err(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr)
    raise typer.Exit(1)


def forecast(
    scenario: Annotated[str, typer.Argument(help="Embedded scenario name or path.")]
    = DEFAULT,
    runs: Annotated[int, typer.Option(help="Number of runs (one parameter draw each).", min=1)]
    = 5000,
    seed: Annotated[int, typer.Option(help="Seed of the named random streams (0 to 2^31 - 1: "
                                      "the forecast file records it as a 32-bit integer).",
                                      min=0, max=2**31 - 1)] = 2020,
    months: Annotated[int, typer.Option(help="Horizon in months after the ceasefire.", min=1,
                                        max=240)] = 60,
    out: Annotated[Path, typer.Option(help="Output folder (forecast.nc, CSV, PNG plots).")]
    = Path("results/forecast"),
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: key.path=value "
                                                   "(repeatable).")] = None,
    from_war: Annotated[bool, typer.Option(help="Start each run from its own simulated war's "
                                           "end (victory, balance, deaths).")] = False,
    origin: Annotated[str | None, typer.Option(help="Forecast origin (ISO date): report every "
                                               "figure read that was not known by then.")]
    = None,
) -> None:
    """Forecast whether fighting resumes after the ceasefire (curves with 10-90% bands)."""
    from polemos.ceasefire.forecast import run_forecast
    from polemos.ceasefire.inputs import ceasefire_inputs
    from polemos.cli import _console, load_or_exit, prepare_out, save_or_fallback

    sc = load_or_exit(scenario, set_ or ())
    if sc.ceasefire is None:
        _err(f"{scenario}: the scenario has no [ceasefire] table; nothing to forecast")
    late: list[str] = []
    if origin is not None:
        import datetime as dt

        from polemos.ceasefire.origin import from_war_problems, origin_problems

        try:
            origin_date = dt.date.fromisoformat(origin)
        except ValueError:
            _err(f"--origin: not an ISO date (YYYY-MM-DD): {origin!r}")
        late = origin_problems(sc, origin_date)
        if from_war:
            late += from_war_problems(sc, origin_date)
        for p in late:
            print(f"[origin] {p}")
        print(f"information discipline: {len(late)} figure(s) read were not known by {origin}"
              if late else f"information discipline: every figure read is dated by {origin}")
    prepare_out(out)
    given = None
    if from_war:
        from polemos.campaign.engine import Ensemble, run_ensemble
        from polemos.ceasefire.from_war import war_end_state
        from polemos.numbers import fmt_number
        from polemos.results import band

        given = war_end_state(run_ensemble(sc, Ensemble(runs=runs, seed=seed)), sc)
        print(f"starting from {runs:,} simulated wars (median [10-90%]): " + "; ".join(
            f"{k.rsplit('.', 1)[-1]} {fmt_number(m)} [{fmt_number(lo)}–{fmt_number(hi)}]"
            for k, (m, lo, hi) in ((k, band(v)) for k, v in given.items())))
    f = run_forecast(ceasefire_inputs(sc), runs=runs, seed=seed, months=months, given=given)
    from polemos.provenance import provenance

    f.attrs.update(provenance(sc, seed=seed, runs=runs, months=months, from_war=from_war))
    if origin is not None:
        f.attrs["origin"] = origin
        f.attrs["figures_after_origin"] = len(late)
    _print_forecast(f, scenario)
    prov = {k: v.item() if hasattr(v, "item") else v for k, v in f.attrs.items()}
    written = save_or_fallback(lambda folder: write_forecast(f, folder), out, _console(),
                               provenance=prov)
    print(f"written: {', '.join(str(p) for p in written)}")


def score(
    forecast: Annotated[Path, typer.Argument(help="A forecast folder or its forecast.nc.")],
    events: Annotated[Path, typer.Argument(help="Events CSV: date,kind,fatalities,source"
                                           "[,place,initiator].")],
    observed_until: Annotated[str | None, typer.Option(help="Last date the events file "
                                                       "covers (ISO); default: its last event.")]
    = None,
    history_from: Annotated[str | None, typer.Option(help="First date the events file covers "
                                                     "before the start (ISO): climatology.")]
    = None,
) -> None:
    """Score a forecast against events: Brier and log scores per horizon beside a base-rate and
    a climatology forecaster, with skill scores; the initiator; the CRPS of monthly deaths."""
    import datetime as dt

    from rich.console import Console
    from rich.table import Table

    from polemos.ceasefire.scoring import HORIZONS, EventsError, load_forecast, read_events
    from polemos.ceasefire.scoring import score as score_fn

    try:
        fc = load_forecast(forecast)
        if len(fc.months) < min(HORIZONS):
            _err(f"{forecast}: the forecast covers {len(fc.months)} months; it is scored at "
                 f"{', '.join(map(str, HORIZONS))} months: forecast at least {min(HORIZONS)} "
                 f"(polemos forecast --months {min(HORIZONS)})")
        evs = read_events(events)
        until = dt.date.fromisoformat(observed_until) if observed_until else None
        since = dt.date.fromisoformat(history_from) if history_from else None
        res = score_fn(fc, evs, observed_until=until, history_from=since)
    except EventsError as e:
        _err(str(e))
    except ValueError as e:
        _err(f"--observed-until / --history-from: {e}")

    def f3(x, fmt=".3f"):
        return "-" if x is None else format(x, fmt)

    t = Table(title=f"Forecast scores ({len(evs)} events; lower is better)")
    for col in ("horizon (months)", "outcome", "forecast p", "base rate p", "climatology p",
                "observed", "Brier", "Brier base", "Brier clim.", "log score"):
        t.add_column(col, justify="right" if col != "outcome" else "left")
    for r in res["rows"]:
        obs = "not yet known" if r["observed"] is None else str(r["observed"])
        t.add_row(str(r["horizon"]), r["outcome"], f3(r["p"]), f3(r["p_base_rate"]),
                  f3(r["p_climatology"]), obs, f3(r["brier"], ".4f"),
                  f3(r["brier_base_rate"], ".4f"), f3(r["brier_climatology"], ".4f"),
                  f3(r["log"], ".4f"))
    con = Console()
    con.print(t)
    if res["climatology"] is not None:
        c = res["climatology"]
        con.print(f"climatology: {c['years']} calendar years {c['from']}-{c['to']}: clash-year "
                  f"frequency {c['clash']:.2f}, offensive-year frequency {c['offensive']:.2f}")
    for r in res["initiator"]:
        if "note" in r:
            con.print(f"initiator: {r['note']}")
            continue
        con.print(f"initiator by month {r['horizon']}: observed {r['observed']}; "
                  f"P(none, {', '.join(fc.sides)}) = "
                  f"({', '.join(f'{x:.3f}' for x in r['p'])}); Brier {r['brier']:.4f}"
                  + (f" (base rate, even split: {r['brier_base_rate']:.4f})"
                     if "brier_base_rate" in r else ""))
    if res["crps"] is not None:
        con.print(f"CRPS of monthly battle deaths: {res['crps']:.3f} "
                  f"(mean over {res['crps_months']} observed months)")
    for name, s in res["skill"].items():
        con.print(f"skill {name}: {f3(s['skill'])} (score {s['score']:.4f} vs reference "
                  f"{s['reference']:.4f}, {s['n']} scored)")


# --- output ---------------------------------------------------------------------------------

def _print_forecast(f, scenario: str) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    n = f.runs
    t = Table(title=f"Ceasefire forecast: {scenario} from {f.attrs['start_date']} "
                    f"({n} runs, seed {f.attrs['seed']})")
    for col in ("outcome", "month", "P (mean)", "median", "10-90% band", "MC s.e.", "runs"):
        t.add_column(col, justify="left" if col == "outcome" else "right")
    labels = {"clash": "year with >=25 battle deaths", "offensive": "large-scale offensive"}
    for name in ("clash", "offensive"):
        c = f.curve(name)
        for m in KEY_MONTHS:
            if m > len(f.months):
                continue
            i = m - 1
            t.add_row(labels[name], str(m), f"{c['mean'][i]:.3f}", f"{c['median'][i]:.3f}",
                      f"{c['q10'][i]:.3f}-{c['q90'][i]:.3f}", f"{c['mc_se'][i]:.3f}", str(n))
    con.print(t)
    con.print("[dim]P = mean over runs of each run's probability given its parameter draw "
              "and path; median and band over runs (parameter and path uncertainty).[/dim]")
    ti = Table(title="Who initiates the offensive (expected share of offensives)")
    ti.add_column("side")
    ti.add_column("share", justify="right")
    ti.add_column("P(offensive started by this side by the horizon)", justify="right")
    for j, (side, share) in enumerate(f.initiator_shares().items()):
        ti.add_row(side, f"{share:.3f}", f"{f.p_initiator[:, j].mean():.3f}")
    con.print(ti)
    tb = Table(title="CF scenario tree: leader change "
               f"({f.attrs['leader_change_side']}) x counter-drone outcome")
    for col in ("branch", "P(branch)", f"P(offensive by month {len(f.months)} | branch)",
                "runs"):
        tb.add_column(col, justify="left" if col == "branch" else "right")
    for name, b in f.branches().items():
        tb.add_row(name, f"{b['probability']:.3f}", f"{b['p_offensive']:.3f}", str(b["runs"]))
    con.print(tb)


def write_forecast(f, out: Path) -> list[Path]:
    """Write ``forecast.nc`` (per run and summary), ``curves.csv`` and PNG plots to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from polemos.provenance import finish

    prov = f.attrs if "scenario_sha256" in f.attrs else {}   # set by `polemos forecast`
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ds = f.to_dataset()
    nc = out / "forecast.nc"
    ds.to_netcdf(nc, engine="scipy")
    rows = ["month,outcome,mean,median,q10,q90,mc_se,runs"]
    for name in ("clash", "offensive"):
        c = f.curve(name)
        for i, m in enumerate(f.months):
            rows.append(f"{m},{name},{c['mean'][i]:.6f},{c['median'][i]:.6f},"
                        f"{c['q10'][i]:.6f},{c['q90'][i]:.6f},{c['mc_se'][i]:.6f},{f.runs}")
    csv = out / "curves.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, colour, label in (("clash", "tab:orange", "year with >=25 battle deaths"),
                                ("offensive", "tab:red", "large-scale offensive")):
        c = f.curve(name)
        ax.fill_between(f.months, c["q10"], c["q90"], color=colour, alpha=0.15,
                        label=f"{label}: 10-90% over runs")
        ax.plot(f.months, c["mean"], color=colour, lw=2, label=f"{label}: P (mean)")
        ax.plot(f.months, c["median"], color=colour, lw=1, ls="--")
    ax.set_xlabel(f"months after {f.attrs['start_date']}")
    ax.set_ylabel("cumulative probability")
    ax.set_ylim(0, 1)
    ax.set_title(f"Ceasefire forecast ({f.runs} runs; dashed: median)")
    ax.legend(fontsize=8, loc="upper left")
    finish(fig, prov)
    p1 = out / "curves.png"
    fig.savefig(p1, dpi=120)
    plt.close(fig)

    br = f.branches()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    names = list(br)
    y = np.arange(len(names))
    ax.barh(y, [br[k]["p_offensive"] for k in names], color="tab:red", alpha=0.7)
    for i, k in enumerate(names):
        ax.text(0.01, i, f"P(branch) = {br[k]['probability']:.2f}, n = {br[k]['runs']}",
                va="center", fontsize=8)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(f"P(offensive by month {len(f.months)} | branch)")
    ax.set_xlim(0, 1)
    finish(fig, prov)
    p2 = out / "scenario_tree.png"
    fig.savefig(p2, dpi=120)
    plt.close(fig)
    return [nc, csv, p1, p2]
