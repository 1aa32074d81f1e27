"""A parameter of the wrong type or value raises scikit-learn's ``InvalidParameterError``
(chainrule's ``InvalidParameter`` subclasses it) in scikit-learn's words, side by side with
scikit-learn 1.9's MLPClassifier / MLPRegressor.

scikit-learn's estimator check ``check_param_validation`` is not among those
``check_estimator`` runs (scikit-learn runs it on its own estimators only, and it reads a
``_parameter_constraints`` dict that chainrule's estimators, checked by hand, have not):
here it runs with scikit-learn's MLP's constraints for the parameters both have and
"no_validation" for chainrule's own, on a copy given that dict.  It sets each parameter to
an object of no valid type, then to a value just outside each constraint, and expects
``InvalidParameterError`` matching "The '<name>' parameter of <class> must be .* Got .*
instead." from ``fit`` and ``partial_fit``."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation

from chainrule import MLPClassifier, MLPRegressor
from chainrule._validation import InvalidParameter, InvalidRandomState
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

PAIRS = [(MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)]
X = np.random.RandomState(0).uniform(size=(20, 5))
Y = {MLPClassifier: np.arange(20) % 2, MLPRegressor: np.linspace(0.0, 1.0, 20)}


def test_invalid_parameter_is_scikit_learns_class():
    """InvalidParameter (and InvalidRandomState) subclass InvalidParameterError, and stay
    a ValueError and a TypeError; a pickled one comes back as itself."""
    assert issubclass(InvalidParameter, InvalidParameterError)
    assert issubclass(InvalidRandomState, InvalidParameter)
    assert issubclass(InvalidParameter, ValueError) and issubclass(InvalidParameter, TypeError)
    back = pickle.loads(pickle.dumps(InvalidRandomState("random_state: -1")))
    assert type(back) is InvalidRandomState and str(back) == "random_state: -1"


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_scikit_learns_param_validation_check(ours, theirs):
    """check_param_validation passes with scikit-learn's constraints (those both share)."""
    est = ours()
    est._parameter_constraints = {name: theirs._parameter_constraints.get(name,
                                                                          "no_validation")
                                  for name in est.get_params(deep=False)}
    shared = [k for k, v in est._parameter_constraints.items() if v != "no_validation"]
    assert len(shared) >= 23  # every parameter of scikit-learn's MLP
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_param_validation(ours.__name__, est)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
@pytest.mark.parametrize(("name", "value"), [
    ("alpha", -1.0), ("max_iter", 0), ("batch_size", 0), ("validation_fraction", 1.0),
    ("beta_1", 1.0), ("n_iter_no_change", 0), ("learning_rate_init", 0.0),
    ("activation", "nope"), ("solver", "nope"), ("learning_rate", "nope"),
    ("shuffle", "yes"), ("verbose", -1), ("random_state", -1), ("hidden_layer_sizes", 0),
    ("momentum", 1.5), ("tol", -1.0), ("max_fun", 0), ("epsilon", -1.0), ("power_t", -1.0),
])
def test_same_class_and_words_as_scikit_learn(ours, theirs, name, value):
    """Each refused value raises InvalidParameterError in both, with the same opening and
    the same "Got ... instead." (the constraint's words may differ where the constraint
    does: chainrule's solvers and activations, finite numbers)."""
    raised = []
    for cls in (theirs, ours):
        with pytest.raises(InvalidParameterError) as info:
            cls(**{name: value}).fit(X, Y[ours])
        raised.append(str(info.value))
    opening = f"The {name!r} parameter of {ours.__name__} must be "
    assert raised[0].startswith(opening) and raised[1].startswith(opening)
    got = f" Got {value!r} instead."
    assert got in raised[0] and got in raised[1]
    if name in ("alpha", "max_iter", "batch_size", "validation_fraction", "beta_1",
                "n_iter_no_change", "learning_rate", "shuffle", "verbose", "max_fun"):
        # the same words (chainrule's floats are finite; a set's order is its hashing's)
        assert _words(raised[1]) == _words(raised[0].replace("a float", "a finite float")) \
            or _words(raised[1]) == _words(raised[0])


def _words(message: str) -> str:
    """``message`` with the items of each "{...}" sorted."""
    return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m[1].split(", "))) + "}",
                  message)


def test_regressor_loss_and_partial_fit_order():
    """MLPRegressor's loss in scikit-learn's words; a first partial_fit without classes
    names a bad parameter first, as scikit-learn's checks its parameters first."""
    for cls in (SkRegressor, MLPRegressor):
        with pytest.raises(InvalidParameterError, match=r"^The 'loss' parameter of "
                           r"MLPRegressor must be a str among \{.*'poisson'.*\}\. Got 'x' "
                           r"instead\.$"):
            cls(loss="x").fit(X, Y[MLPRegressor])
    for cls in (SkClassifier, MLPClassifier):
        with pytest.raises(InvalidParameterError, match="The 'alpha' parameter"):
            cls(alpha=-1.0).partial_fit(X, Y[MLPClassifier])
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, Y[MLPClassifier])  # good parameters: the classes
