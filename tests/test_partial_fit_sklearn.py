"""MLPClassifier / MLPRegressor's incremental training (partial_fit, warm starts) against
scikit-learn's MLP: the messages of the later calls and their steps from the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from threadpoolctl import threadpool_limits

from chainrule import MLPClassifier, MLPRegressor


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


@pytest.mark.parametrize(("classes", "match"), [
    ([[0, 1, 2]], r"^classes must be a non-empty 1-D list of class labels, got \[\[0, 1, 2\]\]$"),
    ([None, 1], r"^classes must be class labels \(integers or strings\), got \[None, 1\] "
                r"\(type 'unknown'\)$"),
    ([0, 1, np.nan], r"^classes must be class labels, got NaN or infinity in "),
    ([0, 1, 2, 3], r"^classes=\[0, 1, 2, 3\] differs from the classes of the first call to "
                   r"partial_fit, \[0, 1, 2\]$"),
])
def test_a_later_calls_classes_are_checked_as_the_first_calls(iris, classes, match):
    """classes=[[0, 1, 2]] passed on a later call was flattened and taken (the first call
    refuses it), and [None, 1] raised a TypeError of np.unique's ("'<' not supported
    between instances of 'int' and 'NoneType'"): both are refused as on the first call,
    naming classes, as scikit-learn refuses them (its "Unknown label type")."""
    X, y = iris
    clf = MLPClassifier((5,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    before = clf.coefs_[0].copy()
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, y, classes=classes)
    np.testing.assert_array_equal(clf.coefs_[0], before)
    if len(classes) != 4:  # the first call refuses them with the same message
        with pytest.raises(ValueError, match=match):
            MLPClassifier((5,), random_state=0).partial_fit(X, y, classes=classes)
    # the same classes in another order, or repeated, are the first call's
    clf.partial_fit(X, y, classes=[2, 0, 1, 1])
    assert clf.classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("how", ["partial_fit", "fit float32", "lbfgs float32"])
def test_float64_values_beyond_float32_are_named_as_too_large(sparse, how):
    """A float64 batch with -1e39 for a float32 network: -1e39 is finite, and np.float32
    makes it -inf.  The estimators converted X whole before the training core's check,
    which then said "X contains 1 NaN or infinite value(s)" (with NumPy's overflow
    warning); the message is now the core's and prediction's: too large for float32."""
    import scipy.sparse

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    bad = X.copy()
    bad[3, 1] = -1e39
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(bad[3, 1]))  # the reference: NumPy's conversion
    wrap = scipy.sparse.csr_matrix if sparse else np.asarray
    if how == "partial_fit":  # a float32 network (its first batch's dtype) continued
        clf = MLPClassifier((4,), random_state=0).partial_fit(X.astype(np.float32), y,
                                                               classes=[0, 1])
        before = clf.coefs_[0].copy()
        action = lambda: clf.partial_fit(wrap(bad), y)  # noqa: E731
    else:
        clf = MLPClassifier((4,), random_state=0, dtype="float32",
                            solver="lbfgs" if how.startswith("lbfgs") else "adam")
        action = lambda: clf.fit(wrap(bad), y)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warning either
        with pytest.raises(ValueError, match=r"^X has values too large for float32 \(largest "
                                             r"magnitude 1e\+39, limit 3\.40282e\+38\)$"):
            action()
    if how == "partial_fit":
        np.testing.assert_array_equal(clf.coefs_[0], before)
        assert clf.t_ == 20


@pytest.mark.parametrize("how", ["partial_fit", "fit float32", "lbfgs float32"])
def test_float64_targets_beyond_float32_are_named_as_too_large(how):
    """A regression target 1e39 for a float32 network: the targets were converted
    before any check and refused as "Y contains 1 NaN or infinite value(s)" (an
    argument named Y, which no caller passes, and a value y does not hold); now as
    X is: "y has values too large for float32"."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    bad = X[:, 0].copy()
    bad[2] = 1e39
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(bad[2]))
    if how == "partial_fit":
        reg = MLPRegressor(hidden_layer_sizes=(4,), random_state=0)
        reg.partial_fit(X.astype(np.float32), X[:, 0])
        action = lambda: reg.partial_fit(X, bad)  # noqa: E731
    else:
        reg = MLPRegressor(hidden_layer_sizes=(4,), random_state=0, dtype="float32",
                           solver="lbfgs" if how.startswith("lbfgs") else "adam")
        action = lambda: reg.fit(X, bad)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"^y has values too large for float32 \(largest "
                                             r"magnitude 1e\+39, limit 3\.40282e\+38\)$"):
            action()


@pytest.mark.parametrize("solver", [
    dict(solver="sgd", momentum=0.9, nesterovs_momentum=True, learning_rate_init=0.1),
    dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate_init=0.1),
    dict(solver="sgd", momentum=0.9, learning_rate="invscaling", power_t=0.25,
         learning_rate_init=0.2),
    dict(solver="adam", learning_rate_init=0.01),
], ids=["nesterov", "momentum", "invscaling", "adam"])
def test_five_partial_fit_calls_take_scikit_learns_steps_from_its_first_call(solver):
    """From the first call on, not from weights copied in later: both estimators start
    from the same weights (scikit-learn's initialiser and chainrule's ``init`` give
    them; biases 0), and five partial_fit calls of 128 digits (two batches of 64, in
    order) give scikit-learn's loss_curve_, coefs_, intercepts_, t_ and rate."""
    X, y = load_digits(return_X_y=True)
    X = X / 16
    rng = np.random.default_rng(1)
    start = {(a, b): rng.uniform(-np.sqrt(6 / (a + b)), np.sqrt(6 / (a + b)), (a, b))
             for a, b in ((64, 100), (100, 10))}
    kw = dict(hidden_layer_sizes=(100,), batch_size=64, shuffle=False, random_state=0, **solver)
    theirs = SkMLPClassifier(**kw)
    theirs._init_coef = lambda fan_in, fan_out, dtype: (start[fan_in, fan_out].astype(dtype),
                                                        np.zeros(fan_out, dtype))
    ours = MLPClassifier(init=lambda rng, fan_in, fan_out: start[fan_in, fan_out].copy(), **kw)
    for i in range(5):
        rows = slice(128 * i, 128 * (i + 1))
        for est in (theirs, ours):
            est.partial_fit(X[rows], y[rows], classes=np.arange(10) if i == 0 else None)
    assert len(ours.loss_curve_) == 5 and ours.n_iter_ == theirs.n_iter_ == 1
    assert ours.t_ == theirs.t_ == 640
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-13)
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-13)
    for mine, skl in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                         strict=True):
        np.testing.assert_allclose(mine, skl, rtol=1e-11, atol=1e-14)
    if solver["solver"] == "sgd":
        assert ours._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate, rel=1e-14)
