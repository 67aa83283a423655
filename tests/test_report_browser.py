"""The report in a real browser: headless Chromium (Debian's ``chromium`` package) driven by
Playwright. Moving the day moves the front and the title; the story and the source links are
on the page; no console error. Skipped, with the reason, where no browser is installed."""

import shutil

import pytest
from typer.testing import CliRunner

from polemos.cli import app

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                 "(pip install -e '.[test]' -c constraints.txt)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine "
                                "(Debian: apt-get install chromium)")


@pytest.mark.slow
def test_the_slider_moves_the_front_and_the_page_is_clean(tmp_path):
    runner = CliRunner()
    out = tmp_path / "war"
    r = runner.invoke(app, ["run", "--runs", "40", "--seed", "3", "--out", str(out),
                            "--no-plots"])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "report.html").as_uri(), wait_until="load")
        page.wait_for_selector("#fig0 .main-svg")

        def state():
            """The map's title and the fill colours drawn for its markers (the SVG)."""
            return page.evaluate("""() => { const g = document.getElementById('fig0');
                const fills = Array.from(g.querySelectorAll('.scatterlayer .point'))
                    .map(p => p.style.fill);
                return [g.layout.title.text, fills]; }""")

        title0, colour0 = state()
        steps = page.locator("#fig0 .slider-container .slider-step-label, "
                             "#fig0 .slider-container text")
        assert steps.count() > 0
        # drag the slider's handle to its far end, as a reader would
        rail = page.locator("#fig0 .slider-rail-rect").bounding_box()
        grip = page.locator("#fig0 .slider-grip-rect").bounding_box()
        page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
        page.mouse.down()
        page.mouse.move(rail["x"] + rail["width"] - 2, grip["y"] + grip["height"] / 2, steps=10)
        page.mouse.up()
        page.wait_for_timeout(400)
        title1, colour1 = state()
        assert title0.endswith("before the war") and "day " in title1
        assert len(colour0) > 5 and colour1 != colour0
        story = page.locator("#story li")
        assert story.count() >= 2 and "the war ends" in story.last.inner_text()
        assert page.locator("#outcomes a[href^='http']").count() > 0
        page.screenshot(path=str(tmp_path / "report.png"))
        browser.close()
    assert not errors, errors
