"""SPEC statements (sections 2, 6, 7) that no other test held to an independent reference.

* SPEC 2: "Where the derivative is cheaper from the output (sigmoid a(1-a), tanh 1-a^2) it
  is computed from the output": checked by poisoning the net input z with NaN, which a
  derivative taken from z would carry into the error term.
* SPEC 6: zeros "to demonstrate the symmetry problem: all hidden units stay equal", under
  every optimizer, mini-batches and shuffling included (in exact arithmetic the hidden
  units of a zeros start get identical gradients at every step, whatever the update rule).
* SPEC 6: "Always reproducible from a seed", for a float32 network too.
* SPEC 7: "Stop on ... a gradient-norm threshold" with mini-batches, where the epoch's
  gradient norm is documented as the root mean square of its batches' gradient norms.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network, mlp
from chainrule.activations import get_activation
from chainrule.callbacks import Callback


# --- SPEC 2: derivatives from the output --------------------------------------------------------
@pytest.mark.parametrize(("name", "hand"), [("sigmoid", lambda a: a * (1 - a)),
                                            ("tanh", lambda a: 1 - a * a)])
def test_sigmoid_and_tanh_derivatives_are_computed_from_the_output(name, hand):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3))
    a = 1 / (1 + np.exp(-z)) if name == "sigmoid" else np.tanh(z)  # NumPy, written out
    act = get_activation(name)
    poisoned = np.full_like(z, np.nan)
    np.testing.assert_allclose(act.derivative(poisoned, a), hand(a), rtol=1e-15)
    # in a network's backward pass, plain and buffered (training) alike
    X = rng.normal(size=(6, 2))
    W = rng.normal(size=(2, 3))
    for training in (False, True):
        net = Network([Dense(2, 3, name, init=W)], loss="squared_error")
        Y = np.zeros((6, 3))
        if training:  # the buffered layers a training step uses
            with net._workspace():
                A = net.forward(X).copy()
                net.layers[0].Z[...] = np.nan
                net.layers[0].backward(A - Y)
                db = net.layers[0].db.copy()
        else:
            A = net.forward(X)
            net.layers[0].Z = np.full_like(A, np.nan)
            net.layers[0].backward(A - Y)
            db = net.layers[0].db.copy()
        np.testing.assert_allclose(db, np.sum((A - Y) * hand(A), axis=0), rtol=1e-13)


HAND = {  # f and f' written out with NumPy, f' as a function of z
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.log(1 + np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "square": (lambda z: z**2, lambda z: 2 * z),
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_spec_activations_and_their_derivatives_by_hand(name):
    z = np.array([[-3.0, -0.7, -0.1, 0.2, 1.5, 4.0]])  # away from ReLU's kink at 0
    f, df = HAND[name]
    act = get_activation(name)
    a = act.f(z)
    np.testing.assert_allclose(a, f(z), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(act.derivative(z, a), df(z), rtol=1e-13, atol=1e-16)


def test_softmax_and_the_perceptron_steps_by_hand():
    z = np.array([[1.0, 2.0, -0.5], [0.0, 0.0, 0.0]])
    e = np.exp(z)
    np.testing.assert_allclose(get_activation("softmax").f(z), e / e.sum(axis=1, keepdims=True),
                               rtol=1e-15)
    # the softmax's backward is its Jacobian, diag(p) - p p^T, times dJ/da
    p = e / e.sum(axis=1, keepdims=True)
    g = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.25]])
    jac = [np.diag(r) - np.outer(r, r) for r in p]
    np.testing.assert_allclose(get_activation("softmax").backward(z, p, g),
                               [J @ row for J, row in zip(jac, g, strict=True)], rtol=1e-14)
    x = np.array([[-2.0, -1e-9, 1e-9, 3.0]])
    np.testing.assert_array_equal(get_activation("step").f(x), [[0, 0, 1, 1]])
    np.testing.assert_array_equal(get_activation("sign").f(x), [[-1, -1, 1, 1]])
    for name in ("step", "sign"):  # no useful derivative: the perceptron rule trains them
        with pytest.raises(ValueError, match="no useful derivative"):
            get_activation(name).derivative(x, x)


# --- SPEC 1: the course notations round-trip exactly, in float32 too ---------------------------
def test_both_notations_round_trip_exactly_in_float32():
    rng = np.random.default_rng(5)
    mats = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)]
    net = Network.from_transfer_matrices(mats, activation="tanh")
    assert net.params.dtype == np.float32
    for given, back in zip(mats, net.to_transfer_matrices(), strict=True):
        assert back.dtype == np.float32
        np.testing.assert_array_equal(back, given)
    Ws, bs = net.to_ufldl()  # W of shape (fan_out, fan_in), first row of M the biases
    for M, W, b in zip(mats, Ws, bs, strict=True):
        np.testing.assert_array_equal(W, M[1:].T)
        np.testing.assert_array_equal(b, M[0])
    again = Network.from_ufldl(Ws, bs, activation="tanh")
    assert again.params.dtype == np.float32
    np.testing.assert_array_equal(again.params, net.params)
    x = rng.normal(size=3).astype(np.float32)  # x_next = phi(M.T @ [1, x]), in float32
    h = np.tanh(mats[1].T @ np.concatenate([[1], np.tanh(mats[0].T @ np.concatenate([[1], x]))]))
    np.testing.assert_allclose(net.forward(x[None, :])[0], h, rtol=1e-5)


# --- SPEC 6: the symmetry problem of a zeros start ---------------------------------------------
OPTIMIZERS = [
    ("gd", {}),
    ("sgd", {"batch_size": 7, "momentum": 0.9}),
    ("nesterov", {"batch_size": 7}),
    ("adam", {"batch_size": 7}),
    ("rmsprop", {"batch_size": 7}),
    ("adagrad", {"batch_size": 7}),
]


@pytest.mark.parametrize("hidden", ["sigmoid", "softplus"])
@pytest.mark.parametrize(("optimizer", "kwargs"), OPTIMIZERS, ids=[o for o, _ in OPTIMIZERS])
def test_zeros_start_keeps_every_hidden_unit_equal_under_every_optimizer(optimizer, kwargs,
                                                                         hidden):
    """Adam, RMSProp and AdaGrad divide by the root of the squared gradients, so the last
    bits in which two units' gradients differed (the bias gradients of a BLAS column sum)
    became whole steps: after 300 epochs of Adam the softplus units of a zeros start were
    8 apart, and the symmetry problem no longer showed."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    Y = (rng.random(size=(30, 2)) > 0.5).astype(float)
    net = mlp([4, 5, 3, 2], hidden=hidden, output="sigmoid", loss="log_loss", init="zeros",
              seed=0)
    chainrule.train(net, X, Y, optimizer=optimizer, lr=0.1, epochs=300, seed=0, **kwargs)
    first, second, out = net.layers
    assert np.abs(second.W).max() > 1e-4  # training did move the weights of the units
    for layer, above in ((first, second), (second, out)):
        for j in range(1, layer.n_out):
            np.testing.assert_allclose(layer.W[:, j], layer.W[:, 0], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(layer.b[j], layer.b[0], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(above.W[j], above.W[0], rtol=1e-12, atol=1e-15)


def test_zeros_start_keeps_every_hidden_unit_equal_under_lbfgs():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 4))
    Y = (rng.random(size=(30, 2)) > 0.5).astype(float)
    net = mlp([4, 5, 2], hidden="sigmoid", output="sigmoid", loss="log_loss", init="zeros")
    chainrule.minimize(net, X, Y, method="L-BFGS-B", maxiter=100)
    hidden, out = net.layers
    assert np.abs(out.W).max() > 1e-3
    for j in range(1, 5):
        np.testing.assert_allclose(hidden.W[:, j], hidden.W[:, 0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(out.W[j], out.W[0], rtol=1e-12, atol=1e-15)


# --- SPEC 6: reproducible from a seed, in either precision ----------------------------------
@pytest.mark.parametrize("init", ["normal", "ufldl", "glorot_uniform", "glorot_normal",
                                  "he_normal", "he_uniform"])
def test_a_float32_network_from_a_seed_is_the_float64_one_rounded(init):
    """The seed decides the draws; the dtype only their rounding (NumPy's generator,
    written out: normal(0, eps) for "normal")."""
    net64 = mlp([6, 5, 3], init=init, seed=11)
    net32 = mlp([6, 5, 3], init=init, seed=11, dtype=np.float32)
    assert net32.params.dtype == np.float32
    np.testing.assert_array_equal(net32.params, net64.params.astype(np.float32))
    np.testing.assert_array_equal(mlp([6, 5, 3], init=init, seed=11, dtype=np.float32).params,
                                  net32.params)
    if init == "normal":
        rng = np.random.default_rng(11)
        np.testing.assert_array_equal(net64.layers[0].W, rng.normal(0.0, 0.01, size=(6, 5)))


# --- SPEC 7: the gradient-norm stop with mini-batches ------------------------------------------
class _BatchStarts(Callback):
    """The parameters each batch starts from, and the rows it was given."""

    def __init__(self, net):
        self.params = [net.params.copy()]
        self.rows: list[np.ndarray] = []

    def on_batch_end(self, state):
        self.params.append(state.net.params.copy())
        self.rows.append(state.net.layers[0].X.copy())


def test_minibatch_grad_norm_is_the_rms_of_the_batch_gradient_norms_and_stops_the_run():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(12, 3))
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])
    net = mlp([3, 4, 2], hidden="tanh", output="identity", seed=0)
    probe = net.copy()
    rec = _BatchStarts(net)
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=5, epochs=400,
                              seed=2, grad_norm_threshold=0.2, callbacks=[rec])
    assert history.stop_reason == "grad_norm_threshold"
    norms = history["grad_norm"]
    assert 1 < len(norms) < 400
    assert norms[-1] <= 0.2 and all(v > 0.2 for v in norms[:-1])
    # three batches an epoch (5, 5, 2 rows): each batch's gradient at the parameters it
    # started from, by the network's own cost of those rows; then the root mean square
    for epoch in (1, len(norms)):
        batch_norms = []
        for b in range(3 * (epoch - 1), 3 * epoch):
            rows = [int(np.flatnonzero((X == r).all(axis=1))[0]) for r in rec.rows[b]]
            _, g = probe.cost(rec.params[b], X[rows], Y[rows])
            batch_norms.append(np.linalg.norm(g))
        assert norms[epoch - 1] == pytest.approx(np.sqrt(np.mean(np.square(batch_norms))),
                                                 rel=1e-10)


