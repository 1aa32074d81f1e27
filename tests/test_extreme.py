"""Extreme logits (+-1000): finite values, no warnings, and the closed-form losses (SPEC 3).

Every expected value is worked out by hand from the definitions: e.g. for sigmoid +
log loss, L(z, y=0) = log(1 + e^z) = 1000 at z = 1000 and ~e^-1000 = 0 at z = -1000;
for softmax + cross-entropy, L = logsumexp(z) - z_label.  pyproject turns RuntimeWarning
into errors; the tests below also raise on numpy overflow / invalid / divide flags.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.activations import get_activation


@contextmanager
def strict_numerics():
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


def one_layer_net(W, activation, loss, bias=None, dtype=np.float64) -> Network:
    W = np.asarray(W, dtype=dtype)
    layer = Dense(W.shape[0], W.shape[1], activation, init=W, dtype=dtype)
    if bias is not None:
        layer.b = bias
    return Network([layer], loss=loss)


def loss_and_grad(net, X, Y):
    with strict_numerics():
        J, grad = net.loss_and_grad(X, Y)
    assert np.isfinite(J)
    assert np.all(np.isfinite(grad))
    return J, grad


# -- activations at +-1000 --------------------------------------------------------------------
BIG = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sigmoid", [0.0, np.exp(-30.0) / (1 + np.exp(-30.0)), 0.5, 1 / (1 + np.exp(-30.0)), 1]),
        ("tanh", [-1.0, -1.0, 0.0, 1.0, 1.0]),
        ("softplus", [0.0, np.exp(-30.0), np.log(2.0), 30.0 + np.exp(-30.0), 1000.0]),
        ("identity", [-1000.0, -30.0, 0.0, 30.0, 1000.0]),
        ("relu", [0.0, 0.0, 0.0, 30.0, 1000.0]),
        ("leaky_relu", [-10.0, -0.3, 0.0, 30.0, 1000.0]),
        ("square", [1e6, 900.0, 0.0, 900.0, 1e6]),
    ],
)
def test_elementwise_activations_at_extremes(name, expected, dtype):
    act = get_activation(name)
    z = BIG.astype(dtype)
    with strict_numerics():
        a = act.f(z)
        if name != "relu" and name != "leaky_relu":  # kinks: derivative at 0 is a convention
            d = act.derivative(z, a)
            assert np.all(np.isfinite(d))
        back = act.backward(z, a, np.ones_like(z))
    assert a.dtype == dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(back))
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(a[0], expected, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_derivatives(dtype):
    z = np.array([[-1000.0, 1000.0]], dtype=dtype)
    with strict_numerics():
        for name, expected in [("sigmoid", [0, 0]), ("tanh", [0, 0]), ("softplus", [0, 1])]:
            act = get_activation(name)
            np.testing.assert_allclose(act.derivative(z, act.f(z))[0], expected, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_at_extremes(dtype):
    act = get_activation("softmax")
    z = np.array(
        [[1000.0, 0.0], [-1000.0, 0.0], [1000.0, 1000.0], [-1000.0, -1000.0], [1000.0, -1000.0]],
        dtype=dtype,
    )
    with strict_numerics():
        a = act.f(z)
        back = act.backward(z, a, np.array([[1.0, -1.0]] * 5, dtype=dtype))
    np.testing.assert_allclose(
        a, [[1, 0], [0, 1], [0.5, 0.5], [0.5, 0.5], [1, 0]], rtol=0, atol=1e-30
    )
    assert np.all(np.isfinite(back))
    # Jacobian-vector product a * (g - a.g): 0 where saturated, [0.5, -0.5] at a tie
    np.testing.assert_allclose(back[2], [0.5, -0.5], atol=1e-7)
    np.testing.assert_allclose(back[[0, 1, 4]], 0, atol=1e-30)


# -- canonical pairs: the closed form ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("x", "y", "loss", "dz"),
    [
        # z = 1000 x ; L = log(1 + e^z) - y z ; dL/dz = sigmoid(z) - y
        (1.0, 0.0, 1000.0, 1.0),
        (-1.0, 0.0, 0.0, 0.0),
        (-1.0, 1.0, 1000.0, -1.0),
        (1.0, 1.0, 0.0, 0.0),
    ],
)
def test_sigmoid_log_loss(x, y, loss, dz, dtype):
    net = one_layer_net([[1000.0]], "sigmoid", "log_loss", dtype=dtype)
    J, grad = loss_and_grad(net, [[x]], [[y]])
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert J == pytest.approx(loss, rel=rtol, abs=1e-300)
    np.testing.assert_allclose(grad, [x * dz, dz], rtol=rtol, atol=1e-30)  # dW = x dz, db = dz


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_log_loss_keeps_the_digits_of_confident_answers(dtype):
    """Right and confident (y = 1, z = 30 or 40; y = 0, z = -30): tiny losses, all digits.

    log(1 + e^z) - y z cancels there (9.237e-14 instead of 9.358e-14 at z = 30, 0 at
    z = 40), and so did the delta s(z) - y (relative error 1e-3 at z = 30).  The
    reference is mpmath at 50 digits: loss log(1 + e^-|z|), dL/dz = s(z) - y.
    """
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    zs = np.array([30.0, 40.0, -30.0, 12.5, -80.0])
    ys = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
    for z, y in zip(zs, ys, strict=True):
        net = one_layer_net([[z]], "sigmoid", "log_loss", dtype=dtype)
        J, grad = loss_and_grad(net, [[1.0]], [[y]])
        zm = mpmath.mpf(float(net.layers[0].W[0, 0]))  # z as the network holds it
        s = 1 / (1 + mpmath.exp(-zm))
        loss = -(y * mpmath.log(s) + (1 - y) * mpmath.log(1 - s))
        dz = s - y
        rtol = 1e-13 if dtype == np.float64 else 2e-6
        assert J == pytest.approx(float(loss), rel=rtol, abs=0)
        np.testing.assert_allclose(grad, [float(dz), float(dz)], rtol=rtol, atol=0)


def test_sigmoid_log_loss_huge_inputs_batch():
    """Huge inputs instead of huge weights, a batch of four: mean of the closed forms."""
    net = one_layer_net([[1.0]], "sigmoid", "log_loss")
    X = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    Y = np.array([0.0, 0.0, 1.0, 1.0])
    J, grad = loss_and_grad(net, X, Y)
    assert J == pytest.approx((1000 + 0 + 0 + 1000) / 4, rel=1e-12)
    dz = np.array([1.0, 0.0, 0.0, -1.0]) / 4
    np.testing.assert_allclose(grad, [X[:, 0] @ dz, dz.sum()], rtol=1e-12, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("one_hot", [False, True], ids=["labels", "one_hot"])
@pytest.mark.parametrize(
    ("x", "label", "loss", "delta"),
    [
        # logits [1000 x, 0]; L = logsumexp - z_label; delta = p - y
        (1.0, 1, 1000.0, [1.0, -1.0]),
        (1.0, 0, 0.0, [0.0, 0.0]),
        (-1.0, 0, 1000.0, [-1.0, 1.0]),
        (-1.0, 1, 0.0, [0.0, 0.0]),
    ],
)
def test_softmax_cross_entropy(x, label, loss, delta, one_hot, dtype):
    net = one_layer_net([[1000.0, 0.0]], "softmax", "cross_entropy", dtype=dtype)
    Y = np.eye(2)[[label]] if one_hot else np.array([label, label])[:1]
    if not one_hot:
        # a 1-D vector of labels needs a batch; use two identical examples
        X, Y = [[x], [x]], np.array([label, label])
    else:
        X = [[x]]
    J, grad = loss_and_grad(net, X, Y)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert J == pytest.approx(loss, rel=rtol, abs=1e-300)
    delta = np.array(delta)
    np.testing.assert_allclose(grad, [*(x * delta), *delta], rtol=rtol, atol=1e-30)


def test_softmax_cross_entropy_three_classes():
    net = one_layer_net([[1000.0, -1000.0, 0.0]], "softmax", "cross_entropy")
    J, grad = loss_and_grad(net, [[1.0], [1.0], [1.0]], [0, 1, 2])
    # per-example losses: 0, 2000, 1000 ; p = [1, 0, 0]
    assert J == pytest.approx(1000.0, rel=1e-12)
    delta = (np.array([1.0, 0.0, 0.0]) * 3 - np.ones(3)) / 3  # mean of (p - y) over the 3 rows
    np.testing.assert_allclose(grad, [*delta, *delta], rtol=1e-12, atol=1e-30)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("x", "y"), [(1.0, 0.0), (-1.0, 1.0), (1.0, 1000.0)])
def test_identity_squared_error(x, y, dtype):
    net = one_layer_net([[1000.0]], "identity", "squared_error", dtype=dtype)
    J, grad = loss_and_grad(net, [[x]], [[y]])
    z = 1000.0 * x
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert J == pytest.approx(0.5 * (z - y) ** 2, rel=rtol, abs=1e-300)
    np.testing.assert_allclose(grad, [x * (z - y), z - y], rtol=rtol, atol=1e-30)


# -- non-canonical pairs: finite, and the closed form where it is representable -----------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x", [1.0, -1.0])
def test_softmax_squared_error(x, dtype):
    net = one_layer_net([[1000.0, 0.0]], "softmax", "squared_error", dtype=dtype)
    J, grad = loss_and_grad(net, [[x]], [[0.0, 1.0]])
    a = np.array([1.0, 0.0]) if x > 0 else np.array([0.0, 1.0])
    assert J == pytest.approx(0.5 * np.sum((a - [0.0, 1.0]) ** 2), abs=1e-12)
    # saturated softmax: its Jacobian is ~e^-1000, so the gradient vanishes
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x", [1.0, -1.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_sigmoid_cross_entropy(x, y, dtype):
    net = one_layer_net([[1000.0]], "sigmoid", "cross_entropy", dtype=dtype)
    J, grad = loss_and_grad(net, [[x]], [[y]])
    if y == 0.0 or x > 0:  # L = -y log sigmoid(z): 0 here, up to e^-1000
        tiny = 4 * float(np.finfo(dtype).eps)
        assert J == pytest.approx(0.0, abs=tiny)
        np.testing.assert_allclose(grad, 0.0, atol=tiny)
    else:  # z = -1000, y = 1: true loss 1000; at least large and finite
        assert J > 15  # float32: -log(eps32) ~ 15.9 ; float64: -log(eps64) ~ 36


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x", [1.0, -1.0])
@pytest.mark.parametrize("target", [[1.0, 0.0], [0.0, 1.0]])
def test_softmax_log_loss(x, target, dtype):
    net = one_layer_net([[1000.0, 0.0]], "softmax", "log_loss", dtype=dtype)
    J, grad = loss_and_grad(net, [[x]], [target])
    right = (x > 0) == (target[0] == 1.0)
    if right:  # p equals the target up to e^-1000: loss and gradient ~0
        tiny = 4 * float(np.finfo(dtype).eps)  # -log(1 - eps) of a probability rounded to 1
        assert J == pytest.approx(0.0, abs=tiny)
        np.testing.assert_allclose(grad, 0.0, atol=tiny)
    else:  # true loss ~2000: at least large and finite
        assert J > 15


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "Y"),
    [
        ("sigmoid", "sigmoid", "log_loss", [[0.0, 1.0], [1.0, 0.0]]),
        ("tanh", "softmax", "cross_entropy", [1, 0]),
        ("softplus", "identity", "squared_error", [[0.0, 1.0], [1.0, 0.0]]),
        ("tanh", "softmax", "squared_error", [[0.0, 1.0], [1.0, 0.0]]),
        ("sigmoid", "sigmoid", "cross_entropy", [[0.0, 1.0], [1.0, 0.0]]),
        ("softplus", "softmax", "log_loss", [[0.0, 1.0], [1.0, 0.0]]),
        ("sigmoid", "sigmoid", "mean_squared_error", [[0.0, 1.0], [1.0, 0.0]]),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_deep_network_with_huge_weights_is_finite(hidden, output, loss, Y, dtype):
    """Hidden units and output logits at +-1000 and beyond: cost and gradient stay finite."""
    l1 = Dense(2, 3, hidden, init=np.array([[1000.0, -1000.0, 500.0], [-700.0, 900.0, 1000.0]]))
    l2 = Dense(3, 2, output, init=np.array([[800.0, -1000.0], [-1000.0, 600.0], [1000.0, 0.0]]))
    net = Network([l1, l2], loss=loss, weight_decay=1e-3)
    if dtype == np.float32:
        net = net.astype(np.float32)
    X = np.array([[1.0, -1.0], [-1.0, 2.0]], dtype=dtype)
    J, grad = loss_and_grad(net, X, Y)
    assert J >= 0
    assert grad.dtype == dtype
    assert np.all(np.isfinite(net.forward(X)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_cross_entropy_large_logit_closed_form(dtype):
    """z = -40, y = 1: L = -log sigmoid(-40) = 40 + log(1 + e^-40); dL/dz = sigmoid(z) - 1."""
    net = one_layer_net([[-40.0]], "sigmoid", "cross_entropy", dtype=dtype)
    J, grad = loss_and_grad(net, [[1.0]], [[1.0]])
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert J == pytest.approx(40.0 + np.log1p(np.exp(-40.0)), rel=rtol)
    np.testing.assert_allclose(grad, [-1.0, -1.0], rtol=rtol)


# -- the mixed pairs keep full accuracy where a or 1 - a is not representable ---------------
@pytest.mark.parametrize(
    ("W", "output", "loss", "Y", "expected_loss", "expected_dz"),
    [
        # z = -1000, y = 1: L = log(1 + e^1000) = 1000; dL/dz = sigmoid(z) - 1 = -1
        ([[-1000.0]], "sigmoid", "cross_entropy", [[1.0]], 1000.0, [-1.0]),
        # logits [0, 40, 0], y = [1, 0, 0]:
        # L = -log p0 - log(1 - p1) - log(1 - p2) = 40 + (40 - log 2) + 0 (to e^-40)
        # dL/dz = (p - e0) + (p - [1/2, 0, 1/2]) + ~0 = [-1.5, 2, -0.5]
        (
            [[0.0, 40.0, 0.0]],
            "softmax",
            "log_loss",
            [[1.0, 0.0, 0.0]],
            80 - np.log(2),
            [-1.5, 2.0, -0.5],
        ),
    ],
    ids=["sigmoid-ce-1000", "softmax-logloss-40"],
)
def test_noncanonical_pairs_closed_form_at_large_logits(
    W, output, loss, Y, expected_loss, expected_dz
):
    net = one_layer_net(W, output, loss)
    J, grad = loss_and_grad(net, [[1.0]], Y)
    assert J == pytest.approx(expected_loss, rel=1e-9)
    k = len(expected_dz)
    np.testing.assert_allclose(grad[k:], expected_dz, rtol=1e-9)  # db = dL/dz for x = 1


# -- softplus outputs: the loss from log softplus(z), not from the underflowed output -----------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("z", [-5.0, -90.0, -120.0, -800.0])
@pytest.mark.parametrize("loss", ["cross_entropy", "poisson"])
def test_softplus_output_keeps_its_gradient_at_very_negative_logits(loss, z, dtype):
    """softplus(z) underflows (float32 below z ~ -87, float64 below ~ -708), but
    log softplus(z) = z + log1p(-e^z / 2 + ...) does not: for z <= -90 the loss is
    -y z (cross_entropy) or y log y - y z - y (poisson) and dL/dz = -y to within e^z.
    (The loss was stuck at -y log(tiny) and dL/dz at 0 there: the unit stopped learning.)"""
    y = 3.0 if loss == "poisson" else 1.0
    net = one_layer_net([[z]], "softplus", loss, dtype=dtype)
    J, grad = loss_and_grad(net, [[1.0]], [[y]])
    if z == -5.0:  # nothing underflows: the textbook formulas, evaluated as written
        a = np.log1p(np.exp(z))
        s = 1.0 / (1.0 + np.exp(-z))
        if loss == "cross_entropy":
            expected, dz = -y * np.log(a), -y * s / a
        else:
            expected, dz = y * np.log(y / a) - y + a, (1.0 - y / a) * s
    else:
        dz = -y
        expected = -y * z if loss == "cross_entropy" else y * np.log(y) - y * z - y
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert J == pytest.approx(expected, rel=rtol)
    np.testing.assert_allclose(grad, [dz, dz], rtol=rtol)  # dW = dL/dz * x, db = dL/dz


@pytest.mark.parametrize(("dtype", "z"), [(np.float64, 1.7e308), (np.float32, 3e38)])
def test_softmax_log_loss_logits_apart_by_more_than_the_float_range(dtype, z):
    """Logits [z, -z, 0], target [1, 0, 0]: p = [1, 0, 0] to the last bit, so by hand
    L = -log p0 - log(1 - p1) - log(1 - p2) = 0, and dL/dz = 0.  z - logsumexp(z) of the
    second logit, -2z, is past the float range: it was -inf, and the target's 0 times it
    made the loss NaN (the gradient stayed 0)."""
    net = one_layer_net([[z, -z, 0.0]], "softmax", "log_loss", dtype=dtype)
    X, Y = np.ones((1, 1), dtype), np.array([[1.0, 0.0, 0.0]])
    with np.errstate(over="ignore"):  # -2z itself overflows; the result must not be NaN
        J, grad = net.loss_and_grad(X, Y)
        assert net.loss_value(X, Y) == 0.0
    assert J == 0.0
    np.testing.assert_array_equal(grad, 0.0)
