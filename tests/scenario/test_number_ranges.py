"""Every number checked where it lands (issue 13): finite and in its physical range whether
written inline, reached through {ref} or {param}, in a prior, a posterior row or a --set; the
message names the file and line where the value was written (or the --set)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from polemos.scenario import ScenarioError, load_scenario

TINY = Path(__file__).parents[1] / "data" / "tiny.toml"
KARABAKH = Path(__file__).parents[2] / "src" / "polemos" / "scenarios" / "karabakh_2020"


def _fails(spec, sets=(), *fragments) -> str:
    with pytest.raises(ScenarioError) as e:
        load_scenario(spec, list(sets))
    msg = str(e.value)
    for f in fragments:
        assert f in msg, msg
    return msg


def _tiny(tmp_path, old, new) -> Path:
    text = TINY.read_text()
    assert old in text, old
    p = tmp_path / "t.toml"
    p.write_text(text.replace(old, new, 1))
    return p


def _line(path: Path, fragment: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if fragment in ln)


# the examples, through --set
@pytest.mark.parametrize("setting, fragment", [
    ("forces.azerbaijan.drones.tb2.count=inf", "--set forces.azerbaijan.drones.tb2.count.value: "
     "Input should be a finite number"),
    ("sectors.hadrut.area_km2=1e-320", "--set sectors.hadrut.area_km2: must be > 0"),
    ("parameters.drones.kill_probability=-3", "--set parameters.drones.kill_probability.value: "
     "a share or probability lies in [0, 1], got -3"),
    ("parameters.manoeuvre.frontier_share=2", "--set parameters.manoeuvre.frontier_share.value: "
     "a share or probability lies in [0, 1], got 2"),
    ("sectors.hadrut.area_km2=nan", "finite number"),
    ("forces.azerbaijan.tanks=1e308", "--set forces.azerbaijan.tanks: must lie in [0, 1e+10]"),
    ("parameters.drones.kill_probability.low=", "--set parameters.drones.kill_probability.low: "
     "no value given"),
    ("parameters.drones.kill_probability.low=0.7", "needs low <= value <= high"),
    # found by the fuzz run: a share of 1e308 made a sector's control NaN
    ("parameters.drones.masking_foothill.value=1e308", "--set parameters.drones."
     "masking_foothill.value: a share or probability lies in [0, 1], got 1e+308 (read by "
     "drones)"),
    ("parameters.drones.kill_probability=1e9", "a share or probability lies in [0, 1]"),
    ("parameters.ground_combat.ratio_exponent.value=1e308", "must lie in [0, 2]"),
])
def test_set_out_of_range_is_refused(setting, fragment):
    msg = _fails("karabakh_2020", [setting], fragment)
    assert msg.count("\n") == 0, f"one problem, one line: {msg}"


def test_set_low_keeps_the_value_and_is_checked():
    sc = load_scenario("karabakh_2020", ["parameters.drones.kill_probability.low=0.5"])
    p = sc.parameters["drones"]["kill_probability"]
    assert p.low == 0.5 and p.value == 0.6 and p.kind == "estimate"


def test_a_share_above_one_in_a_file_names_its_line(tmp_path):
    d = tmp_path / "k"
    shutil.copytree(KARABAKH, d, ignore=shutil.ignore_patterns("posterior.csv"))
    f = d / "parameters.toml"
    text = f.read_text()
    old = next(ln for ln in text.splitlines() if ln.startswith("frontier_share = "))
    f.write_text(text.replace(old, "frontier_share = { value = 2, unit = \"share\" }"))
    _fails(d, (), f"parameters.toml:{_line(f, 'frontier_share = {')} "
           "parameters.manoeuvre.frontier_share", "a share or probability lies in [0, 1]")


def test_a_ceasefire_probability_above_one_is_refused():
    _fails("karabakh_2020", ["ceasefire.peacekeepers.notice_probability=5"],
           "--set ceasefire.peacekeepers.notice_probability", "[0, 1], got 5")


@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_bare_non_finite_numbers_are_refused(tmp_path, text):
    p = _tiny(tmp_path, "tanks = { ref = \"blue_tanks\" }", f"tanks = {text}")
    _fails(p, (), f"t.toml:{_line(p, f'tanks = {text}')}", "finite number")


def test_a_negative_reached_through_ref_names_the_figure(tmp_path):
    p = _tiny(tmp_path, "value = 100\nlow = 80\nhigh = 120", "value = -100")
    msg = _fails(p, (), f"t.toml:{_line(p, 'value = -100')} figures.blue_tanks.value",
                 "must be >= 0, got -100")
    assert "read by forces.blue.tanks" in msg and msg.count("\n") == 0


def test_a_negative_reached_through_param_or_its_prior_names_the_parameter(tmp_path):
    p = _tiny(tmp_path, "value = 2000\nprior = [1000, 4000]", "value = 2000\nprior = [-5, 4000]")
    _fails(p, (), f"t.toml:{_line(p, '[parameters.inputs.blue_road_capacity]') + 1} "
           "parameters.inputs.blue_road_capacity.value", "got -5..4000")


def test_a_negative_record_figure_is_refused(tmp_path):
    p = _tiny(tmp_path, "[record.duration_days]\nvalue = 20", "[record.duration_days]\nvalue = -20")
    _fails(p, (), "record.duration_days.value", "must be >= 0, got -20")


def test_a_subnormal_area_in_a_file_is_refused(tmp_path):
    text = TINY.read_text()
    old = next(ln for ln in text.splitlines() if ln.startswith("area_km2 = "))
    p = tmp_path / "t.toml"
    p.write_text(text.replace(old, "area_km2 = 1e-320", 1))
    _fails(p, (), f"t.toml:{_line(p, 'area_km2 = 1e-320')}", "must be > 0")


def test_a_posterior_row_out_of_range_names_its_line(tmp_path):
    d = tmp_path / "k"
    shutil.copytree(KARABAKH, d)
    post = d / "posterior.csv"
    lines = post.read_text().splitlines()
    col = lines[0].split(",").index("drones.kill_probability")
    row = lines[5].split(",")
    row[col] = "1.7"
    lines[5] = ",".join(row)
    post.write_text("\n".join(lines) + "\n")
    _fails(d, (), "posterior.csv:6 drones.kill_probability: posterior draw 5: a share or "
           "probability lies in [0, 1], got 1.7")


def _posterior(tmp_path, edit) -> Path:
    """A copy of the Karabakh folder whose posterior.csv's lines are ``edit(lines)``."""
    d = tmp_path / "k"
    shutil.copytree(KARABAKH, d)
    post = d / "posterior.csv"
    post.write_text("".join(ln + "\n" for ln in edit(post.read_text().splitlines())))
    return d


