"""``polemos report``: the HTML of a finished run, parsed (the map's frames, the story, the
outcome table's status and links). A browser test is in test_report_browser.py."""

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from polemos.cli import app
from polemos.report import HELD, build_html, load_run, median_run, story

runner = CliRunner()


@pytest.fixture(scope="module")
def war(tmp_path_factory):
    """A small run of the default scenario, written as ``polemos run`` writes it."""
    out = tmp_path_factory.mktemp("war")
    r = runner.invoke(app, ["run", "--runs", "60", "--seed", "7", "--out", str(out),
                            "--no-plots"])
    assert r.exit_code == 0, r.output
    return out


def _frames(text: str, div: str = "fig0") -> list[dict]:
    """The animation frames Plotly's HTML adds to figure ``div``."""
    m = re.search(r"Plotly\.addFrames\(\s*['\"]" + div + r"['\"],\s*", text)
    assert m, "no frames in the page"
    frames, _ = json.JSONDecoder().raw_decode(text, m.end())
    return frames


def _array(x) -> np.ndarray:
    """A Plotly data array: a list, or a typed array ({"dtype", "bdata": base64})."""
    if isinstance(x, dict):
        import base64

        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).astype(float)
    return np.asarray(x, dtype=float)


def _body(text: str) -> str:
    """The page without its scripts (plotly.js and the figures' data)."""
    return re.sub(r"<script.*?</script>", "", text, flags=re.S)


def test_report_is_written_and_the_map_moves_with_the_day(war):
    r = runner.invoke(app, ["report", str(war)])
    assert r.exit_code == 0, r.output
    text = (war / "report.html").read_text()
    assert "<script src=" not in text and len(text) > 1e6          # plotly.js inlined: offline
    view = load_run(war)
    frames = _frames(text)
    last = int(view.runs["duration_days"].max())
    assert [f["name"] for f in frames] == [str(d) for d in range(last + 1)]
    colours = np.array([_array(f["data"][0]["marker"]["color"]) for f in frames])
    # day 0 is the pre-war line; the front moves; the attacker's own sectors stay held
    th = view.theatre
    assert (colours[0] == th.attacker_held0).all()
    assert not np.allclose(colours[0], colours[-1])
    assert (colours[:, th.attacker_held0] == 1).all()
    # each frame is the share of runs holding >= HELD of the sector on that day
    ctrl = view.ds["attacker_control"].values
    d = last // 2
    assert np.allclose(colours[d], (ctrl[:, d - 1] >= HELD).mean(0))
    steps = re.search(r'"steps":\s*\[', text)
    assert steps and text.count('"method":"animate"') >= last + 1


def test_the_outcome_table_says_what_was_fitted_and_links_its_sources(war):
    view = load_run(war)
    body = _body(build_html(view))
    table = re.search(r'<table id="outcomes">(.*?)</table>', body, re.S).group(1)
    statuses = re.findall(r"<td>(fitted|out of sample[^<]*|not compared)</td></tr>", table)
    assert len(statuses) == table.count("<tr class=") and "fitted" in statuses
    assert any(s.startswith("out of sample") for s in statuses)
    links = re.findall(r'<a href="(https?://[^"]+)" title="([^"]+)"', table)
    assert links and all(title.strip() for _, title in links)
    assert "e+0" not in table                                    # readable numbers


def test_the_story_lists_the_runs_events_and_a_chosen_run(war):
    view = load_run(war)
    med = median_run(view)
    text = _body(build_html(view))
    items = re.findall(r'<li data-day="(\d+)">(.*?)</li>', text, re.S)
    events = story(view, med)
    assert len(items) == len(events) and len(events) >= 2
    assert [int(d) for d, _ in items] == [d for d, _ in events]
    end = int(view.runs.set_index("run").loc[med, "duration_days"])
    assert items[-1][0] == str(end) and "the war ends" in items[-1][1]
    other = next(int(r) for r in view.runs["run"]
                 if int(view.runs.set_index("run").loc[r, "duration_days"]) != end)
    r = runner.invoke(app, ["report", str(war), "--run", str(other), "--out",
                            str(war / "other.html")])
    assert r.exit_code == 0, r.output
    text2 = (war / "other.html").read_text()
    assert f"One war: run {other}" in text2 and "--run" in _body(text2)
    assert _frames(text2) == _frames(build_html(view))      # the map does not depend on it


def test_bad_input_is_a_clear_error(war, tmp_path):
    r = runner.invoke(app, ["report", str(war), "--run", "100000", "--out",
                            str(tmp_path / "x.html")])
    assert r.exit_code == 1 and "--run 100000: no such run" in r.output
    r = runner.invoke(app, ["report", str(tmp_path)])
    assert r.exit_code == 1 and "not a 'polemos run' output folder" in r.output
    assert "Traceback" not in r.output


