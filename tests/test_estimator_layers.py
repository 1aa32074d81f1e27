"""MLPClassifier / MLPRegressor with ``layers=`` and ``input_shape=``: any architecture of
layer dicts (a small CNN included) inside the scikit-learn estimators.

The references are computed here apart from the estimators: the same network built from
Layer objects with :func:`chainrule.network_from_layers` and trained by
:class:`chainrule.Trainer` or :func:`chainrule.minimize`, scikit-learn's metrics and
``cross_val_score``, the same network spelled with ``hidden_layer_sizes``.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import chainrule as cr
from chainrule import (
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    MLPClassifier,
    MLPRegressor,
    Trainer,
    load_estimator,
    minimize,
)
from chainrule.architecture import network_from_layers
from chainrule.cli import main
from chainrule.optimizers import SGD, Adam
from chainrule.pooling import Flatten, MaxPool2D

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CNN = [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3},
       {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"},
       {"type": "Dense", "fan_out": 16}]


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


def _generator(random_state: int) -> np.random.Generator:
    """The estimators' rule: one Generator seeded by a draw from RandomState(random_state)."""
    return np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _reference_cnn(rng: np.random.Generator, alpha: float):
    """CNN's network with the estimator's output layer, each layer drawing from ``rng`` in
    order (Conv2D, then the Dense layers), Glorot uniform (the estimators' default init);
    then the Dense layers' biases (bias_init="uniform", scikit-learn's rule): U(-r, r),
    r = sqrt(6 / (fan_in + fan_out)), the Conv2D's left at zero."""
    layers = [Conv2D(1, 4, 3, activation="relu", init="glorot_uniform", seed=rng),
              MaxPool2D(2), Flatten(),
              Dense(36, 16, "relu", "glorot_uniform", seed=rng),
              Dense(16, 10, "softmax", "glorot_uniform", seed=rng)]
    for layer, (fan_in, fan_out) in zip(layers[3:], [(36, 16), (16, 10)], strict=True):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        layer.b = rng.uniform(-r, r, fan_out)
    return network_from_layers(layers, input_shape=(1, 8, 8), loss="cross_entropy",
                               weight_decay=alpha, decay="per_sample")


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_a_cnn_estimator_is_the_network_trained_by_the_librarys_own_loop(digits, solver):
    """A CNN MLPClassifier on the digits (flat rows of 64, input_shape (1, 8, 8)) ends with
    the parameters of the same network trained by Trainer (sgd with Nesterov momentum 0.9,
    adam with scikit-learn's epsilon) or minimize (L-BFGS-B), with the estimator's settings;
    predict_proba is that network's predict and score scikit-learn's accuracy_score."""
    X, y = digits
    kw = dict(solver=solver, alpha=1e-3, learning_rate_init=0.05, max_iter=4,
              n_iter_no_change=np.inf, random_state=3)
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), **kw).fit(X, y)

    rng = _generator(3)
    net = _reference_cnn(rng, 1e-3)
    Y = LabelBinarizer().fit_transform(y).astype(float)
    if solver == "lbfgs":
        minimize(net, X, Y, method="L-BFGS-B", maxiter=4,
                 options={"gtol": 1e-4, "maxfun": 15000})
    else:
        opt = (SGD(0.05, momentum=0.9, nesterov=True) if solver == "sgd"
               else Adam(0.05, 0.9, 0.999, 1e-8, eps_on="v"))
        Trainer(net, optimizer=opt, batch_size=200, epochs=4,
                seed=int(rng.integers(2**31)), shuffle=True).fit(X, Y)
    np.testing.assert_array_equal(est.network_.params, net.params)
    proba = net.predict(X)
    np.testing.assert_allclose(est.predict_proba(X), proba, rtol=1e-12, atol=1e-15)
    assert est.score(X, y) == accuracy_score(y, np.arange(10)[proba.argmax(axis=1)])
    # coefs_ are the Dense layers' (scikit-learn's meaning); the kernels are in network_
    assert [W.shape for W in est.coefs_] == [(36, 16), (16, 10)] and est.n_layers_ == 3
    np.testing.assert_array_equal(est.network_.layers[0].W, net.layers[0].W)


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize(("layers", "mlp"), [
    ([{"type": "Dense", "fan_out": 8}], dict(hidden_layer_sizes=(8,))),
    ([{"type": "Dense", "fan_out": 8}], dict(hidden_layer_sizes=(8,), activation="tanh")),
    ([{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0.3}],
     dict(hidden_layer_sizes=(8,), dropout=0.3)),
    ([{"type": "Dense", "fan_out": 8, "activation": "identity"},
      {"type": "BatchNorm", "activation": "relu"},
      {"type": "Dense", "fan_out": 5, "activation": "identity"},
      {"type": "BatchNorm", "activation": "relu"}],
     dict(hidden_layer_sizes=(8, 5), batch_norm=True)),
])
def test_layers_and_hidden_layer_sizes_spell_one_network_alike(digits, cls, layers, mlp):
    """The two spellings of one network, with the same random_state, give the same initial
    weights, dropout masks and training: exactly the same parameters after a fit."""
    X, y = digits
    kw = dict(solver="sgd", max_iter=3, learning_rate_init=0.05, random_state=0)
    act = {"activation": mlp["activation"]} if "activation" in mlp else {}
    a = cls(layers=layers, **act, **kw).fit(X, y)
    b = cls(**mlp, **kw).fit(X, y)
    assert [repr(v) for v in a.network_.layers] == [repr(v) for v in b.network_.layers]
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    assert a.loss_curve_ == b.loss_curve_


