"""Start the ceasefire forecast from each simulated war's end state.

Run i of the forecast takes three inputs from run i of the campaign ensemble (same seed, same
number of runs) instead of drawing them from their priors:

* ``ceasefire.victory_degree`` — how decisive the victory was: the share of the defender's
  pre-war area it lost, in fighting and under the terms (the 2020 record: 32.5% + 39.85%);
* ``ceasefire.balance_at_ceasefire`` — the chance the attacker would win a renewed war, read
  as its share of the two sides' personnel left in the theatre, clipped to the parameter's
  prior range;
* the war's battle deaths (the survival model's ``logdead``): both sides' military killed.
"""

from __future__ import annotations

import numpy as np

WAR_DEATHS_KEY = "ceasefire.recurrence_prior.war_deaths"


def war_end_state(results, scenario) -> dict[str, np.ndarray]:
    """Per-run forecast inputs from :class:`polemos.results.CampaignResults`."""
    a = results.arrays
    lost = np.clip(results.area_taken_share() + results.handed_over_share(), 0.0, 1.0)
    pers = a["pers_final"].astype(float)
    share = np.divide(pers[:, 0], pers.sum(axis=1), out=np.full(len(pers), 0.5),
                      where=pers.sum(axis=1) > 0)
    bal = scenario.parameters["ceasefire"]["balance_at_ceasefire"]
    lo, hi = bal.prior if bal.prior is not None else (0.0, 1.0)
    deaths = a["killed"].astype(float).sum(axis=1)
    return {
        "ceasefire.victory_degree": lost,
        "ceasefire.balance_at_ceasefire": np.clip(share, lo, hi),
        WAR_DEATHS_KEY: np.maximum(deaths, 1.0),
    }
