"""The one way to run many independent chunks of work: serially, on a local Dask cluster or on
any Dask scheduler, with an optional checkpoint from which an interrupted job resumes.

    parts = map_chunks(func, chunks)                                   # serial, in-process
    parts = map_chunks(func, chunks, scheduler="local", workers=2)     # dask.distributed
    parts = map_chunks(func, chunks, scheduler="tcp://host:8786")      # a running scheduler
    parts = map_chunks(func, chunks, checkpoint="ckpt/", job_key=job_hash(scenario, seed))

``func(chunk)`` returns a dict of numpy arrays or one array. Each chunk carries its own seed and
run offsets (the engine's random numbers are keyed by global run index, :mod:`polemos.rng`), so a
result never depends on where or when its chunk ran: the list returned, in chunk order, is the
same on any scheduler and after any number of interruptions.

**Streaming.** With ``consume=fn`` nothing is kept: ``fn(i, result)`` is called for each chunk
in chunk order (0, 1, 2, …) as soon as it and every chunk before it have finished, and the
result is dropped. On Dask at most ``2 × workers`` chunks are in flight, so the results held
(computing, or finished and waiting for an earlier chunk) stay bounded whatever the number of
chunks; chunks read back from a checkpoint are read one at a time, when their turn comes.

**Checkpoint.** With ``checkpoint=DIR`` every finished chunk's result is written to
``DIR/chunk-00000.npz`` … by the calling process, atomically (a temporary file, then
``os.replace``: a file is there whole or not at all), beside ``DIR/manifest.json`` (the job key,
the number of chunks and a hash of each chunk's spec). A rerun with the same directory loads the
finished chunks and computes only the others, so no chunk is lost or kept twice; a directory
written for another job (another key, other chunks) is refused with a :class:`CheckpointError`
naming the directory and what differs. A chunk is written once its result has reached the
caller: a chunk that finished on a worker killed before its result was collected is computed
again (Dask reschedules it; a resumed run computes it anew), never stored twice.

**Clusters.** ``scheduler="local"`` starts a ``LocalCluster`` (``workers`` processes, default
``os.cpu_count()``, one thread each) the first time it is asked for and keeps it for the
process's later calls (a calibration maps hundreds of batches); :func:`close_clusters` ends them
(also at exit). A worker that dies is restarted by its nanny and its chunk rescheduled.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import pickle
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "polemos-chunks/1"
MANIFEST = "manifest.json"
_ARRAY_KEY = "__ndarray__"       # an .npz entry holding a chunk result that is one array
CONNECT_TIMEOUT = "10s"          # to reach a scheduler given by its address


class ExecutorError(Exception):
    """A job that cannot run as asked (bad scheduler, unusable checkpoint, bad chunk result)."""


class CheckpointError(ExecutorError):
    """The checkpoint directory cannot be used for this job."""


# --- job keys -----------------------------------------------------------------------------------
def job_hash(*parts: Any) -> str:
    """SHA-256 (hex) of what defines a job: numbers, strings, bytes, numpy arrays (dtype, shape,
    values), mappings (by sorted key), sequences and pydantic models (their JSON, e.g. a loaded
    scenario with its overrides, without the paths it was read from)."""
    h = hashlib.sha256()
    for p in parts:
        _feed(h, p)
    return h.hexdigest()


def _feed(h, x) -> None:
    if x is None or isinstance(x, (bool, int, float, str, np.generic)):
        h.update(f"{type(x).__name__}:{x!r};".encode())
    elif isinstance(x, (bytes, bytearray)):
        h.update(b"bytes:%d;" % len(x) + bytes(x))
    elif isinstance(x, np.ndarray):
        a = np.ascontiguousarray(x)
        if a.dtype == object:
            raise TypeError("job_hash: object arrays have no stable hash")
        h.update(f"ndarray:{a.dtype.str}:{a.shape};".encode() + a.tobytes())
    elif isinstance(x, Mapping):
        h.update(b"map{")
        for k in sorted(x, key=str):
            _feed(h, str(k))
            _feed(h, x[k])
        h.update(b"}")
    elif isinstance(x, (list, tuple)):
        h.update(b"seq[")
        for v in x:
            _feed(h, v)
        h.update(b"]")
    elif hasattr(x, "model_dump_json"):
        h.update(f"model:{type(x).__name__}:".encode() + x.model_dump_json().encode())
    else:
        raise TypeError(f"job_hash: cannot hash a {type(x).__name__}")


def _chunk_hash(chunk) -> str:
    """Hash of a chunk's spec as pickled (protocol 5): the same spec gives the same hash."""
    return hashlib.sha256(pickle.dumps(chunk, protocol=5)).hexdigest()[:16]


