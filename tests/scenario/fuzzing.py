"""The fuzzer of issue 13, shared by the fuzz tests (``test_fuzz.py``) and the long measurement.

- :func:`check_runs`, :func:`check_forecast`: what "a sane run" means (finite, non-negative
  results in a short run; probabilities in [0, 1]);
- :func:`mutate_karabakh`: one mutant of a copy of the Karabakh folder, drawn from a
  ``random.Random`` (Hypothesis's ``st.randoms()`` in the tests, ``Random(f"{seed}:{case}")``
  in the measurement): one file picked, then structured mutations of its TOML tree (numbers,
  types, keys, references, shares, empty tables, long and unicode strings, deep nesting),
  raw byte mutations of its text, or mutations of ``posterior.csv``'s table;
- :func:`classify`: a mutant loaded and validated as ``polemos validate`` does, then, if
  accepted, run for 3 days (posterior and prior draws), summarised as ``polemos run`` prints it,
  and its ceasefire forecast run for a few months: ``error`` (a clear ScenarioError), ``ran``,
  ``traceback`` (any other exception), ``bad`` (accepted, then a crash or a negative or
  non-finite result) or ``hang``;
- the measurement (``python tests/scenario/fuzzing.py --cases 10000``): cases in worker
  processes with a timeout, counts by class written to
  ``benchmarks/fuzz-karabakh-results.json``; ``--save CASE...`` reduces a failing case and
  writes it to the regression corpus (``tests/data/fuzz_karabakh/``).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import traceback
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
KARABAKH = ROOT / "src" / "polemos" / "scenarios" / "karabakh_2020"
CORPUS = ROOT / "tests" / "data" / "fuzz_karabakh"
RESULTS = ROOT / "benchmarks" / "fuzz-karabakh-results.json"
#: NaN is how the results say "no terms were offered"; -1 is "never" for a day
MAY_BE_NAN = {"terms_attacker_share"}
#: outcomes: the first two are fine, the others are bugs
CLASSES = ("error", "ran", "traceback", "bad", "hang")


# --- a sane run ------------------------------------------------------------------------------

def check_runs(sc, modes=("prior",), runs: int = 4, days: int = 3) -> None:
    """A ``days``-day run of ``runs`` runs for each parameter mode (``prior``: drawn from their
    priors; ``posterior``: rows of the scenario's posterior) with finite, non-negative results
    (days: -1 = never)."""
    from polemos.campaign.engine import Ensemble, run_ensemble

    for mode in modes:
        res = run_ensemble(sc, Ensemble(runs=runs, seed=1, mode=mode, max_days=days,
                                        chunk_size=runs))
        for name, a in res.arrays.items():
            a = np.asarray(a)
            if a.dtype.kind == "f":
                finite = a[~np.isnan(a)] if name in MAY_BE_NAN else a
                assert np.isfinite(finite).all(), f"{mode}: {name} not finite"
                assert (finite >= 0).all(), f"{mode}: {name} negative: {finite.min()}"
            elif a.dtype.kind in "iu":
                assert (a >= -1).all(), f"{mode}: {name} below -1: {a.min()}"
    if modes:
        from rich.console import Console

        from polemos.campaign.report import print_summary

        print_summary(res, Console(file=io.StringIO(), width=120))   # what `polemos run` prints


def check_forecast(sc, months: int = 6, runs: int = 8) -> None:
    """The ceasefire forecast over ``months``: probabilities in [0, 1], deaths and months
    non-negative, every number finite."""
    from polemos.ceasefire.forecast import run_forecast
    from polemos.ceasefire.inputs import ceasefire_inputs

    if sc.ceasefire is None:
        return
    f = run_forecast(ceasefire_inputs(sc), runs=runs, seed=1, months=months)
    for name in ("p_offensive", "p_clash", "p_initiator", "initiator_curve"):
        a = getattr(f, name)
        assert np.isfinite(a).all() and (a >= 0).all() and (a <= 1).all(), \
            f"forecast {name} outside [0, 1]: {a.min()}..{a.max()}"
    for name in ("monthly_deaths", "offensive_month", "clash_year_month", "leader_change_month",
                 "tech_month", "patron_shock_month"):
        a = np.asarray(getattr(f, name), dtype=float)
        assert np.isfinite(a).all() and (a >= 0).all(), f"forecast {name} negative or not finite"
    for name, a in [("log_multiplier", f.log_multiplier), *f.levels.items(),
                    *f.parameters.items()]:
        assert np.isfinite(np.asarray(a, dtype=float)).all(), f"forecast {name} not finite"


# --- every number at the edges of its range -----------------------------------------------------

def edge_settings(part: str) -> list[str]:
    """``--set`` values that put each of the campaign engine's parameters (``part`` =
    "engine") or each number of the Karabakh ``[ceasefire]`` ("ceasefire") at the edges of
    its range and at 0, 1e-9 and in between: the most extreme values the validation could let
    through, one at a time."""
    from polemos.campaign.requirements import required_parameters
    from polemos.scenario import load_scenario
    from polemos.scenario.load import load_raw
    from polemos.scenario.schema import MIN_MAGNITUDE, POSITIVE, parameter_range
    from polemos.scenario.validation import field_range

    out = []
    if part == "engine":
        sc = load_scenario(KARABAKH)
        for name in sorted(required_parameters()):
            comp, _, key = name.partition(".")
            lo, hi = parameter_range(name, sc.parameters[comp][key].unit, engine=True)
            for v in sorted({lo, hi, MIN_MAGNITUDE, hi / 1e3, hi / 1e6, 0.0}):
                out.append(f"parameters.{name}.value={v!r}")
        return out
    paths = []

    def walk(d, p):
        if isinstance(d, dict) and not {"param", "value", "ref"} & d.keys():
            for k, v in d.items():
                walk(v, p + (k,))
        elif isinstance(d, dict) or _is_number(d):
            paths.append(p)

    walk(load_raw(KARABAKH).data["ceasefire"], ("ceasefire",))
    for p in paths:
        ruled, bounds, _ = field_range(p)
        if not ruled:
            continue
        lo, hi = bounds or (-1e9, 1e9)
        vals = {lo, hi, 0.0, MIN_MAGNITUDE, (lo + hi) / 2, POSITIVE.get(p[-1], 0.0)}
        out += [f"{'.'.join(p)}={v!r}" for v in sorted(vals)]
    return out


def check_setting(setting: str, days: int = 3, months: int = 0) -> str:
    """'error' or 'ran' for the Karabakh scenario with one ``--set``: a run of ``days`` days
    (posterior draws) and, with ``months``, its forecast over that many months; a failure
    raises (a RuntimeWarning too)."""
    from polemos.scenario import ScenarioError, load_scenario

    try:
        sc = load_scenario(KARABAKH, [setting])
    except ScenarioError:
        return "error"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if days:
            check_runs(sc, modes=("posterior",), runs=8, days=days)
        if months:
            check_forecast(sc, months=months, runs=64)
    return "ran"


# --- TOML out --------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k) -> str:
    k = str(k)
    return k if _BARE_KEY.match(k) else _string(k)


def _string(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def _is_table(v) -> bool:
    """A table written under its own header (it holds tables); others are written inline."""
    return isinstance(v, dict) and any(isinstance(x, dict) for x in v.values())


def dumps(data: dict) -> str:
    """TOML text of a tree as tomllib reads it (tables that hold tables get a header, the rest
    is written inline): ``tomllib.loads(dumps(d)) == d`` for any such tree."""
    lines: list[str] = []

    def table(d: dict, path: tuple) -> None:
        inline = [(k, v) for k, v in d.items() if not _is_table(v)]
        if path and (inline or not d):
            lines.append("[" + ".".join(_key(k) for k in path) + "]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in inline)
        for k, v in d.items():
            if _is_table(v):
                table(v, path + (k,))

    table(data, ())
    return "\n".join(lines) + "\n"


# --- the mutator -----------------------------------------------------------------------------

FILES = ("scenario.toml", "sources.toml", "evidence.toml", "theatre.toml", "forces.toml",
         "actors.toml", "record.toml", "parameters.toml", "ceasefire.toml", "posterior.csv")
SHARE_WORDS = ("share", "probability", "per_sortie", "attention", "leverage", "victory")
UNICODE = ["Şuşa/Շուշի", "\u202eevil", "a\u200bb", "💥", "e\u0301\u0301\u0301", "ǅ", "Ⅳ",
           "\u0000", "\x7f", "\ufeff", "ﬁ", "İ", "Ω", "\\", '"', "'''", "\n[x]\n", "\t"]
JUNK = [b"]", b"[", b"[[x]]", b"= 1", b'"', b"{", b"}", b"\n[forces]\n", b"\xef\xbb\xbf",
        b"\r", b"\x00", b"\xff\xfe", b"a.b.c = 1\n", b"[" * 40, b"{a=" * 40, b"#", b"'''",
        b'"""', b"\\", b"\n\n", b"= = =", b"inf", b"nan", b"-", b"1e999", b"\xe2\x80"]


