"""The estimators' last refusals in the old words, now in scikit-learn's form and class
(InvalidParameterError, a ValueError): a layer dict's content (an unknown key or type, a
rate out of range, an output layer in the hidden part), and a parameter that another one
rules out ("The 'dropout' parameter of MLPClassifier must be 0.0 with solver='lbfgs'. Got
0.2 instead. (...)", the rule with the parameter that sets it, the old explanation after
the sentence).  What scikit-learn's MLP itself ignores, lbfgs's mini-batch settings and
early stopping, chainrule ignores too, silently, with the same fit.  A negative Poisson
target is refused in scikit-learn's HistGradientBoostingRegressor's words."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils._param_validation import InvalidParameterError

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

X = np.random.RandomState(0).uniform(size=(30, 3))
Y = {MLPClassifier: np.arange(30) % 2, MLPRegressor: X.sum(axis=1)}
DENSE = {"type": "Dense", "fan_out": 4}
STOCHASTIC = "('sgd', 'adam', 'rmsprop', 'adagrad', 'adamw', 'nadam', 'radam', 'adamax')"

# scikit-learn's sentence: "The 'p' parameter of Cls must be <rule>. Got <value!r> instead."
# (its validate_parameter_constraints), then chainrule's detail in parentheses
SENTENCE = re.compile(r"^The '(\w+)' parameter of (\w+) must be (.+?)\. Got (.+?) instead\."
                      r"( \((.*)\))?$", re.S)


def _refusal(cls, **params) -> tuple[str, str, str, str, str]:
    """(parameter, class name, rule, value shown, detail) of the refusal of ``params``."""
    params = {"max_iter": 2, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InvalidParameterError) as info:
            cls(**params).fit(X, Y[cls])
    assert isinstance(info.value, ValueError)  # caught as before, as a ValueError
    match = SENTENCE.match(str(info.value))
    assert match, str(info.value)
    name, owner, rule, shown, _, detail = match.groups()
    return name, owner, rule, shown, detail or ""


def test_the_sentence_is_scikit_learns():
    """The pattern reads scikit-learn's own refusal (the reference for the form)."""
    with pytest.raises(InvalidParameterError) as info:
        SkClassifier(alpha=-1.0).fit(X, Y[MLPClassifier])
    assert SENTENCE.match(str(info.value)).groups()[:4] == (
        "alpha", "MLPClassifier", "a float in the range [0.0, inf)", "-1.0")


# a layer dict's content: the 'layers' sentence, the builder's detail after it
@pytest.mark.parametrize(("layers", "detail"), [
    ([{"type": "Dense", "units": -1}], "layers[0] (Dense): unknown key(s) ['units']; valid keys "
     "are ['fan_in', 'fan_out', 'activation', 'init', 'bias'] ('units' is 'fan_out' here)"),
    ([{**DENSE, "bogus": 1}], "layers[0] (Dense): unknown key(s) ['bogus']"),
    ([{"type": "Nope", "fan_out": 4}], "layers[0]: 'type' must be one of ['AvgPool2D', "),
    ([{"type": "Dense"}], "layers[0] (Dense): needs the key 'fan_out'"),
    ([DENSE, {"type": "Dropout", "rate": 1.5}], "layers[1] (Dropout): rate must be in [0, 1), "
     "got 1.5"),
    ([{**DENSE, "activation": "softmax"}], "layers[0] (Dense) has a softmax activation, which "
     "is an output layer's"),
    ([{**DENSE, "activation": "step"}], "layers[0] (Dense): activation 'step' has no useful "
     "derivative"),
])
def test_a_layer_dicts_content_is_refused_as_layers(layers, detail):
    name, owner, rule, shown, said = _refusal(MLPClassifier, layers=layers)
    assert (name, owner, shown) == ("layers", "MLPClassifier", repr(layers))
    assert rule.startswith("None, a list of layer dicts like [")
    assert said.startswith(detail), said


