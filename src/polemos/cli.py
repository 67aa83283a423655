"""The ``polemos`` command line. Heavy modules are imported inside commands, so ``--help`` is fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from polemos.campaign import DEFAULT_MAX_DAYS, DEFAULT_MODE, DEFAULT_RUNS, DEFAULT_SEED
from polemos.scenarios import DEFAULT  # the embedded default scenario

app = typer.Typer(
    help="Polemos: simulate a war and forecast the peace that follows it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ScenarioArg = Annotated[str, typer.Argument(help="Embedded scenario name or path to a TOML "
                                            "file or folder.")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override: key.path=value "
                                                  "(repeatable).")]


def _console():
    from rich.console import Console

    return Console()


def _fail(problems, console=None) -> None:
    """Print every problem, one line each, and exit 1."""
    import sys

    for p in problems:
        print(str(p), file=sys.stderr)
    raise typer.Exit(1)


def prepare_out(out: Path) -> Path:
    """Create the output folder before any work is done, or exit 1 with a clear message."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".polemos-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        _fail([f"--out {out}: cannot write there ({e.strerror or e})"])
    return out


#: the largest --seed: the seed is recorded as a signed 64-bit NetCDF/Parquet attribute
MAX_SEED = 2**63 - 1
SeedOpt = Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the random streams "
                                      f"(0 to {MAX_SEED}).")]
OverwriteOpt = Annotated[bool, typer.Option(help="Replace the results of a folder that "
                                            "already holds some.")]


def refuse_existing_or_exit(out: Path, overwrite: bool) -> None:
    """Exit 1 before any work if ``out`` already holds results and --overwrite is not given."""
    from polemos.output import refuse_existing

    msg = refuse_existing(out, overwrite)
    if msg is not None:
        _fail([msg])


def save_or_fallback(write, out: Path, console, provenance: dict | None = None) -> list[Path]:
    """Write results with ``write(folder)``; if the folder fails mid-way, write them to a new
    temporary folder instead, so that nothing computed is lost; if that fails too, exit 1
    with both reasons. With ``provenance``, the files are written complete or not at all
    and a manifest last (:func:`polemos.output.write_complete`)."""
    import tempfile

    from polemos.output import write_complete

    def attempt(folder):
        return write(folder) if provenance is None else write_complete(write, folder,
                                                                        provenance)

    try:
        return attempt(out)
    except OSError as e:
        first = f"{out} ({e.strerror or e})"
    try:
        alt = Path(tempfile.mkdtemp(prefix="polemos-results-"))
        console.print(f"[red]Could not write to {first}; writing to {alt}[/red]")
        return attempt(alt)
    except OSError as e:
        _fail([f"--out: could not write the results to {first}, nor to a temporary folder "
               f"({e.strerror or e}); free some space or choose another --out"])


MODES = ("posterior", "prior", "point")


def check_mode(mode: str) -> None:
    """Exit 1 with a clear message unless ``mode`` is a parameter mode."""
    if mode not in MODES:
        _fail([f"--mode: must be posterior, prior or point, got {mode!r}"])


def load_or_exit(spec: str, overrides=(), strict: bool = False):
    """Load a scenario or print its problems and exit 1 (never a traceback)."""
    from polemos.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(spec, overrides or (), strict=strict)
    except ScenarioError as e:
        _fail(e.problems)


