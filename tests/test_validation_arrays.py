"""Bad data is refused with a clear ValueError / TypeError that names the argument: shapes,
NaN and infinity, class labels, parameter vectors and targets outside a loss's domain.

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
from chainrule import Dense, Network, mlp
from chainrule.activations import ACTIVATIONS
from validation_helpers import (
    ENTRIES,
    ENTRY_POINTS,
    LABELS,
    N_IN,
    N_OUT,
    ONEHOT,
    YREG,
    M,
    X,
    assert_unchanged,
    check_refused,
    make_bin,
    make_clf,
    make_reg,
    snapshot,
    with_bad,
)

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


@pytest.mark.parametrize("bad", [(X, LABELS, LABELS, LABELS), X, "xy"])
def test_validation_data_must_be_a_pair(bad):
    """A pair, or a triple of the validation rows' weights: nothing else."""
    check_refused(make_clf(), lambda n: chainrule.train(n, X, LABELS, validation_data=bad),
                  TypeError, r"validation_data", r"pair", r"triple")


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
