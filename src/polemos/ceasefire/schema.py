"""The scenario's ``[ceasefire]`` table: the post-war state and the drivers of recurrence.

Every number is a :data:`~polemos.scenario.quantity.Quantity`: a sourced figure, a reference to
the register (``{ref = ...}``) or to a calibrated parameter (``{param = "ceasefire.name"}``, with a
prior). Times are in months since the ceasefire (``start_date`` = month 0); balances are on the
logit scale of ``q``, the probability that the attacker of the war just ended would win a renewed
war; costs and restart costs are shares of the contested prize. See ``docs/ceasefire-forecast.md``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from polemos.scenario.quantity import Quantity, Strict

__all__ = [
    "CeasefireSpec", "RecurrencePrior", "Peacekeepers", "Patron", "Mediator", "Mediation",
    "PowerPath", "Power", "TechnologySignal", "LeaderChange", "Resolve", "Beliefs", "Clashes",
    "Offensive", "Mechanisms", "Driver",
]


class RecurrencePrior(Strict):
    """The survival model that gives the base hazard (``polemos.ceasefire.hazards``).

    The case's covariates; peacekeeping covariates are not given here: they follow
    ``[ceasefire.peacekeepers]`` (``un_led``, ``present``) month by month.
    """

    model: str = "lhr_interstate"
    #: the model whose peacekeeping coefficient (``nonun_pk`` or ``un_pk``) is the force's
    #: effect; "" = ``model``'s own
    peacekeeping_model: str = ""
    victory: Quantity  # 0..1: how far the war ended in a decisive military victory
    victor_unmet_claim: Quantity = 0.0  # 0/1: the victor still claims territory the loser holds
    treaty: Quantity  # 0 = a ceasefire/truce, 1 = a peace treaty
    prior_failed_cf: Quantity  # 0/1: an earlier ceasefire in the conflict failed
    war_deaths: Quantity  # persons (battle deaths of the war just ended)
    war_duration_years: Quantity
    coefficient_uncertainty: bool = True  # draw the fitted coefficients per run (robust vcov)
    note: str = ""


class Peacekeepers(Strict):
    present: bool = True
    led_by: str = ""  # the actor that leads the force
    un_led: bool = False
    size: Quantity  # persons
    armoured_vehicles: Quantity  # count
    vehicles: Quantity  # count
    mandate_years: Quantity
    renewal_years: Quantity
    notice_months: Quantity
    notice_probability: Quantity  # share: a party gives notice before the first renewal
    monitoring_share: Quantity  # share of the fitted peacekeeping effect due to monitoring
    drawdown_month: Quantity | None = None  # months: an early withdrawal (counterfactual)
    strength_after_drawdown: Quantity | None = None  # share of the force left after it
    note: str = ""


class Patron(Strict):
    """The peacekeepers' patron and the outside shocks that can cut its capacity."""

    actor: str  # an actor id
    shock_per_month: Quantity  # per_month: probability of an outside shock
    strength_after_shock: Quantity  # share of the peacekeeping capacity left after a shock
    attention_after_shock: Quantity  # share of the patron's mediation attention left
    forced_shock_month: Quantity | None = None  # months: the shock at this month (counterfactual)
    note: str = ""


class Mediator(Strict):
    name: str
    attention: Quantity  # share 0..1 of sustained high-level attention
    leverage: Quantity  # share 0..1: means to reward or punish either party
    patron: bool = False  # its attention falls with the patron's capacity
    note: str = ""


class Mediation(Strict):
    actors: dict[str, Mediator] = Field(default_factory=dict)
    information: Quantity  # per_month: share of a belief's error corrected per unit attention
    effect: Quantity  # ratio: log-hazard reduction per unit of sum(attention * leverage)
    reference: Quantity  # ratio: sum(attention * leverage) at which the survival model holds
    note: str = ""


class PowerPath(Strict):
    """One side's rearmament: growth of its military capability index."""

    rearmament_per_year: Quantity  # per_year: mean growth rate of capability
    rearmament_sd_per_year: Quantity  # per_year: run-to-run spread of that rate
    sources_of_growth: list[str] = Field(default_factory=list)
    note: str = ""


class Power(Strict):
    balance_at_ceasefire: Quantity  # share: q0, P(the attacker wins a renewed war) at month 0
    elasticity: Quantity  # ratio: contest exponent, q = P_az^e / (P_az^e + P_ar^e)
    commitment_horizon_months: Quantity  # months ahead a side projects the power shift
    sides: dict[str, PowerPath]
    note: str = ""