def test_an_empty_layer_list_is_a_logistic_or_linear_regression():
    """layers=[] is hidden_layer_sizes=() (the same network, weight for weight), and with
    alpha=0 and lbfgs fits scikit-learn's unpenalised logistic and linear regressions."""
    from sklearn.datasets import make_classification, make_regression
    from sklearn.linear_model import LinearRegression, LogisticRegression

    fit = {"solver": "lbfgs", "alpha": 0.0, "tol": 1e-12, "max_iter": 5000, "random_state": 0}
    for n_classes in (2, 3):
        X, y = make_classification(300, 4, n_informative=3, n_redundant=0,
                                   n_classes=n_classes, flip_y=0.2, random_state=0)
        est = MLPClassifier(layers=[], **fit).fit(X, y)
        same = MLPClassifier(hidden_layer_sizes=(), **fit).fit(X, y)
        np.testing.assert_array_equal(est.network_.params, same.network_.params)
        assert [type(layer) for layer in est.network_.layers] == [Dense]
        sk = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(est.predict_proba(X), sk.predict_proba(X), atol=1e-4)
        W, b = est.coefs_[0], est.intercepts_[0]
        if n_classes == 2:  # one sigmoid output: scikit-learn's coefficients themselves
            np.testing.assert_allclose(W.ravel(), sk.coef_.ravel(), atol=1e-3)
            np.testing.assert_allclose(b, sk.intercept_, atol=1e-3)
        else:  # softmax: equal up to a constant per feature (and for the biases)
            np.testing.assert_allclose(W - W.mean(axis=1, keepdims=True),
                                       (sk.coef_ - sk.coef_.mean(axis=0)).T, atol=1e-3)
            np.testing.assert_allclose(b - b.mean(), sk.intercept_ - sk.intercept_.mean(),
                                       atol=1e-3)
    X, Y = make_regression(200, 5, n_targets=2, noise=10.0, random_state=0)
    reg = MLPRegressor(layers=[], **fit).fit(X, Y)
    lin = LinearRegression().fit(X, Y)
    np.testing.assert_allclose(reg.coefs_[0], lin.coef_.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(reg.intercepts_[0], lin.intercept_, atol=1e-3)  # y ~ 100


def test_a_dense_dict_without_an_activation_takes_the_estimators(digits):
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), activation="tanh", max_iter=1,
                        random_state=0).fit(X, y)
    acts = [getattr(layer, "activation", None) for layer in est.network_.layers]
    # Conv2D keeps its own default (relu); the Dense dict takes activation; the output softmax
    assert [a.name if a else None for a in acts] == ["relu", None, None, "tanh", "softmax"]


# --- scikit-learn's estimator checks ----------------------------------------------------------
CHECKED = [
    MLPClassifier(layers=[{"type": "Dense", "fan_out": 10}, {"type": "Dropout", "rate": 0.0}],
                  max_iter=100, learning_rate_init=0.01, random_state=0),
    MLPRegressor(layers=[{"type": "Dense", "fan_out": 10, "activation": "tanh"},
                         {"type": "BatchNorm"}],
                 max_iter=100, learning_rate_init=0.01, random_state=0),
    MLPRegressor(layers='[{"type": "Dense", "fan_out": 10}]', solver="lbfgs", max_iter=30,
                 random_state=0),
]

