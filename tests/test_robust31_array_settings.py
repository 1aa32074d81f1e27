"""An array given where a setting (a name, a count) is expected is refused by name (robust31).

Before: each of these compared the array with a name or a tuple of names (``mode not in
("min", "max")``, ``batch_size != "auto"``) or took its truth (``if momentum:``), and
NumPy raised "The truth value of an array with more than one element is ambiguous. Use
a.any() or a.all()", naming no argument.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

A = np.array([1.0, 2.0])
RNG = np.random.default_rng(31)
X = RNG.normal(size=(10, 3))
Y = (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize(("call", "kind", "pattern"), [
    (lambda: cr.schedules.OneCycle(max_lr=0.1, total_steps=10, anneal_strategy=A),
     ValueError, r"^anneal_strategy must be 'cos' or 'linear', got array\(\[1\., 2\.\]\)$"),
    (lambda: cr.schedules.ReduceOnPlateau(mode=A), ValueError, r"^mode must be 'min' or 'max'"),
    (lambda: cr.schedules.Warmup(after=A), TypeError,
     r"^after: schedule must be a name, a dict or a Schedule, got ndarray$"),
    (lambda: cr.preprocessing.whiten(X, method=A), ValueError,
     r"^method must be one of \('zca', 'pca'\), got array"),
    (lambda: cr.MLPClassifier(batch_size=A, max_iter=2).fit(X, Y), ValueError,
     r"'batch_size' parameter of MLPClassifier must be a str among \{'auto'\} or an int"),
    (lambda: cr.mlp([3, 2]).check_sample_weight(np.ones(10), A), TypeError,
     r"^n_samples must be an int >= 0, got array"),
])
def test_array_for_a_setting_is_named(call, kind, pattern) -> None:
    with warnings.catch_warnings(), pytest.raises(kind, match=pattern):
        warnings.simplefilter("ignore")
        call()


def test_train_momentum_array_for_adam_is_named_and_changes_nothing() -> None:
    net = cr.mlp([3, 2], seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"^optimizer 'adam' takes no 'momentum' \(got array"):
        cr.train(net, X, np.c_[Y, 1 - Y], optimizer="adam", momentum=A, epochs=1)
    np.testing.assert_array_equal(net.params, before)


def test_check_sample_weight_keeps_its_numbers() -> None:
    # a weight vector of another length than an int n_samples of NumPy's type: refused as before
    net = cr.mlp([3, 2])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(4,\)"):
        net.check_sample_weight(np.ones(10), np.int64(4))
    w = RNG.uniform(0.5, 2.0, size=10)
    np.testing.assert_array_equal(net.check_sample_weight(w, np.int64(10)), w)