# --- SPEC 8: gradient checking from the command line, on any network, loss and regulariser ----
CLI_GRID = [  # (hidden, output, loss): every loss, with each output the library pairs it with
    ("square", "identity", "squared_error"),
    ("softplus", "tanh", "mean_squared_error"),
    ("sigmoid", "sigmoid", "log_loss"),
    ("tanh", "softmax", "log_loss"),
    ("identity", "softmax", "cross_entropy"),
    ("tanh", "sigmoid", "cross_entropy"),
    ("sigmoid", "softplus", "cross_entropy"),
    ("relu", "softmax", "squared_error"),
    ("leaky_relu", "exp", "poisson"),
]


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
@pytest.mark.parametrize(("hidden", "output", "loss"), CLI_GRID, ids=lambda v: str(v))
def test_the_gradcheck_command_passes_on_every_loss_and_decay(hidden, output, loss, decay,
                                                              capsys):
    from chainrule.cli import main

    rc = main(["gradcheck", "--sizes", "3", "4", "4", "3", "--activation", hidden,
               "--output", output, "--loss", loss, "--decay", decay, "--seed", "2"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert f"loss={loss}, weight_decay=0.1 ({decay})" in out
    rel = float(re.search(r"relative difference ([\d.e+-]+)", out).group(1))
    assert rel < 1e-7


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_the_gradcheck_command_fails_when_the_decay_term_is_not_in_the_gradient(
        decay, capsys, monkeypatch):
    """The command checks the regulariser too: a cost whose decay is doubled, with the
    gradient left as it was, is caught (off by c W in every weight entry)."""
    from chainrule.cli import main

    owner = next(cls for cls in Network.__mro__ if "_decay_term" in vars(cls))
    term = owner._decay_term
    monkeypatch.setattr(owner, "_decay_term", lambda self, m: 2 * term(self, m))
    rc = main(["gradcheck", "--activation", "tanh", "--decay", decay, "--seed", "2"])
    out = capsys.readouterr().out
    assert rc == 1, out
    assert "FAIL" in out


@pytest.mark.parametrize("width", [7, 9])
def test_zeros_start_keeps_the_hidden_units_of_a_one_output_network_equal(width):
    """One output unit: its dW = A.T @ delta is a matrix-vector product, which BLAS rounded
    differently for some of the (equal) hidden units; Adam grew that into hidden weights
    14 apart after 1,000 epochs."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    net = mlp([4, width, 1], hidden="softplus", output="sigmoid", loss="log_loss",
              init="zeros")
    chainrule.train(net, X, y, optimizer="adam", lr=0.05, epochs=1000)
    hidden, out = net.layers
    assert np.abs(hidden.W).max() > 1  # the units did learn something, all the same thing
    for j in range(1, width):
        np.testing.assert_allclose(hidden.W[:, j], hidden.W[:, 0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(hidden.b[j], hidden.b[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(out.W[j], out.W[0], rtol=1e-12, atol=1e-15)
