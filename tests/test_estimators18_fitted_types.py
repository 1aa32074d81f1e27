"""The fitted attributes' types and dtypes, side by side with scikit-learn 1.9's
MLPClassifier / MLPRegressor on the same data: ``loss_``, ``best_loss_`` and the entries of
``loss_curve_`` are ``np.float64`` as scikit-learn's (they were Python floats), after a
fit, ``partial_fit``, a warm start and a save / load; the other attributes (``n_iter_``,
``t_``, ``n_outputs_``, ``n_features_in_``, ``out_activation_``, ``classes_``'s dtype,
``feature_names_in_``'s object dtype, ``coefs_``'s dtype on float32 input) have theirs.
lbfgs's record (scikit-learn keeps no ``loss_curve_`` / ``best_loss_`` /
``validation_scores_``) is a difference on purpose, pinned here: the README's
"As a scikit-learn estimator" names it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.preprocessing import StandardScaler

from chainrule import MLPClassifier, MLPRegressor, load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

KINDS = ("classifier", "regressor")
LOSSES = ("loss_", "best_loss_")


def _data(kind: str, dtype=np.float64):
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    # float64 targets: scikit-learn's regressor sums a float32 y's squared errors in
    # float32 and reports np.float32 losses then; chainrule's are np.float64 always
    return (X.astype(dtype), y) if kind == "classifier" else (X[:, :3].astype(dtype), X[:, 3])


def _pair(kind: str, **kw):
    kw = {"hidden_layer_sizes": (4,), "random_state": 0, "max_iter": 5, **kw}
    if kind == "classifier":
        return SkClassifier(**kw), MLPClassifier(**kw)
    return SkRegressor(**kw), MLPRegressor(**kw)


def _fit(est, X, y, method="fit"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "partial_fit" and isinstance(est, (SkClassifier, MLPClassifier)):
            return est.partial_fit(X, y, classes=np.unique(y))
        return getattr(est, method)(X, y)


def _types(est) -> dict[str, object]:
    """The type of each fitted scalar, of loss_curve_'s entries, and the arrays' dtypes."""
    out = {k: type(getattr(est, k)) for k in (*LOSSES, "n_iter_", "t_", "n_outputs_",
                                              "n_features_in_", "n_layers_", "out_activation_")
           if hasattr(est, k)}
    out["loss_curve_"] = {type(v) for v in est.loss_curve_} if hasattr(est, "loss_curve_") \
        else None
    out["coefs_"] = [c.dtype for c in est.coefs_] + [b.dtype for b in est.intercepts_]
    if hasattr(est, "classes_"):
        out["classes_"] = est.classes_.dtype
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_types_are_scikit_learns(kind, solver, dtype):
    """A fit's losses are np.float64 (float32 data too), and every other type is theirs."""
    X, y = _data(kind, dtype)
    theirs, ours = (_fit(e, X, y) for e in _pair(kind, solver=solver))
    assert type(theirs.loss_) is type(theirs.best_loss_) is np.float64  # the reference
    assert _types(ours) == _types(theirs)
    assert [c.dtype for c in ours.coefs_] == [np.dtype(dtype)] * 2  # the data's, as theirs


@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_and_warm_start_types(kind):
    """After partial_fit calls and a warm start the losses are still np.float64."""
    X, y = _data(kind)
    for method in ("partial_fit", "fit"):
        theirs, ours = _pair(kind, warm_start=True)
        for est in (theirs, ours):
            _fit(est, X, y, method)
            _fit(est, X, y, method)
        assert _types(ours) == _types(theirs)
        assert {type(v) for v in ours.loss_curve_} == {np.float64}
        assert len(ours.loss_curve_) == len(theirs.loss_curve_)


@pytest.mark.parametrize("kind", KINDS)
def test_early_stopping_types(kind):
    """early_stopping=True: best_loss_ None in both, the scores Python floats in both."""
    X, y = _data(kind)
    theirs, ours = (_fit(e, X, y) for e in _pair(kind, early_stopping=True))
    assert theirs.best_loss_ is None and ours.best_loss_ is None
    assert type(ours.loss_) is type(theirs.loss_) is np.float64
    assert {type(v) for v in ours.validation_scores_} == \
        {type(v) for v in theirs.validation_scores_}
    assert type(ours.best_validation_score_) is type(theirs.best_validation_score_)


@pytest.mark.parametrize("kind", KINDS)
def test_loaded_estimator_keeps_the_types(kind, tmp_path):
    """A saved and loaded estimator's losses are np.float64, as the fitted one's."""
    X, y = _data(kind)
    ours = _fit(_pair(kind)[1], X, y)
    ours.save(tmp_path / "m.npz")
    loaded = load_estimator(tmp_path / "m.npz")
    assert _types(loaded) == _types(ours)
    assert type(loaded.loss_) is type(loaded.best_loss_) is np.float64
    assert loaded.loss_curve_ == ours.loss_curve_


def test_labels_and_feature_names_as_scikit_learns():
    """classes_ keeps the labels' dtype (str, int32, bool) and feature_names_in_ is an
    object array, as in scikit-learn."""
    X, y = _data("classifier")
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    for labels in (np.array(["x", "y", "z"])[y.astype(int)], y.astype(np.int32),
                   y.astype(np.float32), y == 1):
        theirs, ours = (_fit(e, frame, labels) for e in _pair("classifier"))
        assert ours.classes_.dtype == theirs.classes_.dtype
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        assert ours.feature_names_in_.dtype == theirs.feature_names_in_.dtype == object
        np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)


@pytest.mark.parametrize("kind", KINDS)
def test_lbfgs_record_differs_on_purpose(kind):
    """scikit-learn's lbfgs sets loss_ (np.float64) and no loss_curve_, best_loss_ or
    validation record; chainrule's records the curve of the iterations, best_loss_ the
    final loss, and None for the scores (README: a difference on purpose), in its types."""
    X, y = _data(kind)
    theirs, ours = (_fit(e, X, y) for e in _pair(kind, solver="lbfgs"))
    for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        assert not hasattr(theirs, name)
    assert type(ours.loss_) is type(theirs.loss_) is np.float64
    assert {type(v) for v in ours.loss_curve_} == {np.float64}
    assert len(ours.loss_curve_) == ours.n_iter_ == theirs.n_iter_ == 5
    assert ours.best_loss_ == ours.loss_ == ours.loss_curve_[-1]
    assert ours.validation_scores_ is None and ours.best_validation_score_ is None
    assert type(ours.n_iter_) is type(theirs.n_iter_) is int
