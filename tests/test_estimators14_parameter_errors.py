"""Every parameter of MLPClassifier and MLPRegressor refused for its type or range at fit
raises one kind of error, chainrule's InvalidParameter (a subclass of scikit-learn's
InvalidParameterError: a ValueError and a TypeError), with a message that names the
parameter, what it takes and what it got (for the parameters scikit-learn's MLP has, in
its words: "The 'alpha' parameter of MLPClassifier must be ... Got -1.0 instead.").
Before, ``amsgrad="yes"`` raised that kind and ``decoupled_decay="0.1"`` a plain
ValueError, ``hidden_layer_sizes="5"`` a plain TypeError.  Reference: scikit-learn's
own MLPs refuse the same values of the parameters they share with InvalidParameterError
(its ``_parameter_constraints``)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.utils._param_validation import InvalidParameterError

from chainrule._validation import InvalidParameter
from chainrule.estimators import MLPClassifier, MLPRegressor

# (parameter, a value refused, a piece of what the message says it takes, how it says
# what it got); one wrong type and one value out of range where the type allows one
CASES = [
    ("hidden_layer_sizes", "5", "an int in the range [1, inf) or an array-like of them",
     "Got '5' instead"),
    ("hidden_layer_sizes", 0, "an int in the range [1, inf) or an array-like of them",
     "Got 0 instead"),
    ("activation", 3, "a str among the activations' names, an Activation", "Got 3 instead"),
    ("activation", "nope", "valid names are", "unknown activation 'nope'"),
    ("solver", 3, "must be a str among {'sgd', 'adam'", "Got 3 instead"),
    ("solver", "nope", "must be a str among {'sgd', 'adam'", "Got 'nope' instead"),
    ("alpha", "0.1", "a finite float in the range [0.0, inf)", "Got '0.1' instead"),
    ("alpha", -1.0, "a finite float in the range [0.0, inf)", "Got -1.0 instead"),
    ("batch_size", "big", "a str among {'auto'} or an int in the range [1, inf)",
     "Got 'big' instead"),
    ("batch_size", 0, "a str among {'auto'} or an int in the range [1, inf)", "Got 0 instead"),
    ("learning_rate", 3, "a str among {'constant', 'invscaling', 'adaptive'}", "Got 3 instead"),
    ("learning_rate", "nope", "a str among {'constant', 'invscaling', 'adaptive'}",
     "Got 'nope' instead"),
    ("learning_rate_init", "0.1", "a finite float in the range (0.0, inf)", "Got '0.1' instead"),
    ("learning_rate_init", 0.0, "a finite float in the range (0.0, inf)", "Got 0.0 instead"),
    ("power_t", "0.5", "a finite float in the range [0.0, inf)", "Got '0.5' instead"),
    ("power_t", -1.0, "a finite float in the range [0.0, inf)", "Got -1.0 instead"),
    ("max_iter", "5", "an int in the range [1, inf)", "Got '5' instead"),
    ("max_iter", 0, "an int in the range [1, inf)", "Got 0 instead"),
    ("shuffle", "yes", "an instance of 'bool' or an instance of 'numpy.bool'", "Got 'yes' instead"),
    ("random_state", "1", "an int in the range [0, 4294967295]", "Got '1' instead"),
    ("random_state", -1, "an int in the range [0, 4294967295]", "Got -1 instead"),
    ("tol", "0.1", "a finite float in the range [0.0, inf)", "Got '0.1' instead"),
    ("tol", -1.0, "a finite float in the range [0.0, inf)", "Got -1.0 instead"),
    ("verbose", "yes", "an int in the range [0, inf)", "Got 'yes' instead"),
    ("verbose", -1, "an int in the range [0, inf)", "Got -1 instead"),
    ("warm_start", "yes", "an instance of 'bool' or an instance of 'numpy.bool'",
     "Got 'yes' instead"),
    ("momentum", "0.9", "a float in the range [0.0, 1.0)", "Got '0.9' instead"),
    ("momentum", 1.5, "a float in the range [0.0, 1.0)", "Got 1.5 instead"),
    ("nesterovs_momentum", "yes", "an instance of 'bool' or an instance of 'numpy.bool'",
     "Got 'yes' instead"),
    ("early_stopping", "yes", "an instance of 'bool' or an instance of 'numpy.bool'",
     "Got 'yes' instead"),
    ("validation_fraction", "0.1", "a float in the range [0.0, 1.0)", "Got '0.1' instead"),
    ("validation_fraction", 1.0, "a float in the range [0.0, 1.0)", "Got 1.0 instead"),
    ("beta_1", "0.9", "a float in the range [0.0, 1.0)", "Got '0.9' instead"),
    ("beta_1", 1.0, "a float in the range [0.0, 1.0)", "Got 1.0 instead"),
    ("beta_2", "0.9", "a float in the range [0.0, 1.0)", "Got '0.9' instead"),
    ("beta_2", 1.0, "a float in the range [0.0, 1.0)", "Got 1.0 instead"),
    ("epsilon", "1e-8", "a finite float in the range (0.0, inf)", "Got '1e-8' instead"),
    ("epsilon", 0.0, "a finite float in the range (0.0, inf)", "Got 0.0 instead"),
    ("amsgrad", "yes", "an instance of 'bool'", "Got 'yes' instead."),
    ("decoupled_decay", "0.1", "None or a finite float in the range [0.0, inf)",
     "Got '0.1' instead."),
    ("decoupled_decay", -1.0, "None or a finite float in the range [0.0, inf)",
     "Got -1.0 instead."),
    ("rmsprop_momentum", "0.1", "a float in the range [0.0, 1.0)", "Got '0.1' instead."),
    ("rmsprop_momentum", 1.0, "a float in the range [0.0, 1.0)", "Got 1.0 instead."),
    ("centered", "yes", "an instance of 'bool'", "Got 'yes' instead."),
    ("momentum_decay", "0.1", "None or a finite float in the range [0.0, inf)",
     "Got '0.1' instead."),
    ("momentum_decay", -1.0, "None or a finite float in the range [0.0, inf)",
     "Got -1.0 instead."),
    ("n_iter_no_change", "5", "an int in the range [1, inf) or a float among {inf}",
     "Got '5' instead"),
    ("n_iter_no_change", 0, "an int in the range [1, inf) or a float among {inf}", "Got 0 instead"),
    ("max_fun", "5", "an int in the range [1, inf)", "Got '5' instead"),
    ("max_fun", 0, "an int in the range [1, inf)", "Got 0 instead"),
    ("dropout", "0.1", "a float in the range [0.0, 1.0) or a list", "Got '0.1' instead."),
    ("dropout", 1.0, "a float in the range [0.0, 1.0) or a list", "Got 1.0 instead."),
    ("batch_norm", "yes", "an instance of 'bool' or an instance of 'numpy.bool'",
     "Got 'yes' instead"),
    ("init", 3, "an initializer name", "got 3 (int)"),
    ("init", "nope", "valid names are", "unknown initializer 'nope'"),
    ("bias_init", 3, "a str among {'uniform', 'zeros'}", "Got 3 instead."),
    ("bias_init", "nope", "a str among {'uniform', 'zeros'}", "Got 'nope' instead."),
    ("schedule", 3, "a str among the schedules' names, a dict or a Schedule",
     "Got 3 instead."),
    ("schedule", "nope", "valid names are", "unknown schedule 'nope'"),
    ("clip_norm", "1", "None or a finite float in the range (0.0, inf)",
     "Got '1' instead."),
    ("clip_norm", 0.0, "None or a finite float in the range (0.0, inf)",
     "Got 0.0 instead."),
    ("ema", "0.9", "None or a float in the range (0.0, 1.0)", "Got '0.9' instead."),
    ("ema", 1.0, "None or a float in the range (0.0, 1.0)", "Got 1.0 instead."),
    ("max_time", "1", "None or a finite float in the range (0.0, inf)",
     "Got '1' instead."),
    ("max_time", 0.0, "None or a finite float in the range (0.0, inf)",
     "Got 0.0 instead."),
    ("dtype", 3, "a str among {'float32', 'float64'}", "Got 3 instead."),
    ("dtype", "int32", "a str among {'float32', 'float64'}", "Got 'int32' instead."),
    ("layers", 3, "a list of layer dicts", "Got 3 instead."),
    ("layers", [3], "a list of layer dicts", "Got [3] instead. (layers[0] is 3 (int))"),
    ("input_shape", "3", "three ints in the range [1, inf)", "Got '3' instead."),
    ("input_shape", (0, 1, 1), "three ints in the range [1, inf)", "Got (0, 1, 1) instead."),
    ("class_weight", 3, "a str among {'balanced'}, an instance of 'dict' or None",
     "Got 3 instead."),
    ("class_weight", "nope", "a str among {'balanced'}, an instance of 'dict' or None",
     "Got 'nope' instead."),
    ("label_smoothing", "0.1", "a float in the range [0.0, 1.0)", "Got '0.1' instead."),
    ("label_smoothing", 1.5, "a float in the range [0.0, 1.0)", "Got 1.5 instead."),
    ("loss", 3, "a str among {'absolute_error', 'huber', 'poisson', 'squared_error'}",
     "Got 3 instead"),
    ("loss", "nope",
     "a str among {'absolute_error', 'huber', 'poisson', 'squared_error'}",
     "Got 'nope' instead"),
    ("huber_delta", "1", "a finite float in the range (0.0, inf)", "Got '1' instead."),
    ("huber_delta", 0.0, "a finite float in the range (0.0, inf)", "Got 0.0 instead."),
]
_REGRESSOR_ONLY = ("loss", "huber_delta")
_CLASSIFIER_ONLY = ("class_weight", "label_smoothing")

X = np.random.default_rng(0).normal(size=(12, 3))
Y = {"classifier": np.arange(12) % 2, "regressor": np.linspace(-1, 1, 12)}


def _estimators(name: str) -> list[tuple[type, type, str]]:
    both = [(MLPClassifier, sk.MLPClassifier, "classifier"),
            (MLPRegressor, sk.MLPRegressor, "regressor")]
    if name in _REGRESSOR_ONLY:
        return both[1:]
    if name in _CLASSIFIER_ONLY:
        return both[:1]
    return both


def test_every_parameter_of_both_estimators_is_in_the_table():
    names = {case[0] for case in CASES}
    for cls in (MLPClassifier, MLPRegressor):
        missing = set(cls().get_params()) - names
        assert not missing, f"{cls.__name__}: no case for {sorted(missing)}"


@pytest.mark.parametrize(("name", "value", "expected", "given"), CASES,
                         ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_a_refused_parameter_is_an_invalid_parameter_that_says_what_and_why(
        name, value, expected, given):
    for ours, theirs, task in _estimators(name):
        kw = {"max_iter": 1, name: value}
        with pytest.raises(InvalidParameter) as info:
            ours(**kw).fit(X, Y[task])
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
        message = str(info.value)
        assert name in message, message
        assert expected in message, message
        assert given in message, message
        if name in theirs._parameter_constraints:  # the same refusal in scikit-learn
            with pytest.raises(InvalidParameterError):
                theirs(**kw).fit(X, Y[task])
