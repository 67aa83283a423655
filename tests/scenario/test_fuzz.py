"""Fuzzing that stays (issue 13): mutated scenarios and ``--set`` overrides give a clear error
or a scenario that runs for 3 days with finite, non-negative results; never a traceback or a
hang. Seeded (Hypothesis, derandomized): a few dozen examples in the fast suite, thousands
under ``-m slow`` (hundreds with POLEMOS_REDUCED=1). ``REGRESSIONS``: every crashing input
found so far. The Karabakh folder's own mutants (``fuzzing.mutate_karabakh``: structured,
byte-level and posterior.csv mutations of one of its files) likewise; ``fuzzing.py`` also
measures them at length (``python tests/scenario/fuzzing.py --cases 10000``) and their
crashing inputs are replayed from ``tests/data/fuzz_karabakh/``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fuzzing import (
    CORPUS,
    check_runs,
    check_setting,
    classify,
    edge_settings,
    karabakh_copy,
    mutate_karabakh,
    overlay,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.control import event as _hypothesis_event

from polemos.scenario import ScenarioError, load_scenario

TINY = Path(__file__).parents[1] / "data" / "tiny.toml"
TEXT = TINY.read_text()
LINES = TEXT.splitlines()
NUMBER = re.compile(r"(?<![\w.\"-])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.\"-])")
NUMBERED = [i for i, ln in enumerate(LINES) if NUMBER.search(ln) and not ln.startswith("#")]
NASTY = ["inf", "-inf", "nan", "-1", "0", "2", "7", "1e308", "1e-320", "-0.0", "1e12", "0.5",
         "-3", '"x"', "[]", "{}", "true", "9" * 30, "[[[[1]]]]", "{ value = -5 }",
         "{ ref = \"nope\" }", "{ param = \"drones.kill_probability\" }"]
REDUCED = os.environ.get("POLEMOS_REDUCED", "") not in ("", "0")
#: an overflow or an invalid value inside the engine is a failure too, even when the result
#: it leaves is finite
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
#: examples of the slow fuzz runs (the issue's measure is 10,000: POLEMOS_FUZZ_EXAMPLES=10000
#: pytest -m slow tests/scenario/test_fuzz.py --hypothesis-show-statistics)
SLOW = int(os.environ.get("POLEMOS_FUZZ_EXAMPLES", "3000"))


def event(what: str) -> None:
    """Count an outcome in Hypothesis's statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        _hypothesis_event(what)


def outcome(text: str, tmp: Path, sets=()) -> str:
    """'error' (a clear ScenarioError) or 'ran' (loaded and ran sanely); anything else
    raises."""
    p = tmp / "fuzz.toml"
    p.write_text(text)
    try:
        sc = load_scenario(p, list(sets))
    except ScenarioError as e:
        assert e.problems and all(str(x) for x in e.problems)
        event("clear error")
        return "error"
    check_runs(sc)
    event("accepted, ran 3 days sanely")
    return "ran"


@st.composite
def mutants(draw) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["number", "number", "number", "delete", "duplicate",
                                   "truncate", "nest"]))
        if op == "number":
            i = draw(st.sampled_from(NUMBERED))
            spans = [m.span() for m in NUMBER.finditer(lines[i])]
            if not spans:
                continue
            a, b = draw(st.sampled_from(spans))
            lines[i] = lines[i][:a] + draw(st.sampled_from(NASTY)) + lines[i][b:]
        elif op == "delete":
            del lines[draw(st.integers(0, len(lines) - 1))]
        elif op == "duplicate":
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
        elif op == "truncate":
            text = "\n".join(lines)
            return text[: draw(st.integers(0, len(text)))]
        else:
            n = draw(st.integers(1, 400))
            lines.append(f"deep = {'[' * n}1{']' * n}")
    return "\n".join(lines) + "\n"


def _leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield ".".join(map(str, path))


SET_KEYS = sorted(set(_leaves(__import__("tomllib").loads(TEXT))))


