"""MLPClassifier and MLPRegressor side by side with scikit-learn 1.9's, on what the other
tests leave out: sample_weight in fit and partial_fit (loss_ and the weights after one
epoch from the same initial weights, one batch and several), score with sample_weight,
predict_proba of a binary and a multilabel classifier, classes_ of strings, booleans and
categoricals, and the feature names of a DataFrame with their warnings.  Reference:
scikit-learn's own estimators, given the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.neural_network as sk

import chainrule as cr

N = 30


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(N, 3))
    targets = {"binary": (X[:, 0] + 0.3 * rng.normal(size=N) > 0).astype(int),
               "three": np.digitize(X[:, 0], [-0.5, 0.5]),
               "multilabel": np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int),
               "regression": X[:, 1] - X[:, 2],
               "two outputs": np.c_[X[:, 1], X[:, 0] * X[:, 2]]}
    return X, targets, rng.uniform(0.1, 3, N)


def _pair(task: str, **kw):
    name = "MLPRegressor" if task in ("regression", "two outputs") else "MLPClassifier"
    kw = dict(hidden_layer_sizes=(4,), random_state=0, **kw)
    return getattr(sk, name)(**kw), getattr(cr, name)(**kw)


def _same_weights(theirs, ours) -> None:
    ours.coefs_ = [c.copy() for c in theirs.coefs_]
    ours.intercepts_ = [c.copy() for c in theirs.intercepts_]


@pytest.mark.parametrize("task", ["binary", "three", "multilabel", "regression"])
@pytest.mark.parametrize("batch_size", [N, 7])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_one_weighted_epoch_from_the_same_weights(data, task, batch_size, method):
    X, targets, sw = data
    y = targets[task]
    theirs, ours = _pair(task, solver="sgd", momentum=0.0, shuffle=False, alpha=1e-2,
                         batch_size=batch_size, learning_rate_init=0.1, max_iter=1,
                         warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        theirs.fit(X, y)
        ours.fit(X, y)
        _same_weights(theirs, ours)
        for est in (theirs, ours):
            getattr(est, method)(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.loss_, theirs.loss_, rtol=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("bad, message", [
    (np.ones(N - 1), "sample_weight must have shape (30,)"),
    (np.r_[np.nan, np.ones(N - 1)], "sample_weight contains 1 NaN"),
    (np.zeros(N), "sample_weight: all weights are zero")])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_weights_scikit_learn_refuses_are_refused(data, bad, message, method):
    X, targets, _ = data
    for est in _pair("regression", max_iter=1):
        with pytest.raises(ValueError) as info:
            getattr(est, method)(X, targets["regression"], sample_weight=bad)
    assert message in str(info.value)


@pytest.mark.parametrize("task", ["binary", "multilabel", "regression", "two outputs"])
def test_score_predict_proba_and_classes(data, task):
    X, targets, sw = data
    y = targets[task]
    theirs, ours = _pair(task, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.fit(X, y)
        ours.fit(X, y)
    _same_weights(theirs, ours)
    for weights in (None, sw):
        np.testing.assert_allclose(ours.score(X, y, sample_weight=weights),
                                   theirs.score(X, y, sample_weight=weights), rtol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    if hasattr(theirs, "predict_proba"):
        a, b = ours.predict_proba(X), theirs.predict_proba(X)
        assert a.shape == b.shape == (N, 2) and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)


@pytest.mark.parametrize("labels", [
    np.array(["b", "a", "c"] * 10), np.array([True, False, True] * 10),
    np.array(["x", "y"] * 15, dtype=object), pd.Series(pd.Categorical(["u", "v", "w"] * 10))],
    ids=["str", "bool", "object", "categorical"])
def test_classes_of_labels(data, labels):
    X = data[0]
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for est in _pair("binary", max_iter=2):
            fitted.append(est.fit(X, labels))
    ours, theirs = fitted[1], fitted[0]
    assert ours.classes_.dtype == theirs.classes_.dtype
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.predict(X).dtype == theirs.predict(X).dtype


def _warned(method, *args) -> list[tuple[type, str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            method(*args)
        except ValueError as exc:
            return [(ValueError, str(exc))]
    return [(w.category, str(w.message)) for w in caught
            if "Maximum iterations" not in str(w.message)]


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_feature_names_of_a_dataframe(data, task):
    X, targets, _ = data
    y = targets[task]
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    other = pd.DataFrame(X, columns=["a", "c", "b"])
    seen = []
    for est in _pair(task, max_iter=2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(df, y)
        assert est.n_features_in_ == 3 and not hasattr(est, "get_feature_names_out")
        got = [est.feature_names_in_.tolist(), est.feature_names_in_.dtype]
        for X_ in (other, X, pd.DataFrame(X), df):
            got += [_warned(est.predict, X_), _warned(est.score, X_, y)]
        got.append(_warned(est.partial_fit, X, y))
        got.append(_warned(est.partial_fit, other, y))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        got += [hasattr(est, "feature_names_in_"), _warned(est.predict, df)]
        seen.append(got)
    assert seen[1] == seen[0]
