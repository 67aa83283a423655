"""The random-walk model of war and bargaining (Smith & Stam 2003, 2004).

War is a random walk over ``N`` contested units; each side learns about its chance per round by
Bayes' rule and the war ends when the sides' beliefs are close enough, relative to the costs of
fighting, for a split to beat fighting on - or when one side holds everything. Mediation adds
information, peacekeeping slows the drift of beliefs and raises the cost of restarting war.
See ``docs/bargaining.md``. Importing this package loads numpy only.
"""

from .beliefs import BetaBeliefs, DiscreteBeliefs, beta_nodes
from .commitment import war_probability
from .mediation import Mediator, mediate
from .peacekeeping import Peacekeeping
from .random_walk import (
    absorption_probability,
    continuation_value,
    expected_duration,
    expected_duration_truncated,
)
from .settlement import continuation_values, settlement_possible, settlement_terms
from .simulate import A_WON, B_WON, ONGOING, SETTLED, WarResult, simulate_walk, simulate_war
from .values import belief_value_dp, value_dp

__all__ = [
    "A_WON",
    "B_WON",
    "ONGOING",
    "SETTLED",
    "BetaBeliefs",
    "DiscreteBeliefs",
    "Mediator",
    "Peacekeeping",
    "WarResult",
    "absorption_probability",
    "belief_value_dp",
    "beta_nodes",
    "continuation_value",
    "continuation_values",
    "expected_duration",
    "expected_duration_truncated",
    "mediate",
    "settlement_possible",
    "settlement_terms",
    "simulate_walk",
    "simulate_war",
    "value_dp",
    "war_probability",
]
