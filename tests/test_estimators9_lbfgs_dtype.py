"""solver="lbfgs" (and "cg") on float32 data trains and keeps float64 weights, as
scikit-learn's lbfgs keeps SciPy's float64 vector: its weights, its predictions' dtypes and
its iterates are scikit-learn's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.neural_network import _multilayer_perceptron as sk_mlp
from sklearn.preprocessing import StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor


def _weights(fan_in: int, fan_out: int) -> np.ndarray:
    """Initial weights held exactly in float32 (scikit-learn draws them in X's dtype)."""
    w = np.random.default_rng(fan_in * 100 + fan_out).uniform(-0.5, 0.5, (fan_in, fan_out))
    return w.astype(np.float32).astype(np.float64)


def _iris32():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_lbfgs_on_float32_data_ends_in_float64_as_scikit_learns(monkeypatch, kind):
    """chainrule trained a float32 network (SciPy's float64 iterate rounded to float32 at
    each evaluation) and ended float32, where scikit-learn ends with SciPy's float64
    vector as its weights: the weights and predictions now have scikit-learn's dtypes.
    The network computes in float64 on the float32 data's values, so from the same
    weights its iterates are scikit-learn's on the float64 form of the same data to
    float64's precision (scikit-learn's on the float32 data, which SciPy 1.17 evaluates at
    float32 iterates, agree to float32's)."""
    monkeypatch.setattr(sk_mlp.BaseMultilayerPerceptron, "_init_coef",
                        lambda self, fan_in, fan_out, dtype: (
                            _weights(fan_in, fan_out).astype(dtype), np.zeros(fan_out, dtype)))
    X, y = _iris32()
    ours, theirs = MLPClassifier, SkClassifier
    if kind == "regressor":
        ours, theirs, y = MLPRegressor, SkRegressor, X[:, 0] - X[:, 3] * X[:, 2]
        X = X[:, 1:3]
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", max_iter=8,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ours(init=lambda rng, fan_in, fan_out: _weights(fan_in, fan_out),
                 bias_init="zeros", **kw).fit(X, y)
        b = theirs(**kw).fit(X, y)
        b64 = theirs(**kw).fit(X.astype(np.float64), y)
    assert a.n_iter_ == b.n_iter_ == b64.n_iter_ == 8
    # the loss is recorded in scikit-learn's type: np.float32 for a regressor on float32 X
    # and y (its own float32 loss; tests/test_estimators19_loss_types.py), else np.float64
    assert type(a.loss_) is type(b.loss_)
    assert a.loss_ == pytest.approx(type(a.loss_)(b64.loss_), rel=1e-12)
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-5)
    for mine, skl, skl64 in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_,
                                b64.coefs_ + b64.intercepts_, strict=True):
        assert mine.dtype == skl.dtype == np.float64
        np.testing.assert_allclose(mine, skl64, rtol=1e-9, atol=1e-11)
    for Xp in (X, X.astype(np.float64)):
        assert a.predict(Xp).dtype == b.predict(Xp).dtype
        if kind == "classifier":
            assert a.predict_proba(Xp).dtype == b.predict_proba(Xp).dtype == np.float64


@pytest.mark.parametrize("solver", ["cg", "adam"])
def test_cg_is_float64_too_and_the_mini_batch_solvers_keep_float32(solver):
    """cg (SciPy's float64 vector as well; scikit-learn has no cg) ends float64 as lbfgs
    does; the mini-batch solvers keep float32 data in float32, as scikit-learn's adam."""
    X, y = _iris32()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier((4,), solver=solver, max_iter=3, random_state=0).fit(X, y)
        b = SkClassifier((4,), solver="lbfgs" if solver == "cg" else solver, max_iter=3,
                         random_state=0).fit(X, y)
    assert a.coefs_[0].dtype == b.coefs_[0].dtype
    assert a.predict_proba(X).dtype == b.predict_proba(X).dtype


def test_dtype_float32_still_trains_lbfgs_in_float32():
    """An explicit dtype="float32" is kept (a float32 network, float32 predictions)."""
    X, y = _iris32()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier((4,), solver="lbfgs", max_iter=3, dtype="float32",
                          random_state=0).fit(X, y)
    assert a.coefs_[0].dtype == np.float32 and a.predict_proba(X).dtype == np.float32
