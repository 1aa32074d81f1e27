"""``MLPClassifier.score`` and ``MLPRegressor.score`` check ``y`` by name (robust31).

Before: scikit-learn's mixin handed ``y`` to the metric unchecked, whose refusals named
no argument: "Found input variables with inconsistent numbers of samples: [17, 20]" (a
``y`` of other rows than ``X``, or transposed), NumPy's "'<' not supported between
instances of 'str' and 'float'" (a NaN among string labels), "Input contains NaN." (a NaN
target), "Complex data not supported", and ``y=None`` as the metric's ``y_true``.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, r2_score

import chainrule as cr

RNG = np.random.default_rng(3131)
X = RNG.normal(size=(15, 3))
Y = (X[:, 0] - X[:, 1] > 0).astype(int)
LABELS = np.where(Y == 1, "yes", "no")
T = np.c_[X @ np.array([1.0, 0.5, -1.0]), X[:, 2] ** 2]


def _fitted(cls, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def models():
    return {"clf": _fitted(cr.MLPClassifier, Y), "labels": _fitted(cr.MLPClassifier, LABELS),
            "reg": _fitted(cr.MLPRegressor, T)}


def test_valid_scores_are_scikit_learns_metrics(models) -> None:
    w = RNG.uniform(0.5, 2.0, size=len(X))
    clf, reg = models["clf"], models["reg"]
    assert clf.score(X, Y) == accuracy_score(Y, clf.predict(X))
    assert clf.score(X, list(Y), w) == pytest.approx(
        accuracy_score(Y, clf.predict(X), sample_weight=w), rel=1e-15)
    assert reg.score(X, T, w) == pytest.approx(
        r2_score(T, reg.predict(X), sample_weight=w), rel=1e-12)


def _nan_labels() -> np.ndarray:
    y = LABELS.astype(object)
    y[2] = np.nan
    return y


def _nan_targets() -> np.ndarray:
    t = T.copy()
    t[4, 1] = np.nan
    return t


@pytest.mark.parametrize(("model", "x", "y", "kind", "pattern"), [
    ("clf", X, Y[:-3], ValueError, "y must have one row per row of X .* X has 15 rows, y has 12"),
    ("clf", X[:-3], Y, ValueError, "y must have one row per row of X .* X has 12 rows, y has 15"),
    ("reg", X, T.T, ValueError, "y must have one row per row of X .* y has 2"),
    ("labels", X, _nan_labels(), ValueError, r"y has 1 missing label\(s\)"),
    ("reg", X, _nan_targets(), ValueError, r"y must be finite \(it holds NaN\)"),
    ("reg", X, T + 1j, ValueError, "y must hold real numbers, not complex"),
    ("clf", X, None, TypeError, r"y must be an array-like .* got None \(NoneType\)"),
    ("clf", X, {"a": 1}, TypeError, "y must be an array-like .* got {'a': 1}"),
])
def test_score_refusals_name_y(models, model, x, y, kind, pattern) -> None:
    est = models[model]
    before = est.network_.params.copy()
    kept = y.copy() if isinstance(y, np.ndarray) else y
    with pytest.raises(kind, match=pattern):
        est.score(x, y)
    np.testing.assert_array_equal(est.network_.params, before)
    if isinstance(y, np.ndarray) and y.dtype != object:
        np.testing.assert_array_equal(y, kept)


def test_score_sample_weight_is_checked_by_name(models) -> None:
    with pytest.raises(ValueError, match=re.escape("sample_weight must have shape (15,)")):
        models["reg"].score(X, T, np.ones(4))
