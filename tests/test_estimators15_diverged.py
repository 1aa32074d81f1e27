"""A mini-batch fit that diverges records its completed epochs (loss_curve_, n_iter_, t_,
validation_scores_) and keeps its last parameters with a finite loss; best_loss_ and
best_validation_score_ now take those epochs in as well.  Before, a diverged warm start
left best_loss_ at the fits before it (4087.5 where its own epochs reached 1735.5,
below).  Reference: NumPy's min and max of the recorded curve."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule.estimators import MLPClassifier, MLPRegressor
from chainrule.training import TrainingDiverged

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))


def _diverging_warm_start(est, y):
    """A slow first fit, then a warm start with a rate and momentum that diverge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        first = len(est.loss_curve_)
        est.set_params(learning_rate_init=0.05, momentum=0.99, max_iter=300)
        with pytest.raises(TrainingDiverged):
            est.fit(X, y)
    assert len(est.loss_curve_) > first  # the case: epochs completed before diverging
    return first


def test_a_diverged_warm_start_s_epochs_are_in_best_loss():
    est = MLPRegressor(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=1e-4,
                       max_iter=20, random_state=0, warm_start=True,
                       n_iter_no_change=1000, tol=0)
    first = _diverging_warm_start(est, X[:, 0] * 100)
    assert np.min(est.loss_curve_[first:]) < np.min(est.loss_curve_[:first])
    assert est.best_loss_ == np.min(est.loss_curve_)
    assert est.best_validation_score_ is None is est.validation_scores_


def test_a_diverged_fit_s_scores_are_in_best_validation_score():
    est = MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=1e-4,
                        max_iter=20, random_state=0, warm_start=True, early_stopping=True,
                        validation_fraction=0.25, n_iter_no_change=1000, tol=0)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X_big = X * 100  # a network that diverges within a few epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X_big, y)
        first = len(est.validation_scores_)
        est.set_params(learning_rate_init=0.5, momentum=0.99, max_iter=300)
        with pytest.raises(TrainingDiverged):
            est.fit(X_big, y)
    scores = est.validation_scores_
    assert np.max(scores[first:]) > np.max(scores[:first])  # the case
    assert est.best_loss_ is None
    assert est.best_validation_score_ == np.max(est.validation_scores_)
