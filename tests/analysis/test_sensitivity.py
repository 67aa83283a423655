"""Sobol' sensitivity ("what decided the war"): toy models with known indices through the same
plain functions (sample -> evaluate -> analyse), the grouping of inputs from data, and small
runs of the engine and of the command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from polemos.analysis import sensitivity as sa
from polemos.scenario.schema import SensitivityGroup


def _analyse(names, groups, model, n=1024, seed=3):
    u = sa.sobol_design(names, groups, n, seed)
    assert len(u) == n * (len(set(groups)) + 2)
    return sa.sobol_indices(groups, model(u), resamples=300, seed=seed)


# --- toy models with known answers ------------------------------------------------------------
def test_additive_model_indices_are_the_variance_shares():
    # y = 1 x0 + 2 x1 + 3 x2, x ~ U(0,1): S1 = ST = a_i^2 / sum a^2 (no interactions)
    a = np.array([1.0, 2.0, 3.0])
    names = ["a", "b", "c"]
    ix = _analyse(names, names, lambda u: u @ a)
    share = a ** 2 / (a ** 2).sum()
    np.testing.assert_allclose(ix.S1[:, 0], share, atol=0.01)
    np.testing.assert_allclose(ix.ST[:, 0], share, atol=0.01)
    assert np.all(np.abs(ix.ST[:, 0] - share) <= ix.ST_conf[:, 0])     # inside its interval
    assert np.all(ix.ST_conf[:, 0] < 0.1)


def test_a_parameter_that_does_nothing_gets_zero_and_the_others_do_not():
    # Ishigami (a = 7, b = 0.1) plus an idle input; analytic S1 = (0.314, 0.442, 0),
    # ST = (0.558, 0.442, 0.244)
    names = ["x1", "x2", "x3", "idle"]

    def ishigami(u):
        x = -np.pi + 2 * np.pi * u
        return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])

    ix = _analyse(names, names, ishigami, n=2048)
    assert ix.groups == names
    assert abs(ix.ST[3, 0]) <= ix.ST_conf[3, 0] + 1e-12 and abs(ix.ST[3, 0]) < 1e-9
    assert np.all(ix.ST[:3, 0] - ix.ST_conf[:3, 0] > 0.15)
    np.testing.assert_allclose(ix.ST[:3, 0], [0.558, 0.442, 0.244], atol=0.04)
    np.testing.assert_allclose(ix.S1[:3, 0], [0.314, 0.442, 0.0], atol=0.06)


def test_a_group_of_two_additive_inputs_gets_their_sum():
    a = np.array([1.0, 2.0, 3.0, 0.0])
    names = ["a", "b", "c", "idle"]
    single = _analyse(names, names, lambda u: u @ a)
    grouped = _analyse(names, ["g", "g", "h", "idle"], lambda u: u @ a)
    assert grouped.groups == ["g", "h", "idle"]
    np.testing.assert_allclose(grouped.ST[:, 0], [5 / 14, 9 / 14, 0.0], atol=0.01)
    np.testing.assert_allclose(grouped.S1[0, 0], single.S1[0, 0] + single.S1[1, 0], atol=0.02)


def test_common_random_numbers_keep_noise_out_of_an_idle_input():
    """A stochastic toy, each point the mean of R runs: on common random numbers (run j of
    every point shares its noise) an idle input's ST is exactly 0; with fresh noise at every
    point it picks up about the noise share, which noise_share measures."""
    R, sigma = 4, 0.3
    names = ["x", "idle"]
    u = sa.sobol_design(names, names, 512, 5)
    eps_common = np.random.default_rng(1).standard_normal(R)

    def runs(u, eps):                       # (points, R): y = x · (1 + sigma ε)
        return u[:, :1] * (1 + sigma * eps)

    crn = runs(u, eps_common[None, :])
    fresh = runs(u, np.random.default_rng(2).standard_normal((len(u), R)))
    for y, idle_zero in ((crn, True), (fresh, False)):
        ix = sa.sobol_indices(names, y.mean(1), resamples=300, seed=5)
        nz = sa.noise_share(y.mean(1)[:, None], y.var(1, ddof=1)[:, None], R)[0]
        if idle_zero:
            assert ix.ST[1, 0] == 0.0
        else:
            # E[x²] σ² / R over Var(x) + that: (1/3 · 0.09 / 4) / (1/12 + ...) ≈ 0.083
            assert 0.05 < nz < 0.12
            assert ix.ST[1, 0] > 0.02 and ix.ST[1, 0] < nz + ix.ST_conf[1, 0]


def test_an_output_that_does_not_vary_gets_no_index():
    names = ["a", "b"]
    u = sa.sobol_design(names, names, 64, 1)
    ix = sa.sobol_indices(names, np.column_stack([u[:, 0], np.full(len(u), 3.0)]))
    assert np.isfinite(ix.ST[:, 0]).all() and np.isnan(ix.ST[:, 1]).all()


def test_design_needs_a_power_of_two():
    with pytest.raises(ValueError, match="power of 2"):
        sa.sobol_design(["a", "b"], ["a", "b"], 100, 1)


# --- groups from data -------------------------------------------------------------------------
def _table(source, **groups):
    return sa.GroupTable({g: SensitivityGroup(patterns=p) for g, p in groups.items()}, source)


def test_most_specific_pattern_wins_and_unmatched_inputs_go_to_other():
    keys = {"drones.kill_probability_sam": ["drones.kill_probability_sam"],
            "drones.sorties": ["drones.sorties"],
            "inputs.x": ["inputs.x", "forces.blue.air_defence.sa8.count"],
            "inputs.y": ["inputs.y", "forces.blue.tanks"],
            "mystery.k": ["mystery.k"]}
    t = _table("default", drones=["drones.*"], ad=["drones.kill_probability_*",
                                                    "forces.*.air_defence.*"],
               numbers=["forces.*"])
    got, info = sa.assign_groups(keys, [t])
    assert got == {"drones.kill_probability_sam": "ad", "drones.sorties": "drones",
                   "inputs.x": "ad", "inputs.y": "numbers", "mystery.k": sa.OTHER}
    assert info["order"] == ["drones", "ad", "numbers", sa.OTHER]
    assert not info["unused_patterns"]
    # an override (scenario or --groups) is consulted first
    over = _table("cli", terrain=["inputs.y"])
    got, info = sa.assign_groups(keys, [over, t])
    assert got["inputs.y"] == "terrain" and got["drones.sorties"] == "drones"
    assert info["order"] == ["drones", "ad", "numbers", "terrain", sa.OTHER]


def test_equally_specific_patterns_of_two_groups_are_an_error():
    t = _table("mine.toml", a=["x.*"], b=["*.y"])
    with pytest.raises(ValueError, match="mine.toml.*x.y.*several groups"):
        sa.assign_groups({"x.y": ["x.y"]}, [t])


def test_default_table_groups_every_input_of_the_default_scenario(scenario):
    ranges, _ = sa.input_ranges(scenario, "prior")
    keys = sa.parameter_keys(scenario, ranges)
    got, info = sa.assign_groups(keys, sa.group_tables(scenario))
    assert sa.OTHER not in set(got.values())
    # an input is grouped by the quantity that reads it
    for name, ks in keys.items():
        if any(".drones." in k and k.startswith("forces.") for k in ks):
            assert got[name] == "drones", name
        if any(k.startswith("routes.") for k in ks):
            assert got[name] == "logistics", name
        if any(k.startswith("forces.") and ".air_defence." in k for k in ks):
            assert got[name] == "air_defence_ew", name
    assert {got[k] for k in ranges if k.startswith("ground_combat.")} == {"lethality"}
    assert len(set(got.values())) >= 8


def test_group_file_errors_name_the_file_and_key(tmp_path):
    from polemos.scenario import ScenarioError

    bad = tmp_path / "groups.toml"
    bad.write_text('[groups.drones]\nlabel = "Drones"\npatterns = "drones.*"\n')
    with pytest.raises(ScenarioError) as e:
        sa.read_group_table(bad)
    msg = str(e.value)
    assert "groups.toml:3" in msg and "groups.drones.patterns" in msg
    bad.write_text("[groups.drones\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        sa.read_group_table(bad)


def test_a_scenario_can_override_the_groups(tmp_path):
    from polemos.scenario import load_scenario

    f = tmp_path / "regrouped.toml"
    f.write_text('schema_version = 1\nname = "regrouped"\ntitle = "t"\n'
                 'start_date = 2020-09-27\nextends = "karabakh_2020"\n\n'
                 '[sensitivity.groups.drone_duel]\nlabel = "The drone duel"\n'
                 'patterns = ["drones.kill_probability_sam", "drones.kill_probability"]\n')
    sc = load_scenario(f)
    ranges, _ = sa.input_ranges(sc, "prior")
    got, info = sa.assign_groups(sa.parameter_keys(sc, ranges), sa.group_tables(sc))
    assert got["drones.kill_probability"] == got["drones.kill_probability_sam"] == "drone_duel"
    assert got["drones.sorties_per_airframe"] == "drones"
    assert info["labels"]["drone_duel"] == "The drone duel"


# --- ranges -----------------------------------------------------------------------------------
def test_ranges_from_the_posterior_lie_within_the_priors(scenario):
    from polemos.analysis.calibrate import campaign_priors

    pri = campaign_priors(scenario, fitted_only=False)
    post, src = sa.input_ranges(scenario, "posterior", (0.05, 0.95))
    prior, _ = sa.input_ranges(scenario, "prior")
    assert prior == pri and set(post) == set(pri)
    assert not any(k.startswith("ceasefire.") for k in post)
    for k, (lo, hi, shape) in post.items():
        assert pri[k][0] <= lo <= hi <= pri[k][1] and shape == pri[k][2], k
    # the fitted parameters take the posterior's quantiles; the others their prior
    fitted = campaign_priors(scenario)
    assert {k for k, s in src.items() if s.startswith("posterior")} == set(fitted)
    narrower = [k for k in fitted if post[k][1] - post[k][0] < pri[k][1] - pri[k][0]]
    assert len(narrower) == len(fitted)
    with pytest.raises(ValueError, match="over must be"):
        sa.input_ranges(scenario, "guess")


@pytest.fixture(scope="module")
def scenario():
    from polemos.scenario import load_scenario

    return load_scenario("karabakh_2020")


# --- the engine -------------------------------------------------------------------------------
def test_engine_points_do_not_depend_on_chunks_and_an_unread_input_is_inert(scenario):
    """Common random numbers: an input the engine never reads gets ST = 0 exactly on every
    output; the evaluation does not depend on how points are chunked."""
    ranges = {"drones.kill_probability": (0.3, 0.9, "uniform"),
              "ground_combat.base_casualty_rate": (0.002, 0.05, "loguniform"),
              "nothing.reads_this": (0.0, 1.0, "uniform")}
    groups = ["drones", "lethality", "idle"]
    u = sa.sobol_design(list(ranges), groups, 4, 7)
    outs = sa.outputs(scenario)
    y1, v1 = sa.evaluate_points(scenario, ranges, u, 2, 11, outs, points_per_chunk=7)
    y2, v2 = sa.evaluate_points(scenario, ranges, u, 2, 11, outs, points_per_chunk=20)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(v1, v2)
    ix = sa.sobol_indices(groups, y1, resamples=50, seed=7)
    varies = np.isfinite(ix.ST[2])
    assert varies.sum() >= 5
    assert np.all(ix.ST[2, varies] == 0.0)
    dead = [o.name for o in outs].index(f"killed_{scenario.defender}")
    assert ix.ST[1, dead] > 0


def test_outputs_read_the_decisive_objective_from_the_scenario(scenario):
    from polemos.analysis.calibrate import decisive_objective

    oid = decisive_objective(scenario)
    names = [o.name for o in sa.outputs(scenario)]
    assert f"{oid}_fell" in names and f"{oid}_fall_day" in names
    assert f"killed_{scenario.attacker}" in names and f"lost_tanks_{scenario.defender}" in names


def test_sensitivity_command_writes_marked_files(tmp_path):
    """`polemos sensitivity` on the default scenario (tiny N): table, plot and design written,
    each marked as a model result; bad options fail with a message, not a traceback."""
    import pandas as pd
    from typer.testing import CliRunner

    from polemos.cli import app

    out = tmp_path / "sens"
    r = CliRunner().invoke(app, ["sensitivity", "karabakh_2020", "--n", "2", "--replicates",
                                 "2", "--resamples", "20", "--seed", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "not evidence" in r.output
    for f in ("sensitivity.csv", "sensitivity.parquet", "sensitivity.png", "sensitivity.json"):
        assert (out / f).stat().st_size > 0, f
    t = pd.read_csv(out / "sensitivity.csv")
    assert set(t["kind"]) == {sa.KIND}
    assert {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high", "noise_share",
            "record_is"} <= set(t.columns)
    assert set(t["record_is"]) <= {"fitted", "out of sample", "not compared"}
    d = json.loads((out / "sensitivity.json").read_text())
    assert d["kind"] == sa.KIND and d["N"] == 2 and d["replicates"] == 2
    G = len(d["groups"])
    assert d["points"] == 2 * (G + 2) and d["engine_runs"] == 2 * d["points"]
    assert t["group"].nunique() == G and len(t) == G * len(d["outputs"])
    assert d["over"] == "posterior" and d["ranges"] and d["caveat"]
    assert pd.read_parquet(out / "sensitivity.parquet").shape == t.shape
    for args, msg in ((["--n", "3"], "power of 2"), (["--over", "guess"], "--over"),
                      (["--quantiles", "0.9,0.1"], "--quantiles"),
                      (["--groups", str(tmp_path / "none.toml")], "none.toml")):
        bad = CliRunner().invoke(app, ["sensitivity", "karabakh_2020", "--out", str(out),
                                       *args])
        assert bad.exit_code == 1 and msg in bad.output and "Traceback" not in bad.output


def test_serial_executor_keeps_order_and_reports_progress():
    from polemos.analysis.executor import map_chunks

    ticks = []
    assert map_chunks(lambda c: c * 2, [3, 1, 2],
                      progress=lambda done, total: ticks.append((done, total))) == [6, 2, 4]
    assert ticks == [(0, 3), (1, 3), (2, 3), (3, 3)]
