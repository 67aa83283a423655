"""Provenance in every output (version, scenario and its hash, every --set, seed, mode, engine,
runs), and one set of defaults for the Python API and the command line."""

import hashlib
import inspect
import json

import pyarrow.parquet as pq
import xarray as xr
from typer.testing import CliRunner

import polemos
from polemos import cli
from polemos.campaign.engine import Ensemble, run_ensemble
from polemos.campaign.kernels import engine_label
from polemos.provenance import scenario_hash
from polemos.scenario import load_scenario
from polemos.scenarios import embedded_path


def test_the_python_api_runs_what_the_command_line_runs():
    ens, opts = Ensemble(), inspect.signature(cli.run).parameters
    assert (ens.runs, ens.seed, ens.mode, ens.max_days) == tuple(
        opts[k].default for k in ("runs", "seed", "mode", "max_days")) == (10_000, 2020,
                                                                            "posterior", 120)


def test_the_scenario_hash_follows_its_content():
    a, b = load_scenario("karabakh_2020"), load_scenario("karabakh_2020")
    assert scenario_hash(a) == scenario_hash(b)
    c = load_scenario("karabakh_2020", ["parameters.movement.break_ratio.value=2.5"])
    assert scenario_hash(c) != scenario_hash(a)


def test_the_posterior_a_run_drew_is_named_by_its_hash():
    sc = load_scenario("karabakh_2020")
    prov = run_ensemble(sc, Ensemble(runs=10, seed=1, max_days=2)).provenance()
    path = embedded_path("karabakh_2020") / "posterior.csv"
    assert prov["posterior_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert prov["parameters"].startswith("posterior (") and prov["mode"] == "posterior"


def test_every_output_of_a_run_carries_its_provenance(tmp_path, monkeypatch):
    import matplotlib.figure
    import matplotlib.text

    footers = []
    save = matplotlib.figure.Figure.savefig

    def savefig(fig, *a, **k):
        footers.append([t.get_text() for t in fig.findobj(matplotlib.text.Text)
                        if t.get_text().startswith("Polemos ")])
        return save(fig, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    runner = CliRunner()
    assert runner.invoke(cli.app, ["new", "war", "--dir", str(tmp_path)]).exit_code == 0
    sets = ["parameters.movement.break_ratio.value=2.5", "forces.red.tanks.value=400"]
    out = tmp_path / "out"
    r = runner.invoke(cli.app, ["run", str(tmp_path / "war"), "--runs", "60", "--seed", "11",
                                "--max-days", "8", "--out", str(out)]
                      + [x for s in sets for x in ("--set", s)])
    assert r.exit_code == 0, r.output
    want = {"polemos_version": polemos.__version__, "scenario": "war",
            "scenario_sha256": scenario_hash(load_scenario(tmp_path / "war", sets)),
            "overrides": json.dumps(sets), "seed": 11, "mode": "posterior", "runs": 60,
            "max_days": 8, "parameters": "posterior mode without a posterior: calibrated "
                                         "parameters drawn from their priors",
            "engine": engine_label("numpy")}     # the tests' engine (tests/conftest.py)
    nc = xr.open_dataset(out / "campaign.nc", engine="h5netcdf")
    assert {k: nc.attrs[k] for k in want} == want
    nc.close()
    assert json.loads(pq.read_schema(out / "runs.parquet").metadata[b"polemos"]) == want
    assert json.loads((out / "provenance.json").read_text()) == want
    assert len(footers) == 3
    for (text,) in footers:
        assert text.startswith(f"Polemos {polemos.__version__} · war (sha256 "
                               f"{want['scenario_sha256'][:12]}) · seed 11 · posterior mode")
        assert text.endswith(f"engine {want['engine']} · 60 runs · --set " + "; ".join(sets))


def test_the_forecast_carries_its_provenance(tmp_path):
    out = tmp_path / "fc"
    r = CliRunner().invoke(cli.app, ["forecast", "karabakh_2020", "--runs", "100", "--months",
                                     "6", "--seed", "4", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ds = xr.open_dataset(out / "forecast.nc")
    attrs = dict(ds.attrs)
    ds.close()
    assert attrs["polemos_version"] == polemos.__version__ and attrs["seed"] == 4
    assert attrs["scenario_sha256"] == scenario_hash(load_scenario("karabakh_2020"))
    assert attrs["runs"] == 100 and attrs["overrides"] == "[]"
