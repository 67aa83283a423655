"""The report of a full run: its size, the NetCDF's size (compressed, and as it was without
compression), and the time headless Chromium takes to open the page and draw the map; saves
screenshots of the map (before the war and on a later day) and of the story for the docs.

    python benchmarks/bench_report.py RESULTS_DIR [--shots docs/images] [--out report.json]

RESULTS_DIR is a folder written by ``polemos run`` (``make run`` writes results/war).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


def uncompressed_size(nc: Path) -> int:
    """Bytes of the same Dataset written without compression."""
    import xarray as xr

    ds = xr.load_dataset(nc, engine="h5netcdf")
    for var in ds.variables.values():           # forget the file's compression and chunks
        var.encoding = {}
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.nc"
        ds.to_netcdf(plain, engine="h5netcdf")
        return plain.stat().st_size


def open_in_chromium(page_path: Path, shots: Path | None, day: int) -> dict:
    """Seconds to load the page and draw the map (median of 3), and screenshots."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        for k in range(3):
            page = browser.new_page(viewport={"width": 1300, "height": 950})
            t = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="load")
            page.wait_for_selector("#fig0 .scatterlayer .point")
            times.append(time.perf_counter() - t)
            if k == 0 and shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                page.locator("#fig0").screenshot(path=str(shots / "report-map-day0.png"))
                page.evaluate(f"Plotly.animate('fig0', ['{day}'], {{mode: 'immediate', "
                              "frame: {duration: 0, redraw: true}, transition: {duration: 0}})")
                page.wait_for_timeout(500)
                page.locator("#fig0").screenshot(path=str(shots / f"report-map-day{day}.png"))
                page.locator("#story").screenshot(path=str(shots / "report-story.png"))
                page.locator("#outcomes").screenshot(path=str(shots / "report-outcomes.png"))
            page.close()
        browser.close()
    return {"open_s_median": sorted(times)[1], "open_s_all": [round(x, 3) for x in times]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path)
    ap.add_argument("--shots", type=Path, default=None, help="folder for screenshots")
    ap.add_argument("--day", type=int, default=30, help="day of the second map screenshot")
    ap.add_argument("--out", type=Path, default=None, help="JSON of the measurements")
    a = ap.parse_args(argv)
    from polemos.report import write_report

    t = time.perf_counter()
    page = write_report(a.results, a.results / "report.html")
    row = {"runs": json.loads((a.results / "provenance.json").read_text())["runs"],
           "report_write_s": round(time.perf_counter() - t, 2),
           "report_mb": round(page.stat().st_size / 1e6, 2),
           "netcdf_mb": round((a.results / "campaign.nc").stat().st_size / 1e6, 2),
           "netcdf_uncompressed_mb": round(uncompressed_size(a.results / "campaign.nc") / 1e6,
                                           2)}
    row.update(open_in_chromium(page, a.shots, a.day))
    text = json.dumps(row, indent=1)
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