_SW_REASON = ("batch normalisation takes the mean and variance over the rows of a batch "
              "(unweighted), so repeating a row changes them (as for batch_norm=True in "
              "tests/test_estimator_checks.py)")


def _expected_failed_checks(estimator) -> dict[str, str]:
    if "BatchNorm" in json.dumps(estimator.layers):
        return {"check_sample_weight_equivalence_on_dense_data": _SW_REASON,
                "check_sample_weight_equivalence_on_sparse_data": _SW_REASON}
    return {}


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_estimator_checks_with_layers(estimator, check):
    check(estimator)


# --- scikit-learn integration -----------------------------------------------------------------
def test_gridsearch_over_two_layer_lists_picks_the_better(digits):
    """GridSearchCV over a 1-unit bottleneck and a CNN: its mean scores are those of
    cross_val_score on each, and it picks the higher."""
    X, y = digits
    X, y = X[:150], y[:150]
    candidates = [[{"type": "Flatten"}, {"type": "Dense", "fan_out": 1}], CNN]
    base = MLPClassifier(input_shape=(1, 8, 8), solver="lbfgs", max_iter=15, random_state=0)
    gs = GridSearchCV(base, {"layers": candidates}, cv=3).fit(X, y)
    means = [cross_val_score(clone(base).set_params(layers=layers), X, y, cv=3).mean()
             for layers in candidates]
    np.testing.assert_allclose(gs.cv_results_["mean_test_score"], means, rtol=1e-12)
    assert gs.best_params_["layers"] == candidates[int(np.argmax(means))]
    assert means[1] > means[0]


