"""Every trace's ``digits`` by one check (chainrule._validation_digits): a NumPy integer
is taken (``np.int64(3)``, as an array hands it over), where three copies of the check
refused it; a bool, a float, 0, 18 and an int past float's range are refused naming
digits, the last by its size (its repr past 4300 digits would itself raise).

Reference: the traces at digits=np.int64(3) are the traces at digits=3, text for text."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import scalar
from chainrule.tracing import trace_conv2d, trace_hvp


def _traces(digits):
    net = cr.Network.from_transfer_matrices([[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],
                                             [[0.7], [-0.8], [0.9]]], activation="sigmoid")
    conv = cr.Conv2D(1, 1, 2, seed=0)
    x, y = scalar.Value(-2.0), scalar.Value(5.0)
    return [str(cr.tracing.trace(net, [1.0, 2.0], [1.0], digits=digits)),
            str(trace_conv2d(conv, np.arange(9.0).reshape(1, 1, 3, 3),
                             np.ones((1, 1, 2, 2)), digits=digits)),
            str(trace_hvp(net, [1.0, 2.0], [1.0], np.ones(net.n_params), digits=digits)),
            scalar.trace(x * y, digits=digits).text()]


def test_a_numpy_integer_is_the_same_digits():
    assert _traces(np.int64(3)) == _traces(3)
    assert _traces(np.int32(3)) != _traces(4)  # digits does change the text


@pytest.mark.parametrize(("digits", "shown"), [
    (True, "True"), (2.5, "2.5"), (0, "0"), (18, "18"), (np.int64(0), "np.int64(0)"),
    (10**400, "an int of about 10^400"), ("6", "'6'"),
])
def test_bad_digits_are_refused_naming_them(digits, shown):
    net = cr.mlp([2, 2, 1], seed=0)
    calls = [lambda: cr.tracing.trace(net, [1.0, 2.0], [1.0], digits=digits),
             lambda: trace_hvp(net, [1.0, 2.0], [1.0], np.ones(net.n_params), digits=digits),
             lambda: scalar.trace(scalar.Value(1.0), digits=digits)]
    for call in calls:
        with pytest.raises(ValueError) as exc:
            call()
        assert str(exc.value) == f"digits must be an int from 1 to 17, got {shown}"
