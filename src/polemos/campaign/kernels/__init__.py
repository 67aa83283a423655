"""Compiled kernels of the daily steps: an optional accelerator of the numpy engine.

The numpy components (:mod:`polemos.campaign.components`) are the reference: complete, read
first, tested for each mechanism's direction. A component may also have a kernel here, one
module per component, that computes the same step in one pass over its (sectors, runs) arrays
with `numba <https://numba.pydata.org>`_ (loops compiled to machine code: no temporary array
per operation). The kernels take the state's arrays as they are and change them in place; the
random numbers are drawn by the component from its named streams, as in numpy, so both
engines see the same draws.

Which engine runs (``Simulation(engine=…)``, ``Ensemble.engine``, ``polemos run --engine``):
``numpy``, ``numba``, or ``auto`` (numba when it is installed: ``pip install 'polemos[fast]'``,
which ``make`` does). The environment variable ``POLEMOS_ENGINE`` sets the default of
``auto``. The two engines agree to float32 rounding on each step from the same state (tested
per component, ``tests/campaign/test_engines.py``); over a whole run such differences can
flip a threshold, so runs agree within Monte Carlo error, not bit for bit. Each engine gives
identical results for the same seed whatever the chunk size or worker count (each run's
numbers are its own: the kernels sum over sectors in a fixed order). The provenance of every
result names the engine.

Kernels are compiled once per machine and cached on disk (``cache=True``: next to this
package, or under ``NUMBA_CACHE_DIR``); a process then loads them in ~0.3–0.5 s, the first
time a simulation steps (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os

ENGINES = ("numpy", "numba")
AUTO = "auto"
ENV = "POLEMOS_ENGINE"


def numba_available() -> bool:
    """Whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def resolve_engine(engine: str | None = None) -> str:
    """``numpy`` or ``numba``: ``engine`` as asked, ``auto`` (or None: ``$POLEMOS_ENGINE``, else
    ``auto``) picking numba when it is installed."""
    asked = engine or os.environ.get(ENV) or AUTO
    if asked == AUTO:
        return "numba" if numba_available() else "numpy"
    if asked not in ENGINES:
        raise ValueError(f"engine {asked!r}: expected one of {', '.join((AUTO,) + ENGINES)}"
                         + (f" (from ${ENV})" if not engine else ""))
    if asked == "numba" and not numba_available():
        raise ValueError("engine 'numba' needs numba, which is not installed: "
                         "pip install 'polemos[fast]' (or use --engine numpy)")
    return asked


def engine_label(engine: str) -> str:
    """The engine with its version, for provenance: ``numpy 2.4.6`` or ``numba 0.68.1``."""
    from importlib.metadata import version

    return f"{engine} {version(engine)}"


def kernel_module(component: str):
    """This package's module of ``component`` (imports numba: call only for engine numba)."""
    return importlib.import_module(f"{__name__}.{component}")
