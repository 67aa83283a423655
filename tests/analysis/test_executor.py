"""map_chunks: serial and Dask give identical results (on the engine and on the calibration's
simulator); a checkpointed run that is killed resumes with every chunk computed exactly once;
another job's checkpoint is refused."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from executor_helpers import logged, logged_chunk, saved, specs, toy_result

from polemos.analysis import executor as ex

HELPERS = Path(__file__).with_name("executor_helpers.py")


@pytest.fixture(scope="module")
def cluster(dask_scheduler):
    """The session's local Dask cluster (tests/conftest.py): 2 worker processes."""
    return dask_scheduler


@pytest.fixture(scope="module")
def karabakh():
    from polemos.scenario import load_scenario

    return load_scenario("karabakh_2020")


def _running_in_group(pgid: int, wait: float = 5.0) -> list[int]:
    """Processes of the group ``pgid`` still running (zombies left to init do not count)."""
    import psutil

    deadline = time.monotonic() + wait
    while True:
        left = []
        for p in psutil.process_iter():
            with contextlib.suppress(ProcessLookupError, psutil.Error):
                if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                    left.append(p.pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_array_equal(x[k], y[k], err_msg=k)


def _scaled(factor, chunk):
    return np.arange(chunk["n"]) * factor + chunk["start"]


# --- the map itself ----------------------------------------------------------------------------
def test_serial_map_keeps_chunk_order_and_reports_progress(tmp_path):
    seen = []
    chunks = [{"n": n, "start": s} for n, s in [(3, 0), (1, 10), (2, 20)]]
    out = ex.map_chunks(functools.partial(_scaled, 2), chunks,
                        progress=lambda d, t: seen.append((d, t)))
    assert [o.tolist() for o in out] == [[0, 2, 4], [10], [20, 22]]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_dask_map_equals_serial_and_keeps_order(cluster):
    chunks = [{"n": n, "start": 7 * n} for n in range(12, 0, -1)]   # later chunks finish first
    f = functools.partial(_scaled, 3)
    serial = ex.map_chunks(f, chunks)
    dask = ex.map_chunks(f, chunks, scheduler=cluster)
    assert [a.tolist() for a in dask] == [a.tolist() for a in serial]


@pytest.mark.parametrize("on_dask", [False, True])
def test_a_streamed_map_hands_each_chunk_over_in_order_and_keeps_none(on_dask, cluster,
                                                                     tmp_path):
    """consume(i, result): called in chunk order (later chunks finish first on Dask), each
    result the one the list would hold; nothing returned; with a checkpoint holding some
    chunks, those are read back in their turn and only the others computed."""
    chunks = [{"n": n, "start": 7 * n} for n in range(12, 0, -1)]
    f = functools.partial(_scaled, 3)
    serial = ex.map_chunks(f, chunks)
    seen = []
    kw = {"scheduler": cluster} if on_dask else {}
    assert ex.map_chunks(f, chunks, consume=lambda i, r: seen.append((i, r)), **kw) is None
    assert [i for i, _ in seen] == list(range(12))
    assert [r.tolist() for _, r in seen] == [a.tolist() for a in serial]
    sp = specs(6, tmp_path)
    first = ex.map_chunks(logged_chunk, sp, checkpoint=tmp_path / "ck", job_key="s")
    for i in (2, 4, 5):                               # chunks 0, 1 and 3 of 6 are kept
        (tmp_path / "ck" / f"chunk-0000{i}.npz").unlink()
    before = len(logged(tmp_path / "log"))
    got = []
    ex.map_chunks(logged_chunk, sp, checkpoint=tmp_path / "ck", job_key="s",
                  consume=lambda i, r: got.append((i, r)), **kw)
    assert sorted(logged(tmp_path / "log")[before:]) == [2, 4, 5]
    assert [i for i, _ in got] == list(range(6))
    _same([r for _, r in got], first)


def test_engine_on_dask_equals_serial(cluster, karabakh):
    """A few hundred runs of the default scenario (posterior mode): every array identical."""
    from polemos.campaign.engine import Ensemble, run_ensemble

    serial = run_ensemble(karabakh, Ensemble(runs=300, seed=5, chunk_size=300))
    dask = run_ensemble(karabakh, Ensemble(runs=300, seed=5, chunk_size=80, scheduler=cluster))
    assert serial.arrays.keys() == dask.arrays.keys()
    for k in serial.arrays:
        np.testing.assert_array_equal(serial.arrays[k], dask.arrays[k], err_msg=k)
    assert len(set(serial.arrays["end_day"].tolist())) > 3     # real, varied runs


def test_calibration_simulator_on_dask_equals_serial(cluster, karabakh):
    from polemos.analysis import calibrate as cal

    pri = cal.campaign_priors(karabakh)
    names = list(pri)
    fitted, unfitted = {k: pri[k] for k in names[5:]}, {k: pri[k] for k in names[:5]}
    u = np.random.default_rng(4).random((24, len(fitted)))
    serial = cal.scenario_simulator(karabakh, fitted, 3, 20, 3, unfitted)(u, 2, 50)
    dask = cal.scenario_simulator(karabakh, fitted, 3, 20, 3, unfitted,
                                  scheduler=cluster)(u, 2, 50)
    np.testing.assert_array_equal(serial, dask)
    assert serial.shape == (24, len(cal.targets(karabakh).names))


# --- checkpoints and interruptions ---------------------------------------------------------
def test_checkpoint_holds_each_chunk_and_a_rerun_computes_nothing(tmp_path):
    sp = specs(5, tmp_path)
    first = ex.map_chunks(logged_chunk, sp, checkpoint=tmp_path / "ckpt", job_key="k1")
    assert sorted(logged(tmp_path / "log")) == list(range(5))
    assert sorted(p.name for p in (tmp_path / "ckpt").iterdir()
                  if not p.name.startswith(".")) == \
        [f"chunk-0000{i}.npz" for i in range(5)] + ["manifest.json"]
    again = ex.map_chunks(logged_chunk, sp, checkpoint=tmp_path / "ckpt", job_key="k1")
    assert sorted(logged(tmp_path / "log")) == list(range(5))      # nothing computed again
    _same(first, again)
    _same(first, [toy_result(i, 11) for i in range(5)])
    # one array per chunk round-trips too
    arr = ex.map_chunks(functools.partial(_scaled, 1.5), [{"n": 2, "start": 1}],
                        checkpoint=tmp_path / "arr", job_key="k2")
    back = ex.map_chunks(functools.partial(_scaled, 9.0), [{"n": 2, "start": 1}],
                         checkpoint=tmp_path / "arr", job_key="k2")   # read, not computed
    assert arr[0].tolist() == back[0].tolist() == [1.0, 2.5]


def test_a_killed_worker_is_replaced_and_no_chunk_is_lost_or_doubled(cluster, tmp_path):
    """Chunk 3 kills its own worker process (SIGKILL) on its first attempt: Dask reschedules
    it; every chunk is computed to the end exactly once and the result is the serial one."""
    sp = specs(8, tmp_path, kill_at=3, kill="self", min_saved=1, sleep=0.1)
    out = ex.map_chunks(logged_chunk, sp, scheduler=cluster, checkpoint=tmp_path / "ckpt",
                        job_key="worker-kill")
    assert Path(sp[0]["marker"]).exists()                # the worker was killed
    assert sorted(logged(tmp_path / "log")) == list(range(8))
    assert saved(tmp_path / "ckpt") == set(range(8))
    _same(out, [toy_result(i, 11) for i in range(8)])


@pytest.mark.parametrize("scheduler", [None, "local"])
def test_an_interrupted_run_resumes_without_losing_or_doubling_a_chunk(scheduler, cluster,
                                                                       tmp_path):
    """A checkpointed map runs in a subprocess (serial, or on its own 2-worker local cluster);
    chunk 5 kills the whole process group (the caller and its workers) once >= 3 chunks are
    saved. The rerun on the module's cluster computes exactly the chunks not saved: across both
    runs every chunk is computed once, and the result equals the uninterrupted serial one."""
    n = 10
    sp = specs(n, tmp_path, kill_at=5, kill="group", min_saved=3, sleep=0.15)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(ex.__file__).parents[2]), str(HELPERS.parent), env.get("PYTHONPATH", "")])
    args = {"specs": sp, "scheduler": scheduler, "workers": 2, "job_key": "interrupted"}
    proc = subprocess.Popen([sys.executable, str(HELPERS), json.dumps(args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=90)
        assert _running_in_group(proc.pid) == []         # its workers died with it
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
    first = saved(tmp_path / "ckpt")
    assert 3 <= len(first) < n and 5 not in first
    assert sorted(logged(tmp_path / "log")) == sorted(first)   # every finished chunk saved
    resumed = ex.map_chunks(logged_chunk, sp, scheduler=cluster, checkpoint=tmp_path / "ckpt",
                            job_key="interrupted")
    log = logged(tmp_path / "log")
    assert sorted(log) == list(range(n))                 # each chunk computed exactly once
    assert sorted(log[len(first):]) == sorted(set(range(n)) - first)
    (tmp_path / "fresh").mkdir()
    _same(resumed, ex.map_chunks(logged_chunk, specs(n, tmp_path / "fresh")))   # uninterrupted


def test_another_job_is_refused_with_the_directory_and_the_difference(tmp_path):
    ck = tmp_path / "ckpt"
    sp = specs(3, tmp_path)
    ex.map_chunks(logged_chunk, sp, checkpoint=ck, job_key={"seed": 1, "design": "a"})
    with pytest.raises(ex.CheckpointError) as e:
        ex.map_chunks(logged_chunk, sp, checkpoint=ck, job_key={"seed": 2, "design": "a"})
    msg = str(e.value)
    assert str(ck) in msg and "another job" in msg and "seed: 1 there, 2 now" in msg
    with pytest.raises(ex.CheckpointError, match="another job"):
        ex.map_chunks(logged_chunk, sp, checkpoint=ck, job_key=ex.job_hash("other"))
    with pytest.raises(ex.CheckpointError, match="had 3 chunks, this run has 2"):
        ex.map_chunks(logged_chunk, sp[:2], checkpoint=ck, job_key={"seed": 1, "design": "a"})
    changed = [dict(s, seed=12) if s["i"] == 1 else s for s in sp]
    with pytest.raises(ex.CheckpointError, match="chunk 1 .* differs"):
        ex.map_chunks(logged_chunk, changed, checkpoint=ck, job_key={"seed": 1, "design": "a"})
    with pytest.raises(ex.ExecutorError, match="give a job_key"):
        ex.map_chunks(logged_chunk, sp, checkpoint=tmp_path / "new")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ex.CheckpointError, match="not a checkpoint"):
        ex.map_chunks(logged_chunk, sp, checkpoint=tmp_path / "busy", job_key="k")
    import fcntl

    with open(ck / ".lock", "a+") as held:             # another run is using the directory
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ex.CheckpointError, match="in use by another run"):
            ex.map_chunks(logged_chunk, sp, checkpoint=ck, job_key={"seed": 1, "design": "a"})
    assert len(ex.map_chunks(logged_chunk, sp, checkpoint=ck,      # released: resumable
                             job_key={"seed": 1, "design": "a"})) == 3
    assert sorted(logged(tmp_path / "log")) == [0, 1, 2]    # refusals computed nothing