# --- chunk results ------------------------------------------------------------------------------
def _normal(result, index: int):
    """A chunk result as the arrays a checkpoint stores: a dict of arrays or one array (so that
    a result read back from a checkpoint equals one computed now)."""
    def arr(v, what):
        a = np.asarray(v)
        if a.dtype == object:
            raise ExecutorError(f"chunk {index}: {what} is not a numeric array "
                                f"(got {type(v).__name__})")
        return a

    if isinstance(result, Mapping):
        out = {}
        for k, v in result.items():
            if not isinstance(k, str) or k == _ARRAY_KEY:
                raise ExecutorError(f"chunk {index}: result key {k!r} is not allowed")
            out[k] = arr(v, f"result[{k!r}]")
        return out
    return arr(result, "the result")


class _Checkpoint:
    """A directory of finished chunk results and the manifest of the job they belong to."""

    def __init__(self, directory, job_key, chunks: Sequence):
        if job_key is None:
            raise ExecutorError(f"checkpoint {directory}: give a job_key (a hash of what defines "
                                "the job) so that another job is never resumed from it")
        self.dir = Path(directory)
        key = job_key if isinstance(job_key, str) else job_hash(job_key)
        self.width = max(5, len(str(len(chunks) - 1)))
        manifest = {"format": FORMAT, "job_key": key, "chunks": len(chunks),
                    "chunk_hashes": [_chunk_hash(c) for c in chunks]}
        if not isinstance(job_key, str):
            manifest["job"] = json.loads(json.dumps(job_key, default=str))
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._lock()
            mpath = self.dir / MANIFEST
            if mpath.is_file():
                self._check(json.loads(mpath.read_text()), manifest)
            elif any(p for p in self.dir.iterdir() if not p.name.startswith(".")):
                raise CheckpointError(f"checkpoint {self.dir}: the directory holds files but no "
                                      f"{MANIFEST}: not a checkpoint; give an empty or new one")
            else:
                self._write_bytes(mpath, json.dumps(manifest, indent=1).encode())
            for stale in self.dir.glob(".*.tmp"):          # an interrupted write's leftover
                stale.unlink(missing_ok=True)
        except OSError as e:
            self.close()
            raise CheckpointError(f"checkpoint {self.dir}: {e.strerror or e}") from e
        except json.JSONDecodeError as e:
            self.close()
            raise CheckpointError(f"checkpoint {self.dir}: {MANIFEST} is not valid JSON "
                                  f"({e})") from e
        except CheckpointError:
            self.close()
            raise

    def _lock(self) -> None:
        """Hold an exclusive lock on the directory (``.lock``) while this map uses it: two runs
        writing one checkpoint would each take the other's temporary files for leftovers."""
        self._fh = open(self.dir / ".lock", "a+")       # closed (the lock released) by close()
        try:
            import fcntl

            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:                            # pragma: no cover - not POSIX
            pass
        except BlockingIOError as e:
            self.close()
            raise CheckpointError(f"checkpoint {self.dir}: in use by another run; wait for it "
                                  "to end, or give another directory") from e

    def close(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None:
            fh.close()                                 # releases the lock
            self._fh = None

    def _check(self, old: dict, new: dict) -> None:
        where = f"checkpoint {self.dir}"
        if old.get("format") != FORMAT:
            raise CheckpointError(f"{where}: written in format {old.get('format')!r}, "
                                  f"this version reads {FORMAT!r}")
        if old.get("job_key") != new["job_key"]:
            diff = ""
            if isinstance(old.get("job"), dict) and isinstance(new.get("job"), dict):
                keys = sorted(set(old["job"]) | set(new["job"]))
                diff = "; ".join(f"{k}: {old['job'].get(k)!r} there, {new['job'].get(k)!r} now"
                                 for k in keys if old["job"].get(k) != new["job"].get(k))
            raise CheckpointError(
                f"{where}: it holds another job (job key {str(old.get('job_key'))[:12]}…, this "
                f"job's is {new['job_key'][:12]}…){': ' + diff if diff else ''}; resume it with "
                "the options it was started with, or give another directory")
        if old.get("chunks") != new["chunks"]:
            raise CheckpointError(f"{where}: the job had {old.get('chunks')} chunks, this run "
                                  f"has {new['chunks']} (another chunk size?)")
        bad = [i for i, (a, b) in enumerate(zip(old.get("chunk_hashes", []),
                                                new["chunk_hashes"], strict=False)) if a != b]
        if bad:
            raise CheckpointError(f"{where}: chunk {bad[0]} (and {len(bad) - 1} more) differs "
                                  "from the one the checkpoint was written for")

    def path(self, i: int) -> Path:
        return self.dir / f"chunk-{i:0{self.width}d}.npz"

    def finished(self, n: int) -> list[int]:
        return [i for i in range(n) if self.path(i).is_file()]

    def load(self, i: int):
        p = self.path(i)
        try:
            with np.load(p, allow_pickle=False) as z:
                if z.files == [_ARRAY_KEY]:
                    return z[_ARRAY_KEY]
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError) as e:
            raise CheckpointError(f"checkpoint {p}: cannot read it ({e}); delete the file to "
                                  "compute the chunk again") from e

    def save(self, i: int, result) -> None:
        import io

        buf = io.BytesIO()
        if isinstance(result, dict):
            np.savez(buf, **result)
        else:
            np.savez(buf, **{_ARRAY_KEY: result})
        try:
            self._write_bytes(self.path(i), buf.getvalue())
        except OSError as e:
            raise CheckpointError(f"checkpoint {self.path(i)}: cannot write "
                                  f"({e.strerror or e})") from e

    def _write_bytes(self, path: Path, data: bytes) -> None:
        """Write ``path`` atomically: a temporary file in the same directory, flushed to disk,
        then renamed over it."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def claim_checkpoint(directory, job_key: str | Mapping) -> Path:
    """Make ``directory`` the checkpoint of the job ``job_key`` (its manifest, no chunks), or
    check that it already is: a job made of several maps keeps each map's chunks in a
    subdirectory, and this refuses, before any work, a directory left by another job."""
    ck = _Checkpoint(directory, job_key, [])
    ck.close()
    return ck.dir


# --- schedulers ---------------------------------------------------------------------------------
_CLIENTS: dict[tuple, Any] = {}


def _client(scheduler: str, workers: int | None):
    """A dask.distributed Client for ``scheduler`` ("local" or an address), kept for reuse."""
    key = (scheduler, workers if scheduler == "local" else None)
    c = _CLIENTS.get(key)
    if c is not None and c.status == "running":
        return c
    try:
        from distributed import Client
    except ImportError as e:     # pragma: no cover - a dependency of the package
        raise ExecutorError("scheduler: dask.distributed is not installed "
                            "(pip install 'dask[distributed]')") from e
    if scheduler == "local":
        c = Client(local_cluster(workers))
    else:
        try:
            c = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as e:
            raise ExecutorError(f"scheduler {scheduler!r}: cannot connect ({e}); give 'local' "
                                "or the address of a running dask scheduler "
                                "(e.g. tcp://host:8786)") from e
    _CLIENTS[key] = c
    return c


def local_cluster(workers: int | None = None):
    """A ``LocalCluster`` of ``workers`` processes (default ``os.cpu_count()``), one thread
    each, listening on the loopback only.

    Its workers keep glibc's own memory trimming: Dask's nannies set
    ``MALLOC_TRIM_THRESHOLD_=65536`` by default, and setting it at all turns off glibc's
    dynamic mmap threshold, so every large numpy temporary of the engine is mapped and unmapped
    anew; measured here, 8 chunks of 2,500 runs took 5.0-5.2 CPU-s in-process, 6.5-7.7 in
    default workers, 5.1-5.9 in these (docs/benchmarks.md)."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                            processes=True, dashboard_address="127.0.0.1:0")