def test_clone_and_fit_leave_the_layer_list_as_given(digits):
    X, y = digits
    layers = copy.deepcopy(CNN)
    est = MLPClassifier(layers=layers, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    est.fit(X, y)
    assert est.layers is layers and layers == CNN  # fit adds no key (activation, init, ...)
    params = clone(est).get_params()
    assert params["layers"] == CNN and params["layers"] is not layers
    assert params["input_shape"] == (1, 8, 8)


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(("params", "message"), [
    (dict(layers=CNN, input_shape=(1, 8, 8), hidden_layer_sizes=(5,)),
     r"^layers and hidden_layer_sizes both describe the hidden layers: with layers, leave "
     r"hidden_layer_sizes at its default \(100,\) \(a hidden layer is a Dense dict in the "
     r"list\), got hidden_layer_sizes=\(5,\)$"),
    (dict(layers=CNN, input_shape=(1, 8, 8), dropout=0.2),
     r"^layers and dropout both describe .* got dropout=0.2$"),
    (dict(layers=CNN, input_shape=(1, 8, 8), batch_norm=True),
     r"^layers and batch_norm both describe .* got batch_norm=True$"),
    (dict(layers=[{"type": "Dense", "fanout": 8}]),
     r"^layers: layers\[0\] \(Dense\): unknown key\(s\) \['fanout'\]; valid keys are "
     r"\['fan_in', 'fan_out', 'activation', 'init', 'bias'\]$"),
    (dict(layers=[{"type": "Dens", "fan_out": 8}]),
     r"^layers: layers\[0\]: 'type' must be one of \['AvgPool2D', .*\], got 'Dens'$"),
    (dict(layers=[{"type": "Dense"}]),
     r"^layers: layers\[0\] \(Dense\): needs the key 'fan_out'"),
    (dict(layers=[8]), r"^layers: layers\[0\] must be a dict like \{'type': 'Dense', "
     r"'fan_out': 16\}, got int$"),
    (dict(layers=[Dense(64, 8)]), r"^layers: layers\[0\] must be a dict .*, got Dense \(a "
     r"Layer object would be shared by clones and changed by fit; give its dict\)$"),
    (dict(layers={"type": "Dense", "fan_out": 8}),
     r"^layers must be a list of layer dicts like .* \(or JSON text of one\), got dict$"),
    (dict(layers="[{"), r"^layers: not valid JSON"),
    (dict(layers=CNN, input_shape=(1, 8, 7)),
     r"^input_shape=\(1, 8, 7\): images of 1\*8\*7 = 56 values per row, but X has 64 "
     r"features$"),
    (dict(layers=CNN, input_shape=(1, 8)), r"^input_shape must be None or \(channels, height, "
     r"width\), three positive ints, got \(1, 8\)$"),
    (dict(layers=CNN), r"^layers: layers\[0\] \(Conv2D\) takes images; give "
     r"input_shape=\(C, H, W\)"),
    (dict(input_shape=(1, 8, 8)), r"^input_shape=\(1, 8, 8\): the shape of the images that "
     r"layers takes; hidden_layer_sizes builds a multilayer perceptron"),
    (dict(layers=[*CNN, {"type": "Dense", "fan_out": 10, "activation": "softmax"}],
          input_shape=(1, 8, 8)),
     r"^layers: layers\[4\] \(Dense\) has a softmax activation, which is an output layer's; "
     r"the list is the hidden part of the network: the estimator appends the output layer "
     r"\(its units and activation from the targets\), so leave it out$"),
    (dict(layers=[{"type": "Dense", "fan_out": 8, "activation": "step"}]),
     r"^layers: layers\[0\] \(Dense\): activation 'step' has no useful derivative"),
    (dict(layers=[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}],
          input_shape=(1, 8, 8)),
     r"^layers: layers\[1\] \(the Dense output layer that the estimator appends\): the layer "
     r"before it gives images of shape \(2, 6, 6\); put \{'type': 'Flatten'\} before it$"),
    (dict(layers=CNN, input_shape=(1, 8, 8), activation=["relu", "tanh"]),
     r"^activation: with layers, one activation \(the default of the Dense dicts that name "
     r"none\), got \['relu', 'tanh'\]"),
    (dict(layers=[{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0.5}],
          solver="lbfgs"),
     r"^layers: layers\[1\] \(Dropout\) needs a stochastic solver"),
    # rate 0 passed this check, then scipy_fit.minimize refused the Dropout layer naming
    # "net.layers[1]" and advising chainrule.train, after the network was built
    (dict(layers=[{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0}],
          solver="cg"),
     r"^layers: layers\[1\] \(Dropout\) needs a stochastic solver \('sgd', 'adam', "
     r"'rmsprop', 'adagrad'\); solver='cg' minimises one fixed cost function$"),
])
def test_bad_layers_are_refused_at_fit_by_name(digits, params, message):
    X, y = digits
    est = MLPClassifier(max_iter=1, **params)
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)
    assert not hasattr(est, "network_") and not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_a_changed_layer_list_is_refused_before_anything_changes(digits, how):
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0,
                        warm_start=how == "warm_start").fit(X, y)
    params = est.network_.params.copy()
    wider = [*CNN[:3], {"type": "Dense", "fan_out": 17}]
    est.set_params(layers=wider)
    refit = est.fit if how == "warm_start" else est.partial_fit
    with pytest.raises(ValueError, match=r"^layers: the fitted network's hidden layers are "
                       r"\[Conv2D\(1, 4, .*Dense\(36, 16, activation='relu'\)\]; layers=.* "
                       r"asks for \[.*Dense\(36, 17, activation='relu'\)\]; "):
        refit(X, y)
    est.set_params(layers=None, input_shape=None)  # an MLP of hidden_layer_sizes: refused too
    with pytest.raises(ValueError, match=r"^input_shape: the fitted network takes "
                       r"input_shape=\(1, 8, 8\), got input_shape=None; "):
        refit(X, y)
    np.testing.assert_array_equal(est.network_.params, params)
    est.set_params(layers=copy.deepcopy(CNN), input_shape=(1, 8, 8))  # the same: goes on
    refit(X, y)
    assert not np.array_equal(est.network_.params, params)


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
@pytest.mark.parametrize("shape", [(1, 2, 32), (64, 1, 1), (1, 8, 9), (4, 4, 4)])
def test_an_input_shape_the_layers_cannot_take_is_refused_by_name(digits, how, shape):
    """A warm start or partial_fit with an input_shape of 64 values that the 3x3 Conv2D
    cannot take (2 or 1 rows) reported the layer's build error ("layers: layers[0] Conv2D
    ...: the 3x3 window is larger than the padded input"), one of another size the data's
    ("X has 64 features"); both now say, as for any other input_shape, which one the
    fitted network takes and which was given, before anything changes."""
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0,
                        warm_start=how == "warm_start")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    before = {k: list(v) if isinstance(v, list) else v for k, v in vars(est).items()
              if k != "network_"}
    params = est.network_.params.copy()
    est.set_params(input_shape=shape)
    refit = est.fit if how == "warm_start" else est.partial_fit
    with pytest.raises(ValueError, match=re.escape(
            f"input_shape: the fitted network takes input_shape=(1, 8, 8), got "
            f"input_shape={shape!r}; ")):
        refit(X, y)
    np.testing.assert_array_equal(est.network_.params, params)
    assert vars(est).keys() - {"network_"} == before.keys()
    assert est.n_iter_ == before["n_iter_"] and est.loss_curve_ == before["loss_curve_"]
    assert est._optimizer is before["_optimizer"]
    est.set_params(input_shape=[1, 8, 8])  # the same shape, as a list: goes on
    refit(X, y)
    assert not np.array_equal(est.network_.params, params)


