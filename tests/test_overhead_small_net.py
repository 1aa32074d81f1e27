"""The per-call costs of small networks cut without changing a number or a refusal.

Guards of the overhead work (benchmarks/bench_overheads.py, ``--only small_net``): the
cost and gradient of Matt Mazur's 2-2-2 sigmoid network against the same formulas written
in NumPy, every bit; the checks of plain ndarrays (their short path) refusing what they
refused, in the same words; and the finiteness test of small arrays (one isfinite pass)
against ``np.isfinite``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

import chainrule as cr
from chainrule._validation import check_finite_array
from chainrule._validation_arrays import all_finite
from mazur_net import B1, B2, W1, W2, X, Y, mazur_network

_network = mazur_network


def _numpy_cost_and_grad(x, y, w1, b1, w2, b2):
    """J = (1/m) sum 1/2 ||a - y||^2 of the sigmoid 2-2-2 network and its gradient in the
    network's order (W1, b1, W2, b2), by the chain rule in plain NumPy."""
    m = x.shape[0]
    a1 = expit(x @ w1 + b1)
    a2 = expit(a1 @ w2 + b2)
    d = a2 - y
    J = float(np.sum(0.5 * np.sum(d * d, axis=1)) / m)
    delta2 = (d / m) * (a2 * (1.0 - a2))
    delta1 = (delta2 @ w2.T) * (a1 * (1.0 - a1))
    return J, np.concatenate([(x.T @ delta1).ravel(), delta1.sum(axis=0),
                              (a1.T @ delta2).ravel(), delta2.sum(axis=0)])


def test_mazur_cost_and_gradient_match_numpy_every_bit():
    net = _network()
    J, grad = net.loss_and_grad(X, Y)
    J_ref, grad_ref = _numpy_cost_and_grad(X, Y, W1, B1, W2, B2)
    assert J == J_ref
    np.testing.assert_array_equal(grad, grad_ref)
    assert abs(J - 0.298371109) < 5e-10  # his E_total
    # lists, and a 1-D example, take the same path to the same numbers
    J2, grad2 = net.loss_and_grad(X[0].tolist(), Y.tolist())
    assert J2 == J_ref
    np.testing.assert_array_equal(grad2, grad_ref)


def test_mazur_plain_gradient_descent_matches_numpy_every_bit():
    """His 10,000 updates, shortened: 200 steps of W <- W - 0.5 dE/dW (biases too) over
    loss_and_grad, against the same loop in NumPy."""
    net = _network()
    w1, b1, w2, b2 = W1.copy(), B1.copy(), W2.copy(), B2.copy()
    for _ in range(200):
        _, grad = net.loss_and_grad(X, Y)
        params = net.params
        params -= 0.5 * grad
        _, g = _numpy_cost_and_grad(X, Y, w1, b1, w2, b2)
        w1 -= 0.5 * g[:4].reshape(2, 2)
        b1 -= 0.5 * g[4:6]
        w2 -= 0.5 * g[6:10].reshape(2, 2)
        b2 -= 0.5 * g[10:]
    np.testing.assert_array_equal(net.params, np.concatenate(
        [w1.ravel(), b1, w2.ravel(), b2]))


@pytest.mark.parametrize("bad, kind, words", [
    (np.array([[0.05, np.nan]]), ValueError,
     "X contains 1 NaN or infinite value(s); all must be finite"),
    (np.array([[np.inf, -np.inf]]), ValueError,
     "X contains 2 NaN or infinite value(s); all must be finite"),
    (np.array([["a", "b"]]), TypeError, "X must hold numbers, got an array of dtype <U1"),
    (np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]"), TypeError,
     "X must hold numbers, got times of dtype datetime64[D]"),
    (np.ma.masked_array([[0.05, 0.1]], mask=[[True, False]]), ValueError,
     "X is a masked array with 1 masked value(s)"),
    (np.zeros((0, 2)), ValueError, "X is empty (shape (0, 2))"),
    (np.array([[1e300, 0.1]]), ValueError, "X has values too large for float32"),
])
def test_plain_arrays_refused_as_before(bad, kind, words):
    with pytest.raises(kind) as err:
        check_finite_array(bad, "X", dtype=np.float32)
    assert words in str(err.value)


