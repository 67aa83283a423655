"""Benchmark of map_chunks: a calibration-sized batch, serial against a local Dask cluster.

    python benchmarks/bench_executor.py [--quick] [--dry-run] [--workers 2] [--out FILE]

The batch is what a calibration's generation 0 asks of the engine: ``CHUNKS`` chunks of
``CHUNK`` runs (20 x 2,500 = 50,000 runs) of the default scenario, each run with its own
parameters drawn from the calibrated priors (point mode), only the summary statistics handed
back (``polemos.analysis.calibrate.run_statistics``).

Every measurement is a fresh process (one thread per process: OMP/OPENBLAS/MKL_NUM_THREADS=1):

* ``serial``: a first call of 10 runs (``first_call_s``: the engine's lazy imports and
  caches), then the batch in-process;
* ``dask``: a ``LocalCluster`` of ``--workers`` processes (one thread each) started in the
  process (``cluster_s``), the batch once on the fresh workers (``cold_s``: each worker imports
  the engine and receives the scenario first) and once more on the same cluster (``warm_s``, as
  a calibration's later batches run).

Reported: the median over ``--repeats`` fresh processes of each time, the speed-ups
serial / dask (warm, and cold + cluster start), the whole process's wall time, whether every
measurement gave bit-identical statistics, and the load the measurement ran under: the load
average before and after, and the CPU the *other* processes of the machine used meanwhile
(all busy CPU time in ``/proc/stat`` minus this benchmark's own processes' CPU time, over the
wall time: in cores), and the cores the benchmark's own processes got (CPU time over wall
time). Where the kernel groups processes by session (``sched_autogroup_enabled`` = 1, recorded),
a session's processes share one fair part of the CPU among the busy sessions, so more worker
processes get no more CPU while other sessions are busy: the speed-up is then bounded by the
idle CPU, not by the number of workers.

``--quick``: 8 chunks, 1 repeat. ``--dry-run``: 4 chunks of 25 runs, 1 repeat, both
measurements in one process (checks the script, not the speed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_campaign import child_env, git_state, machine, threads_note  # noqa: E402

SCENARIO = "karabakh_2020"
CHUNK = 2_500    # = polemos.campaign.engine.DEFAULT_CHUNK
CHUNKS = 20
SEED = 1


# --- child: one measurement ---------------------------------------------------------------------
def measure(spec: dict) -> dict:
    import numpy as np

    t0 = time.perf_counter()
    from polemos.analysis import calibrate as cal
    from polemos.analysis import executor as ex
    from polemos.scenario import load_scenario

    sc = load_scenario(SCENARIO)
    n = spec["chunks"] * spec["chunk"]
    params = cal.sample_prior(cal.campaign_priors(sc), n, seed=SEED)
    ids = np.arange(n)
    out = {**spec, "startup_s": time.perf_counter() - t0}

    def batch(rows=n):
        c0, t = time.process_time(), time.perf_counter()
        S = cal.run_statistics(sc, {k: v[:rows] for k, v in params.items()}, ids[:rows], SEED,
                               spec["chunk"], scheduler=scheduler,
                               workers=spec["workers"] if scheduler else None)
        return S, time.perf_counter() - t, time.process_time() - c0

    scheduler = None
    if spec["kind"] == "dask":
        scheduler = "local"
        t = time.perf_counter()
        ex._client("local", spec["workers"])            # the cluster map_chunks will use
        out["cluster_s"] = time.perf_counter() - t
        S, out["cold_s"], _ = batch()
        S2, out["warm_s"], out["warm_caller_cpu_s"] = batch()
        assert np.array_equal(S, S2, equal_nan=True)
        ex.close_clusters()                             # workers reaped: their CPU is counted
    else:       # the engine's first call in a process (lazy imports, caches), then the batch
        _, out["first_call_s"], _ = batch(10)
        S, out["batch_s"], out["batch_cpu_s"] = batch()
    out["stats_sha256"] = hashlib.sha256(np.ascontiguousarray(S).tobytes()).hexdigest()
    out["mean_end_day"] = float(np.mean(S[:, 0]))
    return out


# --- parent -------------------------------------------------------------------------------------
def _busy_cpu_s() -> float | None:
    """All CPU time spent busy on the machine since boot (/proc/stat), seconds."""
    try:
        f = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_child(specs: list[dict]) -> list[dict]:
    """The measurements ``specs`` in one fresh process (one each, except in a dry run)."""
    load0, busy0, ours0 = os.getloadavg(), _busy_cpu_s(), _children_cpu_s()
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                           json.dumps(specs)], env=child_env(), capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - t0
    busy1, ours1 = _busy_cpu_s(), _children_cpu_s()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    for r in rows:
        r["process_wall_s"] = wall
        r["process_cpu_s"] = ours1 - ours0           # the child and its reaped workers
        r["loadavg_before"], r["loadavg_after"] = list(load0), list(os.getloadavg())
        if busy0 is not None:
            r["others_cores"] = max(0.0, (busy1 - busy0) - (ours1 - ours0)) / wall
    return rows


def _median(rows, key):
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 chunks, 1 repeat")
    ap.add_argument("--dry-run", action="store_true", help="4 chunks of 25 runs (the script)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child is not None:
        print(json.dumps([measure(s) for s in json.loads(a.child)]))
        return 0
    chunks, chunk, repeats = CHUNKS, CHUNK, a.repeats
    if a.quick:
        chunks, repeats = 8, 1
    if a.dry_run:
        chunks, chunk, repeats = 4, 25, 1
    mach, git0, t_all = machine(), git_state(), time.perf_counter()
    raw = {"serial": [], "dask": []}
    specs = [{"kind": kind, "chunks": chunks, "chunk": chunk, "workers": a.workers}
             for kind in ("serial", "dask")]
    for _ in range(repeats):                      # alternate, so that both see the same load
        for rows in [run_child(specs)] if a.dry_run else [run_child([s]) for s in specs]:
            for r in rows:
                raw[r["kind"]].append(r)
                t = r.get("batch_s") or r.get("warm_s")
                print(f"  {r['kind']:6s} batch {t:7.2f} s  process {r['process_wall_s']:6.2f} s"
                      f"  others {r.get('others_cores', float('nan')):.2f} cores  load "
                      f"{r['loadavg_before'][0]:.2f}", file=sys.stderr)
    ser, dsk = raw["serial"], raw["dask"]
    summary = {
        "runs": chunks * chunk, "chunks": chunks, "chunk": chunk, "workers": a.workers,
        "repeats": repeats,
        "serial_batch_s": _median(ser, "batch_s"),
        "serial_batch_cpu_s": _median(ser, "batch_cpu_s"),   # ~ wall: it ran in-process
        "dask_cluster_start_s": _median(dsk, "cluster_s"),
        "dask_cold_batch_s": _median(dsk, "cold_s"),
        "dask_warm_batch_s": _median(dsk, "warm_s"),
        "serial_process_s": _median(ser, "process_wall_s"),
        "dask_process_s": _median(dsk, "process_wall_s"),
        # cores this benchmark's processes got: CPU time over wall time of the whole process
        "serial_cores_got": statistics.median(r["process_cpu_s"] / r["process_wall_s"]
                                              for r in ser),
        "dask_cores_got": statistics.median(r["process_cpu_s"] / r["process_wall_s"]
                                            for r in dsk),
        "others_cores_median": _median(ser + dsk, "others_cores"),
        "others_cores_max": max((r.get("others_cores", 0.0) for r in ser + dsk), default=None),
        "loadavg_1min_range": [min(r["loadavg_before"][0] for r in ser + dsk),
                               max(r["loadavg_after"][0] for r in ser + dsk)],
        "identical_statistics": len({r["stats_sha256"] for r in ser + dsk}) == 1,
    }
    s = summary
    s["speedup_warm"] = s["serial_batch_s"] / s["dask_warm_batch_s"]
    s["serial_first_call_s"] = _median(ser, "first_call_s")
    s["speedup_first_batch_with_cluster_start"] = (
        (s["serial_batch_s"] + s["serial_first_call_s"])
        / (s["dask_cold_batch_s"] + s["dask_cluster_start_s"]))
    s["speedup_whole_process"] = s["serial_process_s"] / s["dask_process_s"]
    out = {"benchmark": "polemos map_chunks: serial vs local Dask cluster",
           "mode": "dry-run" if a.dry_run else "quick" if a.quick else "full",
           "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": mach, "git_start": git0,
           "git_end": git_state(), "threads": threads_note(), "summary": summary,
           "results": raw, "total_wall_s": time.perf_counter() - t_all}
    out["machine"]["loadavg_end"] = os.getloadavg()
    try:      # 1: the kernel shares CPU time between sessions, not processes (see the docs)
        out["machine"]["sched_autogroup_enabled"] = int(
            Path("/proc/sys/kernel/sched_autogroup_enabled").read_text())
    except (OSError, ValueError):
        out["machine"]["sched_autogroup_enabled"] = None
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
