"""Campaign results: compact arrays from the engine, a per-run table, an xarray Dataset,
medians with 10–90% bands, NetCDF and Parquet output.

Labelled containers are built here, at the edge; the engine itself only touches numpy arrays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from polemos.campaign.sectors import AIRSPACE, CAUSES
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


def join(parts: list[dict]) -> dict[str, np.ndarray]:
    """Concatenate chunks along runs, in the order given (the ensemble's rows: map_chunks
    returns chunks in order, whatever order they finished in)."""
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


#: runs per NetCDF chunk: a reader of a few runs (one war's story) decompresses only theirs
NC_RUN_CHUNK = 500


def netcdf_encoding(ds) -> dict:
    """zlib (level 4, byte shuffle) on every variable, chunked by run (:data:`NC_RUN_CHUNK`
    runs, whole along the other dimensions): daily arrays are mostly repeats after a war ends
    and compress several-fold."""
    enc = {}
    for name, var in ds.data_vars.items():
        if not var.dims:
            continue
        chunks = tuple(min(NC_RUN_CHUNK, n) if d == "run" else n for d, n in var.sizes.items())
        enc[name] = {"zlib": True, "complevel": 4, "shuffle": True, "chunksizes": chunks}
    return enc


def band(x, axis=0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(median, 10th, 90th percentile) along ``axis``."""
    x = np.asarray(x, dtype=float)
    if np.isnan(x).all():                       # e.g. an objective that fell in no run
        nan = np.full(np.delete(x.shape, axis), np.nan) if x.ndim > 1 else np.nan
        return nan, nan, nan
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN columns: NaN bands
            q = np.nanpercentile(x, [50, 10, 90], axis=axis)
    return q[0], q[1], q[2]


class CampaignResults:
    """Results of an ensemble: ``arrays`` (run-major numpy), ``table()``, ``dataset()``."""

    def __init__(self, arrays, theatre, scenario=None, ensemble=None, posterior=None):
        self.arrays = arrays
        self.theatre = theatre
        self.scenario = scenario
        self.ensemble = ensemble
        self._posterior = posterior          # the draws the runs used (posterior mode)
        self._provenance = None

    def provenance(self) -> dict:
        """Where these results come from (:mod:`polemos.provenance`): version, scenario and its
        hash, overrides, seed, mode, where the parameters came from, runs; empty without a
        scenario and an ensemble."""
        if self._provenance is None:
            from polemos.provenance import provenance

            self._provenance = {} if self.scenario is None or self.ensemble is None else \
                provenance(self.scenario, seed=self.ensemble.seed, runs=self.n,
                           mode=self.ensemble.mode, posterior=self._posterior,
                           max_days=self.ensemble.max_days)
        return self._provenance

    @property
    def n(self) -> int:
        return len(self.arrays["run"])

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
        """(runs, days) area the defender holds outside its rear, km²."""
        th = self.theatre
        ctrl = self.arrays["daily_ctrl"].astype(np.float32) / 100.0
        return th.defender_area0 - (ctrl * (th.area_km2 * th.contestable)).sum(-1)

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
                                     a["daily_ctrl"].astype(np.float32) / 100),
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
        return ds

    def save(self, out: Path) -> list[Path]:
        """Write ``campaign.nc`` (NetCDF), ``runs.parquet`` and ``provenance.json``, each
        carrying the provenance (NetCDF attributes; Parquet metadata under the key
        ``polemos``); returns the paths."""
        import json

        import pyarrow as pa
        import pyarrow.parquet as papq

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        nc, pq, pj = out / "campaign.nc", out / "runs.parquet", out / "provenance.json"
        ds = self.dataset()
        ds.to_netcdf(nc, engine="h5netcdf", encoding=netcdf_encoding(ds))
        table = pa.Table.from_pandas(self.table(), preserve_index=False)
        prov = json.dumps(self.provenance(), sort_keys=True)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"polemos": prov.encode()})
        papq.write_table(table, pq)
        pj.write_text(prov + "\n")
        return [nc, pq, pj]

    def summary(self) -> dict[str, tuple[float, float, float]]:
        """metric -> (median, p10, p90) over runs."""
        t = self.table()
        keys = ["duration_days", "area_taken_share", "handed_over_share", "lift_ratio"]
        keys += [c for c in t.columns if c.endswith("_fall_day")]
        keys += [c for c in t.columns if c.startswith(("killed_", "wounded_", "missing_"))]
        keys += [c for c in t.columns if c.startswith(("lost_", "casualties_"))]
        return {k: tuple(float(x) for x in band(t[k].to_numpy())) for k in keys}
