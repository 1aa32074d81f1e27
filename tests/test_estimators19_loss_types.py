"""The type of loss_, loss_curve_'s entries and best_loss_, side by side with scikit-learn
1.9's MLPRegressor / MLPClassifier: np.float32 where scikit-learn's regressor sums its
loss in float32 (X float32 and y float32 or float16, its network float32: the mini-batch
solvers' on float32 X; lbfgs's too), np.float64 otherwise (the classifier always).
validation_scores_ holds Python floats in both."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(40, 3))
Y = X.sum(axis=1)
LABELS = (Y > 1.5).astype(int)


def _types(est) -> tuple:
    """The type names of loss_, each loss_curve_ entry (if recorded), best_loss_ and each
    validation score."""
    curve = getattr(est, "loss_curve_", None)
    scores = getattr(est, "validation_scores_", None)
    return (type(est.loss_).__name__,
            None if curve is None else [type(v).__name__ for v in curve],
            type(getattr(est, "best_loss_", None)).__name__,
            None if scores is None else [type(v).__name__ for v in scores])


def _fit(cls, x_dtype, y_dtype, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(max_iter=3, random_state=0, **params).fit(X.astype(x_dtype),
                                                            Y.astype(y_dtype))


@pytest.mark.parametrize(("x_dtype", "y_dtype"), [
    (np.float32, np.float32), (np.float32, np.float16), (np.float32, np.float64),
    (np.float64, np.float32), (np.float32, np.int64), (np.float16, np.float32)])
@pytest.mark.parametrize("params", [{}, {"early_stopping": True}, {"solver": "sgd"}])
def test_regressor_fit_loss_types(x_dtype, y_dtype, params):
    theirs = _fit(SkRegressor, x_dtype, y_dtype, **params)
    ours = _fit(MLPRegressor, x_dtype, y_dtype, **params)
    assert _types(ours) == _types(theirs)
    if x_dtype == np.float32 and y_dtype in (np.float32, np.float16):
        assert type(ours.loss_) is np.float32  # the case that differed


def test_regressor_lbfgs_and_two_outputs():
    """lbfgs (scikit-learn records no loss_curve_ there: loss_ alone) and two outputs."""
    theirs = _fit(SkRegressor, np.float32, np.float32, solver="lbfgs")
    ours = _fit(MLPRegressor, np.float32, np.float32, solver="lbfgs")
    assert type(ours.loss_) is type(theirs.loss_) is np.float32
    assert all(type(v) is np.float32 for v in ours.loss_curve_)
    Y2 = np.stack([Y, 2 * Y], axis=1).astype(np.float32)
    for cls in (SkRegressor, MLPRegressor):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(max_iter=3, random_state=0).fit(X.astype(np.float32), Y2)
        assert type(est.loss_) is np.float32
        assert [type(v) for v in est.loss_curve_] == [np.float32] * 3


@pytest.mark.parametrize("order", ["32 then 64", "64 then 32"])
def test_regressor_partial_fit_and_warm_start(order):
    """Each call records its own type; a float64 network keeps float64 on float32 data."""
    first, second = ((np.float32, np.float64) if order == "32 then 64"
                     else (np.float64, np.float32))
    got = []
    for cls in (SkRegressor, MLPRegressor):
        est = cls(random_state=0)
        est.partial_fit(X.astype(first), Y.astype(first))
        est.partial_fit(X.astype(second), Y.astype(second))
        got.append(_types(est))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(max_iter=2, warm_start=True, random_state=0)
            est.fit(X.astype(first), Y.astype(first)).fit(X.astype(second), Y.astype(second))
        got.append(_types(est))
    assert got[2:] == got[:2]


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", [{}, {"early_stopping": True}])
def test_classifier_losses_stay_float64(x_dtype, params):
    got = []
    for cls in (SkClassifier, MLPClassifier):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(max_iter=3, random_state=0, **params).fit(X.astype(x_dtype), LABELS)
        got.append(_types(est))
    assert got[1] == got[0]
    assert got[1][0] == "float64"


def test_dtype_float64_keeps_float64():
    """chainrule's dtype="float64" (no scikit-learn parameter) trains a float64 network on
    float32 data: its losses are float64, as scikit-learn's float64 network's are."""
    est = _fit(MLPRegressor, np.float32, np.float32, dtype="float64")
    assert type(est.loss_) is np.float64 and type(est.best_loss_) is np.float64
