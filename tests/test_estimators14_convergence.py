"""Convergence and early stopping side by side with scikit-learn 1.9's MLPs, from the same
initial weights (scikit-learn's draws, recorded as it draws them, with zero biases) and
the same rows (shuffle=False), on what the other tests leave out: for "sgd" and "adam",
with and without early stopping, the epoch the run stops at, ``t_``, ``loss_curve_``,
``best_loss_`` (None with early stopping), ``validation_scores_`` and
``best_validation_score_``; whether the ConvergenceWarning fires (not when the run stops
on the tolerance in its last allowed epoch); what warm starts with early stopping count
and keep; and "lbfgs" stopped by ``max_iter`` or ``max_fun``.  Reference: scikit-learn's
own estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_twins import iris_and_diabetes, record_draws, twin_pair

SETTINGS = dict(hidden_layer_sizes=(6,), activation="tanh", shuffle=False, batch_size=32,
                n_iter_no_change=3, tol=1e-2, learning_rate_init=0.03, random_state=0,
                validation_fraction=0.2)


@pytest.fixture(scope="module")
def datasets():
    return iris_and_diabetes()


@pytest.fixture
def drawn(monkeypatch):
    """scikit-learn's initial weights, recorded as it draws them, and zero biases (chainrule's
    bias_init="zeros"): chainrule's ``init`` reads them."""
    return record_draws(monkeypatch)


def _pair(task: str, drawn: dict, **kw):
    return twin_pair(task, drawn, SETTINGS, **kw)


def _fit(est, X, y) -> list[str]:
    """Fit; the messages of the ConvergenceWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


def _record(est) -> dict:
    scores = est.validation_scores_
    return {"n_iter_": est.n_iter_, "t_": est.t_, "epochs": len(est.loss_curve_),
            "best_loss_ is None": est.best_loss_ is None,
            "scores": None if scores is None else len(scores),
            "best score is None": est.best_validation_score_ is None}


@pytest.mark.parametrize("task", ["classifier", "regressor"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_the_stop_and_its_record_are_scikit_learns(datasets, drawn, task, solver,
                                                    early_stopping):
    """The run stops on the tolerance at scikit-learn's epoch; then again with max_iter
    that epoch (no warning: it stopped on the tolerance, as scikit-learn's does) and one
    epoch fewer (the warning, scikit-learn's words)."""
    X, y = datasets[task]
    theirs, ours = _pair(task, drawn, solver=solver, early_stopping=early_stopping,
                         max_iter=300)
    assert _fit(theirs, X, y) == _fit(ours, X, y) == []
    assert 5 < theirs.n_iter_ < 300  # the case: a stop on the tolerance
    assert _record(ours) == _record(theirs)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    if early_stopping:
        assert ours.best_loss_ is None is theirs.best_loss_
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_,
                                   rtol=1e-9)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_,
                                                            rel=1e-9)
        assert ours.best_validation_score_ == max(ours.validation_scores_)
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)
        assert ours.best_loss_ == pytest.approx(min(theirs.loss_curve_), rel=1e-9)
    stop = theirs.n_iter_
    for max_iter in (stop, stop - 1):
        theirs, ours = _pair(task, drawn, solver=solver, early_stopping=early_stopping,
                             max_iter=max_iter)
        said = _fit(theirs, X, y)
        assert _fit(ours, X, y) == said
        assert said == ([] if max_iter == stop else [
            f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached and the "
            "optimization hasn't converged yet."])
        assert _record(ours) == _record(theirs)


@pytest.mark.parametrize("task", ["classifier", "regressor"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_warm_starts_with_early_stopping_count_as_scikit_learns(datasets, drawn, task, solver):
    """Each warm-start fit splits again and goes on with the count of epochs without
    improvement: it stops after one epoch; n_iter_ is that fit's, t_, loss_curve_ and
    validation_scores_ go on, best_validation_score_ is kept over the fits, as in
    scikit-learn.  (The parameters it ends with are the best ones, where scikit-learn's
    are the last ones by accident: tests/test_estimators.py.)"""
    X, y = datasets[task]
    theirs, ours = _pair(task, drawn, solver=solver, early_stopping=True, warm_start=True,
                         max_iter=300)
    for _ in range(3):
        assert _fit(theirs, X, y) == _fit(ours, X, y) == []
        assert _record(ours) == _record(theirs)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_,
                                                            rel=1e-9)
    assert theirs.n_iter_ == 1
    # the first warm-start epoch starts from the same (best) parameters: the same score
    # until the last fit, which starts from other parameters
    np.testing.assert_allclose(ours.validation_scores_[:-1], theirs.validation_scores_[:-1],
                               rtol=1e-9)


@pytest.mark.parametrize("task", ["classifier", "regressor"])
@pytest.mark.parametrize("limit", [{"max_iter": 5}, {"max_fun": 7}])
def test_lbfgs_stopped_by_its_limits_is_scikit_learns(datasets, drawn, task, limit):
    """lbfgs stopped by max_iter or by max_fun (the cost's evaluations): scikit-learn's
    iterations and loss, and a ConvergenceWarning in both, which starts with
    scikit-learn's words; early_stopping is ignored by both."""
    X, y = datasets[task]
    theirs, ours = _pair(task, drawn, solver="lbfgs", early_stopping=True, tol=1e-4,
                         **{"max_iter": 300, **limit})
    said, ours_said = _fit(theirs, X, y), _fit(ours, X, y)
    assert len(said) == len(ours_said) == 1
    start = f"lbfgs failed to converge after {theirs.n_iter_} iteration(s)"
    assert said[0].startswith(start) and ours_said[0].startswith(start)
    assert ours.n_iter_ == theirs.n_iter_
    if "max_fun" in limit:
        assert theirs.n_iter_ < 300
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    assert ours.validation_scores_ is None and not hasattr(theirs, "validation_scores_")
