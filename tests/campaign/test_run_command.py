"""`polemos run` writes its tables beside the record with each row's status."""

import csv

from typer.testing import CliRunner

from polemos.cli import app


def test_run_writes_a_summary_marking_fitted_and_out_of_sample_rows(tmp_path, karabakh):
    r = CliRunner().invoke(app, ["run", "--runs", "200", "--seed", "3", "--no-plots",
                                 "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert {"campaign.nc", "runs.parquet", "summary.csv"} <= {p.name for p in tmp_path.iterdir()}
    with (tmp_path / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    status = {row["metric"]: row["status"] for row in rows}
    assert set(status.values()) <= {"fitted", "out of sample", "not compared",
                                    "out of sample (a claim)"}
    assert status["war duration, days"] == "fitted"
    assert status["area handed over under the terms (share)"] == "out of sample"
    assert status["wounded, armenia"] == "not compared"
    # every fitted row names a calibration target of the scenario's record
    fitted = [row for row in rows if row["status"] == "fitted"]
    assert fitted and all(row["record"] for row in fitted)