# found by the Karabakh fuzz (tests/scenario/fuzzing.py): an empty posterior.csv printed
# numpy's "input contained no data" and every run drew from the priors instead; a column named
# twice was taken once (the other parameter drew from its prior); a ragged row gave numpy's
# message ("use `usecols`") without a line
@pytest.mark.parametrize("edit, fragment", [
    (lambda lines: [], "posterior.csv the posterior holds no draws"),
    (lambda lines: lines[:1], "posterior.csv:1 the posterior holds no draws"),
    (lambda lines: [lines[0].replace("logistics.repair_share", "movement.advance_scale")]
     + lines[1:], "posterior.csv:1 movement.advance_scale: column named twice"),
    (lambda lines: lines[:300] + [",,,"] + lines[300:],
     "posterior.csv:301 cannot read the posterior: 4 values, but the header names 122"),
    (lambda lines: lines[:3] + [",".join([lines[3].split(",")[0], "abc",
                                          *lines[3].split(",")[2:]])] + lines[4:],
     "posterior.csv:4 cannot read the posterior: column 2 ('abc') is not a number"),
    # the fuzz's (seed 13, case 6915 after the first fixes): a quote that opens a field
    # running past the csv module's limit was a traceback (csv.Error)
    (lambda lines: lines[:5] + ['"""' + lines[5]] + lines[6:],
     "cannot read the posterior: not a CSV row (field larger than field limit"),
    (lambda lines: ['"' + lines[0]] + lines[1:],
     "posterior.csv:1 cannot read the posterior: the header is not a CSV row"),
    (lambda lines: lines[:9] + ["", "# a comment"] + lines[9:12]
     + [lines[12].replace(lines[12].split(",")[0], "nan", 1)] + lines[13:],
     "posterior.csv:15 air_defence.decoy_sorties_per_day: posterior draw 12: not finite"),
])
def test_a_broken_posterior_is_refused_with_its_line(tmp_path, recwarn, edit, fragment):
    _fails(_posterior(tmp_path, edit), (), fragment)
    assert not [w for w in recwarn if "loadtxt" in str(w.message)]


