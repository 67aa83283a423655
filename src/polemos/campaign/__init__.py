"""The campaign engine: a vectorised Monte Carlo of a theatre, day by day.

State is one array per variable shaped (runs, ...); mechanisms are components with fixed hooks
(``init`` / ``step`` / ``finalize``) run in a printable order. See ``engine.py``.
"""
