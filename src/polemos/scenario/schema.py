"""The scenario schema (schema_version 1): typed, sourced, strict.

See ``docs/scenario-format.md`` for the format as a user writes it. Cross-references (sector,
side, source, figure and parameter ids) are checked in :mod:`polemos.scenario.checks`, so that
every problem is reported at once with its key path.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from polemos.ceasefire.schema import CeasefireSpec
from polemos.scenario.quantity import Figure, Kind, Quantity, Strict, Unit

SCHEMA_VERSION = 1

Relief = Literal["plain", "foothill", "mountain"]
Region = Literal["former_nkao", "district", "attacker_rear", "defender_rear"]
Front = Literal["south", "centre", "north", "rear"]


# --- the physical range of every number (one place; checked in validation.py) -------------

#: The unit each quantity field of the scenario is measured in (its range follows the unit).
FIELD_UNITS = {
    "area_km2": "km2", "elevation_m": "m", "forest_share": "share", "population": "persons",
    "front_km": "km", "fortified_line_depth_km": "km", "length_km": "km",
    "capacity_t_per_day": "t_per_day", "personnel_standing": "persons",
    "personnel_mobilised": "persons", "volunteers": "persons", "foreign_fighters": "persons",
    "mobilisation_days": "days", "tanks": "count", "ifv_apc": "count", "tube_artillery": "count",
    "rocket_launchers": "count", "ballistic_missiles": "count", "count": "count",
    "urban_share": "share", "value_km2": "km2", "ceiling_km": "km", "range_km": "km",
    "channels": "count", "altitude_km": "km", "endurance_h": "hours", "delay_days": "days",
}
#: Fields of ``[ceasefire]`` whose range is certain (their unit is not checked: a few are in
#: years): probabilities and shares of a whole, head counts and months.
CEASEFIRE_FIELDS = {
    **dict.fromkeys(("victory", "victor_unmet_claim", "treaty", "prior_failed_cf",
                     "notice_probability", "monitoring_share", "strength_after_drawdown",
                     "strength_after_shock", "attention_after_shock", "attention", "leverage",
                     "balance_at_ceasefire", "p_success", "power_gain", "belief_reset",
                     "rally_at_ceasefire", "opposition", "commitment_reference",
                     "shock_per_month", "initiator_share", "costs"), "share"),
    **dict.fromkeys(("war_deaths", "size", "deaths_per_month", "threshold_deaths",
                     "deaths_median"), "persons"),
    **dict.fromkeys(("armoured_vehicles", "vehicles"), "count"),
    **dict.fromkeys(("notice_months", "drawdown_month", "forced_shock_month", "earliest_month",
                     "latest_month", "phase_in_months", "commitment_horizon_months",
                     "protest_decay_months", "rally_decay_months", "forced_month",
                     "mandate_years", "renewal_years", "war_duration_years"), "months"),
}
CEASEFIRE_FIELDS.update({
    "information": "share",          # share of a belief's error corrected per unit attention
    "clash_learning": "share",       # share of a belief's error corrected per clash death
    "hazard_per_month": "share",     # a monthly probability of a change of leader
    "oil_price_usd": "usd",
})
#: Fields of ``[ceasefire]`` bounded by the mechanism that reads them rather than by a unit
#: (``docs/ceasefire-forecast.md``); each enters a logistic or an exponential of the forecast,
#: where a value beyond these overflows float64 (found by the Karabakh fuzz: an oil elasticity
#: pointed at a road capacity of 2,000 overflowed ``exp``).
CEASEFIRE_RANGES: dict[str, tuple[float, float]] = {
    # shifts of a belief on the logit scale of a probability: 10 logits move it from 0.5 to
    # 0.99995 (certainty); the random-walk sd of a belief per month at most 1 logit
    "initial_disagreement": (-10.0, 10.0), "belief_shift": (-10.0, 10.0),
    "new_leader_optimism": (-10.0, 10.0), "drift_sd_per_month": (0.0, 1.0),
    # exponents: the contest's decisiveness (q = P_az^e / (P_az^e + P_ar^e); estimates near 1,
    # Hirshleifer 1989), clashes' coupling to the offensive hazard, the elasticity of resolve
    # and rearmament to the oil price (at most 1 in size: spending in proportion to the price;
    # at 5 a 240-month oil path compounded the capability index past float64)
    "elasticity": (0.0, 10.0), "tension_coupling": (0.0, 5.0), "oil_elasticity": (-1.0, 1.0),
    # growth of a capability index per year (log; e-fold a year at most) and its spread; the sd
    # of monthly log oil price changes (Brent's largest month, April 2020, about 0.5) and of
    # the log deaths of an offensive
    "rearmament_per_year": (-1.0, 1.0), "rearmament_sd_per_year": (0.0, 1.0),
    # months ahead a side projects the power shift: at most the longest forecast (20 years)
    "commitment_horizon_months": (0.0, 240.0),
    "oil_volatility_per_month": (0.0, 1.0), "deaths_log_sd": (0.0, 5.0),
    # log-hazard effects per unit of their driver (non-negative: the sign is the mechanism's),
    # the cap on the log multiplier (e^10: 22,000 times the base hazard), the reference class's
    # bargaining gap (a signed share of the prize), a multiplier of the leader hazard
    "gap_effect": (0.0, 1e3), "commitment_effect": (0.0, 1e3), "effect": (0.0, 1e3),
    "reference": (0.0, 1e3), "max_log_multiplier": (0.0, 10.0), "gap_reference": (-1.0, 1.0),
    "protest_multiplier": (0.0, 1e3),
    # the gamma shape of yearly clash intensity (its spread is 1/shape) and the base rate of
    # clash deaths (the deadliest months of the Second World War: about 1e6 battle deaths)
    "dispersion": (0.0, 1e3), "deaths_per_month": (0.0, 1e6),
}
#: Fields that must be strictly positive (the engine divides by them or takes their log), with
#: the smallest value that is physical: 0.001 km2 (1,000 m2), 1 m of route, 0.001 days (1.4
#: minutes); a war's deaths (log) at least one; a gamma shape of 0.01 (a spread of 100 times
#: the mean); a log-hazard effect of the bargaining gap of 0.001 (the restart cost divides by it)
POSITIVE = {"area_km2": 1e-3, "length_km": 1e-3, "mobilisation_days": 1e-3, "war_deaths": 1.0,
            "dispersion": 1e-2, "gap_effect": 1e-3}
SHARES = {"forest_share", "urban_share"}
#: (low, high) of a number by unit. Upper bounds are the largest the world allows: Earth's
#: surface 5.1e8 km2 and circumference 40,075 km, the deepest trench and highest summit
#: (-11,000..8,849 m), a world population under 1e10; durations up to 1e7 (a delay set far
#: beyond any horizon is how a scenario says "never"); rates and ratios are bounded at 1e6
#: (beyond, sums over runs and days lose float precision). A probability (per_sortie) or a
#: share of a figure lies in [0, 1]. None: any finite value (a signed ratio).
UNIT_RANGES: dict[str, tuple[float, float] | None] = {
    "km": (0, 4.01e4), "km2": (0, 5.1e8), "m": (-1.1e4, 9e3), "days": (0, 1e7),
    "hours": (0, 2.4e8), "months": (0, 3.3e5), "persons": (0, 1e10), "count": (0, 1e10),
    "share": (0, 1), "per_sortie": (0, 1), "per_day": (0, 1e6), "per_month": (0, 1e6),
    "per_year": (-1e6, 1e6), "t_per_day": (0, 1e9), "persons_per_day": (0, 1e9),
    "persons_per_km": (0, 1e9), "per_km2": (0, 1e6), "per_day_per_km": (0, 1e6),
    "km_per_day": (0, 1e3), "usd": (0, 1e15), "deg": (-360, 360), "ratio": (-1e6, 1e6),
}
#: the largest magnitude of a number whose unit sets no range (a signed "share" outside the
#: engine, a number without a unit): beyond it products in the engine's float32 arrays lose
#: all precision or overflow (a ratio of 1e308 made a sector's control NaN)
MAX_MAGNITUDE = 1e9
#: the smallest magnitude of a nonzero number: below it (1e-320 is a subnormal float) the
#: engine's divisions overflow (found by the fuzz run: personnel of 1e-320); write 0 for none
MIN_MAGNITUDE = 1e-9
#: parameter names that are a probability or a share of a whole whatever their unit
#: (e.g. ``withdraw_share``, a share per day): [0, 1] when the engine reads them
PROBABILITY_SUFFIXES = ("_share", "_probability", "_probability_sam", "_probability_gun")


#: Parameters of the campaign engine bounded by their mechanism more tightly than by their unit
#: (None: the unit's bound). A sweep of every parameter the engine reads, set to the edges of
#: its range, found each: beyond these the engine divides by zero, a Beta belief has no mass,
#: float32 overflows or a table outgrows memory (``bargaining.units`` = 1e7 asked for 20 GB).
ENGINE_RANGES: dict[str, tuple[float | None, float | None]] = {
    # divisors: a scale (EW systems, detection-hours), tonnes of lift per person moved, the
    # QJM's relative advance factors, the sharpness of the attacker's logit choice of axes
    "air_defence.ew_scale": (1e-3, None), "drones.defender_ew_scale": (1e-3, None),
    "drones.detection_hours_for_coverage": (1e-3, None),
    "logistics.t_per_person_moved": (1e-3, None), "manoeuvre.decisiveness": (1e-3, None),
    "movement.posture_advance_fortified": (1e-3, None),
    "movement.posture_advance_hasty": (1e-3, None),
    "movement.posture_advance_withdrawal": (1e-3, None),
    "movement.terrain_advance_plain": (1e-3, None),
    "movement.terrain_advance_foothill": (1e-3, None),
    "movement.terrain_advance_mountain": (1e-3, None),
    # day-0 beliefs: the mean of a Beta distribution (strictly inside (0, 1)) and its weight
    "bargaining.attacker_belief": (1e-3, 1 - 1e-3), "bargaining.defender_belief": (1e-3, 1 - 1e-3),
    "bargaining.belief_strength": (1e-3, None),
    # the share of a salient's flanks taken that breaks it: at 0 every salient breaks on a day
    # some run of its chunk takes a sector (envelopment is checked on capture days), so a run's
    # result would depend on the other runs of its chunk (found porting movement to numba)
    "movement.envelop_share": (1e-3, 1.0),
    # the contested area in units of the random walk (a whole number: 1 to 1,000, 0.1% each)
    "bargaining.units": (1.0, 1e3),
    # shares per day: of the gap to the chosen deployment closed, of the reserve committed
    # (1,000 a day committed more men than the reserve held: negative dead by day 60)
    "deployment.attacker_regroup_rate": (0.0, 1.0), "deployment.reserve_commit_rate": (0.0, 1.0),
    # exponents of the power ratio, which reaches 1e13 against an emptied sector (float32
    # overflows beyond 3.4e38): casualty rates (κ; priors 0.1-1.5) and advance rates (γ; the
    # QJM's 1.17)
    "ground_combat.ratio_exponent": (0.0, 2.0), "movement.ratio_exponent": (0.0, 3.0),
}


def parameter_range(name: str, unit: str | None, engine: bool) -> tuple[float, float] | None:
    """(low, high) of a parameter ``component.key``: by its unit; one the campaign engine
    reads (``engine``) is never negative, and is a probability in [0, 1] when its unit is a
    share or per sortie or its name says so (``*_share``, ``*_probability*``), unless its
    unit is a ratio (a breakpoint: losses relative to the initial strength, which
    reinforcements let exceed 1); its mechanism's bounds (``ENGINE_RANGES``) win. Outside the engine a "share" may be signed (a bargaining
    gap in shares of the prize), so there the unit alone does not bound it."""
    bounds = UNIT_RANGES.get(unit) if unit else None
    if not engine:
        return None if unit == "share" else bounds
    key = name.rpartition(".")[2]
    if unit in ("share", "per_sortie") or (unit != "ratio" and key.endswith(PROBABILITY_SUFFIXES)):
        lo, hi = 0.0, 1.0
    else:
        lo, hi = 0.0, bounds[1] if bounds else MAX_MAGNITUDE
    rule_lo, rule_hi = ENGINE_RANGES.get(name, (None, None))
    return (lo if rule_lo is None else rule_lo, hi if rule_hi is None else rule_hi)


def range_problem(lo: float, hi: float, bounds: tuple[float, float] | None,
                  positive: float | None = None, share: bool = True) -> str | None:
    """The rule a number (or a range lo..hi) breaks, or None. Non-finite numbers never reach
    here (``allow_inf_nan=False`` on every table; a posterior is checked for them). Bounds of
    (0, 1) are a share's or a probability's unless ``share`` is False (e.g. an sd)."""
    span = f"{lo:g}" if lo == hi else f"{lo:g}..{hi:g}"
    if positive is not None and not lo >= positive:
        return f"must be > 0 (at least {positive:g}), got {span}"
    a, b = bounds if bounds is not None else (-MAX_MAGNITUDE, MAX_MAGNITUDE)
    if any(x != 0 and abs(x) < MIN_MAGNITUDE for x in (lo, hi)):
        return (f"a nonzero number is at least {MIN_MAGNITUDE:g} in size (write 0 for none), "
                f"got {span}")
    if lo < a or hi > b:
        what = ("a share or probability lies in [0, 1]" if share and (a, b) == (0, 1) else
                f"must be >= {a:g}" if hi <= b else f"must lie in [{a:g}, {b:g}]")
        return f"{what}, got {span}"
    return None


class Side(Strict):
    name: str
    role: Literal["attacker", "defender"]
    note: str = ""


class Source(Strict):
    title: str
    author: str
    date: str = ""
    url: str = ""
    party: str = "none"
    note: str = ""


class Claim(Figure):
    """One party's (or an independent) count of a contested figure."""

    by: str