@app.command()
def validate(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario names or paths.")],
    strict: Annotated[bool, typer.Option(help="Fail on any bare number or unsourced figure.")]
    = False,
    origin: Annotated[str | None, typer.Option(help="Forecast origin (ISO date): list every "
                                               "figure the ceasefire forecast reads that is "
                                               "undated or dated after it (fails with --strict).")]
    = None,
) -> None:
    """Check scenarios and report every problem at once (file:line key.path: message)."""
    import sys

    from polemos.scenario import ScenarioError, load_scenario

    if origin is not None:
        import datetime as dt

        try:
            origin_date = dt.date.fromisoformat(origin)
        except ValueError:
            print(f"--origin: not an ISO date (YYYY-MM-DD): {origin!r}", file=sys.stderr)
            raise typer.Exit(1) from None

    bad = 0
    for spec in scenarios:
        try:
            sc = load_scenario(spec, strict=strict)
        except ScenarioError as e:
            bad += 1
            for p in e.problems:
                print(str(p), file=sys.stderr)
            print(f"{spec}: {len(e.problems)} problem(s)", file=sys.stderr)
            continue
        for note in sc.notes:
            print(str(note), file=sys.stderr)
        if origin is not None:
            from polemos.ceasefire.origin import origin_problems

            late = origin_problems(sc, origin_date)
            for p in late:
                print(p, file=sys.stderr)
            if late:
                print(f"{spec}: {len(late)} figure(s) of the forecast not known by {origin}",
                      file=sys.stderr)
                if strict:
                    bad += 1
                    continue
        print(f"{spec}: valid{' (strict)' if strict else ''} - {len(sc.sectors)} sectors, "
              f"{len(sc.sources)} sources, {len(sc.figures)} register figures, "
              f"{len(sc.defaults)} engine parameters from the defaults")
    if bad:
        raise typer.Exit(1)


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Name of the new scenario (its folder).")],
    from_: Annotated[str | None, typer.Option(
        "--from", help="Start from a copy of this scenario (embedded name or path) instead of "
        "the skeleton.")] = None,
    folder: Annotated[Path, typer.Option("--dir", help="Where to create the folder NAME.")]
    = Path("."),
) -> None:
    """Start a scenario in NAME/: a commented skeleton of a small two-sided war that validates
    and runs (or a copy of another scenario, --from). Then: polemos validate NAME/."""
    from polemos.scenario import ScenarioError, load_scenario
    from polemos.scenario.new import write_new

    target = folder / name
    try:
        written = write_new(name, target, from_)
    except ScenarioError as e:
        _fail(e.problems)
    print("Wrote " + ", ".join(str(p) for p in written))
    if from_ is not None:
        print(f"(a calibrated posterior of '{from_}' is not copied: it was fitted to that war; "
              "runs draw calibrated parameters from their priors until you calibrate yours)")
    try:
        sc = load_scenario(target)
    except ScenarioError as e:
        _fail(e.problems)
    print(f"{target}/: valid - {len(sc.sectors)} sectors, {len(sc.defaults)} engine parameters "
          f"from the defaults. Next:\n  polemos validate --strict {target}/\n"
          f"  polemos run {target}/ --runs 1000 --max-days 30 --out results/{name}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    import json

    from polemos.scenario.schema import Scenario

    print(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


@app.command()
def scenarios() -> None:
    """List the embedded scenarios."""
    from polemos.scenario import ScenarioError, load_scenario
    from polemos.scenarios import embedded_names

    for name in embedded_names():
        try:
            sc = load_scenario(name)
            print(f"{name:24s} {sc.title}")
        except ScenarioError as e:
            print(f"{name:24s} (invalid: {len(e.problems)} problem(s))")


@app.command()
def evidence(
    scenario: ScenarioArg = DEFAULT,
    contested: Annotated[bool, typer.Option(help="Only contested figures, each source's value "
                                            "side by side.")] = False,
) -> None:
    """Print the evidence register: every figure with its sources."""
    from polemos.scenario.evidence import print_register

    print_register(load_or_exit(scenario), _console(), contested_only=contested)


@app.command()
def summary(scenario: ScenarioArg = DEFAULT, set_: SetOpt = None) -> None:
    """Print a readable summary of a scenario's sides, sectors, forces and sources."""
    from polemos.scenario.evidence import print_summary

    print_summary(load_or_exit(scenario, set_), _console())


def _run_with_progress(sc, ens, console, checkpoint: Path | None = None,
                       folder: Path | None = None, room=None):
    """Run an ensemble with a progress bar that moves as each chunk of runs finishes, or exit 1
    with a clear message when its scheduler cannot be used. With ``checkpoint``, each finished
    chunk is kept there and a rerun of the same job computes only the missing ones. With
    ``folder``, each chunk is written there as it finishes (``stream_ensemble``: memory bounded
    by the chunk size; ``room`` checks the disk after each chunk) and the results are read back
    from the files; else they are joined in memory (``run_ensemble``)."""
    from polemos import __version__
    from polemos.analysis.executor import ExecutorError, job_hash, progress_bar
    from polemos.campaign.engine import run_ensemble, stream_ensemble
    from polemos.output import DiskSpaceError

    key = None
    if checkpoint is not None:   # the scenario as run (its --set included), ensemble, engine
        from polemos.campaign.kernels import engine_label, resolve_engine

        key = job_hash("polemos run", __version__, sc, ens.runs, ens.seed, ens.mode,
                       ens.chunk_size, ens.max_days, engine_label(resolve_engine(ens.engine)))
    try:
        with progress_bar(f"simulating {sc.name}", console, unit="runs",
                          per_chunk=ens.chunk_size, units=ens.runs) as bar:
            if folder is None:
                return run_ensemble(sc, ens, progress=bar, checkpoint=checkpoint, job_key=key)
            return stream_ensemble(sc, ens, folder, progress=bar, checkpoint=checkpoint,
                                   job_key=key, room=room)
    except (ExecutorError, DiskSpaceError) as e:
        _fail([str(e)])



SchedulerOpt = Annotated[str | None, typer.Option(
    help="Where the chunks run: 'local' (a Dask cluster on this machine) or a Dask scheduler's "
         "address (tcp://host:8786); default: in this process, or a local cluster when "
         "--workers > 1. Results are the same on any.")]
WorkersOpt = Annotated[int | None, typer.Option(
    min=1, help="Worker processes of the local Dask cluster (default: one per CPU with "
                "--scheduler local; none otherwise).")]


@app.command()
def run(
    scenario: ScenarioArg = DEFAULT,
    runs: Annotated[int, typer.Option(min=1, help="Number of runs.")] = DEFAULT_RUNS,
    seed: SeedOpt = DEFAULT_SEED,
    out: Annotated[Path, typer.Option(help="Folder for results and plots.")] = Path("results"),
    overwrite: OverwriteOpt = False,
    set_: SetOpt = None,
    mode: Annotated[str, typer.Option(help="Parameters: posterior | prior | point.")]
    = DEFAULT_MODE,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    chunk_size: Annotated[int | None, typer.Option(
        min=1, help="Runs per chunk (default: the engine's DEFAULT_CHUNK).")] = None,
    max_days: Annotated[int, typer.Option(min=1, help="Horizon, days.")] = DEFAULT_MAX_DAYS,
    show_steps: Annotated[bool, typer.Option(help="Print the step order and exit.")] = False,
    plots: Annotated[bool, typer.Option(help="Write PNG plots.")] = True,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", "--resume", help="Folder of finished chunks: an interrupted run "
        "started with it resumes from them, with identical results.")] = None,
    engine: Annotated[str | None, typer.Option(
        help="auto | numpy | numba: the numpy engine, or its compiled kernels (auto: numba "
             "when installed; default $POLEMOS_ENGINE, else auto).")] = None,
) -> None:
    """Simulate a campaign: the outcome distribution beside the record, NetCDF/Parquet, plots."""
    console = _console()
    if show_steps:
        from polemos.campaign.engine import step_order

        for i, (name, doc) in enumerate(step_order(), start=1):
            console.print(f"{i}. {name}: {doc}")
        return
    check_mode(mode)
    from polemos.campaign.kernels import resolve_engine

    try:
        engine = resolve_engine(engine)
    except ValueError as e:
        _fail([f"--engine: {e}"], console)
    sc = load_or_exit(scenario, set_)
    refuse_existing_or_exit(out, overwrite)
    import pyarrow as pa

    # Arrow's allocations (Parquet written and read back) through the C library's malloc:
    # pyarrow's default pool, mimalloc, kept ~100 MB of the columns of 1M runs read back for the
    # summary (docs/benchmarks.md, "Memory of polemos run")
    pa.set_memory_pool(pa.system_memory_pool())
    from polemos.analysis.executor import default_scheduler
    from polemos.campaign.engine import DEFAULT_CHUNK, Ensemble, posterior_draws
    from polemos.campaign.report import plot, print_summary, write_summary
    from polemos.output import chunk_memory_problem, disk_problem, room_check, run_sizes
    from polemos.results import ensemble_provenance

    ens = Ensemble(runs=runs, seed=seed, mode=mode, chunk_size=chunk_size or DEFAULT_CHUNK,
                   workers=workers, max_days=max_days, engine=engine,
                   scheduler=default_scheduler(scheduler, workers))
    # the limits: one chunk in memory (each is written to disk as it finishes), all on disk
    sizes = run_sizes(sc, max_days)
    problem = chunk_memory_problem(sc, min(runs, ens.chunk_size), max_days, sizes) or \
        disk_problem(sc, ens, out, checkpoint, plots, sizes)
    if problem is not None:
        _fail([problem])
    prepare_out(out)
    prov = ensemble_provenance(sc, ens, posterior_draws(sc, ens), runs)

    def write(folder):
        res = _run_with_progress(sc, ens, console, checkpoint, folder=folder,
                                 room=room_check(folder, runs, sizes, plots, checkpoint))
        print_summary(res, console)
        written = res.paths + write_summary(res, folder)
        if plots:
            written += plot(res, folder)
            res.drop_scratch()
        return written

    written = save_or_fallback(write, out, console, provenance=prov)
    console.print("Wrote " + ", ".join(str(p) for p in written))


