"""Benchmark of the campaign engine: runs/s, sector-days/s, peak memory, scaling.

    python benchmarks/bench_campaign.py [--quick] [--dry-run] [--out benchmarks/results.json]

Every measurement runs in a fresh single-threaded subprocess (OMP/OPENBLAS/MKL_NUM_THREADS=1),
so its peak RSS (``ru_maxrss``) belongs to that measurement alone; the memory figure is the
peak after the simulation minus the peak just before it (imports and scenario loaded), i.e.
the simulation's own high-water mark. Times are for the simulation only (building the
:class:`Simulation` and running it); interpreter start, imports and scenario loading are
reported separately as start-up time.

Two cases:

* ``fixed``: the full default campaign with every run lasting exactly ``max_days`` = 44 days
  (no exogenous endings — no red line, no settlement at talks —, breakpoints never reached, the
  defender's position never untenable for long enough), so that runs are comparable across
  sizes;
* ``realistic``: the default scenario as shipped (``posterior`` mode, horizon 120 days); runs
  end when they end, and the engine keeps stepping (vectorised) until the last run of the
  chunk has ended.

Sizes: 1,000 / 10,000 / 100,000 runs (in chunks of 2,500, the default
``Ensemble.chunk_size``, run one after another in one process), each repeated 3 times, the
median reported. Scaling: log-log slope of time vs runs; time vs sectors on synthetic
theatres made by duplicating the scenario's sectors (21 / 42 / 84 sectors).

``--quick``: 1,000 and 10,000 runs, 1 repeat (well under a minute).
``--components``: also the CPU time of each component's daily steps (and of the rest: start,
compaction, hand-out) in 10,000 runs of the realistic case, median of the repeats, in its own
subprocess (the timing wraps each step: not part of the figures above).
``--dry-run``: 10 and 50 runs x 5 days, every measurement in one single subprocess; checks the
script, not the engine's speed.

Engines (``--engines``, default both when numba is installed): ``numpy``, the reference, and
``numba``, its compiled kernels (:mod:`polemos.campaign.kernels`). With numba each process
first loads the kernels from numba's on-disk cache by running a tiny simulation (8 runs, 3
days) before the timed ones: that load is reported as ``kernel_load_s``, part of start-up like
the imports; ``compile_s`` is the same warm-up in a process given an empty cache (the one-off
compile on a new machine).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

SCENARIO = "karabakh_2020"
FIXED_DAYS = 44
REALISTIC_DAYS = 120  # polemos.campaign.engine.DEFAULT_MAX_DAYS
CHUNK = 2_500  # = polemos.campaign.engine.DEFAULT_CHUNK
TARGET_S = 2.0  # 10,000 runs of the default as shipped on one core (issue 8)
TARGET_RUNS = 10_000
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# Every run lasts FIXED_DAYS days: no exogenous endings (Simulation(exogenous_endings=False)),
# breakpoints (a share of initial strength lost) set out of reach, the defender's position
# never untenable for long enough.
FIXED_OVERRIDES = (
    "parameters.termination.breakpoint_defender.value=10",
    "parameters.termination.breakpoint_attacker.value=10",
    "parameters.termination.untenable_days.value=1000",
)


# --- child: one measurement ---------------------------------------------------------------

def _maxrss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 1024  # bytes on macOS, KiB on Linux


def multiply_sectors(loaded, copies: int) -> None:
    """Add ``copies - 1`` renamed copies of every sector and link (in place, raw data).

    Copy ``k`` of sector ``s`` is ``s__k``; the links of the original are copied between the
    copies, and each sector is linked to its own next copy, so the theatre stays one connected
    graph. Routes and objectives stay on the original sectors. Copies keep their controller,
    so the contested area grows with the theatre.
    """
    data = loaded.data
    sectors, links = data["sectors"], data.get("links", {})
    base_sectors, base_links = dict(sectors), dict(links)
    for k in range(1, copies):
        for sid, sec in base_sectors.items():
            sectors[f"{sid}__{k}"] = dict(sec)
            prev = sid if k == 1 else f"{sid}__{k - 1}"
            links[f"{sid}__bridge{k}"] = {"between": [prev, f"{sid}__{k}"]}
        for lid, link in base_links.items():
            a, b = link["between"]
            links[f"{lid}__{k}"] = {**link, "between": [f"{a}__{k}", f"{b}__{k}"]}
    data["links"] = links


def load_case(case: str, copies: int):
    from polemos.scenario.load import add_engine_defaults, apply_overrides, load_raw
    from polemos.scenario.validation import build

    loaded = add_engine_defaults(load_raw(SCENARIO))
    if case == "fixed":
        apply_overrides(loaded, list(FIXED_OVERRIDES))
    if copies > 1:
        multiply_sectors(loaded, copies)
    return build(loaded)


def measure(spec: dict) -> dict:
    """One measurement in this process (spec: case, runs, copies, max_days, chunk)."""
    import numpy as np

    t_imp0 = time.perf_counter()
    from polemos.analysis.posterior import load_posterior
    from polemos.campaign.engine import Simulation

    t_imp1 = time.perf_counter()
    scenario = load_case(spec["case"], spec["copies"])
    posterior = load_posterior(scenario)
    t_load = time.perf_counter()
    engine = spec.get("engine", "numpy")
    if engine == "numba":      # load (or compile) the kernels: start-up, not simulation
        Simulation(scenario, np.arange(8), 0, "posterior", posterior, max_days=3,
                   exogenous_endings=spec["case"] != "fixed", engine=engine).run()
    t_kernels = time.perf_counter()
    rss0 = _maxrss_mb()

    runs, chunk, max_days = spec["runs"], spec["chunk"], spec["max_days"]
    bounds = list(range(0, runs, chunk)) + [runs]
    component_cpu: dict[str, float] = {}
    sim_s = sim_cpu_s = 0.0
    loop_run_days = live_run_days = 0
    n_sectors = 0
    chunks = 0
    for a, b in zip(bounds, bounds[1:], strict=False):
        t0, c0 = time.perf_counter(), time.process_time()
        sim = Simulation(scenario, np.arange(a, b), 0, "posterior", posterior,
                         max_days=max_days, exogenous_endings=spec["case"] != "fixed",
                         engine=engine)
        if spec.get("components"):
            for c in sim.components:
                c.step = timed_step(c.step, c.name, component_cpu)
        sim.run()
        sim_s += time.perf_counter() - t0
        sim_cpu_s += time.process_time() - c0
        n_sectors = sim.theatre.n_sectors
        loop_run_days += (b - a) * sim.days_run
        live_run_days += int(np.asarray(sim.state.end_day).sum())
        chunks += 1
        del sim
    rss1 = _maxrss_mb()
    largest_chunk = min(runs, chunk)
    return {
        **spec,
        "sectors": n_sectors,
        "chunks": chunks,
        "sim_s": sim_s,
        "sim_cpu_s": sim_cpu_s,
        "import_s": t_imp1 - t_imp0,
        "load_s": t_load - t_imp1,
        "kernel_load_s": t_kernels - t_load,
        "loop_run_days": loop_run_days,   # runs x days the engine stepped (work done)
        "live_run_days": live_run_days,   # runs x days each run lasted (sum of end days)
        "rss_before_mb": rss0,
        "rss_peak_mb": rss1,
        "sim_peak_mb": rss1 - rss0,
        "kb_per_run": (rss1 - rss0) * 1024 / largest_chunk if largest_chunk else None,
        **({"component_cpu_s": component_cpu} if spec.get("components") else {}),
    }


def timed_step(step, name: str, acc: dict):
    """``step`` adding its CPU time to ``acc[name]``."""
    def timed(sim, day):
        c0 = time.process_time()
        step(sim, day)
        acc[name] = acc.get(name, 0.0) + time.process_time() - c0
    return timed


def child_main(specs_json: str) -> None:
    specs = json.loads(specs_json)
    out = [measure(s) for s in specs]
    print(json.dumps({"results": out, "process_to_results_s": time.perf_counter() - T_START}))


# --- parent: fan-out and report --------------------------------------------------------------

def child_env() -> dict:
    env = dict(os.environ)
    for v in THREAD_VARS:
        env[v] = "1"
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_child(specs: list[dict], env: dict | None = None) -> list[dict]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                           json.dumps(specs)], env={**child_env(), **(env or {})},
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr}")
    payload = json.loads(proc.stdout.strip().splitlines()[-1])
    for r in payload["results"]:
        r["process_wall_s"] = wall
        r["startup_s"] = wall - sum(x["sim_s"] for x in payload["results"])
    return payload["results"]


def summarise(reps: list[dict]) -> dict:
    """Median over repeats, and the derived rates."""
    med = {k: statistics.median(r[k] for r in reps) for k in (
        "sim_s", "sim_cpu_s", "import_s", "load_s", "kernel_load_s", "startup_s", "process_wall_s", "sim_peak_mb",
        "rss_peak_mb")}
    r0 = reps[0]
    t = med["sim_s"]
    per_run = med["sim_peak_mb"] * 1024 / min(r0["runs"], r0["chunk"])
    return {
        "case": r0["case"], "engine": r0.get("engine", "numpy"), "runs": r0["runs"], "chunk": r0["chunk"], "chunks": r0["chunks"],
        "sectors": r0["sectors"], "max_days": r0["max_days"],
        "days_stepped_per_chunk": r0["loop_run_days"] / r0["runs"],
        "mean_run_days": r0["live_run_days"] / r0["runs"],
        "repeats": len(reps), "sim_s": t, "sim_s_all": [r["sim_s"] for r in reps],
        "sim_cpu_s": med["sim_cpu_s"], "sim_cpu_s_all": [r["sim_cpu_s"] for r in reps],
        "runs_per_s": r0["runs"] / t,
        "runs_per_cpu_s": r0["runs"] / med["sim_cpu_s"],
        "sector_days_per_s": r0["loop_run_days"] * r0["sectors"] / t,
        "live_sector_days_per_s": r0["live_run_days"] * r0["sectors"] / t,
        "import_s": med["import_s"], "load_s": med["load_s"],
        "kernel_load_s": med["kernel_load_s"], "startup_s": med["startup_s"],
        "process_wall_s": med["process_wall_s"],
        "sim_peak_mb": med["sim_peak_mb"], "rss_peak_mb": med["rss_peak_mb"],
        "kb_per_run": per_run,
    }


def slope(xs, ys) -> float | None:
    """Least-squares slope of log(y) on log(x)."""
    if len(xs) < 2:
        return None
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / den if den else None


def threads_note() -> dict:
    note = {v: os.environ.get(v) for v in THREAD_VARS}
    note["child_env"] = dict.fromkeys(THREAD_VARS, "1")
    try:
        from threadpoolctl import threadpool_info

        note["threadpool_info"] = threadpool_info()
    except ImportError:
        note["threadpool_info"] = "threadpoolctl not installed; child threads set by env"
    return note


def git_state() -> dict:
    root = Path(__file__).resolve().parents[1]

    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=root, capture_output=True, text=True,
                                  check=False).stdout.strip()
        except OSError:
            return None

    return {"head": git("rev-parse", "--short", "HEAD"),
            "dirty": git("status", "--short", "--untracked-files=no", "src")}


def machine() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    import numpy as np

    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor(),
            "python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "loadavg_start": load}


def plan(args) -> dict:
    if args.dry_run:
        return {"sizes": [10, 50], "sector_copies": [1, 2], "sector_runs": 50, "repeats": 1,
                "fixed_days": 5, "realistic_days": 5, "cases": ["fixed", "realistic"]}
    if args.quick:
        return {"sizes": [1_000, 10_000], "sector_copies": [1, 2, 4], "sector_runs": 1_000,
                "repeats": 1, "fixed_days": FIXED_DAYS, "realistic_days": REALISTIC_DAYS,
                "cases": ["fixed", "realistic"]}
    return {"sizes": [1_000, 10_000, 100_000], "sector_copies": [1, 2, 4],
            "sector_runs": 10_000, "repeats": args.repeats, "fixed_days": FIXED_DAYS,
            "realistic_days": REALISTIC_DAYS, "cases": ["fixed", "realistic"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1,000 and 10,000 runs, 1 repeat")
    ap.add_argument("--dry-run", action="store_true",
                    help="10 and 50 runs x 5 days, all in one subprocess (checks the script)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--components", action="store_true",
                    help="also each component's CPU time in 10,000 realistic runs")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--engines", default=None,
                    help="comma-separated: numpy,numba (default: both when numba is installed)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        child_main(args.child)
        return 0

    p = plan(args)
    from polemos.campaign.kernels import numba_available, resolve_engine

    engines = (args.engines.split(",") if args.engines
               else ["numpy", "numba"] if numba_available() else ["numpy"])
    for e in engines:
        resolve_engine(e)                        # a clear error for an unknown engine
    p["engines"] = engines
    p["default_engine"] = resolve_engine("auto")
    mach = machine()
    git0 = git_state()
    t_all = time.perf_counter()
    specs = []
    for engine in engines:
        for case in p["cases"]:
            days = p["fixed_days"] if case == "fixed" else p["realistic_days"]
            for n in p["sizes"]:
                specs.append({"group": "runs", "case": case, "runs": n, "copies": 1,
                              "max_days": days, "chunk": CHUNK, "engine": engine})
    for c in p["sector_copies"]:         # the engine as shipped
        specs.append({"group": "sectors", "case": "fixed", "runs": p["sector_runs"],
                      "copies": c, "max_days": p["fixed_days"], "chunk": CHUNK,
                      "engine": p["default_engine"]})

    raw: dict[int, list[dict]] = {i: [] for i in range(len(specs))}
    if args.dry_run:  # one subprocess for everything
        for i, r in enumerate(run_child(specs)):
            raw[i].append(r)
    else:
        for _ in range(p["repeats"]):
            for i, s in enumerate(specs):
                print(f"  {s['group']:7s} {s['case']:9s} {s['engine']:5s} runs={s['runs']:>7,} "
                      f"copies={s['copies']}", end="", flush=True, file=sys.stderr)
                r = run_child([s])[0]
                print(f"  {r['sim_s']:.3f} s (cpu {r['sim_cpu_s']:.3f} s)", file=sys.stderr)
                raw[i].append(r)
    rows = [{"group": specs[i]["group"], **summarise(raw[i])} for i in range(len(specs))]
    components = {e: measure_components(p, e) for e in engines} if args.components else None
    compile_s = None if args.dry_run or "numba" not in engines else measure_compile()

    shipped = p["default_engine"]
    by_runs = {c: [r for r in rows if r["group"] == "runs" and r["case"] == c
                   and r["engine"] == shipped] for c in p["cases"]}
    by_sec = [r for r in rows if r["group"] == "sectors"]
    scaling = {
        f"time_vs_runs_{c}": slope([r["runs"] for r in rs], [r["sim_s"] for r in rs])
        for c, rs in by_runs.items()}
    scaling["time_vs_runs_fixed_upto_chunk"] = slope(
        *zip(*[(r["runs"], r["sim_s"]) for r in by_runs["fixed"] if r["runs"] <= CHUNK],
             strict=True)) if by_runs["fixed"] else None
    # memory vs runs held in memory at once (min(runs, chunk)); below 10,000 runs the
    # simulation fits in memory already touched at start-up, so those points are left out
    mem = [(min(r["runs"], r["chunk"]), r["sim_peak_mb"]) for r in by_runs["fixed"]
           if r["runs"] >= 10_000 or args.dry_run]
    scaling["memory_vs_runs_in_memory_fixed"] = slope(
        [m[0] for m in mem], [max(m[1], 1e-3) for m in mem])
    scaling["time_vs_sectors"] = slope([r["sectors"] for r in by_sec],
                                       [r["sim_s"] for r in by_sec])
    for c, rs in by_runs.items():
        scaling[f"cpu_time_vs_runs_{c}"] = slope([r["runs"] for r in rs],
                                                 [r["sim_cpu_s"] for r in rs])
    scaling["cpu_time_vs_sectors"] = slope([r["sectors"] for r in by_sec],
                                           [r["sim_cpu_s"] for r in by_sec])
    target = {}
    for engine in engines:
        for c in p["cases"]:
            hit = [r for r in rows if r["group"] == "runs" and r["case"] == c
                   and r["engine"] == engine and r["runs"] == TARGET_RUNS]
            if hit:
                target.setdefault(engine, {})[c] = {
                    "sim_s_10k": hit[0]["sim_s"], "ratio_to_target": hit[0]["sim_s"] / TARGET_S,
                    "sim_cpu_s_10k": hit[0]["sim_cpu_s"],
                    "kernel_load_s": hit[0]["kernel_load_s"],
                    "meets_target": hit[0]["sim_s"] < TARGET_S}
    out = {
        "benchmark": "polemos campaign engine",
        "mode": "dry-run" if args.dry_run else "quick" if args.quick else "full",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": mach,
        "git_start": git0,
        "git_end": git_state(),
        "threads": threads_note(),
        "plan": p,
        "fixed_overrides": list(FIXED_OVERRIDES),
        "chunk_size": CHUNK,
        "target": {"runs": TARGET_RUNS, "seconds": TARGET_S, "engine_as_shipped": shipped,
                   "measured": target},
        "compile_s": compile_s,
        "results": rows,
        "scaling": scaling,
        "total_wall_s": time.perf_counter() - t_all,
        **({"components": components} if components else {}),
    }
    try:
        out["machine"]["loadavg_end"] = os.getloadavg()
    except OSError:
        pass
    text = json.dumps(out, indent=2)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    print_table(out)
    return 0


def measure_compile() -> float:
    """Seconds to compile every kernel in a fresh process with an empty numba cache (the
    warm-up of :func:`measure`, 8 runs x 3 days, with ``NUMBA_CACHE_DIR`` a new folder)."""
    import tempfile

    spec = {"group": "compile", "case": "realistic", "runs": 8, "copies": 1, "max_days": 3,
            "chunk": CHUNK, "engine": "numba"}
    with tempfile.TemporaryDirectory() as cache:
        return run_child([spec], {"NUMBA_CACHE_DIR": cache})[0]["kernel_load_s"]


def measure_components(p: dict, engine: str) -> dict:
    """CPU time of each component's steps, and of the rest of the simulation (start,
    compaction, hand-out), in the realistic case's 10,000 runs (dry run: 50) with ``engine``:
    median over the repeats, each in its own subprocess."""
    runs = TARGET_RUNS if p["realistic_days"] == REALISTIC_DAYS else max(p["sizes"])
    spec = {"group": "components", "case": "realistic", "runs": runs, "copies": 1,
            "max_days": p["realistic_days"], "chunk": CHUNK, "components": True,
            "engine": engine}
    reps = [run_child([spec])[0] for _ in range(p["repeats"])]
    names = list(reps[0]["component_cpu_s"])
    cpu = {k: statistics.median(r["component_cpu_s"][k] for r in reps) for k in names}
    cpu["(rest)"] = statistics.median(
        r["sim_cpu_s"] - sum(r["component_cpu_s"].values()) for r in reps)
    return {"runs": runs, "repeats": len(reps), "sim_cpu_s": statistics.median(
        r["sim_cpu_s"] for r in reps), "cpu_s": cpu}


def print_table(out: dict) -> None:
    print(f"{'group':7s} {'case':9s} {'engine':6s} {'runs':>8s} {'sect':>4s} {'days':>5s} {'sim s':>8s} "
          f"{'cpu s':>8s} {'runs/s':>9s} {'sector-days/s':>14s} {'peak MB':>8s} {'KB/run':>7s}")
    for r in out["results"]:
        print(f"{r['group']:7s} {r['case']:9s} {r['engine']:6s} {r['runs']:>8,} {r['sectors']:>4d} "
              f"{r['days_stepped_per_chunk']:>5.0f} {r['sim_s']:>8.3f} {r['sim_cpu_s']:>8.3f} "
              f"{r['runs_per_s']:>9,.0f} "
              f"{r['sector_days_per_s']:>14,.0f} {r['sim_peak_mb']:>8.1f} "
              f"{r['kb_per_run']:>7.1f}")
    print("scaling (log-log slopes):", json.dumps(
        {k: None if v is None else round(v, 3) for k, v in out["scaling"].items()}))
    print("target:", json.dumps(out["target"]["measured"]))
    if out.get("compile_s") is not None:
        print(f"numba kernels compiled from an empty cache in {out['compile_s']:.1f} s")
    for engine, comp in (out.get("components") or {}).items():
        print(f"CPU by component, {engine}, realistic {comp['runs']:,} runs (median of "
              f"{comp['repeats']}; simulation {comp['sim_cpu_s']:.3f} s):")
        for k, v in sorted(comp["cpu_s"].items(), key=lambda kv: -kv[1]):
            print(f"  {k:14s} {v:7.3f} s {v / comp['sim_cpu_s']:6.1%}")


if __name__ == "__main__":
    sys.exit(main())
