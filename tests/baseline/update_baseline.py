"""Write the baseline-regression file of the default summary, on purpose.

    .venv/bin/python tests/baseline/update_baseline.py

Run it after a change that is meant to move the default results (a new mechanism, new data, a
new posterior), and say why in the commit. ``test_baseline.py`` fails on any other change.
"""

from __future__ import annotations

import json
from pathlib import Path

BASELINE = Path(__file__).with_name("karabakh_2020_summary.json")
RUNS, SEED = 1000, 1


def current_summary() -> dict:
    from polemos.campaign.engine import Ensemble, run_ensemble
    from polemos.scenario import load_scenario

    res = run_ensemble(load_scenario("karabakh_2020"), Ensemble(runs=RUNS, seed=SEED))
    return {"runs": RUNS, "seed": SEED, "mode": "posterior",
            "summary": {k: list(v) for k, v in res.summary().items()}}


if __name__ == "__main__":
    BASELINE.write_text(json.dumps(current_summary(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE}")
