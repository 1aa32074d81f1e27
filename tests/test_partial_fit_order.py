"""MLPClassifier.partial_fit's third argument: ``classes`` here (as SGDClassifier's), but
``sample_weight`` in scikit-learn's MLPClassifier since 1.7.  A positional call written for
the latter must not pass 0/1 weights off as the classes."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from chainrule import MLPClassifier


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 2, 30)
    return X, y, rng


def test_the_two_conventions_of_scikit_learn():
    """The reason for the check below: both orders are scikit-learn's."""
    ours = list(inspect.signature(MLPClassifier.partial_fit).parameters)[3:]
    assert ours == list(inspect.signature(SGDClassifier.partial_fit).parameters)[3:5]
    assert ours == ["classes", "sample_weight"]
    sk = list(inspect.signature(SkMLPClassifier.partial_fit).parameters)[3:]
    assert set(sk) == {"classes", "sample_weight"}  # their order depends on the version


@pytest.mark.parametrize("dtype", [int, float, bool])
@pytest.mark.parametrize("first", [True, False])
def test_weights_passed_as_the_third_argument_are_refused(dtype, first):
    """Before: 0/1 weights given positionally (scikit-learn >= 1.7's order) passed as
    classes [0, 1] and the weights were silently dropped: the network was the unweighted
    one.  Keyword arguments give the weighted step, which differs from the unweighted."""
    X, y, rng = _data()
    w = (rng.uniform(size=30) > 0.3).astype(dtype)
    est = MLPClassifier((3,), random_state=0)
    if not first:
        est.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes has 30 values, with repeats, one per "
                       r"sample: sample weights\?.*pass sample_weight= \(and classes=\) by "
                       r"keyword"):
        est.partial_fit(X, y, w)
    weighted = MLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1],
                                                               sample_weight=w)
    plain = MLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1])
    # the batch's loss before the step: the weights' mean, not the plain mean
    assert abs(weighted.loss_curve_[0] - plain.loss_curve_[0]) > 1e-3


def test_classes_given_positionally_or_with_repeats_still_work():
    """The classes as SGDClassifier takes them: positionally, y itself (a batch's labels,
    repeats and all), or any list of labels with repeats that is not one per sample."""
    X, y, _ = _data()
    ref = MLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1])
    for classes in ([0, 1], y, np.array([1, 0, 1, 1, 0])):
        est = MLPClassifier((3,), random_state=0).partial_fit(X, y, classes)
        np.testing.assert_array_equal(est.classes_, [0, 1])
        np.testing.assert_array_equal(est.coefs_[0], ref.coefs_[0])
        est.partial_fit(X, y, classes)  # a later call too


def test_labels_that_cannot_be_weights_are_classes_whatever_their_number():
    """Before: any classes argument of one value per sample with repeats that was not y
    itself was refused as sample weights, text labels too: partial_fit(X[perm], y[perm],
    classes=y), the whole label column of a one-batch epoch, shuffled.  Weights are
    numbers: text (or object) labels are the classes they name, as before the check."""
    X, y, rng = _data()
    names = np.array(["no", "yes"])[y]
    perm = rng.permutation(30)
    ref = MLPClassifier((3,), random_state=0).partial_fit(X[perm], names[perm],
                                                          classes=["no", "yes"])
    for classes in (names, list(names), names.astype(object)):
        est = MLPClassifier((3,), random_state=0).partial_fit(X[perm], names[perm], classes)
        np.testing.assert_array_equal(est.classes_, ["no", "yes"])
        np.testing.assert_array_equal(est.coefs_[0], ref.coefs_[0])
        est.partial_fit(X[perm], names[perm], classes)  # a later call too



def test_the_refusal_says_what_to_pass_for_numeric_labels_one_per_sample():
    """Numbers one per sample are refused even by keyword (weights or a label column,
    they cannot be told apart): the message said only to pass them by keyword, which a
    caller of classes=y_all already did; it now names the classes' own form as well."""
    X, y, rng = _data()
    perm = rng.permutation(30)
    with pytest.raises(ValueError, match=r"if these are the labels of the samples, pass "
                       r"each class once \(classes=np\.unique\(y\)\)"):
        MLPClassifier((3,), random_state=0).partial_fit(X[perm], y[perm], classes=y)


def test_y_as_a_column_with_classes_y_is_the_labels_it_holds():
    """y of shape (n, 1) is the labels as a column (scikit-learn's column_or_1d, with a
    DataConversionWarning), and classes=y.ravel() names its classes as classes=y does for
    a 1-D y; the check took the column for a multi-label y, not equal to classes, and
    refused it as sample weights (it had worked before the check)."""
    X, y, _ = _data()
    ref = MLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1])
    with pytest.warns(DataConversionWarning):
        est = MLPClassifier((3,), random_state=0).partial_fit(X, y[:, None], classes=y)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    np.testing.assert_array_equal(est.coefs_[0], ref.coefs_[0])


@pytest.mark.parametrize("first", [True, False])
def test_weights_of_no_repeats_passed_third_are_refused_as_weights(first):
    """Weights drawn at random (30 fractions, no repeats) passed third, as scikit-learn's
    MLPClassifier takes them: refused as classes that are no labels, with all 30 numbers
    in the message and no word of sample_weight.  Now named as weights given in
    scikit-learn's order, as 0/1 weights are."""
    X, y, rng = _data()
    w = rng.uniform(0.5, 2.0, 30)
    SkMLPClassifier((3,), random_state=0).partial_fit(X, y, w, classes=[0, 1])  # theirs
    est = MLPClassifier((3,), random_state=0)
    if not first:
        est.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes has 30 values, not whole numbers, one per "
                       r"sample: sample weights\?.*pass sample_weight= \(and classes=\) by "
                       r"keyword"):
        est.partial_fit(X, y, w)


@pytest.mark.parametrize("first", [True, False])
def test_classes_passed_fourth_as_scikit_learn_takes_them_are_named(first):
    """partial_fit(X, y, None, [0, 1]), scikit-learn's order (sample_weight=None, then
    classes): here the classes landed in sample_weight, and the first call said "classes
    must be passed" (they had been), a later one that sample_weight had the wrong shape.
    Now both say that the two values look like the classes and what to pass."""
    X, y, _ = _data()
    SkMLPClassifier((3,), random_state=0).partial_fit(X, y, None, [0, 1])  # theirs
    est = MLPClassifier((3,), random_state=0)
    if not first:
        est.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"sample_weight has 2 value\(s\) for the 30 rows of "
                       r"y, and classes is None: the classes\?.*takes sample_weight third and "
                       r"classes fourth.*by keyword"):
        est.partial_fit(X, y, None, [0, 1])


def test_weights_given_by_keyword_are_unaffected():
    """Keyword calls as before: weights of the rows' length, one number for all rows, and
    a multi-label y without classes; a weight list of another length with classes given
    keeps the shape error that names sample_weight."""
    X, y, rng = _data()
    w = rng.uniform(0.5, 2.0, 30)
    MLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1], sample_weight=w)
    MLPClassifier((3,), random_state=0).partial_fit(X, y, [0, 1], sample_weight=2.0)
    Y = np.stack([y, 1 - y, y], axis=1)
    MLPClassifier((3,), random_state=0).partial_fit(X, Y, sample_weight=w).partial_fit(
        X, Y, sample_weight=w)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(30,\)"):
        MLPClassifier((3,), random_state=0).partial_fit(X, y, classes=[0, 1],
                                                        sample_weight=w[:5])
