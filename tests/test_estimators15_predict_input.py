"""predict, predict_proba, predict_log_proba and score of a fitted estimator on bad input,
side by side with scikit-learn 1.9's MLPs on the same calls: X of another number of
features (dense and sparse), NaN or infinity, no rows or no features, one row as a 1-D
array, a scalar, complex numbers, and the feature names of a DataFrame (columns missing,
added, renamed or reordered, names of mixed types, none; an estimator fitted without
names given a DataFrame): the same exception class and message, and the same warnings.
What differs on purpose is tested elsewhere (images, masked arrays, times, text).

And X that is no array of rows at all (None, a set, a dict, a generator, a string): the
estimators' checks (scikit-learn's validate_data with a float dtype) read None as a NaN
("Expected 2D array, got scalar array instead: array=nan.", where scikit-learn's own
says "array=None") and a set or a generator as an object they cannot convert ("float()
argument must be ...", a TypeError); now they name what was given, with the exception
class of scikit-learn's refusal.  Reference: scikit-learn's estimators."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule.estimators import MLPClassifier, MLPRegressor

pd = pytest.importorskip("pandas")

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 4))
Y = {"classifier": (X[:, 0] > 0).astype(int), "regressor": X[:, 0] + 0.5 * X[:, 1]}
NAMES = list("abcd")
DF = pd.DataFrame(X, columns=NAMES)
EYE = np.eye(40, 4) > 0

# bad X of each fitted pair: arrays (fitted on an array) and frames (fitted on a DataFrame)
ARRAYS = {
    "3 features": X[:, :3], "5 features": np.c_[X, X[:, :1]],
    "NaN": np.where(EYE, np.nan, X), "inf": np.where(EYE, np.inf, X),
    "-inf": np.where(EYE, -np.inf, X), "no rows": X[:0], "no features": X[:, :0],
    "1-D": X[0], "scalar": 1.5, "object None": np.array([[None] * 4] * 2, dtype=object),
    "complex": X[:2] + 1j, "sparse 3 features": sp.csr_matrix(X[:, :3]),
    "sparse NaN": sp.csr_matrix(np.where(EYE, np.nan, X)), "sparse no rows":
    sp.csr_matrix((0, 4)), "a DataFrame": DF,
}
FRAMES = {
    "reordered": DF[NAMES[::-1]], "a column fewer": DF[NAMES[:3]],
    "a column more": DF.assign(e=1.0), "renamed": DF.rename(columns={"a": "z"}),
    "names of two types": DF.rename(columns={"a": 0}), "NaN": DF.where(~EYE),
    "pd.NA": DF.astype("Float64").where(~EYE, pd.NA), "no names": X,
    "3 features, no names": X[:, :3], "a Series": DF["a"], "no rows": DF[:0],
}
NOT_ROWS = {"None": None, "a set": {1.0, 2.0}, "a dict": {"a": [1.0]}, "a string": "1.5",
            "a generator": (row for row in X[:2])}


def _calls(task: str) -> list[str]:
    return ["predict", "score"] + (["predict_proba", "predict_log_proba"]
                                   if task == "classifier" else [])


@pytest.fixture(scope="module")
def fitted():
    """Both libraries' estimators of each task, fitted on the array and on the DataFrame."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for task, ours, theirs in (("classifier", MLPClassifier, SkClassifier),
                                   ("regressor", MLPRegressor, SkRegressor)):
            for data, Xf in (("array", X), ("frame", DF)):
                out[task, data] = tuple(cls(hidden_layer_sizes=(5,), max_iter=5,
                                            random_state=0).fit(Xf, Y[task])
                                        for cls in (ours, theirs))
    return out


def _outcome(est, method: str, Xb, y) -> tuple:
    """The exception (class, message) and the warnings (class, message) of the call."""
    rows = np.shape(Xb)[0] if np.ndim(Xb) or sp.issparse(Xb) else len(y)
    args = (Xb, y[:rows] if rows <= len(y) else y) if method == "score" else (Xb,)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            getattr(est, method)(*args)
            raised = None
        except Exception as exc:  # the outcome compared
            raised = (type(exc).__name__, str(exc))
    return raised, [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("task", ["classifier", "regressor"])
@pytest.mark.parametrize(("data", "case"), [("array", k) for k in ARRAYS]
                         + [("frame", k) for k in FRAMES])
def test_bad_input_after_fit_is_refused_as_scikit_learn_refuses_it(fitted, task, data, case):
    ours, theirs = fitted[task, data]
    Xb = (ARRAYS if data == "array" else FRAMES)[case]
    for method in _calls(task):
        expected = _outcome(theirs, method, Xb, Y[task])
        got = _outcome(ours, method, Xb, Y[task])
        if expected[0] is None:  # accepted by both (the warnings compared): not the case
            assert got[0] is None, (method, got)
        assert _unled(got) == expected, method


def _unled(outcome: tuple) -> tuple:
    """The outcome without the lead "X must have at least one row: " that names the argument
    before scikit-learn's words of a shape it refuses (robust31)."""
    raised, caught = outcome
    if raised is None:
        return outcome
    return (raised[0], re.sub(r"^X must (have at least one (row|column)|hold real numbers, "
                              r"not complex|be 2-D, one row per example): ", "",
                              raised[1])), caught


@pytest.mark.parametrize("task", ["classifier", "regressor"])
@pytest.mark.parametrize("case", list(NOT_ROWS))
def test_x_that_is_no_array_of_rows_is_named(fitted, task, case):
    """The value given (its repr and type) named, with the exception class of
    scikit-learn's refusal of the same call; fit and partial_fit alike."""
    ours, theirs = fitted[task, "array"]

    def given():  # a new generator for each call
        return (row for row in X[:2]) if case == "a generator" else NOT_ROWS[case]

    def call(est, method):
        args = (given(), Y[task][:2]) if method == "score" else (given(),)
        return getattr(est, method)(*args)

    value = given()
    shown = "<generator object" if case == "a generator" else repr(value)
    for method in _calls(task):
        with pytest.raises(Exception) as theirs_raised:  # its class, compared below
            call(theirs, method)
        with pytest.raises(ValueError) as raised:
            call(ours, method)
        assert type(raised.value) is theirs_raised.type is ValueError
        message = str(raised.value)
        assert message.startswith("X must be an array-like of shape (n_samples, n_features)")
        assert f"got {shown}" in message and f"({type(value).__name__})" in message
    before = ours.coefs_[0].copy()
    for method in ("fit", "partial_fit"):
        kw = {"classes": [0, 1]} if method == "partial_fit" and task == "classifier" else {}
        with pytest.raises(ValueError, match=r"^X must be an array-like of shape"):
            getattr(ours, method)(given(), Y[task][:2], **kw)
    np.testing.assert_array_equal(ours.coefs_[0], before)
