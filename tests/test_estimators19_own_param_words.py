"""chainrule's own parameters (those scikit-learn's MLP lacks: get_params() minus
scikit-learn 1.9's) are refused in the words and class of the shared ones, scikit-learn's
InvalidParameterError: "The 'dropout' parameter of MLPClassifier must be ... Got 1.5
instead.", the detail (a list's item, the unknown name's list) after it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils._param_validation import InvalidParameterError

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

X = np.random.RandomState(0).uniform(size=(20, 3))
Y = {MLPClassifier: np.arange(20) % 2, MLPRegressor: X.sum(axis=1)}

# (estimator, parameter, a refused value, other parameters it needs to be read)
CASES = [
    (MLPClassifier, "amsgrad", "yes", {"solver": "adam"}),
    (MLPClassifier, "centered", 1, {"solver": "rmsprop"}),
    (MLPClassifier, "bias_init", "ones", {}),
    (MLPClassifier, "decoupled_decay", "x", {"solver": "adamw"}),
    (MLPClassifier, "momentum_decay", -1.0, {"solver": "nadam"}),
    (MLPClassifier, "rmsprop_momentum", 1.5, {"solver": "rmsprop"}),
    (MLPRegressor, "batch_norm", "yes", {}),
    (MLPClassifier, "clip_norm", -1.0, {}),
    (MLPRegressor, "clip_norm", 0, {}),
    (MLPRegressor, "max_time", -1, {}),
    (MLPClassifier, "label_smoothing", 1.5, {}),
    (MLPRegressor, "huber_delta", -1.0, {"loss": "huber"}),
    (MLPClassifier, "dtype", "float16", {}),
    (MLPClassifier, "ema", 2.0, {}),
    (MLPClassifier, "init", "nope", {}),
    (MLPClassifier, "input_shape", (1, 2), {}),
]


def test_the_cases_are_parameters_scikit_learns_mlp_lacks():
    """Each parameter of CASES is chainrule's own (get_params() minus scikit-learn's)."""
    for ours, theirs in ((MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)):
        own = set(ours().get_params()) - set(theirs().get_params())
        assert {name for cls, name, _, _ in CASES if cls is ours} <= own


@pytest.mark.parametrize(("cls", "name", "value", "other"), CASES)
def test_own_parameters_in_scikit_learns_words(cls, name, value, other):
    with pytest.raises(InvalidParameterError) as info:
        cls(max_iter=1, **other, **{name: value}).fit(X, Y[cls])
    text = str(info.value)
    opening = f"The {name!r} parameter of {cls.__name__} must be "
    assert text.startswith(opening), text
    assert f" Got {value!r} instead." in text, text
    assert isinstance(info.value, (ValueError, TypeError))


@pytest.mark.parametrize("name", ["amsgrad", "centered"])
def test_bool_words_are_scikit_learns(name):
    """The words of a bool are scikit-learn's own, as its MLP refuses shuffle="yes"."""
    with pytest.raises(InvalidParameterError) as theirs:
        SkClassifier(shuffle="yes").fit(X, Y[MLPClassifier])
    solver = "adam" if name == "amsgrad" else "rmsprop"
    with pytest.raises(InvalidParameterError) as ours:
        MLPClassifier(solver=solver, **{name: "yes"}).fit(X, Y[MLPClassifier])
    assert str(ours.value) == str(theirs.value).replace("'shuffle'", repr(name))
