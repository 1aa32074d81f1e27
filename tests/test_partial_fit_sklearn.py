"""MLPClassifier / MLPRegressor's incremental training (partial_fit, warm starts) against
scikit-learn's MLP: the messages of the later calls and their steps from the same weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)


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
    ([0, 1, 2, 3], r"^`classes=\[0, 1, 2, 3\]` is not the same as on last call to partial_fit, "
                   r"was: array\(\[0, 1, 2\]\) \(classes=\[0, 1, 2, 3\] differs from the "
                   r"classes of the first call to partial_fit, \[0, 1, 2\]\)$"),
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
    ours = MLPClassifier(init=lambda rng, fan_in, fan_out: start[fan_in, fan_out].copy(),
                         bias_init="zeros", **kw)
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


_SWITCHES = {
    "adam->sgd invscaling": (dict(solver="adam", learning_rate_init=0.01),
                             dict(solver="sgd", learning_rate="invscaling")),
    "adam->sgd adaptive": (dict(solver="adam", learning_rate_init=0.01),
                           dict(solver="sgd", learning_rate="adaptive", tol=10.0)),
    "sgd invscaling->adam": (dict(solver="sgd", learning_rate="invscaling",
                                  learning_rate_init=0.2, power_t=0.25), dict(solver="adam")),
    "constant->invscaling": (dict(solver="sgd", learning_rate_init=0.1),
                             dict(learning_rate="invscaling")),
    "invscaling: new init and power_t": (
        dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.2, power_t=0.25),
        dict(learning_rate_init=0.05, power_t=0.5)),
    "adaptive->constant": (dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.2,
                                tol=10.0), dict(learning_rate="constant")),
    "constant->adaptive": (dict(solver="sgd", learning_rate_init=0.1, tol=10.0),
                           dict(learning_rate="adaptive")),
}


@pytest.mark.parametrize("switch", list(_SWITCHES))
def test_partial_fit_after_set_params_goes_on_with_the_first_calls_rule(switch):
    """scikit-learn's partial_fit goes on with the optimizer of its first call, and that
    optimizer holds its learning-rate rule (SGDOptimizer's schedule, learning_rate_init and
    power_t; Adam has none).  chainrule's rule followed the current solver and settings:
    adam -> sgd "invscaling" set the carried Adam's rate to 3e-4 (scikit-learn's stays
    0.01), sgd "invscaling" -> adam froze the SGD's rate, and a new learning_rate,
    learning_rate_init or power_t changed the carried SGD's (weights 0.02 to 0.4 apart
    after 6 more calls).  (tol=10 with n_iter_no_change=1: every epoch after the first
    counts as no improvement, so "adaptive" divides the rate by 5 every other call.)"""
    first, later = _SWITCHES[switch]
    X, y = load_digits(return_X_y=True)
    X = X / 16
    rng = np.random.default_rng(1)
    start = {(a, b): rng.uniform(-np.sqrt(6 / (a + b)), np.sqrt(6 / (a + b)), (a, b))
             for a, b in ((64, 20), (20, 10))}
    kw = dict(hidden_layer_sizes=(20,), batch_size=64, shuffle=False, random_state=0,
              momentum=0.9, n_iter_no_change=1, **first)
    theirs = SkMLPClassifier(**kw)
    theirs._init_coef = lambda fan_in, fan_out, dtype: (start[fan_in, fan_out].astype(dtype),
                                                        np.zeros(fan_out, dtype))
    ours = MLPClassifier(init=lambda rng, fan_in, fan_out: start[fan_in, fan_out].copy(),
                         bias_init="zeros", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(8):
            rows = slice(128 * i, 128 * (i + 1))
            for est in (theirs, ours):
                if i == 2:
                    est.set_params(**later)
                est.partial_fit(X[rows], y[rows], classes=np.arange(10) if i == 0 else None)
    assert type(ours._optimizer).__name__.lower() == first["solver"]
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    for mine, skl in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                         strict=True):
        np.testing.assert_allclose(mine, skl, rtol=1e-10, atol=1e-13)
    if first["solver"] == "sgd":
        assert ours._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate, rel=1e-14)
    else:
        assert ours._optimizer.lr == theirs._optimizer.learning_rate_init == 0.01


def test_a_saved_estimator_keeps_the_rule_its_sgd_was_built_with(tmp_path):
    """The file records the carried SGD's rule, so that the estimator read back goes on
    as the saved one: invscaling from 0.2 with power_t 0.25 after 512 examples, whatever
    solver and rate set_params gave since; a damaged rule is refused by name."""
    import json

    from chainrule import load_estimator

    X, y = load_digits(return_X_y=True)
    X = X / 16
    est = MLPClassifier((8,), solver="sgd", learning_rate="invscaling", learning_rate_init=0.2,
                        power_t=0.25, batch_size=64, shuffle=False, random_state=0)
    est.partial_fit(X[:128], y[:128], classes=np.arange(10))
    est.set_params(solver="adam", learning_rate="constant", learning_rate_init=0.01)
    path = est.save(tmp_path / "est.npz")
    back = load_estimator(path)
    for i in (1, 2, 3):
        for e in (est, back):
            e.partial_fit(X[128 * i:128 * (i + 1)], y[128 * i:128 * (i + 1)])
    assert back._optimizer.lr == est._optimizer.lr == pytest.approx(0.2 / 513**0.25,
                                                                    rel=1e-14)
    np.testing.assert_array_equal(back.network_.params, est.network_.params)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    assert meta["training"]["rule"] == {"learning_rate": "invscaling",
                                        "learning_rate_init": 0.2, "power_t": 0.25}
    meta["training"]["rule"]["learning_rate"] = "cosine"
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match=r"training\.rule: expected an object of "
                                         r"'learning_rate' \(one of \['constant', "
                                         r"'invscaling', 'adaptive'\]\).*found \{'learning_rate"
                                         r"': 'cosine'"):
        load_estimator(path)


@pytest.mark.parametrize("rule", ["invscaling", "adaptive"])
def test_a_schedule_set_after_partial_fit_of_a_rule_is_refused_not_ignored(rule):
    """partial_fit goes on with the SGD of its first call and its rule.  A schedule set since
    (with learning_rate="constant", as the parameters' own check asks) went through and did
    nothing: the rule, run after it every epoch, set the rate (invscaling: 0.2 / (t + 1)
    ** 0.25 after each call, the exponential schedule's halving never seen).  The two
    setting one rate are refused, as learning_rate and schedule together are, with the
    estimator left as it was; with schedule=None the rule goes on."""
    X, y = load_digits(return_X_y=True)
    X = X / 16
    est = MLPClassifier((8,), solver="sgd", learning_rate=rule, learning_rate_init=0.2,
                        power_t=0.25, batch_size=64, shuffle=False, random_state=0)
    est.partial_fit(X[:128], y[:128], classes=np.arange(10))
    params, lr, t = est.network_.params.copy(), est._optimizer.lr, est.t_
    est.set_params(learning_rate="constant", schedule={"name": "exponential", "gamma": 0.5})
    with pytest.raises(ValueError, match=rf"schedule=\{{'name': 'exponential', 'gamma': 0.5\}}: "
                                         rf"partial_fit goes on with the optimizer of its first "
                                         rf"call, whose rate follows learning_rate='{rule}'"):
        est.partial_fit(X[128:256], y[128:256])
    assert est.t_ == t == 128 and est._optimizer.lr == lr and len(est.loss_curve_) == 1
    np.testing.assert_array_equal(est.network_.params, params)
    est.set_params(schedule=None)
    est.partial_fit(X[128:256], y[128:256])
    assert est._optimizer.lr == pytest.approx(0.2 / 257**0.25 if rule == "invscaling" else 0.2,
                                              rel=1e-14)


def test_a_file_without_the_rule_goes_on_with_its_settings_rule_after_set_params(tmp_path):
    """A file written before the training record held the SGD's rule: read back, the rule
    followed the settings of each later call, so set_params(learning_rate="invscaling",
    learning_rate_init=0.05) after loading gave the carried constant-rate SGD (0.1) the
    rates 0.0025, 0.0022, ... while the estimator that was saved (and scikit-learn's)
    keeps 0.1.  The file's settings are the rule its SGD went on with, and are kept."""
    from chainrule import load_estimator
    from file_helpers import edit_saved_meta

    X, y = load_digits(return_X_y=True)
    X = X / 16
    est = MLPClassifier((8,), solver="sgd", learning_rate_init=0.1, batch_size=64,
                        shuffle=False, random_state=0)
    est.partial_fit(X[:128], y[:128], classes=np.arange(10))
    path = est.save(tmp_path / "est.npz")
    edit_saved_meta(path, lambda meta: meta["training"].pop("rule"))
    back = load_estimator(path)
    for e in (est, back):
        e.set_params(learning_rate="invscaling", learning_rate_init=0.05)
    for i in (1, 2, 3):
        for e in (est, back):
            e.partial_fit(X[128 * i:128 * (i + 1)], y[128 * i:128 * (i + 1)])
    assert back._optimizer.lr == est._optimizer.lr == 0.1
    np.testing.assert_array_equal(back.network_.params, est.network_.params)
    assert load_estimator(back.save(tmp_path / "again.npz"))._optimizer_rule == {
        "learning_rate": "constant", "learning_rate_init": 0.1, "power_t": 0.5}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_learning_rate_init_set_between_calls_waits_for_fit_with_a_schedule_too(tmp_path):
    """partial_fit goes on with its first call's optimizer: learning_rate_init set since
    takes effect at the next fit (the docstring; scikit-learn's rule).  With a schedule, the
    run's initial rate was read from learning_rate_init on each call, so the rate jumped
    one call after set_params (0.1 x 0.5**k, then 2.5 x 0.5**k).  The run now keeps the
    rate it started from, through a save and load_estimator too; a fit starts at the new
    learning_rate_init."""
    from chainrule import load_estimator

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    kw = dict(hidden_layer_sizes=(12,), solver="sgd", learning_rate_init=0.1,
              schedule={"name": "exponential", "gamma": 0.5}, random_state=0, shuffle=False)
    plain, changed = MLPClassifier(**kw), MLPClassifier(**kw)
    for est in (plain, changed):
        for _ in range(3):
            est.partial_fit(X, y, classes=np.arange(10))
    changed.set_params(learning_rate_init=2.5)
    path = tmp_path / "est.npz"
    changed.save(path)
    loaded = load_estimator(path)
    rates = {id(est): [] for est in (plain, changed, loaded)}
    for _ in range(2):
        for est in (plain, changed, loaded):
            est.partial_fit(X, y)
            rates[id(est)].append(est.history_["lr"][0])
    # the schedule's rates from 0.1: 0.1 * 0.5**3, 0.1 * 0.5**4, written out
    np.testing.assert_allclose(rates[id(plain)], [0.0125, 0.00625], rtol=1e-15)
    assert rates[id(changed)] == rates[id(loaded)] == rates[id(plain)]
    np.testing.assert_array_equal(changed.network_.params, plain.network_.params)
    np.testing.assert_array_equal(loaded.network_.params, plain.network_.params)
    changed.fit(X, y)
    assert changed.history_["lr"][:2] == [2.5, 1.25]


@pytest.mark.parametrize("lr0", ["absent", -1.0, float("nan"), "0.1", None])
def test_a_schedule_runs_initial_rate_in_a_file(tmp_path, lr0):
    """A file written before the run's initial rate was recorded goes on from its
    learning_rate_init (what partial_fit then read); a damaged one is refused by name."""
    from chainrule import load_estimator
    from file_helpers import edit_saved_meta

    X, y = load_digits(return_X_y=True)
    X, y = X[:100] / 16, y[:100]
    est = MLPClassifier((4,), solver="sgd", learning_rate_init=0.3, random_state=0,
                        schedule={"name": "exponential", "gamma": 0.5})
    est.partial_fit(X, y, classes=np.arange(10))
    path = tmp_path / "est.npz"
    est.save(path)

    def edit(meta):
        if lr0 == "absent":
            del meta["training"]["schedule_run"]["lr0"]
        else:
            meta["training"]["schedule_run"]["lr0"] = lr0

    edit_saved_meta(path, edit)
    if lr0 != "absent":
        with pytest.raises(ValueError, match=r"training\.schedule_run\.lr0: expected a number "
                                             r">= 0, found "):
            load_estimator(path)
        return
    older = load_estimator(path)
    older.partial_fit(X, y)
    assert older.history_["lr"] == [0.3 * 0.5]