# a parameter ruled out by another: its own rule under that condition, the why after it
@pytest.mark.parametrize(("cls", "params", "name", "rule", "detail"), [
    (MLPClassifier, dict(solver="lbfgs", dropout=0.2), "dropout", "0.0 with solver='lbfgs'",
     f"dropout and batch_norm need a stochastic solver {STOCHASTIC}; solver='lbfgs' minimises "
     "one fixed cost function"),
    (MLPRegressor, dict(solver="cg", batch_norm=True), "batch_norm", "False with solver='cg'",
     "dropout and batch_norm need a stochastic solver"),
    (MLPClassifier, dict(solver="lbfgs", layers=[DENSE, {"type": "Dropout", "rate": 0.0}]),
     "layers", "a list of layers without BatchNorm or Dropout with solver='lbfgs'",
     "layers[1] (Dropout) needs a stochastic solver"),
    (MLPClassifier, dict(solver="sgd", amsgrad=True), "amsgrad", "False with solver='sgd'",
     "amsgrad=True is a setting of the solvers ('adam', 'adamw'); set amsgrad=False"),
    (MLPRegressor, dict(solver="adam", decoupled_decay=0.1), "decoupled_decay",
     "None with solver='adam'", "decoupled_decay=0.1 is AdamW's decoupled weight decay"),
    (MLPClassifier, dict(solver="adam", rmsprop_momentum=0.5), "rmsprop_momentum",
     "0.0 with solver='adam'", "rmsprop_momentum=0.5 is RMSProp's momentum"),
    (MLPRegressor, dict(solver="sgd", centered=True), "centered", "False with solver='sgd'",
     "centered=True is a setting of solver='rmsprop' only; set centered=False"),
    (MLPRegressor, dict(solver="adam", momentum_decay=0.01), "momentum_decay",
     "None with solver='adam'", "momentum_decay=0.01 is NAdam's, for solver='nadam' only"),
    (MLPClassifier, dict(layers=[DENSE], hidden_layer_sizes=(5,)), "hidden_layer_sizes",
     "its default (100,) with layers", "layers and hidden_layer_sizes both describe the "
     "hidden layers"),
    (MLPRegressor, dict(layers=[DENSE], dropout=0.2), "dropout", "its default 0.0 with layers",
     "layers and dropout both describe the hidden layers"),
    (MLPClassifier, dict(layers=[DENSE], batch_norm=True), "batch_norm",
     "its default False with layers", "layers and batch_norm both describe"),
    (MLPClassifier, dict(layers=[DENSE], activation=["relu"]), "activation",
     "a str among the activations' names or an Activation with layers",
     "with layers, one activation"),
    (MLPClassifier, dict(learning_rate="invscaling", solver="sgd", schedule="cosine"),
     "schedule", "None with learning_rate='invscaling'", "learning_rate='invscaling' and "
     "schedule='cosine' both set the learning rate; give one of them"),
    (MLPRegressor, dict(early_stopping=True, validation_fraction=0.0), "validation_fraction",
     "a float in the range (0.0, 1.0) with early_stopping=True", "validation_fraction must be "
     "> 0 with early_stopping=True"),
    (MLPClassifier, dict(input_shape=(1, 1, 3)), "input_shape", "None without layers",
     "input_shape is the shape of the images that layers takes"),
    (MLPRegressor, dict(max_iter=5, schedule={"name": "warmup", "epochs": 5, "after": "cosine"}),
     "max_iter", "an int in the range [6, inf) with schedule={'name': 'warmup', 'epochs': 5, "
     "'after': 'cosine'}", "the 'cosine' after the warm-up anneals over the epochs after the "
     "warm-up's 5 (its T_max is max_iter - 5), and max_iter=5 leaves none"),
])
def test_a_parameter_ruled_out_by_another_says_so_in_scikit_learns_form(cls, params, name,
                                                                        rule, detail):
    said_name, owner, said_rule, shown, said = _refusal(cls, **params)
    assert (said_name, owner, said_rule) == (name, cls.__name__, rule)
    assert shown == repr(params[name])
    assert said.startswith(detail), said


@pytest.mark.parametrize("ignored", [dict(early_stopping=True), dict(batch_size=7),
                                     dict(shuffle=False), dict(learning_rate="adaptive"),
                                     dict(momentum=0.5, nesterovs_momentum=False),
                                     dict(validation_fraction=0.0, early_stopping=True)])
def test_lbfgs_ignores_what_scikit_learns_ignores(ignored):
    """scikit-learn's lbfgs neither warns about nor uses the mini-batch settings and early
    stopping (nothing held out); chainrule's the same: no warning, the same fit."""
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0)
    y = Y[MLPClassifier]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither says anything
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=20 for both
        theirs = [SkClassifier(**kw, **extra).fit(X, y) for extra in ({}, ignored)]
        ours = [MLPClassifier(**kw, **extra).fit(X, y) for extra in ({}, ignored)]
    for pair in (theirs, ours):
        for a, b in zip(pair[0].coefs_ + pair[0].intercepts_,
                        pair[1].coefs_ + pair[1].intercepts_, strict=True):
            np.testing.assert_array_equal(a, b)
        assert pair[0].n_iter_ == pair[1].n_iter_


def test_a_negative_poisson_target_in_scikit_learns_words():
    """HistGradientBoostingRegressor(loss="poisson") is scikit-learn's refusal of the same
    targets (its MLPRegressor fits them); chainrule's begins with its words, the count and
    the rounding allowance after them."""
    y = X.sum(axis=1) - 1.0
    with pytest.raises(ValueError) as theirs:
        HistGradientBoostingRegressor(loss="poisson").fit(X, y)
    with pytest.raises(ValueError) as ours:
        MLPRegressor(loss="poisson", max_iter=2).fit(X, y)
    words = str(theirs.value).partition(" and sum(y)")[0]  # "loss='poisson' requires ..."
    assert words == "loss='poisson' requires non-negative y"
    n = int((y < 0).sum())
    assert str(ours.value).startswith(f"{words}, got {n} negative value(s) (min {y.min():g});")


def test_too_small_a_validation_set_in_scikit_learns_words():
    """scikit-learn's MLPRegressor's refusal of a validation split of one row, word for
    word, then how many rows the fraction left."""
    kw = dict(early_stopping=True, validation_fraction=0.03, max_iter=2)  # 0.9 -> 1 row
    y = Y[MLPRegressor]
    with pytest.raises(ValueError) as theirs:
        SkRegressor(**kw).fit(X, y)
    with pytest.raises(ValueError) as ours:
        MLPRegressor(**kw).fit(X, y)
    assert str(ours.value) == (f"{theirs.value} (validation_fraction=0.03 leaves 1 example(s) "
                               "of 30 for validation; it needs 2)")
