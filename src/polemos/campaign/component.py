"""Components: one mechanism each, with fixed hooks called by the engine.

``init(sim)`` once per chunk of runs, ``step(sim, day)`` once per day in the engine's order,
``finalize(sim)`` at the end. A component reads and writes arrays of ``sim.state`` shaped
(runs, ...), writes the daily record with ``sim.record_day``, draws random numbers only from its
own named streams, and never loops over runs or sectors.
"""

from __future__ import annotations


class Component:
    """Base class of a mechanism. ``name`` names its random streams and its parameters."""

    name: str = "component"
    #: every parameter this component reads, in full (``component.key`` of the scenario's
    #: ``[parameters]``, its own and other components'): the engine's defaults
    #: (``campaign/defaults.toml``) give each one, and validation checks a scenario has them
    params: tuple[str, ...] = ()
    #: families of optional parameters it reads when a scenario gives them (name prefixes,
    #: e.g. ``termination.truce_day_``)
    optional_params: tuple[str, ...] = ()

    def init(self, sim) -> None:  # noqa: B027 - optional hook
        """Create this component's state arrays."""

    def step(self, sim, day: int) -> None:  # noqa: B027 - optional hook
        """Advance one day."""

    def finalize(self, sim) -> None:  # noqa: B027 - optional hook
        """Compute this component's end-of-run results."""

    def describe(self) -> str:
        doc = (type(self).__doc__ or "").strip().splitlines()
        return doc[0] if doc else self.name
