"""Bad input is refused with a clear ValueError / TypeError that names the argument.

Every refused call on an existing network must leave it exactly as it was:
parameters bit-identical to a snapshot taken before, and every layer's ``W``
and ``b`` still views into ``net.params``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import SGD, AdaGrad, Adam, Dense, Network, RMSProp, mlp
from chainrule.activations import ACTIVATIONS, unregister_activation

N_IN, N_OUT, M = 3, 2, 5


def make_clf():
    """3-4-2 tanh / softmax, cross-entropy."""
    return mlp([N_IN, 4, N_OUT], hidden="tanh", output="softmax", seed=0)


def make_reg():
    """3-4-2 tanh / identity, squared error."""
    return mlp([N_IN, 4, N_OUT], hidden="tanh", output="identity", seed=0)


def make_bin():
    """3-4-2 tanh / sigmoid, log loss (multi-label)."""
    return mlp([N_IN, 4, N_OUT], hidden="tanh", output="sigmoid", seed=0)


_rng = np.random.default_rng(99)
X = _rng.normal(size=(M, N_IN))
LABELS = np.array([0, 1, 0, 1, 1])
ONEHOT = np.eye(N_OUT)[LABELS]
YREG = _rng.normal(size=(M, N_OUT))


def with_bad(arr, value, where=(1, 0)):
    out = np.array(arr, dtype=float)
    out[where] = value
    return out


def snapshot(net):
    return net.params.copy()


def assert_unchanged(net, before):
    assert net.params.dtype == before.dtype
    assert np.array_equal(net.params, before), "a refused call changed the parameters"
    for layer in net.layers:
        assert np.shares_memory(layer.W, net.params)
        if layer.b is not None:
            assert np.shares_memory(layer.b, net.params)


def check_refused(net, call, exc, match, *keywords):
    """``call(net)`` raises ``exc`` matching ``match`` and all ``keywords``; net unchanged."""
    before = snapshot(net)
    with pytest.raises(exc, match=match) as info:
        call(net)
    message = str(info.value)
    for word in keywords:
        assert re.search(word, message), f"{word!r} not in message: {message}"
    assert_unchanged(net, before)
    return message


# Every entry point that takes (X, Y) on an existing network.
ENTRY_POINTS = {
    "loss_and_grad": lambda net, X, Y: net.loss_and_grad(X, Y),
    "loss_value": lambda net, X, Y: net.loss_value(X, Y),
    "cost": lambda net, X, Y: net.cost(net.params * 0.5 + 0.1, X, Y),
    "train_gd": lambda net, X, Y: chainrule.train(net, X, Y, epochs=2),
    "train_sgd": lambda net, X, Y: chainrule.train(
        net, X, Y, optimizer="sgd", batch_size=2, epochs=2, seed=0
    ),
    "minimize": lambda net, X, Y: chainrule.minimize(net, X, Y, maxiter=3),
    "gradient_check": lambda net, X, Y: chainrule.gradient_check(net, X, Y),
}


ENTRIES = sorted(ENTRY_POINTS)


# --- shapes --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    ("Xbad", "Ybad", "match", "keywords"),
    [
        pytest.param(X[:, :2], LABELS, r"\bX\b", [r"3 features", r"\(5, 2\)"],
                     id="X too few columns"),
        pytest.param(np.hstack([X, X]), LABELS, r"\bX\b", [r"3 features"], id="X too many columns"),
        pytest.param(X[:, :, None], LABELS, r"\bX\b", [r"shape"], id="X 3-D"),
        pytest.param(X[0, :2], LABELS[:1], r"\bX\b", [r"length 2"], id="X 1-D wrong length"),
        pytest.param(X, LABELS[:4], r"\bY\b", [r"4 rows", r"5"], id="Y fewer rows"),
        pytest.param(X, np.eye(2)[[0, 1, 0, 1, 1, 0]], r"\bY\b", [r"6 rows"], id="Y more rows"),
        pytest.param(X, np.eye(3)[[0, 1, 2, 0, 1]], r"\bY\b", [r"\(n_samples, 2\)"],
                     id="Y too many columns"),
        pytest.param(X, LABELS[:, None], r"\bY\b", [r"\(n_samples, 2\)"], id="Y one column"),
        pytest.param(X, ONEHOT[:, :, None], r"\bY\b", [r"shape"], id="Y 3-D"),
    ],
)
def test_shape_mismatch(entry, Xbad, Ybad, match, keywords):
    check_refused(make_clf(), lambda n: ENTRY_POINTS[entry](n, Xbad, Ybad), ValueError,
                  match, *keywords)


@pytest.mark.parametrize(
    ("Xv", "Yv", "match"),
    [
        (X[:, :2], LABELS, r"validation_data\[0\]"),
        (X, LABELS[:3], r"validation_data\[1\]"),
        (X, np.eye(3)[[0, 1, 2, 0, 1]], r"validation_data\[1\]"),
        (with_bad(X, np.nan), LABELS, r"validation_data\[0\]"),
        (X, with_bad(ONEHOT, np.inf), r"validation_data\[1\]"),
        (X, LABELS + 2, r"validation_data\[1\]"),
    ],
)
def test_validation_data_is_checked(Xv, Yv, match):
    net = make_clf()
    check_refused(
        net, lambda n: chainrule.train(n, X, LABELS, epochs=1, validation_data=(Xv, Yv)),
        ValueError, match,
    )


@pytest.mark.parametrize("bad", [(X, LABELS, LABELS), X, "xy"])
def test_validation_data_must_be_a_pair(bad):
    check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, validation_data=bad),
                  TypeError, r"validation_data", r"pair")


# --- NaN, infinity, empty ------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("which", ["X", "Y"])
def test_non_finite_data(entry, value, which):
    net = make_reg()
    Xb = with_bad(X, value) if which == "X" else X
    Yb = with_bad(YREG, value) if which == "Y" else YREG
    check_refused(net, lambda n: ENTRY_POINTS[entry](n, Xb, Yb), ValueError,
                  rf"\b{which}\b", r"NaN or infinite", r"1 ")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_labels(value):
    labels = LABELS.astype(float)
    labels[2] = value
    check_refused(make_clf(), lambda n: n.loss_and_grad(X, labels), ValueError, r"\bY\b",
                  r"NaN or infinite")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["set_params", "cost"])
def test_non_finite_theta(value, where):
    net = make_clf()
    theta = net.params.copy()
    theta[3] = value
    call = (lambda n: n.set_params(theta)) if where == "set_params" else (
        lambda n: n.cost(theta, X, LABELS))
    check_refused(net, call, ValueError, r"\btheta\b", r"NaN or infinite")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_weights_assigned_to_a_layer(value):
    net = make_clf()
    W = np.full((N_IN, 4), 0.5)
    W[0, 0] = value
    check_refused(net, lambda n: setattr(n.layers[0], "W", W), ValueError, r"\bW\b",
                  "NaN or infinite")
    check_refused(net, lambda n: setattr(n.layers[0], "b", np.array([value, 0, 0, 0])),
                  ValueError, r"\bb\b", "NaN or infinite")


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    ("Xe", "Ye", "match"),
    [
        (np.empty((0, N_IN)), np.empty((0, N_OUT)), r"\bX\b"),
        (np.empty((0, N_IN)), np.empty(0), r"\bX\b"),
        (np.empty((M, 0)), ONEHOT, r"\bX\b"),
        (X, np.empty((0, N_OUT)), r"\bY\b"),
        ([], [], r"\bX\b"),
    ],
)
def test_empty_data(entry, Xe, Ye, match):
    check_refused(make_clf(), lambda n: ENTRY_POINTS[entry](n, Xe, Ye), ValueError, match,
                  r"empty")


@pytest.mark.parametrize(
    ("Xb", "Yb", "exc", "match"),
    [
        ([["a", "b", "c"]], [0], TypeError, r"\bX\b"),
        (None, LABELS, TypeError, r"\bX\b"),
        ([[1.0, 2.0, 3.0], [1.0, 2.0]], [0, 1], ValueError, r"\bX\b"),
        (X, np.array(["a"] * M), TypeError, r"\bY\b"),
        (X, None, TypeError, r"\bY\b"),
    ],
)
def test_non_numeric_data(Xb, Yb, exc, match):
    check_refused(make_clf(), lambda n: n.loss_and_grad(Xb, Yb), exc, match)


# --- class labels --------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize(
    ("labels", "keywords"),
    [
        ([0, 1, 2, 0, 1], [r"0\.\.1", r"\b2\b"]),
        ([0, 1, -1, 0, 1], [r"0\.\.1", r"-1"]),
        ([0, 1, 7, 0, 1], [r"0\.\.1", r"\b7\b"]),
        ([0, 1, 0.5, 0, 1], [r"integer", r"non-integer"]),
        ([0.0, 1.0, 1.0000001, 0.0, 1.0], [r"non-integer"]),
    ],
)
def test_bad_class_labels(entry, labels, keywords):
    y = np.array(labels)
    check_refused(make_clf(), lambda n: ENTRY_POINTS[entry](n, X, y), ValueError,
                  r"\bY\b", r"label", *keywords)


# --- parameter vectors ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0,), (3,), (25,), (27,), (1, 26), (26, 1), (2, 13)])
@pytest.mark.parametrize("where", ["set_params", "cost"])
def test_theta_of_wrong_length(shape, where):
    net = make_clf()
    assert net.n_params == 26
    theta = np.full(shape, 0.25)
    call = (lambda n: n.set_params(theta)) if where == "set_params" else (
        lambda n: n.cost(theta, X, LABELS))
    exc_match = r"\btheta\b"
    msg = check_refused(net, call, ValueError, exc_match)
    if theta.size:
        assert "26" in msg


@pytest.mark.parametrize(
    ("attr", "value", "match"),
    [
        ("W", np.zeros((4, 3)), r"\bW\b.*\(3, 4\)"),
        ("W", np.zeros((3, 5)), r"\bW\b"),
        ("W", np.zeros(12), r"\bW\b"),
        ("b", np.zeros(3), r"\bb\b.*\(4,\)"),
        ("b", np.zeros((4, 1)), r"\bb\b"),
    ],
)
def test_assigning_wrong_shapes_to_a_layer(attr, value, match):
    check_refused(make_clf(), lambda n: setattr(n.layers[0], attr, value), ValueError, match)


# --- unknown names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: Dense(3, 2, activation="mish"),
        lambda: Dense(3, 2, activation="Sigmoid"),
        lambda: mlp([3, 4, 2], hidden="mish"),
        lambda: mlp([3, 4, 4, 2], hidden=["tanh", "mish"]),
        lambda: mlp([3, 4, 2], output="mish"),
        lambda: Network.from_transfer_matrices([np.zeros((4, 2))], activation="mish"),
        lambda: Network.from_ufldl([np.zeros((2, 3))], activation=["mish"]),
    ],
)
def test_unknown_activation_lists_valid_names(call):
    with pytest.raises(ValueError, match=r"activation 'mish'|activation 'Sigmoid'") as info:
        call()
    msg = str(info.value)
    for name in ("sigmoid", "relu", "tanh", "softmax", "identity"):
        assert name in msg


@pytest.mark.parametrize(
    "call",
    [
        lambda: Network([Dense(3, 2)], loss="hinge"),
        lambda: mlp([3, 2], loss="hinge"),
        lambda: Network.from_transfer_matrices([np.zeros((4, 2))], loss="hinge"),
    ],
)
def test_unknown_loss_lists_valid_names(call):
    with pytest.raises(ValueError, match=r"loss 'hinge'") as info:
        call()
    for name in ("squared_error", "mean_squared_error", "log_loss", "cross_entropy"):
        assert name in str(info.value)


@pytest.mark.parametrize(
    "call",
    [lambda: Dense(3, 2, init="orthogonal"), lambda: mlp([3, 4, 2], init="orthogonal")],
)
def test_unknown_initializer_lists_valid_names(call):
    with pytest.raises(ValueError, match=r"initializer 'orthogonal'") as info:
        call()
    for name in ("normal", "ufldl", "glorot_uniform", "glorot_normal", "he_normal",
                 "he_uniform", "zeros"):
        assert name in str(info.value)


@pytest.mark.parametrize("bad", ["lbfgs", "SGD", "momentum", ""])
def test_unknown_optimizer_lists_valid_names(bad):
    msg = check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, optimizer=bad),
                        ValueError, r"optimizer", re.escape(repr(bad)))
    for name in ("gd", "sgd", "adam", "rmsprop", "adagrad", "nesterov"):
        assert name in msg


@pytest.mark.parametrize("bad", ["newton", "lbfgsb", "adam"])
def test_unknown_minimize_method(bad):
    check_refused(make_clf(), lambda n: chainrule.minimize(n, X, LABELS, method=bad),
                  ValueError, r"method", "L-BFGS-B", "CG")


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: Dense(3, 2, activation=3), TypeError, r"activation"),
        (lambda: Network([Dense(3, 2)], loss=3), TypeError, r"loss"),
        (lambda: Dense(3, 2, init=5), ValueError, r"init"),
        (lambda: chainrule.train(make_clf(), X, LABELS, optimizer=3), TypeError, r"optimizer"),
    ],
)
def test_names_of_the_wrong_type(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("bad", ["l2", "UFLDL", "", None])
@pytest.mark.parametrize("where", ["Network", "mlp"])
def test_unknown_decay_mode(bad, where):
    with pytest.raises(ValueError, match=r"decay") as info:
        if where == "mlp":
            mlp([3, 2], weight_decay=0.1, decay=bad)
        else:
            Network([Dense(3, 2)], weight_decay=0.1, decay=bad)
    assert "ufldl" in str(info.value)
    assert "per_sample" in str(info.value)


# --- hyperparameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "exc", "match"),
    [
        ([3, 0, 2], ValueError, r"sizes\[1\]"),
        ([0, 2], ValueError, r"sizes\[0\]"),
        ([3, 4, -1], ValueError, r"sizes\[2\]"),
        ([3, 2.5, 2], TypeError, r"sizes\[1\]"),
        ([3, True], TypeError, r"sizes\[1\]"),
        ([3], ValueError, r"sizes"),
        ([], ValueError, r"sizes"),
        ("3,2", TypeError, r"sizes"),
        (3, TypeError, r"sizes"),
    ],
)
def test_mlp_sizes(sizes, exc, match):
    with pytest.raises(exc, match=match):
        mlp(sizes)


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        ((0, 3), ValueError, r"fan_in"),
        ((-2, 3), ValueError, r"fan_in"),
        ((3, 0), ValueError, r"fan_out"),
        ((3.0, 2), TypeError, r"fan_in"),
        ((3, "2"), TypeError, r"fan_out"),
        ((True, 2), TypeError, r"fan_in"),
    ],
)
def test_dense_sizes(args, exc, match):
    with pytest.raises(exc, match=match):
        Dense(*args)


def test_mlp_hidden_list_length():
    with pytest.raises(ValueError, match=r"hidden.*\(1\).*2"):
        mlp([3, 4, 2], hidden=["tanh", "relu"])


BAD_POSITIVE = [(-0.1, ValueError), (0, ValueError), (0.0, ValueError), (np.nan, ValueError),
                (np.inf, ValueError), (-np.inf, ValueError), ("0.1", TypeError),
                (None, TypeError), (True, TypeError)]
BAD_NONNEG = [(-0.1, ValueError), (-1, ValueError), (np.nan, ValueError),
              (np.inf, ValueError), ("0.1", TypeError), (True, TypeError)]


@pytest.mark.parametrize(("lr", "exc"), [c for c in BAD_POSITIVE if c[0] is not None])
@pytest.mark.parametrize("optimizer", ["gd", "sgd", "adam", "rmsprop", "adagrad", "nesterov"])
def test_bad_learning_rate_in_train(lr, exc, optimizer):
    check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, optimizer=optimizer,
                                                         lr=lr, epochs=1), exc, r"\blr\b")


@pytest.mark.parametrize(("lr", "exc"), BAD_POSITIVE)
@pytest.mark.parametrize("cls", [SGD, AdaGrad, RMSProp, Adam])
def test_bad_learning_rate_in_optimizers(lr, exc, cls):
    with pytest.raises(exc, match=r"\blr\b"):
        cls(lr=lr)


@pytest.mark.parametrize(
    ("momentum", "exc"),
    [(-0.5, ValueError), (1.0, ValueError), (1.5, ValueError), (np.nan, ValueError),
     (np.inf, ValueError), ("0.9", TypeError)],
)
def test_bad_momentum(momentum, exc):
    check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, momentum=momentum,
                                                         epochs=1), exc, r"momentum")
    with pytest.raises(exc, match=r"momentum"):
        SGD(lr=0.1, momentum=momentum)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adagrad"])
def test_momentum_refused_by_rules_without_it(optimizer):
    check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, optimizer=optimizer,
                                                         momentum=0.9), ValueError,
                  r"momentum", re.escape(optimizer))


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match=r"nesterov.*momentum"):
        SGD(lr=0.1, nesterov=True)


@pytest.mark.parametrize(("wd", "exc"), BAD_NONNEG)
@pytest.mark.parametrize(
    "make",
    [
        lambda wd: Network([Dense(3, 2)], weight_decay=wd),
        lambda wd: mlp([3, 4, 2], weight_decay=wd),
        lambda wd: SGD(lr=0.1, weight_decay=wd),
        lambda wd: Adam(weight_decay=wd),
        lambda wd: Network.from_transfer_matrices([np.zeros((4, 2))], weight_decay=wd),
    ],
    ids=["Network", "mlp", "SGD", "Adam", "from_transfer_matrices"],
)
def test_bad_weight_decay(wd, exc, make):
    with pytest.raises(exc, match=r"weight_decay"):
        make(wd)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"rho": 1.0}, ValueError, r"\brho\b"),
        ({"rho": -0.1}, ValueError, r"\brho\b"),
        ({"eps": 0.0}, ValueError, r"\beps\b"),
        ({"eps": np.nan}, ValueError, r"\beps\b"),
    ],
)
def test_bad_rmsprop_settings(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        RMSProp(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"beta1": 1.0}, r"beta1"), ({"beta2": 1.5}, r"beta2"), ({"beta1": -0.1}, r"beta1"),
     ({"beta2": np.nan}, r"beta2"), ({"eps": -1e-8}, r"\beps\b")],
)
def test_bad_adam_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Adam(**kwargs)


@pytest.mark.parametrize(("eps", "exc"), BAD_POSITIVE)
def test_bad_gradient_check_eps(eps, exc):
    check_refused(make_clf(), lambda n: chainrule.gradient_check(n, X, LABELS, eps=eps), exc,
                  r"\beps\b")


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"epochs": 0}, ValueError, r"\bepochs\b"),
        ({"epochs": -3}, ValueError, r"\bepochs\b"),
        ({"epochs": 2.0}, TypeError, r"\bepochs\b"),
        ({"optimizer": "sgd", "batch_size": 0}, ValueError, r"\bbatch_size\b"),
        ({"optimizer": "sgd", "batch_size": -1}, ValueError, r"\bbatch_size\b"),
        ({"optimizer": "adam", "batch_size": 1.5}, TypeError, r"\bbatch_size\b"),
        ({"optimizer": "gd", "batch_size": 2}, ValueError, r"\bbatch_size\b.*'gd'"),
        ({"seed": -1}, ValueError, r"\bseed\b"),
        ({"clip_norm": 0}, ValueError, r"\bclip_norm\b"),
        ({"patience": 0}, ValueError, r"\bpatience\b"),
        ({"validation_fraction": 1.5}, ValueError, r"\bvalidation_fraction\b"),
    ],
)
def test_bad_training_settings(kwargs, exc, match):
    check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, **kwargs), exc, match)


@pytest.mark.parametrize(("maxiter", "exc"), [(0, ValueError), (-1, ValueError),
                                              (2.5, TypeError)])
def test_bad_minimize_maxiter(maxiter, exc):
    check_refused(make_clf(), lambda n: chainrule.minimize(n, X, LABELS, maxiter=maxiter), exc,
                  r"maxiter")


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float16, np.complex128])
def test_unsupported_dtypes(dtype):
    with pytest.raises(ValueError, match=r"dtype.*float32 or float64"):
        mlp([3, 2], dtype=dtype)
    net = make_clf()
    check_refused(net, lambda n: n.astype(dtype), ValueError, r"dtype")


def test_train_needs_a_network():
    with pytest.raises(TypeError, match=r"\bnet\b.*Network"):
        chainrule.train("net", X, LABELS)


def test_gradient_check_needs_a_model():
    with pytest.raises(TypeError, match=r"model.*params.*cost"):
        chainrule.gradient_check(object(), X, LABELS)


# --- targets outside a loss's domain -------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("value", [1.5, -0.5, 2.0, -1e-3])
@pytest.mark.parametrize("make", [make_bin, make_clf], ids=["log_loss", "cross_entropy"])
def test_targets_outside_loss_domain(entry, value, make):
    net = make()
    Y = with_bad(ONEHOT, value, where=(2, 1))
    check_refused(net, lambda n: ENTRY_POINTS[entry](n, X, Y), ValueError, r"\bY\b",
                  re.escape(repr(net.loss.name)), r"\[0, 1\]")


def test_targets_outside_domain_in_validation_data():
    net = make_bin()
    check_refused(
        net,
        lambda n: chainrule.train(n, X, ONEHOT, epochs=1,
                                  validation_data=(X, with_bad(ONEHOT, 3.0))),
        ValueError, r"validation_data\[1\]", r"log_loss", r"\[0, 1\]",
    )


def test_log_loss_single_output_with_class_labels_beyond_one():
    net = mlp([3, 4, 1], hidden="tanh", output="sigmoid", seed=0)
    check_refused(net, lambda n: n.loss_and_grad(X, np.array([0, 1, 2, 0, 1])), ValueError,
                  r"\bY\b", r"log_loss", r"\[0, 1\]")


def test_regression_targets_may_be_any_finite_value():
    net = make_reg()
    J, _ = net.loss_and_grad(X, YREG * 1e3)
    assert np.isfinite(J)


@pytest.mark.parametrize(
    ("loss", "output"),
    [
        ("log_loss", "identity"),
        ("log_loss", "tanh"),
        ("log_loss", "relu"),
        ("log_loss", "softplus"),
        ("cross_entropy", "identity"),
        ("cross_entropy", "tanh"),
        ("cross_entropy", "leaky_relu"),
        ("nll", "identity"),
        ("binary_cross_entropy", "linear"),
    ],
)
def test_probability_losses_need_probability_outputs(loss, output):
    with pytest.raises(ValueError, match=r"loss '(log_loss|cross_entropy)'") as info:
        mlp([3, 4, 2], hidden="tanh", output=output, loss=loss)
    assert ACTIVATIONS.get(output, ACTIVATIONS["identity"]).name in str(info.value)
    assert "sigmoid" in str(info.value)
    with pytest.raises(ValueError, match=r"output layer's activation"):
        Network([Dense(3, 2, activation=output)], loss=loss)


def test_step_output_cannot_be_trained_by_backprop():
    net = mlp([3, 4, 2], hidden="tanh", output="step", seed=0)
    check_refused(net, lambda n: chainrule.train(n, X, YREG, epochs=1), ValueError,
                  r"activation 'step'", r"derivative")


# --- layer chains and notations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "match"),
    [
        ([Dense(3, 4), Dense(5, 2)], r"layers\[1\] expects 5 inputs.*4 outputs"),
        ([Dense(3, 4), Dense(4, 4), Dense(3, 1)], r"layers\[2\] expects 3 inputs.*4 outputs"),
    ],
)
def test_layer_chain_must_fit(layers, match):
    with pytest.raises(ValueError, match=match):
        Network(layers)


@pytest.mark.parametrize(
    ("layers", "exc", "match"),
    [
        ([], ValueError, r"layers.*empty"),
        (Dense(3, 2), TypeError, r"layers"),
        ([Dense(3, 2), "x"], TypeError, r"layers\[1\]"),
        ("abc", TypeError, r"layers"),
    ],
)
def test_layers_argument(layers, exc, match):
    with pytest.raises(exc, match=match):
        Network(layers)


@pytest.mark.parametrize(
    ("mats", "kwargs", "exc", "match"),
    [
        ([np.zeros((4, 3)), np.zeros((5, 1))], {}, ValueError,
         r"mats\[1\] of shape \(5, 1\) takes 4 input\(s\), but mats\[0\] .* gives 3"),
        ([np.zeros((1, 2))], {}, ValueError, r"mats\[0\].*first row"),
        ([np.zeros(4)], {}, ValueError, r"mats\[0\]"),
        ([np.full((4, 2), np.nan)], {}, ValueError, r"mats\[0\].*NaN"),
        ([], {}, ValueError, r"mats.*empty"),
        ([np.zeros((4, 2))], {"activation": ["tanh", "relu"]}, ValueError,
         r"activation.*one per layer"),
    ],
)
def test_transfer_matrices_checked(mats, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Network.from_transfer_matrices(mats, **kwargs)


@pytest.mark.parametrize(
    ("Ws", "bs", "match"),
    [
        ([np.zeros((4, 3)), np.zeros((1, 5))], None,
         r"Ws\[1\] of shape \(1, 5\) takes 5 input\(s\), but Ws\[0\] .* gives 4"),
        ([np.zeros((4, 3))], [np.zeros(3)], r"bs\[0\].*\(4,\)"),
        ([np.zeros((4, 3))], [np.zeros(4), np.zeros(2)], r"\bbs\b.*one entry per matrix"),
        ([np.full((4, 3), np.inf)], None, r"Ws\[0\].*NaN or infinite"),
        ([np.zeros((4, 3))], [np.full(4, np.nan)], r"bs\[0\].*NaN or infinite"),
        ([], None, r"Ws.*empty"),
    ],
)
def test_ufldl_matrices_checked(Ws, bs, match):
    with pytest.raises(ValueError, match=match):
        Network.from_ufldl(Ws, bs)


@pytest.mark.parametrize(
    ("init", "match"),
    [
        (np.zeros((2, 3)), r"init.*\(3, 2\).*\(2, 3\)"),
        (np.zeros(6), r"init"),
        (np.full((3, 2), np.nan), r"init.*NaN or infinite"),
    ],
)
def test_explicit_init_checked(init, match):
    with pytest.raises(ValueError, match=match):
        Dense(3, 2, init=init)


# --- register_activation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "exc", "match"),
    [
        (("", np.sin, np.cos), TypeError, r"\bname\b"),
        ((3, np.sin, np.cos), TypeError, r"\bname\b"),
        (("test_validation_act", 1, np.cos), TypeError, r"\bf\b.*df"),
        (("test_validation_act", np.sin, None), TypeError, r"\bdf\b"),
        (("tanh", np.sin, np.cos), ValueError, r"built in"),
        (("logistic", np.sin, np.cos), ValueError, r"built in"),
    ],
)
def test_register_activation_checked(args, exc, match):
    with pytest.raises(exc, match=match):
        chainrule.register_activation(*args)
    assert "test_validation_act" not in ACTIVATIONS



def _rowsum(z):
    return z.sum(axis=1)


def _raises(z):
    raise RuntimeError("boom")


def _matrix(a):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(a)


@pytest.mark.parametrize(
    ("f", "df", "from_output", "match"),
    [
        # the reported case: f sums over a row, (2, 3) -> (2,)
        (_rowsum, np.ones_like, False,
         r"^f must return an array of the shape of its argument .*shape \(2, 3\), it returned "
         r"shape \(2,\)$"),
        (np.tanh, lambda z: 1.0, False, r"^df must .* called on z, .*returned shape \(\)$"),
        (np.tanh, lambda a: (1 - a * a).T, True,
         r"^df must .* called on a = f\(z\), .*returned shape \(3, 2\)$"),
        (lambda z: z[:1], np.cos, False, r"^f must .*returned shape \(1, 3\)$"),
        (_raises, np.cos, False, r"^f must .*it raised RuntimeError: boom$"),
        (np.sin, _raises, False, r"^df must .*it raised RuntimeError: boom$"),
        (np.sin, lambda z: "abc", False, r"^df must .*it returned str, which NumPy cannot"),
        (lambda z: None, np.cos, False, r"^f must .*returned shape \(\)$"),
        # a list of the right shape passed, and the backward pass then failed with
        # AttributeError: 'list' object has no attribute 'T'
        (lambda z: np.sin(z).tolist(), np.cos, False,
         r"^f must return a NumPy ndarray .*called on z, .*shape \(2, 3\), it returned list;"),
        (np.sin, lambda z: _matrix(np.cos(z)), False,
         r"^df must return a NumPy ndarray .*it returned matrix;"),
        # a masked array passed, and the fit's first step then failed with "operands could
        # not be broadcast together with shapes (30,4) (4,1)"
        (np.ma.sin, np.cos, False, r"^f must return a NumPy ndarray .*it returned MaskedArray;"),
    ],
)
def test_register_activation_refuses_functions_that_change_the_shape(f, df, from_output, match):
    with pytest.raises(ValueError, match=match):
        chainrule.register_activation("test_validation_act", f, df, from_output)
    assert "test_validation_act" not in ACTIVATIONS


def _sin_in_place(z):
    return np.sin(z, out=z)


def test_register_activation_refuses_an_f_that_overwrites_the_z_its_df_takes():
    # np.sin(z, out=z) was registered, and df = cos then read sin(z) where the layer kept z:
    # one weight's gradient by hand, cos(z) * x * (a - y), against what backprop gives
    with pytest.raises(ValueError, match=r"^f must not change its argument in place: df takes"):
        chainrule.register_activation("test_validation_act", _sin_in_place, np.cos)
    assert "test_validation_act" not in ACTIVATIONS
    # with df written in terms of a = f(z), f's output is all the backward pass needs
    act = chainrule.register_activation("test_validation_act", _sin_in_place,
                                        lambda a: np.sqrt(1 - a * a), from_output=True)
    try:
        net = Network([Dense(2, 1, act, init=np.array([[0.5], [-0.25]]))], loss="squared_error")
        X, Y = np.array([[1.0, 0.5]]), np.array([[0.1]])
        _, grad = net.loss_and_grad(X, Y)
        z = 0.5 * 1.0 - 0.25 * 0.5  # 0.375, bias 0: cos(z) = sqrt(1 - sin(z)**2) here
        delta = (np.sin(z) - 0.1) * np.cos(z)
        np.testing.assert_allclose(grad, [delta * 1.0, delta * 0.5, delta], rtol=1e-13)
    finally:
        unregister_activation("test_validation_act")


def test_an_activation_returning_an_ndarray_trains_as_its_list_would_have_meant():
    # the message's advice: np.asarray of the same values gives sin's gradient, by hand
    act = chainrule.register_activation("test_validation_act",
                                        lambda z: np.asarray(np.sin(z).tolist()), np.cos)
    try:
        net = Network([Dense(2, 1, act, init=np.array([[0.5], [-0.25]]))], loss="squared_error")
        X, Y = np.array([[1.0, 2.0]]), np.array([[0.3]])
        J, grad = net.loss_and_grad(X, Y)
        z = 0.5 * 1.0 - 0.25 * 2.0  # 0, bias 0
        assert J == pytest.approx(0.5 * (np.sin(z) - 0.3) ** 2, rel=1e-15)
        delta = (np.sin(z) - 0.3) * np.cos(z)
        np.testing.assert_allclose(grad, [delta * 1.0, delta * 2.0, delta], rtol=1e-15)
    finally:
        unregister_activation("test_validation_act")


@pytest.mark.parametrize("flag", ["no", "False", 0, None])
def test_register_activation_overwrite_must_be_a_bool(flag):
    # overwrite="no" replaced the earlier registration (bool("no") is True); 0 and None
    # were read as False
    old = chainrule.register_activation("test_validation_act", np.sin, np.cos)
    try:
        with pytest.raises(TypeError, match=r"^overwrite must be True or False, got "):
            chainrule.register_activation("test_validation_act", np.tanh, np.cos, overwrite=flag)
        assert ACTIVATIONS["test_validation_act"] is old
        z = np.array([0.5])
        np.testing.assert_array_equal(ACTIVATIONS["test_validation_act"](z), np.sin(z))
    finally:
        unregister_activation("test_validation_act")


def test_unregister_activation_names_what_it_cannot_remove():
    # an alias was "not registered" (it is a built-in's name); the Activation object that
    # register_activation returned was printed whole as a name, and a list raised
    # "unhashable type: 'list'"
    with pytest.raises(ValueError, match=r"^activation 'linear' is built in and cannot be"):
        unregister_activation("linear")
    act = chainrule.register_activation("test_validation_act", np.sin, np.cos)
    try:
        with pytest.raises(TypeError, match=r"^name must be the str .* got Activation \(pass "
                                            r"its \.name, 'test_validation_act'\)$"):
            unregister_activation(act)
        with pytest.raises(TypeError, match=r"^name must be the str .* got list$"):
            unregister_activation(["test_validation_act"])
        assert ACTIVATIONS["test_validation_act"] is act
    finally:
        unregister_activation("test_validation_act")
    assert "test_validation_act" not in ACTIVATIONS
    assert ACTIVATIONS["identity"].builtin


def test_register_activation_probe_keeps_the_earlier_registration_on_refusal():
    old = chainrule.register_activation("test_validation_act", np.sin, np.cos)
    try:
        with pytest.raises(ValueError, match=r"^f must"):
            chainrule.register_activation("test_validation_act", _rowsum, np.ones_like,
                                          overwrite=True)
        assert ACTIVATIONS["test_validation_act"] is old
    finally:
        unregister_activation("test_validation_act")


def test_register_activation_probes_once_on_a_float64_2x3_array():
    calls = []

    def f(z):
        calls.append(("f", z.dtype, z.copy()))
        return np.log(z)  # NaN for the negative probe values: accepted, no RuntimeWarning

    def df(a):
        calls.append(("df", a.dtype, a.copy()))
        return np.exp(-a)  # 1/z written from the output a = log z

    act = chainrule.register_activation("test_validation_act", f, df, from_output=True)
    try:
        assert [c[0] for c in calls] == ["f", "df"]
        (_, dt_f, z), (_, dt_df, a) = calls
        assert dt_f == dt_df == np.float64 and z.shape == a.shape == (2, 3)
        assert len(set(z.ravel().tolist())) == 6  # distinct values
        np.testing.assert_array_equal(a, np.log(np.where(z > 0, z, np.nan)))  # df got f(z)
        np.testing.assert_allclose(act.derivative(np.array([[2.0]]), act(np.array([[2.0]]))),
                                   [[0.5]], rtol=1e-15)
    finally:
        unregister_activation("test_validation_act")


# --- engine problems found by these tests --------------------------------------------------


def test_float32_network_refuses_out_of_range_theta_without_numpy_warning():
    net = mlp([3, 4, 2], hidden="tanh", output="softmax", seed=0, dtype=np.float32)
    before = snapshot(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"\btheta\b"):
            net.set_params(np.full(net.n_params, 1e300))
    assert_unchanged(net, before)


def test_layer_of_another_network_joins_as_a_copy():
    net = make_clf()
    before = snapshot(net)
    first = net.layers[0]
    net2 = Network([first, Dense(first.n_out, 2)])
    assert net2.layers[0] is not first
    np.testing.assert_array_equal(net2.layers[0].W, first.W)
    assert np.shares_memory(net2.layers[0].W, net2.params)
    net2.layers[0].W[...] = 0.0  # the copy is independent
    assert_unchanged(net, before)
    # a layer that belongs to no network yet is used as it is
    fresh = Dense(3, 2)
    assert Network([fresh]).layers[0] is fresh


def test_a_warning_names_the_users_line_also_in_a_folder_named_like_the_package():
    """caller_outside_chainrule skips chainrule's own frames; a user's file in a folder whose
    name starts like the package's ("chainrule_x/") is the user's, not chainrule's.  The
    frames' files are given by compile(): a function "in" the package warns, called from
    a user's file next to it."""
    import os
    import warnings

    import chainrule._validation as validation

    package = os.path.dirname(os.path.abspath(validation.__file__))
    inside = {"warnings": warnings, "validation": validation}
    exec(compile("def warn_here():\n"
                 "    warnings.warn('w', UserWarning,\n"
                 "                  stacklevel=validation.caller_outside_chainrule())\n",
                 os.path.join(package, "_fake.py"), "exec"), inside)
    for folder in (package + "_x", os.path.dirname(package)):
        user = os.path.join(folder, "user.py")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            exec(compile("warn_here()\n", user, "exec"), {"warn_here": inside["warn_here"]})
        assert caught[0].filename == user


