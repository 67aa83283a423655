"""Chunk functions for tests/analysis/test_executor.py, in a module of their own so that Dask
workers (separate processes) and the subprocess of the interruption test can import them.

Each chunk computes a result that depends only on its spec, then appends its index to a side
log (under an exclusive lock): the log counts every chunk computed to the end, in any process.
A chunk marked ``kill_at`` kills a process on its first attempt, at a moment when every chunk
the log counts is already in the checkpoint: so that the count "every chunk computed exactly
once" is deterministic (a chunk finished on a worker but not yet collected would be computed
again, legitimately, and counted twice).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np


def toy_result(i: int, seed: int) -> dict:
    rng = np.random.default_rng([seed, i])
    return {"x": rng.random(5), "i": np.array([i]), "n": rng.integers(0, 100, (2, 3))}


def logged_chunk(spec: dict) -> dict:
    i = spec["i"]
    time.sleep(spec.get("sleep", 0.0))
    if i == spec.get("kill_at") and _first_attempt(spec["marker"]):
        _kill_when_collected(spec)
    result = toy_result(i, spec["seed"])
    with open(spec["log"], "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(f"{i}\n")
    return result


def _first_attempt(marker: str) -> bool:
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def logged(log) -> list[int]:
    p = Path(log)
    return [int(x) for x in p.read_text().split()] if p.is_file() else []


def saved(ckpt) -> set[int]:
    return {int(p.stem.split("-")[1]) for p in Path(ckpt).glob("chunk-*.npz")}


def _kill_when_collected(spec: dict) -> None:
    """Hold the log's lock (no other chunk can count itself finished meanwhile) once at least
    ``min_saved`` chunks are saved and every chunk the log counts has been saved for 0.2 s;
    then SIGKILL this process (``kill = "self"``) or its whole process group (``"group"``:
    the caller and all its workers)."""
    deadline = time.monotonic() + 60
    stable_since = None
    while time.monotonic() < deadline:
        with open(spec["log"], "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            done = sorted(int(x) for x in fh.read().split())
            ok = done == sorted(saved(spec["ckpt"])) and len(done) >= spec.get("min_saved", 0)
            if ok and stable_since is not None and time.monotonic() - stable_since > 0.2:
                if spec["kill"] == "group":
                    os.killpg(os.getpgid(0), signal.SIGKILL)
                os.kill(os.getpid(), signal.SIGKILL)
        stable_since = (stable_since or time.monotonic()) if ok else None
        time.sleep(0.02)
    raise RuntimeError(f"the chunks were never all collected: logged {logged(spec['log'])}, "
                       f"saved {sorted(saved(spec['ckpt']))}")


def specs(n: int, tmp: Path, **extra) -> list[dict]:
    return [{"i": i, "seed": 11, "log": str(tmp / "log"), "ckpt": str(tmp / "ckpt"),
             "marker": str(tmp / "killed-once"), **extra} for i in range(n)]


if __name__ == "__main__":      # the interrupted run: python executor_helpers.py ARGS_JSON
    from executor_helpers import logged_chunk as by_reference  # importable by the workers

    from polemos.analysis.executor import map_chunks

    args = json.loads(sys.argv[1])
    map_chunks(by_reference, args["specs"], scheduler=args["scheduler"],
               workers=args["workers"], checkpoint=args["specs"][0]["ckpt"],
               job_key=args["job_key"])
    print("finished without being killed")