_DENSE_RELU = {"type": "Dense", "fan_out": 5, "activation": "relu"}
_DENSE_ID = {"type": "Dense", "fan_out": 5, "activation": "identity"}
_BN_RELU = {"type": "BatchNorm", "activation": "relu"}


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
@pytest.mark.parametrize(("layers", "params"), [
    ([{**_DENSE_RELU, "bias": False}], {}),
    ([_DENSE_RELU, _BN_RELU], {"batch_norm": True}),  # relu twice
    ([_DENSE_ID, {**_BN_RELU, "momentum": 0.5}], {"batch_norm": True}),
    ([_DENSE_ID, {"type": "Dropout", "rate": 0.2}, _BN_RELU],
     {"batch_norm": True, "dropout": 0.2}),
    ([_DENSE_RELU, {"type": "Dropout", "rate": 0.1}, {"type": "Dropout", "rate": 0.2}],
     {"dropout": 0.2}),
    ([_DENSE_ID, _BN_RELU, {**_DENSE_RELU, "fan_out": 3}],
     {"hidden_layer_sizes": (5, 3), "batch_norm": True}),
])
def test_hidden_layer_sizes_does_not_continue_layers_it_cannot_build(how, layers, params):
    """layers=None after a fit of layers= that hidden_layer_sizes, activation, batch_norm
    and dropout cannot build, though their values read alike from the fitted network: a
    warm start or partial_fit would go on with those layers, ignoring the parameters.
    Refused naming both lists of hidden layers, the network unchanged; the layers that
    hidden_layer_sizes builds go on."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 2, 40)
    est = MLPClassifier(layers=layers, max_iter=2, random_state=0,
                        warm_start=how == "warm_start").fit(X, y)
    before = est.network_.params.copy()
    est.set_params(layers=None, **{"hidden_layer_sizes": (5,), "activation": "relu", **params})
    refit = est.fit if how == "warm_start" else est.partial_fit
    built = [layer.get_config() for layer in est._build_network(
        4, 1, "sigmoid", "log_loss", np.random.default_rng(0), np.float64).layers[:-1]]
    assert built != [layer.get_config() for layer in est.network_.layers[:-1]]
    with pytest.raises(ValueError, match=r"^layers: the fitted network's hidden layers are "):
        refit(X, y)
    np.testing.assert_array_equal(est.network_.params, before)
    fitted = clone(est).fit(X, y)  # the network those parameters build
    before = fitted.network_.params.copy()
    (fitted.fit if how == "warm_start" else fitted.partial_fit)(X, y)  # its own: goes on
    assert not np.array_equal(fitted.network_.params, before)


# --- saving -----------------------------------------------------------------------------------
def test_save_and_load_round_trip_a_cnn(tmp_path, digits):
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), solver="sgd", max_iter=2,
                        learning_rate_init=0.05, random_state=0).fit(X, y)
    back = load_estimator(est.save(tmp_path / "cnn.npz"))
    assert back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    back.partial_fit(X, y)  # the training state travels too
    est.partial_fit(X, y)
    np.testing.assert_array_equal(back.network_.params, est.network_.params)


@pytest.mark.parametrize("as_path", [str, Path])
def test_a_model_file_of_layers_read_from_a_json_file_stands_alone(tmp_path, digits, as_path):
    """layers="arch.json": the model file records the layers read from it, not the path,
    so that it loads (and its check of the network against the layers passes) after the
    JSON file is gone; the loaded estimator's layers are the file's list."""
    X, y = digits
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps(CNN))
    est = MLPClassifier(layers=as_path(arch), input_shape=(1, 8, 8), solver="sgd",
                        max_iter=2, learning_rate_init=0.05, random_state=0).fit(X, y)
    path = est.save(tmp_path / "cnn.npz")
    arch.unlink()
    back = load_estimator(path)
    assert back.get_params()["layers"] == CNN
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    same = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), solver="sgd", max_iter=2,
                         learning_rate_init=0.05, random_state=0).fit(X, y)
    np.testing.assert_array_equal(back.network_.params, same.network_.params)


def test_a_json_file_of_layers_edited_after_fit_saves_the_layers_fit_read(tmp_path, digits):
    """layers="arch.json" was read again at save: after the file was edited, the model
    file held the new list, not the network's, and load_estimator refused it ("the fitted
    network's hidden layers are ... asks for ...").  Now save writes the list fit read;
    the file is read again when a new fit builds a new network."""
    X, y = digits
    arch = tmp_path / "arch.json"
    arch.write_text(json.dumps(CNN))
    est = MLPClassifier(layers=str(arch), input_shape=(1, 8, 8), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    wider = [*CNN[:3], {"type": "Dense", "fan_out": 17}]
    arch.write_text(json.dumps(wider))
    back = load_estimator(est.save(tmp_path / "cnn.npz"))
    assert back.get_params()["layers"] == CNN
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)  # a new network: the file as it is now
    assert [W.shape for W in est.coefs_] == [(36, 17), (17, 10)]
    assert load_estimator(est.save(tmp_path / "wider.npz")).get_params()["layers"] == wider


def test_a_file_without_layers_is_written_and_read_as_before_layers_existed(tmp_path, digits):
    """An estimator without layers= (nor class_weight=) writes none of these keys (its file
    is what older versions wrote and read), and such a file loads with them None."""
    X, y = digits
    est = MLPClassifier((6,), max_iter=2, random_state=0).fit(X, y)
    path = est.save(tmp_path / "new.npz")
    meta, _ = cr.io.read_file(path, "chainrule.estimator")
    assert "layers" not in meta["params"] and "input_shape" not in meta["params"]
    assert set(meta["params"]) == set(est.get_params()) - {"layers", "input_shape",
                                                           "class_weight"}
    back = load_estimator(path)
    assert back.layers is None and back.input_shape is None and back.class_weight is None
    assert back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def test_load_refuses_a_layer_list_that_is_not_the_networks(tmp_path, digits):
    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    meta, arrays = cr.io.read_file(est.fit(X, y).save(tmp_path / "a.npz"),
                                   "chainrule.estimator")
    meta["params"]["layers"][3]["fan_out"] = 17
    cr.io.write_file(tmp_path / "b.npz", meta, arrays)
    with pytest.raises(ValueError, match=r"b.npz: corrupted estimator file \(params: layers: "
                       r"the fitted network's hidden layers are .*Dense\(36, 16"):
        load_estimator(tmp_path / "b.npz")


@pytest.mark.slow
def test_the_command_line_predicts_evaluates_shows_and_plots_a_cnn_file(tmp_path, capsys,
                                                                         digits, monkeypatch):
    import chainrule.plots as plots

    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), solver="lbfgs", max_iter=20,
                        random_state=0).fit(X, y)
    model, data = str(tmp_path / "cnn.npz"), str(tmp_path / "d.npz")
    est.save(model)
    np.savez(data, X=X, y=y)
    assert main(["predict", model, data, "--proba", "-o", str(tmp_path / "p.csv")]) == 0
    rows = np.loadtxt(tmp_path / "p.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(rows[:, 0], est.predict(X))
    np.testing.assert_array_equal(rows[:, 1:], est.predict_proba(X))
    capsys.readouterr()
    assert main(["evaluate", model, data, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == accuracy_score(y, est.predict(X))
    assert main(["info", "--json", model]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [r["layer"] for r in info["layers"]] == [type(v).__name__
                                                    for v in est.network_.layers]
    assert info["n_params"] == est.network_.n_params == 802
    assert info["params"]["layers"] == CNN and info["params"]["input_shape"] == [1, 8, 8]
    assert main(["info", model]) == 0 and "Conv2D" in capsys.readouterr().out
    seen = {}
    monkeypatch.setattr(plots, "plot_loss", lambda h, out, title, **kw: seen.setdefault("loss", h)
                        or out)
    monkeypatch.setattr(plots, "plot_confusion_matrix",
                        lambda y, p, out, **kw: seen.setdefault("confusion", (y, p)) and out)
    assert main(["plot", "loss", model, "-o", str(tmp_path / "l.png")]) == 0
    assert seen["loss"] == {"loss": est.loss_curve_}
    assert main(["plot", "confusion", model, data, "-o", str(tmp_path / "c.png")]) == 0
    np.testing.assert_array_equal(seen["confusion"][1], est.predict(X))


def test_pickling_a_cnn_estimator_keeps_its_network(digits):
    import pickle

    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1,
                            random_state=0).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert isinstance(back.network_.layers[-2], Dense) and not isinstance(
        back.network_.layers[0], (Dense, BatchNorm, Dropout))


def test_a_cnn_estimator_predicts_a_sparse_matrix_a_block_of_rows_at_a_time(digits,
                                                                             monkeypatch):
    """A sparse X given to a convolutional estimator's predictions was made dense whole
    (60,000 x 64 at 5 %: tracemalloc's peak 53 MiB, the dense copy alone 29 MiB), where
    every other prediction densifies a block of rows at a time.  Now the blocks: the peak
    stays below a quarter of the dense copy, and the numbers are the dense array's."""
    import tracemalloc

    import scipy.sparse

    import chainrule._mlp_base as mlp_base

    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    S = scipy.sparse.random(20_000, 64, density=0.05, format="csr", random_state=0)
    dense = S.toarray()
    monkeypatch.setattr(mlp_base, "_EVAL_BLOCK_BYTES", 2**16)
    expected_proba, expected = est.predict_proba(dense), est.predict(dense)
    tracemalloc.start()
    try:
        proba = est.predict_proba(S)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < dense.nbytes / 4
    np.testing.assert_array_equal(proba, expected_proba)
    np.testing.assert_array_equal(est.predict(S), expected)
    # one row: as the dense row alone (a block of one row may differ from a row of a block
    # of 64 in its last bit, dense or sparse alike: see _evaluate)
    np.testing.assert_array_equal(est.predict_proba(S[:1]), est.predict_proba(dense[:1]))


@pytest.mark.parametrize("binary", [False, True])
def test_predict_log_proba_of_a_cnn_is_finite_from_the_output_net_input(digits, binary,
                                                                        monkeypatch):
    """predict_log_proba with layers= (a CNN): np.log(predict_proba) where that is finite,
    and the log-softmax (or [-softplus(z), -softplus(-z)]) of the output layer's net input,
    finite, where probabilities underflow; in predict_proba's blocks of rows."""
    from scipy.special import log_softmax

    import chainrule._mlp_base as mlp_base

    monkeypatch.setattr(mlp_base, "_EVAL_BLOCK_BYTES", 1)  # blocks of 64 rows: 5 here
    X, y = digits
    y = y > 4 if binary else y
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=5,
                        random_state=0).fit(X, y)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(est.predict_proba(X)),
                               rtol=0, atol=1e-12)
    top = est.network_.layers[-1]
    top.W[...] *= 1e4
    est.network_.forward(X.reshape(-1, 1, 8, 8))  # one pass of all rows: the top's input
    Z = top.X @ top.W + top.b  # its net input, by hand
    expected = (-np.hstack([np.logaddexp(0, Z), np.logaddexp(0, -Z)]) if binary
                else log_softmax(Z, axis=1))
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(est.predict_proba(X))).any()
    log_p = est.predict_log_proba(X)
    assert log_p.shape == (300, 2 if binary else 10) and np.isfinite(log_p).all()
    np.testing.assert_allclose(log_p, expected, rtol=1e-12, atol=1e-9)


