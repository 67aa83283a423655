"""Nothing of the embedded default scenario lives outside its folder: no place of it, no side,
no date in what the package prints or ships (the strings of its code, not its docstrings, and
its data files), so no other scenario is labelled with them. The terms come from the
scenario's own files."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

import polemos
from polemos.scenario import load_scenario
from polemos.scenarios import DEFAULT

PACKAGE = Path(polemos.__file__).parent
# not checked: the development-only fit of the ceasefire hazards to the 2020 record, and that
# fit's result
EXEMPT = {"analysis/fit_ceasefire_hazards.py", "ceasefire/hazard_coefficients.json"}
GENERIC = {"Front", "Ridge", "Road", "Part", "Valley", "Held", "Side", "Approach", "Through",
           "District", "Republic", "Armenian-held", "Azerbaijani-held", "United", "States",
           "Group", "Nations", "Minsk", "Second"}


def scenario_terms():
    """(places and sides, dates) of the default scenario, from its data."""
    sc = load_scenario(DEFAULT)
    names = [s.name for s in sc.sectors.values()] + [o.name for o in sc.objectives.values()]
    names += [r.name for r in sc.routes.values()] + [s.name for s in sc.sides.values()]
    names += [a.name for a in sc.actors.values()] + [sc.title]
    words = {w for n in names for w in re.findall(r"\b[A-Z][\w-]{3,}\b", n)} - GENERIC
    words |= set(sc.sectors) | set(sc.objectives) | set(sc.sides) | set(sc.actors)
    words |= {"karabakh"}
    end = sc.start_date + dt.timedelta(days=sc.record["duration_days"].value)
    dates = {d.isoformat() for d in (sc.start_date, end)}
    dates |= {f"{d.day} {d:%b}" for d in (sc.start_date, end)}
    dates |= {f"{d:%b %Y}" for d in (sc.start_date, end)}
    return sorted(w.lower() for w in words if len(w) > 3), sorted(dates), str(sc.start_date.year)


def _strings(path: Path):
    """(line, text) of the string constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and n.body and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)}
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
            yield n.lineno, n.value


def _files():
    for p in sorted(PACKAGE.rglob("*")):
        rel = p.relative_to(PACKAGE).as_posix()
        if p.is_file() and p.suffix in (".py", ".toml", ".json") and \
                not rel.startswith("scenarios/") and rel not in EXEMPT:
            yield rel, p


def test_the_terms_come_from_the_scenario():
    places, dates, year = scenario_terms()
    assert {"shusha", "stepanakert", "armenia", "azerbaijan", "karabakh"} <= set(places)
    assert "27 Sep" in dates and "10 Nov" in dates and year == "2020"


@pytest.mark.parametrize("rel", [rel for rel, _ in _files()])
def test_no_place_side_or_date_of_the_default_scenario(rel):
    places, dates, year = scenario_terms_cached()
    words = re.compile(r"(?<![a-z])(" + "|".join(map(re.escape, places)) + r")", re.I)
    when = re.compile("|".join(map(re.escape, dates)))
    path = PACKAGE / rel
    if path.suffix == ".py":
        texts = list(_strings(path))
        year_re = re.compile(rf"\b{year}\b")
    else:                     # data shipped: its text (a source's publication year is fine)
        texts = list(enumerate(path.read_text().splitlines(), start=1))
        year_re = None
    found = [f"{rel}:{line}: {m.group(0)!r} in {text[:80]!r}" for line, text in texts
             for m in [words.search(text) or when.search(text)
                       or (year_re.search(text) if year_re else None)] if m]
    assert not found, "\n".join(found)


_CACHE = {}


def scenario_terms_cached():
    if not _CACHE:
        _CACHE["t"] = scenario_terms()
    return _CACHE["t"]


def test_another_war_prints_and_plots_nothing_of_it(tmp_path, monkeypatch):
    """The skeleton's run: its printed summary, summary.csv and every text of its plots."""
    import matplotlib.figure
    import matplotlib.text
    from typer.testing import CliRunner

    from polemos.cli import app

    texts = []
    save = matplotlib.figure.Figure.savefig

    def savefig(fig, *a, **k):
        texts.extend(t.get_text() for t in fig.findobj(matplotlib.text.Text))
        return save(fig, *a, **k)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    runner = CliRunner()
    assert runner.invoke(app, ["new", "war", "--dir", str(tmp_path)]).exit_code == 0
    r = runner.invoke(app, ["run", str(tmp_path / "war"), "--runs", "100", "--max-days", "10",
                            "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert len(texts) > 10 and any("day 1 = 01 Jun 2001" in t for t in texts)
    places, dates, year = scenario_terms_cached()
    everything = "\n".join([r.output, (tmp_path / "out" / "summary.csv").read_text()] + texts)
    everything = everything.replace(f"seed {year}", "seed")    # the default seed is a number
    found = [m.group(0) for m in re.finditer("|".join(map(re.escape, places + dates + [year])),
                                             everything, re.I)]
    assert not found, found
