"""The engine: runs all runs of a chunk at once, one day at a time, through the components.

    sim = Simulation(scenario, run_ids=np.arange(1000), seed=1)
    sim.run()                     # arrays in sim.state and sim.record

:func:`run_ensemble` splits an ensemble into chunks, runs them with
:func:`polemos.analysis.executor.map_chunks` (serially, or on a Dask cluster) and joins the
compact arrays (:func:`stream_ensemble` writes each chunk to files as it finishes instead);
results are identical whatever the chunk size, scheduler or worker count, because every random
number is keyed by (seed, stream, day, global run index).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from polemos.campaign import DEFAULT_MAX_DAYS, DEFAULT_MODE, DEFAULT_RUNS, DEFAULT_SEED
from polemos.campaign.components import default_components
from polemos.campaign.kernels import resolve_engine
from polemos.campaign.params import build_params
from polemos.campaign.state import new_record, new_state, run_major
from polemos.campaign.theatre import compile_theatre
from polemos.rng import Streams

# runs stepped together: small enough that a day's (sectors, runs) float32 arrays stay in the
# CPU's cache (2,500 runs: ~20% faster than 10,000 on the benchmark machine); results do not
# depend on it
DEFAULT_CHUNK = 2500
COMPACT_BELOW = 0.5      # drop ended runs from the arrays when fewer than this share are alive
COMPACT_MIN_RUNS = 256   # ... and more than this many rows are being stepped


def components_in_order() -> list:
    """The default components, in their step order."""
    return default_components()


def step_order(components=None) -> list[tuple[str, str]]:
    """(name, one-line description) of each component in the order it steps."""
    return [(c.name, c.describe()) for c in (components or components_in_order())]


class Simulation:
    """One chunk of runs of a scenario (global run indices ``run_ids``). In ``posterior`` mode
    without ``posterior`` draws, the scenario's shipped posterior is read, as
    :func:`run_ensemble` does (none shipped: the priors)."""

    def __init__(self, scenario, run_ids, seed: int = DEFAULT_SEED, mode: str = "point",
                 posterior: dict | None = None, fixed: dict | None = None,
                 max_days: int = DEFAULT_MAX_DAYS, components=None, theatre=None,
                 settlement_rule: Callable | None = None, exogenous_endings: bool = True,
                 engine: str | None = None):
        self.scenario = scenario
        #: "numpy" or "numba" (:func:`polemos.campaign.kernels.resolve_engine`)
        self.engine = resolve_engine(engine)
        self.theatre = theatre if theatre is not None else compile_theatre(scenario)
        self.run_ids = np.asarray(run_ids)
        self.streams = Streams(seed, self.run_ids)
        if posterior is None and mode == "posterior":
            from polemos.analysis.posterior import load_posterior

            posterior = load_posterior(scenario)
        self.params = build_params(scenario, self.streams, mode, posterior, fixed)
        self.max_days = int(max_days)
        self.components = components if components is not None else components_in_order()
        self.settlement_rule = settlement_rule
        self.exogenous_endings = exogenous_endings
        self.bound = self.theatre.bind(self.params, len(self.run_ids))
        self.state = new_state(self.theatre, len(self.run_ids), self.bound)
        self.record = new_record(self.theatre, len(self.run_ids), self.max_days)
        self.record_rows = None   # rows of the record being stepped (None: all of them)
        self.days_run = 0

    def record_day(self, name: str, day: int, values: np.ndarray) -> None:
        """Write day ``day``'s ``values`` (runs being stepped, width) of the record's series
        ``name``. The record keeps every run of the chunk: once ended runs are dropped from
        the stepped arrays, the values go to the rows of the runs still stepped."""
        series = getattr(self.record, name)
        if self.record_rows is None:
            series[:, day - 1, :] = values
        else:
            series[self.record_rows, day - 1, :] = values

    def run(self, compact: bool = True) -> Simulation:
        """Step all runs day by day until every run has ended. With ``compact``, runs that have
        ended are dropped from the arrays once most have (their results are kept): every
        random number is keyed by the global run index, so this changes no result (tested)."""
        for c in self.components:
            c.init(self)
        full_state = self.state
        rows = np.arange(len(self.run_ids))          # rows of the full arrays being stepped
        for day in range(1, self.max_days + 1):
            for c in self.components:
                c.step(self, day)
            self.days_run = day
            alive = self.state.alive
            if not alive.any():
                break
            if (compact and len(rows) > COMPACT_MIN_RUNS
                    and alive.mean() < COMPACT_BELOW):
                self._write_back(full_state, rows)
                self._take(np.flatnonzero(alive), len(rows))
                rows = rows[alive]
                self.record_rows = rows
        if len(rows) < len(self.run_ids):
            self._write_back(full_state, rows)
            self.state = full_state
            self.record_rows = None
            self.streams = Streams(self.streams.seed, self.run_ids)
            self.params = self._full_params
            self.bound = self._full_bound
        for k, v in vars(self.record).items():          # run-major from here on
            setattr(self.record, k, run_major(v, self.days_run))
        for c in self.components:
            c.finalize(self)
        self._freeze_after_end()
        return self

    def _write_back(self, full, rows) -> None:
        """Copy the stepped rows of the state into the full-size state (the record is written
        in place, :meth:`record_day`). Which axis holds the runs is read off the full-size
        array (more than ``COMPACT_MIN_RUNS`` runs: no other axis is that long), not off the
        stepped one, whose few rows may number as many as the sides, causes or sectors."""
        n, N = len(rows), len(self.run_ids)
        if full is self.state:
            return
        for k, v in vars(self.state).items():
            if not (isinstance(v, np.ndarray) and v.ndim):
                continue
            target = getattr(full, k, None)
            if isinstance(target, np.ndarray) and target.ndim == v.ndim:
                if (_runs_last(target, N) and v.shape[-1] == n
                        and target.shape[:-1] == v.shape[:-1]):   # sector-major
                    target[..., rows] = v
                    continue
                if target.shape[0] == N and v.shape[0] == n and target.shape[1:] == v.shape[1:]:
                    target[rows] = v
                    continue
            # an array a component created (or reshaped) after the start
            if _runs_last(v, n):
                new = np.zeros(v.shape[:-1] + (N,), dtype=v.dtype)
                new[..., rows] = v
                setattr(full, k, new)
            elif v.shape[0] == n:
                new = np.zeros((N,) + v.shape[1:], dtype=v.dtype)
                new[rows] = v
                setattr(full, k, new)

    def _take(self, keep: np.ndarray, n: int) -> None:
        """Keep rows ``keep`` of every per-run array (state, parameters, bound inputs,
        component caches, random streams)."""
        from copy import copy

        if not hasattr(self, "_full_params"):
            self._full_params, self._full_bound = self.params, self.bound

        def cut(v):
            if _runs_last(v, n):    # row-major again (indexing the last axis reorders memory)
                return np.ascontiguousarray(v[..., keep])
            if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == n:
                return v[keep]
            if hasattr(v, "take") and getattr(v, "runs", None) == n:
                return v.take(keep)
            return v

        state = copy(self.state)
        for k, v in vars(state).items():
            setattr(state, k, cut(v))
        state.n = len(keep)
        self.state = state
        self.params = type(self.params)({k: cut(v) for k, v in self.params.values.items()})
        self.bound = {k: cut(v) for k, v in self.bound.items()}
        for c in self.components:
            for k, v in list(vars(c).items()):
                setattr(c, k, cut(v))
        self.streams = Streams(self.streams.seed, self.streams.run_ids[keep])

    def _freeze_after_end(self) -> None:
        """After a run ends its control map stays as it was on its last day. (No run was
        stepped after ``days_run``: those days are after every run's end, copied without a
        mask; its lift there is still 0.)"""
        rec, st = self.record, self.state
        stepped = self.days_run
        days = np.arange(1, stepped + 1)[None, :]
        last = np.clip(st.end_day, 1, self.max_days) - 1
        final = rec.ctrl[np.arange(st.n), last]                       # (n, S)
        after = (days > st.end_day[:, None])[:, :, None]
        if after.any():
            np.copyto(rec.ctrl[:, :stepped], final[:, None, :], where=after)
            np.copyto(rec.lift[:, :stepped], 0, where=after)
        if stepped < self.max_days and st.n:
            rec.ctrl[:, stepped:] = final[:, None, :]


def _runs_last(v, n: int) -> bool:
    """A sector-major array: (…, runs) with another first axis (see ``State``)."""
    return isinstance(v, np.ndarray) and v.ndim > 1 and v.shape[-1] == n and v.shape[0] != n


@dataclass
class Ensemble:
    """What to run: how many runs, the seed, where parameters come from, chunking, and where the
    chunks run."""

    runs: int = DEFAULT_RUNS
    seed: int = DEFAULT_SEED
    mode: str = DEFAULT_MODE
    chunk_size: int = DEFAULT_CHUNK
    #: worker processes of the local Dask cluster (``scheduler="local"``; default: one per CPU)
    workers: int | None = None
    max_days: int = DEFAULT_MAX_DAYS
    #: name -> (runs,) values: parameters fixed per run (row), e.g. a calibration's particles
    fixed: dict = field(default_factory=dict)
    #: False: no outside power's red line and no settlement at talks end a war (counterfactuals
    #: "without exogenous endings": each war runs to its military end)
    exogenous_endings: bool = True
    #: the global run index of each row, which keys its random numbers (default 0..runs-1);
    #: e.g. an offset for fresh noise, or repeated indices for common random numbers
    run_ids: np.ndarray | None = None
    #: None (in this process), "local" (a local Dask cluster) or a Dask scheduler's address
    #: (see :func:`polemos.analysis.executor.map_chunks`)
    scheduler: str | None = None
    #: "numpy", "numba" or "auto"/None (numba when installed; see :mod:`polemos.campaign.kernels`)
    engine: str | None = None


def chunk_specs(ens: Ensemble) -> list[dict]:
    """The ensemble's chunks of at most ``ens.chunk_size`` rows, in row order: each carries the
    global run indices of its rows and its rows of ``ens.fixed``, all its result depends on."""
    ids = np.arange(ens.runs) if ens.run_ids is None else np.asarray(ens.run_ids)
    if len(ids) != ens.runs:
        raise ValueError(f"Ensemble.run_ids: {len(ids)} indices for {ens.runs} runs")
    fixed = {k: np.asarray(v) for k, v in ens.fixed.items()}
    for k, v in fixed.items():
        if len(v) != ens.runs:
            raise ValueError(f"Ensemble.fixed[{k!r}]: {len(v)} values for {ens.runs} runs")
    return [{"run_ids": ids[a:a + ens.chunk_size],
             "fixed": {k: v[a:a + ens.chunk_size] for k, v in fixed.items()}}
            for a in range(0, ens.runs, ens.chunk_size)]


def run_chunk(scenario, ens: Ensemble, posterior, theatre, reduce, chunk: dict):
    """Run one chunk (see :func:`chunk_specs`): its compact arrays, or ``reduce`` of its
    :class:`~polemos.results.CampaignResults` (e.g. summary statistics: only those travel)."""
    from polemos.results import CampaignResults, compact

    sim = Simulation(scenario, chunk["run_ids"], ens.seed, ens.mode, posterior, chunk["fixed"],
                     ens.max_days, theatre=theatre, exogenous_endings=ens.exogenous_endings,
                     engine=ens.engine)
    arrays = compact(sim.run())
    return arrays if reduce is None else reduce(CampaignResults(arrays, theatre, scenario, ens))


def posterior_draws(scenario, ens: Ensemble, posterior: dict | None = None) -> dict | None:
    """The posterior draws the runs use: those given, else the scenario's (posterior mode)."""
    if posterior is None and ens.mode == "posterior":
        from polemos.analysis.posterior import load_posterior

        return load_posterior(scenario)
    return posterior


