"""``predict`` and ``forward`` on a network whose parameters were made NaN or infinite in place
refuse it with the clear error alone, without NumPy's matmul RuntimeWarning before it
(robust23); a finite network whose outputs overflow still warns as NumPy does.

pytest's filterwarnings setting makes a RuntimeWarning an error here, so each test that
expects none would fail on one, and the ones that expect one catch it with pytest.warns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(2323)
X = RNG.normal(size=(6, 4))


def _spoiled():
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)
    with pytest.raises(ValueError, match="in-place operator"):
        net.layers[0].W = net.layers[0].W.__isub__(np.inf)  # layer.W -= np.inf
    return net


@pytest.mark.parametrize("call", ["predict", "forward", "__call__"])
def test_the_refusal_comes_without_numpys_warning(call):
    net = _spoiled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        with pytest.raises(ValueError) as info:
            getattr(net, call)(X)
    doing = "predict" if call == "predict" else "forward"
    assert str(info.value).startswith(f"{doing}: net.layers[0].W (Dense) holds 20 NaN or "
                                      "infinite value(s) of 20 (the first: -inf)")


def test_the_refusal_comes_first_where_the_caller_has_numpy_raise():
    net = _spoiled()
    with np.errstate(all="raise"), pytest.raises(ValueError, match=r"net\.layers\[0\]\.W"):
        net.predict(X)
    assert np.geterr()["over"] == "warn"  # the caller's settings back as they were


def _overflowing():
    """An identity output of finite weights 4 on inputs 1e308: 8e308 overflows to inf."""
    net = cr.mlp([2, 1], output="identity", seed=0)
    net.layers[0].W = np.array([[4.0], [4.0]])
    net.layers[0].b = np.array([0.0])
    return net, np.array([[1e308, 1e308], [1.0, 2.0]])


@pytest.mark.parametrize("call", ["predict", "forward"])
def test_a_finite_network_whose_output_overflows_still_warns(call):
    net, inputs = _overflowing()
    with pytest.warns(RuntimeWarning, match="overflow encountered") as record:
        out = getattr(net, call)(inputs)
    assert len(record) == 1  # once, as NumPy says it: the repeated pass is not heard twice
    assert out[0, 0] == np.inf and out[1, 0] == 4.0 * 1.0 + 4.0 * 2.0  # by hand


def test_a_finite_network_whose_output_overflows_raises_under_numpys_raise():
    net, inputs = _overflowing()
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        net.predict(inputs)


def test_training_mode_forward_returns_the_outputs_as_they_are(recwarn):
    """forward(X, training=True), a step of a loop of one's own, is not checked: the loop
    sees the NaN it made (with NumPy's warning), and no second pass draws other masks."""
    net = _spoiled()
    out = net.forward(X, training=True)
    assert out.shape == (6, 3) and np.isnan(out).any()  # -inf - inf - ...: NaN rows
    assert any(issubclass(w.category, RuntimeWarning) for w in recwarn)


def test_evaluation_forward_equals_numpy_when_finite():
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)
    hidden, out = net.layers
    Z = np.tanh(X @ hidden.W + hidden.b) @ out.W + out.b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(net.forward(X), P / P.sum(axis=1, keepdims=True),
                               rtol=1e-12, atol=0)
