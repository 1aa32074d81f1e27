"""Bad names and settings are refused with a clear ValueError / TypeError that names the
argument: unknown activations, losses, initialisers, optimisers, and hyperparameters.

Every refused call on an existing network must leave it exactly as it was:
parameters bit-identical to a snapshot taken before, and every layer's ``W``
and ``b`` still views into ``net.params``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule
from chainrule import SGD, AdaGrad, Adam, Dense, Network, RMSProp, mlp
from validation_helpers import (
    LABELS,
    X,
    check_refused,
    make_clf,
)

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
        lambda: Network([Dense(3, 2)], loss="focal"),
        lambda: mlp([3, 2], loss="focal"),
        lambda: Network.from_transfer_matrices([np.zeros((4, 2))], loss="focal"),
    ],
)
def test_unknown_loss_lists_valid_names(call):
    with pytest.raises(ValueError, match=r"loss 'focal'") as info:
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


@pytest.mark.parametrize("optimizer", ["adam", "adagrad"])  # rmsprop takes torch's momentum
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


@pytest.mark.parametrize("big", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_an_int_beyond_the_float_range_is_refused_by_name(big):
    """float(10**400) raises OverflowError, which named no argument: the shared check of
    the library's float settings (train's max_time, an optimizer's lr) refuses it as not
    finite, naming the argument and the int's size (str() of 10**5000 would itself raise)."""
    from chainrule._validation import check_nonneg_float, check_positive_float

    digits = int(abs(big).bit_length() * 0.30103)
    sign = "-" if big < 0 else ""  # the sign kept, as number_text writes it elsewhere
    for check, name in ((check_positive_float, "max_time"), (check_nonneg_float, "lr")):
        with pytest.raises(ValueError, match=rf"^{name} must be a finite float .*got an int of "
                                             rf"about {sign}10\^{digits}, beyond the float "
                                             r"range$"):
            check(big, name)
    assert digits in (400, 5000)
