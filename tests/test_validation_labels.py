"""Class labels NumPy cannot sort (a mix of strings and numbers, a missing label) are
refused naming the argument, the kinds and the row, before NumPy's own sort fails with
``TypeError: '<' not supported between instances of 'int' and 'str'`` (or pandas'
``boolean value of NA is ambiguous``), a message that names neither."""

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule._validation_labels import check_label_kinds
from chainrule.autoencoder import self_taught_learning

X = np.random.default_rng(0).uniform(0.1, 0.9, size=(12, 3))


def _classifiers():
    return [
        cr.MLPClassifier((3,), max_iter=2, random_state=0),
        cr.SoftmaxRegression(max_iter=2, random_state=0),
        cr.StackedAutoencoder((2,), max_iter=2, softmax_max_iter=2, fine_tune_iter=2,
                              random_state=0),
    ]


MIXED = np.array(["a", 1] * 6, dtype=object)
MISSING = [
    np.array(["a", "b", None] * 4, dtype=object),
    pd.array(["a", "b", None] * 4, dtype="string"),  # pd.NA
    ["a", "b", float("nan")] * 4,  # np.asarray would make it the class "nan"
]


@pytest.mark.parametrize("est", _classifiers(), ids=lambda e: type(e).__name__)
def test_a_mix_of_strings_and_numbers_is_refused_naming_y_and_the_kinds(est):
    with pytest.raises(ValueError, match=r"^y must hold class labels of one kind.*"
                                         r"number \(1\), string \('a'\)"):
        est.fit(X, MIXED)


@pytest.mark.parametrize("est", _classifiers(), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("y", MISSING, ids=["None", "pd.NA", "nan-in-list"])
def test_a_missing_label_is_refused_naming_y_the_count_and_the_first_row(est, y):
    with pytest.raises(ValueError, match=r"^y has 4 missing label\(s\).*first in row 2"):
        est.fit(X, y)


def test_partial_fit_names_classes_and_self_taught_learning_names_y_train():
    with pytest.raises(ValueError, match=r"^classes must hold class labels of one kind"):
        cr.MLPClassifier((3,)).partial_fit(X, ["a", "b"] * 6,
                                            classes=np.array(["a", "b", 3], dtype=object))
    with pytest.raises(ValueError, match=r"^classes has 1 missing label\(s\).*first at place 2"):
        cr.MLPClassifier((3,)).partial_fit(X, ["a", "b"] * 6, classes=["a", "b", None])
    with pytest.raises(ValueError, match=r"^y_train must hold class labels of one kind"):
        self_taught_learning(X, X, MIXED, X, ["a", "b"] * 6, n_hidden=2, hidden_sizes=(2,))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("y", [
    ["b", "a"] * 6, np.array([2, 1] * 6), pd.Categorical(["b", "a"] * 6),
    pd.Series(["b", "a"] * 6), np.array(["b", "a"] * 6, dtype=object), [True, False] * 6,
], ids=["list-str", "ints", "categorical", "series", "object-str", "bools"])
def test_labels_of_one_kind_still_fit_with_the_classes_numpy_sorts_them_into(y):
    check_label_kinds(y)  # no error
    est = cr.MLPClassifier((3,), max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.classes_, np.unique(np.asarray(y)))


def test_labels_held_as_numbers_or_strings_are_not_scanned():
    # a float array with NaN is the classifiers' own business (scikit-learn's message
    # "Input y contains NaN"), not a label kind
    check_label_kinds(np.array([0.0, np.nan]))
    check_label_kinds(np.array([["a", "b"], ["c", "d"]]))