@app.command()
def compare(
    scenario_a: Annotated[str, typer.Argument(help="Baseline scenario (name or path).")],
    scenario_b: Annotated[str, typer.Argument(help="Counterfactual scenario (name or path; "
                                              "may be the baseline with --set-b).")],
    runs: Annotated[int, typer.Option(min=2)] = 4000,
    seed: SeedOpt = DEFAULT_SEED,
    mode: Annotated[str, typer.Option(help="Parameters: posterior | prior | point.")]
    = DEFAULT_MODE,
    out: Annotated[Path, typer.Option(help="Folder for the plot.")] = Path("results"),
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="Override for both scenarios: key.path=value (repeatable).")] = None,
    set_b: Annotated[list[str] | None, typer.Option(
        "--set-b", help="Override for the counterfactual only (repeatable).")] = None,
) -> None:
    """Paired differences B − A on the same random streams, with bands; writes a plot."""
    check_mode(mode)

    from polemos.analysis.compare import paired_differences, plot_differences, print_differences
    from polemos.campaign.engine import Ensemble

    console = _console()
    sa = load_or_exit(scenario_a, set_)
    sb = load_or_exit(scenario_b, [*(set_ or ()), *(set_b or ())])
    name_b = scenario_b if not set_b else f"{scenario_b} --set-b {'; '.join(set_b)}"
    prepare_out(out)
    ens = Ensemble(runs=runs, seed=seed, mode=mode)
    ra, rb = _run_with_progress(sa, ens, console), _run_with_progress(sb, ens, console)
    diffs = paired_differences(ra, rb)
    print_differences(scenario_a, name_b, diffs, console)
    path = save_or_fallback(lambda f: [plot_differences(scenario_a, scenario_b, ra, rb, f)],
                            out, console)
    console.print(f"Wrote {path[0]}")


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="Folder written by 'polemos run'.")],
    out: Annotated[Path | None, typer.Option(help="HTML file (default: RESULTS/report.html).")]
    = None,
    run: Annotated[int | None, typer.Option("--run", help="Run whose story is told (default: "
                                            "the median run).")] = None,
    scenario: Annotated[str | None, typer.Option(help="Scenario (name or path) when the one "
                                                 "in the provenance cannot be found.")] = None,
    sensitivity: Annotated[Path | None, typer.Option(help="A 'polemos sensitivity' output "
                                                     "(folder or sensitivity.csv): what "
                                                     "decided the war.")] = None,
    forecast: Annotated[Path | None, typer.Option(help="A 'polemos forecast' output (folder "
                                                  "or forecast.nc): its fan charts.")] = None,
    max_runs: Annotated[int | None, typer.Option(help="Read at most this many runs (the "
                                                 "first; default: as many as fit in the "
                                                 "memory available).")] = None,
) -> None:
    """One self-contained HTML report (opens offline): the map of the front with a day slider,
    the outcomes beside the record (fitted / out of sample / not compared) with linked sources,
    losses by cause, what decided the war (--sensitivity), one run's story day by day and the
    ceasefire forecast's fan charts (--forecast)."""
    from polemos.report import ReportError, write_report

    try:
        path = write_report(results, out, run=run, scenario=scenario, sensitivity=sensitivity,
                            forecast=forecast, max_runs=max_runs)
    except ReportError as e:
        _fail([str(e)])
    print(f"Wrote {path} ({path.stat().st_size / 1e6:,.1f} MB)")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def calibrate(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Argument(help="Scenario (name or path).")] = DEFAULT,
) -> None:
    """Identifiability screen, then Bayesian synthetic likelihood (DE-MC; or sequential ABC,
    --method smc) of the scenario's calibrated parameters to its [record] calibration targets;
    --until-day D fits only what was known by day D (time split). Writes posterior.csv and a
    report (options: ``python -m polemos.analysis.calibrate --help``, e.g. --chains, --steps,
    --out, --no-screen)."""
    from polemos.analysis.calibrate import main as calibrate_main

    load_or_exit(scenario)                 # a clear error for a bad scenario, before any work
    raise typer.Exit(calibrate_main(["--scenario", scenario, *ctx.args]))


