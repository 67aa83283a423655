"""Development-only analyses that fit the parameters shipped with Polemos."""
