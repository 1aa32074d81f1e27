"""Data that does not convert to numbers is refused naming the argument, and for a
DataFrame its non-numeric columns; before, the estimators let NumPy's and pandas'
errors through as they were ("could not convert string to float: 'x'", "float()
argument must be ... not 'generator'", "Cannot cast array data from dtype([...])"),
naming neither the argument nor the column."""

import numpy as np
import pandas as pd
import pytest

import chainrule as cr

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.uniform(0.1, 0.9, size=(10, 2))
y = np.arange(10.0)
labels = np.array([0, 1] * 5)
CITY = pd.DataFrame({"city": ["Oslo", "Lima"] * 5, "size": X[:, 1]})
COLUMN = r"; its non-numeric column\(s\): 'city' \((object|str)\); encode them as numbers"


@pytest.mark.parametrize("fit", [
    lambda data: cr.MLPRegressor((2,), max_iter=2).fit(data, y),
    lambda data: cr.MLPClassifier((2,), max_iter=2).fit(data, labels),
    lambda data: cr.SoftmaxRegression(max_iter=2).fit(data, labels),
    lambda data: cr.SparseAutoencoder(2, max_iter=2).fit(data),
], ids=["MLPRegressor", "MLPClassifier", "SoftmaxRegression", "SparseAutoencoder"])
def test_a_dataframe_column_of_text_is_named(fit):
    with pytest.raises(ValueError, match=r"^X must hold numbers, could not convert it: "
                                         r"could not convert string to float: 'Oslo'" + COLUMN):
        fit(CITY)
    category = CITY.assign(city=pd.Categorical(CITY.city))
    with pytest.raises(ValueError, match=r"its non-numeric column\(s\): 'city' \(category\)"):
        fit(category)


def test_predict_and_the_network_side_name_the_column_too():
    est = cr.MLPRegressor((2,), max_iter=2).fit(CITY.assign(city=X[:, 0]), y)
    with pytest.raises(ValueError, match=r"^X must hold numbers" + ".*" + COLUMN):
        est.predict(CITY)
    with pytest.raises(TypeError, match=r"^X must hold numbers, got an array of dtype object"
                                        + COLUMN):
        cr.train(cr.mlp([2, 1], seed=0), CITY, y, epochs=1)


@pytest.mark.parametrize("data, error", [
    (np.zeros(10, dtype=[("a", float), ("b", float)]), TypeError),
    ((row for row in X), ValueError),  # no array of rows: named as such (estimators15)
    ([["x", "1"]] * 10, ValueError),
], ids=["structured", "generator", "list-of-text"])
def test_other_data_of_no_numbers_is_named_x(data, error):
    with pytest.raises(error, match=r"^X must (hold numbers, could not convert it: |be an "
                                    r"array-like of shape \(n_samples, n_features\))"):
        cr.MLPRegressor((2,), max_iter=2).fit(data, y)


def test_a_regression_target_of_text_is_named_y():
    with pytest.raises(ValueError, match=r"^y must hold numbers, could not convert it: "):
        cr.MLPRegressor((2,), max_iter=2).fit(X, ["x", "y"] * 5)


def test_text_of_numbers_still_converts_to_those_numbers():
    # the reference: the same fit on the numbers themselves
    as_text = CITY.assign(city=[repr(float(v)) for v in X[:, 0]])
    a = cr.MLPRegressor((2,), max_iter=3, random_state=0).fit(as_text, [repr(float(v)) for v in y])
    b = cr.MLPRegressor((2,), max_iter=3, random_state=0).fit(CITY.assign(city=X[:, 0]), y)
    np.testing.assert_array_equal(a.predict(CITY.assign(city=X[:, 0])),
                                  b.predict(CITY.assign(city=X[:, 0])))