def _entries(node, path=()):
    """(container, key, value, path) of every dict entry and list item below ``node``."""
    stack = [(node, path)]
    while stack:
        n, p = stack.pop()
        items = n.items() if isinstance(n, dict) else enumerate(n) if isinstance(n, list) else ()
        for k, v in items:
            yield n, k, v, p + (k,)
            if isinstance(v, (dict, list)):
                stack.append((v, p + (k,)))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _edges() -> list:
    """The bounds of every unit's range, and the smallest and largest magnitudes: the most
    extreme numbers the validation lets through."""
    from polemos.scenario.schema import MAX_MAGNITUDE, MIN_MAGNITUDE, UNIT_RANGES

    return sorted({x for b in UNIT_RANGES.values() if b for x in b}
                  | {MAX_MAGNITUDE, -MAX_MAGNITUDE, MIN_MAGNITUDE, 1.0})


def _nasty_numbers(x: float) -> list:
    scaled = [x * f for f in (0, 1e-9, 1e-3, 0.5, 2, 10, 100, 1e3, 1e6)]
    return scaled + _edges() + [0, 0.0, -0.0, -x if x else -1, -1, -1e-9, x * 1e6, 1e308, -1e308, 1e-320, 5e-324,
            1e-12, 1e9, 1e12, 10**30, 2**63, -(2**63), float("inf"), float("-inf"),
            float("nan"), 1.5, 2, 7, x + 0.5, round(x) if math.isfinite(x) else 0,
            "inf", "nan", "-1", "1e308", str(x), 1e10, 1e10 + 1, 1e6, 1e6 + 1, 0.999999999]


def _other_values(v, rnd: random.Random, ctx: dict) -> list:
    deep = rnd.randint(1, 40)
    return ["x", "", True, False, [], {}, [v], {"value": v}, dt.date(2020, 1, 1),
            dt.datetime(2020, 1, 1, 12, 0), 1, 0.5, "1", "nope", -5,
            {"value": -5}, {"ref": rnd.choice(ctx["figures"])},
            {"param": rnd.choice(ctx["params"])}, "[" * deep + "]" * deep,
            _wrap(v, rnd.choice("[{"), deep)]


def _wrap(v, kind: str, depth: int):
    for _ in range(depth):
        v = [v] if kind == "[" else {"a": v}
    return v


