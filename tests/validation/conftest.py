"""Fixtures for the validation tests: the development data of ../shared (skipped with a
reason when absent), and a way to run the validation commands as CI and users do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
BATTLES = ROOT.parent / "shared" / "data" / "battles"


@pytest.fixture(scope="session")
def battles_dir() -> Path:
    if not (BATTLES / "cdb90").is_dir():
        pytest.skip("needs ../shared/data/battles (development data), absent")
    return BATTLES


@pytest.fixture(scope="session")
def cdb90_data(battles_dir):
    from validation import cdb90

    return cdb90.load(battles_dir)


def _run_module(module: str, *args: str, reduced: bool = False) -> subprocess.CompletedProcess:
    """``python -m module args`` from the repository root, as a user runs it, with or without
    POLEMOS_REDUCED."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("POLEMOS_REDUCED", None)
    if reduced:
        env["POLEMOS_REDUCED"] = "1"
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def run_module():
    return _run_module
