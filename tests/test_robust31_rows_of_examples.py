"""A ``y`` that is no array of examples, and a trace's ragged ``x``, are refused by name
(robust31).

Before: ``MLPClassifier().fit(X, {"a": 1})`` (or ``y=5.0``) raised scikit-learn's
"Input should have at least 1 dimension i.e. satisfy `len(x.shape) > 0`", and
``trace(net, [[1, 2], [3]], y)`` NumPy's "setting an array element with a sequence"
from its test for a batch, neither naming the argument; ``trace(notation=array)`` the
ambiguous truth of an array.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

X = np.random.default_rng(31).normal(size=(8, 3))


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.MLPRegressor])
@pytest.mark.parametrize("y", [{"a": 1}, 5.0], ids=["dict", "scalar"])
def test_zero_d_y_named(cls, y) -> None:
    est = cls(max_iter=2)
    with warnings.catch_warnings(), pytest.raises(
            TypeError, match=r"^y must be an array-like, one entry per example: Input should "
                             r"have at least 1 dimension"):
        warnings.simplefilter("ignore")
        est.fit(X, y)
    assert not hasattr(est, "network_")


def test_trace_ragged_x_named() -> None:
    net = cr.mlp([3, 4, 2], seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"^x must be a numeric array, could not convert"):
        cr.trace(net, [[1.0, 2.0], [3.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"^notation must be one of transfer, .*got array"):
        cr.trace(net, [1.0, 2.0, 3.0], [0.0, 1.0], notation=np.array([1, 2]))
    np.testing.assert_array_equal(net.params, before)


def test_trace_batch_still_traced() -> None:
    # two rows are a batch: its cost is the mean of the rows' squared errors / 2 (by hand)
    net = cr.mlp([3, 2], seed=0, output="identity")
    x, y = X[:2], np.array([[0.0, 1.0], [1.0, 0.0]])
    t = cr.trace(net, x, y, lr=0.1)
    W, b = net.layers[0].W, net.layers[0].b
    by_hand = 0.5 * np.sum((x @ W + b - y) ** 2) / 2
    assert t.step.cost == pytest.approx(by_hand, rel=1e-12)
