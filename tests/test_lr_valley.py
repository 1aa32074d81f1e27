"""The valley rule of the learning-rate range test (LRRangeTest.valley_lr, the suggested
rate): on hand-made curves against the rule written out here by brute force, undefined
with a reason on flat or rising curves, and on data where the steepest descent is noise."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.experiments import LRRangeTest, lr_range_test


def _test_of(s, skip: int = 0) -> LRRangeTest:
    s = np.asarray(s, dtype=float)
    n = s.size
    lrs = np.array([1e-7 * (10 / 1e-7) ** (i / max(n - 1, 1)) for i in range(n)])
    return LRRangeTest(lrs, s.copy(), s, n, "steps", n, skip)


def _brute_valley_index(s) -> int | None:
    """Every (first, last) pair: the longest strictly decreasing chain from first to last
    (O(n^3)); the longest, the lowest last, then the lowest first; its onset (first step
    with a fifth of the descent made) and the step two thirds of the way from there."""
    s = [float(v) for v in s]
    n = len(s)
    best = (1, n, n)  # (length, last, first): longer wins, then lower last, lower first
    for a in range(n):
        chain = [0] * n  # chain[j]: longest chain from a to j (0: none)
        chain[a] = 1
        for j in range(a + 1, n):
            for k in range(a, j):
                if chain[k] and s[k] > s[j]:
                    chain[j] = max(chain[j], chain[k] + 1)
        for b in range(a, n):
            if chain[b] and (chain[b] > best[0] or (chain[b] == best[0] and
                                                     (b, a) < (best[1], best[2]))):
                best = (chain[b], b, a)
    length, b, a = best
    if length < 2 or not s[a] - s[b] > 1e-3 * abs(s[a]):
        return None
    c = next(k for k in range(a, b + 1) if s[k] <= s[a] - 0.2 * (s[a] - s[b]))
    return c + (2 * (b - c)) // 3


def _curves():
    rng = np.random.default_rng(3)
    x = np.linspace(-1, 1, 41)
    noisy = np.linspace(3, 1, 40) + 0.05 * rng.normal(size=40)
    noisy[25] += 1.5  # a spike on the way down
    two = np.concatenate([np.linspace(2, 1.5, 8), np.linspace(2.5, 0.5, 20),
                          np.linspace(0.6, 3, 6)])  # a short valley, then a longer one
    ties = np.array([3, 3, 2.5, 2.5, 2, 2, 1.5, 1.5, 2, 3.0])
    return {"U shape": 1 + x ** 2, "noisy descent with a spike": noisy,
            "monotone decrease": np.linspace(30, 0, 31), "two valleys": two, "ties": ties,
            "plateau then descent": np.concatenate([2 + 1e-3 * rng.normal(size=30),
                                                    np.linspace(1.99, 0.5, 15)])}


@pytest.mark.parametrize("name", list(_curves()))
def test_valley_lr_follows_the_rule_written_out(name):
    s = _curves()[name]
    for skip in (0, 3):
        test = _test_of(s, skip)
        expected = _brute_valley_index(s[skip:])
        assert expected is not None
        assert test.valley_lr == test.lrs[skip + expected]
        assert test.suggested_lr == test.valley_lr
        assert test.no_suggestion_reason is None


def test_valley_by_hand():
    # monotone 30, 29, ..., 0: valley 0..30, a fifth of the descent made at 24 (step 6),
    # two thirds of the way from 6 to 30: 6 + 16 = 22
    test = _test_of(np.linspace(30, 0, 31))
    assert test.valley_lr == test.lrs[22]
    # U shape 1 + x^2 on 41 points: down from 0 to 20 (the bottom), a fifth of the
    # descent (from 2 to 1.8) made where x^2 <= 0.8: x = -0.85 (step 3); 3 + (2*17)//3 = 14
    assert _test_of(1 + np.linspace(-1, 1, 41) ** 2).valley_lr == _test_of(
        np.zeros(41)).lrs[14]
    # ties never continue a valley: 3, 3, 2, 2 has the valley 3 > 2 (steps 0 and 2), its
    # fifth of the descent made at step 2 (2 <= 2.8): the valley's point is step 2
    assert _test_of([3, 3, 2, 2]).valley_lr == _test_of([0] * 4).lrs[2]
    # of two valleys the longer: 3 steps down (0..2) then 5 steps down (3..7), a fifth
    # of its descent made at step 4 (8 <= 9 - 0.8): 4 + (2 * 3) // 3 = 6
    s = [3, 2, 1, 9, 8, 7, 6, 5]
    assert _test_of(s).valley_lr == _test_of(s).lrs[6]


def test_no_suggestion_on_flat_rising_or_too_short_curves():
    rng = np.random.default_rng(0)
    flat = 0.5 + 1e-16 * rng.normal(size=60)  # rounding noise
    test = _test_of(flat, 6)
    assert test.steepest_lr is not None  # the steepest descent follows the noise
    assert test.valley_lr is None and test.suggested_lr is None
    assert "flat" in test.no_suggestion_reason
    assert "none (the smoothed loss is flat" in test.summary()
    # a descent just past the tolerance (1e-3 of the loss) is one
    assert _test_of(np.linspace(1.0, 1 - 2e-3, 30)).valley_lr is not None
    assert _test_of(np.linspace(1.0, 1 - 5e-4, 30)).valley_lr is None
    rising = _test_of(np.linspace(1, 2, 20))
    assert rising.valley_lr is None and "never falls" in rising.no_suggestion_reason
    assert _test_of(np.full(20, 0.7)).no_suggestion_reason.startswith("the smoothed loss "
                                                                      "never falls")
    short = _test_of([2.0, 1.0], skip=1)
    assert short.valley_lr is None and "too few steps" in short.no_suggestion_reason


def test_valley_lands_near_the_lowest_loss_where_the_steepest_is_noise():
    """A noisy regression (make_regression, noise 20, standardized): the steepest descent
    of the smoothed loss is a noise step at rates that train nothing, far below the rate
    of the lowest loss; the valley lies within a factor of 10 below it."""
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=300, n_features=5, noise=20.0, random_state=0)
    X, y = (X - X.mean(0)) / X.std(0), (y - y.mean()) / y.std()
    net = cr.mlp([5, 16, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    test = lr_range_test(net, X, y, optimizer="sgd", steps=100, seed=0)
    s = test.smoothed[test.skip_start:]
    lowest = test.lrs[test.skip_start + int(np.argmin(s))]
    assert test.steepest_lr < lowest / 1e3
    assert lowest / 10 <= test.valley_lr <= lowest
    assert test.suggested_lr == test.valley_lr


def test_valley_point_skips_non_finite_losses():
    s = np.array([3.0, math.nan, 2.5, 2.0, 1.5, 1.0, 1.2])
    test = _test_of(s)
    # the chain 3 > 2.5 > 2 > 1.5 > 1 over steps 0, 2, 3, 4, 5 (the NaN in none); its
    # onset the first step with s <= 3 - 0.2 * 2 = 2.6: step 2; 2 + (2 * 3) // 3 = 4
    assert test.valley_lr == test.lrs[4]


def _quadratic_longest_valley(s) -> tuple[int, int, int]:
    """The valley as first computed, in O(n^2): for each point, the longest chain any
    earlier larger point ends (and the lowest start of those that long), then the first
    point of the longest chain."""
    n = len(s)
    length, first = [0] * n, list(range(n))
    for i in range(n):
        if not math.isfinite(s[i]):
            continue
        best = max((length[j] for j in range(i) if s[j] > s[i]), default=0)
        length[i] = best + 1
        if best:
            first[i] = min(first[j] for j in range(i) if s[j] > s[i] and length[j] == best)
    end = max(range(n), key=lambda i: (length[i], -i))
    return first[end], end, length[end]


def test_longest_valley_is_the_quadratic_rule_on_random_curves():
    """The O(n log n) search against the O(n^2) one it replaced, on random walks, noisy
    descents, curves of a few values (ties) and curves with NaN and infinities."""
    from chainrule.experiments._lr_valley import longest_valley

    rng = np.random.default_rng(7)
    for trial in range(400):
        n = int(rng.integers(1, 50))
        kind = trial % 4
        if kind == 0:
            s = np.cumsum(rng.normal(size=n))
        elif kind == 1:
            s = np.linspace(3, 1, n) + 0.3 * rng.normal(size=n)
        elif kind == 2:
            s = rng.integers(0, 4, size=n).astype(float)
        else:
            s = rng.integers(-2, 3, size=n).astype(float)
            s[s == 0] = -0.0 if trial % 8 == 3 else 0.0  # -0.0 and 0.0 are equal losses
            s[rng.random(n) < 0.2] = math.nan
            s[rng.random(n) < 0.1] = math.inf
            s[rng.random(n) < 0.1] = -math.inf
            s[rng.integers(n)] = 1.0  # at least one finite point
        assert longest_valley(s) == _quadratic_longest_valley(s.tolist()), s
