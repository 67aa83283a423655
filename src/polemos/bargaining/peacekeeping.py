"""Peacekeeping as monitoring plus a cost of restarting war (Smith & Stam 2003).

Monitoring ``m`` in ``[0, 1]`` scales down the two forces that keep beliefs apart in
:func:`~polemos.bargaining.simulate.simulate_war`: misperception (each side sees the round's
outcome flipped with probability ``noise``) and forgetting (beliefs regress a fraction ``drift``
per round back towards the prior): ``noise -> (1 - m) noise``, ``drift -> (1 - m) drift``.
``restart_cost`` (units, one-off, paid by each side that resumes fighting) is subtracted from both
sides' values of fighting on, so ``V_A + V_B <= N`` holds on a larger set of ``(i, beliefs)``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Peacekeeping"]


@dataclass(frozen=True)
class Peacekeeping:
    """Monitoring strength ``monitoring`` in ``[0, 1]`` and ``restart_cost`` in units."""

    monitoring: float = 0.0
    restart_cost: float = 0.0

    def __post_init__(self):
        if not 0.0 <= self.monitoring <= 1.0:
            raise ValueError("monitoring must lie in [0, 1]")
        if self.restart_cost < 0.0:
            raise ValueError("restart_cost must be non-negative")

    def noise(self, noise: float) -> float:
        """Misperception probability under monitoring: ``(1 - m) noise``."""
        return (1.0 - self.monitoring) * noise

    def drift(self, drift: float) -> float:
        """Per-round regression of beliefs towards the prior under monitoring: ``(1 - m) drift``."""
        return (1.0 - self.monitoring) * drift
