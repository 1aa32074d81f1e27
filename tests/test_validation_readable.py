"""Data that ``np.asarray`` reads wrong without a word is refused naming the argument: a
masked array with masked entries (the mask dropped, the values under it used) and times
(``datetime64``/``timedelta64``: their integer counts of the unit used, so that a model
fitted on days read seconds as days)."""

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule import preprocessing

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.uniform(0.1, 0.9, size=(16, 3))
y = X @ np.array([1.0, -2.0, 0.5])
MASKED = np.ma.masked_array(X, mask=X > 0.8)
N_MASKED = int((X > 0.8).sum())
MASK_MESSAGE = rf"is a masked array with {N_MASKED} masked value\(s\)"


@pytest.mark.parametrize("call", [
    lambda: cr.train(cr.mlp([3, 2, 1], seed=0), MASKED, y, epochs=1),
    lambda: cr.mlp([3, 2, 1], seed=0).predict(MASKED),
    lambda: preprocessing.whiten(MASKED),
    lambda: cr.MLPRegressor((2,), max_iter=2).fit(MASKED, y),
    lambda: cr.MLPRegressor((2,), max_iter=2).fit(X, y).predict(MASKED),
    lambda: cr.MLPClassifier((2,), max_iter=2).fit(MASKED, y > 0),
    lambda: cr.SparseAutoencoder(2, max_iter=2).fit(MASKED),
    lambda: cr.SoftmaxRegression(max_iter=2).fit(MASKED, y > 0),
], ids=["train", "predict", "whiten", "MLPRegressor.fit", "MLPRegressor.predict",
        "MLPClassifier.fit", "SparseAutoencoder.fit", "SoftmaxRegression.fit"])
def test_masked_entries_in_X_are_refused_naming_X_and_their_count(call):
    with pytest.raises(ValueError, match=rf"^X {MASK_MESSAGE}"):
        call()


def test_masked_targets_and_weights_are_refused_by_name():
    ym = np.ma.masked_array(y, mask=y > 0.3)
    n = int((y > 0.3).sum())
    with pytest.raises(ValueError, match=rf"^y is a masked array with {n} masked"):
        cr.MLPRegressor((2,), max_iter=2).fit(X, ym)
    sw = np.ma.masked_array(np.ones(16), mask=[True] + [False] * 15)
    with pytest.raises(ValueError, match=r"^sample_weight is a masked array with 1 masked"):
        cr.train(cr.mlp([3, 2, 1], seed=0), X, y, epochs=1, sample_weight=sw)


def test_a_masked_array_with_nothing_masked_is_its_data():
    # the reference: the same fit on the plain ndarray
    plain = cr.MLPRegressor((2,), max_iter=3, random_state=0).fit(X, y).predict(X)
    masked = cr.MLPRegressor((2,), max_iter=3, random_state=0).fit(
        np.ma.masked_array(X), y).predict(np.ma.masked_array(X))
    np.testing.assert_array_equal(masked, plain)


DAYS = np.arange(16).reshape(-1, 1).astype("datetime64[D]")


@pytest.mark.parametrize("data", [
    DAYS, DAYS - DAYS[0, 0], pd.DataFrame({"t": pd.date_range("2020-01-01", periods=16)}),
], ids=["datetime64", "timedelta64", "DataFrame-column"])
def test_times_are_refused_naming_X_and_the_dtype(data):
    with pytest.raises(TypeError, match=r"^X must hold numbers, got times of dtype "):
        cr.MLPRegressor((2,), max_iter=2).fit(data, y)
    with pytest.raises(TypeError, match=r"^X must hold numbers, got times of dtype "):
        cr.train(cr.mlp([1, 2, 1], seed=0), data, y, epochs=1)


def test_times_are_refused_at_predict_and_as_a_regression_target():
    est = cr.MLPRegressor((2,), max_iter=2).fit(np.arange(16.0).reshape(-1, 1), y)
    # before: the seconds' count read as days, the prediction of day 1 for second 1
    with pytest.raises(TypeError, match=r"^X must hold numbers, got times of dtype "
                                        r"datetime64\[s\]"):
        est.predict(np.array([[1]], dtype="datetime64[s]"))
    with pytest.raises(TypeError, match=r"^y must hold numbers, got times"):
        cr.MLPRegressor((2,), max_iter=2).fit(X, pd.Series(pd.date_range("2020", periods=16)))


def test_dates_may_still_name_the_classes_of_a_classifier():
    labels = np.array(["2020-01-01", "2020-01-02"] * 8, dtype="datetime64[D]")
    est = cr.MLPClassifier((2,), max_iter=2, random_state=0).fit(X, labels)
    np.testing.assert_array_equal(est.classes_, np.unique(labels))
