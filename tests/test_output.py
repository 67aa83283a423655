"""Results never half-written (issue 13): files renamed into place when complete, a manifest
last, an existing results folder refused unless --overwrite, a clear error when nothing can be
written; seeds out of range refused before any work; compare --mode checked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polemos.cli import app
from polemos.output import MANIFEST, STAGING_PREFIX, verify, write_complete

TINY = str(Path(__file__).parent / "data" / "tiny.toml")
runner = CliRunner()
RUN = ["run", TINY, "--runs", "20", "--max-days", "5", "--no-plots"]


def test_run_writes_a_manifest_last_that_checks_every_file(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, RUN + ["--seed", "7", "--out", str(out)])
    assert r.exit_code == 0, r.output
    m = json.loads((out / MANIFEST).read_text())
    assert {"campaign.nc", "runs.parquet", "provenance.json", "summary.csv"} <= set(m["files"])
    assert m["seed"] == 7 and m["runs"] == 20 and len(m["scenario_sha256"]) == 64
    assert "polemos_version" in m and m["overrides"] == "[]"
    assert verify(out) == []
    assert not any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())
    (out / "summary.csv").write_text("tampered\n")
    assert verify(out) == [f"{out / 'summary.csv'}: does not match its checksum in {MANIFEST}"]


def test_an_existing_results_folder_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, RUN + ["--seed", "7", "--out", str(out)]).exit_code == 0
    before = (out / "runs.parquet").read_bytes()
    r = runner.invoke(app, RUN + ["--seed", "2020", "--out", str(out)])
    assert r.exit_code == 1
    assert "already holds results" in r.output and "--overwrite" in r.output
    assert (out / "runs.parquet").read_bytes() == before, "nothing was touched"
    r = runner.invoke(app, RUN + ["--seed", "2020", "--out", str(out), "--overwrite"])
    assert r.exit_code == 0, r.output
    assert json.loads((out / MANIFEST).read_text())["seed"] == 2020
    assert verify(out) == []


def test_an_interrupted_write_leaves_no_complete_looking_file(tmp_path):
    def write(folder):
        (folder / "campaign.nc").write_bytes(b"x" * 1000)
        (folder / "runs.parquet").write_bytes(b"half")
        raise KeyboardInterrupt                       # SIGINT while writing

    with pytest.raises(KeyboardInterrupt):
        write_complete(write, tmp_path, {"seed": 1})
    assert list(tmp_path.iterdir()) == [], "no file at its final name, no staging left"


def test_a_killed_run_never_leaves_a_manifest(tmp_path):
    """SIGKILL a real `polemos run` while it writes its files: no result file at its final
    name and no manifest (or, had it finished first, a manifest that checks every file)."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "polemos.cli", *RUN[:3], "2000",
                             "--max-days", "20", "--out", str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60

    def staging():
        return out.exists() and any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())

    while time.time() < deadline and proc.poll() is None and not staging():
        time.sleep(0.005)                                  # until it starts writing
    time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finals = [p.name for p in out.iterdir() if not p.name.startswith(STAGING_PREFIX)] \
        if out.exists() else []
    if MANIFEST not in finals:
        assert finals == [], f"files without a manifest: {finals}"
    else:
        assert verify(out) == []


