"""Where a result comes from, written into every output (NetCDF attributes, Parquet metadata,
``provenance.json``, the plots' footers): the Polemos version, the scenario, the SHA-256 of
its content as run (files merged, engine defaults and ``--set`` applied: two runs with the same
hash, seed, mode and runs give the same results), every ``--set``, the seed, the parameter mode
and where the parameters came from (the posterior file and its hash), the number of runs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from polemos import __version__


def scenario_hash(scenario) -> str:
    """SHA-256 of the scenario's content as validated (key order does not matter)."""
    data = scenario.model_dump(mode="json", by_alias=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parameter_source(scenario, mode: str, posterior: dict | None) -> dict:
    """Where the run's parameters came from: ``parameters`` (a phrase for people) and, for a
    posterior read from a file, ``posterior_file`` and ``posterior_sha256``."""
    if mode == "point":
        return {"parameters": "point values"}
    if mode == "prior":
        return {"parameters": "prior draws of the calibrated parameters"}
    if not posterior:
        return {"parameters": "posterior mode without a posterior: calibrated parameters drawn "
                              "from their priors"}
    from polemos.analysis.posterior import posterior_path

    rows = len(next(iter(posterior.values())))
    out = {"parameters": f"posterior ({rows:,} draws)"}
    path = posterior_path(scenario)
    if path is not None:
        out.update(posterior_file=path.name, posterior_sha256=file_hash(path))
    return out


def provenance(scenario, *, seed: int, runs: int, mode: str | None = None,
               posterior: dict | None = None, **more) -> dict:
    """The provenance of ``runs`` runs of ``scenario`` (a flat dict of str and int): with a
    parameter ``mode`` (the campaign), where its parameters came from; ``more``: other
    settings of the run (e.g. ``max_days``)."""
    out = {"polemos_version": __version__, "scenario": scenario.name,
           "scenario_sha256": scenario_hash(scenario),
           "overrides": json.dumps(list(scenario.overrides)), "seed": int(seed),
           "runs": int(runs)}
    if mode is not None:
        out["mode"] = mode
        out.update(parameter_source(scenario, mode, posterior))
    out.update({k: int(v) if isinstance(v, bool) else v for k, v in more.items()})
    return out


def footer(prov: dict) -> str:
    """One line for a plot: version, scenario and hash, overrides, seed, mode, engine, runs."""
    sets = json.loads(prov.get("overrides", "[]"))
    parts = [f"Polemos {prov['polemos_version']}", f"{prov['scenario']} (sha256 "
             f"{prov['scenario_sha256'][:12]})", f"seed {prov['seed']}"]
    parts += [prov["parameters"]] if "parameters" in prov else []
    parts += [f"engine {prov['engine']}"] if "engine" in prov else []
    text = " · ".join(parts + [f"{prov['runs']:,} runs"])
    return text + ("" if not sets else " · --set " + "; ".join(sets))


def finish(fig, *provs: dict) -> None:
    """Lay out a matplotlib figure with one provenance footer line per result it shows."""
    lines = [footer(p) for p in provs if p]
    room = 0.025 * len(lines) + 0.005 if lines else 0.0
    if lines:
        fig.text(0.005, 0.005, "\n".join(lines), fontsize=5.5, color="0.35", ha="left",
                 va="bottom")
    fig.tight_layout(rect=(0, room, 1, 1))