class RegisterFigure(Figure):
    """A figure of the evidence register; contested when it has claims."""

    subject: str = "all"
    category: str = ""
    claims: list[Claim] = Field(default_factory=list)


class Centroid(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    sources: list[str] = Field(default_factory=list)
    note: str = ""


class Sector(Strict):
    name: str
    controller: str
    region: Region
    front: Front
    relief: Relief
    area_km2: Quantity
    elevation_m: Quantity
    forest_share: Quantity
    population: Quantity
    centroid: Centroid
    front_km: Quantity
    fortified_line_depth_km: Quantity
    #: posture of the defence behind the fortified belt: "hasty" when nothing was prepared
    #: there (one line, nothing behind it), "prepared" when a second line was built
    behind_line: Literal["prepared", "hasty"] = "hasty"
    #: share of the sector's fighting in built-up terrain (towns): QJM urban factors
    urban_share: Quantity | None = None
    objective: str | None = None
    note: str = ""


class Link(Strict):
    between: list[str] = Field(min_length=2, max_length=2)
    note: str = ""


class Route(Strict):
    name: str
    side: str
    mode: Literal["road", "rail"]
    road_class: Literal["highway", "main", "mountain", "rail"]
    path: list[str] = Field(min_length=1)
    length_km: Quantity
    capacity_t_per_day: Quantity
    note: str = ""


class Objective(Strict):
    name: str
    sector: str
    side: str
    role: str = ""
    cuts_routes: list[str] = Field(default_factory=list)
    decisive: bool = False
    #: the holder's seat of government: threatening it weighs on the holder's acceptance
    capital: bool = False
    #: worth of the objective to the attacker, in km2 of territory (the unit of its gain)
    value_km2: Quantity | None = None


class AirDefence(Strict):
    name: str
    class_: Literal["sam_long", "sam_medium", "sam_short", "manpads", "aaa", "radar", "decoy"] = (
        Field(alias="class")
    )
    count: Quantity
    #: engagement envelope: highest target altitude (km), slant range (km), targets engaged at
    #: once; guns and radars may omit them (a radar shoots nothing)
    ceiling_km: Quantity | None = None
    range_km: Quantity | None = None
    channels: Quantity | None = None
    note: str = ""


class Drone(Strict):
    name: str
    role: Literal["strike", "loitering", "isr", "decoy"]
    count: Quantity
    #: altitude at which it works (km): what air defence can reach it
    altitude_km: Quantity | None = None
    #: time on station per sortie (hours)
    endurance_h: Quantity | None = None
    note: str = ""


class ElectronicWarfare(Strict):
    name: str
    role: Literal["jamming", "counter_drone", "radar"]
    count: Quantity
    note: str = ""


class ExtraEquipment(Strict):
    """Equipment of a formation counted apart from the side's main inventory (e.g. a separate
    army's tanks); added to the category's count."""

    name: str
    category: Literal["tanks", "ifv_apc", "tube_artillery", "rocket_launchers"]
    count: Quantity
    note: str = ""


class Forces(Strict):
    personnel_standing: Quantity
    personnel_mobilised: Quantity
    mobilisation_days: Quantity
    volunteers: Quantity
    foreign_fighters: Quantity
    tanks: Quantity
    ifv_apc: Quantity
    tube_artillery: Quantity
    rocket_launchers: Quantity
    ballistic_missiles: Quantity
    air_defence: dict[str, AirDefence] = Field(default_factory=dict)
    drones: dict[str, Drone] = Field(default_factory=dict)
    electronic_warfare: dict[str, ElectronicWarfare] = Field(default_factory=dict)
    extra_equipment: dict[str, ExtraEquipment] = Field(default_factory=dict)
    note: str = ""


class RedLine(Strict):
    """What an outside power acts on: when ``trigger`` happens to ``target`` it imposes a
    ceasefire after ``delay_days``. Triggers: ``route_cut`` (a route closed by the enemy's
    control or a fallen objective), ``sector_taken`` (the attacker holds the sector)."""

    trigger: Literal["route_cut", "sector_taken"]
    target: str
    delay_days: Quantity
    action: Literal["impose_ceasefire"] = "impose_ceasefire"
    sources: list[str] = Field(default_factory=list)
    note: str = ""


class Actor(Strict):
    name: str
    roles: list[str] = Field(default_factory=list)
    summary: str = ""
    sources: list[str] = Field(default_factory=list)
    red_lines: list[RedLine] = Field(default_factory=list)


class RecordItem(Figure):
    """What happened: a calibration target or a validation check."""

    use: Literal["calibration", "validation"]
    tolerance: float | None = Field(default=None, ge=0)
    #: "equal": the model should reproduce the value; "at_least": the value is a lower bound
    #: (e.g. visually confirmed losses), so only a model value below it is a miss
    bound: Literal["equal", "at_least"] = "equal"
    series: list[float] | None = None
    series_start: dt.date | None = None

    @model_validator(mode="after")
    def _tolerance(self) -> RecordItem:
        if self.use == "calibration" and self.tolerance is None:
            raise ValueError("a calibration target needs a 'tolerance' (its stated uncertainty)")
        if (self.series is None) != (self.series_start is None):
            raise ValueError("'series' and 'series_start' go together")
        return self


class Parameter(Figure):
    """A mechanism's parameter: sourced, or calibrated with a prior and its targets."""

    prior: list[float] | None = Field(default=None, min_length=2, max_length=2)
    prior_shape: Literal["uniform", "loguniform"] = "uniform"
    fitted_to: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _prior(self) -> Parameter:
        if self.prior is not None:
            lo, hi = self.prior
            if not lo <= hi:
                raise ValueError(f"prior needs low <= high, got [{lo}, {hi}]")
            if not lo <= self.value <= hi:
                raise ValueError(f"value {self.value} lies outside its prior [{lo}, {hi}]")
            if self.prior_shape == "loguniform" and lo <= 0:
                raise ValueError("a loguniform prior needs low > 0")
        return self

    @property
    def calibrated(self) -> bool:
        return self.kind == "calibrated"


class SensitivityGroup(Strict):
    """A group of inputs for ``polemos sensitivity``: shell-glob patterns matched against a
    calibrated parameter's name and the key paths of the quantities that read it (see
    ``src/polemos/analysis/sensitivity_groups.toml``)."""

    label: str = ""
    note: str = ""
    patterns: list[str] = Field(min_length=1)


class SensitivitySpec(Strict):
    """``[sensitivity]``: groups of inputs that add to or override the default table."""

    groups: dict[str, SensitivityGroup] = Field(default_factory=dict)


class Scenario(Strict):
    """A whole scenario after merging (``extends``, folder files, ``--set`` overrides)."""

    schema_version: Literal[1]
    name: str
    title: str
    description: str = ""
    start_date: dt.date
    extends: str | None = None
    sides: dict[str, Side]
    sources: dict[str, Source]
    figures: dict[str, RegisterFigure] = Field(default_factory=dict)
    sectors: dict[str, Sector]
    links: dict[str, Link]
    routes: dict[str, Route] = Field(default_factory=dict)
    objectives: dict[str, Objective] = Field(default_factory=dict)
    forces: dict[str, Forces]
    actors: dict[str, Actor] = Field(default_factory=dict)
    record: dict[str, RecordItem] = Field(default_factory=dict)
    parameters: dict[str, dict[str, Parameter]] = Field(default_factory=dict)
    ceasefire: CeasefireSpec | None = None
    sensitivity: SensitivitySpec | None = None
    _origin: list[str] = PrivateAttr(default_factory=list)  # files read, base first
    _defaults: frozenset = PrivateAttr(default_factory=frozenset)
    _overrides: list[str] = PrivateAttr(default_factory=list)
    _notes: list = PrivateAttr(default_factory=list)

    @property
    def origin(self) -> list[str]:
        """The files this scenario was read from (base scenarios first)."""
        return self._origin

    @property
    def defaults(self) -> frozenset:
        """Parameters ("component.name") taken from the engine's defaults."""
        return self._defaults

    @property
    def notes(self) -> list:
        """Problems that are not errors: parts of the scenario the engine does not read."""
        return self._notes

    @property
    def overrides(self) -> list[str]:
        """The ``key.path=value`` overrides (``--set``) applied when it was loaded."""
        return self._overrides

    # --- convenience -------------------------------------------------------------------------
    @property
    def attacker(self) -> str:
        return next(k for k, s in self.sides.items() if s.role == "attacker")

    @property
    def defender(self) -> str:
        return next(k for k, s in self.sides.items() if s.role == "defender")

    def value(self, q) -> float:
        """Central value of a quantity of this scenario (references followed)."""
        from polemos.scenario.quantity import quantity_value

        return quantity_value(q, self)



__all__ = [
    "SCHEMA_VERSION", "Scenario", "Sector", "Link", "Route", "Objective", "Forces", "Side",
    "Source", "RegisterFigure", "Claim", "RecordItem", "Parameter", "Actor", "Kind", "Unit",
]
