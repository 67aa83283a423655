"""The validation's statistics: AUC against brute force, folds that never train on the
held-out group, a bootstrap that keeps groups whole."""

from __future__ import annotations

import numpy as np
import pytest

from validation import stats


def _brute_auc(s, y):
    pos, neg = s[y], s[~y]
    d = pos[:, None] - neg[None, :]
    return ((d > 0).sum() + 0.5 * (d == 0).sum()) / d.size


def test_auc_equals_the_share_of_correctly_ordered_pairs():
    rng = np.random.default_rng(1)
    s = rng.integers(0, 6, 200).astype(float)          # many ties
    y = rng.random(200) < 0.4
    assert stats.auc(s, y) == pytest.approx(_brute_auc(s, y), abs=1e-12)
    assert stats.auc(y.astype(float), y) == 1.0
    assert stats.auc(-y.astype(float), y) == 0.0
    assert np.isnan(stats.auc(s, np.ones(200, bool)))


def test_within_group_auc_counts_only_pairs_of_a_group():
    rng = np.random.default_rng(2)
    g = rng.integers(0, 5, 300)
    s = rng.normal(size=300) + g          # the groups differ in level: across-group pairs lie
    y = rng.random(300) < 0.5
    num = den = 0.0
    for k in range(5):
        m = g == k
        a = _brute_auc(s[m], y[m])
        n = y[m].sum() * (~y[m]).sum()
        num, den = num + a * n, den + n
    assert stats.within_group_auc(s, y, g) == pytest.approx(num / den, abs=1e-12)


def test_leave_one_group_out_never_trains_on_the_held_out_group():
    rng = np.random.default_rng(3)
    groups = rng.choice(["a", "b", "c", "d"], 50)
    X = np.arange(50.0)
    y = rng.random(50)
    seen = []

    def fit(x, t):
        seen.append(set(groups[x.astype(int)]))
        assert len(x) == len(t)
        return set(groups[x.astype(int)])

    def predict(trained_on, x):
        held = set(groups[x.astype(int)])
        assert len(held) == 1 and not held & trained_on
        return np.full(len(x), len(trained_on))

    out = stats.cross_predict(fit, predict, groups, X, y)
    assert len(seen) == 4 and np.all(out == 3)       # every row predicted, each by 3 groups


def test_group_bootstrap_keeps_groups_whole_and_is_reproducible():
    groups = np.repeat(np.arange(6), [1, 2, 3, 4, 5, 6])
    x = groups.astype(float)

    def whole(v, labels):
        # every draw of a group brings all its rows, under a label of its own
        sizes = {lab: (labels == lab).sum() for lab in np.unique(labels)}
        values = {lab: np.unique(v[labels == lab]) for lab in sizes}
        assert all(len(values[lab]) == 1 for lab in sizes)
        assert all(sizes[lab] == values[lab][0] + 1 for lab in sizes)
        return len(sizes)

    n = stats.group_bootstrap(whole, groups, 50, 7, x, by_group=True)
    assert np.all(n == 6)                            # as many draws as groups
    a = stats.group_bootstrap(np.mean, groups, 100, 7, x)
    b = stats.group_bootstrap(np.mean, groups, 100, 7, x)
    assert np.array_equal(a, b) and a.std() > 0
    lo, hi = stats.interval(a)
    assert lo < np.median(a) < hi


def test_logistic_fit_recovers_known_coefficients():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(4000, 2))
    w = np.array([-0.5, 1.2, -0.8])
    y = rng.random(4000) < stats.sigmoid(w[0] + X @ w[1:])
    est = stats.fit_logistic(X, y)
    assert np.allclose(est, w, atol=0.12)
