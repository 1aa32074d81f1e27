"""MLPClassifier / MLPRegressor's incremental training (partial_fit, warm starts) against
scikit-learn's MLP: the messages of the later calls and their steps from the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from threadpoolctl import threadpool_limits

from chainrule import MLPClassifier


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_a_multilabel_y_of_another_width_is_named_as_y(iris, how):
    """A later y with 3 label columns for a network of 2 outputs: a message naming y and
    both widths, not LabelBinarizer's "classes [0 1] mismatch with the labels [0 1 2]
    found in the data"; the network is left as it was."""
    X, y = iris
    two = np.column_stack([y == 0, y == 1]).astype(int)
    three = np.column_stack([two, y == 2])
    clf = MLPClassifier((5,), max_iter=3, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, two)
    before = [W.copy() for W in clf.coefs_]
    again = clf.partial_fit if how == "partial_fit" else clf.fit
    with pytest.raises(ValueError, match=r"^y has 3 label columns, but the estimator was fitted "
                                         r"on 2 \(a multi-label indicator matrix of shape "
                                         r"\(n_samples, 2\) was expected\)$"):
        again(X, three)
    for W, W0 in zip(clf.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W0)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
