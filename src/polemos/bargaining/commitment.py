"""Will two sides find war preferable to the status quo? (post-war forecast).

Two rationalist causes of war (Fearon 1995, "Rationalist explanations for war", IO 49(3)):

* Disagreement (Blainey 1973): A expects a share ``mean_a`` of the prize from war, B concedes A
  only ``mean_b``; a split both prefer to war exists iff ``mean_a - mean_b <= cost_a + cost_b``.
* Commitment problem (Fearon 1995; Powell 2006, IO 60(1)): rearmament shifts the balance, and the
  terms of peace will follow it, by ``S`` (signed, in A's favour; ``S ~ Normal(shift, shift_sd)``).
  The side the shift goes against cannot be compensated by promises, so it fights now iff the
  shift exceeds its cost of war: A iff ``-S > cost_a``, B iff ``S > cost_b`` - even with no
  disagreement at all.

Units: shares, costs and shifts as fractions of the whole prize.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["war_probability"]


def _norm_cdf(x: np.ndarray) -> np.ndarray:
    erf = np.frompyfunc(math.erf, 1, 1)
    return 0.5 * (1.0 + np.asarray(erf(np.asarray(x, dtype=float) / math.sqrt(2.0)), dtype=float))


def war_probability(mean_a, mean_b, cost_a, cost_b, shift=0.0, shift_sd=0.0) -> np.ndarray:
    """Probability that at least one side prefers war to the status quo.

    ``P(war) = 1 - 1[mean_a - mean_b <= cost_a + cost_b] * P(-cost_a <= S <= cost_b)`` with
    ``S ~ Normal(shift, shift_sd)``; with ``shift_sd = 0`` it is 0 or 1. ``mean_a`` is A's expected
    share (e.g. ``beliefs.mean()[:, 0]``), ``mean_b`` B's estimate of A's share. Broadcasts.
    """
    mean_a, mean_b, ca, cb, s, sd = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (mean_a, mean_b, cost_a, cost_b, shift, shift_sd))
    )
    agree = mean_a - mean_b <= ca + cb
    safe_sd = np.where(sd > 0.0, sd, 1.0)
    p_keep = _norm_cdf((cb - s) / safe_sd) - _norm_cdf((-ca - s) / safe_sd)
    p_keep = np.where(sd > 0.0, p_keep, ((-s <= ca) & (s <= cb)).astype(float))
    return 1.0 - agree * np.clip(p_keep, 0.0, 1.0)
