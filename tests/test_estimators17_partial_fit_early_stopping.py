"""``partial_fit`` with ``early_stopping=True``, against scikit-learn 1.9's own behaviour:
its ``_fit_stochastic`` raises ``ValueError("partial_fit does not support
early_stopping=True")`` (early stopping needs the held-out rows of one whole data set,
which a stream of batches does not have).  chainrule refuses it the same way, with the
same exception type and a message naming the setting, before anything changes: a fitted
estimator keeps its weights, record and optimizer state (the next ``partial_fit`` with
``early_stopping=False`` is the one it would have been), and an unfitted one stays
unfitted (scikit-learn's is left with freshly drawn ``coefs_``, an empty
``loss_curve_``)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.preprocessing import StandardScaler

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

# scikit-learn's words, which chainrule's message starts with
MESSAGE = "partial_fit does not support early_stopping=True"


def _data(kind: str):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if kind == "regressor":
        return X[:, :3], X[:, 3]
    return X, y


def _call(est, X, y, first: bool):
    if isinstance(est, (MLPClassifier, SkClassifier)) and first:
        return est.partial_fit(X, y, classes=np.unique(y))
    return est.partial_fit(X, y)


def _pairs(kind: str, **kw):
    ours, theirs = ((MLPClassifier, SkClassifier) if kind == "classifier"
                    else (MLPRegressor, SkRegressor))
    return theirs(hidden_layer_sizes=(5,), random_state=0, **kw), ours(
        hidden_layer_sizes=(5,), random_state=0, **kw)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_first_partial_fit_with_early_stopping_is_refused_as_scikit_learn_refuses_it(
        kind, solver):
    X, y = _data(kind)
    theirs, ours = _pairs(kind, solver=solver, early_stopping=True)
    with pytest.raises(ValueError, match=MESSAGE) as sk_err:
        _call(theirs, X, y, first=True)
    with pytest.raises(ValueError, match=MESSAGE) as cr_err:
        _call(ours, X, y, first=True)
    assert type(cr_err.value) is type(sk_err.value) is ValueError
    # chainrule's says what to do instead
    assert "set early_stopping=False, or train with fit" in str(cr_err.value)
    assert "validation_fraction=0.1" in str(cr_err.value)
    # scikit-learn has drawn its weights before refusing (coefs_, an empty loss_curve_);
    # chainrule's estimator is left unfitted
    assert hasattr(theirs, "coefs_") and theirs.loss_curve_ == [] and theirs.n_iter_ == 0
    assert not hasattr(ours, "network_") and not hasattr(ours, "n_features_in_")
    with pytest.raises(NotFittedError):
        ours.predict(X)
    # and nothing of the refused call is left behind: the next call is a first call
    ours.set_params(early_stopping=False)
    fresh = copy.deepcopy(ours)
    _call(ours, X, y, first=True)
    _call(fresh, X, y, first=True)
    np.testing.assert_array_equal(ours.network_.params, fresh.network_.params)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_fitted_estimator_is_left_as_it_was(kind, solver):
    """Two partial_fit calls, then early_stopping=True: refused by both libraries, each
    estimator's weights, loss_curve_, n_iter_, t_ and best_loss_ unchanged; chainrule's
    next partial_fit (early_stopping=False again) is bit for bit that of a copy taken
    before the refusal (the optimizer's moments, the generator, the rate untouched)."""
    X, y = _data(kind)
    theirs, ours = _pairs(kind, solver=solver, learning_rate_init=0.01)
    for est in (theirs, ours):
        _call(est, X, y, first=True)
        _call(est, X, y, first=False)
    twin = copy.deepcopy(ours)
    for est in (theirs, ours):
        record = ([c.copy() for c in est.coefs_], list(est.loss_curve_), est.n_iter_,
                  est.t_, est.best_loss_)
        est.set_params(early_stopping=True)
        with pytest.raises(ValueError, match=MESSAGE):
            _call(est, X, y, first=False)
        for a, b in zip(est.coefs_, record[0], strict=True):
            np.testing.assert_array_equal(a, b)
        assert (list(est.loss_curve_), est.n_iter_, est.t_, est.best_loss_) == record[1:]
        est.set_params(early_stopping=False)
    _call(ours, X, y, first=False)
    _call(twin, X, y, first=False)
    np.testing.assert_array_equal(ours.network_.params, twin.network_.params)
    assert ours.loss_curve_ == twin.loss_curve_ and ours.t_ == twin.t_ == 3 * len(X)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_fit_with_early_stopping_still_stops_early(kind):
    """The refusal is partial_fit's alone: fit holds out its validation rows and records
    validation_scores_ (best_loss_ None), in both libraries."""
    X, y = _data(kind)
    theirs, ours = _pairs(kind, early_stopping=True, max_iter=5)
    for est in (theirs, ours):
        with pytest.warns(Warning):  # ConvergenceWarning: 5 epochs
            est.fit(X, y)
        assert est.best_loss_ is None and len(est.validation_scores_) == est.n_iter_ == 5
