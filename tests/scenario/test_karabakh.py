"""The embedded Karabakh-2020 scenario: strict validity, geography, evidence, CLI views."""

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polemos.cli import app
from polemos.scenario import load_scenario
from polemos.scenario.evidence import contested, register
from polemos.scenario.quantity import Figure, FigureRef, ParamRef
from polemos.scenario.schema import Scenario
from polemos.scenario.validation import FIELD_UNITS, walk
from polemos.scenarios import embedded_path

runner = CliRunner()


@pytest.fixture(scope="module")
def sc():
    return load_scenario("karabakh_2020", strict=True)


def test_validates_strictly_from_the_cli():
    r = runner.invoke(app, ["validate", "--strict", "karabakh_2020"])
    assert r.exit_code == 0, r.output
    assert "valid (strict)" in r.output


def test_sector_graph_is_connected(sc):
    from polemos.scenario.validation import _components

    assert _components(sc) == 1


def test_armenian_held_area_adds_up_to_the_sourced_theatre_area(sc):
    held = sum(sc.value(s.area_km2) for s in sc.sectors.values()
               if s.controller == "armenia" and s.region != "defender_rear")
    fig = sc.figures["area_held_prewar"]
    sourced = [fig.value] + [c.value for c in fig.claims]
    assert any(abs(held - a) / a <= 0.05 for a in sourced), (held, sourced)


def test_every_number_has_a_source_or_a_prior(sc):
    """Every quantity field is a sourced figure, or refers to a sourced figure or a parameter
    that is sourced or calibrated with a prior and targets."""
    for path, v in walk(sc):
        field = next((p for p in reversed(path) if isinstance(p, str)), "")
        if v is None:          # an optional field left out (e.g. a sector's urban_share)
            continue
        if field in FIELD_UNITS and path[-1] == field and path[0] != "parameters":
            assert isinstance(v, (Figure, FigureRef, ParamRef)), path
            if isinstance(v, FigureRef):
                assert sc.figures[v.ref].sources, path
            elif isinstance(v, ParamRef):
                comp, _, name = v.param.partition(".")
                p = sc.parameters[comp][name]
                assert p.sources or (p.prior and p.fitted_to), path
            else:
                assert v.sources, path
    for comp, group in sc.parameters.items():
        for name, p in group.items():
            assert p.sources or (p.kind == "calibrated" and p.prior and p.fitted_to), (comp, name)


def test_dual_place_names(sc):
    for sid, pair in [("shusha", "Shusha/Shushi"), ("stepanakert", "Khankendi/Stepanakert"),
                      ("lachin", "Lachin/Berdzor"), ("kalbajar", "Kalbajar/Karvachar")]:
        assert pair in sc.sectors[sid].name


def test_contested_dead_keep_each_sides_count(sc):
    groups = contested(sc)
    for side in ("armenia", "azerbaijan"):
        fid = f"military_killed_{side}"
        assert fid in groups
        kinds = {e.kind for e in groups[fid]}
        assert "official" in kinds
        claimants = {e.by for e in groups[fid]}
        assert "independent" in claimants or any(
            e.by == "independent" for e in groups["military_killed_all"])
    # each side's wartime claims about the other are kept as claims
    claims_on_az = [e for e in groups["military_killed_azerbaijan"] if e.by == "armenia"]
    assert claims_on_az and all(e.kind == "claim" for e in claims_on_az)


def test_evidence_cli_shows_both_sides_dead():
    r = runner.invoke(app, ["evidence", "karabakh_2020", "--contested"])
    assert r.exit_code == 0
    for text in ("military_killed_armenia", "military_killed_azerbaijan", "3,825", "2,906",
                 "independent", "claim"):
        assert text in r.output


def test_register_lists_inline_figures(sc):
    paths = {e.path for e in register(sc)}
    assert "sectors.shusha.area_km2" in paths


def test_schema_round_trip(sc):
    """dump -> validate gives the same scenario; the JSON Schema is printable."""
    again = Scenario.model_validate(sc.model_dump(by_alias=True))
    assert again.model_dump() == sc.model_dump()
    r = runner.invoke(app, ["schema"])
    schema = json.loads(r.output)
    assert "sectors" in schema["properties"]


def test_scenarios_lists_embedded():
    r = runner.invoke(app, ["scenarios"])
    assert "karabakh_2020" in r.output and "invalid" not in r.output


def test_scenario_files_are_plain_toml():
    for f in embedded_path("karabakh_2020").glob("*.toml"):
        tomllib.loads(f.read_text())


def test_extends_overrides_keys(tmp_path):
    p = tmp_path / "cf.toml"
    p.write_text('schema_version = 1\nname = "cf"\ntitle = "cf"\nstart_date = 2020-09-27\n'
                 'extends = "karabakh_2020"\n'
                 '[forces.azerbaijan.drones.tb2]\n'
                 'count = { value = 0, kind = "estimate", sources = ["ck"] }\n')
    cf = load_scenario(p, strict=True)
    assert cf.value(cf.forces["azerbaijan"].drones["tb2"].count) == 0
    assert cf.forces["azerbaijan"].drones["tb2"].name == "Bayraktar TB2"
    assert cf.name == "cf" and len(cf.sectors) == 21


def test_no_unread_calibrated_inputs(sc):
    """Every calibrated input of karabakh_2020 is read by some quantity of the scenario."""
    from polemos.scenario.validation import unread_input_problems

    assert unread_input_problems(sc) == []


def _with_unread_input(tmp_path):
    tiny = Path(__file__).parents[1] / "data" / "tiny.toml"
    p = tmp_path / "tiny_unread.toml"
    p.write_text(tiny.read_text() + """
[parameters.inputs.nobody_reads_this]
value = 1
prior = [0, 2]
unit = "count"
kind = "calibrated"
fitted_to = ["duration_days"]
note = "read by no quantity"
""")
    return p


def test_unread_inputs_are_found(tmp_path):
    from polemos.scenario.validation import unread_input_problems

    sc = load_scenario(_with_unread_input(tmp_path))
    assert [path for path, _ in unread_input_problems(sc)] == [
        ("parameters", "inputs", "nobody_reads_this")]


def test_validate_strict_lists_unread_inputs(tmp_path):
    r = runner.invoke(app, ["validate", "--strict", str(_with_unread_input(tmp_path))])
    assert r.exit_code == 1 and "inputs.nobody_reads_this" in r.output
    assert "read by nothing" in r.output
    r = runner.invoke(app, ["validate", "--strict", "karabakh_2020"])
    assert r.exit_code == 0 and "unread" not in r.output.lower()