def test_an_unwritable_folder_falls_back_and_keeps_the_results(tmp_path, monkeypatch):
    import polemos.output as output

    real = output.write_complete
    calls = []

    def failing_first(write, folder, prov):
        calls.append(folder)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(write, folder, prov)

    monkeypatch.setattr(output, "write_complete", failing_first)
    r = runner.invoke(app, RUN + ["--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "No space left on device" in " ".join(r.output.split())
    assert verify(calls[1]) == []


def test_nowhere_to_write_is_a_clear_error(tmp_path, monkeypatch):
    import polemos.output as output

    def failing(write, folder, prov):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output, "write_complete", failing)
    r = runner.invoke(app, RUN + ["--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "could not write the results" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args", [
    ["run", TINY, "--seed", str(2**64)], ["run", TINY, "--seed", "-1"],
    ["run", TINY, "--seed", str(2**63)], ["forecast", "--seed", str(2**31)],
    ["forecast", "--seed", "-1"], ["compare", TINY, TINY, "--seed", str(2**64)],
])
def test_seeds_out_of_range_are_refused_up_front(tmp_path, args):
    t0 = time.perf_counter()
    r = runner.invoke(app, args + ["--out", str(tmp_path / "o")])
    flat = " ".join(r.output.replace("│", " ").split())
    assert r.exit_code == 2 and "--seed" in flat, flat
    assert "less than or equal to" in flat or "greater than or equal to 0" in flat, flat
    assert time.perf_counter() - t0 < 5 and not (tmp_path / "o").exists()


def test_compare_mode_bogus_is_a_clean_error(tmp_path):
    r = runner.invoke(app, ["compare", TINY, TINY, "--mode", "bogus", "--out", str(tmp_path)])
    assert r.exit_code == 1 and "--mode: must be posterior, prior or point" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_a_horizon_whose_chunk_would_not_fit_in_memory_is_refused_at_once(tmp_path,
                                                                           monkeypatch):
    """Memory bounds one chunk (runs are streamed to disk chunk by chunk): a --max-days whose
    chunk would not fit is refused before any work, with the chunk size that would fit."""
    import polemos.output as output
    from polemos.scenario import load_scenario

    sc = load_scenario(TINY)
    per_run = output.result_bytes(sc, 1, 120)
    assert output.result_bytes(sc, 10, 120) == 10 * per_run
    assert output.result_bytes(sc, 1, 240) > per_run      # daily arrays grow with the horizon
    monkeypatch.setattr(output, "available_memory", lambda: 2**30)
    assert output.chunk_memory_problem(sc, 2500, 120) is None
    t0 = time.perf_counter()
    r = runner.invoke(app, ["run", TINY, "--max-days", "1000000", "--out", str(tmp_path / "o")])
    flat = " ".join(r.output.split())
    assert r.exit_code == 1, flat
    assert "--max-days 1,000,000: one chunk of 2,500 runs would need about" in flat, flat
    assert "1.0 GiB is available: lower --max-days, or --chunk-size to at most" in flat, flat
    assert time.perf_counter() - t0 < 10 and not (tmp_path / "o").exists()
    fit = int(flat.split("--chunk-size to at most ")[1].split()[0].replace(",", ""))
    assert output.chunk_memory_problem(sc, fit, 1_000_000) is None
    assert output.chunk_memory_problem(sc, fit + 1, 1_000_000) is not None
    r = runner.invoke(app, RUN + ["--out", str(tmp_path / "small")])
    assert r.exit_code == 0, r.output


def test_runs_that_would_not_fit_on_disk_are_refused_at_once(tmp_path, monkeypatch):
    """A million runs are not refused for memory (1 GiB here) but for the disk: their size is
    measured on the first runs, written as the run writes them, against the space free."""
    import polemos.output as output

    monkeypatch.setattr(output, "available_memory", lambda: 2**30)
    monkeypatch.setattr(output, "_free", lambda folder: 50_000_000)
    t0 = time.perf_counter()
    r = runner.invoke(app, ["run", TINY, "--runs", "1000000", "--out", str(tmp_path / "o")])
    flat = " ".join(r.output.split())
    assert r.exit_code == 1, flat
    assert "--runs 1,000,000 x --max-days 120: the results would take about" in flat, flat
    assert f"measured on the first {output.PROBE_RUNS} runs" in flat, flat
    assert f"50.0 MB is free in {tmp_path / 'o'}" in flat and "Traceback" not in flat
    value, unit = flat.split("would take about ")[1].split()[:2]
    assert float(value.replace(",", "")) * {"GB": 1e9, "MB": 1e6}[unit] > 50e6
    assert time.perf_counter() - t0 < 10 and not (tmp_path / "o").exists()
    r = runner.invoke(app, RUN + ["--out", str(tmp_path / "small")])   # a small run fits
    assert r.exit_code == 0, r.output


def test_a_run_stops_before_the_disk_fills_and_resumes_from_its_checkpoint(tmp_path,
                                                                          monkeypatch):
    """The up-front estimate passed but the disk fills during the run: it stops after the
    chunk that shows it (nothing at a final name), the checkpoint keeps the finished chunks
    and a rerun resumes from them to the uninterrupted run's results."""
    import pandas as pd

    import polemos.output as output

    args = ["run", TINY, "--runs", "60", "--chunk-size", "20", "--max-days", "10", "--seed",
            "3", "--no-plots"]
    ck, out = tmp_path / "ck", tmp_path / "out"
    ref = runner.invoke(app, args + ["--out", str(tmp_path / "ref")])
    assert ref.exit_code == 0, ref.output
    with monkeypatch.context() as m:
        m.setattr(output, "disk_problem", lambda *a, **k: None)
        m.setattr(output, "_free", lambda folder: 1000)
        r = runner.invoke(app, args + ["--out", str(out), "--checkpoint", str(ck)])
    flat = " ".join(r.output.split())
    assert r.exit_code == 1 and "Traceback" not in flat, flat
    assert f"--out {out}: stopped after 20 of 60 runs: the other 40 would need about" in flat
    assert "with --checkpoint, the finished chunks are kept" in flat
    assert list(out.iterdir()) == [], "no file at its final name, no staging left"
    assert len(list(ck.glob("chunk-*.npz"))) == 1
    r = runner.invoke(app, args + ["--out", str(out), "--resume", str(ck)])
    assert r.exit_code == 0, r.output
    assert verify(out) == []
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "ref" / "runs.parquet"))


