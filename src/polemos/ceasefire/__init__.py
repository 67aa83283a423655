"""Ceasefire stability: empirical recurrence hazards and the ceasefire forecast."""
