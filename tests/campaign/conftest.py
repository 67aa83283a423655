from pathlib import Path

import pytest

from polemos.scenario import load_scenario

TINY = Path(__file__).parents[1] / "data" / "tiny.toml"


@pytest.fixture(scope="session")
def karabakh():
    return load_scenario("karabakh_2020")


@pytest.fixture(scope="session")
def tiny_engine():
    """The tiny theatre plus the Karabakh engine parameters (it carries none of its own)."""
    return load_engine_scenario(TINY)


def load_engine_scenario(path, overrides=()):
    sc = load_scenario(path, list(overrides))
    kb = load_scenario("karabakh_2020")
    params = {k: v for k, v in kb.parameters.items() if k not in ("inputs", "ceasefire")}
    params["inputs"] = sc.parameters.get("inputs", {})
    sources = dict(kb.sources)
    sources.update(sc.sources)
    return sc.model_copy(update={"parameters": params, "sources": sources})


@pytest.fixture(scope="session")
def tiny_plain():
    """The tiny theatre as written: its parameters are the engine's defaults."""
    return load_scenario(TINY)
