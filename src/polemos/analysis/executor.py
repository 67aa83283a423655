"""Map a function over chunks of work: ``map_chunks(func, chunks, ...) -> list``.

A minimal **serial** stand-in with the interface the heavy analyses (sensitivity, calibration)
call: the Dask version (``scheduler="local"`` for a LocalCluster of ``workers`` processes, or a
scheduler's address; checkpoint and resume) is being written separately and replaces this
module; callers need not change.

    parts = map_chunks(func, chunks, scheduler="local", workers=2, checkpoint="ckpt/",
                       job_key="...", progress=lambda done, total: ...)

``func(chunk)`` returns a dict of numpy arrays or one array and depends on the chunk alone (each
chunk carries its own seeds and run indices), so the list returned, in chunk order, does not
depend on where the chunks run. Here they run one after the other in this process;
``scheduler``, ``workers``, ``checkpoint`` and ``job_key`` are accepted and ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence


class ExecutorError(Exception):
    """A job that cannot run as asked (bad scheduler, unusable checkpoint, bad chunk result)."""


def map_chunks(func: Callable, chunks: Sequence, *, scheduler: str | None = None,
               workers: int | None = None, checkpoint: str | os.PathLike | None = None,
               job_key: str | Mapping | None = None, progress=None) -> list:
    """``[func(c) for c in chunks]``, in the chunks' order; ``progress``, if callable, is called
    as ``progress(done, total)`` (chunks) before the first chunk and after each."""
    chunks = list(chunks)
    report = progress if callable(progress) else (lambda done, total: None)
    report(0, len(chunks))
    out = []
    for c in chunks:
        out.append(func(c))
        report(len(out), len(chunks))
    return out
