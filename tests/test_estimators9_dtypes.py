"""The dtypes of the fitted weights and of the predictions are scikit-learn's MLP's, for
every float, integer and boolean input dtype it takes (float16 included)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule.estimators import MLPClassifier, MLPRegressor

DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.uint16, np.uint32, np.uint64, np.bool_]


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * 3
    return X, (X[:, 0] > 0).astype(int), X[:, 1] - X[:, 2]


def _as(X: np.ndarray, dtype) -> np.ndarray:
    return X > 0 if dtype is np.bool_ else X.astype(dtype)


def _dtypes(est, X) -> list[str]:
    out = [est.coefs_[0].dtype.name, est.intercepts_[-1].dtype.name, est.predict(X).dtype.name]
    if hasattr(est, "predict_proba"):
        out += [est.predict_proba(X).dtype.name, est.predict_log_proba(X).dtype.name]
    return out


@pytest.mark.parametrize("fit_dtype", [np.float16, np.float32, np.float64, np.int16])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_weights_and_predictions_have_scikit_learns_dtypes(kind, fit_dtype):
    """A float32 network predicted float64 for float16 input, where scikit-learn keeps
    float16 ``X`` and its products with float32 weights are float32; every pair of a
    training dtype and an input dtype is compared with scikit-learn's own MLP."""
    X, yc, yr = _data()
    ours, theirs, y = ((MLPClassifier, SkClassifier, yc) if kind == "classifier"
                       else (MLPRegressor, SkRegressor, yr))
    kw = dict(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ours(**kw).fit(_as(X, fit_dtype), y)
        b = theirs(**kw).fit(_as(X, fit_dtype), y)
    for dtype in DTYPES:
        Xp = _as(X, dtype)
        with warnings.catch_warnings():  # scikit-learn's log of a probability of 0
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = _dtypes(b, Xp)
        assert _dtypes(a, Xp) == expected, (np.dtype(fit_dtype).name, np.dtype(dtype).name)


def test_float16_input_is_predicted_as_scikit_learn_predicts_it():
    """The same weights (scikit-learn's, float32) give scikit-learn's probabilities for
    float16 input, to float32's precision, and float32 input is not copied to float64."""
    X, y, _ = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = SkClassifier(hidden_layer_sizes=(4,), max_iter=5,
                         random_state=0).fit(X.astype(np.float32), y)
        a = MLPClassifier((4,), max_iter=1, random_state=0).fit(X.astype(np.float32), y)
    a.coefs_ = [c.copy() for c in b.coefs_]
    a.intercepts_ = [c.copy() for c in b.intercepts_]
    X16 = X.astype(np.float16)
    assert a.predict_proba(X16).dtype == b.predict_proba(X16).dtype == np.float32
    np.testing.assert_allclose(a.predict_proba(X16), b.predict_proba(X16), atol=1e-6)
    assert a.network_.dtype == np.float32
