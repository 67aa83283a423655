"""Make tests/campaign/campaign_helpers.py (quiet endings, known engine bugs) importable from
every test folder; one local Dask cluster for the session's tests that need one."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "campaign"))


@pytest.fixture(scope="session")
def dask_scheduler():
    """One local Dask cluster for the session (2 worker processes, 1 thread each, on the
    loopback, as ``scheduler="local"`` makes them): its scheduler's address."""
    from polemos.analysis.executor import close_clusters, local_cluster

    lc = local_cluster(2)
    yield lc.scheduler_address
    close_clusters()
    lc.close()


# the tests run the numpy engine, the reference, unless a test asks for another
# (tests/campaign/test_engines.py compares the compiled kernels with it)
os.environ.setdefault("POLEMOS_ENGINE", "numpy")
