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


def test_the_progress_bar_moves_per_chunk_with_separators():
    import io

    from rich.console import Console

    from polemos.campaign.engine import Ensemble
    from polemos.cli import _run_with_progress
    from polemos.scenario import load_scenario

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    sc = load_scenario("karabakh_2020")
    _run_with_progress(sc, Ensemble(runs=1200, chunk_size=400, max_days=3), console)
    shown = re.findall(r"([\d,]+)/1,200 runs", buf.getvalue())
    assert {"400", "800", "1,200"} <= set(shown), shown
