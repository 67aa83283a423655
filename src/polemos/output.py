"""Results that are never half-written.

A command writes its files into a hidden staging folder inside the target folder
(``.polemos-partial-<id>/``, same file system); each complete file is then flushed to disk
and renamed to its final name (``os.replace``: atomic), and ``manifest.json`` — the run's
provenance (scenario hash, ``--set`` overrides, seed, runs, version) and every file with its
size and SHA-256 — is written last, the same way. So a file at its final name is complete,
and a folder whose ``manifest.json`` lists it holds the whole of one run: an interruption
(SIGINT, SIGKILL, a full disk) leaves at most the staging folder and no manifest. A staging
folder is locked (``flock`` on its ``.lock``) while its command runs; one whose lock is free
was left by a command that died and is removed by the next command writing to the folder.

``polemos run`` streams its results into the staging folder chunk by chunk
(:class:`polemos.results.ResultsStore`), so its limits are one chunk's memory
(:func:`chunk_memory_problem`) and the disk (:func:`disk_problem` before the run,
:func:`room_check` after each chunk), not the number of runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

MANIFEST = "manifest.json"
STAGING_PREFIX = ".polemos-partial-"
LOCK = ".lock"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def existing_results(out: Path) -> list[str]:
    """What a folder already holds (staging leftovers of an interrupted run aside)."""
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if not p.name.startswith(STAGING_PREFIX))


def refuse_existing(out: Path, overwrite: bool) -> str | None:
    """A message if ``out`` holds anything and ``overwrite`` is not given, else None (with
    ``overwrite``, the old manifest and staging leftovers are removed first, so that a
    folder overwritten half-way never carries a manifest)."""
    held = existing_results(out)
    if held and not overwrite:
        shown = ", ".join(held[:5]) + (", ..." if len(held) > 5 else "")
        return (f"--out {out}: the folder already holds results ({shown}); pass --overwrite to "
                "replace them, or choose another folder")
    if out.is_dir():
        (out / MANIFEST).unlink(missing_ok=True)
        for p in out.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(p, ignore_errors=True)
    return None


def _lock(stage: Path):
    """An exclusive lock on ``stage/.lock`` (the open file; closing it releases the lock), or
    None if another process holds it."""
    import fcntl

    fh = open(stage / LOCK, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the staging folders in ``out`` left by commands that died (their lock is free;
    one still being written is kept); returns those removed."""
    removed = []
    for p in Path(out).glob(STAGING_PREFIX + "*") if Path(out).is_dir() else ():
        if not (p / LOCK).is_file():
            continue                  # not yet locked by its command, or not ours: left alone
        try:
            fh = _lock(p)
        except OSError:
            continue
        if fh is not None:
            shutil.rmtree(p, ignore_errors=True)
            fh.close()
            removed.append(p)
    return removed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_complete(write: Callable[[Path], list[Path]], out: Path, provenance: dict
                   ) -> list[Path]:
    """Run ``write(folder) -> paths`` into a staging folder inside ``out``; rename each file
    to ``out`` once all are written, then write ``manifest.json`` (``provenance`` and each
    file's bytes and SHA-256). Returns the final paths, the manifest last. An exception
    (an OSError, a KeyboardInterrupt) leaves no file at its final name that was not
    complete, and no manifest."""
    import tempfile

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(out)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    lock = None
    try:
        lock = _lock(stage)
        written = [Path(p) for p in write(stage)]
        files = {}
        for p in written:
            _fsync(p)
            files[p.name] = {"bytes": p.stat().st_size, "sha256": sha256(p)}
        final = []
        for p in written:
            os.replace(p, out / p.name)
            final.append(out / p.name)
        manifest = {**provenance, "files": files}
        tmp = stage / MANIFEST
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _fsync(tmp)
        os.replace(tmp, out / MANIFEST)
        return final + [out / MANIFEST]
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if lock is not None:
            lock.close()


def verify(out: Path) -> list[str]:
    """Problems of a results folder against its manifest (empty: complete and intact)."""
    path = Path(out) / MANIFEST
    if not path.is_file():
        return [f"{out}: no {MANIFEST}: the results are incomplete (an interrupted run?)"]
    manifest = json.loads(path.read_text())
    bad = []
    for name, meta in manifest.get("files", {}).items():
        p = Path(out) / name
        if not p.is_file():
            bad.append(f"{p}: missing")
        elif p.stat().st_size != meta["bytes"] or sha256(p) != meta["sha256"]:
            bad.append(f"{p}: does not match its checksum in {MANIFEST}")
    return bad


