"""``polemos compare``: a clear error for a bad --mode, --set / --set-b applied, "never fell"
reported as a share of runs (not a day), and a comparison that changes nothing says so."""

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
    assert re.search(r"\w+_fell ", r.output), r.output       # the fall as a share of runs
    assert "the same campaign in every run" not in r.output   # 40 tanks changed something
    same = runner.invoke(app, ["compare", war, war, "--runs", "20", "--out", str(tmp_path)],
                         env={"COLUMNS": "200"})
    assert same.exit_code == 0 and "the same campaign in every run" in same.output


def test_fall_day_over_runs_where_it_fell_in_both_and_fell_as_a_share():
    """A run in which the objective never fell has no fall day (not the horizon)."""
    import numpy as np
    import pandas as pd

    from polemos.analysis import compare

    class R:                                    # the two things paired_differences reads
        def __init__(self, days):
            self.t = pd.DataFrame({"x_fall_day": days})

        def table(self):
            return self.t

    a = R([10.0, np.nan, 20.0, 30.0])
    b = R([12.0, 15.0, np.nan, 33.0])
    orig = compare.metric_keys
    compare.metric_keys = lambda res: ["x_fall_day"]
    try:
        d = compare.paired_differences(a, b)
    finally:
        compare.metric_keys = orig
    assert d["x_fell"]["mean_a"] == 0.75 and d["x_fell"]["mean_b"] == 0.75
    assert d["x_fell"]["diff_mean"] == 0.0 and d["x_fell"]["n"] == 4
    assert d["x_fall_day"]["n"] == 2 and d["x_fall_day"]["diff_mean"] == 2.5   # (2 + 3) / 2


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
