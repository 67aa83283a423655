"""`polemos run --checkpoint`: an interrupted run resumes from its finished chunks and gives
results identical to an uninterrupted run; another job (another seed, another engine) is
refused."""

import pandas as pd
from typer.testing import CliRunner

from polemos.campaign.kernels import numba_available
from polemos.cli import app

runner = CliRunner()
ARGS = ["run", "karabakh_2020", "--runs", "60", "--chunk-size", "20", "--max-days", "12",
        "--seed", "5", "--no-plots", "--overwrite"]


def test_a_run_resumes_from_its_checkpoint_with_identical_results(tmp_path):
    ck = tmp_path / "chunks"
    whole = runner.invoke(app, [*ARGS, "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    first = runner.invoke(app, [*ARGS, "--out", str(tmp_path / "a"), "--checkpoint", str(ck)])
    assert first.exit_code == 0, first.output
    chunks = sorted(ck.glob("chunk-*"))
    assert len(chunks) == 3
    chunks[1].unlink()                     # as if the run had been killed before chunk 2
    for p in chunks[::2]:                  # the kept chunks must be read back, not recomputed
        p.touch()
    kept = {p: p.stat().st_mtime_ns for p in chunks[::2]}
    again = runner.invoke(app, [*ARGS, "--out", str(tmp_path / "b"), "--checkpoint", str(ck)])
    assert again.exit_code == 0, again.output
    assert {p: p.stat().st_mtime_ns for p in chunks[::2]} == kept
    assert len(sorted(ck.glob("chunk-*"))) == 3
    ref = pd.read_parquet(tmp_path / "whole" / "runs.parquet")
    for folder in ("a", "b"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / folder / "runs.parquet"), ref)
    other = runner.invoke(app, [*ARGS[:-1], "--seed", "6", "--out", str(tmp_path / "c"),
                                "--checkpoint", str(ck)])
    assert other.exit_code == 1 and "Traceback" not in other.output
    if numba_available():             # chunks of one engine never finish a run of the other
        mixed = runner.invoke(app, [*ARGS, "--engine", "numba", "--out", str(tmp_path / "d"),
                                    "--checkpoint", str(ck)])
        assert mixed.exit_code == 1 and "Traceback" not in mixed.output
        assert "it holds another job" in mixed.output


def test_a_killed_streamed_run_leaves_nothing_complete_and_resumes_to_identical_results(
        tmp_path):
    """SIGKILL a real `polemos run --checkpoint` while it streams its chunks to disk: nothing
    at a final name (no campaign.nc, no runs.parquet, no manifest), only the hidden staging
    folder; rerun with --resume into the same folder: the dead run's staging folder is
    removed, the kept chunks are read back, and the files equal an uninterrupted run's."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import xarray as xr

    from polemos.output import MANIFEST, STAGING_PREFIX, verify

    args = ["run", "karabakh_2020", "--runs", "300", "--chunk-size", "20", "--max-days", "12",
            "--seed", "5", "--no-plots"]
    ck, out = tmp_path / "ck", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "polemos.cli", *args, "--out", str(out),
                             "--checkpoint", str(ck)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and len(list(ck.glob("chunk-*"))) < 3:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    err = proc.communicate()[1].decode()
    assert proc.returncode == -signal.SIGKILL, f"finished before it was killed: {err[-2000:]}"
    kept = len(list(ck.glob("chunk-*.npz")))
    assert 3 <= kept < 15
    names = [p.name for p in out.iterdir()]
    assert [n for n in names if not n.startswith(STAGING_PREFIX)] == [], names
    assert any(n.startswith(STAGING_PREFIX) for n in names)

    whole = runner.invoke(app, [*args, "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    again = runner.invoke(app, [*args, "--out", str(out), "--resume", str(ck)])
    assert again.exit_code == 0, again.output
    assert verify(out) == [] and (out / MANIFEST).is_file()
    assert not any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"),
                                  pd.read_parquet(tmp_path / "whole" / "runs.parquet"))
    with xr.open_dataset(out / "campaign.nc", engine="h5netcdf") as a, \
            xr.open_dataset(tmp_path / "whole" / "campaign.nc", engine="h5netcdf") as b:
        assert a.load().identical(b.load())
