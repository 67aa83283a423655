"""Results that are never half-written.

A command writes its files into a hidden staging folder inside the target folder
(``.polemos-partial-<id>/``, same file system); each complete file is then flushed to disk
and renamed to its final name (``os.replace``: atomic), and ``manifest.json`` — the run's
provenance (scenario hash, ``--set`` overrides, seed, runs, version) and every file with its
size and SHA-256 — is written last, the same way. So a file at its final name is complete,
and a folder whose ``manifest.json`` lists it holds the whole of one run: an interruption
(SIGINT, SIGKILL, a full disk) leaves at most the staging folder and no manifest.
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
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
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


#: copies of the result arrays alive at the peak of a run: the chunks kept, their join, and
#: the table/Dataset built to write them (measured in the issue: ~45 KB per 120-day run of
#: karabakh_2020 against ~15 KB of arrays)
PEAK_COPIES = 3


def result_bytes(scenario, runs: int, max_days: int) -> int:
    """Bytes of the result arrays of ``runs`` runs of ``max_days`` days, from two one-run
    probes (1 and 2 days): a fixed part per run plus a part per run-day (the daily arrays
    are sized by the horizon, whenever the war ends)."""
    from polemos.campaign.engine import Ensemble, run_ensemble

    def size(days):
        res = run_ensemble(scenario, Ensemble(runs=1, seed=0, mode="point", max_days=days,
                                              chunk_size=1))
        return sum(v.nbytes for v in res.arrays.values())

    one, two = size(1), size(2)
    per_day = two - one
    return int(runs) * (one - per_day + per_day * int(max_days))


def available_memory() -> int | None:
    """Bytes of memory available now (Linux: MemAvailable), or None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def fits_in_memory(scenario, runs: int, max_days: int) -> str | None:
    """A message if ``runs`` x ``max_days`` would not fit in the memory available (the
    results are held whole until written: ``PEAK_COPIES`` copies), else None."""
    have = available_memory()
    if have is None:
        return None
    need = PEAK_COPIES * result_bytes(scenario, runs, max_days)
    if need <= have:
        return None
    return (f"--runs {runs:,} x --max-days {max_days:,} would need about {need / 2**30:,.1f} "
            f"GiB of memory for the results ({PEAK_COPIES} copies of "
            f"{need / PEAK_COPIES / runs:,.0f} bytes per run), {have / 2**30:,.1f} GiB is "
            "available: lower --runs or --max-days, or run in parts with different seeds")