def test_the_embedded_scenarios_still_validate():
    from polemos.scenarios import embedded_names

    for name in embedded_names():
        load_scenario(name)


def _ceasefire_quantity_fields(model=None, seen=None) -> set[str]:
    """Every quantity field of ``[ceasefire]`` (walking its schema's models)."""
    import typing

    from pydantic import BaseModel

    from polemos.ceasefire.schema import CeasefireSpec

    model, seen = model or CeasefireSpec, seen if seen is not None else set()
    out = set()
    for name, f in model.model_fields.items():
        if "FigureRef" in repr(f.annotation):
            out.add(name)
        for a in (f.annotation, *typing.get_args(f.annotation)):
            for b in (a, *typing.get_args(a)):
                if isinstance(b, type) and issubclass(b, BaseModel) and b not in seen \
                        and b.__module__ == "polemos.ceasefire.schema":
                    seen.add(b)
                    out |= _ceasefire_quantity_fields(b, seen)
    return out


def test_every_ceasefire_quantity_has_a_range():
    """Each number of [ceasefire] is bounded by its unit or by its mechanism (the Karabakh
    fuzz found fields with no rule at all: an oil elasticity of 2,000 overflowed the
    forecast)."""
    from polemos.scenario.schema import CEASEFIRE_FIELDS, CEASEFIRE_RANGES

    fields = _ceasefire_quantity_fields()
    assert len(fields) > 50
    assert fields - set(CEASEFIRE_FIELDS) - set(CEASEFIRE_RANGES) == set()


def test_a_ceasefire_field_pointed_at_a_road_capacity_is_refused(tmp_path):
    """The Karabakh fuzz's input (seed 13, case 698): ``oil_elasticity`` pointed at a road's
    capacity (t/day) passed, then overflowed ``exp`` in the forecast."""
    d = tmp_path / "k"
    shutil.copytree(KARABAKH, d)
    f = d / "ceasefire.toml"
    text = f.read_text()
    old = 'oil_elasticity = { param = "ceasefire.oil_elasticity" }'
    assert old in text
    f.write_text(text.replace(old, 'oil_elasticity = { param = '
                              '"inputs.az_road_south_capacity_t_per_day" }'))
    msg = _fails(d, (), "parameters.inputs.az_road_south_capacity_t_per_day.value: must lie in "
                 "[-1, 1]", "(read by ceasefire.resolve.oil_elasticity)")
    assert msg.count("\n") == 0, msg


