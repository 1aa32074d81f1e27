"""chainrule.minimize (L-BFGS-B, CG) with frozen parameters: they keep their values and
the others are minimised over alone.

Reference: biases that are zero and frozen make the network a network without biases
(``bias=False``) with the same weights; SciPy minimising that one takes the same
iterates, as the frozen entries are left out of the vector it works on.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def _data():
    rng = np.random.default_rng(4)
    return rng.normal(size=(30, 3)), rng.normal(size=(30, 2))


def _pair():
    with_b = cr.mlp([3, 5, 2], hidden="tanh", output="identity", seed=5)
    without = cr.mlp([3, 5, 2], hidden="tanh", output="identity", seed=5, bias=False)
    for a, b in zip(with_b.layers, without.layers, strict=True):
        b.W = a.W
        a.b = np.zeros_like(a.b)
        a.frozen = {"b"}
    return with_b, without


@pytest.mark.parametrize("method", ["L-BFGS-B", "CG"])
def test_frozen_zero_biases_minimise_as_the_network_without_biases(method):
    X, Y = _data()
    net, ref = _pair()
    got = cr.minimize(net, X, Y, method=method, maxiter=30)
    want = cr.minimize(ref, X, Y, method=method, maxiter=30)
    assert got.nit == want.nit
    for a, b in zip(net.layers, ref.layers, strict=True):
        # (the network with biases adds them inside its first product, [X, 1] @ [W; b]:
        # other roundings, which CG's 30 iterations carry to 1e-8)
        np.testing.assert_allclose(a.W, b.W, rtol=1e-6, atol=1e-9)
        assert np.array_equal(a.b, np.zeros_like(a.b))  # bit for bit
    assert got.x.shape == (net.n_params,)
    np.testing.assert_array_equal(got.x, net.params)


def test_a_frozen_layer_keeps_its_values_and_everything_frozen_is_refused():
    X, Y = _data()
    net = cr.mlp([3, 5, 2], hidden="tanh", output="identity", seed=6)
    net.layers[0].trainable = False
    before = net.layers[0].W.copy(), net.layers[0].b.copy()
    out_before = net.layers[1].W.copy()
    seen = []
    cr.minimize(net, X, Y, maxiter=5, callback=lambda theta, J: seen.append(theta.size))
    assert np.array_equal(net.layers[0].W, before[0]) and np.array_equal(net.layers[0].b,
                                                                          before[1])
    assert not np.array_equal(net.layers[1].W, out_before)
    assert seen and set(seen) == {net.n_params}  # the callback gets the whole vector
    net.layers[1].trainable = False
    with pytest.raises(ValueError, match="nothing to train"):
        cr.minimize(net, X, Y, maxiter=5)
