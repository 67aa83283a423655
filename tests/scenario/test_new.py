"""`polemos new`: from nothing to a run of one's own war through the command line."""

from typer.testing import CliRunner

from polemos.cli import app


def _cli(*args):
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, r.output


def test_new_writes_a_skeleton_that_validates_strictly_and_runs(tmp_path):
    code, out = _cli("new", "river_war", "--dir", tmp_path)
    assert code == 0, out
    folder = tmp_path / "river_war"
    text = (folder / "scenario.toml").read_text()
    assert 'name = "river_war"' in text and text.count("\n#") > 20     # commented
    code, out = _cli("validate", "--strict", folder)
    assert code == 0 and "valid (strict)" in out, out
    code, out = _cli("run", folder, "--runs", 200, "--max-days", 15, "--no-plots", "--out",
                     tmp_path / "out")
    assert code == 0, out
    assert {"campaign.nc", "runs.parquet", "summary.csv"} <= {
        p.name for p in (tmp_path / "out").iterdir()}


def test_new_refuses_a_folder_that_holds_files(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x.toml").write_text("")
    code, out = _cli("new", "taken", "--dir", tmp_path)
    assert code == 1 and "already exists and is not empty" in out


def test_new_from_a_scenario_copies_it_under_the_new_name_without_its_posterior(tmp_path):
    code, out = _cli("new", "my_karabakh", "--from", "karabakh_2020", "--dir", tmp_path)
    assert code == 0, out
    folder = tmp_path / "my_karabakh"
    assert (folder / "forces.toml").exists() and not (folder / "posterior.csv").exists()
    assert 'name = "my_karabakh"' in (folder / "scenario.toml").read_text()
    code, out = _cli("validate", folder)
    assert code == 0, out


def test_new_from_a_derived_scenario_keeps_its_base(tmp_path):
    code, out = _cli("new", "no_drones", "--from", "campaign_no_strike_drones", "--dir",
                     tmp_path)
    assert code == 0, out
    text = (tmp_path / "no_drones" / "campaign_no_strike_drones.toml").read_text()
    assert 'extends = "karabakh_2020"' in text and 'name = "no_drones"' in text