#: each found by a sweep of the forecast's fields at extreme values: accepted, then an overflow
#: (exp), a log or a division by zero, or NaN deaths in the forecast
CEASEFIRE_FOUND = [
    ("ceasefire.recurrence_prior.war_deaths=0", "must be > 0 (at least 1)"),
    ("ceasefire.power.elasticity=1e3", "must lie in [0, 10]"),
    ("ceasefire.power.elasticity=-1", "must be >= 0"),
    ("ceasefire.power.commitment_horizon_months=1e5", "must lie in [0, 240]"),
    ("ceasefire.power.sides.armenia.rearmament_per_year=100", "must lie in [-1, 1]"),
    ("ceasefire.power.sides.armenia.rearmament_sd_per_year=100", "must lie in [0, 1]"),
    ("ceasefire.technology.belief_shift=1e3", "must lie in [-10, 10]"),
    ("ceasefire.leader_change.new_leader_optimism=1e6", "must lie in [-10, 10]"),
    ("ceasefire.resolve.oil_volatility_per_month=1e3", "must lie in [0, 1]"),
    ("ceasefire.resolve.oil_elasticity=-1e3", "must be >= -1, got -1000"),
    # found by the sweep of the slow tests at 240 months: -5 compounded past float64
    ("ceasefire.resolve.oil_elasticity=-5", "must be >= -1, got -5"),
    ("ceasefire.beliefs.initial_disagreement=1e6", "must lie in [-10, 10]"),
    ("ceasefire.beliefs.drift_sd_per_month=100", "must lie in [0, 1]"),
    ("ceasefire.clashes.dispersion=0", "must be > 0 (at least 0.01)"),
    ("ceasefire.clashes.tension_coupling=10", "must lie in [0, 5]"),
    ("ceasefire.clashes.deaths_per_month=1e9", "must lie in [0, 1e+06]"),
    ("ceasefire.offensive.deaths_log_sd=1e3", "must lie in [0, 5]"),
    ("ceasefire.mechanisms.gap_effect=0", "must be > 0 (at least 0.001)"),
    ("ceasefire.mechanisms.max_log_multiplier=1e3", "must lie in [0, 10]"),
    ("ceasefire.mediation.information=2", "a share or probability lies in [0, 1]"),
]
#: each found by a sweep of the campaign engine's parameters at the edges of their range
#: (tests/scenario/test_fuzz.py::test_engine_parameters_at_the_edges_of_their_range): accepted,
#: then a division by zero, a Beta belief with no mass, a float32 overflow, negative dead or a
#: 20 GB table
ENGINE_FOUND = [
    ("parameters.air_defence.ew_scale=0", "must be >= 0.001, got 0"),
    ("parameters.drones.defender_ew_scale=0", "must be >= 0.001, got 0"),
    ("parameters.drones.detection_hours_for_coverage=0", "must be >= 0.001, got 0"),
    ("parameters.logistics.t_per_person_moved=0", "must be >= 0.001, got 0"),
    ("parameters.manoeuvre.decisiveness=0", "must be >= 0.001, got 0"),
    ("parameters.movement.posture_advance_fortified=0", "must be >= 0.001, got 0"),
    ("parameters.movement.posture_advance_hasty=0", "must be >= 0.001, got 0"),
    ("parameters.movement.posture_advance_withdrawal=0", "must be >= 0.001, got 0"),
    ("parameters.movement.terrain_advance_plain=0", "must be >= 0.001, got 0"),
    ("parameters.movement.terrain_advance_foothill=0", "must be >= 0.001, got 0"),
    ("parameters.movement.terrain_advance_mountain=0", "must be >= 0.001, got 0"),
    ("parameters.bargaining.attacker_belief=1", "must lie in [0.001, 0.999], got 1"),
    ("parameters.bargaining.defender_belief=0", "must be >= 0.001, got 0"),
    ("parameters.bargaining.belief_strength=0", "must be >= 0.001, got 0"),
    ("parameters.bargaining.units=1e7", "must lie in [1, 1000], got 1e+07"),
    ("parameters.bargaining.units=0", "must be >= 1, got 0"),
    ("parameters.deployment.attacker_regroup_rate=1000", "a share or probability lies in [0, 1], got 1000"),
    ("parameters.deployment.reserve_commit_rate=1000", "a share or probability lies in [0, 1], got 1000"),
    ("parameters.ground_combat.ratio_exponent=3", "must lie in [0, 2], got 3"),
    ("parameters.movement.ratio_exponent=20", "must lie in [0, 3], got 20"),
]


@pytest.mark.parametrize("setting, fragment", CEASEFIRE_FOUND + ENGINE_FOUND)
def test_mechanism_ranges(setting, fragment):
    key = setting.partition("=")[0]
    msg = _fails("karabakh_2020", [setting], f"--set {key}", fragment)
    assert msg.count("\n") == 0, msg


def test_a_posterior_column_beyond_its_mechanism_is_refused(tmp_path):
    """The fuzz's input (seed 13, case 6841, before the check of duplicate names): a column
    of mobilised men (tens of thousands) under the name ground_combat.ratio_exponent made the
    casualty law's power overflow."""
    def edit(lines):
        head = lines[0].split(",")
        j = head.index("ground_combat.ratio_exponent")
        rows = [ln.split(",") for ln in lines[1:]]
        for r in rows[:3]:
            r[j] = "52000"
        return [lines[0]] + [",".join(r) for r in rows]
    _fails(_posterior(tmp_path, edit), (), "posterior.csv:2 ground_combat.ratio_exponent: "
           "posterior draw 1: must lie in [0, 2], got 52000 (3 draw(s) break it)")
