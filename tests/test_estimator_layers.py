"""MLPClassifier / MLPRegressor with ``layers=`` and ``input_shape=``: any architecture of
layer dicts (a small CNN included) inside the scikit-learn estimators, built and fitted,
through scikit-learn's checks and tools, and refused by name where they cannot be.  A
fitted one's files, pickles, command line and predictions: test_estimator_layers_files.py.

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

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule import (
    Conv2D,
    Dense,
    MLPClassifier,
    MLPRegressor,
    Trainer,
    minimize,
)
from chainrule.architecture import network_from_layers
from chainrule.optimizers import SGD, Adam
from chainrule.pooling import Flatten, MaxPool2D
from estimator_helpers import LAYERS_CNN as CNN
from estimator_helpers import digit_rows, one_blas_thread  # noqa: F401 (autouse)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    return digit_rows()


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


# scikit-learn's form (its InvalidParameterError) for a layers= of the wrong form
_LAYERS_WORDS = (r"The 'layers' parameter of MLPClassifier must be None, a list of layer dicts "
                 r"like \[\{'type': 'Dense', 'fan_out': 16\}, \.\.\.\], JSON text of one or "
                 r"the path of a \.json file of one\.")

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
# the layer dicts' content: the 'layers' sentence, the builder's detail after it
LAYERS_GOT = rf"^{_LAYERS_WORDS} Got .* instead\. \("
NO_DROPOUT = (r"^The 'layers' parameter of MLPClassifier must be a list of layers without "
              r"BatchNorm or Dropout with solver='")


@pytest.mark.parametrize(("params", "message"), [
    (dict(layers=CNN, input_shape=(1, 8, 8), hidden_layer_sizes=(5,)),
     r"^The 'hidden_layer_sizes' parameter of MLPClassifier must be its default \(100,\) "
     r"with layers\. Got \(5,\) instead\. \(layers and hidden_layer_sizes both describe "
     r"the hidden layers: with layers, leave hidden_layer_sizes at its default; a hidden "
     r"layer is a Dense dict in the list\)$"),
    (dict(layers=CNN, input_shape=(1, 8, 8), dropout=0.2),
     r"^The 'dropout' parameter of MLPClassifier must be its default 0\.0 with layers\. "
     r"Got 0\.2 instead\. \(layers and dropout both describe .*\)$"),
    (dict(layers=CNN, input_shape=(1, 8, 8), batch_norm=True),
     r"^The 'batch_norm' parameter of MLPClassifier must be its default False with "
     r"layers\. Got True instead\. \(layers and batch_norm both describe .*\)$"),
    (dict(layers=[{"type": "Dense", "fanout": 8}]),
     LAYERS_GOT + r"layers\[0\] \(Dense\): unknown key\(s\) \['fanout'\]; valid keys are "
     r"\['fan_in', 'fan_out', 'activation', 'init', 'bias'\]\)$"),
    (dict(layers=[{"type": "Dens", "fan_out": 8}]),
     LAYERS_GOT + r"layers\[0\]: 'type' must be one of \['AvgPool2D', .*\], got 'Dens'\)$"),
    (dict(layers=[{"type": "Dense"}]),
     LAYERS_GOT + r"layers\[0\] \(Dense\): needs the key 'fan_out'"),
    (dict(layers=[8]), rf"^{_LAYERS_WORDS} Got \[8\] instead\. \(layers\[0\] is 8 "
     r"\(int\)\)$"),
    (dict(layers=[Dense(64, 8)]), rf"^{_LAYERS_WORDS} Got \[Dense\(64, 8.*\)\] instead\. "
     r"\(layers\[0\] is Dense\(64, 8.*\) \(Dense\); a Layer object would be shared by "
     r"clones and changed by fit: give its dict\)$"),
    (dict(layers={"type": "Dense", "fan_out": 8}),
     rf"^{_LAYERS_WORDS} Got \{{'type': 'Dense', 'fan_out': 8\}} instead\.$"),
    (dict(layers="[{"), rf"^{_LAYERS_WORDS} Got '\[\{{' instead\. \(not valid JSON"),
    (dict(layers=CNN, input_shape=(1, 8, 7)),
     r"^input_shape=\(1, 8, 7\): images of 1\*8\*7 = 56 values per row, but X has 64 "
     r"features$"),
    (dict(layers=CNN, input_shape=(1, 8)), r"^The 'input_shape' parameter of MLPClassifier "
     r"must be None or a tuple \(channels, height, width\) of three ints in the range "
     r"\[1, inf\)\. Got \(1, 8\) instead\.$"),
    (dict(layers=CNN), r"^Found array with dim 2, while dim 3 or 4 is required by MLPClassifier "
     r"with layers of images and no input_shape\. \(layers\[0\] \(Conv2D\) takes images; "
     r"give X of images of shape \(n_samples, C, H, W\), or input_shape=\(C, H, W\)"),
    (dict(input_shape=(1, 8, 8)), r"^The 'input_shape' parameter of MLPClassifier must be None "
     r"without layers\. Got \(1, 8, 8\) instead\. \(input_shape is the shape of the images "
     r"that layers takes; hidden_layer_sizes builds a multilayer perceptron"),
    (dict(layers=[*CNN, {"type": "Dense", "fan_out": 10, "activation": "softmax"}],
          input_shape=(1, 8, 8)),
     LAYERS_GOT + r"layers\[4\] \(Dense\) has a softmax activation, which is an output layer's; "
     r"the list is the hidden part of the network: the estimator appends the output layer "
     r"\(its units and activation from the targets\), so leave it out\)$"),
    (dict(layers=[{"type": "Dense", "fan_out": 8, "activation": "step"}]),
     LAYERS_GOT + r"layers\[0\] \(Dense\): activation 'step' has no useful derivative"),
    (dict(layers=[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}],
          input_shape=(1, 8, 8)),
     LAYERS_GOT + r"layers\[1\] \(the Dense output layer that the estimator appends\): the layer "
     r"before it gives images of shape \(2, 6, 6\); put \{'type': 'Flatten'\} before it\)$"),
    (dict(layers=CNN, input_shape=(1, 8, 8), activation=["relu", "tanh"]),
     r"^The 'activation' parameter of MLPClassifier must be a str among the activations' "
     r"names or an Activation with layers\. Got \['relu', 'tanh'\] instead\. \(with "
     r"layers, one activation: the default of the Dense dicts that name none; name each "
     r"Dense dict's own activation in layers\)$"),
    (dict(layers=[{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0.5}],
          solver="lbfgs"),
     NO_DROPOUT + r"lbfgs'\. Got .* instead\. \(layers\[1\] \(Dropout\) needs a stochastic solver"),
    # rate 0 passed this check, then scipy_fit.minimize refused the Dropout layer naming
    # "net.layers[1]" and advising chainrule.train, after the network was built
    (dict(layers=[{"type": "Dense", "fan_out": 8}, {"type": "Dropout", "rate": 0}],
          solver="cg"),
     NO_DROPOUT + r"cg'\. Got .* instead\. \(layers\[1\] \(Dropout\) needs a stochastic "
     r"solver \('sgd', 'adam', "
     r"'rmsprop', 'adagrad', 'adamw', 'nadam', 'radam', 'adamax'\); solver='cg' minimises one "
     r"fixed cost function\)$"),
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
