"""An "sgd" learning rate that underflows to 0 trains on as scikit-learn's does (robust29).

``learning_rate_init=5e-324`` (the smallest subnormal): "invscaling" divides it by
``(t + 1) ** power_t`` and "adaptive" by 5, both 0.0 in floating point.  scikit-learn's
MLPClassifier trains on at rate 0 (nothing moves) until its tolerance stops it; chainrule's
rescaling of the momentum buffer divided by the new rate (ZeroDivisionError).  The reference
is scikit-learn itself from the same start (sklearn_twins); an invscaling estimator whose
rate is 0 still saves, loads and resumes (its 0 is a schedule value, not a corrupted file).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from chainrule import load_estimator
from chainrule.estimators import MLPClassifier
from sklearn_twins import iris_and_diabetes, record_draws, twin_pair

SETTINGS = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=5e-324,
                max_iter=40, n_iter_no_change=4, batch_size=50, random_state=0)


@pytest.mark.parametrize("momentum", [0.9, 0.0])
@pytest.mark.parametrize("rule", ["invscaling", "adaptive"])
def test_rate_that_underflows_to_zero_trains_on_as_scikit_learns(monkeypatch, rule, momentum):
    X, y = iris_and_diabetes()["classifier"]
    drawn = record_draws(monkeypatch)
    theirs, ours = twin_pair("classifier", drawn, SETTINGS, learning_rate=rule,
                             momentum=momentum)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    assert ours.t_ == theirs.t_
    # rate 5e-324, then 0: no weight moves, in either
    for a, b, start in zip(ours.coefs_, theirs.coefs_, (drawn[4, 5], drawn[5, 3]), strict=True):
        np.testing.assert_array_equal(b, start)
        np.testing.assert_array_equal(a, start)


def test_invscaling_rate_zero_saves_loads_and_resumes(tmp_path):
    X, y = iris_and_diabetes()["classifier"]
    est = MLPClassifier(learning_rate="invscaling", **SETTINGS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    coefs = [c.copy() for c in est.coefs_]
    est.save(tmp_path / "m.npz")
    back = load_estimator(tmp_path / "m.npz")
    back.partial_fit(X, y)
    assert back.t_ == est.t_ + len(X)
    for a, b in zip(back.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_power_t_overflow_is_scikit_learns_overflow_error(monkeypatch):
    """scikit-learn bounds power_t below only and raises OverflowError when
    ``(t + 1) ** power_t`` does not fit a float; chainrule keeps that behaviour."""
    X, y = iris_and_diabetes()["classifier"]
    drawn = record_draws(monkeypatch)
    theirs, ours = twin_pair("classifier", drawn, SETTINGS, learning_rate="invscaling",
                             learning_rate_init=0.01, power_t=1000.0)
    for est in (theirs, ours):
        with pytest.raises(OverflowError):
            est.fit(X, y)
