"""Small statistics for the validation: AUC, logistic and least-squares fits, folds grouped
by a label, and a bootstrap over those groups (numpy/scipy only)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize, stats


def auc(score, y) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counting
    one half (the Mann–Whitney U / (n1 n0))."""
    score, y = np.asarray(score, float), np.asarray(y, bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = stats.rankdata(score)
    return float((r[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def within_group_auc(score, y, groups) -> float:
    """AUC over the pairs (positive, negative) of the same group only: the pair-weighted mean
    of each group's AUC (groups with one class contribute no pair)."""
    score, y, groups = np.asarray(score, float), np.asarray(y, bool), np.asarray(groups)
    u = pairs = 0.0
    for g in np.unique(groups):
        m = groups == g
        n1, n0 = int(y[m].sum()), int((~y[m]).sum())
        if n1 and n0:
            r = stats.rankdata(score[m])
            u += r[y[m]].sum() - n1 * (n1 + 1) / 2
            pairs += n1 * n0
    return float(u / pairs) if pairs else float("nan")


def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, float)))


def fit_logistic(X, y, l2: float = 1e-6) -> np.ndarray:
    """Maximum-likelihood logistic regression (intercept first; a tiny ridge ``l2`` on the
    slopes keeps separable folds finite). Returns the coefficients."""
    X1 = np.column_stack([np.ones(len(X)), np.asarray(X, float).reshape(len(X), -1)])
    y = np.asarray(y, float)

    def nll(w):
        z = X1 @ w
        g = X1.T @ (sigmoid(z) - y)
        g[1:] += 2 * l2 * w[1:]
        return float((np.logaddexp(0, z) - y * z).sum() + l2 * (w[1:] ** 2).sum()), g

    res = optimize.minimize(nll, np.zeros(X1.shape[1]), jac=True, method="L-BFGS-B")
    return res.x


def predict_logistic(w, X) -> np.ndarray:
    return sigmoid(w[0] + np.asarray(X, float).reshape(len(X), -1) @ w[1:])


def fit_ols(X, y) -> np.ndarray:
    """Least squares with an intercept (first)."""
    X1 = np.column_stack([np.ones(len(X)), np.asarray(X, float).reshape(len(X), -1)])
    return np.linalg.lstsq(X1, np.asarray(y, float), rcond=None)[0]


def predict_ols(w, X) -> np.ndarray:
    return w[0] + np.asarray(X, float).reshape(len(X), -1) @ w[1:]


def leave_one_group_out(groups) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) boolean masks, one per group in sorted order: each group is the test set
    once and never in its own training set."""
    groups = np.asarray(groups)
    return [(groups != g, groups == g) for g in np.unique(groups)]


def cross_predict(fit: Callable, predict: Callable, groups, inputs, *targets) -> np.ndarray:
    """Out-of-fold predictions, leaving one group out at a time: ``fit(inputs, *targets)``
    on the other groups' rows returns a model, ``predict(model, inputs)`` its predictions
    for the held-out group's rows (from their inputs alone: the held-out targets are never
    passed). ``inputs`` and ``targets`` are arrays cut along their first axis (rows)."""
    out = None
    for train, test in leave_one_group_out(groups):
        model = fit(inputs[train], *(t[train] for t in targets))
        pred = np.asarray(predict(model, inputs[test]), float)
        if out is None:
            out = np.full((len(train),) + pred.shape[1:], np.nan)
        out[test] = pred
    return out


def group_bootstrap(metric: Callable, groups, n_boot: int, seed: int, *data,
                    by_group: bool = False) -> np.ndarray:
    """``metric(*data)`` on ``n_boot`` resamples of whole groups (drawn with replacement, as
    many as there are groups): the rows of a group travel together. ``data`` are arrays cut
    along their first axis. With ``by_group`` the metric also receives the resampled rows'
    group labels, each draw of a group a label of its own (a group drawn twice counts as two).
    Returns the resampled values (NaN where undefined)."""
    groups = np.asarray(groups)
    labels, inv = np.unique(groups, return_inverse=True)
    rows_of = [np.flatnonzero(inv == k) for k in range(len(labels))]
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for b in range(n_boot):
        pick = rng.integers(0, len(labels), len(labels))
        idx = np.concatenate([rows_of[k] for k in pick])
        extra = (np.repeat(np.arange(len(pick)), [len(rows_of[k]) for k in pick]),) \
            if by_group else ()
        out[b] = metric(*(d[idx] for d in data), *extra)
    return out


def interval(samples, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap ``samples`` (NaNs ignored)."""
    a = (1 - level) / 2
    lo, hi = np.nanquantile(samples, [a, 1 - a])
    return float(lo), float(hi)
