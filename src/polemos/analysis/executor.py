"""Map a function over chunks of work: ``map_chunks(func, chunks, ...) -> list``.

A minimal **serial** stand-in with the interface the heavy analyses (sensitivity, calibration)
call: the Dask version (``LocalCluster`` or a scheduler address, checkpoint and resume) is
being written separately and replaces this module; callers need not change.

    results = map_chunks(func, chunks, workers=2, checkpoint=Path("ckpt"), job_key="...",
                         progress=lambda k: bar.advance(task, k))

Here the chunks are evaluated one after the other in this process; ``scheduler``, ``workers``,
``checkpoint`` and ``job_key`` are accepted and ignored. ``func`` must make each chunk's result
a function of the chunk alone (the caller's contract, which makes results independent of how
the work is spread).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def map_chunks(func: Callable[[Any], Any], chunks: Iterable[Any], *, scheduler: str | None = None,
               workers: int | None = None, checkpoint: str | Path | None = None,
               job_key: str | None = None,
               progress: Callable[[int], None] | None = None) -> list:
    """``[func(c) for c in chunks]``, in the chunks' order; ``progress(1)`` after each chunk."""
    out = []
    for c in chunks:
        out.append(func(c))
        if progress is not None:
            progress(1)
    return out