@app.command()
def sensitivity(
    scenario: ScenarioArg = DEFAULT,
    n: Annotated[int, typer.Option("--n", min=2, help="Base sample size N, a power of 2: "
                                   "N x (groups + 2) points.")] = 512,
    replicates: Annotated[int, typer.Option(min=1, help="Engine runs per point, on common "
                                            "random numbers; a point's outputs are their "
                                            "mean.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the design and of the runs.")] = 2020,
    over: Annotated[str, typer.Option(help="Ranges of the inputs: posterior (its marginal "
                                      "quantiles) | prior.")] = "posterior",
    quantiles: Annotated[str, typer.Option(help="Posterior quantiles bounding each input, "
                                           "low,high.")] = "0.05,0.95",
    groups: Annotated[Path | None, typer.Option(help="TOML file of [groups.<id>] (label, "
                                                "patterns) overriding the default "
                                                "grouping.")] = None,
    resamples: Annotated[int, typer.Option(min=10, help="Bootstrap resamples for the "
                                           "95% intervals.")] = 1000,
    out: Annotated[Path, typer.Option(help="Folder for the table, plot and "
                                      "design.")] = Path("results/sensitivity"),
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", "--resume", help="Folder of finished chunks: an interrupted run "
        "resumes from it.")] = None,
    set_: SetOpt = None,
) -> None:
    """What decided the war: Sobol' indices (first and total order, bootstrap intervals) of
    duration, area, each side's dead, the decisive objective's fall and equipment losses, by
    group of inputs (drones, air defence and EW, fortification, terrain, logistics, numbers,
    lethality, ...). Writes sensitivity.csv/.parquet/.png/.json to --out."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from polemos.analysis.executor import ExecutorError, default_scheduler
    from polemos.analysis.sensitivity import KIND, OVER, print_result, run_sensitivity
    from polemos.scenario import ScenarioError

    if over not in OVER:
        _fail([f"--over: must be posterior or prior, got {over!r}"])
    if n & (n - 1):
        _fail([f"--n: must be a power of 2 (the Sobol' sequence is balanced at powers of 2), "
               f"got {n}"])
    try:
        q = tuple(float(x) for x in quantiles.split(","))
        if len(q) != 2 or not 0 <= q[0] < q[1] <= 1:
            raise ValueError
    except ValueError:
        _fail([f"--quantiles: two numbers low,high with 0 <= low < high <= 1, got {quantiles!r}"])
    sc = load_or_exit(scenario, set_)
    prepare_out(out)
    console = _console()
    t0 = time.perf_counter()
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(f"sensitivity of {sc.name}", total=None)

        def sized(design):
            bar.update(task, description=f"{design['engine_runs']:,} runs in chunks")

        def advance(done, total):
            bar.update(task, completed=done, total=total)

        try:
            res = run_sensitivity(sc, n, replicates, seed, over, q, groups, resamples,
                                  scheduler=default_scheduler(scheduler, workers),
                                  workers=workers, checkpoint=checkpoint,
                                  progress=advance, on_design=sized)
        except ScenarioError as e:
            _fail(e.problems)
        except (ValueError, ExecutorError) as e:
            _fail([f"{scenario}: {e}"])
    print_result(res, console)
    d = res.design
    if d["other"]:
        console.print(f"Inputs no group pattern matches (group 'other'): {', '.join(d['other'])}")
    console.print(f"{d['engine_runs']:,} engine runs ({d['points']:,} points x "
                  f"{d['replicates']}) in {time.perf_counter() - t0:.0f} s. A {KIND}. Inputs over "
                  f"the {over}; Sobol' indices assume independent inputs (see "
                  "docs/sensitivity.md).")
    written = save_or_fallback(res.write, out, console)
    console.print("Wrote " + ", ".join(str(p) for p in written))


def _register_ceasefire_commands() -> None:
    from polemos.ceasefire import commands

    app.command("forecast")(commands.forecast)
    app.command("score")(commands.score)


_register_ceasefire_commands()


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
