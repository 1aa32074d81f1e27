"""Every parameter of MLPClassifier and MLPRegressor refused for its type or range at fit
raises one kind of error, chainrule's InvalidParameter (a ValueError and a TypeError, as
scikit-learn's InvalidParameterError), with a message that names the parameter, what it
takes and what it got.  Before, ``amsgrad="yes"`` raised that kind and
``decoupled_decay="0.1"`` a plain ValueError, ``hidden_layer_sizes="5"`` a plain
TypeError.  Reference: scikit-learn's own MLPs refuse the same values of the parameters
they share with InvalidParameterError (its ``_parameter_constraints``)."""

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
    ("hidden_layer_sizes", "5", "an int or a sequence of ints", "got '5' (str)"),
    ("hidden_layer_sizes", 0, "positive ints", "got 0 (int)"),
    ("activation", 3, "a name (str) or an Activation", "got 3 (int)"),
    ("activation", "nope", "valid names are", "unknown activation 'nope'"),
    ("solver", 3, "must be one of", "got 3"),
    ("solver", "nope", "must be one of", "got 'nope'"),
    ("alpha", "0.1", "a finite number >= 0", "got '0.1'"),
    ("alpha", -1.0, "a finite number >= 0", "got -1.0"),
    ("batch_size", "big", "'auto' or a positive int", "got 'big'"),
    ("batch_size", 0, "'auto' or a positive int", "got 0"),
    ("learning_rate", 3, "'constant', 'invscaling' or 'adaptive'", "got 3"),
    ("learning_rate", "nope", "'constant', 'invscaling' or 'adaptive'", "got 'nope'"),
    ("learning_rate_init", "0.1", "a finite number > 0", "got '0.1'"),
    ("learning_rate_init", 0.0, "a finite number > 0", "got 0.0"),
    ("power_t", "0.5", "a finite number >= 0", "got '0.5'"),
    ("power_t", -1.0, "a finite number >= 0", "got -1.0"),
    ("max_iter", "5", "a positive int", "got '5'"),
    ("max_iter", 0, "a positive int", "got 0"),
    ("shuffle", "yes", "True or False", "got 'yes'"),
    ("random_state", "1", "an int in [0, 2**32 - 1]", "got '1'"),
    ("random_state", -1, "an int in [0, 2**32 - 1]", "got -1"),
    ("tol", "0.1", "a finite number >= 0", "got '0.1'"),
    ("tol", -1.0, "a finite number >= 0", "got -1.0"),
    ("verbose", "yes", "an int >= 0", "got 'yes'"),
    ("verbose", -1, "an int >= 0", "got -1"),
    ("warm_start", "yes", "True or False", "got 'yes'"),
    ("momentum", "0.9", "in [0, 1)", "got '0.9'"),
    ("momentum", 1.5, "in [0, 1)", "got 1.5"),
    ("nesterovs_momentum", "yes", "True or False", "got 'yes'"),
    ("early_stopping", "yes", "True or False", "got 'yes'"),
    ("validation_fraction", "0.1", "in [0, 1)", "got '0.1'"),
    ("validation_fraction", 1.0, "in [0, 1)", "got 1.0"),
    ("beta_1", "0.9", "in [0, 1)", "got '0.9'"),
    ("beta_1", 1.0, "in [0, 1)", "got 1.0"),
    ("beta_2", "0.9", "in [0, 1)", "got '0.9'"),
    ("beta_2", 1.0, "in [0, 1)", "got 1.0"),
    ("epsilon", "1e-8", "a finite number > 0", "got '1e-8'"),
    ("epsilon", 0.0, "a finite number > 0", "got 0.0"),
    ("amsgrad", "yes", "True or False", "got 'yes'"),
    ("decoupled_decay", "0.1", "None or a finite number >= 0", "got '0.1'"),
    ("decoupled_decay", -1.0, "None or a finite number >= 0", "got -1.0"),
    ("rmsprop_momentum", "0.1", "in [0, 1)", "got '0.1'"),
    ("rmsprop_momentum", 1.0, "in [0, 1)", "got 1.0"),
    ("centered", "yes", "True or False", "got 'yes'"),
    ("momentum_decay", "0.1", "None or a finite number >= 0", "got '0.1'"),
    ("momentum_decay", -1.0, "None or a finite number >= 0", "got -1.0"),
    ("n_iter_no_change", "5", "a positive int or inf", "got '5'"),
    ("n_iter_no_change", 0, "a positive int or inf", "got 0"),
    ("max_fun", "5", "a positive int", "got '5'"),
    ("max_fun", 0, "a positive int", "got 0"),
    ("dropout", "0.1", "a rate in [0, 1)", "got '0.1'"),
    ("dropout", 1.0, "a rate in [0, 1)", "got 1.0"),
    ("batch_norm", "yes", "True or False", "got 'yes'"),
    ("init", 3, "an initializer name", "got 3 (int)"),
    ("init", "nope", "valid names are", "unknown initializer 'nope'"),
    ("bias_init", 3, "one of ('uniform', 'zeros')", "got 3"),
    ("bias_init", "nope", "one of ('uniform', 'zeros')", "got 'nope'"),
    ("schedule", 3, "a name, a dict or a Schedule", "got 3 (int)"),
    ("schedule", "nope", "valid names are", "unknown schedule 'nope'"),
    ("clip_norm", "1", "None or a finite number > 0", "got '1'"),
    ("clip_norm", 0.0, "None or a finite number > 0", "got 0.0"),
    ("ema", "0.9", "a float in (0, 1)", "got '0.9'"),
    ("ema", 1.0, "a float in (0, 1)", "got 1.0"),
    ("max_time", "1", "None or a finite number of seconds > 0", "got '1'"),
    ("max_time", 0.0, "None or a finite number of seconds > 0", "got 0.0"),
    ("dtype", 3, "'float32', 'float64' or None", "got 3"),
    ("dtype", "int32", "'float32', 'float64' or None", "got 'int32'"),
    ("layers", 3, "a list of layer dicts", "got 3 (int)"),
    ("layers", [3], "a dict like", "got 3 (int)"),
    ("input_shape", "3", "three positive ints", "got '3'"),
    ("input_shape", (0, 1, 1), "three positive ints", "got (0, 1, 1)"),
    ("class_weight", 3, "None, 'balanced' or a dict", "got 3 (int)"),
    ("class_weight", "nope", "None, 'balanced' or a dict", "got the string 'nope'"),
    ("label_smoothing", "0.1", "a number in [0, 1)", "got '0.1'"),
    ("label_smoothing", 1.5, "a number in [0, 1)", "got 1.5"),
    ("loss", 3, "one of ['absolute_error', 'huber', 'poisson', 'squared_error']", "got 3"),
    ("loss", "nope", "one of ['absolute_error', 'huber', 'poisson', 'squared_error']",
     "got 'nope'"),
    ("huber_delta", "1", "a finite number > 0", "got '1'"),
    ("huber_delta", 0.0, "a finite number > 0", "got 0.0"),
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
