"""Switching ``early_stopping`` between warm starts (and before ``partial_fit``): the
stopping rule and its record start anew, as a fresh fit with the new setting starts them
(scikit-learn 1.9 raises a TypeError or an AttributeError there).  Reference:
scikit-learn's own estimators from the same initial weights (recorded as it draws them,
zero biases; the rows in order, shuffle=False), whose record is set before the switched
fit to what its ``_initialize`` gives a fresh fit with the new setting."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule.estimators import MLPClassifier, load_estimator
from sklearn_twins import iris_and_diabetes, record_draws, twin_pair

SETTINGS = dict(hidden_layer_sizes=(6,), activation="tanh", shuffle=False, batch_size=32,
                n_iter_no_change=3, tol=1e-2, learning_rate_init=0.03, random_state=0,
                validation_fraction=0.2, warm_start=True, max_iter=300)


@pytest.fixture(scope="module")
def datasets():
    return iris_and_diabetes()


@pytest.fixture
def drawn(monkeypatch):
    """scikit-learn's initial weights as it draws them, and zero biases (chainrule's
    ``init`` and bias_init="zeros" take them)."""
    return record_draws(monkeypatch)


def _pair(task: str, drawn: dict, **kw):
    return twin_pair(task, drawn, SETTINGS, **kw)


def _fresh_record(theirs, early_stopping: bool) -> None:
    """What scikit-learn's ``_initialize`` sets for a fresh fit with ``early_stopping``
    (its stopping rule's record), on a fitted estimator whose network is kept."""
    theirs._no_improvement_count = 0
    if early_stopping:
        theirs.validation_scores_, theirs.best_validation_score_ = [], -np.inf
        theirs.best_loss_ = None
    else:
        theirs.validation_scores_ = theirs.best_validation_score_ = None
        theirs.best_loss_ = np.inf


def _quiet(method, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return method(*args, **kw)


def _same_record(ours, theirs) -> None:
    assert (ours.n_iter_, ours.t_) == (theirs.n_iter_, theirs.t_)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-8)
    if theirs.validation_scores_ is None:
        assert ours.validation_scores_ is None and ours.best_validation_score_ is None
        assert theirs.best_validation_score_ is None
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-8)
    else:
        assert ours.best_loss_ is None is theirs.best_loss_
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_,
                                   rtol=1e-8)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_,
                                                            rel=1e-8)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("task", ["classifier", "regressor"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("settings", [(True, False, False, True),
                                      (False, True, False, False, True)],
                         ids=["on-off-off-on", "off-on-off-off-on"])
def test_a_warm_start_that_switches_early_stopping_starts_its_record_anew(
        datasets, drawn, task, solver, settings):
    """Warm starts with ``early_stopping`` as in ``settings``.  Switched off: no validation
    record (None, as a fit without early stopping leaves), ``best_loss_`` the best loss of
    this fit; switched on: the scores of this fit's split only, ``best_loss_`` None, and
    the parameters restored are the best of this fit (not of a fit before the switch);
    each stops at the epoch where a fresh fit's rule would, ``n_iter_`` that fit's and
    ``t_`` and ``loss_curve_`` going on, as scikit-learn's warm start.  A fit that keeps
    the setting goes on with the record, as scikit-learn's."""
    X, y = datasets[task]
    theirs, ours = _pair(task, drawn, solver=solver, early_stopping=settings[0])
    before = None
    for early_stopping in settings:
        theirs.set_params(early_stopping=early_stopping)
        ours.set_params(early_stopping=early_stopping)
        if before is not None and before != early_stopping:
            _fresh_record(theirs, early_stopping)
        _quiet(theirs.fit, X, y)
        _quiet(ours.fit, X, y)
        assert 1 <= theirs.n_iter_ < 300  # the rule's stop
        _same_record(ours, theirs)
        before = early_stopping


@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_partial_fit_after_early_stopping_starts_a_record_without_it(datasets, drawn,
                                                                      task):
    """partial_fit (which takes no early stopping) after a fit with it: no validation
    record, ``best_loss_`` the loss of its epochs, as scikit-learn's partial_fit after a
    fresh record without early stopping."""
    X, y = datasets[task]
    theirs, ours = _pair(task, drawn, solver="adam", early_stopping=True)
    _quiet(theirs.fit, X, y)
    _quiet(ours.fit, X, y)
    theirs.set_params(early_stopping=False)
    ours.set_params(early_stopping=False)
    _fresh_record(theirs, False)
    for _ in range(2):
        theirs.partial_fit(X, y)
        ours.partial_fit(X, y)
        _same_record(ours, theirs)
    assert ours.best_loss_ == min(ours.loss_curve_[-2:])


def test_the_switch_is_read_from_a_saved_estimator(datasets, tmp_path):
    """A loaded estimator knows how its last fit stopped: the switch after it starts the
    record anew as the estimator it was saved from does."""
    X, y = datasets["classifier"]
    ours = MLPClassifier(**{**SETTINGS, "early_stopping": True})
    _quiet(ours.fit, X, y)
    ours.save(tmp_path / "m.npz")
    loaded = load_estimator(tmp_path / "m.npz")
    for est in (ours, loaded):
        _quiet(est.set_params(early_stopping=False).fit, X, y)
    assert loaded.validation_scores_ is None is ours.validation_scores_
    assert loaded.best_validation_score_ is None
    assert loaded.n_iter_ == ours.n_iter_
    assert loaded.best_loss_ == ours.best_loss_ == min(ours.loss_curve_[-ours.n_iter_:])


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_a_warm_start_of_a_scipy_solver_keeps_no_validation_record(datasets, solver):
    """lbfgs and cg ignore early_stopping: their warm start after a mini-batch fit with
    it leaves no validation record, as their fresh fit leaves none; then a mini-batch
    fit with early stopping again scores its own split only."""
    X, y = datasets["classifier"]
    ours = _quiet(MLPClassifier(**{**SETTINGS, "early_stopping": True}).fit, X, y)
    fresh = _quiet(MLPClassifier(**{**SETTINGS, "solver": solver, "max_iter": 5,
                                    "early_stopping": True}).fit, X, y)
    _quiet(ours.set_params(solver=solver, max_iter=5).fit, X, y)
    assert ours.validation_scores_ is None is fresh.validation_scores_
    assert ours.best_validation_score_ is None is fresh.best_validation_score_
    assert ours.best_loss_ == ours.loss_
    _quiet(ours.set_params(solver="adam", max_iter=300).fit, X, y)
    assert len(ours.validation_scores_) == ours.n_iter_
    assert ours.best_validation_score_ == max(ours.validation_scores_)