def _new_key(k, rnd: random.Random, siblings) -> str:
    k = str(k)
    opts = [k + "_x", k[:-1] or "k", k.upper(), k + "\u200b", "", " ", "x" * rnd.randint(1, 3000),
            rnd.choice(UNICODE) + k, "a.b", k.replace("_", "-"), "value", "ref", "param", "low",
            "high", "prior", "sources", "note"]
    opts += [str(s) for s in siblings if s != k][:5]
    return rnd.choice(opts)


def _tree_mutation(data: dict, rnd: random.Random, ctx: dict) -> tuple[str, dict | None]:
    """One structured mutation of ``data`` in place: its description, and a fragment to add
    to another file of the folder (or None)."""
    entries = list(_entries(data))
    if not entries:
        return "nothing to mutate", None
    op = rnd.choice(["number", "number", "number", "scale", "scale", "edge", "edge", "share",
                     "type", "delete", "delete",
                     "rename", "duplicate", "reference", "reference", "empty", "string",
                     "long", "unicode", "deep", "prior", "range", "array", "date", "cross_file",
                     "extends", "swap", "bool"])
    numbers = [e for e in entries if _is_number(e[2])]

    def show(p):
        return ".".join(map(str, p))[:200]

    if op == "number" and numbers:
        c, k, v, p = rnd.choice(numbers)
        c[k] = rnd.choice(_nasty_numbers(float(v)))
        return f"number {show(p)}: {v!r} -> {c[k]!r}", None
    if op == "scale":
        cand = [e for e in entries if isinstance(e[2], dict) and _is_number(e[2].get("value"))]
        if cand:
            c, k, v, p = rnd.choice(cand)
            f = rnd.choice([0, 1e-9, 1e-6, 1e-3, 0.1, 3, 10, 1e3, 1e6, 1e9])
            for key in ("value", "low", "high"):
                if _is_number(v.get(key)):
                    v[key] = v[key] * f
            if isinstance(v.get("prior"), list):
                v["prior"] = [x * f if _is_number(x) else x for x in v["prior"]]
            return f"scale {show(p)} by {f:g}", None
    if op == "edge":
        cand = [e for e in entries if isinstance(e[2], dict) and _is_number(e[2].get("value"))]
        if cand:        # a figure or parameter set to an edge, as --set does: no range, no prior
            c, k, v, p = rnd.choice(cand)
            x = float(v["value"])
            new = rnd.choice([0.0, 1e-9, 1e-3, 1.0, 1 - 1e-3, x * 1e3, x * 1e6, *_edges()])
            for key in ("low", "high", "prior", "prior_shape", "fitted_to"):
                v.pop(key, None)
            v.update(value=new, kind="estimate")
            return f"edge {show(p)}: {x!r} -> {new!r}", None
    if op == "share":
        cand = [e for e in numbers if any(w in show(e[3]) for w in SHARE_WORDS)
                or 0 < e[2] < 1]
        if cand:
            c, k, v, p = rnd.choice(cand)
            c[k] = rnd.choice([1.0000001, 1.5, 2, 7, 100, -0.5])
            return f"share {show(p)}: {v!r} -> {c[k]!r}", None
    if op == "type":
        c, k, v, p = rnd.choice(entries)
        c[k] = rnd.choice(_other_values(v, rnd, ctx))
        return f"type {show(p)} -> {str(c[k])[:60]!r}", None
    if op == "delete":
        c, k, v, p = rnd.choice(entries)
        del c[k]
        return f"delete {show(p)}", None
    if op == "rename":
        cand = [e for e in entries if isinstance(e[0], dict)]
        c, k, v, p = rnd.choice(cand)
        new = _new_key(k, rnd, list(c))
        del c[k]
        c[new] = v
        return f"rename {show(p)} -> {new[:60]!r}", None
    if op == "duplicate":
        c, k, v, p = rnd.choice(entries)
        if isinstance(c, dict):
            new = rnd.choice([f"{k}_dup", f"{k}2", _new_key(k, rnd, list(c))])
            c[new] = copy.deepcopy(v)
            return f"duplicate {show(p)} as {new[:60]!r}", None
        c.insert(k, copy.deepcopy(v))
        return f"duplicate item {show(p)}", None
    if op == "reference":
        refs = [e for e in entries if isinstance(e[2], dict) and ("ref" in e[2] or "param" in e[2])]
        if refs and rnd.random() < 0.6:
            c, k, v, p = rnd.choice(refs)
            which = "ref" if "ref" in v else "param"
            new = rnd.choice(["nope", "", "nope.x", "inputs", "drones.", ".", 5, [], "a" * 300,
                              rnd.choice(ctx["figures"]), rnd.choice(ctx["params"]),
                              rnd.choice(ctx["params"]), rnd.choice(ctx["figures"])])
            if rnd.random() < 0.2:
                which = "param" if which == "ref" else "ref"
                v.clear()
            v[which] = new
            return f"reference {show(p)} -> {which} = {new!r}", None
        cand = [e for e in entries if _is_number(e[2]) or isinstance(e[2], dict)
                and "value" in e[2]]
        if cand:
            c, k, v, p = rnd.choice(cand)
            c[k] = rnd.choice([{"ref": rnd.choice(ctx["figures"])},
                               {"param": rnd.choice(ctx["params"])}, {"ref": "nope"},
                               {"param": "nope.nope"}, {"ref": "x", "param": "y"},
                               {"value": 1, "ref": rnd.choice(ctx["figures"])}])
            return f"reference {show(p)} -> {c[k]!r}", None
    if op == "empty":
        cand = [e for e in entries if isinstance(e[2], (dict, list)) and e[2]]
        if cand:
            c, k, v, p = rnd.choice(cand)
            c[k] = type(v)()
            return f"empty {show(p)}", None
    if op == "string" and numbers:
        c, k, v, p = rnd.choice(numbers)
        c[k] = rnd.choice([str(v), "twelve", "", " 1", "1,000", "0x10", "1_000", "∞"])
        return f"string {show(p)} -> {c[k]!r}", None
    if op == "long":
        c, k, v, p = rnd.choice(entries)
        n = rnd.choice([1000, 30_000, 300_000, 1_200_000])
        c[k] = ("x" * n) if rnd.random() < 0.7 else [1] * (n // 8)
        return f"long {show(p)}: {n:,}", None
    if op == "unicode":
        strings = [e for e in entries if isinstance(e[2], str)]
        if strings and rnd.random() < 0.6:
            c, k, v, p = rnd.choice(strings)
            c[k] = rnd.choice([rnd.choice(UNICODE), v + rnd.choice(UNICODE),
                               rnd.choice(UNICODE) * 50])
            return f"unicode {show(p)} -> {c[k][:40]!r}", None
        cand = [e for e in entries if isinstance(e[0], dict)]
        c, k, v, p = rnd.choice(cand)
        new = rnd.choice(UNICODE) + str(k)
        del c[k]
        c[new] = v
        return f"unicode key {show(p)} -> {new[:40]!r}", None
    if op == "deep":
        c, k, v, p = rnd.choice(entries)
        depth = rnd.choice([1, 2, 5, 20, 31, 40])
        c[k] = _wrap(v, rnd.choice("[{"), depth)
        return f"deep {show(p)}: {depth}", None
    if op == "prior":
        cand = [e for e in entries if isinstance(e[2], dict) and "prior" in e[2]]
        if cand:
            c, k, v, p = rnd.choice(cand)
            pr = v["prior"] if isinstance(v["prior"], list) and len(v["prior"]) == 2 else [0, 1]
            lo, hi = pr
            v["prior"] = rnd.choice([[hi, lo], [lo], [lo, hi, hi], [-1, hi], [lo, 1e308],
                                     [float("nan"), hi], [lo, hi * 10 if _is_number(hi) else 10],
                                     [-abs(hi) if _is_number(hi) else -1, -0.5], [0, 0],
                                     [1e-320, hi], "x", []])
            if rnd.random() < 0.3:
                v["prior_shape"] = rnd.choice(["loguniform", "normal", 1])
            return f"prior {show(p)} -> {v['prior']!r}", None
    if op == "range":
        cand = [e for e in entries if isinstance(e[2], dict) and "value" in e[2]
                and _is_number(e[2]["value"])]
        if cand:
            c, k, v, p = rnd.choice(cand)
            x = float(v["value"])
            v.update(rnd.choice([{"low": x + 1}, {"high": x - 1}, {"low": -x - 1},
                                 {"low": 0, "high": 1e308}, {"low": -1e308, "high": 1e308},
                                 {"low": x, "high": float("inf")}, {"low": float("nan")},
                                 {"value": -x}, {"high": 2 * x + 2}]))
            if rnd.random() < 0.2:
                del v["value"]
            return f"range {show(p)} -> {v!r}"[:300], None
    if op == "array":
        cand = [e for e in entries if isinstance(e[2], list)]
        if cand:
            c, k, v, p = rnd.choice(cand)
            how = rnd.choice(["append", "pop", "dup", "wrong", "reverse", "self"])
            if how == "append":
                v.append(rnd.choice([v[0] if v else 1, "x", -1, {"a": 1}, []]))
            elif how == "pop" and v:
                v.pop(rnd.randrange(len(v)))
            elif how == "dup" and v:
                v.append(copy.deepcopy(v[0]))
            elif how == "wrong":
                c[k] = [rnd.choice([1, "x", True, [], {}]) for _ in v] or [0]
            elif how == "reverse":
                v.reverse()
            else:
                c[k] = [v[0]] * 3 if v else [""]
            return f"array {how} {show(p)}", None
    if op == "date":
        cand = [e for e in entries if isinstance(e[2], (dt.date, dt.datetime))
                or isinstance(e[2], str) and re.match(r"\d{4}-\d\d-\d\d$", e[2])]
        if cand:
            c, k, v, p = rnd.choice(cand)
            c[k] = rnd.choice([dt.date(1, 1, 1), dt.date(9999, 12, 31), "2020-13-45", 2020,
                               dt.datetime(2020, 9, 27, 23, 59), dt.time(12, 0),
                               "27 Sep 2020", dt.date(2030, 1, 1), dt.date(1900, 1, 1)])
            return f"date {show(p)} -> {c[k]!r}", None
    if op == "cross_file":
        c, k, v, p = rnd.choice(entries)
        frag: dict = {}
        node = frag
        for part in p[:-1]:
            if isinstance(part, int):
                break
            node = node.setdefault(str(part), {})
        else:
            node[str(p[-1])] = copy.deepcopy(v)
            return f"cross_file {show(p)}", frag
    if op == "extends":
        data["extends"] = rnd.choice(["karabakh_2020", ".", "..", "nope", "scenario.toml",
                                      "../kb", "karabakh_2016", "/dev/zero", "x" * 300, 5,
                                      "campaign_no_strike_drones"])
        return f"extends -> {data['extends']!r}", None
    if op == "swap":
        cand = [e for e in entries if isinstance(e[0], dict) and len(e[0]) > 1]
        if cand:
            c, k, v, p = rnd.choice(cand)
            k2 = rnd.choice([x for x in c if x != k])
            c[k], c[k2] = c[k2], c[k]
            return f"swap {show(p)} <-> {k2}", None
    if op == "bool":
        cand = [e for e in entries if isinstance(e[2], bool)]
        if cand:
            c, k, v, p = rnd.choice(cand)
            c[k] = rnd.choice([not v, "yes", 1, 0, "true"])
            return f"bool {show(p)} -> {c[k]!r}", None
    # the op did not apply here: a number instead, else a deletion
    if numbers:
        c, k, v, p = rnd.choice(numbers)
        c[k] = rnd.choice(_nasty_numbers(float(v)))
        return f"number {show(p)}: {v!r} -> {c[k]!r}", None
    c, k, v, p = rnd.choice(entries)
    del c[k]
    return f"delete {show(p)}", None


def _raw_mutation(raw: bytes, rnd: random.Random) -> tuple[bytes, str]:
    """One byte-level mutation of a file's text."""
    op = rnd.choice(["truncate", "flip", "insert", "delete_line", "duplicate_line",
                     "swap_lines", "insert"])
    if op == "truncate":
        i = rnd.randint(0, len(raw))
        return raw[:i], f"truncate at {i}"
    if op == "flip" and raw:
        b = bytearray(raw)
        for _ in range(rnd.randint(1, 5)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        return bytes(b), "flip bytes"
    if op == "insert":
        i = rnd.randint(0, len(raw))
        junk = rnd.choice(JUNK) if rnd.random() < 0.7 else bytes(
            rnd.randrange(256) for _ in range(rnd.randint(1, 20)))
        return raw[:i] + junk + raw[i:], f"insert {junk[:20]!r} at {i}"
    lines = raw.split(b"\n")
    i = rnd.randrange(len(lines))
    if op == "delete_line":
        del lines[i]
    elif op == "duplicate_line":
        lines.insert(i, lines[i])
    else:
        j = rnd.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines), f"{op} {i + 1}"


def _csv_mutation(text: str, rnd: random.Random, ctx: dict) -> tuple[str, str]:
    """One mutation of ``posterior.csv`` (header row of parameter names, one row per draw)."""
    lines = text.splitlines()
    head, rows = lines[0].split(","), [r.split(",") for r in lines[1:] if r]
    ncol = len(head)
    op = rnd.choice(["drop_column", "drop_name", "cell", "cell", "column", "extra_column",
                     "rename_column", "empty", "header_only", "few_rows", "ragged", "blank",
                     "crlf", "bom", "quoted", "semicolon", "raw", "raw"])
    bad = ["nan", "inf", "-inf", "-1", "0", "1e308", "1e-320", "abc", "", "-0", "1e999",
           "NaN", " 1", "0x1"]

    def out(h, rs, desc):
        return "\n".join([",".join(h)] + [",".join(r) for r in rs]) + "\n", desc

    if op == "drop_column":
        j = rnd.randrange(ncol)
        return out(head[:j] + head[j + 1:], [r[:j] + r[j + 1:] for r in rows],
                   f"csv drop column {head[j]}")
    if op == "drop_name":
        j = rnd.randrange(ncol)
        return out(head[:j] + head[j + 1:], rows, f"csv drop name {head[j]}")
    if op == "cell" and rows and rows[0]:
        i = rnd.randrange(len(rows))
        j = rnd.randrange(min(ncol, len(rows[i])) or 1)
        v = rnd.choice(bad + [_out_of_prior(head[j], ctx, rnd)])
        rows[i][j] = v
        return out(head, rows, f"csv cell {i + 1},{head[j]} = {v!r}")
    if op == "column" and rows:
        j = rnd.randrange(ncol)
        v = rnd.choice(bad + [_out_of_prior(head[j], ctx, rnd)])
        for r in rows:
            if j < len(r):
                r[j] = v
        return out(head, rows, f"csv column {head[j]} = {v!r}")
    if op == "extra_column":
        name = rnd.choice(["foo.bar", "x", "", head[0], rnd.choice(ctx["params"]),
                           "drones.kill_probability", "a" * 300])
        v = rnd.choice(["1", "-1", "nan", "0.5", "1e308"])
        return out(head + [name], [r + [v] for r in rows], f"csv extra column {name!r} = {v}")
    if op == "rename_column":
        j, k = rnd.randrange(ncol), rnd.randrange(ncol)
        new = rnd.choice([head[k], rnd.choice(ctx["params"]), head[j].upper(), ""])
        h = list(head)
        h[j] = new
        return out(h, rows, f"csv rename {head[j]} -> {new}")
    if op == "empty":
        return "", "csv empty"
    if op == "header_only":
        return ",".join(head) + "\n", "csv header only"
    if op == "few_rows":
        n = rnd.choice([1, 2])
        return out(head, rows[:n], f"csv {n} rows")
    if op == "ragged" and rows:
        i = rnd.randrange(len(rows))
        rows[i] = rows[i][: rnd.randrange(ncol)] if rnd.random() < 0.5 else rows[i] + ["1"]
        return out(head, rows, f"csv ragged row {i + 1}")
    if op == "blank":
        i = rnd.randrange(len(lines))
        lines.insert(i, rnd.choice(["", " ", ",,,", "#"]))
        return "\n".join(lines) + "\n", f"csv blank line at {i + 1}"
    if op == "crlf":
        return "\r\n".join(lines) + "\r\n", "csv CRLF"
    if op == "bom":
        return "\ufeff" + text, "csv BOM"
    if op == "quoted":
        return out([f'"{h}"' for h in head], rows, "csv quoted names")
    if op == "semicolon":
        return text.replace(",", ";"), "csv semicolons"
    return "", "raw"


def _out_of_prior(name: str, ctx: dict, rnd: random.Random) -> str:
    lo, hi = ctx["priors"].get(name, (0.0, 1.0))
    return repr(rnd.choice([hi * 10 + 1, hi + abs(hi - lo), lo - abs(hi - lo) - 1, -hi]))


def _context() -> dict:
    """Ids the mutator points references at: figures and parameters of the scenario (and the
    engine's defaults), and each calibrated parameter's prior."""
    ctx = _CONTEXT.get("ctx")
    if ctx is None:
        figures, params, priors = set(), set(), {}
        trees = [tomllib.loads(p.read_text()) for p in sorted(KARABAKH.glob("*.toml"))]
        trees.append(tomllib.loads((ROOT / "src/polemos/campaign/defaults.toml").read_text()))
        for t in trees:
            figures.update(t.get("figures", {}))
            for comp, group in t.get("parameters", {}).items():
                for name, p in group.items():
                    params.add(f"{comp}.{name}")
                    if isinstance(p, dict) and "prior" in p:
                        priors[f"{comp}.{name}"] = tuple(p["prior"])
        ctx = _CONTEXT["ctx"] = {"figures": sorted(figures), "params": sorted(params),
                                 "priors": priors}
    return ctx


_CONTEXT: dict = {}


def mutate_karabakh(folder: Path, rnd: random.Random) -> list[str]:
    """Mutate ``folder`` (a copy of the Karabakh folder) in place: one file picked, then 1 to 3
    mutations of it (structured from its TOML tree, byte-level, or of the posterior's table),
    or a folder-level change (a file removed or emptied, one added). Returns what was done."""
    ctx = _context()
    what = rnd.choice(FILES + ("posterior.csv", "folder"))
    if what == "folder":
        op = rnd.choice(["remove", "empty", "add_copy", "add_other"])
        name = rnd.choice(FILES)
        if op == "remove":
            (folder / name).unlink()
        elif op == "empty":
            (folder / name).write_bytes(rnd.choice([b"", b"\n", b"# nothing\n", b"\xef\xbb\xbf"]))
        elif op == "add_copy":
            src = rnd.choice([f for f in FILES if f.endswith(".toml")])
            shutil.copy(folder / src, folder / f"zz_{src}")
            name = f"zz_{src} (a copy of {src})"
        else:
            (folder / "extra.toml").write_text(rnd.choice([
                "x = 1\n", "[sectors]\n", "[parameters.drones]\nnew_one = 1\n",
                'extends = "karabakh_2020"\n', "[forces.russia]\ntanks = 1\n"]))
            name = "extra.toml"
        return [f"folder {op} {name}"]
    path = folder / what
    done = []
    if what == "posterior.csv":
        text = path.read_text()
        for _ in range(rnd.choice([1, 1, 2])):
            if not text.strip():
                break
            text, desc = _csv_mutation(text, rnd, ctx)
            if desc == "raw":
                raw, desc = _raw_mutation(path.read_bytes(), rnd)
                path.write_bytes(raw)
                return [f"{what}: raw {desc}"]
            done.append(f"{what}: {desc}")
        path.write_text(text)
        return done
    family = rnd.choice(["tree", "tree", "tree", "tree", "tree", "tree", "raw", "raw", "raw",
                         "both"])
    if family in ("tree", "both"):
        data = tomllib.loads(path.read_text())
        for _ in range(rnd.choice([1, 1, 2, 3])):
            desc, frag = _tree_mutation(data, rnd, ctx)
            done.append(f"{what}: {desc}")
            if frag is not None:
                other = rnd.choice([f for f in FILES if f.endswith(".toml") and f != what])
                with (folder / other).open("a") as fh:
                    fh.write("\n" + dumps(frag))
                done[-1] += f" (into {other})"
        path.write_text(dumps(data), encoding="utf-8")
    if family in ("raw", "both"):
        raw = path.read_bytes()
        for _ in range(rnd.choice([1, 1, 2])):
            raw, desc = _raw_mutation(raw, rnd)
            done.append(f"{what}: raw {desc}")
        path.write_bytes(raw)
    return done


def karabakh_copy(dest: Path) -> Path:
    """A copy of the Karabakh folder at ``dest`` (the package's files are never touched)."""
    shutil.copytree(KARABAKH, dest)
    return dest


def overlay(folder: Path, case: Path) -> None:
    """Lay a corpus case over a copy of the Karabakh folder: each of its files replaces the
    folder's, ``NAME.removed`` removes NAME (``case.json`` describes the case)."""
    for f in case.iterdir():
        if f.name == "case.json":
            continue
        if f.name.endswith(".removed"):
            (folder / f.name.removesuffix(".removed")).unlink(missing_ok=True)
        else:
            shutil.copy(f, folder / f.name)


# --- classification --------------------------------------------------------------------------

class Hang(Exception):
    """The case ran past its time limit."""


def _on_alarm(signum, frame):
    raise Hang()


def _where(exc: BaseException) -> str:
    """The innermost frame of ours in a traceback: file:line function."""
    tb = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in tb if "/polemos/" in f.filename] or tb
    f = ours[-1] if ours else None
    return f"{Path(f.filename).name}:{f.lineno} {f.name}" if f else "?"


