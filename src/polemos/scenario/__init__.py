"""Scenarios: the schema, loading and validation, and the evidence register."""

from polemos.scenario.errors import Problem, ScenarioError

__all__ = ["Problem", "ScenarioError", "load_scenario"]


def __getattr__(name):  # keep `import polemos.scenario` light: pydantic loads on first use
    if name == "load_scenario":
        from polemos.scenario import validation as _v

        return getattr(_v, name)
    raise AttributeError(name)
