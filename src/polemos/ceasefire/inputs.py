"""Inputs of the ceasefire forecast: the ``[ceasefire]`` table, its parameters, random streams.

* :func:`ceasefire_inputs` takes a validated :class:`~polemos.scenario.schema.Scenario`;
  :func:`ceasefire_inputs_raw` reads a scenario's files without validating the rest of it (used by
  tests, and useful while other tables of a scenario are being written).
* :func:`stream` gives one ``numpy.random.Generator`` per named decision, seeded from
  ``(seed, crc32(name))``; every draw is made for all runs at once, so the same seed gives the
  same numbers whatever the chunking, and a component that draws from its own stream cannot
  change another component's numbers (common random numbers across counterfactuals).
* :class:`Sampler` turns a quantity into a ``(runs,)`` array: calibrated parameters are drawn
  from their priors per run (stream ``param:<component.name>``), sourced ranges ``low..high``
  uniformly (stream ``figure:<key path>``), everything else is constant.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from polemos.ceasefire.schema import CeasefireSpec
from polemos.scenario.quantity import Figure, FigureRef, ParamRef
from polemos.scenario.schema import Parameter, RegisterFigure

__all__ = ["CeasefireInputs", "ceasefire_inputs", "ceasefire_inputs_raw", "stream", "Sampler"]


def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream of decision ``name`` under ``seed``."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode())])


@dataclass
class CeasefireInputs:
    """The ceasefire table with what its references point to."""

    spec: CeasefireSpec
    parameters: dict[str, Parameter] = field(default_factory=dict)  # "component.name" -> param
    figures: dict[str, RegisterFigure] = field(default_factory=dict)
    scenario_name: str = ""


def ceasefire_inputs(scenario) -> CeasefireInputs:
    """Inputs from a validated scenario (raises ValueError if it has no ``[ceasefire]``)."""
    if scenario.ceasefire is None:
        raise ValueError(f"scenario '{scenario.name}' has no [ceasefire] table")
    params = {f"{c}.{n}": p for c, ps in scenario.parameters.items() for n, p in ps.items()}
    return CeasefireInputs(scenario.ceasefire, params, dict(scenario.figures), scenario.name)


def ceasefire_inputs_raw(spec: str | Path, overrides: list[str] | tuple = ()) -> CeasefireInputs:
    """Inputs read from a scenario's files (``extends`` and ``--set`` applied), validating only
    ``[ceasefire]``, ``[parameters]`` and ``[figures]``."""
    from polemos.scenario.load import apply_overrides, load_raw

    loaded = load_raw(spec)
    if overrides:
        apply_overrides(loaded, list(overrides))
    data = loaded.data
    if "ceasefire" not in data:
        raise ValueError(f"scenario '{spec}' has no [ceasefire] table")
    cf = CeasefireSpec.model_validate(data["ceasefire"])
    params = {f"{c}.{n}": Parameter.model_validate(v)
              for c, ps in data.get("parameters", {}).items() for n, v in ps.items()}
    figs = {k: RegisterFigure.model_validate(v) for k, v in data.get("figures", {}).items()}
    return CeasefireInputs(cf, params, figs, str(data.get("name", spec)))


class Sampler:
    """Per-run values of quantities; each parameter is drawn once (cached by name)."""

    def __init__(self, inputs: CeasefireInputs, runs: int, seed: int, uncertainty: bool = True):
        self.inputs = inputs
        self.runs = int(runs)
        self.seed = int(seed)
        self.uncertainty = uncertainty
        self.draws: dict[str, np.ndarray] = {}

    def _prior_draw(self, name: str, p: Parameter) -> np.ndarray:
        if name in self.draws:
            return self.draws[name]
        if self.uncertainty and p.kind == "calibrated" and p.prior is not None:
            u = stream(self.seed, f"param:{name}").random(self.runs)
            lo, hi = p.prior
            if p.prior_shape == "loguniform":
                x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
            else:
                x = lo + u * (hi - lo)
        else:
            x = np.full(self.runs, float(p.value))
        self.draws[name] = x
        return x

    def _figure_draw(self, key: str, f: Figure) -> np.ndarray:
        if key in self.draws:                      # given per run (e.g. from the war)
            return self.draws[key]
        lo, hi = f.range
        if not self.uncertainty or lo == hi:
            return np.full(self.runs, float(f.value))
        if key not in self.draws:
            u = stream(self.seed, f"figure:{key}").random(self.runs)
            self.draws[key] = lo + u * (hi - lo)
        return self.draws[key]

    def q(self, quantity, key: str) -> np.ndarray:
        """``(runs,)`` values of ``quantity`` found at ``key`` (a dotted path, for streams)."""
        if quantity is None:
            raise ValueError(f"{key}: no value")
        if isinstance(quantity, bool):
            return np.full(self.runs, float(quantity))
        if isinstance(quantity, (int, float)):
            return np.full(self.runs, float(quantity))
        if isinstance(quantity, ParamRef):
            if quantity.param not in self.inputs.parameters:
                raise KeyError(f"{key}: unknown parameter '{quantity.param}'")
            return self._prior_draw(quantity.param, self.inputs.parameters[quantity.param])
        if isinstance(quantity, FigureRef):
            if quantity.ref not in self.inputs.figures:
                raise KeyError(f"{key}: unknown figure '{quantity.ref}'")
            return self._figure_draw(f"ref:{quantity.ref}", self.inputs.figures[quantity.ref])
        if isinstance(quantity, Figure):
            return self._figure_draw(key, quantity)
        raise TypeError(f"{key}: not a quantity: {quantity!r}")

    def scalar(self, quantity, key: str) -> float:
        """The central value (no draw): for structural settings such as months."""
        if isinstance(quantity, (int, float)):
            return float(quantity)
        if isinstance(quantity, ParamRef):
            return float(self.inputs.parameters[quantity.param].value)
        if isinstance(quantity, FigureRef):
            return float(self.inputs.figures[quantity.ref].value)
        return float(quantity.value)