def test_targets_past_a_bound_by_rounding_only_are_inside():
    """Loss.check_targets compared the targets with [0, 1] exactly: a MinMaxScaler-scaled
    target, whose maximum is 1.0000000000000002 (one ulp above 1), was refused by train
    with "got 1 value(s) outside it (min 0, max 1)".  Values past a bound by
    RANGE_ROUNDING (the autoencoders' allowance, shared) now count as inside it: training
    on them gives the parameters of training on the targets clipped to [0, 1] (to
    rounding), and a value past that allowance is still refused, shown with 7 digits."""
    from sklearn.preprocessing import MinMaxScaler

    from chainrule.activations import RANGE_ROUNDING

    y = MinMaxScaler().fit_transform(np.array([[3.1], [0.2], [1.7], [2.4], [0.9]]))
    assert y.max() > 1.0  # the rescaler's rounding, which the test is about
    Y = np.c_[y, 1.0 - y]
    nets = [make_bin(), make_bin()]
    chainrule.train(nets[0], X, Y, epochs=3, lr=0.5)
    chainrule.train(nets[1], X, np.clip(Y, 0.0, 1.0), epochs=3, lr=0.5)
    np.testing.assert_allclose(nets[0].params, nets[1].params, rtol=0, atol=1e-12)
    assert not np.array_equal(nets[0].params, make_bin().params)  # it trained
    # the allowance: half of it passes, twice it is refused
    make_bin().loss_value(X, with_bad(ONEHOT, 1.0 + RANGE_ROUNDING / 2))
    make_bin().loss_value(X, with_bad(ONEHOT, -RANGE_ROUNDING / 2))
    for value, shown in ((1.0 + 2 * RANGE_ROUNDING, "max 1.000002"),
                         (-2 * RANGE_ROUNDING, "min -1.907349e-06")):
        check_refused(make_bin(), lambda n, v=value: n.loss_value(X, with_bad(ONEHOT, v)),
                      ValueError, r"^Y: loss 'log_loss' needs targets in \[0, 1\], got 1 "
                      r"value\(s\) outside it", re.escape(shown))


