"""Validation checks what the campaign engine reads (campaign/requirements.py): a scenario
missing it fails with ``file:line key.path: message``, never at run time."""

import re
from pathlib import Path

import pytest
from campaign_helpers import drop_tables

from polemos.scenario import ScenarioError, load_scenario

TINY = Path(__file__).parents[1] / "data" / "tiny.toml"


def _problems(tmp_path, edit) -> list[str]:
    path = tmp_path / "war.toml"
    path.write_text(edit(TINY.read_text()))
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    return [str(p) for p in e.value.problems]


def test_an_attacker_without_a_route_is_named(tmp_path):
    probs = _problems(tmp_path, lambda t: drop_tables(t, r"routes\.red_road"))
    assert any(re.match(r".*war\.toml:\d+ routes: the attacker 'red' has no route", p)
               for p in probs), probs


def test_a_defender_without_a_route_is_a_blockaded_enclave(tmp_path):
    def edit(t):
        t = drop_tables(t, r"routes\.blue_road")
        t = t.replace('cuts_routes = ["blue_road"]\n', "")
        return drop_tables(t, r"parameters\.inputs\.blue_road_capacity")
    path = tmp_path / "war.toml"
    path.write_text(edit(TINY.read_text()))
    notes = [str(n) for n in load_scenario(path).notes]
    assert any(re.match(r".*war\.toml:\d+ routes: note: the defender 'blue' has no route: a "
                        "blockaded enclave", n) for n in notes), notes


def test_an_objective_that_can_never_fall_is_named(tmp_path):
    probs = _problems(tmp_path, lambda t: t.replace(
        'sector = "hill"\nside = "blue"', 'sector = "red_base"\nside = "red"').replace(
        'cuts_routes = ["blue_road"]\n', ""))
    assert any(re.match(r".*war\.toml:\d+ objectives\.hilltop\.sector: sector 'red_base' "
                        "cannot change hands", p) for p in probs), probs


def test_a_theatre_without_a_front_is_named(tmp_path):
    # the plain becomes the defender's rear: the hill it still can lose borders no red ground
    probs = _problems(tmp_path, lambda t: t.replace(
        'region = "district"\nfront = "south"', 'region = "defender_rear"\nfront = "south"'))
    assert any(re.match(r".*war\.toml:\d+ links: no sector the defender 'blue' can lose borders",
                        p) for p in probs), probs


def test_air_defence_without_an_envelope_and_drones_without_altitude_are_named(tmp_path):
    probs = _problems(tmp_path, lambda t: re.sub(r"^(ceiling_km|altitude_km) = .*\n", "", t,
                                                 flags=re.M))
    assert any(re.match(r".*war\.toml:\d+ forces\.blue\.air_defence\.old_sam: a sam_short needs "
                        "'ceiling_km'", p) for p in probs), probs
    assert any(re.match(r".*war\.toml:\d+ forces\.red\.drones\.striker: a strike drone needs "
                        "'altitude_km'", p) for p in probs), probs


def test_a_negative_engine_parameter_is_named(tmp_path):
    with pytest.raises(ScenarioError) as e:
        load_scenario(TINY, ["parameters.movement.break_ratio.value=-1"])
    assert [str(p) for p in e.value.problems] == [
        "--set parameters.movement.break_ratio.value: must be >= 0, got -1 (read by movement)"]


def test_parts_the_engine_does_not_read_are_noted():
    notes = [str(n) for n in load_scenario("karabakh_2020").notes]
    assert any("forces.armenia.drones: note: the engine models the attacker's drones only"
               in n for n in notes), notes
    assert any("forces.azerbaijan.air_defence: note:" in n for n in notes), notes
