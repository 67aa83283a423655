"""The compiled kernels (:mod:`polemos.campaign.kernels`) against the numpy engine, the
reference: one step of each kernelled component from the same state agrees to float32
rounding, on every array of the state and the record; whole runs agree within Monte Carlo
error; the numba engine gives identical results whatever the chunk size; bad engine names are
clear errors."""

import copy
import pkgutil

import numpy as np
import pytest

import polemos.campaign.kernels as kernels
from polemos.campaign.engine import Ensemble, Simulation, run_ensemble
from polemos.campaign.kernels import resolve_engine

needs_numba = pytest.mark.skipif(not kernels.numba_available(),
                                 reason="numba is not installed (pip install 'polemos[fast]')")

#: the components with a kernel (one module each in polemos.campaign.kernels)
KERNELLED = sorted(m.name for m in pkgutil.iter_modules(kernels.__path__))
DAYS = (1, 4, 12, 25, 40)      # the opening strikes, the break-in, the breaks, the collapse
RUNS = 400


def _state_at(scenario, day: int, name: str, runs: int = RUNS, seed: int = 11,
              mode: str = "posterior"):
    """A numpy simulation stepped to just before component ``name`` on day ``day`` (``mode``:
    the shipped posterior's wars, or the priors' — faster and more varied: captures and
    envelopments early)."""
    sim = Simulation(scenario, np.arange(runs), seed, mode, engine="numpy", max_days=day)
    for c in sim.components:
        c.init(sim)
    for d in range(1, day + 1):
        for c in sim.components:
            if d == day and c.name == name:
                return sim, c
            c.step(sim, d)
    raise AssertionError(f"no component {name!r}")


def _arrays(sim) -> dict:
    out = {f"state.{k}": v for k, v in vars(sim.state).items()
           if isinstance(v, np.ndarray) and v.ndim}
    out.update({f"record.{k}": v for k, v in vars(sim.record).items()})
    return out


def _assert_close(a: dict, b: dict) -> None:
    """Floats to float32 rounding (relative 1e-5 of each value plus 1e-6 of the array's
    largest: a sum of a dozen float32 terms in another order); counts and flags exactly."""
    assert a.keys() == b.keys()
    bad = []
    for k, x in a.items():
        y = b[k]
        if x.shape != y.shape or x.dtype != y.dtype:
            bad.append(f"{k}: {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
        elif x.dtype.kind == "f":
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                bad.append(f"{k}: NaN in other places")
                continue
            scale = float(np.nanmax(np.abs(x), initial=0.0))
            err = np.abs(x.astype(float) - y) - (1e-5 * np.abs(x) + 1e-6 * scale)
            err[np.isnan(err)] = 0.0          # NaN in both (checked above)
            if x.size and err.max() > 0:
                i = np.unravel_index(np.argmax(err), x.shape)
                bad.append(f"{k}{tuple(int(j) for j in i)}: numpy {x[i]!r} numba {y[i]!r}")
        elif not np.array_equal(x, y):
            bad.append(f"{k}: {int((x != y).sum())} entries differ")
    assert not bad, "\n".join(bad)


def test_kernels_are_components():
    from polemos.campaign.engine import components_in_order

    names = {c.name for c in components_in_order()}
    assert KERNELLED and set(KERNELLED) <= names


@needs_numba
@pytest.mark.parametrize("name", KERNELLED)
@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("mode", ["posterior", "prior"])
def test_one_step_agrees_with_numpy(karabakh, name, day, mode):
    sim, comp = _state_at(karabakh, day, name, mode=mode)
    twin = copy.deepcopy(sim)
    twin.engine = "numba"
    before = {k: v.copy() for k, v in _arrays(sim).items()}
    comp.step(sim, day)
    next(c for c in twin.components if c.name == name).step(twin, day)
    changed = [k for k, v in _arrays(sim).items()
               if k not in before or not np.array_equal(v, before[k], equal_nan=True)]
    assert changed, f"{name} changed nothing on day {day}: the comparison would be empty"
    _assert_close(_arrays(sim), _arrays(twin))


def _results(scenario, engine: str, runs: int, chunk: int, seed: int = 5):
    return run_ensemble(scenario, Ensemble(runs=runs, seed=seed, chunk_size=chunk,
                                           engine=engine)).arrays


@needs_numba
def test_numba_identical_whatever_the_chunk_size(karabakh):
    a = _results(karabakh, "numba", 300, 300)
    b = _results(karabakh, "numba", 300, 70)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@needs_numba
def test_whole_runs_agree_within_monte_carlo_error(karabakh):
    """Paired runs (the same seed): the mean difference of each outcome within 4 of its
    standard errors (plus 0.1% of its mean: float32 rounding of sums), over 1,000 runs."""
    a = _results(karabakh, "numpy", 1000, 500)
    b = _results(karabakh, "numba", 1000, 500)
    outcomes = {k: (a[k], b[k]) for k in ("end_day", "killed", "equip_lost", "ad_lost")}
    outcomes["objectives_taken"] = (a["objective_day"] >= 0, b["objective_day"] >= 0)
    for key, (x, y) in outcomes.items():
        x, y = np.asarray(x, float), np.asarray(y, float)
        d = (y - x).reshape(len(x), -1)
        se = d.std(axis=0, ddof=1) / np.sqrt(len(d))
        tol = 4 * se + 1e-3 * np.abs(x.reshape(len(x), -1).mean(axis=0))
        assert np.all(np.abs(d.mean(axis=0)) <= tol), (key, d.mean(axis=0), tol)


def test_engine_names():
    assert resolve_engine("numpy") == "numpy"
    assert resolve_engine("auto") in ("numpy", "numba")
    with pytest.raises(ValueError, match="expected one of auto, numpy, numba"):
        resolve_engine("fortran")


def test_engine_from_environment(monkeypatch):
    monkeypatch.setenv(kernels.ENV, "nonsense")
    with pytest.raises(ValueError, match=r"from \$POLEMOS_ENGINE"):
        resolve_engine()
    monkeypatch.setenv(kernels.ENV, "numpy")
    assert resolve_engine() == "numpy"


@needs_numba
def test_run_command_with_the_numba_engine_names_it(tmp_path):
    import json

    from typer.testing import CliRunner

    from polemos.cli import app

    r = CliRunner().invoke(app, ["run", "--runs", "60", "--seed", "3", "--no-plots",
                                 "--engine", "numba", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    prov = json.loads((tmp_path / "provenance.json").read_text())
    assert prov["engine"].startswith("numba ")


def test_run_command_refuses_an_unknown_engine(tmp_path):
    from typer.testing import CliRunner

    from polemos.cli import app

    r = CliRunner().invoke(app, ["run", "--runs", "5", "--engine", "cuda", "--out",
                                 str(tmp_path)])
    assert r.exit_code == 1
    assert "--engine: engine 'cuda': expected one of auto, numpy, numba" in r.output
    assert "Traceback" not in r.output
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@needs_numba
def test_numba_on_a_dask_cluster_equals_serial(karabakh, dask_scheduler):
    """The engine is resolved once, before the chunks travel: two worker processes run the
    kernels and give the serial result exactly."""
    serial = run_ensemble(karabakh, Ensemble(runs=240, seed=9, chunk_size=60, engine="numba"))
    dask = run_ensemble(karabakh, Ensemble(runs=240, seed=9, chunk_size=60, engine="numba",
                                           scheduler=dask_scheduler))
    for k, v in serial.arrays.items():
        np.testing.assert_array_equal(dask.arrays[k], v, err_msg=k)
