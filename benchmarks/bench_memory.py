"""Whole-process peak memory of ``polemos run`` against the number of runs (issue 13).

    python benchmarks/bench_memory.py [--quick] [--dry-run] [--runs 10000,100000,1000000]
                                      [--out benchmarks/memory-results.json]

Each size is one ``polemos run karabakh_2020 --seed 2020`` (the default chunk size, horizon
and plots, a fresh folder) in its own single-threaded subprocess, one after another; its peak
resident memory is the child's ``ru_maxrss`` as returned by ``os.wait4`` for that child alone
(the process's high-water mark: interpreter, imports, the simulation, writing, the summary and
the plots). Also recorded: wall and CPU time, the bytes of every file written (and per run), the
load average before and after, and that the folder's manifest checks (``polemos.output.verify``).

Flatness: ``peak_ratio`` is the largest size's peak over the smallest's (``polemos run``
streams each chunk to disk, so it should stay near 1 whatever the number of runs; the issue's
criterion is 1M within 1.2x of 10k).

Sizes: 10,000 / 100,000 / 1,000,000 runs (the last takes several minutes on one core; run it
with ``nice``). ``--quick``: 10,000 and 50,000. ``--dry-run``: 100 and 400 runs x 5 days,
no plots (checks the script, not the memory).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_campaign import child_env, git_state, machine, threads_note  # noqa: E402

SCENARIO = "karabakh_2020"
SEED = 2020
#: the issue's criterion: peak memory at the largest size within this factor of the smallest's
FLAT = 1.2


def kib_to_mb(k: int) -> float:
    """``ru_maxrss`` (KiB on Linux, bytes on macOS) in MiB."""
    return k / 2**20 if sys.platform == "darwin" else k / 1024


def measure(runs: int, folder: Path, max_days: int | None, plots: bool = True) -> dict:
    """One ``polemos run`` of ``runs`` runs into ``folder``: peak RSS, times, files."""
    cmd = [sys.executable, "-m", "polemos.cli", "run", SCENARIO, "--runs", str(runs),
           "--seed", str(SEED), "--out", str(folder), "--overwrite"]
    if max_days is not None:
        cmd += ["--max-days", str(max_days)]
    if not plots:
        cmd += ["--no-plots"]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    with open(folder.parent / f"{folder.name}.log", "w") as log:
        proc = subprocess.Popen(cmd, env=child_env(), stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"polemos run --runs {runs} failed (exit {proc.returncode}):\n"
                           + (folder.parent / f"{folder.name}.log").read_text()[-3000:])
    from polemos.output import verify

    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}
    total = sum(files.values())
    return {
        "runs": runs, "max_days": max_days, "plots": plots, "peak_rss_mb": round(kib_to_mb(usage.ru_maxrss), 1),
        "wall_s": round(wall, 2), "user_s": round(usage.ru_utime, 2),
        "sys_s": round(usage.ru_stime, 2), "files_bytes": files, "total_bytes": total,
        "bytes_per_run": round(total / runs, 1), "manifest_verified": verify(folder) == [],
        "loadavg_before": list(load_before), "loadavg_after": list(os.getloadavg()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 and 50,000 runs")
    ap.add_argument("--dry-run", action="store_true", help="100 and 400 runs x 5 days")
    ap.add_argument("--runs", default=None, help="comma-separated sizes (default 10k,100k,1M)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--keep", default=None, help="write the runs' folders here (default: a "
                    "temporary folder, removed)")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    if a.runs:
        sizes = [int(x.replace("_", "")) for x in a.runs.split(",")]
    elif a.dry_run:
        sizes = [100, 400]
    elif a.quick:
        sizes = [10_000, 50_000]
    else:
        sizes = [10_000, 100_000, 1_000_000]
    max_days = 5 if a.dry_run else None
    mode = "dry-run" if a.dry_run else "quick" if a.quick else "custom" if a.runs else "full"
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench-memory-"))
    base.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows = []
    try:
        for n in sizes:
            row = measure(n, base / f"runs-{n}", max_days, plots=not a.dry_run)
            rows.append(row)
            print(f"{n:>10,} runs: peak RSS {row['peak_rss_mb']:8,.1f} MB, "
                  f"{row['wall_s']:8,.1f} s wall, {row['user_s']:8,.1f} s user, "
                  f"{row['total_bytes'] / 1e6:10,.1f} MB on disk "
                  f"({row['bytes_per_run']:,.0f} B/run)", flush=True)
            if not a.keep:
                shutil.rmtree(base / f"runs-{n}", ignore_errors=True)
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)
    small, large = min(rows, key=lambda r: r["runs"]), max(rows, key=lambda r: r["runs"])
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    out = {
        "mode": mode, "scenario": SCENARIO, "seed": SEED, "machine": machine(),
        "threads": threads_note(), "git": git_state(), "sizes": sizes, "results": rows,
        "summary": {"smallest_runs": small["runs"], "largest_runs": large["runs"],
                    "peak_ratio": round(ratio, 3), "flat_within": FLAT,
                    "flat": ratio <= FLAT,
                    "rss_mb_per_extra_10k_runs": round(
                        (large["peak_rss_mb"] - small["peak_rss_mb"])
                        / max(1, large["runs"] - small["runs"]) * 10_000, 3)},
        "total_wall_s": round(time.perf_counter() - t0, 1),
    }
    print(f"peak at {large['runs']:,} runs / at {small['runs']:,}: {ratio:.3f} "
          f"({'flat' if ratio <= FLAT else 'NOT flat'} within {FLAT}x)")
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