@pytest.mark.parametrize("loss, output, bound", [
    ("poisson", "exp", 0.0), ("poisson", "softplus", 0.0), ("log_loss", "softmax", 1.0)])
def test_targets_past_a_bound_by_rounding_train_as_that_bound(loss, output, bound):
    """Targets accepted past a bound by rounding only reached the losses unchanged, and
    some losses take a log of them: a Poisson target of -5e-7 (xlogy(y, y)) or a softmax
    log-loss target of 1 + 5e-7 (log1p(-y)) made the cost or the delta NaN, and train
    raised TrainingDiverged ("try a smaller learning rate") instead of training.  Such a
    target is the bound: the cost, its gradient (against central differences) and the
    trained parameters are those of the targets clipped to the loss's range."""
    from chainrule.activations import RANGE_ROUNDING

    rng = np.random.default_rng(3)
    Xr = rng.normal(size=(12, 3))
    if loss == "poisson":
        Y = rng.poisson(2.0, size=(12, 2)).astype(float)
        Y[0, 0] = Y[5, 1] = -RANGE_ROUNDING / 2
        clipped = np.maximum(Y, 0.0)
    else:
        Y = rng.dirichlet(np.ones(2), size=12)
        Y[0], Y[5] = [1.0 + RANGE_ROUNDING / 2, 0.0], [0.0, 1.0 + RANGE_ROUNDING / 4]
        clipped = np.minimum(Y, 1.0)
    assert np.any(Y != clipped) and np.all(clipped == np.clip(Y, 0.0, bound or np.inf))
    given = Y.copy()
    net = chainrule.mlp([3, 4, 2], output=output, loss=loss, seed=0)
    J, grad = net.loss_and_grad(Xr, Y)
    J_ref, grad_ref = net.loss_and_grad(Xr, clipped)
    assert np.isfinite(J) and J == J_ref and np.array_equal(grad, grad_ref)
    theta, h = net.params.copy(), 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        costs = []
        for step in (h, -h):
            net.params[...] = theta
            net.params[i] += step
            costs.append(net.loss_value(Xr, Y))
        numeric[i] = (costs[0] - costs[1]) / (2 * h)
    net.params[...] = theta
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    nets = [chainrule.mlp([3, 4, 2], output=output, loss=loss, seed=0) for _ in range(2)]
    chainrule.train(nets[0], Xr, Y, epochs=3, lr=0.05, optimizer="gd")
    chainrule.train(nets[1], Xr, clipped, epochs=3, lr=0.05, optimizer="gd")
    np.testing.assert_array_equal(nets[0].params, nets[1].params)
    assert np.array_equal(Y, given)  # the caller's targets are not changed
