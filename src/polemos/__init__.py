"""Polemos: simulate a war and forecast the peace that follows it.

Kept light on purpose: importing ``polemos`` loads no numpy, xarray or pandas.
"""

__version__ = "0.1.0"
