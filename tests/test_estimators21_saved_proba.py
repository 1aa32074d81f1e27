"""A saved classifier's ``predict_proba`` (``save`` then ``load_estimator``): the in-memory
estimator's, bit for bit, for multiclass, binary and multi-label targets, a float32 and a
float64 network, float32 and float64 input, and outputs pushed to saturation (inputs x50);
every value in [0, 1]; rows summing to 1 within 1e-12 in float64 (within float32's
rounding, 4 eps, in float32); and scikit-learn's ``predict_proba`` of the same weights
(its MLPClassifier with our ``coefs_`` / ``intercepts_`` put in) to 1e-12 in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier

from chainrule import MLPClassifier, load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

X, _Y = load_iris(return_X_y=True)
X = (X - X.mean(axis=0)) / X.std(axis=0)
TARGETS = {"multiclass": _Y, "binary": np.where(_Y == 1, "yes", "no"),
           "multilabel": np.c_[_Y == 1, _Y == 2, X[:, 0] > 0].astype(int)}


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict:
    """{(task, dtype): (fitted estimator, the estimator loaded from its file)}."""
    out = {}
    folder = tmp_path_factory.mktemp("saved_proba")
    for task, y in TARGETS.items():
        for dtype in ("float32", "float64"):
            est = MLPClassifier((8,), max_iter=60, learning_rate_init=0.05, random_state=0,
                                dtype=dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X, y)
            path = folder / f"{task}-{dtype}.npz"
            est.save(path)
            out[task, dtype] = est, load_estimator(path)
    return out


def _theirs(est: MLPClassifier, y) -> SkClassifier:
    """scikit-learn's MLPClassifier of the same shape with ``est``'s weights (float64)."""
    sk = SkClassifier((8,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
    sk.coefs_ = [np.asarray(c, np.float64) for c in est.coefs_]
    sk.intercepts_ = [np.asarray(b, np.float64) for b in est.intercepts_]
    return sk


@pytest.mark.parametrize("task", list(TARGETS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 50.0])
def test_a_saved_classifiers_probabilities(saved, task, dtype, x_dtype, scale):
    est, loaded = saved[task, dtype]
    Xs = (X * scale).astype(x_dtype)
    p = loaded.predict_proba(Xs)
    np.testing.assert_array_equal(p, est.predict_proba(Xs))  # the file's, bit for bit
    out = np.result_type(np.dtype(dtype), x_dtype)  # NumPy's promotion, as scikit-learn's
    assert p.dtype == out
    assert np.all((p >= 0) & (p <= 1))
    if task != "multilabel":
        tol = 1e-12 if out == np.float64 else 4 * np.finfo(np.float32).eps
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=tol)
        # the labels come back in the same order (classes_), the most probable predicted
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
        np.testing.assert_array_equal(loaded.predict(Xs), loaded.classes_[p.argmax(axis=1)])
    if out == np.float64:
        reference = _theirs(loaded, TARGETS[task]).predict_proba(Xs.astype(np.float64))
        np.testing.assert_allclose(p, reference, rtol=1e-12, atol=1e-12)
