"""Numbers for people: thousands separators and a few significant digits, never an exponent
(``66,940``, not ``6.694e+04``; ``0.0123``; ``3.14``)."""

from __future__ import annotations

import math


def fmt_number(x: float | None, sig: int = 3) -> str:
    """``x`` with ``sig`` significant digits (all of its whole part when it is larger), a
    thousands separator and no exponent; "–" for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    digits = sig - 1 - math.floor(math.log10(abs(x)))
    if digits <= 0:
        return f"{round(x):,.0f}"
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
