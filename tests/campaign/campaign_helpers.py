"""Shared pieces of the campaign tests: overrides that silence every ending; editing a
scenario's text."""

import re

# The operational layer has no coin endings: silence each ending the war can produce
# (defender accepts terms, breakpoints, Russia's red line, settlement at the talks).
NO_ACCEPTANCE = ["parameters.termination.untenable_days.value=100000"]
NO_BREAKPOINTS = ["parameters.termination.breakpoint_defender.value=100",
                  "parameters.termination.breakpoint_attacker.value=100"]
NO_RED_LINE = ["parameters.inputs.russia_red_line_delay_days.value=100000"]
NO_TALKS = ["parameters.bargaining.cost_attacker.value=0.0001",
            "parameters.bargaining.cost_defender.value=0.0001",
            "parameters.bargaining.attacker_belief.value=0.95",
            "parameters.bargaining.defender_belief.value=0.05",
            "parameters.bargaining.belief_strength.value=1000"]
QUIET = NO_ACCEPTANCE + NO_BREAKPOINTS + NO_RED_LINE + NO_TALKS


def drop_tables(text: str, pattern: str) -> str:
    """A scenario's TOML text without the tables whose header matches ``pattern`` (a regular
    expression; each table up to the next one)."""
    return re.sub(rf"^\[{pattern}\]\n(?:[^\[\n].*\n|\n)*", "", text, flags=re.M)
