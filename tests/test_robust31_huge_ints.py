"""An int past float's range (``10**400``) given for ``ema`` or a trace's ``rho`` / ``beta``
is refused by name (robust31).

Before: ``float(10**400)`` raised "OverflowError: int too large to convert to float",
naming no argument, from ``Trainer(ema=...)``, the estimators' ``ema`` and
``trace(rho=..., beta=...)``.  The value is shown as "an int of about 10^400" (its repr
has 401 digits; past 4300, repr itself raises).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

X = np.array([[0.1, 0.2, 0.3], [0.4, 0.1, 0.9]])
Y = np.array([[0.0, 1.0], [1.0, 0.0]])


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000],
                         ids=["1e400", "-1e400", "1e5000"])
def test_trainer_ema_past_float_range(value) -> None:
    net = cr.mlp([3, 2], seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"^ema must be None or the decay .* got an int of "
                                         r"about -?10\^(400|5000)$"):
        cr.Trainer(net, ema=value, epochs=1).fit(X, Y)
    np.testing.assert_array_equal(net.params, before)


def test_estimator_ema_past_float_range() -> None:
    est = cr.MLPRegressor(hidden_layer_sizes=(2,), max_iter=2, ema=10**400)
    with warnings.catch_warnings(), pytest.raises(
            ValueError, match=r"'ema' .*an int of about 10\^400"):
        warnings.simplefilter("ignore")
        est.fit(X, Y)
    assert not hasattr(est, "network_")


@pytest.mark.parametrize(("kw", "name"), [({"rho": 10**400, "beta": 3.0}, "rho"),
                                          ({"rho": 0.05, "beta": 10**400}, "beta"),
                                          ({"rho": 0.05, "beta": -(10**400)}, "beta")])
def test_trace_sparsity_past_float_range(kw, name) -> None:
    net = cr.mlp([3, 2, 3], output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=rf"^{name}: .* got an int of about -?10\^400$"):
        cr.trace(net, [0.1, 0.2, 0.3], [0.0, 1.0, 0.0], **kw)