class TechnologySignal(Strict):
    """Counter-drone systems (e.g. Sapsan-Convoy in Idlib) proving themselves, or not."""

    system: str
    theatre: str = ""
    p_success: Quantity  # share
    earliest_month: Quantity  # months
    latest_month: Quantity  # months
    power_gain: Quantity  # share: gain of the defender's capability index on success
    phase_in_months: Quantity  # months over which that gain is realised
    belief_shift: Quantity  # ratio: logit shift of both sides' beliefs on the signal
    side: str  # whose counter-drone capability it lifts
    forced: str = ""  # "" (drawn), "success" or "failure" (counterfactuals)
    note: str = ""


class LeaderChange(Strict):
    side: str  # whose leader may change
    hazard_per_month: Quantity  # per_month: base hazard of a change of leader
    protest_multiplier: Quantity  # ratio: extra hazard right after the ceasefire (protests)
    protest_decay_months: Quantity  # months: e-folding time of the protest wave
    belief_reset: Quantity  # share of the side's belief replaced by the new leader's
    new_leader_optimism: Quantity  # ratio: logit shift of the new leader's belief in own favour
    forced_month: Quantity | None = None  # months: a leader change at this month (counterfactual)
    note: str = ""


class Resolve(Strict):
    """A side's resolve (the attacker's in the default): domestic unity and oil revenue scale
    its perceived cost of war."""

    side: str  # whose resolve
    rally_at_ceasefire: Quantity  # share: extra resolve from the victory rally at month 0
    rally_decay_months: Quantity  # months
    opposition: Quantity  # share: resolve lost to a serious opposition
    oil_price_usd: Quantity  # usd per barrel (Brent) at the ceasefire
    oil_volatility_per_month: Quantity  # per_month: sd of log oil price changes
    oil_elasticity: Quantity  # ratio: d log resolve / d log oil price (and of rearmament)
    note: str = ""


class Beliefs(Strict):
    """Each side's belief about the balance (logit of q) and how it moves."""

    initial_disagreement: Quantity  # ratio: logit(q_az's belief) - logit(q_ar's belief) at 0
    drift_sd_per_month: Quantity  # ratio: random-walk sd of each belief without information
    clash_learning: Quantity  # per_month: share of belief error corrected per clash death/month
    note: str = ""


class Clashes(Strict):
    deaths_per_month: Quantity  # persons: base rate of battle deaths in border clashes
    dispersion: Quantity  # ratio: gamma shape of the yearly clash intensity (lower = burstier)
    tension_coupling: Quantity  # ratio: exponent on the offensive-hazard multiplier
    threshold_deaths: Quantity  # persons per year: the UCDP activity threshold (25)
    note: str = ""


class Offensive(Strict):
    deaths_median: Quantity  # persons
    deaths_log_sd: Quantity  # ratio
    initiator_share: dict[str, Quantity]  # share of the base hazard attributed to each side
    note: str = ""


class Mechanisms(Strict):
    """How the bargaining mechanisms modulate the survival model's hazard (log-linear)."""

    gap_effect: Quantity  # ratio: d log hazard / d (bargaining gap, prize shares)
    commitment_effect: Quantity  # ratio: d log hazard / d (commitment excess, prize shares)
    gap_reference: Quantity  # share: the bargaining gap of the reference class's ceasefires
    commitment_reference: Quantity  # share: their probability of a commitment problem
    max_log_multiplier: Quantity  # ratio: cap on |log multiplier|
    note: str = ""


class Driver(Strict):
    """A named driver of stability from the sources, with the keys that carry it."""

    name: str
    claims: list[int] = Field(default_factory=list)  # claim numbers in SOURCES.md
    sources: list[str] = Field(default_factory=list)
    keys: list[str] = Field(default_factory=list)  # dotted paths under [ceasefire]
    summary: str = ""


class CeasefireSpec(Strict):
    """The ``[ceasefire]`` table of a scenario."""

    start_date: dt.date
    horizon_months: int = Field(default=60, ge=1, le=240)
    attacker: str  # the side that attacked in the war just ended
    recurrence_prior: RecurrencePrior
    peacekeepers: Peacekeepers
    patron: Patron
    mediation: Mediation
    power: Power
    technology: TechnologySignal
    leader_change: LeaderChange
    resolve: Resolve
    beliefs: Beliefs
    costs: dict[str, Quantity]  # share of the prize: each side's cost of a renewed war
    clashes: Clashes
    offensive: Offensive
    mechanisms: Mechanisms
    drivers: dict[str, Driver] = Field(default_factory=dict)
    #: populated places and districts whose change of control counts as a large-scale offensive
    #: when scoring (``polemos score``; events of kind ``control_change`` must name one)
    places: list[str] = Field(default_factory=list)
    note: str = ""

    @model_validator(mode="after")
    def _two_sides(self) -> CeasefireSpec:
        if self.attacker not in self.costs or len(self.costs) != 2:
            raise ValueError(f"'costs' gives each of the two sides' cost, the attacker "
                             f"'{self.attacker}' and the other; got {sorted(self.costs)}")
        return self
