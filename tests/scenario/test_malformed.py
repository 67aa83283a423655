"""Every family of bad input gets one clear line: file, line, key path and the rule broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polemos.cli import app
from polemos.scenario import ScenarioError, load_scenario

TINY = Path(__file__).parents[1] / "data" / "tiny.toml"
runner = CliRunner()


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _mutate(old: str, new: str, count: int = 1) -> str:
    text = TINY.read_text()
    assert old in text, old
    return text.replace(old, new, count)


# (id, mutation -> text, expected key path, expected rule fragment)
CASES = [
    ("unknown_top_key", lambda: _mutate("title = ", "titel = \"x\"\ntitle = "), "titel",
     "unknown key 'titel' (did you mean 'title'?); valid keys:"),
    ("unknown_sector_key", lambda: _mutate("relief = \"plain\"\narea_km2 = { value = 1000",
                                           "relief = \"plain\"\nareas = 3\narea_km2 = { value = 1000"),
     "sectors.red_base.areas", "unknown key 'areas'"),
    ("unknown_figure_key", lambda: _mutate("{ value = 300, kind = \"estimate\"",
                                           "{ value = 300, knd = \"estimate\""),
     "sectors.plain.elevation_m.knd", "unknown key 'knd' (did you mean 'kind'?)"),
    ("missing_required", lambda: _mutate("region = \"district\"\n", ""), "sectors.plain.region",
     "required key is missing"),
    ("bad_enum", lambda: _mutate("relief = \"mountain\"", "relief = \"alpine\""),
     "sectors.hill.relief", "'plain', 'foothill' or 'mountain'"),
    ("negative_area", lambda: _mutate("area_km2 = { value = 500,", "area_km2 = { value = -5,"),
     "sectors.hill.area_km2", "must be > 0"),
    ("share_above_one", lambda: _mutate("forest_share = { value = 0.4,",
                                        "forest_share = { value = 1.4,"),
     "sectors.hill.forest_share", "a share or probability lies in [0, 1]"),
    ("value_outside_range", lambda: _mutate("value = 100\nlow = 80", "value = 200\nlow = 80"),
     "figures.blue_tanks", "low <= value <= high"),
    ("unknown_source", lambda: _mutate("sources = [\"test\"] }\nfortified",
                                       "sources = [\"tset\"] }\nfortified"),
     "sources", "unknown source 'tset'"),
    ("unknown_sector_in_link", lambda: _mutate("between = [\"plain\", \"hill\"]",
                                               "between = [\"plain\", \"hil\"]"),
     "links.plain__hill.between.1", "unknown sector 'hil'"),
    ("unknown_side", lambda: _mutate("controller = \"blue\"", "controller = \"green\""),
     "sectors.plain.controller", "unknown side 'green'"),
    ("unknown_figure_ref", lambda: _mutate("{ ref = \"blue_tanks\" }", "{ ref = \"blue_tank\" }"),
     "forces.blue.tanks.ref", "unknown figure 'blue_tank'"),
    ("unknown_param_ref", lambda: _mutate("{ param = \"inputs.blue_road_capacity\" }",
                                          "{ param = \"inputs.road\" }"),
     "routes.blue_road.capacity_t_per_day.param", "unknown parameter 'inputs.road'"),
    ("wrong_unit", lambda: _mutate("length_km = { value = 50,", "length_km = { unit = \"m\", value = 50,"),
     "routes.red_road.length_km.unit", "measured in km, got unit 'm'"),
    ("bad_quantity_type", lambda: _mutate("tanks = { value = 200, kind = \"estimate\", sources = [\"test\"] }",
                                          "tanks = \"many\""),
     "forces.red.tanks", "expected a number, or a table"),
    ("disconnected_graph", lambda: _mutate("[links.plain__hill]\nbetween = [\"plain\", \"hill\"]\n", ""),
     "links", "falls into 2 parts"),
    ("route_through_enemy", lambda: _mutate("path = [\"red_base\"]", "path = [\"red_base\", \"plain\"]"),
     "routes.red_road.path.1", "held by 'blue', not by the route's side 'red'"),
    ("objective_unknown_route", lambda: _mutate("cuts_routes = [\"blue_road\"]", "cuts_routes = [\"m12\"]"),
     "objectives.hilltop.cuts_routes.0", "unknown route 'm12'"),
    ("calibration_target_without_tolerance", lambda: _mutate("tolerance = 3\n", ""),
     "record.duration_days", "needs a 'tolerance'"),
    ("param_outside_prior", lambda: _mutate("value = 2000\nprior", "value = 9000\nprior"),
     "parameters.inputs.blue_road_capacity", "outside its prior"),
    ("unknown_fitted_to", lambda: _mutate("fitted_to = [\"duration_days\"]", "fitted_to = [\"duration\"]"),
     "parameters.inputs.blue_road_capacity.fitted_to.0", "unknown record item 'duration'"),
    ("wrong_schema_version", lambda: _mutate("schema_version = 1", "schema_version = 7"),
     "schema_version", "Input should be 1"),
    ("two_attackers", lambda: _mutate("role = \"defender\"", "role = \"attacker\""),
     "sides", "one attacker and one defender"),
    ("bad_date", lambda: _mutate("start_date = 2020-09-27", "start_date = \"yesterday\""),
     "start_date", "date"),
    ("toml_syntax", lambda: _mutate("name = \"tiny\"", "name = \"tiny"), "", "not valid TOML"),
    ("bad_latitude", lambda: _mutate("lat = 39.5", "lat = 139.5"), "sectors.plain.centroid.lat",
     "less than or equal to 90"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_is_reported_with_file_line_key_and_rule(tmp_path, case):
    _, make, key, rule = case
    path = _write(tmp_path, make())
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    lines = [str(p) for p in exc.value.problems]
    hit = [ln for ln in lines if key in ln and rule in ln]
    assert hit, f"no problem names {key!r} and {rule!r}: {lines}"
    assert re.match(r"^.*bad\.toml:\d+ ", hit[0]), hit[0]
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content,rule", [
    (b"", "file is empty"),
    (b"\x00\x01\x02binary", "binary file"),
    (b"\xff\xfe\xfa not utf8", "not UTF-8"),
    (b"just some prose, not toml", "not valid TOML"),
])
def test_not_a_toml_file(tmp_path, content, rule):
    p = tmp_path / "bad.toml"
    p.write_bytes(content)
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 1
    assert rule in result.output and "bad.toml" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("junk, rule", [(b"\x00", "binary file (a NUL byte at byte"),
                                         (b"\xe2\x80", "not UTF-8 text (byte")])
def test_bytes_that_are_not_text_name_their_line(tmp_path, junk, rule):
    """A NUL or a broken UTF-8 sequence on line 3 (the Karabakh fuzz's most common error
    without a line: flipped or inserted bytes)."""
    p = tmp_path / "bad.toml"
    p.write_bytes(b'schema_version = 1\nname = "x"\ntitle = "' + junk + b'"\n')
    result = runner.invoke(app, ["validate", str(p)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(r"bad\.toml:3 " + re.escape(rule), result.output), result.output


def test_missing_file_names_it_and_suggests():
    # a typo close to one embedded name only (karabakh_2002 is as close to karabakh_2023)
    result = runner.invoke(app, ["validate", "karabak_2020"])
    assert result.exit_code == 1
    assert "karabak_2020" in result.output and "did you mean 'karabakh_2020'" in result.output


def test_every_problem_reported_at_once(tmp_path):
    text = _mutate("relief = \"mountain\"", "relief = \"alpine\"")
    text = text.replace("controller = \"blue\"", "controller = \"green\"", 1)
    text = text.replace("titl", "titl", 1).replace("title = ", "titel = \"x\"\ntitle = ")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_write(tmp_path, text))
    # schema errors first: relief and the unknown key in one report
    msgs = " | ".join(map(str, exc.value.problems))
    assert "relief" in msgs and "titel" in msgs


def test_strict_rejects_bare_numbers(tmp_path):
    text = _mutate("tanks = { value = 200, kind = \"estimate\", sources = [\"test\"] }", "tanks = 200")
    p = _write(tmp_path, text)
    load_scenario(p)  # accepted without --strict
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p, strict=True)
    assert any("forces.red.tanks" in str(q) and "bare number" in str(q)
               for q in exc.value.problems)


def test_strict_rejects_unsourced_figure_and_unfitted_parameter(tmp_path):
    text = _mutate("kind = \"calibrated\"\nfitted_to = [\"duration_days\"]\n", "kind = \"calibrated\"\n")
    text = text.replace("tube_artillery = { value = 150, kind = \"estimate\", sources = [\"test\"] }",
                        "tube_artillery = { value = 150, kind = \"estimate\" }")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_write(tmp_path, text), strict=True)
    msgs = [str(q) for q in exc.value.problems]
    assert any("forces.red.tube_artillery" in m and "needs at least one source" in m for m in msgs)
    assert any("blue_road_capacity" in m and "needs 'fitted_to'" in m for m in msgs)


def test_folder_with_key_defined_twice(tmp_path):
    d = tmp_path / "sc"
    d.mkdir()
    (d / "a.toml").write_text(TINY.read_text())
    (d / "b.toml").write_text("[sectors.hill]\nname = \"Hill again\"\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(d)
    assert any("b.toml:2 sectors.hill.name: already defined in" in str(q)
               for q in exc.value.problems)