def test_info_shows_the_layers_an_estimator_used_not_the_parameters_they_replace(
        tmp_path, capsys, digits):
    """``info`` on an estimator file with layers= showed hidden_layer_sizes=[100] (and
    dropout, batch_norm), parameters the network was not built from, beside layers.  Now
    they are left out with layers, and the list is shown as JSON; an estimator without
    layers shows all of get_params() as before."""
    X, y = digits
    layers = [{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0.2}]
    est = MLPClassifier(layers=layers, max_iter=1, random_state=0)
    mlp = MLPClassifier((8,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y).save(tmp_path / "layers.npz")
        mlp.fit(X, y).save(tmp_path / "mlp.npz")
    # class_weight=None, like layers=None and input_shape=None, is not written (see
    # test_a_file_without_layers_is_written_and_read_as_before_layers_existed)
    for name, model, left_out in [("layers.npz", est, {"hidden_layer_sizes", "dropout",
                                                       "batch_norm", "input_shape",
                                                       "class_weight"}),
                                  ("mlp.npz", mlp, {"layers", "input_shape", "class_weight"})]:
        assert main(["info", "--json", str(tmp_path / name)]) == 0
        shown = json.loads(capsys.readouterr().out)["params"]
        params = {k: v for k, v in model.get_params().items() if k not in left_out}
        assert shown == json.loads(json.dumps(params, default=list))
        assert main(["info", str(tmp_path / name)]) == 0
        line = next(s for s in capsys.readouterr().out.splitlines()
                    if s.startswith("parameters: "))
        assert line == "parameters: " + ", ".join(
            f"{k}={json.dumps(v) if k == 'layers' else list(v) if isinstance(v, tuple) else v}"
            for k, v in params.items())


def test_a_cnn_estimator_sizes_its_blocks_by_the_im2col_columns_as_network_predict(digits):
    """The estimators' blocks counted a layer's outputs only, not a convolution's im2col
    columns (here 432 values per image against 144 outputs), so a CNN estimator's blocks
    were three times Network.predict's: 20,000 digits-sized rows took 11.8 MiB beyond the
    result against Network.predict's 3.8 MiB (tracemalloc).  Now the same blocks: the same
    memory within 20 %, and the same numbers."""
    import tracemalloc

    X, y = digits
    est = MLPClassifier(layers=CNN, input_shape=(1, 8, 8), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    Xt = np.random.default_rng(0).random((20_000, 64))
    peaks = {}
    for name, predict in (("estimator", est.predict_proba), ("network", est.network_.predict)):
        tracemalloc.start()
        try:
            out = predict(Xt)
            peaks[name] = tracemalloc.get_traced_memory()[1] - out.nbytes
        finally:
            tracemalloc.stop()
        peaks[name, "out"] = out
    assert peaks["estimator"] < 1.2 * peaks["network"]
    np.testing.assert_array_equal(peaks["estimator", "out"], peaks["network", "out"])


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_layers_from_a_named_pipe_are_read_once_per_fit(tmp_path):
    """layers= naming a pipe (a shell's <(cat layers.json)) was read twice by fit, by the
    parameter checks and again to build the network: the second read waited for a writer
    that had gone.  The same fit as from the list itself, reading the pipe once."""
    import os
    import threading

    X = np.random.default_rng(0).normal(size=(30, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    layers = [{"type": "Dense", "fan_out": 3, "activation": "tanh"}]
    pipe = tmp_path / "layers"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_text(json.dumps(layers)), daemon=True)
    writer.start()
    est, errors = MLPClassifier(layers=str(pipe), max_iter=5, random_state=0), []

    def fit() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X, y)
        except ValueError as exc:
            errors.append(exc)

    fitting = threading.Thread(target=fit, daemon=True)
    fitting.start()
    fitting.join(timeout=20)
    if fitting.is_alive():  # waiting for a second writer: give it an empty one
        pipe.open("w").close()
        fitting.join(timeout=20)
    assert not errors and hasattr(est, "network_")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = MLPClassifier(layers=layers, max_iter=5, random_state=0).fit(X, y)
    for a, b in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_readme_cnn_estimator_scores_what_the_readme_says():
    """The README's CNN MLPClassifier (Glorot uniform, the estimators' default init, on its
    Conv2D too) said 0.964; since a convolution's Glorot fan_out is out_channels * kh * kw
    (467d67a) the same code scored 0.962, and with the Dense layers' biases drawn as
    scikit-learn's (bias_init="uniform") 0.960.  The figure is read from the README's line."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("cnn = cr.MLPClassifier(layers=[")
    code = readme[start:readme.index("```", start)]
    stated = re.search(r"\.score\(d\.X_test, d\.y_test\)\s+# (0\.\d+)", code)
    assert stated is not None, code
    d = cr.datasets.load_digits_split(seed=0)
    scope = {"cr": cr, "d": d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code.split("\ncnn.fit")[0], scope)  # the estimator as the README builds it
        cnn = scope["cnn"].fit(d.X_train, d.y_train)
    score = accuracy_score(d.y_test, cnn.predict(d.X_test))
    assert f"{score:.3f}" == stated.group(1)
