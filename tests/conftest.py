"""Make tests/campaign/campaign_helpers.py (quiet endings, known engine bugs) importable from
every test folder; one local Dask cluster for the session's tests that need one."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "campaign"))


@pytest.fixture(scope="session")
def dask_scheduler():
    """One local Dask cluster for the session (2 worker processes, 1 thread each, on the
    loopback): its scheduler's address."""
    from distributed import LocalCluster

    from polemos.analysis.executor import close_clusters

    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0")
    yield lc.scheduler_address
    close_clusters()
    lc.close()