def test_network_refuses_bad_targets_and_inputs_in_the_same_words():
    net = _network()
    with pytest.raises(ValueError, match=r"Y contains 1 NaN or infinite value\(s\)"):
        net.loss_and_grad(X, np.array([[0.01, np.inf]]))
    with pytest.raises(ValueError, match=r"X contains 1 NaN or infinite value\(s\)"):
        net.loss_and_grad(np.array([[np.nan, 0.1]]), Y)
    with pytest.raises(ValueError, match=r"X must have 2 features \(columns\)"):
        net.loss_and_grad(np.ones((1, 3)), Y)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 2, 63, 4095, 4096, 4097, 9000])
def test_all_finite_agrees_with_isfinite(dtype, size):
    rng = np.random.default_rng(size)
    base = rng.standard_normal(size).astype(dtype)
    assert all_finite(base) is True
    assert all_finite(base[::2]) is True  # not contiguous
    for bad in (np.nan, np.inf, -np.inf):
        for where in {0, size // 2, size - 1}:
            arr = base.copy()
            arr[where] = bad
            assert all_finite(arr) is bool(np.isfinite(arr).all()) is False
            assert all_finite(arr.reshape(1, -1)) is False
    big = np.full(size, np.finfo(dtype).max, dtype=dtype)  # finite; its squares overflow
    assert all_finite(big) is True


@pytest.mark.parametrize("name, derivative", [
    ("sigmoid", lambda z: expit(z) * (1.0 - expit(z))),
    ("tanh", lambda z: 1.0 - np.tanh(z) * np.tanh(z)),
    ("relu", lambda z: (z > 0).astype(z.dtype)),
    ("identity", np.ones_like),
    ("softplus", expit),
])
def test_dense_backward_outside_training_is_grad_times_derivative(name, derivative):
    """A Dense layer's backward outside a training run: delta = dJ/dA * f'(Z), dW = X.T delta,
    db its column sums and dJ/dX = delta W.T, every bit."""
    rng = np.random.default_rng(3)
    layer = cr.Dense(3, 4, activation=name, seed=0)
    cr.Network([layer])
    X = rng.standard_normal((5, 3))
    G = rng.standard_normal((5, 4))
    Z = X @ layer.W + layer.b
    layer.forward(X)
    grad_in = layer.backward(G)
    delta = G * derivative(Z)
    np.testing.assert_array_equal(layer.delta, delta)
    np.testing.assert_array_equal(layer.dW, X.T @ delta)
    np.testing.assert_array_equal(layer.db, delta.sum(axis=0))
    np.testing.assert_array_equal(grad_in, delta @ layer.W.T)


def test_bench_small_net_numpy_step_is_the_networks_step():
    """benchmarks/bench_overheads.py --only small_net times chainrule against its NumPy
    step: that step computes Mazur's cost and gradient (to rounding: its own order of
    operations), and a short run gives a time per step for each of the six figures."""
    import os
    import sys

    bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "benchmarks")
    sys.path.insert(0, bench)
    try:
        import bench_overheads
    finally:
        sys.path.remove(bench)
    J, grads = bench_overheads._numpy_loss_and_grad([W1, B1, W2, B2], X, Y)
    J_ref, grad_ref = _network().loss_and_grad(X, Y)
    assert J == pytest.approx(J_ref, rel=1e-14)
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in grads]), grad_ref,
                               rtol=1e-13)
    times = bench_overheads.small_net(reps=1, steps=3)
    assert set(times) == {"loss_and_grad", "train step, SGD momentum", "train step, Adam"}
    assert all(a > 0 and b > 0 for a, b in times.values())
