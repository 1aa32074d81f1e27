"""chainrule.tracing.trace_hvp: ``max_params``, ``x`` and ``y`` refused by name, as
chainrule.tracing.trace refuses its ``x`` and ``y`` (robust32, from robust31's API fuzz).

Before: ``max_params=None`` or ``'abc'`` gave "'>' not supported", a text or dict ``x``
raw float() errors, and a ragged ``y`` NumPy's "setting an array element with a sequence".
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(32)


# --- chainrule.tracing.trace_hvp --------------------------------------------------------------

def _hvp(**kwargs):
    net = cr.mlp([2, 2, 1], hidden="tanh", seed=0)
    args = {"x": [1.0, 2.0], "y": [0.5], "v": np.ones(net.n_params)} | kwargs
    return cr.tracing.trace_hvp(net, args.pop("x"), args.pop("y"), args.pop("v"), **args)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"max_params": None}, TypeError, r"^max_params must be an int >= 1, got None "
                                      r"\(NoneType\)$"),
    ({"max_params": "abc"}, TypeError, r"^max_params must be an int >= 1, got 'abc' \(str\)$"),
    ({"max_params": float("nan")}, TypeError, r"^max_params must be an int >= 1, got nan"),
    ({"max_params": True}, TypeError, r"^max_params must be an int >= 1, got True \(bool\)$"),
    ({"max_params": 0}, ValueError, r"^max_params must be an int >= 1, got 0$"),
    ({"x": "abc"}, TypeError, r"^x must hold numbers, got an array of dtype <U3$"),
    ({"x": {"a": 1}}, TypeError, r"^x must hold numbers, got an array of dtype object$"),
    ({"x": [1j, 1.0]}, TypeError, r"^x must hold numbers, got an array of dtype complex128$"),
    ({"x": [10**400, 1]}, TypeError, r"^x must hold numbers"),
    ({"x": [[1.0, 2.0], [3.0]]}, ValueError, r"^x must be a numeric array, could not convert"),
    ({"x": [np.nan, 1.0]}, ValueError, r"^x contains 1 NaN or infinite value"),
    ({"y": [[0.5], [0.5, 1.0]], "x": [[1.0, 2.0], [3.0, 4.0]]}, ValueError,
     r"^y must be a numeric array, could not convert"),
    ({"y": "abc"}, TypeError, r"^y must hold numbers, got an array of dtype <U3$"),
    ({"y": {"a": 1}}, TypeError, r"^y must hold numbers, got an array of dtype object$"),
])
def test_trace_hvp_refuses_bad_arguments_naming_them(kwargs, error, message):
    with pytest.raises(error, match=message):
        _hvp(**kwargs)


def test_trace_hvp_still_matches_hessian_vector_product():
    net = cr.mlp([2, 2, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=1)
    v = RNG.normal(size=net.n_params)
    for x, y in [([1.0, -2.0], 2), ([[1.0, -2.0], [0.5, 0.3]], [2, 0])]:
        t = cr.tracing.trace_hvp(net, x, y, v, max_params=np.int64(10**6))
        ref = cr.hessian_vector_product(net, np.atleast_2d(x), np.atleast_1d(y), v)
        np.testing.assert_allclose(t.hv, ref, rtol=1e-12, atol=1e-14)
        assert math.isfinite(t.cost)