def map_ensemble(scenario, ens: Ensemble, posterior: dict | None = None, reduce=None, *,
                 theatre=None, progress=None, checkpoint=None, job_key=None,
                 consume=None) -> list | None:
    """Run the ensemble's chunks with :func:`polemos.analysis.executor.map_chunks` (serially,
    or on Dask: ``ens.scheduler``, ``ens.workers``; with an optional checkpoint) and return each
    chunk's result in row order: compact arrays, or ``reduce(chunk results)``; with
    ``consume``, hand each to ``consume(i, result)`` in row order instead (none kept)."""
    from functools import partial

    from polemos.analysis.executor import map_chunks

    posterior = posterior_draws(scenario, ens, posterior)
    theatre = theatre if theatre is not None else compile_theatre(scenario)
    chunks = chunk_specs(ens)
    # the chunks carry their rows; the engine is resolved here, once, not in each worker
    lean = replace(ens, fixed={}, run_ids=None, engine=resolve_engine(ens.engine))
    return map_chunks(partial(run_chunk, scenario, lean, posterior, theatre, reduce), chunks,
                      scheduler=ens.scheduler, workers=ens.workers, checkpoint=checkpoint,
                      job_key=job_key, progress=progress, consume=consume)


def run_ensemble(scenario, ens: Ensemble, posterior: dict | None = None, progress=None,
                 checkpoint=None, job_key=None):
    """Run ``ens.runs`` runs in chunks (:func:`map_ensemble`) and return
    :class:`polemos.results.CampaignResults`, rows in the ensemble's order."""
    from polemos.results import CampaignResults, join

    theatre = compile_theatre(scenario)
    posterior = posterior_draws(scenario, ens, posterior)
    parts = map_ensemble(scenario, ens, posterior, theatre=theatre, progress=progress,
                         checkpoint=checkpoint, job_key=job_key)
    return CampaignResults(join(parts), theatre, scenario, ens, posterior)


def stream_ensemble(scenario, ens: Ensemble, folder, posterior: dict | None = None,
                    progress=None, checkpoint=None, job_key=None, room=None):
    """Run ``ens.runs`` runs in chunks (:func:`map_ensemble`), writing each chunk's results to
    ``folder`` as it finishes (:class:`polemos.results.ResultsStore`: ``campaign.nc``,
    ``runs.parquet``, ``provenance.json``, the same values as :func:`run_ensemble` then
    ``save``); memory is bounded by the chunk size, whatever ``ens.runs``. Returns
    :class:`polemos.results.StoredResults` (the summary and plots read the files back)."""
    from polemos.results import ResultsStore

    theatre = compile_theatre(scenario)
    posterior = posterior_draws(scenario, ens, posterior)
    store = ResultsStore(folder, theatre, scenario, ens, posterior, room=room)
    try:
        map_ensemble(scenario, ens, posterior, theatre=theatre, progress=progress,
                     checkpoint=checkpoint, job_key=job_key,
                     consume=lambda i, arrays: store.add(arrays))
    except BaseException:
        store.abort()
        raise
    return store.close()
