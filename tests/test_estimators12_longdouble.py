"""np.longdouble input, as scikit-learn's MLPs take it: fit and partial_fit convert X to
float64 (check_array's dtype=(float64, float32)), so the fitted weights are float64 (or a
float32 network's float32), while predict keeps longdouble X and its predictions and
probabilities are longdouble.  Reference: scikit-learn's MLPClassifier and MLPRegressor,
their dtypes and, with the same weights, their numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule.estimators import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8,
                                reason="longdouble is float64 on this platform")


def _data():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(30, 3))
    return X, (X[:, 0] > 0).astype(int), X[:, 1] - X[:, 2]


def _dtypes(est, X) -> list[str]:
    out = [est.coefs_[0].dtype.name, est.intercepts_[-1].dtype.name, est.predict(X).dtype.name]
    if hasattr(est, "predict_proba"):
        out += [est.predict_proba(X).dtype.name, est.predict_log_proba(X).dtype.name]
    return out


@pytest.mark.parametrize("fit_dtype", [np.float32, np.float64, np.longdouble])
@pytest.mark.parametrize("how", ["fit", "partial_fit"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_dtypes_are_scikit_learns(kind, how, fit_dtype):
    X, yc, yr = _data()
    ours, theirs, y = ((MLPClassifier, SkClassifier, yc) if kind == "classifier"
                       else (MLPRegressor, SkRegressor, yr))
    kw = dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    extra = {"classes": [0, 1]} if how == "partial_fit" and kind == "classifier" else {}
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        for cls in (ours, theirs):
            est = getattr(cls(**kw), how)(X.astype(fit_dtype), y, **extra)
            est.partial_fit(X.astype(np.longdouble), y)  # longdouble into a fitted network
            fitted.append(est)
    for dtype in (np.longdouble, np.float64, np.float32):
        assert _dtypes(fitted[0], X.astype(dtype)) == _dtypes(fitted[1], X.astype(dtype))
    assert _dtypes(fitted[0], X.astype(np.longdouble))[2:3] == (
        ["int64"] if kind == "classifier" else ["float128"])


def test_longdouble_predictions_are_scikit_learns_numbers():
    X, y, t = _data()
    Xl = X.astype(np.longdouble)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [(MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y),
                  SkClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)),
                 (MLPRegressor(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, t),
                  SkRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, t))]
    for ours, theirs in pairs:
        ours.coefs_ = [c.copy() for c in theirs.coefs_]
        ours.intercepts_ = [c.copy() for c in theirs.intercepts_]
        methods = (["predict_proba", "predict_log_proba"] if hasattr(ours, "predict_proba")
                   else ["predict"])
        for name in methods:
            a, b = getattr(ours, name)(Xl), getattr(theirs, name)(Xl)
            assert a.dtype == b.dtype == np.longdouble
            np.testing.assert_allclose(a.astype(float), b.astype(float), rtol=1e-12)
    # the labels: scikit-learn's classes_ of longdouble labels, longdouble too
    clf, sk = pairs[0]
    np.testing.assert_array_equal(clf.predict(Xl), sk.predict(Xl))
