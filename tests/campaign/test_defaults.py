"""The engine's defaults (campaign/defaults.toml): every parameter a component reads, each
sourced or with a prior; the components read nothing they do not declare; a scenario that
gives no parameters runs on them, and Karabakh's own values are untouched."""

import tomllib
from collections import defaultdict

import pytest

from polemos.campaign.components import default_components
from polemos.campaign.engine import Simulation
from polemos.campaign.requirements import required_parameters
from polemos.scenario.load import ENGINE_DEFAULTS

DEFAULTS = tomllib.loads(ENGINE_DEFAULTS.read_text())


def _default_names():
    return {f"{c}.{k}" for c, group in DEFAULTS["parameters"].items() for k in group}


def test_defaults_give_exactly_the_parameters_the_components_read():
    assert _default_names() == set(required_parameters())


def test_each_default_is_sourced_or_calibrated_with_a_prior():
    for name in sorted(_default_names()):
        comp, _, key = name.partition(".")
        p = DEFAULTS["parameters"][comp][key]
        if p["kind"] == "calibrated":
            lo, hi = p["prior"]
            assert lo <= p["value"] <= hi, name
            assert "fitted_to" not in p, f"{name}: a default names no war's record"
        else:
            assert p["sources"] and set(p["sources"]) <= set(DEFAULTS["sources"]), name
        assert p.get("unit") and p.get("note"), name


def test_karabakh_takes_only_sourced_constants_from_the_defaults(karabakh):
    """Its calibrated values stay its own; from the defaults it takes only the mechanisms'
    sourced constants (QJM tables, CDB90 ratios, ...), at the values it had before."""
    assert karabakh.defaults and all(
        DEFAULTS["parameters"][c][k]["kind"] != "calibrated"
        for c, _, k in (n.partition(".") for n in karabakh.defaults))
    own = {f"{c}.{k}" for c, g in karabakh.parameters.items() for k, p in g.items()
           if p.kind == "calibrated"}
    assert not own & karabakh.defaults and len(own) > 80
    qjm = karabakh.parameters["ground_combat"]
    assert (qjm["posture_fortified"].value, qjm["armour_loss_ratio"].range) == (1.6,
                                                                               (1.44, 7.12))


def test_a_scenario_without_parameters_takes_them_all_from_the_defaults(tiny_plain):
    assert tiny_plain.defaults == set(required_parameters())
    mov = tiny_plain.parameters["movement"]["advance_scale"]
    assert mov.value == DEFAULTS["parameters"]["movement"]["advance_scale"]["value"]


def _reads(scenario, monkeypatch, days=4):
    """Parameters read by each component while ``scenario`` runs ``days`` days."""
    from polemos.campaign import params as P

    current = [None]
    seen = defaultdict(set)
    for meth in ("__getitem__", "row", "scalar"):
        orig = getattr(P.ParamSet, meth)

        def recorded(self, name, _orig=orig):
            seen[current[0]].add(name)
            return _orig(self, name)

        monkeypatch.setattr(P.ParamSet, meth, recorded)
    def attributed(f, name):
        def call(*a, **k):
            before, current[0] = current[0], name
            try:
                return f(*a, **k)
            finally:
                current[0] = before
        return call

    comps = default_components()
    for c in comps:
        for hook in ("init", "step", "finalize", "settles"):
            if hasattr(c, hook):
                setattr(c, hook, attributed(getattr(c, hook), c.name))
    Simulation(scenario, range(20), seed=3, mode="prior", components=comps,
               max_days=days).run()
    return {c: seen[c.name] for c in comps}


@pytest.mark.parametrize("which", ["tiny_plain", "karabakh"])
def test_components_read_only_the_parameters_they_declare(which, request, monkeypatch):
    reads = _reads(request.getfixturevalue(which), monkeypatch)
    for comp, names in reads.items():
        undeclared = {n for n in names - set(comp.params)
                      if not n.startswith(comp.optional_params or ("\0",))}
        assert not undeclared, f"{comp.name} reads undeclared {sorted(undeclared)}"
