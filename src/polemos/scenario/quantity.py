"""Sourced numbers: figures, references and calibrated parameters.

Every number of a scenario is a *quantity*: an inline figure (value or low/high, unit, kind,
sources), a reference to a figure of the register (``{ref = "id"}``), a reference to a
parameter (``{param = "component.name"}``), or, outside ``--strict``, a bare number.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

UNITS = (
    "km", "km2", "m", "days", "per_day", "t_per_day", "persons", "persons_per_day", "count",
    "share", "ratio", "usd", "per_sortie", "per_km2", "per_day_per_km", "km_per_day", "deg",
    "months", "per_month", "per_year", "hours", "persons_per_km",
)
Unit = Literal[
    "km", "km2", "m", "days", "per_day", "t_per_day", "persons", "persons_per_day", "count",
    "share", "ratio", "usd", "per_sortie", "per_km2", "per_day_per_km", "km_per_day", "deg",
    "months", "per_month", "per_year", "hours", "persons_per_km",
]
Kind = Literal["official", "visually_confirmed", "estimate", "claim", "calibrated"]


class Strict(BaseModel):
    """Base of every scenario table: unknown keys are errors, and so are infinite and NaN
    numbers wherever they are written."""

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True,
                              allow_inf_nan=False)


class Figure(Strict):
    """A sourced number: a value, or a range ``low..high`` where sources disagree."""

    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: Unit | None = None
    kind: Kind = "estimate"
    sources: list[str] = Field(default_factory=list)
    date: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _range(self) -> Figure:
        if self.value is None:
            if self.low is None or self.high is None:
                raise ValueError("a figure needs 'value', or both 'low' and 'high'")
            self.value = (self.low + self.high) / 2.0
        lo = self.low if self.low is not None else self.value
        hi = self.high if self.high is not None else self.value
        if not lo <= self.value <= hi:
            raise ValueError(f"needs low <= value <= high, got {lo} <= {self.value} <= {hi}")
        return self

    @property
    def range(self) -> tuple[float, float]:
        """(low, high), each defaulting to the value."""
        return (
            self.low if self.low is not None else self.value,
            self.high if self.high is not None else self.value,
        )


class FigureRef(Strict):
    """A reference to a figure of the register: ``{ref = "figure_id"}``."""

    ref: str


class ParamRef(Strict):
    """A reference to a parameter: ``{param = "component.name"}``."""

    param: str


def _quantity_tag(v) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, dict):
        return "ref" if "ref" in v else "param" if "param" in v else "figure"
    return {Figure: "figure", FigureRef: "ref", ParamRef: "param"}.get(type(v))


Quantity = Annotated[
    Annotated[float, Tag("number")] | Annotated[FigureRef, Tag("ref")] | Annotated[ParamRef, Tag("param")] | Annotated[Figure, Tag("figure")],
    Discriminator(
        _quantity_tag,
        custom_error_type="quantity",
        custom_error_message="expected a number, or a table: {value = ..., kind = ..., "
        "sources = [...]}, {ref = \"figure_id\"} or {param = \"component.name\"}",
    ),
]


def quantity_value(q: float | Figure | FigureRef | ParamRef, scenario=None) -> float:
    """The central value of a quantity, following references through ``scenario``."""
    if isinstance(q, (int, float)):
        return float(q)
    if isinstance(q, Figure):
        return float(q.value)
    if scenario is None:
        raise ValueError(f"cannot resolve {q!r} without its scenario")
    if isinstance(q, FigureRef):
        return float(scenario.figures[q.ref].value)
    comp, _, name = q.param.partition(".")
    return float(scenario.parameters[comp][name].value)