def _warned(caught: list) -> dict:
    """Warnings (other than RuntimeWarning, an error here) printed while loading: a user sees
    them on the terminal."""
    return {"warnings": sorted({f"{w.category.__name__}: {str(w.message)[:60]}"
                                for w in caught})} if caught else {}


def classify(folder: Path, timeout: float = 0, forecast_months: int = 6) -> dict:
    """The outcome of one scenario folder (see the module's doc): ``{"class", "detail",
    "signature"}``. ``timeout`` (seconds, 0: none) raises :class:`Hang` through SIGALRM."""
    from polemos.scenario import ScenarioError, load_scenario

    old = None
    if timeout:
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    stage = "load"
    caught: list = []
    try:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.simplefilter("error", RuntimeWarning)
                sc = load_scenario(folder)
                notes = [str(n) for n in sc.notes]
        except ScenarioError as e:
            unclear = [str(p) for p in e.problems if not p.file or not p.message]
            if not e.problems or unclear:
                return {"class": "traceback", "detail": f"unclear error: {e}"[:500],
                        "signature": "unclear ScenarioError"}
            first = e.problems[0]
            return {"class": "error", "detail": str(first)[:300],
                    "lines": sum(p.line is not None for p in e.problems),
                    "problems": len(e.problems), **_warned(caught)}
        except Hang:
            raise
        except RecursionError as e:        # before Exception: the stack is deep here
            return {"class": "traceback", "detail": "RecursionError",
                    "signature": f"RecursionError at {_where(e)}"}
        except Exception as e:
            return {"class": "traceback", "detail": f"{type(e).__name__}: {e}"[:500],
                    "signature": f"{type(e).__name__} at {_where(e)}"}
        stage = "run"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                check_runs(sc, modes=("posterior", "prior"), runs=8)
                stage = "forecast"
                check_forecast(sc, months=forecast_months)
        except Hang:
            raise
        except AssertionError as e:
            msg = str(e)
            return {"class": "bad", "detail": f"{stage}: {msg}"[:500],
                    "signature": f"{stage}: " + re.sub(r"[-\d.e+]+(\.\.[-\d.e+]+)?$", "", msg)}
        except Exception as e:
            return {"class": "bad", "detail": f"{stage}: {type(e).__name__}: {e}"[:500],
                    "signature": f"{stage}: {type(e).__name__} at {_where(e)}"}
        return {"class": "ran", "detail": f"{len(notes)} notes", **_warned(caught)}
    except Hang:
        return {"class": "hang", "detail": f"over {timeout} s in {stage}",
                "signature": f"hang in {stage}"}
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def run_case(seed: int, case: int, timeout: float = 60) -> dict:
    """Case ``case`` of ``seed``: a fresh copy of the Karabakh folder, mutated and classified."""
    with tempfile.TemporaryDirectory(prefix="fuzzkb-") as tmp:
        folder = karabakh_copy(Path(tmp) / "kb")
        ops = mutate_karabakh(folder, random.Random(f"{seed}:{case}"))
        out = classify(folder, timeout)
    out.update(case=case, ops=ops)
    return out


