"""Campaign results: compact arrays from the engine, a per-run table, an xarray Dataset,
medians with 10–90% bands, NetCDF and Parquet output.

Labelled containers are built here, at the edge; the engine itself only touches numpy arrays.

Two ways to hold an ensemble's results, with the same interface for the summary and plots
(:mod:`polemos.campaign.report`: ``n``, ``scenario``, ``theatre``, ``provenance()``,
``table()``, ``sector_fall_days(j)``, ``day_blocks(name, days)``):

- :class:`CampaignResults`: every chunk's arrays joined in memory (the Python API,
  ``compare``, the calibration);
- :class:`ResultsStore` → :class:`StoredResults`: ``polemos run`` writes each finished chunk
  to ``campaign.nc`` and ``runs.parquet`` as it comes back and keeps only small per-sector
  counts, then reads the files back a column, or a block of days, at a time: memory is bounded
  by the chunk size, not by the number of runs. The files hold the same values as
  :meth:`CampaignResults.save` writes for the same runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from polemos.campaign.sectors import AIRSPACE, BREAK_CAUSES, CAUSES
from polemos.campaign.state import ACCEPTED, END_CAUSES, INTERVENTION
from polemos.campaign.theatre import EQUIPMENT

SIDE_LABELS = ("attacker", "defender")


def compact(sim) -> dict[str, np.ndarray]:
    """The arrays kept from a finished chunk (no Python objects)."""
    st, rec = sim.state, sim.record
    return {
        "run": sim.run_ids.astype(np.int64),
        "end_day": st.end_day.copy(), "end_cause": st.end_cause.copy(),
        "objective_day": st.objective_day.copy(), "sector_day": st.sector_day.copy(),
        "sector_break_day": st.sector_break_day.copy(),
        "sector_break_by": st.sector_break_by.copy(),
        "ctrl_final": st.ctrl.astype(np.float32),
        "killed": st.killed.astype(np.float32), "wounded": st.wounded.astype(np.float32),
        "missing": st.missing.astype(np.float32), "strength0": st.strength0.astype(np.float32),
        "pers_final": st.pers.astype(np.float32),
        "equip_lost": st.equip_lost.astype(np.float32), "ad_lost": st.ad_lost.astype(np.float32),
        "drones_lost": st.drones_lost.astype(np.float32),
        "daily_killed": rec.killed, "daily_ctrl": rec.ctrl, "daily_lift": rec.lift,
        "daily_cause": rec.cause, "daily_equip": rec.equip, "daily_ad": rec.ad,
        # by cause, run-major: (n, cause, side), (n, cause, side, E), (n, cause, A)
        "cas_cause": np.moveaxis(st.cas_total, -1, 0).astype(np.float32),
        "equip_cause": np.moveaxis(st.loss_e, -1, 0).astype(np.float32),
        "ad_cause": np.moveaxis(st.loss_ad, -1, 0).astype(np.float32),
        "ad0": sim.bound["ad_count"].astype(np.float32),
        "airspace_days": st.airspace_days.T.astype(np.float32),   # (n, 3)
        "terms_attacker_share": getattr(st, "terms_attacker_share",
                                        np.full(st.n, np.nan)).astype(np.float32),
    }


def break_counts(by: np.ndarray) -> np.ndarray:
    """(sectors, 1 + len(BREAK_CAUSES)): of the (runs, sectors) codes ``by`` (0: did not
    break; c: broke by ``BREAK_CAUSES[c - 1]``), the runs of each code per sector."""
    return np.stack([(by == c).sum(axis=0) for c in range(1 + len(BREAK_CAUSES))], axis=1)


def join(parts: list[dict]) -> dict[str, np.ndarray]:
    """Concatenate chunks along runs, in the order given (the ensemble's rows: map_chunks
    returns chunks in order, whatever order they finished in)."""
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


#: runs at a time in :meth:`CampaignResults.defender_area_by_day` (its float64 product by
#: sector is AREA_BLOCK x days x sectors: 5 MB for 256 runs of karabakh_2020 at 120 days)
AREA_BLOCK = 256

#: the files of a run's results: NetCDF (daily arrays), Parquet (one row per run), provenance
FILES = ("campaign.nc", "runs.parquet", "provenance.json")

#: runs per NetCDF chunk: a reader of a few runs (one war's story) decompresses only theirs
NC_RUN_CHUNK = 500


def netcdf_encoding(ds, runs: int | None = None) -> dict:
    """zlib (level 4, byte shuffle) on every variable, chunked by run (:data:`NC_RUN_CHUNK`
    runs, whole along the other dimensions): daily arrays are mostly repeats after a war ends
    and compress several-fold. ``runs``: the runs the file will hold (default: ``ds``'s)."""
    enc = {}
    for name, var in ds.data_vars.items():
        if not var.dims:
            continue
        chunks = tuple(min(NC_RUN_CHUNK, runs or n) if d == "run" else n
                       for d, n in var.sizes.items())
        enc[name] = {"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": chunks}
    return enc


def ensemble_provenance(scenario, ensemble, posterior, runs: int) -> dict:
    """The provenance of ``runs`` runs of ``ensemble`` (:func:`polemos.provenance.provenance`);
    empty without a scenario and an ensemble."""
    if scenario is None or ensemble is None:
        return {}
    from polemos.campaign.kernels import engine_label, resolve_engine
    from polemos.provenance import provenance

    return provenance(scenario, seed=ensemble.seed, runs=runs, mode=ensemble.mode,
                      posterior=posterior, max_days=ensemble.max_days,
                      engine=engine_label(resolve_engine(ensemble.engine)))


def band(x, axis=0, overwrite_input: bool = False
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(median, 10th, 90th percentile) along ``axis``, NaN ignored (``overwrite_input``: ``x``
    may be reordered in place instead of copied)."""
    x = np.asarray(x, dtype=float)
    if np.isnan(x).all():                       # e.g. an objective that fell in no run
        nan = np.full(np.delete(x.shape, axis), np.nan) if x.ndim > 1 else np.nan
        return nan, nan, nan
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN columns: NaN bands
            q = np.nanpercentile(x, [50, 10, 90], axis=axis, overwrite_input=overwrite_input)
    return q[0], q[1], q[2]


class CampaignResults:
    """Results of an ensemble: ``arrays`` (run-major numpy), ``table()``, ``dataset()``."""

    def __init__(self, arrays, theatre, scenario=None, ensemble=None, posterior=None,
                 provenance: dict | None = None):
        self.arrays = arrays
        self.theatre = theatre
        self.scenario = scenario
        self.ensemble = ensemble
        self._posterior = posterior          # the draws the runs used (posterior mode)
        self._provenance = provenance        # given: a chunk of a larger ensemble's
        self._area_by_day = None

    def provenance(self) -> dict:
        """Where these results come from (:mod:`polemos.provenance`): version, scenario and its
        hash, overrides, seed, mode, where the parameters came from, runs; empty without a
        scenario and an ensemble."""
        if self._provenance is None:
            self._provenance = ensemble_provenance(self.scenario, self.ensemble,
                                                   self._posterior, self.n)
        return self._provenance

    @property
    def n(self) -> int:
        return len(self.arrays["run"])

    def sector_fall_days(self, j: int) -> np.ndarray:
        """(runs,) day sector ``j`` fell (-1: it did not), in run order."""
        return self.arrays["sector_day"][:, j]

    def sector_break_counts(self) -> np.ndarray:
        """(sectors, 1 + len(BREAK_CAUSES)) runs in which each sector's defence did not break
        (column 0) or first broke by each cause of :data:`BREAK_CAUSES` (columns 1…)."""
        return break_counts(self.arrays["sector_break_by"])

    def day_blocks(self, name: str, days: int):
        """The daily variable ``name`` of :meth:`dataset` (``defender_area_km2`` or
        ``daily_killed``) over its first ``days`` days, as ``(first day index, (runs, days,
        ...) array)`` blocks: here one block."""
        if name == "defender_area_km2":
            yield 0, self.defender_area_by_day()[:, :days]
        elif name == "daily_killed":
            yield 0, self.arrays["daily_killed"][:, :days]
        else:
            raise KeyError(name)

    # --- derived per-run quantities ---------------------------------------------------------
    def area_taken_share(self, day: int | None = None) -> np.ndarray:
        """Share of the defender's pre-war area (outside its rear) the attacker took, at the end
        or by ``day`` (the line of the war's last day if it ended before)."""
        th = self.theatre
        if day is not None:              # after the horizon: the line on its last day
            by_day = self.defender_area_by_day()
            return 1 - by_day[:, min(day, by_day.shape[1]) - 1] / th.defender_area0
        return (self.arrays["ctrl_final"] * th.area_km2 * th.contestable).sum(1) / th.defender_area0

    def handed_over_share(self) -> np.ndarray:
        """Share handed over under the terms: districts (outside the former autonomous region)
        the defender still held, when the war ended by its defeat or an imposed ceasefire."""
        th = self.theatre
        district = np.array([r == "district" for r in th.region]) & th.contestable
        held = ((1 - self.arrays["ctrl_final"]) * th.area_km2 * district).sum(1)
        lost_war = np.isin(self.arrays["end_cause"], (ACCEPTED, INTERVENTION))
        return np.where(lost_war, held / th.defender_area0, 0.0)

    def defender_area_by_day(self) -> np.ndarray:
        """(runs, days) area the defender holds outside its rear, km² (read-only; computed
        once, :data:`AREA_BLOCK` runs at a time: the (runs, days, sectors) product it sums is
        never whole)."""
        if self._area_by_day is None:
            th = self.theatre
            weight = th.area_km2 * th.contestable
            daily = self.arrays["daily_ctrl"]
            out = np.empty(daily.shape[:2])
            for a in range(0, len(daily), AREA_BLOCK):
                ctrl = daily[a:a + AREA_BLOCK].astype(np.float32) / 100.0
                out[a:a + AREA_BLOCK] = th.defender_area0 - (ctrl * weight).sum(-1)
            out.flags.writeable = False
            self._area_by_day = out
        return self._area_by_day

    def objective_day(self, oid: str) -> np.ndarray:
        """Day the objective fell (NaN if it did not)."""
        d = self.arrays["objective_day"][:, self.theatre.objective_ids.index(oid)].astype(float)
        return np.where(d < 0, np.nan, d)

    def lift_ratio(self) -> np.ndarray:
        """Per run, the attacker's over the defender's daily troop lift, averaged over the war."""
        lift = self.arrays["daily_lift"].astype(float)
        days = np.arange(lift.shape[1])[None, :] < self.arrays["end_day"][:, None]
        a = (lift[:, :, 0] * days).sum(1)
        d = (lift[:, :, 1] * days).sum(1)
        return np.divide(a, d, out=np.full_like(a, np.inf), where=d > 0)

    def table(self):
        """One row per run (pandas DataFrame)."""
        import pandas as pd

        a, th = self.arrays, self.theatre
        cols = {
            "run": a["run"], "duration_days": a["end_day"],
            "end_cause": [END_CAUSES[c] for c in a["end_cause"]],
            "area_taken_share": self.area_taken_share(),
            "area_taken_share_day_30": self.area_taken_share(day=30),
            "handed_over_share": self.handed_over_share(),
            "lift_ratio": self.lift_ratio(),
            "settlement_attacker_share": a["terms_attacker_share"],
        }
        for oid in th.objective_ids:
            cols[f"{oid}_fall_day"] = self.objective_day(oid)
        for i, side in enumerate(th.sides):
            for k in ("killed", "wounded", "missing"):
                cols[f"{k}_{side}"] = a[k][:, i]
            for j, cat in enumerate(EQUIPMENT):
                cols[f"lost_{cat}_{side}"] = a["equip_lost"][:, i, j]
        for k, cause in enumerate(CAUSES):
            for i, side in enumerate(th.sides):
                cols[f"casualties_{cause}_{side}"] = a["cas_cause"][:, k, i]
            cols[f"lost_armour_{cause}_{th.sides[1]}"] = a["equip_cause"][:, k, 1, :2].sum(1)
            cols[f"lost_air_defence_{cause}_{th.sides[1]}"] = a["ad_cause"][:, k].sum(1)
        cols[f"lost_air_defence_{th.sides[1]}"] = a["ad_lost"].sum(1)
        days = a["airspace_days"]
        fought = days.sum(1)
        for j, label in enumerate(AIRSPACE):
            cols[f"airspace_{label}_share"] = np.divide(days[:, j], fought,
                                                        out=np.zeros_like(fought),
                                                        where=fought > 0)
        for i, side in enumerate(th.sides):
            tot = a["cas_cause"][:, :, i].sum(1)
            drones = a["cas_cause"][:, :3, i].sum(1)      # drones, loitering munitions and the
            #                                               artillery fire they directed
            cols[f"casualty_share_drones_{side}"] = np.divide(
                drones, tot, out=np.zeros_like(tot), where=tot > 0)
        cols[f"lost_drones_{th.sides[0]}"] = a["drones_lost"].sum(1)
        for j, sid in enumerate(th.sector_ids):
            cols[f"final_attacker_share_{sid}"] = a["ctrl_final"][:, j]
        return pd.DataFrame(cols)

    def dataset(self):
        """xarray Dataset with dims (run, day, sector, side, category)."""
        import xarray as xr

        a, th = self.arrays, self.theatre
        days = np.arange(1, a["daily_killed"].shape[1] + 1)
        ds = xr.Dataset(
            {
                "daily_killed": (("run", "day", "side"), a["daily_killed"]),
                "attacker_control": (("run", "day", "sector"),
                                     np.true_divide(a["daily_ctrl"], 100, dtype=np.float32)),
                "troop_lift": (("run", "day", "side"), a["daily_lift"]),
                "defender_area_km2": (("run", "day"), self.defender_area_by_day()),
                "killed": (("run", "side"), a["killed"]),
                "wounded": (("run", "side"), a["wounded"]),
                "missing": (("run", "side"), a["missing"]),
                "equipment_lost": (("run", "side", "category"), a["equip_lost"]),
                "casualties_by_cause": (("run", "day", "cause", "side"),
                                        a["daily_cause"].reshape(a["daily_cause"].shape[:2]
                                                                 + (len(CAUSES), 2))),
                "equipment_lost_daily": (("run", "day", "side", "category"),
                                         a["daily_equip"].reshape(a["daily_equip"].shape[:2]
                                                                  + (2, len(EQUIPMENT)))),
                "equipment_lost_by_cause": (("run", "cause", "side", "category"),
                                            a["equip_cause"]),
                "air_defence_lost_daily": (("run", "day", "system"), a["daily_ad"]),
                "air_defence_lost_by_cause": (("run", "cause", "system"), a["ad_cause"]),
                "duration_days": ("run", a["end_day"]),
                "end_cause": ("run", a["end_cause"]),
                "area_taken_share": ("run", self.area_taken_share()),
                "sector_fall_day": (("run", "sector"), a["sector_day"]),
                "sector_break_day": (("run", "sector"), a["sector_break_day"]),
                "sector_break_cause": (("run", "sector"), a["sector_break_by"]),
            },
            coords={"run": a["run"], "day": days, "sector": th.sector_ids,
                    "side": list(th.sides), "category": list(EQUIPMENT),
                    "cause": list(CAUSES), "system": th.ad_ids},
            attrs={"end_causes": ", ".join(f"{i}={c}" for i, c in enumerate(END_CAUSES)),
                   **self.provenance()},
        )
        ds["attacker_control"].attrs["units"] = "share of sector area"
        ds["daily_killed"].attrs["units"] = "persons per day"
        ds["troop_lift"].attrs["units"] = "persons per day"
        ds["sector_fall_day"].attrs["description"] = "day the sector was taken (-1: it was not)"
        ds["sector_break_day"].attrs["description"] = (
            "day the sector's defence first broke (-1: it did not)")
        ds["sector_break_cause"].attrs["codes"] = ", ".join(
            f"{i}={c}" for i, c in enumerate(("did not break",) + BREAK_CAUSES))
        return ds

    def save(self, out: Path) -> list[Path]:
        """Write ``campaign.nc`` (NetCDF), ``runs.parquet`` and ``provenance.json``, each
        carrying the provenance (NetCDF attributes; Parquet metadata under the key
        ``polemos``); returns the paths."""
        import json

        import pyarrow.parquet as papq

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        nc, pq, pj = (out / f for f in FILES)
        ds = self.dataset()
        ds.to_netcdf(nc, engine="h5netcdf", encoding=netcdf_encoding(ds))
        table = arrow_table(self.table(), self.provenance())
        papq.write_table(table, pq)
        pj.write_text(json.dumps(self.provenance(), sort_keys=True) + "\n")
        return [nc, pq, pj]

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """metric -> (median, p10, p90) over runs."""
        t = self.table()
        keys = ["duration_days", "area_taken_share", "handed_over_share", "lift_ratio"]
        keys += [c for c in t.columns if c.endswith("_fall_day")]
        keys += [c for c in t.columns if c.startswith(("killed_", "wounded_", "missing_"))]
        keys += [c for c in t.columns if c.startswith(("lost_", "casualties_"))]
        return {k: tuple(float(x) for x in band(t[k].to_numpy())) for k in keys}


def arrow_table(table, provenance: dict):
    """A per-run table (pandas) as Arrow, the provenance in its schema metadata under the key
    ``polemos`` (JSON)."""
    import json

    import pyarrow as pa

    t = pa.Table.from_pandas(table, preserve_index=False)
    prov = json.dumps(provenance, sort_keys=True).encode()
    return t.replace_schema_metadata({**(t.schema.metadata or {}), b"polemos": prov})


# --- streamed results ---------------------------------------------------------------------------
#: rows of a row group of the streamed runs.parquet: chunks' rows are buffered (~7 MB for
#: karabakh_2020) and written this many at a time, since the writer keeps every row group's
#: metadata for the footer until it closes (~70 KB per row group of its ~90 columns: one row
#: group per chunk of 2,500 runs grew the process by 29 MB over 400 chunks; 2**14 rows: 4 MB
#: for a million runs; a buffer of 2**15 rows cost ~20 MB of peak memory)
PARQUET_ROWS = 2**14

#: values (runs x days x width) of one block of days read back for the plots' daily bands
#: (at least one day): 2**19 float64 values = 4 MiB, a few copies of which are alive while a
#: block's bands are computed (2**21: +30 MB at 100,000 runs)
DAY_BLOCK_VALUES = 2**19


def release_freed_memory() -> None:
    """Hand the heap memory freed so far back to the system (glibc's ``malloc_trim``; a no-op
    elsewhere). The read-back of a streamed run allocates and frees whole columns of runs, and
    glibc keeps freed blocks it could reuse: measured on a million runs, the summary and plots
    left the process ~90 MB larger without it, ~35 MB with it (docs/benchmarks.md)."""
    import ctypes
    import ctypes.util

    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError, TypeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


class ResultsStore:
    """``campaign.nc``, ``runs.parquet`` and ``provenance.json`` of ``ensemble.runs`` runs,
    written in ``folder`` one chunk at a time, in run order (:meth:`add`), each chunk's arrays
    dropped once written; :meth:`close` returns the :class:`StoredResults`.

    The first chunk creates the NetCDF with xarray exactly as :meth:`CampaignResults.save` does
    (same variables, attributes, compression and chunking) but with ``run`` an unlimited
    dimension; each later chunk is appended along it (h5netcdf). The Parquet file gets a row
    group per :data:`PARQUET_ROWS` rows (pyarrow's ``ParquetWriter``). The values are those of the whole ensemble's
    :meth:`CampaignResults.save`: every column of the table and every variable of the Dataset is
    computed run by run. ``room``: called as ``room(bytes written, runs written)`` after each
    chunk, to stop a run whose remaining chunks would not fit on the disk
    (:func:`polemos.output.check_room`)."""

    def __init__(self, folder, theatre, scenario, ensemble, posterior=None, room=None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.paths = [self.folder / f for f in FILES]
        self.theatre, self.scenario, self.ensemble = theatre, scenario, ensemble
        self.posterior = posterior
        self.prov = ensemble_provenance(scenario, ensemble, posterior, ensemble.runs)
        self.runs = 0
        self.room = room
        self._nc = self._pq = None
        self._rows: list = []                 # Arrow tables of chunks not yet in runs.parquet
        self._fall_days: list[dict[int, int]] = [{} for _ in range(theatre.n_sectors)]
        self._break_counts = np.zeros((theatre.n_sectors, 1 + len(BREAK_CAUSES)), dtype=np.int64)

    def add(self, arrays: dict) -> None:
        """Write one chunk's compact arrays (the rows after those already written)."""
        import pyarrow.parquet as papq

        res = CampaignResults(arrays, self.theatre, self.scenario, self.ensemble,
                              self.posterior, provenance=self.prov)
        ds = res.dataset()
        table = arrow_table(res.table(), self.prov)
        a, b = self.runs, self.runs + res.n
        nc, pq, _ = self.paths
        if self._pq is None:
            ds.to_netcdf(nc, engine="h5netcdf", unlimited_dims=["run"],
                         encoding=netcdf_encoding(ds, runs=self.ensemble.runs))
            self._pq = papq.ParquetWriter(pq, table.schema)
        else:
            if self._nc is None:
                import h5netcdf

                self._nc = h5netcdf.File(nc, "a")
            self._nc.resize_dimension("run", b)
            for name, var in ds.variables.items():
                if "run" in var.dims:
                    assert var.dims[0] == "run", name
                    self._nc.variables[name][a:b] = var.values
        self._rows.append(table)
        if sum(t.num_rows for t in self._rows) >= PARQUET_ROWS:
            self._flush_rows(whole=False)
        for j, counts in enumerate(self._fall_days):
            for day, k in zip(*np.unique(arrays["sector_day"][:, j], return_counts=True),
                              strict=True):
                counts[int(day)] = counts.get(int(day), 0) + int(k)
        self._break_counts += res.sector_break_counts()
        self.runs = b
        if self.room is not None:
            self.room(self.bytes_written(), self.runs)

    def _flush_rows(self, whole: bool = True) -> None:
        """Write the buffered rows as row groups of :data:`PARQUET_ROWS` (``whole=False``: only
        whole row groups, the rest kept for the next)."""
        import pyarrow as pa

        if not self._rows:
            return
        rows = pa.concat_tables(self._rows)
        n = rows.num_rows if whole else rows.num_rows // PARQUET_ROWS * PARQUET_ROWS
        if n:
            self._pq.write_table(rows.slice(0, n), row_group_size=PARQUET_ROWS)
        self._rows = [rows.slice(n)] if n < rows.num_rows else []

    def bytes_written(self) -> int:
        return sum(p.stat().st_size for p in self.paths[:2] if p.exists())

    def abort(self) -> None:
        """Close the files without completing them (the staging folder is then removed)."""
        for f in (self._nc, self._pq):
            if f is not None:
                try:
                    f.close()
                except Exception:             # noqa: BLE001 - an incomplete file, discarded
                    pass
        self._nc = self._pq = None

    def close(self) -> StoredResults:
        import json

        if self.runs != self.ensemble.runs:
            raise RuntimeError(f"ResultsStore: {self.runs} runs written of "
                               f"{self.ensemble.runs}")
        self._flush_rows()
        self._pq.close()
        if self._nc is not None:
            self._nc.close()
        self._nc = self._pq = None
        self.paths[2].write_text(json.dumps(self.prov, sort_keys=True) + "\n")
        release_freed_memory()
        return StoredResults(self.folder, self.theatre, self.scenario, self.prov, self.runs,
                             self._fall_days, self._break_counts)


class ParquetColumns:
    """The per-run table of a ``runs.parquet``, each column read from the file when asked for
    (``t[name]`` or ``t.name``: a pandas Series equal to that column of the whole table). A
    numeric column is filled row group by row group into one array (no whole-column Arrow
    copy); a text column comes as a categorical."""

    def __init__(self, path: Path):
        import pyarrow.parquet as papq

        self.path = Path(path)
        self.columns = list(papq.ParquetFile(self.path).schema_arrow.names)

    def __contains__(self, name) -> bool:
        return name in self.columns

    def __getitem__(self, name: str):
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as papq

        if name not in self.columns:
            raise KeyError(name)
        release_freed_memory()                     # what the columns read before left
        pf = papq.ParquetFile(self.path)
        kind = pf.schema_arrow.field(name).type
        j = pf.schema_arrow.get_field_index(name)
        nulls = any(pf.metadata.row_group(i).column(j).statistics is None or
                    pf.metadata.row_group(i).column(j).statistics.null_count
                    for i in range(pf.num_row_groups))
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind) and not nulls):
            return papq.read_table(self.path, columns=[name],   # text; integers with nulls
                                   read_dictionary=[name] if pa.types.is_string(kind)
                                   else None).column(0).to_pandas()
        out, a = None, 0
        for i in range(pf.num_row_groups):
            v = pf.read_row_group(i, columns=[name]).column(0).to_numpy()   # nulls: NaN
            if out is None:
                out = np.empty(pf.metadata.num_rows, dtype=v.dtype)
            out[a:a + len(v)] = v
            a += len(v)
        return pd.Series(out, copy=False)

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self.__dict__.get("columns", ()):
            raise AttributeError(name)
        return self[name]


class StoredResults:
    """A streamed ensemble read back from its folder for the summary and the plots (the
    interface of :class:`CampaignResults` that :mod:`polemos.campaign.report` uses): the table
    a column at a time from ``runs.parquet``; the daily bands a block of days at a time
    (:data:`DAY_BLOCK_VALUES`), from a day-major copy of the NetCDF variable made in one pass
    (``.day-major/`` in the folder, removed by :meth:`drop_scratch`); each sector's fall days
    from the counts kept while writing."""

    def __init__(self, folder, theatre, scenario, provenance: dict, n: int,
                 fall_days: list[dict[int, int]], break_counts: np.ndarray):
        self.folder = Path(folder)
        self.theatre, self.scenario = theatre, scenario
        self._prov, self.n, self._fall_days = provenance, n, fall_days
        self._break_counts = break_counts

    @property
    def paths(self) -> list[Path]:
        return [self.folder / f for f in FILES]

    def provenance(self) -> dict:
        return self._prov

    def table(self) -> ParquetColumns:
        return ParquetColumns(self.folder / "runs.parquet")

    def sector_fall_days(self, j: int) -> np.ndarray:
        """(runs,) day sector ``j`` fell (-1: it did not), in ascending order (not the runs'):
        the multiset of the runs' values, all that its share and bands depend on."""
        counts = self._fall_days[j]
        days = np.array(sorted(counts), dtype=np.int64)
        return np.repeat(days, [counts[d] for d in days])

    def sector_break_counts(self) -> np.ndarray:
        """As :meth:`CampaignResults.sector_break_counts`, from the counts kept while writing."""
        return self._break_counts

    @property
    def scratch(self) -> Path:
        return self.folder / ".day-major"

    def drop_scratch(self) -> None:
        import shutil

        shutil.rmtree(self.scratch, ignore_errors=True)

    def _day_major(self, name: str, days: int) -> tuple[Path, tuple, np.dtype]:
        """``name``'s first ``days`` days as a raw day-major file (days, runs, ...), written in
        one pass over the NetCDF (a few of its run chunks at a time)."""
        import os

        import h5py

        self.scratch.mkdir(exist_ok=True)
        path = self.scratch / f"{name}-{days}.bin"
        with h5py.File(self.folder / "campaign.nc", "r") as f:
            var = f[name]
            rest, dtype = var.shape[2:], var.dtype
            if path.is_file():
                return path, rest, dtype
            width = int(np.prod(rest, dtype=np.int64))
            row = width * dtype.itemsize                      # bytes of one run-day
            step = max(NC_RUN_CHUNK, DAY_BLOCK_VALUES // (days * width)
                       // NC_RUN_CHUNK * NC_RUN_CHUNK)         # runs read at once
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                for a in range(0, self.n, step):
                    blk = np.ascontiguousarray(np.moveaxis(var[a:a + step, :days], 1, 0))
                    for d in range(blk.shape[0]):
                        os.pwrite(fd, blk[d].tobytes(), (d * self.n + a) * row)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        return path, rest, dtype

    def day_blocks(self, name: str, days: int):
        """``name`` (a daily variable of ``campaign.nc``) over its first ``days`` days as
        ``(first day index, (runs, block days, ...) array)`` blocks of at most
        :data:`DAY_BLOCK_VALUES` values (at least one day)."""
        path, rest, dtype = self._day_major(name, days)
        width = int(np.prod(rest, dtype=np.int64))
        per = max(1, DAY_BLOCK_VALUES // (self.n * width))
        for d0 in range(0, days, per):
            release_freed_memory()
            k = min(per, days - d0)
            blk = np.fromfile(path, dtype=dtype, count=k * self.n * width,
                              offset=d0 * self.n * width * dtype.itemsize)
            yield d0, np.moveaxis(blk.reshape((k, self.n, *rest)), 0, 1)