def test_a_staging_folder_left_by_a_dead_command_is_removed_one_in_use_is_kept(tmp_path):
    from polemos.output import _lock, remove_stale_staging

    dead, alive = tmp_path / f"{STAGING_PREFIX}dead", tmp_path / f"{STAGING_PREFIX}alive"
    for d in (dead, alive):
        d.mkdir()
        (d / "campaign.nc").write_bytes(b"half")
    _lock(dead).close()                       # its command died: the lock is free
    held = _lock(alive)
    try:
        assert remove_stale_staging(tmp_path) == [dead]
        assert not dead.exists() and alive.exists()
    finally:
        held.close()


def test_scoring_a_short_forecast_or_an_incomplete_file_is_a_clear_error(tmp_path):
    import xarray as xr

    out = tmp_path / "fc"
    r = runner.invoke(app, ["forecast", "--runs", "50", "--months", "6", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert verify(out) == [] and json.loads((out / MANIFEST).read_text())["runs"] == 50
    ev = tmp_path / "events.csv"
    ev.write_text("date,kind,fatalities,source\n2021-05-12,clash,3,test\n")
    r = runner.invoke(app, ["score", str(out), str(ev)])
    assert r.exit_code == 1, r.output
    assert "the forecast covers 6 months" in " ".join(r.output.split())
    with xr.open_dataset(out / "forecast.nc", engine="scipy") as ds:
        ds = ds.load()
    for drop, key in (("attr", "start_date"), ("var", "month")):
        d = ds.copy()
        if drop == "attr":
            del d.attrs["start_date"]
        else:
            d = d.drop_vars("month")
        bad = tmp_path / f"no_{key}.nc"
        d.to_netcdf(bad, engine="scipy")
        r = runner.invoke(app, ["score", str(bad), str(ev)])
        assert r.exit_code == 1, r.output
        assert key in r.output and "KeyError" not in r.output


def test_the_largest_seeds_run_and_save(tmp_path):
    from polemos.cli import MAX_SEED

    r = runner.invoke(app, RUN + ["--seed", str(MAX_SEED), "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "r" / MANIFEST).read_text())["seed"] == MAX_SEED
    r = runner.invoke(app, ["forecast", "--runs", "20", "--months", "12", "--seed",
                            str(2**31 - 1), "--out", str(tmp_path / "f")])
    assert r.exit_code == 0, r.output
    assert verify(tmp_path / "f") == []
