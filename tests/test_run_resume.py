"""`polemos run --checkpoint`: an interrupted run resumes from its finished chunks and gives
results identical to an uninterrupted run; another job is refused."""

import pandas as pd
from typer.testing import CliRunner

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
