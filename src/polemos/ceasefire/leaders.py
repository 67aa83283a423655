"""Leader change (in Armenia by default): when it happens, per run.

Monthly hazard ``h(m) = h0 (1 + (k - 1) exp(-(m - 1/2) / tau))``: a base hazard ``h0``
(Archigos), raised by a factor ``k`` during the protests that followed the ceasefire and decaying
with e-folding time ``tau``. The first month ``m`` with ``u[:, m-1] < h(m)`` is the change (one
uniform per run and month, stream ``leader_change``). With ``forced_month`` set (a
counterfactual), every run changes leader in that month and at no other time. What a change does
to beliefs is applied by the forecast loop (:mod:`polemos.ceasefire.forecast`): the side's belief
is replaced in part (``belief_reset``) by the new leader's, which is more optimistic by
``new_leader_optimism`` (logit) than the truth.
"""

from __future__ import annotations

import numpy as np

__all__ = ["leader_change_months", "leader_hazard"]


def leader_hazard(h0, multiplier, tau, months: int) -> np.ndarray:
    """``(runs, months)`` monthly hazard of a change of leader."""
    m = np.arange(1, months + 1, dtype=float)[None, :] - 0.5
    h0 = np.asarray(h0, dtype=float)[:, None]
    k = np.asarray(multiplier, dtype=float)[:, None]
    tau = np.maximum(np.asarray(tau, dtype=float)[:, None], 1e-6)
    return np.clip(h0 * (1.0 + (k - 1.0) * np.exp(-m / tau)), 0.0, 1.0)


def leader_change_months(spec, Q, u: np.ndarray, months: int) -> np.ndarray:
    """``(runs,)`` month of the first change of leader; ``months + 1`` when none.

    ``spec`` a :class:`~polemos.ceasefire.schema.LeaderChange`; ``Q(quantity, key)`` returns a
    quantity's per-run values; ``u`` uniforms shaped ``(runs, months)``.
    """
    runs = u.shape[0]
    if spec.forced_month is not None:
        fm = np.ceil(Q(spec.forced_month, "ceasefire.leader_change.forced_month"))
        return np.clip(fm, 1, months + 1).astype(int)
    h = leader_hazard(Q(spec.hazard_per_month, "ceasefire.leader_change.hazard_per_month"),
                      Q(spec.protest_multiplier, "ceasefire.leader_change.protest_multiplier"),
                      Q(spec.protest_decay_months, "ceasefire.leader_change.protest_decay_months"),
                      months)
    hit = u < h
    first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, months + 1)
    return first.astype(int) if runs else np.zeros(0, int)