def _settings(ci: int, slow: int, reduced: int):
    return settings(max_examples=ci if slow == 0 else (reduced if REDUCED else slow),
                    deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@_settings(40, 0, 0)
@given(text=mutants())
def test_mutated_scenarios_give_a_clear_error_or_a_sane_run(tmp_path_factory, text):
    outcome(text, tmp_path_factory.mktemp("fuzz"))


@_settings(40, 0, 0)
@given(key=st.sampled_from(SET_KEYS), value=st.sampled_from(NASTY))
def test_set_overrides_give_a_clear_error_or_a_sane_run(tmp_path_factory, key, value):
    outcome(TEXT, tmp_path_factory.mktemp("fuzz"), [f"{key}={value}"])


@pytest.mark.slow
@_settings(0, SLOW, 200)
@given(text=mutants())
def test_many_mutated_scenarios(tmp_path_factory, text):
    outcome(text, tmp_path_factory.mktemp("fuzz"))


@pytest.mark.slow
@_settings(0, SLOW // 10, 20)
@given(text=mutants(), base=st.sampled_from(["tiny", "folder"]))
def test_many_mutated_derived_scenarios(tmp_path_factory, text, base):
    """The mutant as a scenario that ``extends`` tiny.toml (or as one file of a folder beside
    it): the merge, the base's lines and the derived file's are all exercised."""
    tmp = tmp_path_factory.mktemp("fuzz")
    if base == "tiny":
        (tmp / "base.toml").write_text(TEXT)
        body = "\n".join(ln for ln in text.splitlines() if not ln.startswith(
            ("schema_version", "name =", "title =", "start_date")))
        outcome('extends = "base.toml"\n' + body[: len(body) // 3] + "\n", tmp)
    else:
        folder = tmp / "war"
        folder.mkdir()
        cut = text.find("\n[", len(text) // 2)
        cut = cut if cut > 0 else len(text)
        (folder / "a.toml").write_text(text[:cut] + "\n")
        (folder / "b.toml").write_text(text[cut:] + "\n")
        try:
            sc = load_scenario(folder)
        except ScenarioError:
            event("clear error")
            return
        check_runs(sc)
        event("accepted, ran 3 days sanely")


@__import__("functools").cache
def _karabakh_keys() -> list[str]:
    from polemos.scenario.load import load_raw

    return sorted(set(_leaves(load_raw("karabakh_2020").data)))


@pytest.mark.slow
@_settings(0, SLOW // 30, 10)
@given(data=st.data(), value=st.sampled_from(NASTY))
def test_many_set_overrides_on_karabakh(data, value):
    key = data.draw(st.sampled_from(_karabakh_keys()))
    try:
        sc = load_scenario("karabakh_2020", [f"{key}={value}"])
    except ScenarioError as e:
        assert e.problems
        event("clear error")
        return
    check_runs(sc)
    event("accepted, ran 3 days sanely")


# every input that crashed or hung the loader or the engine (issue 13), as a regression
REGRESSIONS = {
    "deep_array": "x = " + "[" * 500 + "]" * 500,
    "deep_inline_table": "x = " + "{a=" * 500 + "1" + "}" * 500,
    "deep_dotted_key": "a" + ".a" * 500 + " = 1",
    "deep_header": "[a" + ".a" * 500 + "]",
    "long_extends": f'extends = "{"x" * 5000}"\n',
    "bom": "\ufeff" + TEXT,
    "bare_nan": TEXT.replace("tanks = { ref = \"blue_tanks\" }", "tanks = nan", 1),
    "inf_count": TEXT.replace("tanks = { ref = \"blue_tanks\" }", "tanks = inf", 1),
    "share_above_one": re.sub(r"forest_share = [^\n]*", "forest_share = 2", TEXT, count=1),
    "subnormal_area": re.sub(r"area_km2 = [^\n]*", "area_km2 = 1e-320", TEXT, count=1),
    "eof_error": TEXT + "x = [1, 2\n",
    # found by the fuzz runs of this branch
    "subnormal_personnel": re.sub(r"personnel_standing = \{ value = \d+",
                                  "personnel_standing = { value = 1e-320", TEXT, count=1),
}
SET_REGRESSIONS = ["parameters.drones.kill_probability=-3",
                   "parameters.manoeuvre.frontier_share=2", "forces.blue.tanks=inf",
                   "forces.blue.tanks=1e308", "forces.blue.tanks.low=",
                   "forces.red.personnel_standing=1e-320"]


# --- the Karabakh folder's own files --------------------------------------------------------

def karabakh_outcome(tmp: Path, rnd) -> str:
    """A mutant of a copy of the Karabakh folder: 'error' or 'ran' (8 runs of 3 days with
    posterior and prior draws, the printed summary, a 6-month forecast), else a failure that
    names its class (traceback, bad, hang), what broke and the mutations."""
    folder = karabakh_copy(tmp / "kb")
    ops = mutate_karabakh(folder, rnd)
    out = classify(folder, timeout=120)
    event(out["class"])
    assert out["class"] in ("error", "ran"), {**out, "ops": ops}
    return out["class"]


@_settings(50, 0, 0)
@given(rnd=st.randoms(use_true_random=False))
def test_karabakh_mutants_give_a_clear_error_or_a_sane_run(tmp_path_factory, rnd):
    karabakh_outcome(tmp_path_factory.mktemp("fuzz"), rnd)


@pytest.mark.slow
@_settings(0, SLOW, 100)
@given(rnd=st.randoms(use_true_random=False))
def test_many_karabakh_mutants(tmp_path_factory, rnd):
    karabakh_outcome(tmp_path_factory.mktemp("fuzz"), rnd)


def test_the_measurement_writes_counts_by_class(tmp_path):
    """``python tests/scenario/fuzzing.py``: cases in worker processes, counts by class, a run
    per label in one JSON file (a smoke test: 4 cases, then 1)."""
    import json

    import fuzzing

    out = tmp_path / "fuzz.json"
    fuzzing.main(["--cases", "4", "--workers", "2", "--out", str(out), "--label", "a"])
    fuzzing.main(["--cases", "1", "--workers", "1", "--out", str(out), "--label", "b"])
    runs = json.loads(out.read_text())
    assert set(runs) == {"a", "b"}
    assert sum(runs["a"]["counts"].values()) == runs["a"]["cases"] == 4
    assert set(runs["a"]["counts"]) == set(fuzzing.CLASSES) and runs["a"]["seed"] == 13
    assert runs["a"]["counts"]["error"] + runs["a"]["counts"]["ran"] == 4


def _sweep(settings: list[str], **kw) -> None:
    failed = []
    for setting in settings:
        try:
            check_setting(setting, **kw)
        except Exception as e:
            failed.append(f"{setting}: {type(e).__name__}: {e}"[:200])
    assert not failed, "\n".join(failed)


@pytest.mark.slow
def test_engine_parameters_at_the_edges_of_their_range():
    """Every parameter the campaign engine reads, at the edges of its range (and 0, 1e-9 and
    between), one at a time: a clear error or 60 days with finite, non-negative results (found
    20 parameters whose range let the engine divide by zero, overflow or run out of memory).
    Every 10th setting with POLEMOS_REDUCED=1."""
    settings = edge_settings("engine")
    _sweep(settings[::10] if REDUCED else settings, days=60)


@pytest.mark.slow
def test_ceasefire_numbers_at_the_edges_of_their_range():
    """Every number of the Karabakh [ceasefire], at the edges of its range, one at a time: a
    clear error or a 240-month forecast with probabilities in [0, 1] and finite numbers (found
    17 fields with no range or one the forecast overflowed within)."""
    settings = edge_settings("ceasefire")
    _sweep(settings[::10] if REDUCED else settings, days=0, months=240)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()) if CORPUS.is_dir()
                         else [])
def test_karabakh_regression_corpus(tmp_path, name):
    """Every failing input the Karabakh fuzz found (its mutated files, reduced), replayed
    over a fresh copy of the folder: now a clear error or a sane run."""
    folder = karabakh_copy(tmp_path / "kb")
    overlay(folder, CORPUS / name)
    out = classify(folder, timeout=120)
    assert out["class"] in ("error", "ran"), out


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regression_corpus(tmp_path, name):
    assert outcome(REGRESSIONS[name], tmp_path) in ("error", "ran")


@pytest.mark.parametrize("setting", SET_REGRESSIONS)
def test_set_regression_corpus(tmp_path, setting):
    assert outcome(TEXT, tmp_path, [setting]) == "error"
