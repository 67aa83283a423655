"""Mediation as information (Smith & Stam 2003, sec. "Mediation").

A mediator who observes ``signals`` draws of its own about ``p`` (each a Bernoulli(``p_true``)
pseudo-round) shares them with both sides; each side adds them to its Beta belief, so the two
beliefs converge faster and a settlement is reached sooner. A mediator with no information of its
own (``signals = 0``) changes nothing: relaying the sides' own claims adds no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .beliefs import BetaBeliefs

__all__ = ["Mediator", "mediate"]


@dataclass(frozen=True)
class Mediator:
    """A mediator with ``signals`` pseudo-rounds of private evidence per round (int >= 0)."""

    signals: int = 0


def mediate(beliefs: BetaBeliefs, p_true, signals: int, rng: np.random.Generator) -> BetaBeliefs:
    """Add a public signal ``k ~ Binomial(signals, p_true)`` to both sides' beliefs, per run.

    ``a += k``, ``b += signals - k`` (the same ``k`` for A and B). ``p_true`` scalar or
    ``(runs,)``. Returns ``beliefs`` unchanged when ``signals == 0``.
    """
    signals = int(signals)
    if signals <= 0:
        return beliefs
    p = np.broadcast_to(np.asarray(p_true, dtype=float), (beliefs.runs,))
    k = rng.binomial(signals, p).astype(float)
    return beliefs.add_pseudo(k, signals)
