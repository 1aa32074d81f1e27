"""A warm start's or a later partial_fit's refusals about the fitted state say first what
scikit-learn's MLP says on the same call, word for word (its message computed here, from
its own estimator on the same data), then chainrule's detail in parentheses.

Before (robust26): "X: X has 2 features, but ... (...)." (a doubled "X"), "y contains
classes not seen in the first fit: [2]; ..." where scikit-learn says "`y` has classes not
in `self.classes_`. ..." (partial_fit) or "warm_start can only be used where `y` has the
same classes ..." (fit), "classes=[0, 1, 2, 3] differs from the classes of the first call
..." for its "`classes=[0, 1, 2, 3]` is not the same as on last call to partial_fit, was:
array([0, 1, 2])", and "classes must be passed on the first call to partial_fit" without
its full stop.

A changed hidden_layer_sizes (refused here, fitted with the old sizes by scikit-learn) and
a y of another number of outputs (NumPy's matmul error there) have no message of
scikit-learn's to match and keep chainrule's.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

import chainrule as cr

rng = np.random.default_rng(0)
X = rng.standard_normal((30, 3))
Y3 = np.array([0, 1, 2] * 10)
Y2 = np.array([0, 1] * 15)
TEXT = np.array(["a", "b"] * 15)
TEXT3 = np.array(["a", "b", "c"] * 10)


def _pf(C, **kw):
    return C(hidden_layer_sizes=(4,), random_state=0, **kw)


def _warm(C):
    return C(hidden_layer_sizes=(4,), max_iter=3, random_state=0, warm_start=True)


CASES = {  # (scikit-learn's class, chainrule's) -> the calls
    "partial_fit, fewer features": (
        "c", lambda C: _pf(C).partial_fit(X, Y3, classes=[0, 1, 2]).partial_fit(X[:, :2], Y3)),
    "warm start, fewer features": (
        "c", lambda C: _warm(C).fit(X, Y3).fit(X[:, :2], Y3)),
    "regressor partial_fit, more features": (
        "r", lambda C: _pf(C).partial_fit(X[:, :2], X[:, 0]).partial_fit(X, X[:, 0])),
    "partial_fit, a new class": (
        "c", lambda C: _pf(C).partial_fit(X, Y2, classes=[0, 1]).partial_fit(X, Y3)),
    "partial_fit, a new text class": (
        "c", lambda C: _pf(C).partial_fit(X, TEXT, classes=["a", "b"]).partial_fit(X, TEXT3)),
    "first partial_fit, y outside classes": (
        "c", lambda C: _pf(C).partial_fit(X, Y3, classes=[0, 1])),
    "partial_fit, other classes": (
        "c", lambda C: _pf(C).partial_fit(X, Y3, classes=[0, 1, 2]).partial_fit(
            X, Y3, classes=[0, 1, 2, 3])),
    "first partial_fit, no classes": ("c", lambda C: _pf(C).partial_fit(X, Y3)),
    "warm start, a new class": ("c", lambda C: _warm(C).fit(X, Y2).fit(X, Y3)),
}


def _message(call) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=3 does not converge
        with pytest.raises(ValueError) as caught:
            call()
    return str(caught.value)


@pytest.mark.parametrize("case", CASES)
def test_the_refusal_begins_with_scikit_learns_words(case) -> None:
    kind, call = CASES[case]
    sk, ours = ((SkClassifier, cr.MLPClassifier) if kind == "c"
                else (SkRegressor, cr.MLPRegressor))
    expected = _message(lambda: call(sk))
    got = _message(lambda: call(ours))
    assert got.startswith(expected), (got, expected)
    rest = got[len(expected):]
    assert rest == "" or (rest.startswith(" (") and rest.endswith(")")), rest


def test_the_details_name_the_labels_and_the_way_out() -> None:
    got = _message(lambda: _pf(cr.MLPClassifier).partial_fit(X, Y2, classes=[0, 1])
                   .partial_fit(X, Y3))
    assert got.endswith("(y contains classes not seen in the first fit: [2]; expected a "
                        "subset of [0, 1])")
    got = _message(lambda: _warm(cr.MLPClassifier).fit(X, Y3).fit(X[:, :2], Y3))
    assert got.endswith("(a warm start (warm_start=True) goes on with the fitted network; "
                        "to train another architecture fit a new network (warm_start=False))")


def test_a_warm_start_on_a_subset_of_the_classes_is_still_fitted() -> None:
    """scikit-learn refuses it (its "same classes"); chainrule fits it, as before."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = _warm(cr.MLPClassifier).fit(X, Y3).fit(X[Y3 < 2], Y3[Y3 < 2])
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.predict_proba(X).shape == (30, 3)
