"""The dtype of a prediction, fit on float32 or float64 and predicting on either, as
scikit-learn's MLP gives it (NumPy's promotion of the data's and the weights' dtypes)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule.estimators import MLPClassifier, MLPRegressor


def _pair(kind: str, fit_dtype: type) -> tuple[object, object, np.ndarray]:
    """Both libraries' estimators fitted on ``fit_dtype`` data, ours given scikit-learn's
    fitted weights (so that both predict with the same parameters), and the data."""
    X, y = load_iris(return_X_y=True)
    if kind == "regressor":
        X, y = X[:, :3], X[:, 3]
    ours, theirs = ((MLPClassifier, SkClassifier) if kind == "classifier"
                    else (MLPRegressor, SkRegressor))
    kw = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = theirs(**kw).fit(X.astype(fit_dtype), y.astype(fit_dtype)
                             if kind == "regressor" else y)
        a = ours(**kw).fit(X.astype(fit_dtype), y.astype(fit_dtype)
                           if kind == "regressor" else y)
    assert a.coefs_[0].dtype == b.coefs_[0].dtype == fit_dtype
    a.coefs_ = b.coefs_
    a.intercepts_ = b.intercepts_
    return a, b, X


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("fit_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("predict_dtype", [np.float32, np.float64, np.int64, np.int32,
                                           np.int16, np.uint8, np.bool_])
def test_the_prediction_has_scikit_learns_dtype_and_values(kind, fit_dtype, predict_dtype):
    """A float32 fit returned float32 for float64 input, where scikit-learn's products
    promote to float64 (its float32 weights times float64 data); float32 input to a float32
    fit stays float32, and a float64 fit is float64 whatever the input.  With the same
    parameters the values agree to the rounding of the dtype that both compute in."""
    a, b, X = _pair(kind, fit_dtype)
    Xp = (X * 3).astype(predict_dtype)
    ours = a.predict_proba(Xp) if kind == "classifier" else a.predict(Xp)
    theirs = b.predict_proba(Xp) if kind == "classifier" else b.predict(Xp)
    assert ours.dtype == theirs.dtype == np.result_type(predict_dtype, fit_dtype)
    tol = 1e-12 if ours.dtype == np.float64 else 1e-5
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


def test_float32_input_to_a_float32_fit_is_not_copied_to_float64(monkeypatch):
    """The float64 copy of a float32 network is made only for input that promotes to
    float64; float32 rows go through the float32 network itself."""
    a, _, X = _pair("classifier", np.float32)
    from chainrule.network import Network

    made = []
    real = Network.astype
    monkeypatch.setattr(Network, "astype",
                        lambda self, dtype: made.append(dtype) or real(self, dtype))
    assert a.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert made == []
    assert a.predict_proba(X).dtype == np.float64
    assert made == [np.float64]
    assert a.network_.dtype == np.float32  # the fitted network itself stays float32