def close_clusters() -> None:
    """Close the clients (and the local clusters) this process started."""
    while _CLIENTS:
        _, c = _CLIENTS.popitem()
        cluster = getattr(c, "cluster", None)
        with contextlib.suppress(Exception):
            c.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


atexit.register(close_clusters)


def default_scheduler(scheduler: str | None, workers: int | None) -> str | None:
    """The scheduler a command line uses (``--scheduler``, ``--workers``): the one given, else a
    local cluster when more than one worker is asked for, else none (serial, in-process). The
    Python functions take ``scheduler`` as given: ``workers`` alone never starts a cluster."""
    return scheduler or ("local" if (workers or 1) > 1 else None)


def _call(func, chunk):
    return func(chunk)



# --- progress -----------------------------------------------------------------------------------
@contextlib.contextmanager
def progress_bar(description: str, console=None, *, unit: str = "chunks",
                 per_chunk: int | None = None, units: int | None = None):
    """A rich progress bar (transient; on standard error unless ``console`` is given) as a
    ``progress(done, total)`` callable, redrawn at each call. It counts chunks, or with
    ``per_chunk`` and ``units`` (e.g. runs per chunk, runs in all) done chunks × ``per_chunk``,
    at most ``units``: exact when the chunks finish in order (serially), else within a chunk."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = console if console is not None else Console(stderr=True)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  TextColumn("{task.completed:,.0f}/{task.total:,.0f} " + unit),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description, total=units)

        def update(done: int, total: int) -> None:
            if per_chunk is None:
                bar.update(task, completed=done, total=total)
            else:
                bar.update(task, completed=min(done * per_chunk, units), total=units)
            bar.refresh()

        yield update


# --- the map ------------------------------------------------------------------------------------
def map_chunks(func: Callable, chunks: Sequence, *, scheduler: str | None = None,
               workers: int | None = None, checkpoint: str | os.PathLike | None = None,
               job_key: str | Mapping | None = None, progress=None,
               consume: Callable | None = None) -> list | None:
    """``[func(c) for c in chunks]``, run serially (``scheduler=None``), on a local Dask cluster
    (``"local"``: ``workers`` processes, default ``os.cpu_count()``, one thread each) or on the
    Dask scheduler at the address given; results in chunk order, identical on every scheduler.

    ``func``: a picklable top-level callable (``functools.partial`` is fine) returning a dict of
    numpy arrays or one array; ``chunks``: picklable specs, each carrying its own seed and run
    offsets. ``checkpoint``: a directory where each finished chunk is stored, resumed from on a
    rerun (``job_key`` then required: a hash of what defines the job, see :func:`job_hash`, or a
    JSON-ready mapping describing it, hashed and named in a mismatch). ``progress``: None/False,
    True (a rich bar) or a callable ``progress(done, total)`` (chunks, resumed ones included).
    ``consume``: ``consume(i, result)`` for each chunk in chunk order, nothing kept (returns
    None); see "Streaming" above."""
    chunks = list(chunks)
    n = len(chunks)
    if workers is not None and workers < 1:
        raise ExecutorError(f"workers: must be at least 1, got {workers}")
    if progress is True:
        with progress_bar(f"{n} chunks") as bar:
            return map_chunks(func, chunks, scheduler=scheduler, workers=workers,
                              checkpoint=checkpoint, job_key=job_key, progress=bar,
                              consume=consume)
    ck = _Checkpoint(checkpoint, job_key, chunks) if checkpoint is not None else None
    try:
        return _map(func, chunks, scheduler, workers, ck, progress, consume)
    finally:
        if ck is not None:
            ck.close()


def _map(func, chunks, scheduler, workers, ck, progress, consume) -> list | None:
    report = progress if callable(progress) else (lambda done, total: None)
    n = len(chunks)
    results: list = [None] * n        # all results, or (consume) those waiting for their turn
    stored = set(ck.finished(n)) if ck is not None else set()
    todo = [i for i in range(n) if i not in stored]
    done = len(stored)
    report(done, n)
    turn = 0                          # the next chunk to hand over, in chunk order

    def hand_over():
        nonlocal turn
        while turn < n and (turn in stored or results[turn] is not None):
            r = ck.load(turn) if results[turn] is None else results[turn]
            if consume is None:
                results[turn] = r
            else:
                results[turn] = None
                consume(turn, r)
            turn += 1

    def finish(i, r):
        nonlocal done
        r = _normal(r, i)
        if ck is not None:
            ck.save(i, r)
        results[i] = r
        done += 1
        report(done, n)
        hand_over()

    hand_over()                       # chunks before the first to compute, from the checkpoint
    if scheduler is None or not todo:
        for i in todo:
            finish(i, func(chunks[i]))
    else:
        client = _client(scheduler, workers)
        window = None if consume is None else 2 * max(1, len(client.nthreads()))
        _map_dask(client, func, chunks, todo, finish, window)
    hand_over()
    return results if consume is None else None


def _map_dask(client, func, chunks, todo: list[int], finish, window: int | None = None
              ) -> None:
    """Submit the chunks ``todo`` in order (at most ``window`` in flight; None: all at once),
    collect each result as it arrives and release it on the cluster (a result no longer held is
    never recomputed when a worker dies). ``func`` is sent once to every worker (scattered), not
    with each chunk."""
    from distributed import KilledWorker, as_completed

    prefix = f"polemos-chunk-{uuid.uuid4().hex[:12]}"
    [ffunc] = client.scatter([func], broadcast=True, hash=False)
    queue = list(reversed(todo))
    pending = {}

    def submit():
        i = queue.pop()
        fut = client.submit(_call, ffunc, chunks[i], key=f"{prefix}-{i}", pure=False)
        pending[fut] = i
        return fut

    first = [submit() for _ in range(min(len(queue), window or len(queue)))]
    try:
        running = as_completed(first)
        for fut in running:
            i = pending.pop(fut)
            try:
                r = fut.result()
            except KilledWorker as e:
                raise ExecutorError(f"chunk {i}: the worker running it died again and again "
                                    f"({e}); out of memory? The chunks finished so far are "
                                    "kept if a checkpoint was given") from e
            fut.release()
            if queue:
                running.add(submit())
            finish(i, r)
    finally:
        if pending:
            client.cancel(list(pending))
        ffunc.release()