def run_sizes(scenario, max_days: int) -> dict[str, int]:
    """Bytes per run of ``scenario`` at a horizon of ``max_days`` days, from two one-run
    probes (1 and 2 days: a fixed part per run plus a part per run-day, since the daily arrays
    are sized by the horizon whenever the war ends):

    - ``arrays``: the engine's compact arrays (a chunk's results; a checkpoint's ``.npz``);
    - ``dataset``: the NetCDF variables uncompressed (the Dataset built to write a chunk; a
      bound on ``campaign.nc``, which zlib only shrinks);
    - ``table``: a row of the per-run table (a bound on ``runs.parquet``);
    - ``scratch``: the day-major copies the plots' daily bands are read from
      (:meth:`polemos.results.StoredResults.day_blocks`)."""
    from polemos.campaign.engine import Ensemble, run_ensemble

    def size(days):
        res = run_ensemble(scenario, Ensemble(runs=1, seed=0, mode="point", max_days=days,
                                              chunk_size=1))
        ds = res.dataset()
        return {"arrays": sum(v.nbytes for v in res.arrays.values()),
                "dataset": int(ds.nbytes),
                "table": int(res.table().memory_usage(index=False, deep=True).sum()),
                "scratch": int(ds["defender_area_km2"].nbytes + ds["daily_killed"].nbytes)}

    one, two = size(1), size(2)
    return {k: one[k] + (two[k] - one[k]) * (int(max_days) - 1) for k in one}


def result_bytes(scenario, runs: int, max_days: int) -> int:
    """Bytes of the engine's result arrays of ``runs`` runs of ``max_days`` days."""
    return int(runs) * run_sizes(scenario, max_days)["arrays"]


