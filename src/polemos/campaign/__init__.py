"""The campaign engine: a vectorised Monte Carlo of a theatre, day by day.

State is one array per variable shaped (runs, ...); mechanisms are components with fixed hooks
(``init`` / ``step`` / ``finalize``) run in a printable order. See ``engine.py``.

What an ensemble runs unless told otherwise, for the Python API (``Ensemble``) and the command
line alike (kept here, free of numpy, so that ``polemos --help`` stays fast):
"""

DEFAULT_RUNS = 10_000
DEFAULT_SEED = 2020
DEFAULT_MODE = "posterior"       # posterior | prior | point (campaign/params.py)
DEFAULT_MAX_DAYS = 120
