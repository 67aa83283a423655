"""Sign tests: raise one driver, keep every random number (common random numbers), and the risk
of a large-scale offensive by the horizon moves the way the mechanism says.

Each test runs the forecast twice at the central value of every parameter (``uncertainty=False``)
with the same seed, the driver at the low and the high end of its prior, and asks for a paired
shift of P(offensive by month 60) of the expected sign, more than 3 paired standard errors from 0.
Effect sizes (``gap_effect``, ``mediation_effect``, ``commitment_effect``) amplify the departure
of their mechanism's level from the reference class, so their expected sign is the sign of that
departure, read from the base run. Parameters with no effect on the offensive by design are
checked to have none (``test_no_effect_on_the_offensive``).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from polemos.ceasefire.forecast import run_forecast
from polemos.ceasefire.inputs import ceasefire_inputs_raw

RUNS = 300
SEED = 7


@pytest.fixture(scope="module")
def base():
    return ceasefire_inputs_raw("karabakh_2020")


def _run(inputs, name=None, value=None, months=60, **kw):
    inp = copy.deepcopy(inputs)
    if name is not None:
        inp.parameters[f"ceasefire.{name}"].value = value
    return run_forecast(inp, runs=RUNS, seed=SEED, months=months, uncertainty=False, **kw)


def _paired(inputs, name, outcome="p_offensive"):
    lo, hi = inputs.parameters[f"ceasefire.{name}"].prior
    a, b = _run(inputs, name, lo), _run(inputs, name, hi)
    d = getattr(b, outcome)[:, -1] - getattr(a, outcome)[:, -1]
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


# (parameter, expected sign of d P(offensive by 60) / d parameter, the mechanism)
SIGNS = [
    ("initial_disagreement", +1, "more mutual optimism widens the bargaining gap"),
    ("clash_learning", -1, "fighting reveals the balance and closes the gap"),
    ("mediation_information", -1, "mediators' information closes the gap"),
    ("rally_at_ceasefire", +1, "resolve lowers Azerbaijan's perceived cost of war"),
    ("rally_decay_months", +1, "the rally (resolve) lasts longer"),
    ("opposition", -1, "opposition lowers Azerbaijan's resolve"),
    ("cost_azerbaijan", -1, "a costlier war leaves more room for a settlement"),
    ("cost_armenia", -1, "a costlier war leaves more room for a settlement"),
    ("russia_attention", -1, "attention x leverage of mediators, and their information"),
    ("russia_leverage", -1, "attention x leverage of mediators"),
    ("minsk_attention", -1, "attention x leverage of mediators, and their information"),
    ("minsk_leverage", -1, "attention x leverage of mediators"),
    ("turkey_attention", -1, "attention x leverage of mediators, and their information"),
    ("turkey_leverage", -1, "attention x leverage of mediators"),
    ("mediation_reference", +1, "the reference class had more mediation than this case"),
    ("gap_reference", -1, "the reference class had a wider gap than this case"),
    ("patron_shock_per_month", +1, "shocks cut the force and the patron's attention"),
    ("patron_strength_after_shock", -1, "more of the force remains after a shock"),
    ("patron_attention_after_shock", -1, "more of the patron's attention remains"),
    ("pk_notice_probability", +1, "notice before the renewal removes the restart cost ahead"),
    ("victory_degree", +1, "interstate model, claims unmet: HR(victor_claim) 3.44 > HR(tie) 2.89"),
    ("leader_hazard_per_month", +1, "a new leader in Armenia is more optimistic"),
    ("leader_protest_multiplier", +1, "more leader changes early"),
    ("leader_belief_reset", +1, "more of the optimistic new leader's belief"),
    ("new_leader_optimism", +1, "the new leader's belief is further in Armenia's favour"),
    ("counterdrone_p_success", +1, "success shifts power towards Armenia (commitment)"),
    ("counterdrone_power_gain", +1, "a larger shift towards Armenia (commitment)"),
    ("rearm_armenia", +1, "a faster shift towards Armenia (commitment problem for Azerbaijan)"),
    ("rearm_azerbaijan", -1, "offsets Armenia's faster rearmament: a smaller shift"),
    ("power_elasticity", +1, "capability shifts move the balance more"),
    ("commitment_horizon_months", +1, "a longer look ahead sees a larger shift"),
    ("clash_deaths_per_month", -1, "more clashes, more learning (beliefs converge)"),
]


@pytest.mark.parametrize("name, sign, why", SIGNS, ids=[s[0] for s in SIGNS])
def test_driver_sign(base, name, sign, why):
    shift, se = _paired(base, name)
    assert sign * shift > 3 * se, (name, why, shift, se)


# At the central values a commitment problem almost never binds (mean C = 0.002: the projected
# shifts, ~0.01-0.05 of the prize, are far below the costs of war, 0.10-0.25), so its effect size
# is tested where the mechanism acts: a large counter-drone gain, likely, and a cheap war.
ACTIVE_COMMITMENT = {"counterdrone_power_gain": 1.0, "counterdrone_p_success": 0.7,
                     "cost_azerbaijan": 0.05}


@pytest.mark.parametrize("name, level, state", [
    ("gap_effect", "gap", {}), ("commitment_effect", "commitment", ACTIVE_COMMITMENT),
    ("mediation_effect", "mediation", {})])
def test_effect_size_amplifies_the_departure_from_the_reference(base, name, level, state):
    """d risk / d effect has the sign of (level - reference), averaged over months and runs
    (for mediation the effect lowers the hazard, so the sign is reversed)."""
    base = copy.deepcopy(base)
    for k, v in state.items():
        base.parameters[f"ceasefire.{k}"].value = v
    f = _run(base)
    dep = float(f.levels[level][:, 1:].mean())
    expected = np.sign(dep) * (-1 if level == "mediation" else 1)
    shift, se = _paired(base, name)
    assert expected != 0
    assert expected * shift > 3 * se, (name, dep, shift, se)


def test_clash_year_drivers(base):
    """Clash deaths raise the chance of a year with >= 25 deaths; monitoring lowers it."""
    shift, se = _paired(base, "clash_deaths_per_month", "p_clash")
    assert shift > 3 * se
    shift, se = _paired(base, "pk_monitoring_share", "p_clash")
    assert -shift > 3 * se


@pytest.mark.parametrize("name", ["initiator_share_azerbaijan", "offensive_deaths_median",
                                  "offensive_deaths_log_sd"])
def test_no_effect_on_the_offensive(base, name):
    """Who starts it and how deadly it is do not change whether an offensive happens."""
    lo, hi = base.parameters[f"ceasefire.{name}"].prior
    a, b = _run(base, name, lo), _run(base, name, hi)
    np.testing.assert_array_equal(a.p_offensive, b.p_offensive)


def test_initiator_share_moves_the_split(base):
    lo, hi = base.parameters["ceasefire.initiator_share_azerbaijan"].prior
    a = _run(base, "initiator_share_azerbaijan", lo).initiator_shares()["azerbaijan"]
    b = _run(base, "initiator_share_azerbaijan", hi).initiator_shares()["azerbaijan"]
    assert b > a + 0.2


def test_levels_not_changes(base):
    """The old reversal: raising a driver's starting value lowered later risk. Now the hazard
    ratio at month 0 already moves with it and stays above the low run's at every month."""
    lo = _run(base, "initial_disagreement", 0.0)
    hi = _run(base, "initial_disagreement", 1.0)
    assert (hi.log_multiplier[:, 0] > lo.log_multiplier[:, 0]).all()
    assert (hi.log_multiplier.mean(axis=0) > lo.log_multiplier.mean(axis=0)).all()