# --- the measurement ---------------------------------------------------------------------------

def _worker(args) -> None:
    """Cases start, start + step, ... (until ``cases`` or the deadline), one JSON line each."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))   # a memory blow-up: MemoryError
    for case in range(args.start, args.cases, args.step):
        if time.time() > args.deadline:
            break
        print(json.dumps({"begin": case}), flush=True)
        t = time.perf_counter()
        out = run_case(args.seed, case, args.timeout)
        out["s"] = round(time.perf_counter() - t, 3)
        print(json.dumps(out), flush=True)


def measure(args) -> dict:
    """Run the cases in ``args.workers`` processes; a worker silent for ``timeout`` + 30 s is
    killed, its case counted as a hang, and a new worker goes on from the next case."""
    import selectors
    import subprocess

    t0 = time.time()
    deadline = t0 + args.budget if args.budget else float("inf")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    results: dict[int, dict] = {}
    sel = selectors.DefaultSelector()

    def spawn(start: int) -> None:
        cmd = [sys.executable, __file__, "--worker", "--seed", str(args.seed), "--cases",
               str(args.cases), "--start", str(start), "--step", str(args.workers),
               "--timeout", str(args.timeout), "--deadline", str(deadline)]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        sel.register(p.stdout, selectors.EVENT_READ, {"proc": p, "case": None, "t": time.time()})

    for w in range(args.workers):
        spawn(w)
    last_report = t0
    while sel.get_map():
        for key, _ in sel.select(timeout=5):
            st = key.data
            line = key.fileobj.readline()
            if not line:                                     # the worker ended
                sel.unregister(key.fileobj)
                st["proc"].wait()
                if st["case"] is not None:                  # it died inside a case
                    c = st["case"]
                    results[c] = {"case": c, "class": "traceback",
                                  "detail": f"worker died (exit {st['proc'].returncode})",
                                  "signature": f"worker died (exit {st['proc'].returncode})"}
                    if c + args.workers < args.cases:
                        spawn(c + args.workers)
                continue
            msg = json.loads(line)
            if "begin" in msg:
                st["case"], st["t"] = msg["begin"], time.time()
            else:
                results[msg["case"]] = msg
                st["case"] = None
        for key in list(sel.get_map().values()):
            st = key.data
            if st["case"] is not None and time.time() - st["t"] > args.timeout + 30:
                c = st["case"]
                st["proc"].kill()
                st["proc"].wait()
                sel.unregister(key.fileobj)
                results[c] = {"case": c, "class": "hang", "detail": "killed by the watchdog",
                              "signature": "hang (watchdog)"}
                if c + args.workers < args.cases:
                    spawn(c + args.workers)
        if time.time() - last_report > 60:
            last_report = time.time()
            counts = {k: sum(r["class"] == k for r in results.values()) for k in CLASSES}
            print(f"[{time.time() - t0:.0f} s] {len(results)} cases: {counts}", file=sys.stderr,
                  flush=True)
    return summarise(results, args, time.time() - t0)


def summarise(results: dict[int, dict], args, seconds: float) -> dict:
    rs = [results[c] for c in sorted(results)]
    counts = {k: sum(r["class"] == k for r in rs) for k in CLASSES}
    by_file: dict[str, dict[str, int]] = {}
    for r in rs:
        f = (r.get("ops") or ["?"])[0].split(":")[0].split(" ")[0]
        by_file.setdefault(f, dict.fromkeys(CLASSES, 0))[r["class"]] += 1
    sigs: dict[str, dict] = {}
    for r in rs:
        if r["class"] in ("traceback", "bad", "hang"):
            s = sigs.setdefault(r["signature"], {"class": r["class"], "count": 0, "cases": [],
                                                 "example": r.get("detail"),
                                                 "ops": r.get("ops")})
            s["count"] += 1
            if len(s["cases"]) < 10:
                s["cases"].append(r["case"])
    errors = [r for r in rs if r["class"] == "error"]
    warned: dict[str, int] = {}
    for r in rs:
        for w in r.get("warnings", ()):
            w = re.sub(r"<_io.*", "...", w)
            warned[w] = warned.get(w, 0) + 1
    return {
        "what": "mutants of the Karabakh folder (tests/scenario/fuzzing.py): loaded and "
                "validated as `polemos validate` does; if accepted, 8 runs of 3 days with "
                "posterior and with prior draws, the run's printed summary and a 6-month "
                "ceasefire forecast of 8 runs",
        "seed": args.seed, "cases_asked": args.cases, "cases": len(rs),
        "budget_s": args.budget, "seconds": round(seconds, 1),
        "cases_per_s": round(len(rs) / seconds, 2) if seconds else None,
        "workers": args.workers, "timeout_s": args.timeout,
        "counts": counts, "by_file": by_file,
        "errors_with_a_line": sum(r.get("lines", 0) > 0 for r in errors),
        "warnings_printed_on_load": warned,
        "case_seconds": {"mean": round(float(np.mean([r.get("s", 0) for r in rs])), 3) if rs
                         else None,
                         "max": max((r.get("s", 0) for r in rs), default=None)},
        "failures": dict(sorted(sigs.items(), key=lambda kv: -kv[1]["count"])),
        "machine": {"nproc": os.cpu_count(), "loadavg": os.getloadavg()},
    }


# --- the regression corpus ---------------------------------------------------------------------

def _reduce(folder: Path, name: str, same) -> None:
    """Drop lines of ``folder/name`` (halves, then quarters, ..., then single lines) while
    ``same(folder)`` still holds: a smaller input that fails the same way."""
    path = folder / name
    lines = path.read_bytes().split(b"\n")
    keep_head = 1 if name.endswith(".csv") else 0         # a CSV keeps its header
    n = max((len(lines) - keep_head) // 2, 1)
    while n >= 1:
        i = keep_head
        while i < len(lines):
            trial = lines[:i] + lines[i + n:]
            path.write_bytes(b"\n".join(trial))
            if len(trial) < len(lines) and same(folder):
                lines = trial
            else:
                i += n
        path.write_bytes(b"\n".join(lines))
        n //= 2


def save_case(seed: int, case: int, name: str, timeout: float = 60) -> Path:
    """Regenerate case ``case`` of ``seed``, reduce its mutated files while it fails the same
    way, and write them to the corpus as ``tests/data/fuzz_karabakh/NAME/``."""
    with tempfile.TemporaryDirectory(prefix="fuzzkb-") as tmp:
        folder = karabakh_copy(Path(tmp) / "kb")
        ops = mutate_karabakh(folder, random.Random(f"{seed}:{case}"))
        first = classify(folder, timeout)
        if first["class"] in ("error", "ran"):
            raise SystemExit(f"case {case} of seed {seed} is '{first['class']}' now: nothing "
                             "to save")
        changed = [f.name for f in sorted(folder.iterdir())
                   if not (KARABAKH / f.name).is_file()
                   or f.read_bytes() != (KARABAKH / f.name).read_bytes()]
        removed = [f.name for f in KARABAKH.iterdir() if not (folder / f.name).exists()]

        def same(f: Path) -> bool:
            return classify(f, timeout).get("signature") == first["signature"]

        if first["class"] != "hang":
            for f in changed:
                _reduce(folder, f, same)
        dest = CORPUS / name
        dest.mkdir(parents=True, exist_ok=True)
        for f in changed:
            shutil.copy(folder / f, dest / f)
        for f in removed:
            (dest / f"{f}.removed").write_text("")
        (dest / "case.json").write_text(json.dumps(
            {"seed": seed, "case": case, "ops": ops, "was": first["class"],
             "signature": first["signature"], "detail": first["detail"]}, indent=1) + "\n")
    return dest


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60, help="seconds per case")
    ap.add_argument("--budget", type=float, default=0, help="seconds: start no case after")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--label", default="run", help="key of this run in the --out file")
    ap.add_argument("--note", default="", help="what was measured (e.g. the commit)")
    ap.add_argument("--show", type=int, nargs="*", help="print these cases' outcomes")
    ap.add_argument("--save", type=int, nargs="*", help="reduce these cases into the corpus")
    ap.add_argument("--name", nargs="*", help="corpus names of the --save cases")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--step", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--deadline", type=float, default=float("inf"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))          # this checkout's polemos, whatever is installed
    if args.worker:
        return _worker(args)
    if args.show is not None:
        for c in args.show:
            print(json.dumps(run_case(args.seed, c, args.timeout), ensure_ascii=False))
        return
    if args.save is not None:
        for c, name in zip(args.save, args.name or [f"case_{c}" for c in args.save],
                           strict=True):
            print(save_case(args.seed, c, name, args.timeout))
        return
    res = measure(args)
    res["note"] = args.note
    runs = json.loads(args.out.read_text()) if args.out.is_file() else {}
    runs[args.label] = res                          # one file, a run per label
    args.out.write_text(json.dumps(runs, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: res[k] for k in ("cases", "seconds", "cases_per_s", "counts")}))


if __name__ == "__main__":
    main()