def test_another_wars_report_names_nothing_of_the_default(tmp_path):
    """The skeleton's report: every word outside plotly.js comes from its own files."""
    from test_no_scenario_in_the_engine import scenario_terms_cached

    assert runner.invoke(app, ["new", "war", "--dir", str(tmp_path)]).exit_code == 0
    out = tmp_path / "out"
    r = runner.invoke(app, ["run", str(tmp_path / "war"), "--runs", "50", "--max-days", "10",
                            "--out", str(out), "--no-plots"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["report", str(out)])      # "war" is not an embedded name
    assert r.exit_code == 1 and "give it with --scenario" in r.output
    r = runner.invoke(app, ["report", str(out), "--scenario", str(tmp_path / "war")])
    assert r.exit_code == 0, r.output
    text = (out / "report.html").read_text()
    page = _body(text) + json.dumps(_frames(text))
    places, dates, year = scenario_terms_cached()
    found = [m.group(0) for m in re.finditer("|".join(map(re.escape, places + dates)), page,
                                             re.I)]
    assert not found, found


def test_netcdf_is_compressed_and_chunked_by_run(war):
    import h5py

    from polemos.results import NC_RUN_CHUNK

    with h5py.File(war / "campaign.nc") as f:
        ctrl = f["attacker_control"]
        assert ctrl.compression == "gzip" and ctrl.shuffle
        assert ctrl.chunks[0] == min(NC_RUN_CHUNK, ctrl.shape[0])
        assert ctrl.chunks[1:] == ctrl.shape[1:]
        assert ctrl.id.get_storage_size() < ctrl.size * ctrl.dtype.itemsize / 2


def test_what_decided_the_war_from_a_sensitivity_table(war, tmp_path):
    import pandas as pd

    rows = [("duration", "war duration, days", g, label, s1, st)
            for g, label, s1, st in (("terrain", "Terrain", 0.01, 0.05),
                                     ("drones", "Drones", 0.2, 0.4))]
    t = pd.DataFrame(rows, columns=["output", "output_label", "group", "group_label", "S1",
                                    "ST"])
    t["ST_low"], t["ST_high"] = t.ST - 0.02, t.ST + 0.02
    t.to_csv(tmp_path / "sensitivity.csv", index=False)
    r = runner.invoke(app, ["report", str(war), "--sensitivity", str(tmp_path), "--out",
                            str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    table = re.search(r'<table id="sensitivity">(.*?)</table>',
                      (tmp_path / "r.html").read_text(), re.S).group(1)
    assert table.index("Drones") < table.index("Terrain")        # by total-order index
    assert "0.40 [0.38–0.42]" in table
    t.drop(columns="ST").to_csv(tmp_path / "bad.csv", index=False)
    r = runner.invoke(app, ["report", str(war), "--sensitivity", str(tmp_path / "bad.csv"),
                            "--out", str(tmp_path / "r2.html")])
    assert r.exit_code == 1 and "not a 'polemos sensitivity' table" in r.output


def test_the_forecast_as_fan_charts(war, tmp_path):
    r = runner.invoke(app, ["forecast", "--runs", "200", "--seed", "1", "--out",
                            str(tmp_path / "fc")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["report", str(war), "--forecast", str(tmp_path / "fc"), "--out",
                            str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "r.html").read_text()
    assert "<h2>The ceasefire forecast</h2>" in text and 'id="fig3"' in text
    # each outcome is defined in words; band and Monte Carlo error are named apart
    assert text.count("over runs (parameter uncertainty)") == 2
    assert "Monte Carlo SE" in text and "at least 1,000 deaths" in text
    r = runner.invoke(app, ["report", str(war), "--forecast", str(tmp_path / "nothing"),
                            "--out", str(tmp_path / "r2.html")])
    assert r.exit_code == 1 and "not a 'polemos forecast' file" in r.output


def test_a_report_reads_at_most_max_runs_and_says_so(war, tmp_path):
    view = load_run(war, max_runs=20)
    assert view.n == 20 and view.ds.sizes["run"] == 20 and view.total_runs == 60
    np.testing.assert_array_equal(view.runs["run"], view.ds["run"].values)
    assert any("first 20 of the 60 runs (--max-runs)" in n for n in view.notes)
    assert not load_run(war).notes                                   # all 60 fit: no note
    r = runner.invoke(app, ["report", str(war), "--max-runs", "20", "--out",
                            str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    assert "first 20 of the 60 runs" in _body((tmp_path / "r.html").read_text())
    r = runner.invoke(app, ["report", str(war), "--max-runs", "20", "--run", "40"])
    assert r.exit_code == 1 and "read the first 20 of 60 runs" in r.output
    r = runner.invoke(app, ["report", str(war), "--max-runs", "0"])
    assert r.exit_code == 1 and "--max-runs 0: must be at least 1" in r.output
    assert "Traceback" not in r.output


def test_a_report_reads_as_many_runs_as_fit_in_memory(war, monkeypatch):
    import polemos.output
    from polemos.report import REPORT_MEMORY_SHARE, REPORT_PEAK, bytes_per_run

    per_run = bytes_per_run(war / "campaign.nc", war / "runs.parquet")
    assert 1e3 < per_run < 1e5                       # ~16 KB at 120 days, 21 sectors
    room = 30 * REPORT_PEAK * per_run / REPORT_MEMORY_SHARE + 1
    monkeypatch.setattr(polemos.output, "available_memory", lambda: room)
    view = load_run(war)
    assert view.n == 30 and any("(the memory available)" in n for n in view.notes)


def test_where_the_front_broke_is_the_run_commands_table(war):
    """The report's geography is the one `polemos run` prints, from the files: the same rows
    as the in-memory results of the same ensemble; each run's story tells its breaks."""
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.campaign.report import geography_rows
    from polemos.scenario import load_scenario

    view = load_run(war)
    res = run_ensemble(load_scenario("karabakh_2020"), Ensemble(runs=60, seed=7))
    rows = geography_rows(view)
    assert rows == geography_rows(res) and len(rows) == len(view.theatre.cols)
    text = _body(build_html(view))
    table = re.search(r'<table id="geography">(.*?)</table>', text, re.S).group(1)
    assert table.count("<tr>") == len(rows) + 1
    assert all(f"<td>{r[0]}</td>" in table for r in rows)
    broke = view.ds["sector_break_day"].values
    i = int(np.argmax((broke > 0).sum(axis=1)))
    end = int(view.ds["duration_days"].values[i])
    events = [e for _, e in story(view, int(view.ds["run"].values[i]))]
    told = sum("its defence breaks" in e for e in events)
    assert told == ((broke[i] > 0) & (broke[i] <= end)).sum() >= 1
