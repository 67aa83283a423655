"""``polemos compare``: a clear error for a bad --mode, --set / --set-b applied, and "never
fell" reported as a share of runs."""

import re

from typer.testing import CliRunner

from polemos.cli import app

runner = CliRunner()


def test_a_bad_mode_is_a_clear_error_before_any_work(tmp_path):
    r = runner.invoke(app, ["compare", "a", "b", "--mode", "bogus", "--out", str(tmp_path)])
    assert r.exit_code == 1 and "--mode: must be posterior, prior or point, got 'bogus'" in \
        r.output and "Traceback" not in r.output


def test_set_b_changes_the_counterfactual_and_never_is_a_share(tmp_path):
    assert runner.invoke(app, ["new", "war", "--dir", str(tmp_path)]).exit_code == 0
    war = str(tmp_path / "war")
    bad = runner.invoke(app, ["compare", war, war, "--runs", "4", "--out", str(tmp_path),
                              "--set-b", "forces.red.no_such_thing.value=1"])
    assert bad.exit_code == 1 and "no_such_thing" in bad.output
    bad = runner.invoke(app, ["compare", war, war, "--runs", "4", "--out", str(tmp_path),
                              "--set", "forces.red.no_such_thing.value=1"])
    assert bad.exit_code == 1 and "no_such_thing" in bad.output
    r = runner.invoke(app, ["compare", war, war, "--runs", "20", "--out", str(tmp_path),
                            "--set-b", "forces.red.tanks.value=40"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "--set-b forces.red.tanks.value=40" in r.output
    never = re.search(r"never fell in (\d+\.\d)% of the runs of .* and (\d+\.\d)% of", r.output)
    assert never, r.output
