"""Closed forms for the random walk of war (gambler's ruin).

Position ``i`` in ``0..N`` is the number of the ``N`` contested units held by side A. Each round A
wins with probability ``p`` (``i -> i + 1``), otherwise B wins (``i -> i - 1``); ``0`` and ``N``
absorb. This is the war of Smith & Stam (2003, ISR 5(4): 115-135; 2004, JCR 48(6): 783-813); the
formulas are the classical ruin results (Feller 1968, *An Introduction to Probability Theory*,
vol. I, ch. XIV.2-3).

Units: positions and payoffs in contested units (the whole prize is ``N`` units); costs are paid
per round, in contested units.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "absorption_probability",
    "expected_duration",
    "expected_duration_truncated",
    "continuation_value",
]

_HALF_TOL = 1e-9  # |p - 1/2| below this uses the p = 1/2 limits
_P_EPS = 1e-12  # p is clipped to [eps, 1 - eps]


def _prep(i, n, p):
    i = np.asarray(i, dtype=float)
    n = np.asarray(n, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), _P_EPS, 1.0 - _P_EPS)
    return np.broadcast_arrays(i, n, p)


def absorption_probability(i, n, p) -> np.ndarray:
    """Probability that A reaches ``N`` (wins) before ``0``, starting from ``i``.

    ``P = (1 - r**i) / (1 - r**N)`` with ``r = q / p``, ``q = 1 - p``; ``P = i / N`` at
    ``p = 1/2`` (Feller 1968, XIV.2). Evaluated with ``expm1`` in the stable direction, so no
    overflow for large ``N``. Broadcasts over ``i``, ``n``, ``p``.
    """
    i, n, p = _prep(i, n, p)
    log_r = np.log1p(-p) - np.log(p)
    half = np.abs(p - 0.5) < _HALF_TOL
    lr = np.where(half, 1.0, log_r)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        below = np.expm1(i * lr) / np.expm1(n * lr)  # r < 1
        above = np.exp(-(n - i) * lr) * np.expm1(-i * lr) / np.expm1(-n * lr)  # r > 1
    out = np.where(lr <= 0.0, below, above)
    out = np.where(half, i / n, out)
    return np.clip(out, 0.0, 1.0)


def expected_duration(i, n, p) -> np.ndarray:
    """Expected number of rounds until absorption, starting from ``i``.

    ``D = i / (q - p) - N / (q - p) * (1 - r**i) / (1 - r**N)``; ``D = i (N - i)`` at ``p = 1/2``
    (Feller 1968, XIV.3). Broadcasts over ``i``, ``n``, ``p``.
    """
    i, n, p = _prep(i, n, p)
    half = np.abs(p - 0.5) < _HALF_TOL
    drift = np.where(half, 1.0, 1.0 - 2.0 * p)  # q - p
    d = (i - n * absorption_probability(i, n, p)) / drift
    return np.maximum(np.where(half, i * (n - i), d), 0.0)


def expected_duration_truncated(i, n: int, p, horizon: int) -> np.ndarray:
    """``E[min(T, H)]``: expected rounds fought when the war is cut off after ``H`` rounds.

    Backward recursion ``m_h(j) = 1 + p m_{h-1}(j+1) + q m_{h-1}(j-1)``, ``m_0 = 0``, ``m_h = 0``
    at ``0`` and ``N``. ``n`` a scalar int; ``i`` integer positions broadcast with ``p``.
    Cost ``O(size(p) * N * H)``.
    """
    n = int(n)
    p = np.clip(np.asarray(p, dtype=float), _P_EPS, 1.0 - _P_EPS)
    i = np.asarray(i)
    i, p = np.broadcast_arrays(i, p)
    pe = p[..., None]
    m = np.zeros(p.shape + (n + 1,))
    for _ in range(int(horizon)):
        nxt = np.zeros_like(m)
        nxt[..., 1:n] = 1.0 + pe * m[..., 2:] + (1.0 - pe) * m[..., : n - 1]
        m = nxt
    idx = np.clip(i.astype(np.int64), 0, n)[..., None]
    return np.take_along_axis(m, idx, axis=-1)[..., 0]


def continuation_value(i, n, p, cost, side: str = "A", horizon: int | None = None) -> np.ndarray:
    """Expected value, in units, of fighting on under a known ``p``, net of per-round ``cost``.

    The side receives the units it holds when the war ends (``N`` or ``0`` at absorption; the
    frozen front ``i`` at the horizon, if any) minus ``cost`` per round. Since
    ``E[i_{t+1} - i_t] = 2p - 1``, optional stopping (Wald's identity) gives, with
    ``tau = min(T, H)``::

        V_A = i + (2p - 1 - c_A) E[tau]            (= N P - c_A D when H is None)
        V_B = N - i + (1 - 2p - c_B) E[tau]
    """
    tau = (
        expected_duration(i, n, p)
        if horizon is None
        else expected_duration_truncated(i, n, p, horizon)
    )
    i = np.asarray(i, dtype=float)
    p = np.asarray(p, dtype=float)
    if side == "A":
        return i + (2.0 * p - 1.0 - cost) * tau
    if side == "B":
        return np.asarray(n, dtype=float) - i + (1.0 - 2.0 * p - cost) * tau
    raise ValueError(f"side must be 'A' or 'B', not {side!r}")