def test_notice_acts_within_the_horizon(base):
    """Notice is given 6 months before the 5-year mandate ends: it must change the forecast by
    month 60 (it was inert when it acted only after the mandate)."""
    a = _run(base, "pk_notice_probability", 0.05)
    b = _run(base, "pk_notice_probability", 0.6)
    assert not np.array_equal(a.p_offensive[:, -1], b.p_offensive[:, -1])
    np.testing.assert_array_equal(a.p_offensive[:, :53], b.p_offensive[:, :53])


def test_peacekeeping_effect_counted_once(base):
    """With the force at full strength and no notice, the mechanisms' log multiplier is the same
    with and without the restart cost once the fitted b_pk is added: the force's total effect on
    the log hazard is b_pk (monitoring phi b_pk directly, the rest through the gap)."""
    from polemos.ceasefire.inputs import Sampler
    from polemos.ceasefire.recurrence_prior import draw_recurrence_prior

    inp = copy.deepcopy(base)
    inp.parameters["ceasefire.pk_notice_probability"].value = 0.0
    inp.parameters["ceasefire.patron_shock_per_month"].value = 0.0
    inp.parameters["ceasefire.max_log_multiplier"].value = 50.0
    with_pk = run_forecast(inp, runs=50, seed=SEED, months=12, uncertainty=False)
    nopk = copy.deepcopy(inp)
    nopk.spec.peacekeepers.present = False
    without = run_forecast(nopk, runs=50, seed=SEED, months=1, uncertainty=False)
    b_pk = draw_recurrence_prior(Sampler(inp, 50, SEED, False), SEED, 1).b_pk
    phi = inp.parameters["ceasefire.pk_monitoring_share"].value
    total = with_pk.log_multiplier[:, 0] + phi * b_pk - without.log_multiplier[:, 0]
    np.testing.assert_allclose(total, b_pk, rtol=1e-9)