def available_memory() -> int | None:
    """Bytes of memory available now (Linux: MemAvailable), or None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


#: a chunk's peak memory over its result arrays plus its Dataset (the engine's working state,
#: the compact arrays, the Dataset and table built to write them, the compression buffers):
#: measured 0.68 from 250 to 2,500 runs per chunk and 0.58 from 250 to 5,000 (peak RSS of
#: ``polemos run --runs 5000`` of karabakh_2020 at 120 days: 268, 343 and 401 MB, against
#: 49.7 KB of arrays and Dataset per run; docs/benchmarks.md, "Memory of polemos run"); rounded
#: up
CHUNK_PEAK = 1


def chunk_memory_problem(scenario, chunk_runs: int, max_days: int,
                         sizes: dict | None = None) -> str | None:
    """A message if one chunk of ``chunk_runs`` runs of ``max_days`` days would not fit in the
    memory available (``CHUNK_PEAK`` x its arrays and Dataset), else None. The number of runs
    does not matter: chunks are written to disk as they finish."""
    have = available_memory()
    if have is None:
        return None
    sizes = sizes or run_sizes(scenario, max_days)
    per_run = CHUNK_PEAK * (sizes["arrays"] + sizes["dataset"])
    need = chunk_runs * per_run
    if need <= have:
        return None
    fit = have // per_run
    how = (f"lower --max-days, or --chunk-size to at most {fit:,}" if fit >= 1 else
           "lower --max-days: not even one run fits")
    return (f"--max-days {max_days:,}: one chunk of {chunk_runs:,} runs would need about "
            f"{need / 2**30:,.1f} GiB of memory ({per_run:,.0f} bytes per run), "
            f"{have / 2**30:,.1f} GiB is available: {how}")


class DiskSpaceError(Exception):
    """The rest of a run would not fit on the disk (raised before it fills)."""


def _free(folder: Path) -> int:
    folder = Path(folder)
    while not folder.exists():
        folder = folder.parent
    return shutil.disk_usage(folder).free


def _device(folder: Path) -> int:
    folder = Path(folder)
    while not folder.exists():
        folder = folder.parent
    return folder.stat().st_dev


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e8 else f"{n / 1e6:,.1f} MB"


#: runs of the probe that measures the compressed size of a run's files, when the bound
#: (uncompressed) does not fit
PROBE_RUNS = 256


def disk_problem(scenario, ens, out: Path, checkpoint: Path | None = None, plots: bool = True,
                 sizes: dict | None = None) -> str | None:
    """A message if ``ens.runs`` runs would not fit on the disk of ``out`` (and of
    ``checkpoint``), else None. First the uncompressed bound (:func:`run_sizes`); if that does
    not fit, the compressed size per run is measured on the ensemble's first
    :data:`PROBE_RUNS` runs, written as the run writes them. While the plots are drawn, the
    day-major copies of two daily variables need room too; a checkpoint keeps every chunk's
    arrays uncompressed (less the chunks it already holds)."""
    sizes = sizes or run_sizes(scenario, ens.max_days)
    runs = int(ens.runs)
    scratch = sizes["scratch"] if plots else 0
    ck = 0
    if checkpoint is not None:
        held = sum(p.stat().st_size for p in Path(checkpoint).glob("chunk-*.npz")) \
            if Path(checkpoint).is_dir() else 0
        ck = max(0, runs * sizes["arrays"] - held)
        same = _device(checkpoint) == _device(out)
        if not same and ck > _free(checkpoint):
            return (f"--checkpoint {checkpoint}: the finished chunks would take about "
                    f"{_gb(ck)} ({sizes['arrays']:,} bytes per run, uncompressed), "
                    f"{_gb(_free(checkpoint))} is free there: give a checkpoint folder on a "
                    "disk with more room, lower --runs or --max-days, or run without it")
    else:
        same = False
    free = _free(out)
    bound = sizes["dataset"] + sizes["table"]
    if runs * (bound + scratch) + (ck if same else 0) <= free:
        return None
    try:
        per_run = probe_file_bytes(scenario, ens)
        how = f"measured on the first {min(runs, PROBE_RUNS):,} runs"
    except OSError:                       # nowhere to write the probe: the bound it is
        per_run, how = bound, "uncompressed, at most"
    need = runs * (per_run + scratch) + (ck if same else 0)
    if need <= free:
        return None
    parts = [f"{per_run:,.0f} bytes per run {how}"]
    if scratch:
        parts.append(f"{scratch:,} more per run while the plots are drawn (--no-plots: none)")
    if same and ck:
        parts.append(f"{_gb(ck)} for --checkpoint")
    return (f"--runs {runs:,} x --max-days {ens.max_days:,}: the results would take about "
            f"{_gb(need)} on disk ({'; '.join(parts)}), {_gb(free)} is free in {out}: lower "
            "--runs or --max-days, free some space, or choose another --out")


def probe_file_bytes(scenario, ens) -> float:
    """Bytes per run of ``campaign.nc`` and ``runs.parquet`` for the first
    :data:`PROBE_RUNS` runs of ``ens`` (same seed and mode), written in a temporary folder
    that is then removed."""
    import tempfile
    from dataclasses import replace

    from polemos.campaign.engine import stream_ensemble

    n = min(int(ens.runs), PROBE_RUNS)
    probe = replace(ens, runs=n, chunk_size=n, scheduler=None, workers=None,
                    run_ids=None if ens.run_ids is None else ens.run_ids[:n])
    stage = Path(tempfile.mkdtemp(prefix="polemos-probe-"))
    try:
        res = stream_ensemble(scenario, probe, stage)
        return sum(p.stat().st_size for p in res.paths[:2]) / n
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def room_check(stage: Path, runs: int, sizes: dict, plots: bool = True,
               checkpoint: Path | None = None):
    """``check(bytes written, runs written)`` for :class:`polemos.results.ResultsStore`
    writing in the staging folder ``stage``: raises :class:`DiskSpaceError` as soon as the
    runs left, at the bytes per run written so far (plus the plots' day-major copies, and a
    checkpoint's arrays when it is on the same disk; ``sizes``: :func:`run_sizes`), would not
    fit in the space free — before the disk fills."""
    out = Path(stage).parent
    extra_per_run = sizes["scratch"] if plots else 0
    if checkpoint is not None and _device(checkpoint) == _device(stage):
        extra_per_run += sizes["arrays"]

    def check(written: int, done: int) -> None:
        left = runs - done
        if left <= 0 or done <= 0:
            return
        per_run = written / done + extra_per_run
        need, free = left * per_run, _free(stage)
        if need > free:
            raise DiskSpaceError(
                f"--out {out}: stopped after {done:,} of {runs:,} runs: the other {left:,} "
                f"would need about {_gb(need)} on disk ({per_run:,.0f} bytes per run so far) "
                f"and {_gb(free)} is free; nothing was written at its final name: free some "
                "space or choose another --out (with --checkpoint, the finished chunks are "
                "kept and a rerun resumes from them)")
    return check
