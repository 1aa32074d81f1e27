"""MLPClassifier / MLPRegressor warn where scikit-learn's MLP warns about its parameters,
and say why a run stopped where its verbose output says it, checked against the installed
scikit-learn's MLP on the same data and settings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)


def _batch_warnings(est, X, y, how: str) -> list[str]:
    """The messages of the UserWarnings (not ConvergenceWarnings) that ``how`` gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if how == "fit":
            est.fit(X, y)
        else:
            kw = {"classes": np.unique(y)} if isinstance(est, SkMLPClassifier | MLPClassifier) \
                else {}
            est.partial_fit(X, y, **kw)
    return [str(w.message) for w in caught
            if issubclass(w.category, UserWarning)
            and not issubclass(w.category, ConvergenceWarning)]


# (batch_size, early_stopping, solver, how): partial_fit has neither early stopping nor
# lbfgs, in either library
_CASES = [
    (500, False, "sgd", "fit"),  # more than the 150 rows
    (500, False, "sgd", "partial_fit"),
    (151, False, "adam", "fit"),
    (151, False, "adam", "partial_fit"),
    (150, False, "sgd", "fit"),  # all of them: no clipping
    (150, False, "sgd", "partial_fit"),
    (140, True, "adam", "fit"),  # more than the 135 rows the validation split leaves
    (135, True, "sgd", "fit"),  # exactly those
    (500, False, "lbfgs", "fit"),  # no mini-batches: batch_size unused
]


@pytest.mark.parametrize(("batch_size", "early_stopping", "solver", "how"), _CASES)
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_batch_size_beyond_the_training_rows_is_warned_as_scikit_learn_warns(
        kind, batch_size, early_stopping, solver, how):
    """scikit-learn's MLP warns that a batch_size above the training rows (those left by
    early stopping's split) "is going to be clipped"; chainrule clipped it silently.  Now
    it warns where scikit-learn does, naming batch_size, the rows and the clipped size."""
    X, y = load_iris(return_X_y=True)
    if kind == "regressor":
        X, y = X[:, :3], X[:, 3]
    ours, theirs = ((MLPClassifier, SkMLPClassifier) if kind == "classifier"
                    else (MLPRegressor, SkMLPRegressor))
    kw = dict(hidden_layer_sizes=(4,), solver=solver, batch_size=batch_size,
              early_stopping=early_stopping, max_iter=2, random_state=0)
    expected = _batch_warnings(theirs(**kw), X, y, how)
    got = _batch_warnings(ours(**kw), X, y, how)
    assert len(got) == len(expected) <= 1
    if expected:
        assert "batch_size" in expected[0] and "clipped" in expected[0]
        rows = 135 if early_stopping else 150
        assert got[0].startswith(f"batch_size={batch_size} is larger than the {rows} ")
        assert f"clipped to {rows}" in got[0]


def test_a_batch_size_of_more_digits_than_repr_shows_is_named_by_its_size():
    """The warning names a batch_size past 4300 digits by its size (repr() of it fails)."""
    X, y = load_iris(return_X_y=True)
    with pytest.warns(UserWarning, match=r"batch_size=an int of about 10\^5000 is larger"):
        MLPClassifier(hidden_layer_sizes=(3,), batch_size=10**5000, max_iter=1,
                      random_state=0).partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize(("solver", "learning_rate", "early_stopping"), [
    ("adam", "constant", False),
    ("sgd", "invscaling", False),
    ("sgd", "adaptive", False),  # the rate divided by 5 down to 1e-6, then the stop
    ("adam", "constant", True),  # the validation score's rule
])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_verbose_says_why_the_run_stopped_as_scikit_learn_does(
        capsys, kind, solver, learning_rate, early_stopping):
    """With verbose, scikit-learn's MLP prints why tol and n_iter_no_change stopped the
    run ("Training loss did not improve more than tol=10.000000 for 2 consecutive epochs.
    Stopping."); chainrule's printed its epoch lines and stopped without a word.  With
    tol=10 no epoch after the first counts as an improvement, so both stop at the same
    epoch whatever their weights; the line is scikit-learn's (tol written as given)."""
    X, y = load_iris(return_X_y=True)
    if kind == "regressor":
        X, y = X[:, :3], X[:, 3]
    ours, theirs = ((MLPClassifier, SkMLPClassifier) if kind == "classifier"
                    else (MLPRegressor, SkMLPRegressor))
    kw = dict(hidden_layer_sizes=(4,), solver=solver, learning_rate=learning_rate,
              early_stopping=early_stopping, tol=10.0, n_iter_no_change=2, max_iter=100,
              random_state=0, verbose=True)
    a = theirs(**kw).fit(X, y)
    said = capsys.readouterr().out.splitlines()
    b = ours(**kw).fit(X, y)
    got = capsys.readouterr().err.splitlines()
    assert a.n_iter_ == b.n_iter_ < 100
    expected = [line.replace("tol=10.000000", "tol=10") for line in said
                if "did not improve" in line]  # an "adaptive" rate's falls too
    assert len([line for line in expected if line.endswith("Stopping.")]) == 1
    assert [line for line in got if "did not improve" in line] == expected
    assert got[-1] == expected[-1]  # after the last epoch's line
