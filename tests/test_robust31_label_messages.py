"""Refusals of class labels and of 1-D X name the argument (robust31).

Before: scikit-learn's "Unknown label type: continuous. Maybe you are trying to fit a
classifier ..." (MLPClassifier, SoftmaxRegression, StackedAutoencoder), "Expected 2D
array, got 1D array instead" (X of one row or one feature as a 1-D array), and in
``score`` "Mix of label input types (string and number)" / "Classification metrics
can't handle a mix of continuous and binary targets" named no argument; ragged
``classes`` for ``partial_fit`` came out as NumPy's "setting an array element with a
sequence", complex ``classes`` as "y must hold real numbers".  scikit-learn's words
are kept after the lead.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(313)
X = RNG.normal(size=(12, 3))
Y = (X[:, 0] > 0).astype(int)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call()


@pytest.mark.parametrize("cls", [cr.MLPClassifier, cr.SoftmaxRegression])
def test_continuous_labels_name_y(cls) -> None:
    with pytest.raises(ValueError, match=r"^y must hold class labels \(integers or strings\), "
                                         r"not continuous values: Unknown label type: "):
        _quiet(lambda: cls(max_iter=2).fit(X, Y + 0.5))


@pytest.mark.parametrize(("classes", "pattern"), [
    ([[0, 1], [1]], r"^classes must be a non-empty 1-D list of class labels, got \[\[0, 1\], "
                    r"\[1\]\]$"),
    (np.array([0, 1]) + 1j, r"^classes must be class labels \(integers or strings\), got "
                            r"complex numbers"),
])
def test_partial_fit_classes_named(classes, pattern) -> None:
    est = cr.MLPClassifier(max_iter=2)
    with pytest.raises(ValueError, match=pattern):
        _quiet(lambda: est.partial_fit(X, Y, classes=classes))
    assert not hasattr(est, "network_")


def test_one_d_x_named() -> None:
    est = _quiet(lambda: cr.MLPClassifier(hidden_layer_sizes=(2,), max_iter=2,
                                          random_state=0).fit(X, Y))
    before = est.coefs_[0].copy()
    for call in (lambda: est.predict(X[0]), lambda: est.fit(X[:, 0], Y),
                 lambda: cr.SparseAutoencoder(max_iter=2).fit(None)):
        with pytest.raises(ValueError, match=r"^X must be 2-D, one row per example: "
                                             r"Expected 2D array"):
            _quiet(call)
    np.testing.assert_array_equal(est.coefs_[0], before)


@pytest.mark.parametrize("y", [Y.astype(str), Y + 0.5], ids=["text", "continuous"])
def test_score_labels_of_another_kind_named(y) -> None:
    est = _quiet(lambda: cr.MLPClassifier(hidden_layer_sizes=(2,), max_iter=2,
                                          random_state=0).fit(X, Y))
    with pytest.raises(ValueError, match=r"^y must hold labels of the kind of the fitted "
                                         r"classes \(classes_ = array\(\[0, 1\]\)\): "):
        est.score(X, y)
