"""The per-node loop reference against the vectorised engine and the SPEC's worked examples."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import chainrule
import chainrule.reference as reference
from chainrule.activations import Activation
from chainrule.dropout import Dropout
from chainrule.layers import Dense
from chainrule.losses import LogitPath
from chainrule.network import Network

HIDDEN = ["identity", "sigmoid", "tanh", "softplus", "square", "relu", "leaky_relu"]
OUTPUT_LOSS = [
    ("identity", "squared_error"),
    ("identity", "mean_squared_error"),
    ("sigmoid", "squared_error"),
    ("sigmoid", "mean_squared_error"),
    ("sigmoid", "log_loss"),
    ("sigmoid", "cross_entropy"),
    ("softmax", "squared_error"),
    ("softmax", "mean_squared_error"),
    ("softmax", "log_loss"),
    ("softmax", "cross_entropy"),
]
DECAY = [(0.0, "ufldl"), (0.1, "ufldl"), (0.1, "per_sample")]


def _targets(rng: np.random.Generator, output: str, loss: str, m: int, k: int) -> np.ndarray:
    if output == "softmax" and loss == "cross_entropy":
        return rng.integers(0, k, size=m)  # 1-D integer labels: one-hot in both implementations
    if loss in ("log_loss", "cross_entropy"):
        return rng.uniform(0.0, 1.0, size=(m, k))
    return rng.normal(size=(m, k))


def _assert_same(J_ref: float, g_ref: np.ndarray, J_eng: float, g_eng: np.ndarray) -> None:
    assert abs(J_ref - J_eng) <= 1e-10 * abs(J_eng)
    assert g_ref.shape == g_eng.shape
    assert np.linalg.norm(g_ref - g_eng) <= 1e-10 * np.linalg.norm(g_eng)
    np.testing.assert_allclose(g_ref, g_eng, rtol=1e-10, atol=1e-13 * np.max(np.abs(g_eng)))


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize(("weight_decay", "decay"), DECAY, ids=["nodecay", "ufldl", "per_sample"])
@pytest.mark.parametrize("n_hidden", [1, 2])
@pytest.mark.parametrize(("output", "loss"), OUTPUT_LOSS, ids=[f"{o}-{l}" for o, l in OUTPUT_LOSS])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_reference_matches_engine(hidden, output, loss, n_hidden, weight_decay, decay, bias):
    rng = np.random.default_rng(7)
    sizes = {1: [3, 4, 3], 2: [3, 4, 5, 3]}[n_hidden]
    net = chainrule.mlp(
        sizes,
        hidden=hidden,
        output=output,
        loss=loss,
        seed=1,
        weight_decay=weight_decay,
        decay=decay,
        bias=bias,
    )
    if bias:  # non-zero biases, so that they take part in the comparison
        for layer in net.layers:
            layer.b = rng.normal(scale=0.3, size=layer.n_out)
    X = rng.normal(size=(5, 3))
    Y = _targets(rng, output, loss, 5, 3)

    J_eng, g_eng = net.loss_and_grad(X, Y)
    J_ref, g_ref = reference.loss_and_grad(net, X, Y)
    _assert_same(J_ref, g_ref, J_eng, g_eng)


def test_reference_does_not_use_the_engine(monkeypatch):
    rng = np.random.default_rng(3)
    net = chainrule.mlp([3, 4, 2], hidden="tanh", output="softmax", seed=0, weight_decay=0.01)
    X, Y = rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])
    J_eng, g_eng = net.loss_and_grad(X, Y)

    def boom(*args, **kwargs):
        raise AssertionError("the reference called the vectorised engine")

    for cls, name in [
        (Network, "_loss_and_grad"),
        (Network, "_forward"),
        (Network, "forward"),
        (Dense, "forward"),
        (Dense, "backward"),
        (Dense, "backward_delta"),
        (Activation, "backward"),
        (Activation, "derivative"),
    ]:
        monkeypatch.setattr(cls, name, boom)
    paths = {k: LogitPath(boom, boom) for k in net.loss.logit_paths}
    net.loss = dataclasses.replace(net.loss, value=boom, grad=boom, value_from_logits=boom,
                                   logit_paths=paths)
    J_ref, g_ref = reference.loss_and_grad(net, X, Y)
    _assert_same(J_ref, g_ref, J_eng, g_eng)


def test_train_step_is_gradient_descent_with_the_engine_gradient():
    rng = np.random.default_rng(5)
    net = chainrule.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=2, weight_decay=0.05)
    X, Y = rng.normal(size=(6, 2)), rng.uniform(size=6)  # 1-D targets for the one output
    before = net.params.copy()
    J_eng, g_eng = net.loss_and_grad(X, Y)
    J, grad = reference.train_step(net, X, Y, lr=0.3)
    _assert_same(J, grad, J_eng, g_eng)
    np.testing.assert_allclose(net.params, before - 0.3 * g_eng, rtol=1e-12, atol=1e-15)


def test_labels_and_one_hot_give_the_same_result():
    rng = np.random.default_rng(9)
    net = chainrule.mlp([2, 3, 3], hidden="relu", output="softmax", seed=4)
    X, labels = rng.normal(size=(4, 2)), np.array([2, 0, 1, 2])
    J1, g1 = reference.loss_and_grad(net, X, labels)
    J2, g2 = reference.loss_and_grad(net, X, np.eye(3)[labels])
    assert J1 == J2 and np.array_equal(g1, g2)
    # and the loss is -log of the probability given to the true class, computed by hand
    P = np.array([reference.forward(net, x).out[-1] for x in X])
    assert J1 == pytest.approx(-np.mean(np.log(P[np.arange(4), labels])), rel=1e-12)


def test_softmax_hidden_layer_and_user_activation_match_engine():
    rng = np.random.default_rng(11)
    chainrule.register_activation("cube_ref_test", lambda z: z**3, lambda z: 3 * z**2)
    try:
        net = Network(
            [
                Dense(3, 4, "softmax", seed=0),
                Dense(4, 3, "cube_ref_test", seed=1),
                Dense(3, 2, "identity", seed=2),
            ],
            loss="squared_error",
            weight_decay=0.2,
            decay="per_sample",
        )
        X, Y = rng.normal(size=(3, 3)), rng.normal(size=(3, 2))
        J_eng, g_eng = net.loss_and_grad(X, Y)
        J_ref, g_ref = reference.loss_and_grad(net, X, Y)
    finally:
        chainrule.activations.unregister_activation("cube_ref_test")
    _assert_same(J_ref, g_ref, J_eng, g_eng)


def test_softplus_output_with_cross_entropy_below_one_matches_engine():
    rng = np.random.default_rng(13)
    net = Network([Dense(2, 3, "tanh", seed=0), Dense(3, 2, "softplus", seed=1)], "cross_entropy")
    net.layers[1].b = [-4.0, -4.0]  # |net| stays below 0.54, so every output is below 1
    X, Y = rng.normal(size=(4, 2)), rng.uniform(size=(4, 2))
    assert max(max(reference.forward(net, x).out[-1]) for x in X) < 1
    J_eng, g_eng = net.loss_and_grad(X, Y)
    J_ref, g_ref = reference.loss_and_grad(net, X, Y)
    _assert_same(J_ref, g_ref, J_eng, g_eng)


def _softplus_above_one() -> tuple[Network, float, float]:
    """One softplus unit, w = 2, b = 0, x = 1, y = 1: out = log(1 + e^2) = 2.127 > 1."""
    net = Network([Dense(1, 1, "softplus", init=[[2.0]])], loss="cross_entropy")
    out = np.log1p(np.exp(2.0))
    J = -np.log(out)  # -y log a, negative since a > 1
    dJ_dnet = -1.0 / out * (1.0 / (1.0 + np.exp(-2.0)))  # dE/dout * softplus'(2) = sigmoid(2)
    return net, J, dJ_dnet


def test_softplus_output_above_one_reference_follows_the_formula():
    net, J, dJ_dnet = _softplus_above_one()
    J_ref, g_ref = reference.loss_and_grad(net, [[1.0]], [[1.0]])
    assert J_ref == pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(g_ref, [dJ_dnet * 1.0, dJ_dnet], rtol=1e-12)  # dW = x delta, db


def test_engine_softplus_output_above_one_with_cross_entropy():
    net, J, dJ_dnet = _softplus_above_one()
    J_eng, g_eng = net.loss_and_grad([[1.0]], [[1.0]])
    assert J_eng == pytest.approx(J, rel=1e-10)
    np.testing.assert_allclose(g_eng, [dJ_dnet, dJ_dnet], rtol=1e-10)


# --- SPEC section 10, worked example A: transfer matrices, sigmoid, log loss, lr 1 ----------
A_MATS = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]


def _flat_from_transfer(mats) -> np.ndarray:
    """Transfer matrices [b; W] -> chainrule's flat order (each layer's W row by row, then b)."""
    parts = []
    for M in mats:
        M = np.asarray(M, dtype=float)
        parts += [M[1:].ravel(), M[0]]
    return np.concatenate(parts)


def test_worked_example_a_forward_and_backprop():
    net = chainrule.notation.from_transfer_matrices(A_MATS, loss="log_loss")
    bp = reference.backprop(net, [0, 1], [1])
    assert bp.forward.out[0] == pytest.approx([0.549834, 0.710950], abs=1e-6)
    assert bp.forward.out[1] == pytest.approx([0.511501], abs=1e-6)
    assert bp.loss == pytest.approx(0.670406, abs=1e-6)
    assert bp.delta[1] == pytest.approx([-0.488499], abs=1e-6)
    assert bp.delta[0] == pytest.approx([-0.0604558, -0.0100387], abs=1e-6)


def test_worked_example_a_train_step():
    net = chainrule.notation.from_transfer_matrices(A_MATS, loss="log_loss")
    J, grad = reference.train_step(net, [[0, 1]], [[1]], lr=1)
    assert J == pytest.approx(0.670406, abs=1e-6)
    expected_grad = _flat_from_transfer(
        [
            [[-0.0604558, -0.0100387], [0, 0], [-0.0604558, -0.0100387]],
            [[-0.488499], [-0.268593], [-0.347298]],
        ]
    )
    np.testing.assert_allclose(grad, expected_grad, atol=1e-6, rtol=0)
    W0, W1 = net.to_transfer_matrices()
    np.testing.assert_allclose(
        W0, [[0.460456, 0.610039], [0.7, -0.4], [-0.139544, 0.310039]], atol=1e-6, rtol=0
    )
    np.testing.assert_allclose(W1, [[0.188499], [0.768593], [0.447298]], atol=1e-6, rtol=0)
    assert reference.forward(net, [0, 1]).out[-1][0] == pytest.approx(0.721874, abs=1e-6)


# --- SPEC section 10, worked example B: integers, square activation, no biases ---------------
def _example_b() -> Network:
    return chainrule.notation.from_ufldl(
        [[[1, 1], [2, 1]], [[2, 1], [1, 0]]], None, activation="square"
    )


def test_worked_example_b_forward():
    fp = reference.forward(_example_b(), [1, 1])
    assert fp.net == [[2.0, 3.0], [17.0, 4.0]]
    assert fp.out == [[4.0, 9.0], [289.0, 16.0]]


def test_worked_example_b_backprop_and_update():
    net = _example_b()
    bp = reference.backprop(net, [1, 1], [290, 14])
    assert bp.loss == 2.5
    assert bp.delta == [[-208.0, -204.0], [-34.0, 16.0]]
    # dW[l][i][j]: from unit i to unit j, so the SPEC's per-destination lists are columns
    assert [list(col) for col in zip(*bp.dW[1], strict=True)] == [[-136, -306], [64, 144]]
    assert [list(col) for col in zip(*bp.dW[0], strict=True)] == [[-208, -208], [-204, -204]]
    assert bp.db == [None, None]

    reference.train_step(net, [[1, 1]], [[290, 14]], lr=0.5)
    Ws, bs = net.to_ufldl()  # rows = destination units, as the SPEC lists them
    np.testing.assert_array_equal(Ws[0], [[105, 105], [104, 103]])
    np.testing.assert_array_equal(Ws[1], [[70, 154], [-31, -72]])
    assert bs == [None, None]


@pytest.mark.parametrize("output", ["exp", "softplus"])
def test_poisson_matches_engine_formula_and_central_differences(output):
    rng = np.random.default_rng(13)
    net = chainrule.mlp([3, 4, 2], hidden="tanh", output=output, loss="poisson", seed=3,
                        weight_decay=0.05)
    X = rng.normal(size=(5, 3))
    Y = rng.poisson(2.0, size=(5, 2)).astype(float)  # zeros included: 0 log 0 = 0
    assert (Y == 0).any()
    J_ref, g_ref = reference.loss_and_grad(net, X, Y)
    J_eng, g_eng = net.loss_and_grad(X, Y)
    _assert_same(J_ref, g_ref, J_eng, g_eng)
    # the loss by hand: half the Poisson deviance, sum_j y log(y / a) - y + a, averaged
    A = np.array([reference.forward(net, x).out[-1] for x in X])
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(Y > 0, Y * np.log(Y / A), 0.0)
    W2 = sum(np.sum(layer.W**2) for layer in net.layers)
    assert J_ref == pytest.approx(np.mean(np.sum(ylogy - Y + A, axis=1)) + 0.025 * W2, rel=1e-12)
    # and the gradient against central differences of the reference's own cost
    theta, eps = net.params.copy(), 1e-5

    def J(t):
        net.set_params(t)
        return reference.loss_and_grad(net, X, Y)[0]

    e = np.eye(theta.size) * eps
    num = np.array([(J(theta + e[i]) - J(theta - e[i])) / (2 * eps) for i in range(theta.size)])
    net.set_params(theta)
    assert np.linalg.norm(num - g_ref) <= 1e-8 * np.linalg.norm(num + g_ref)


# --- errors ---------------------------------------------------------------------------------
def test_non_dense_layer_is_refused():
    net = Network([Dense(2, 3, seed=0), Dropout(0.5, seed=0), Dense(3, 1, seed=1)])
    with pytest.raises(ValueError, match=r"layers\[1\].*Dropout"):
        reference.forward(net, [0.0, 1.0])


def test_step_activation_forward_works_but_backprop_refuses():
    net = chainrule.notation.from_transfer_matrices([[[-1.5], [1.0], [1.0]]], activation="step")
    assert [reference.forward(net, x).out[0][0] for x in ([0, 0], [1, 0], [1, 1])] == [0, 0, 1]
    with pytest.raises(ValueError, match="step"):
        reference.backprop(net, [1, 1], [1])


def test_bad_input_shape_and_learning_rate():
    net = chainrule.mlp([2, 1], seed=0)
    with pytest.raises(ValueError, match="length 2"):
        reference.forward(net, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="lr"):
        reference.train_step(net, [[1.0, 2.0]], [1.0], lr=-1.0)


def test_backprop_takes_a_class_label_as_trace_does():
    """reference.backprop(net, x, 2) refused the label with 'y must have shape (n_samples, 3)'
    (a shape backprop does not take), where trace and loss_and_grad read it as class 2."""
    net = chainrule.mlp([3, 4, 3], hidden="tanh", output="softmax", seed=0)
    x = np.array([0.1, -0.2, 0.3])
    bp = reference.backprop(net, x, 2)
    # by hand: softmax of the output net input, then delta = p - one-hot of class 2
    h = np.tanh(x @ net.layers[0].W + net.layers[0].b)
    z = h @ net.layers[1].W + net.layers[1].b
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(bp.delta[1], p - [0, 0, 1], rtol=1e-12, atol=1e-15)
    assert bp.loss == pytest.approx(-np.log(p[2]), rel=1e-12)
    assert reference.backprop(net, x, [2]).delta == bp.delta
    assert reference.backprop(net, x, [0, 0, 1]).delta == bp.delta
    with pytest.raises(ValueError, match=r"y must be the example's 3 target\(s\), shape \(3,\), "
                                         r"or one class label 0\.\.2; got shape \(2,\)"):
        reference.backprop(net, x, [0, 1])
    with pytest.raises(ValueError, match=r"y: class labels must lie in 0\.\.2"):
        reference.backprop(net, x, 3)


@pytest.mark.parametrize(("activation", "W", "y", "loss", "unit", "value"), [
    # sigmoid(40) is 1 - 4.2e-18, which float64 rounds to exactly 1
    ("sigmoid", [[40.0]], [[1.0]], "log_loss", 0, 1.0),
    # softmax of (40, -40): (1 - 1.8e-35, 1.8e-35) -> exactly 1 for the first unit
    ("softmax", [[40.0, -40.0]], [[1.0, 0.0]], "log_loss", 0, 1.0),
    # softmax of (800, -40): exp(-840) underflows, the second unit is exactly 0
    ("softmax", [[800.0, -40.0]], [[0.0, 1.0]], "cross_entropy", 1, 0.0),
    ("sigmoid", [[-800.0]], [[1.0]], "cross_entropy", 0, 0.0),
    ("exp", [[-800.0]], [[1.0]], "poisson", 0, 0.0),
])
def test_a_saturated_output_is_refused_by_name_not_with_a_bare_arithmetic_error(
        activation, W, y, loss, unit, value):
    """The loss formula's dE/dout divides by out (and 1 - out): an output of exactly 0 or 1
    raised ZeroDivisionError "float division by zero" or ValueError "math domain error"
    from deep inside the loops, with nothing about which output or why."""
    net = Network([Dense(1, len(W[0]), activation, init=np.array(W))], loss=loss)
    assert reference.forward(net, [1.0]).out[-1][unit] == value  # saturated, by hand above
    for call in (lambda: reference.loss_and_grad(net, [[1.0]], y),
                 lambda: reference.backprop(net, [1.0], y[0])):
        with pytest.raises(ValueError, match=rf"output unit {unit}: out = {value!r}, "
                                             rf"saturated .*{loss}.*net\.loss_and_grad"):
            call()
    # the engine computes these deltas without dividing by the output: finite
    J, grad = net.loss_and_grad([[1.0]], y)
    assert np.isfinite(J) and np.all(np.isfinite(grad))


def test_an_output_just_inside_the_open_interval_still_follows_the_formula():
    # sigmoid(30) = 1 - 9.36e-14: not saturated, so the formula's quotient is computed
    net = Network([Dense(1, 1, "sigmoid", init=np.array([[30.0]]))], loss="log_loss")
    a = 1.0 / (1.0 + np.exp(-30.0))
    J, grad = reference.loss_and_grad(net, [[1.0]], [[1.0]])
    assert J == pytest.approx(-np.log(a), rel=1e-3)
    np.testing.assert_allclose(grad, [a - 1.0, a - 1.0], rtol=1e-3)