def test_job_hash_is_stable_and_sees_every_part(karabakh):
    a = ex.job_hash(karabakh, 3, np.arange(4), {"b": 1, "a": [1.5, "x"]})
    assert a == ex.job_hash(karabakh, 3, np.arange(4), {"a": [1.5, "x"], "b": 1})
    assert a != ex.job_hash(karabakh, 3, np.arange(4.0), {"b": 1, "a": [1.5, "x"]})
    assert a != ex.job_hash(karabakh, 4, np.arange(4), {"b": 1, "a": [1.5, "x"]})
    from polemos.scenario import load_scenario

    other = load_scenario("karabakh_2020", ["parameters.drones.kill_probability_sam.value=0.7"])
    assert a != ex.job_hash(other, 3, np.arange(4), {"b": 1, "a": [1.5, "x"]})


def test_bad_chunk_result_and_unreachable_scheduler_are_clear(tmp_path, monkeypatch):
    with pytest.raises(ex.ExecutorError, match="chunk 0: the result is not a numeric array"):
        ex.map_chunks(lambda c: {"a": 1} and object(), [1])
    from typer.testing import CliRunner

    from polemos.cli import app

    monkeypatch.setattr(ex, "CONNECT_TIMEOUT", "1s")
    r = CliRunner().invoke(app, ["run", "--runs", "10", "--out", str(tmp_path),
                                 "--scheduler", "tcp://127.0.0.1:1"])
    assert r.exit_code == 1 and "cannot connect" in r.output and "Traceback" not in r.output
