"""MLPClassifier / MLPRegressor: weighted cost in the core, scikit-learn integration, features,
save/load, and accuracy against scikit-learn's MLP on the same data and configuration."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import chainrule
from chainrule import (
    BatchNorm,
    Dense,
    Dropout,
    MLPClassifier,
    MLPRegressor,
    load_estimator,
    minimize,
    mlp,
    schedules,
    train,
)
from chainrule.activations import unregister_activation
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from estimators7_helpers import sklearn_held_out

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# --- the weighted cost in the core ------------------------------------------------------------
def _nets():
    """A softmax/cross-entropy net (logit path) and a sigmoid/MSE net (loss.grad path)."""
    a = mlp([3, 5, 4, 3], hidden=["tanh", "sigmoid"], output="softmax", seed=1,
            weight_decay=0.3)
    b = mlp([3, 4, 2], hidden="tanh", output="sigmoid", loss="mean_squared_error", seed=2,
            weight_decay=0.2, decay="per_sample")
    return a, b


@pytest.mark.parametrize("which", [0, 1])
def test_weighted_gradient_matches_central_differences(which):
    net = _nets()[which]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 3))
    Y = (np.eye(3)[rng.integers(0, 3, 7)] if which == 0 else rng.uniform(size=(7, 2)))
    w = rng.uniform(0.1, 3.0, size=7)
    J, grad = net.loss_and_grad(X, Y, sample_weight=w)
    theta = net.params.copy()
    numeric = np.empty_like(theta)
    h = 1e-6
    for k in range(theta.size):
        net.params[k] = theta[k] + h
        jp, _ = net.loss_and_grad(X, Y, sample_weight=w)
        net.params[k] = theta[k] - h
        jm, _ = net.loss_and_grad(X, Y, sample_weight=w)
        net.params[k] = theta[k]
        numeric[k] = (jp - jm) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    # the value: the weighted mean of the per-example losses plus the decay, whose per-sample
    # 1/m counts the examples as the weights do (m = sum w)
    sum_w2 = sum(float(np.sum(layer.W**2)) for layer in net.layers)

    def decay(m):
        return 0.5 * net.weight_decay * sum_w2 / (m if net.decay == "per_sample" else 1)

    per_example = np.array([net.loss_and_grad(X[i:i + 1], Y[i:i + 1])[0] for i in range(7)])
    data_terms = per_example - decay(1)  # one example: its loss plus the decay of m = 1
    assert J == pytest.approx(np.dot(w, data_terms) / w.sum() + decay(w.sum()), rel=1e-12)


@pytest.mark.parametrize("which", [0, 1])
def test_equal_weights_give_exactly_the_unweighted_cost(which):
    # net 0 (decay "ufldl"): any equal weights give exactly the unweighted cost; net 1
    # (decay "per_sample"): weights all 1 do, and weights c give the unweighted loss part
    # with the decay divided by c * m, as the rows repeated c times would
    net = _nets()[which]
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))
    Y = np.eye(3)[rng.integers(0, 3, 6)] if which == 0 else rng.uniform(size=(6, 2))
    J0, g0 = net.loss_and_grad(X, Y)
    lam, sum_w2 = net.weight_decay, sum(float(np.sum(layer.W**2)) for layer in net.layers)
    decayed = np.zeros(net.n_params, dtype=bool)
    for s in net._decay_slices:
        decayed[s] = True
    for c in (1.0, 0.37, 5.0):
        J, g = net.loss_and_grad(X, Y, sample_weight=np.full(6, c))
        if which == 0 or c == 1.0:
            assert J == J0
            assert np.array_equal(g, g0)
        else:
            assert J == pytest.approx(J0 - 0.5 * lam * sum_w2 / 6 + 0.5 * lam * sum_w2 / (6 * c),
                                      rel=1e-13)
            np.testing.assert_array_equal(g[~decayed], g0[~decayed])  # biases: no decay
            expected = g0[decayed] - lam / 6 * net.params[decayed] + lam / (6 * c) * net.params[
                decayed]
            np.testing.assert_allclose(g[decayed], expected, rtol=1e-12, atol=1e-15)


def test_integer_weights_equal_repeated_rows():
    net = _nets()[0]  # weight decay (ufldl: no 1/m) included
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 3))
    labels = rng.integers(0, 3, 5)
    w = np.array([2, 0, 1, 3, 1])
    J, g = net.loss_and_grad(X, labels, sample_weight=w)
    Jr, gr = net.loss_and_grad(np.repeat(X, w, axis=0), np.repeat(labels, w))
    assert J == pytest.approx(Jr, rel=1e-13)
    np.testing.assert_allclose(g, gr, rtol=1e-12, atol=1e-15)
    # the same through whole-set gradient descent and through SciPy's L-BFGS
    a, b = net.copy(), net.copy()
    train(a, X, labels, optimizer="gd", lr=0.5, epochs=20, sample_weight=w)
    train(b, np.repeat(X, w, axis=0), np.repeat(labels, w), optimizer="gd", lr=0.5, epochs=20)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-12)
    a, b = net.copy(), net.copy()
    minimize(a, X, labels, maxiter=30, sample_weight=w)
    minimize(b, np.repeat(X, w, axis=0), np.repeat(labels, w), maxiter=30)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-6, atol=1e-8)


def test_mini_batch_weights_follow_their_rows_through_the_shuffle():
    # zero weight on half the rows == training on the other half only, with one batch;
    # the per-sample decay counts the weights (4 examples), not the 8 rows
    net = _nets()[1]
    assert net.decay == "per_sample" and net.weight_decay > 0
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(8, 3)), rng.uniform(size=(8, 2))
    w = np.tile([1.0, 0.0], 4)
    a, b = net.copy(), net.copy()
    train(a, X, Y, optimizer="adam", lr=0.01, batch_size=8, epochs=5, seed=0, sample_weight=w)
    train(b, X[w > 0], Y[w > 0], optimizer="adam", lr=0.01, batch_size=4, epochs=5, seed=0)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-12)
    assert not np.allclose(a.params, net.params)  # training did move the parameters


def test_a_mini_batch_of_zero_weights_moves_only_the_weight_decay():
    net = _nets()[0]
    X, labels = np.random.default_rng(4).normal(size=(4, 3)), [0, 1, 2, 0]
    J, g = net._loss_and_grad(net._check_xy(X, labels)[0], net._check_xy(X, labels)[1], False,
                              np.array([0.0, 0.0, 0.0, 0.0]))
    assert J == pytest.approx(net._decay_term(4))
    expected = np.zeros_like(g)
    for s in net._decay_slices:
        expected[s] = net.weight_decay * net.params[s]
    np.testing.assert_allclose(g, expected)


@pytest.mark.parametrize(
    ("weights", "match"),
    [(np.ones(3), r"sample_weight must have shape \(4,\)"),
     (np.array([1.0, -1.0, 1.0, 1.0]), "non-negative"),
     (np.zeros(4), "positive sum"),
     (np.array([1.0, np.nan, 1.0, 1.0]), "sample_weight contains 1 NaN")],
)
def test_bad_sample_weight_is_refused_by_name(weights, match):
    net = _nets()[0]
    with pytest.raises(ValueError, match=match):
        net.loss_and_grad(np.zeros((4, 3)), [0, 1, 2, 0], sample_weight=weights)


@pytest.mark.parametrize(
    ("weights", "error", "match"),
    [(np.array(["1"] * 150), TypeError, "sample_weight must hold numbers, got an array of "
                                        "dtype <U1"),
     ({"a": 1.0}, TypeError, "sample_weight must hold numbers, got an array of dtype object"),
     (np.ones(150, dtype=complex), TypeError, "sample_weight must hold numbers, got an array "
                                              "of dtype complex128"),
     (np.r_[np.inf, np.ones(149)], ValueError, r"sample_weight contains 1 NaN or infinite value")],
)
def test_the_estimators_refuse_sample_weight_that_is_no_numbers_by_name(iris, weights, error,
                                                                        match):
    """Not NumPy's 'could not convert string to float', nor complex weights made real."""
    X, y = iris
    clf = MLPClassifier((3,), max_iter=2, random_state=0)
    with pytest.raises(error, match=match):
        clf.fit(X, y, sample_weight=weights)
    assert not hasattr(clf, "network_")


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_one_number_as_sample_weight_weighs_every_row(iris, cls):
    """scikit-learn takes sample_weight=2.0 (every row weighs 2); chainrule refused it
    ("sample_weight must have shape (150,)").  The reference is the same fit with the
    array of 2.0s, and the fit without weights (a weighted mean of equal weights)."""
    X, y = iris
    kw = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0, solver="sgd",
              shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scalar = cls(**kw).fit(X, y, sample_weight=2.0)
        array = cls(**kw).fit(X, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_array_equal(scalar.predict(X), array.predict(X))
    for a, b in zip(scalar.coefs_, array.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert scalar.loss_curve_ == array.loss_curve_
    with pytest.raises(ValueError, match="non-negative"):
        cls(**kw).fit(X, y, sample_weight=-1.0)



def test_validation_fraction_may_be_a_numpy_float(iris):
    """validation_fraction=np.float32(0.2) with early_stopping failed in scikit-learn's
    train_test_split ("The 'test_size' parameter of train_test_split must be a float in
    the range (0.0, 1.0) ... Got np.float32(0.2)"), where scikit-learn's own MLP fits.
    The reference is the fit with the same value as a Python float."""
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), early_stopping=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = MLPClassifier(validation_fraction=np.float32(0.2), **kw).fit(X, y)
        b = MLPClassifier(validation_fraction=float(np.float32(0.2)), **kw).fit(X, y)
    assert a.validation_scores_ == b.validation_scores_ and a.n_iter_ == b.n_iter_

# --- scikit-learn integration -----------------------------------------------------------------
def test_pipeline_gridsearch_and_clone(iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifier(solver="sgd", learning_rate_init=0.05, max_iter=60,
                                           batch_size=32, random_state=0))])
    grid = GridSearchCV(pipe, {"mlp__hidden_layer_sizes": [(3,), (10,)],
                               "mlp__alpha": [1e-4, 1.0]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.9
    assert len(grid.cv_results_["mean_test_score"]) == 4
    best = grid.best_estimator_.named_steps["mlp"]
    assert isinstance(best.network_, chainrule.Network)
    # clone: same parameters, unfitted, independent
    est = MLPClassifier((7, 5), activation=["tanh", "relu"], dropout=[0.1, 0.0],
                        batch_norm=True, solver="rmsprop", init="he_uniform",
                        dtype="float32", random_state=3)
    est.fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "network_")
    twin.fit(X, y)
    np.testing.assert_array_equal(twin.predict_proba(X), est.predict_proba(X))


@pytest.mark.slow  # starting the worker processes takes seconds
def test_gridsearch_parallel_workers_copy_the_network(iris):
    X, _ = iris
    grid = GridSearchCV(MLPRegressor(solver="lbfgs", max_iter=50, random_state=0),
                        {"hidden_layer_sizes": [(4,), (8,)]}, cv=2, n_jobs=2)
    grid.fit(X[:, :3], X[:, 3])
    assert grid.best_estimator_.score(X[:, :3], X[:, 3]) > 0.8


def test_classifier_attributes_and_probabilities(iris):
    X, y = iris
    clf = MLPClassifier((16,), solver="adam", learning_rate_init=0.01, max_iter=150,
                        random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.95
    assert list(clf.classes_) == [0, 1, 2]
    assert (clf.n_features_in_, clf.n_outputs_, clf.n_layers_) == (4, 3, 3)
    assert clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(4, 16), (16, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (3,)]
    assert len(clf.loss_curve_) == clf.n_iter_ <= 150
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X))
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))
    # the probabilities are the network's forward pass; coefs_ are views into it
    H = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    Z = H @ clf.coefs_[1] + clf.intercepts_[1]
    np.testing.assert_allclose(P, np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    clf.coefs_[1][...] = 0
    clf.intercepts_[1][...] = 0
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)


def test_binary_string_labels_and_one_sigmoid_output():
    X, y = make_classification(200, 5, random_state=0)
    labels = np.where(y == 1, "yes", "no")
    clf = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, labels)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    P = clf.predict_proba(X)
    assert P.shape == (200, 2)
    np.testing.assert_array_equal(np.where(P[:, 1] > 0.5, "yes", "no"), clf.predict(X))
    assert clf.score(X, labels) > 0.9


def test_multilabel_classification():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] < 0.5]).astype(int)
    clf = MLPClassifier((20,), solver="lbfgs", max_iter=300, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 3
    assert clf.predict(X).shape == (300, 3)
    assert clf.predict_proba(X).shape == (300, 3)
    assert np.mean(clf.predict(X) == Y) > 0.95
    assert clf.network_.loss.name == "log_loss"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("target", ["multiclass", "binary", "multilabel"])
def test_predict_log_proba_is_the_log_of_the_output_from_its_net_input(target, dtype,
                                                                       monkeypatch):
    """predict_log_proba equals np.log(predict_proba) where that is finite, and stays
    finite where a probability underflows to 0 (or rounds to 1): the log-softmax or
    log-sigmoid of the output layer's net input, computed in predict_proba's blocks."""
    from scipy.special import log_softmax

    from chainrule import _mlp_base

    monkeypatch.setattr(_mlp_base, "_EVAL_BLOCK_BYTES", 1)  # blocks of one row
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(dtype)
    y = {"multiclass": np.arange(200) % 3, "binary": np.arange(200) % 2,
         "multilabel": np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] < 0.5])}[target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((6,), max_iter=30, random_state=0).fit(X, y)
    eps = np.finfo(dtype).eps
    log_p = clf.predict_log_proba(X)
    assert log_p.shape == clf.predict_proba(X).shape == (200, 3 if target != "binary" else 2)
    assert log_p.dtype == dtype
    np.testing.assert_allclose(log_p, np.log(clf.predict_proba(X)), rtol=0,
                               atol=1e-12 if dtype == np.float64 else 32 * eps)

    # output weights 1e4 times larger: probabilities underflow to 0 (or round to 1)
    clf.coefs_[-1][...] *= 1e4
    H = np.maximum(X.astype(np.float64) @ clf.coefs_[0] + clf.intercepts_[0], 0)
    Z = H @ clf.coefs_[1] + clf.intercepts_[1]  # the net input, by hand in float64
    if target == "multiclass":
        expected = log_softmax(Z, axis=1)
    elif target == "binary":  # [log(1 - p), log p] with p = 1 / (1 + exp(-z))
        expected = -np.hstack([np.logaddexp(0, Z), np.logaddexp(0, -Z)])
    else:  # log p per label
        expected = -np.logaddexp(0, -Z)
    with np.errstate(divide="ignore"):
        assert np.isinf(np.log(clf.predict_proba(X))).any()
    log_p = clf.predict_log_proba(X)
    assert np.isfinite(log_p).all() and log_p.dtype == dtype
    # to the rounding of the net input in the network's dtype
    bound = 32 * eps * np.max(H @ np.abs(clf.coefs_[1]) + np.abs(clf.intercepts_[1]))
    np.testing.assert_allclose(log_p, expected, rtol=0, atol=bound)


def test_multioutput_regression():
    X, Y = make_regression(200, 6, n_targets=3, noise=1.0, random_state=0)
    Y = Y / Y.std(axis=0)
    reg = MLPRegressor((30,), solver="lbfgs", max_iter=400, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 3)
    assert reg.score(X, Y) > 0.98
    one = MLPRegressor((5,), solver="lbfgs", random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (200,) and one.out_activation_ == "identity"


def test_partial_fit_continues_the_optimizer(iris):
    X, y = iris
    clf = MLPClassifier((10,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    t1 = clf._optimizer.t
    for _ in range(40):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 41  # n_iter_: this call's epochs
    assert clf._optimizer.t == t1 + 40  # one batch per epoch here (150 < 200): state kept
    assert clf.loss_curve_[-1] < clf.loss_curve_[1]
    with pytest.raises(ValueError, match="not seen"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match=r"^`classes=array\(\[0, 1, 2, 3\]\)` is not the same as "
                                         r"on last call to partial_fit, was: array\(\[0, 1, 2\]\) "
                                         r"\(classes=\[0, 1, 2, 3\] differs from the classes of "
                                         r"the first call to partial_fit, \[0, 1, 2\]\)$"):
        clf.partial_fit(X, y, classes=np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :3], y)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    reg = MLPRegressor((5,), solver="sgd", random_state=0)
    reg.partial_fit(X[:, :3], X[:, 3]).partial_fit(X[:, :3], X[:, 3])
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 2 and reg.t_ == 300


def test_warm_start_continues_and_cold_start_repeats(iris):
    X, y = iris
    est = MLPClassifier((10,), solver="sgd", learning_rate_init=0.05, max_iter=5,
                        random_state=0, warm_start=True)
    est.fit(X, y)
    first = est.coefs_[0].copy()
    est.fit(X, y)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 10
    assert not np.array_equal(first, est.coefs_[0])
    cold = clone(est).set_params(warm_start=False).fit(X, y)
    np.testing.assert_array_equal(cold.coefs_[0], first)


@pytest.mark.parametrize("calls", ["warm_start", "partial_fit"])
def test_iteration_counts_are_scikit_learns(iris, calls):
    """n_iter_ counts the last call's epochs; loss_curve_ and t_ go on over the calls."""
    X, y = iris
    counts = {}
    for name, cls in (("chainrule", MLPClassifier), ("scikit-learn", SkMLPClassifier)):
        est = cls((5,), solver="sgd", learning_rate_init=0.01, max_iter=4, random_state=0,
                  warm_start=calls == "warm_start")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for i in range(3):
                if calls == "warm_start":
                    est.fit(X, y)
                else:
                    est.partial_fit(X, y, classes=[0, 1, 2] if i == 0 else None)
        counts[name] = (est.n_iter_, len(est.loss_curve_), est.t_)
    assert counts["chainrule"] == counts["scikit-learn"]


def test_early_stopping_records_validation_scores(iris):
    X, y = iris
    clf = MLPClassifier((10,), learning_rate_init=0.05, max_iter=500, early_stopping=True,
                        validation_fraction=0.2, n_iter_no_change=5, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    assert clf.history_.stop_reason == "callback"
    # accuracy moves in steps of 1/30 > tol: the run stops n_iter_no_change + 1 epochs after
    # the first best score
    assert clf.n_iter_ == int(np.argmax(clf.validation_scores_)) + 1 + 5 + 1


def test_a_warm_start_with_lbfgs_leaves_no_history_of_the_run_before(iris):
    """history_ is the last run's: not a mini-batch run's 7 epochs after 3 L-BFGS iterations."""
    X, y = iris
    clf = MLPClassifier((5,), max_iter=7, random_state=0).fit(X, y)
    assert len(clf.history_["loss"]) == 7
    clf.set_params(solver="lbfgs", warm_start=True, max_iter=3).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 10
    assert not hasattr(clf, "history_")  # as after an lbfgs fit from the start
    assert not hasattr(MLPClassifier((5,), solver="lbfgs", max_iter=3).fit(X, y), "history_")


def test_early_stopping_splits_classes_too_rare_to_stratify_as_scikit_learn_does(iris):
    """A class of one example cannot be stratified: a plain split, not a refusal.

    scikit-learn never stratifies a multiclass target and fits these data; chainrule
    stratifies where it can and otherwise holds out rows as a plain random split does.
    """
    X, y = iris
    y = y.copy()
    y[0] = 3  # a fourth class with one example
    kw = dict(hidden_layer_sizes=(5,), early_stopping=True, max_iter=30,
              learning_rate_init=0.01, n_iter_no_change=3, random_state=0)
    SkMLPClassifier(**kw).fit(X, y)  # fits, as chainrule's must
    clf = MLPClassifier(**kw).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    va = sklearn_held_out(clf, y, 0.1)  # scikit-learn's rows: a multiclass plain split
    # the parameters restored are those of the best score, computed on the plain split's rows
    assert clf.score(X[va], y[va]) == clf.best_validation_score_ == max(clf.validation_scores_)
    # a binary target is stratified (as scikit-learn's), where both classes can be
    binary = iris[1] > 0
    strat = MLPClassifier(**kw).fit(X, binary)
    va = sklearn_held_out(strat, binary, 0.1)
    assert strat.score(X[va], binary[va]) == strat.best_validation_score_


def test_early_stopping_warm_start_keeps_the_best_parameters(iris):
    """A warm-start fit that never beats the best validation score ends with its parameters.

    The reviewer's case: the first fit stops early at its best validation accuracy; the
    warm-start fit (a large step) only scores worse.  ``best_validation_score_`` still names
    the first fit's best, so the model must hold the parameters that scored it, as
    scikit-learn's rule says (keep ``_best_coefs`` over warm starts, restore them at the
    end).  scikit-learn 1.9 itself ends with the last parameters here, by accident: the
    arrays it restores are the ones the next fit updates in place.
    """
    X, y = iris
    clf = MLPClassifier((10,), early_stopping=True, random_state=0, max_iter=500,
                        n_iter_no_change=3, learning_rate_init=0.01).fit(X, y)
    n1, best1 = len(clf.validation_scores_), clf.best_validation_score_
    coefs1 = [c.copy() for c in clf.coefs_] + [b.copy() for b in clf.intercepts_]
    proba1 = clf.predict_proba(X)
    clf.set_params(warm_start=True, learning_rate_init=0.5, max_iter=5).fit(X, y)
    assert max(clf.validation_scores_[n1:]) < best1  # the case: no better score
    assert clf.best_validation_score_ == best1
    for before, after in zip(coefs1, clf.coefs_ + clf.intercepts_, strict=True):
        np.testing.assert_array_equal(after, before)
    np.testing.assert_array_equal(clf.predict_proba(X), proba1)


def test_early_stopping_warm_starts_score_on_scikit_learns_validation_rows():
    """Each warm start splits again, as scikit-learn's does: for an integer random_state
    ``RandomState(random_state)`` anew with no weights drawn before the split, so every
    warm start holds out the same rows, other than the first fit's.  With a step of
    1e-12, a warm-start epoch leaves the restored best parameters as they are, so each
    scores exactly what they score on those rows; best_validation_score_ is kept over
    the fits, as scikit-learn keeps it."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(300, 8, n_informative=3, flip_y=0.3, random_state=1)
    clf = MLPClassifier((8,), early_stopping=True, validation_fraction=0.2, random_state=0,
                        max_iter=30, n_iter_no_change=5).fit(X, y)
    best = clf.best_validation_score_
    _, va = train_test_split(np.arange(300), test_size=0.2, stratify=y,
                             random_state=np.random.RandomState(0))
    warm = clf.score(X[va], y[va])
    clf.set_params(warm_start=True, learning_rate_init=1e-12, max_iter=1)
    for _ in range(4):
        clf.fit(X, y)
        assert clf.validation_scores_[-1] == warm
    assert clf.best_validation_score_ == max(best, warm)


def _sklearn_stop_epoch(curve, tol, n_iter_no_change):
    """scikit-learn's no-improvement rule on a loss curve, as plain loops: the epoch it stops."""
    best, count = np.inf, 0
    for epoch, loss in enumerate(curve, start=1):
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count > n_iter_no_change:
            return epoch
    return None


def test_training_loss_stopping_rule_is_scikit_learns(iris):
    X, y = iris
    clf = MLPClassifier((10,), learning_rate_init=0.05, max_iter=400, tol=1e-3,
                        n_iter_no_change=4, random_state=0).fit(X, y)
    assert clf.n_iter_ < 400
    assert _sklearn_stop_epoch(clf.loss_curve_, 1e-3, 4) == clf.n_iter_


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_dtype_follows_the_data_unless_set(iris, solver):
    """dtype=None (the default): float32 data trains float32, float64 or int data float64;
    lbfgs trains float64 (scikit-learn's lbfgs keeps SciPy's float64 weights)."""
    X, y = iris
    cases = [(X.astype(np.float32), None, np.float32 if solver == "adam" else np.float64),
             (X, None, np.float64),
             (np.rint(X * 10).astype(np.int64), None, np.float64),
             (X.astype(np.float32), "float64", np.float64), (X, "float32", np.float32)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for data, setting, expected in cases:
            clf = MLPClassifier((5,), solver=solver, max_iter=5, dtype=setting,
                                random_state=0).fit(data, y)
            assert clf.network_.dtype == expected, (data.dtype, setting)
            assert clf.coefs_[0].dtype == expected
            # NumPy's promotion, as scikit-learn's products: float64 X predicts float64
            assert clf.predict_proba(data).dtype == np.result_type(data.dtype, expected)
            assert clf.predict_proba(X).dtype == np.float64


def test_further_fits_keep_the_networks_dtype(iris):
    X, y = iris
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((5,), max_iter=3, warm_start=True, random_state=0).fit(X32, y)
        net = clf.network_
        clf.fit(X, y)
        assert clf.network_ is net and net.dtype == np.float32
        reg = MLPRegressor((4,), random_state=0).partial_fit(X32, X[:, 0])
        reg.partial_fit(X, X[:, 0])
        assert reg.network_.dtype == np.float32
        clf.set_params(warm_start=False).fit(X, y)  # a new network: the data's dtype again
        assert clf.network_.dtype == np.float64


def test_float32_data_is_not_copied_to_float64():
    """Fitting on float32 data allocates far less than a float64 copy of it (tracemalloc).

    With dtype="float64" too, the mini-batch solvers convert a batch at a time.  The
    reference is L-BFGS with dtype="float64", which evaluates all of X at every step:
    its peak holds that copy (2 x X.nbytes), which shows the measurement sees NumPy's
    allocations.
    """
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.random((20000, 100), dtype=np.float32)
    y = (X[:, 0] > 0.5).astype(int)
    peaks = {}
    for solver, setting in (("sgd", None), ("sgd", "float64"), ("lbfgs", "float64")):
        clf = MLPClassifier((16,), solver=solver, max_iter=1, batch_size=200, dtype=setting,
                            random_state=0)
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(X, y)
            peaks[solver, setting] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peaks["lbfgs", "float64"] >= 2 * X.nbytes
    assert peaks["sgd", None] < 0.5 * X.nbytes
    assert peaks["sgd", "float64"] < 0.5 * X.nbytes


def test_layers_activations_dropout_batch_norm_init_dtype(iris):
    X, y = iris
    chainrule.register_activation("softsign_test", lambda z: z / (1 + np.abs(z)),
                                  lambda z: 1 / (1 + np.abs(z)) ** 2, overwrite=True)
    try:
        clf = MLPClassifier((6, 5), activation=["softsign_test", "tanh"], dropout=0.2,
                            batch_norm=True, init="he_normal", dtype="float32",
                            learning_rate_init=0.02, max_iter=100, random_state=0).fit(X, y)
        kinds = [type(layer) for layer in clf.network_.layers]
        assert kinds == [Dense, BatchNorm, Dropout, Dense, BatchNorm, Dropout, Dense]
        assert [a.activation.name for a in clf.network_.layers if isinstance(a, BatchNorm)] == [
            "softsign_test", "tanh"]
        assert clf.network_.dtype == np.float32
        assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
        assert clf.score(X, y) > 0.85
        # prediction runs in evaluation mode: no dropout, running statistics
        np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    finally:
        unregister_activation("softsign_test")


@pytest.mark.parametrize(
    ("params", "match"),
    [({"solver": "newton"},
      r"The 'solver' parameter of MLPClassifier must be a str among \{'sgd', "),
     ({"activation": "nope"},
      r"The 'activation' parameter .* Got 'nope' instead\. \(unknown activation 'nope'"),
     ({"activation": "step"}, "cannot be a hidden activation"),
     ({"hidden_layer_sizes": (5, 0)},
      r"The 'hidden_layer_sizes' parameter .* \(hidden_layer_sizes\[1\] is 0 \(int\)\)"),
     ({"activation": ["relu", "tanh"]},
      r"The 'activation' parameter .* Got \['relu', 'tanh'\] instead\. \(2 values for 1 "
      r"hidden layer\)$"),
     ({"dropout": 1.5}, r"The 'dropout' parameter .* must be a float in the range \[0\.0, "
      r"1\.0\) or a list of one per hidden layer\. Got 1\.5 instead\.$"),
     ({"solver": "lbfgs", "dropout": 0.5}, "need a stochastic solver"),
     ({"dtype": "int32"}, r"The 'dtype' parameter of .* must be a str among \{'float32', "
      r"'float64'\}, .* Got 'int32' instead\."),
     ({"init": "nope"}, r"The 'init' parameter of .* Got 'nope' instead\. \(unknown "
      r"initializer 'nope'"),
     ({"batch_size": 0},
      r"The 'batch_size' parameter of MLPClassifier must be a str among \{'auto'\} or an int"),
     ({"momentum": 1.0},
      r"The 'momentum' parameter .* must be a float in the range \[0\.0, 1\.0\)\. Got 1\.0 "),
     ({"learning_rate_init": np.inf},
      r"The 'learning_rate_init' .* a finite float in the range \(0\.0, inf\)\. Got inf "),
     ({"epsilon": np.nan},
      r"The 'epsilon' .* a finite float in the range \(0\.0, inf\)\. Got nan "),
     ({"alpha": np.inf}, r"The 'alpha' .* a finite float in the range \[0\.0, inf\)\. Got inf "),
     ({"tol": -1.0}, r"The 'tol' .* a finite float in the range \[0\.0, inf\)\. Got -1\.0 "),
     ({"power_t": np.inf},
      r"The 'power_t' .* a finite float in the range \[0\.0, inf\)\. Got inf "),
     # scikit-learn refuses it too: the "invscaling" rate would grow (151 x after an epoch)
     ({"power_t": -1.0, "solver": "sgd", "learning_rate": "invscaling"},
      r"The 'power_t' .* Got -1\.0 instead"),
     ({"schedule": {"name": "step", "bogus": 1}},
      r"The 'schedule' parameter .* Got \{'name': 'step', 'bogus': 1\} instead\. \("),
     ({"schedule": "nope"}, r"The 'schedule' parameter .* Got 'nope' instead\. \(unknown "
      r"schedule"),
     # switches: a string or a number is refused, not read as true ("False" was early stopping)
     ({"early_stopping": "False"},
      r"The 'early_stopping' .* must be an instance of 'bool' .* Got 'False' "),
     ({"shuffle": "no"}, r"The 'shuffle' .* Got 'no' instead"),
     ({"warm_start": 1}, r"The 'warm_start' .* Got 1 instead"),
     ({"nesterovs_momentum": None}, r"The 'nesterovs_momentum' .* Got None instead"),
     ({"batch_norm": "yes"}, r"The 'batch_norm' .* Got 'yes' instead")],
)
def test_bad_parameters_are_refused_at_fit_by_name(iris, params, match):
    X, y = iris
    est = MLPClassifier(**params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


@pytest.mark.parametrize("name", ["shuffle", "warm_start", "nesterovs_momentum",
                                  "early_stopping"])
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_switch_of_another_type_is_a_value_and_a_type_error_as_in_scikit_learn(iris, name,
                                                                                  value):
    # it was a ValueError alone: scikit-learn's MLP raises InvalidParameterError, a
    # ValueError and a TypeError, so an `except TypeError` written for it missed ours
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    X, y = iris
    for Estimator in (SkMLPClassifier, MLPClassifier, MLPRegressor):
        with pytest.raises(ValueError) as err:
            Estimator(**{name: value}).fit(X, y)
        assert isinstance(err.value, TypeError), Estimator
        assert name in str(err.value) and repr(value) in str(err.value)


@pytest.mark.parametrize(
    ("change", "data", "match"),
    [({"learning_rate_init": np.inf}, None, "learning_rate_init"),
     ({"schedule": {"name": "step", "bogus": 1}}, None, "schedule"),
     ({"init": "nope"}, None, "unknown initializer 'nope'"),
     ({}, "one class", "1 class"),
     ({}, "short weights", "sample_weight must have shape"),
     ({}, "other features", "1 class"),
     ({"early_stopping": True, "validation_fraction": 0.001}, None,
      r"validation_fraction=0.001 leaves 1 example\(s\) of 150 for validation")],
)
def test_a_refit_that_fails_loses_nothing(iris, change, data, match):
    """Bad parameters or data on a second fit leave the fitted estimator as it was."""
    X, y = iris
    clf = MLPClassifier((10,), max_iter=300, learning_rate_init=0.01, random_state=0).fit(X, y)
    proba, curve, n_iter = clf.predict_proba(X), list(clf.loss_curve_), clf.n_iter_
    network, params = clf.network_, clf.network_.params.copy()
    args = {None: (X, y), "one class": (X, np.zeros(150)),
            "other features": (X[:, :3], np.zeros(150))}.get(data, (X, y))
    weights = np.ones(3) if data == "short weights" else None
    clf.set_params(**change)
    with pytest.raises(ValueError, match=match):
        clf.fit(*args, sample_weight=weights)
    assert clf.network_ is network and clf.n_features_in_ == 4
    np.testing.assert_array_equal(clf.network_.params, params)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert clf.loss_curve_ == curve and clf.n_iter_ == n_iter
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def test_partial_fit_refuses_labels_outside_the_classes_passed(iris):
    X, y = iris
    with pytest.raises(ValueError, match=r"not in the classes passed: \[2\]"):
        MLPClassifier((5,)).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"not in the classes passed: \['0', '1', '2'\]"):
        MLPClassifier((5,)).partial_fit(X, y.astype(str), classes=[0, 1, 2])
    clf = MLPClassifier((5,)).partial_fit(X, y, classes=[0, 1, 2, 3])  # a superset is fine
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2, 3])


@pytest.mark.parametrize(
    ("classes", "match"),
    [(3, r"classes must be a non-empty 1-D list of class labels, got 3$"),
     ("abc", r"classes must be a non-empty 1-D list of class labels, got 'abc'$"),
     ([], r"classes must be a non-empty 1-D list of class labels, got \[\]$"),
     ([[0, 1], [2, 3]], r"classes must be a non-empty 1-D .*got \[\[0, 1\], \[2, 3\]\]$"),
     ([0, 1, 2, np.nan], r"classes must be class labels, got NaN or infinity in "
                         r"\[0.0, 1.0, 2.0, nan\]$"),
     ([0.5, 1.5, 2.5], r"classes must be class labels \(integers or strings\), got "
                       r"\[0.5, 1.5, 2.5\] \(type 'continuous'\)")],
)
def test_partial_fit_refuses_classes_that_are_no_labels_by_name(iris, classes, match):
    """Not with messages about ``y`` ('Input y contains NaN', 'y has 0 samples')."""
    X, y = iris
    clf = MLPClassifier((5,))
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, y, classes=classes)
    assert not hasattr(clf, "network_") and not hasattr(clf, "classes_")
    # what an array-like holds is taken: a pandas Series, a range
    pd = pytest.importorskip("pandas")
    for given in (pd.Series([2, 0, 1]), range(3)):
        np.testing.assert_array_equal(
            MLPClassifier((5,)).partial_fit(X, y, classes=given).classes_, [0, 1, 2])


def test_divergence_keeps_the_record_of_the_completed_epochs():
    X = np.random.default_rng(0).normal(size=(100, 3))
    y = X @ [1.0, 2.0, 3.0]
    reg = MLPRegressor((8,), solver="sgd", learning_rate_init=5.0, max_iter=50, random_state=0)
    with pytest.raises(chainrule.TrainingDiverged,
                       match=r"smaller learning_rate_init \(now 5\)") as info:
        reg.fit(X, y)
    done = info.value.history.epochs
    assert 0 < done < 50 and info.value.epoch == done + 1
    assert reg.n_iter_ == done and reg.t_ == 100 * done
    assert reg.loss_curve_ == list(info.value.history["loss"]) and reg.loss_ == reg.loss_curve_[-1]
    assert np.all(np.isfinite(reg.network_.params))
    assert str(info.value).endswith("or clip_norm (gradient clipping).")  # a parameter now


def test_n_iter_no_change_inf_never_stops_as_in_scikit_learn(iris, tmp_path):
    """scikit-learn takes n_iter_no_change=np.inf: no stop (nor "adaptive" drop) on tol."""
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate="adaptive", tol=10.0,
              max_iter=12, random_state=0)
    ours = MLPClassifier(n_iter_no_change=np.inf, **kw).fit(X, y)
    theirs = SkMLPClassifier(n_iter_no_change=np.inf, **kw).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 12
    assert set(ours.history_["lr"]) == {theirs._optimizer.learning_rate} == {1e-3}
    # the same tol with a finite count: the rate drops after n_iter_no_change + 1 epochs
    assert len(set(MLPClassifier(n_iter_no_change=2, **kw).fit(X, y).history_["lr"])) > 1
    assert load_estimator(ours.save(tmp_path / "m.npz")).n_iter_no_change == np.inf
    with pytest.raises(ValueError, match=r"The 'n_iter_no_change' parameter of MLPClassifier "
                                         r"must be an int in the range \[1, inf\) or a float "
                                         r"among \{inf\}\. Got -inf instead\."):
        MLPClassifier(n_iter_no_change=-np.inf).fit(X, y)


def test_validation_fraction_zero_is_refused_only_with_early_stopping(iris):
    """As in scikit-learn, validation_fraction=0 is fine where nothing is held out."""
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    ours = MLPClassifier(validation_fraction=0.0, **kw).fit(X, y)
    plain = MLPClassifier(**kw).fit(X, y)  # the default 0.1, unused without early stopping
    np.testing.assert_array_equal(ours.network_.params, plain.network_.params)
    assert SkMLPClassifier(validation_fraction=0.0, **kw).fit(X, y).n_iter_ == ours.n_iter_ == 3
    with pytest.raises(ValueError, match=r"^The 'validation_fraction' parameter of "
                       r"MLPClassifier must be a float in the range \(0\.0, 1\.0\) with "
                       r"early_stopping=True\. Got 0 instead\."):
        MLPClassifier(validation_fraction=0, early_stopping=True, **kw).fit(X, y)
    # lbfgs holds nothing out (early stopping is for the mini-batch solvers), so 0 is unused
    lbfgs = dict(kw, solver="lbfgs", validation_fraction=0.0)
    assert MLPClassifier(early_stopping=True, **lbfgs).fit(X, y).validation_scores_ is None
    with pytest.raises(ValueError, match=r"The 'validation_fraction' parameter .* Got 1.0 "):
        MLPClassifier(validation_fraction=1.0, **kw).fit(X, y)


def test_numpy_bools_are_switches_too(iris):
    """NumPy's booleans (what a grid of np.array([True, False]) hands out) mean what they say."""
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    ours = MLPClassifier(early_stopping=np.True_, shuffle=np.False_, **kw).fit(X, y)
    plain = MLPClassifier(early_stopping=True, shuffle=False, **kw).fit(X, y)
    assert len(ours.validation_scores_) == 3
    np.testing.assert_array_equal(ours.network_.params, plain.network_.params)


def test_unfitted_and_one_class_errors(iris):
    X, _ = iris
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    with pytest.raises(ValueError, match="1 class"):
        MLPClassifier().fit(X, np.zeros(150))


def test_convergence_warning_when_max_iter_is_reached(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier((5,), max_iter=3, random_state=0).fit(X, y)


def test_lbfgs_warns_whenever_it_stops_short_of_convergence(iris):
    """Not only at max_iter: the evaluation limit max_fun too (as scikit-learn warns)."""
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"lbfgs failed .*max_fun=10.*EVALUATIONS") as rec:
        clf = MLPClassifier((10,), solver="lbfgs", max_fun=10, random_state=0).fit(X, y)
    assert clf.n_iter_ < clf.max_iter
    assert rec[0].filename == __file__  # points at the caller's fit


# --- saving: arrays + JSON; pickling for scikit-learn's copies ---------------------------------
@pytest.mark.parametrize("kind", ["classifier", "multilabel", "regressor"])
def test_save_and_load_round_trip(tmp_path, iris, kind):
    X, y = iris
    if kind == "classifier":
        est = MLPClassifier((8,), batch_norm=True, max_iter=30, learning_rate_init=0.01,
                            random_state=0).fit(X, np.array(["a", "b", "c"])[y])
    elif kind == "multilabel":
        est = MLPClassifier((8,), solver="lbfgs", max_iter=30, random_state=0).fit(
            X, np.column_stack([y == 0, y == 2]).astype(int))
    else:
        est = MLPRegressor((8,), activation=["tanh"], solver="cg", max_iter=30,
                           random_state=0).fit(X[:, :3], X[:, 3])
    Xp = X if kind != "regressor" else X[:, :3]
    path = est.save(tmp_path / "model")
    assert path.suffix == ".npz"
    with np.load(path, allow_pickle=False) as data:  # plain arrays: no pickle needed
        assert "params" in data.files
    back = load_estimator(path)
    assert type(back) is type(est) and back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.predict(Xp), est.predict(Xp))
    assert back.loss_curve_ == est.loss_curve_ and back.n_iter_ == est.n_iter_
    if kind != "regressor":
        np.testing.assert_array_equal(back.classes_, est.classes_)
        np.testing.assert_array_equal(back.predict_proba(Xp), est.predict_proba(Xp))
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(Xp), est.predict(Xp))
    assert again.network_.params is not est.network_.params


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_a_loaded_estimator_holds_the_attributes_of_a_fitted_one(tmp_path, iris, solver):
    """load_estimator left _layers_checked (what _validate_params keeps of layers= for the
    fit that follows) on the estimator, which a fitted one no longer holds: a loaded
    estimator's attributes are a fitted one's, less what a run in this process leaves (the
    run's history_, absent after lbfgs too, and no best parameters of early stopping)."""
    X, y = iris
    layers = [{"type": "Dense", "fan_out": 5, "activation": "tanh"}]
    est = MLPClassifier(layers=layers, solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    back = load_estimator(est.save(tmp_path / "model"))
    run_only = {"history_"} | ({"_best_params"} if getattr(est, "_best_params", None) is None
                               else set())
    assert "_layers_checked" not in vars(est)
    assert set(vars(back)) == set(vars(est)) - run_only
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))


def test_load_keeps_the_feature_names_and_their_check(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    clf = MLPClassifier((5,), random_state=0).fit(df, (df.a > 0).astype(int))
    back = load_estimator(clf.save(tmp_path / "model"))
    np.testing.assert_array_equal(back.feature_names_in_, clf.feature_names_in_)
    np.testing.assert_array_equal(back.predict_proba(df), clf.predict_proba(df))
    for est in (clf, back):  # columns in another order: refused by both, not predicted on
        with pytest.raises(ValueError, match="feature names"):
            est.predict_proba(df[["c", "b", "a"]])


def test_load_refuses_other_files(tmp_path):
    net = mlp([2, 3, 1], seed=0)
    net.save(tmp_path / "net.npz")
    with pytest.raises(ValueError, match=r"expected a .chainrule\.estimator. file"):
        load_estimator(tmp_path / "net.npz")


# --- accuracy against scikit-learn's MLP, same data and configuration -------------------------
def _split(X, y, classify):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0,
                                          stratify=y if classify else None)
    scaler = StandardScaler().fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte), ytr, yte


def _mean_scores(X, y, config, seeds, classify):
    Xtr, Xte, ytr, yte = _split(X, y, classify)
    ours, theirs = (MLPClassifier, SkMLPClassifier) if classify else (MLPRegressor, SkMLPRegressor)
    a = [ours(random_state=s, **config).fit(Xtr, ytr).score(Xte, yte) for s in seeds]
    b = [theirs(random_state=s, **config).fit(Xtr, ytr).score(Xte, yte) for s in seeds]
    return float(np.mean(a)), float(np.mean(b))


def test_iris_accuracy_matches_scikit_learn(iris):
    X, y = load_iris(return_X_y=True)
    config = dict(hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=0.05,
                  momentum=0.9, alpha=1e-4, max_iter=200, batch_size=32)
    ours, theirs = _mean_scores(X, y, config, range(3), classify=True)
    assert ours >= theirs - 0.01, (ours, theirs)


CLASSIFICATION = {
    "digits": lambda: load_digits(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "make_classification": lambda: make_classification(
        1500, 20, n_informative=10, n_classes=3, random_state=0),
}


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_accuracy_matches_scikit_learn(name, solver):
    X, y = CLASSIFICATION[name]()
    config = dict(hidden_layer_sizes=(50,), solver=solver, alpha=1e-4, max_iter=200,
                  learning_rate_init=1e-3 if solver == "adam" else 0.01)
    ours, theirs = _mean_scores(X, y, config, range(5), classify=True)
    assert ours >= theirs - 0.01, (name, solver, ours, theirs)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("name", ["diabetes", "make_regression"])
def test_r2_matches_scikit_learn(name, solver):
    if name == "diabetes":
        X, y = load_diabetes(return_X_y=True)
    else:
        X, y = make_regression(600, 10, noise=10.0, random_state=0)
    y = (y - y.mean()) / y.std()
    config = dict(hidden_layer_sizes=(20,), solver=solver, alpha=1.0 if solver == "lbfgs"
                  else 1e-4, max_iter=200, learning_rate_init=1e-3 if solver == "adam" else 0.01)
    ours, theirs = _mean_scores(X, y, config, range(5), classify=False)
    assert ours >= theirs - 0.01, (name, solver, ours, theirs)


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", "adagrad", "lbfgs", "cg"])
def test_every_solver_learns_iris(iris, solver):
    X, y = iris
    clf = MLPClassifier((10,), solver=solver, learning_rate_init=0.02, max_iter=150,
                        batch_size=32, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.93, solver
    assert clf.n_iter_ == len(clf.loss_curve_) >= 1
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_an_activation_object_is_used_as_given(iris):
    X, y = iris
    act = chainrule.activations.Activation("halfrelu", lambda z: 0.5 * np.maximum(z, 0),
                                           lambda z: 0.5 * (z > 0))
    clf = MLPClassifier((8,), activation=act, solver="lbfgs", random_state=0).fit(X, y)
    assert clf.network_.layers[0].activation is act
    H = 0.5 * np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    Z = H @ clf.coefs_[1] + clf.intercepts_[1]
    np.testing.assert_allclose(clf.predict_proba(X),
                               np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))


def test_invscaling_learning_rate_is_scikit_learns(iris):
    X, y = iris
    clf = MLPClassifier((10,), solver="sgd", learning_rate="invscaling", learning_rate_init=0.5,
                        power_t=0.25, batch_size=50, max_iter=20, tol=0.0,
                        random_state=0).fit(X, y)
    # the rate of epoch k: learning_rate_init / (t + 1) ** power_t, t = examples seen before it
    seen = 150 * np.arange(20)
    expected = np.where(seen == 0, 0.5, 0.5 / (seen + 1.0) ** 0.25)
    np.testing.assert_allclose(clf.history_["lr"], expected, rtol=1e-12)
    # the same rates in scikit-learn's optimizer, epoch by epoch
    sk = SkMLPClassifier((10,), solver="sgd", learning_rate="invscaling", learning_rate_init=0.5,
                         power_t=0.25, batch_size=50, max_iter=20, tol=0.0, random_state=0)
    sk.fit(X, y)
    assert sk._optimizer.learning_rate == pytest.approx(0.5 / (150 * 20 + 1) ** 0.25)


def test_adaptive_learning_rate_divides_by_five_instead_of_stopping(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=0.2, batch_size=150,
              momentum=0.0, max_iter=300, tol=0.05, n_iter_no_change=2, random_state=0)
    constant = MLPClassifier(**kw).fit(X, y)
    adaptive = MLPClassifier(learning_rate="adaptive", **kw).fit(X, y)
    lrs = np.array(adaptive.history_["lr"])
    ratios = lrs[1:] / lrs[:-1]
    drops = np.flatnonzero(~np.isclose(ratios, 1.0))
    assert drops.size >= 3 and np.allclose(ratios[drops], 0.2)
    # the constant run stops at the first stall; the adaptive one divides by 5 there
    assert drops[0] + 1 == constant.n_iter_
    assert adaptive.n_iter_ > constant.n_iter_


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_momentum_with_a_changing_rate_follows_scikit_learn(iris, learning_rate, nesterov):
    """SGD with momentum 0.9 under "invscaling" / "adaptive": scikit-learn's loss curve.

    Both estimators start from the same weights (scikit-learn's, copied in after a
    one-epoch fit that sets up the same fitted state), take the batches in order
    (shuffle=False) and run 9 more epochs; with tol=1 and n_iter_no_change=1
    "adaptive" divides the rate by 5 every third epoch.  Without the velocity
    rescaling the curves part from the first change of the rate on (0.59 against
    0.56 at the second epoch of the reviewer's invscaling case).
    """
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", momentum=0.9,
              nesterovs_momentum=nesterov, learning_rate=learning_rate,
              learning_rate_init=0.1, shuffle=False, batch_size=50, random_state=0, max_iter=1,
              tol=1.0 if learning_rate == "adaptive" else 0.0, n_iter_no_change=1)
    ours, theirs = MLPClassifier(**kw).fit(X, y), SkMLPClassifier(**kw).fit(X, y)
    for i in range(2):
        ours.coefs_[i][...] = theirs.coefs_[i]
        ours.intercepts_[i][...] = theirs.intercepts_[i]
    ours._best_loss = theirs.best_loss_ = np.inf  # the same stopping state
    assert ours._no_improvement_count == theirs._no_improvement_count == 0
    for est in (ours, theirs):
        est.set_params(warm_start=True, max_iter=9).fit(X, y)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 10
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-12)
    assert len(set(ours.history_["lr"])) > 2  # the rate did change, more than once
    assert ours._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate, rel=1e-12)


@pytest.mark.parametrize("epsilon", [1e-8, 1e-3])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_adam_follows_scikit_learn_epsilon_included(iris, kind, epsilon):
    """Adam from scikit-learn's weights: its loss curve, with its meaning of ``epsilon``.

    scikit-learn adds epsilon to sqrt(v) with the bias corrections in the step
    size (``Adam(eps_on="v")``); with PyTorch's form (epsilon on sqrt(v_hat)) the
    curves part: by up to 3 % (classifier) and 5 % (regressor) at epsilon=1e-3,
    4e-7 and 2e-6 at the default 1e-8.
    """
    X, y = iris
    sk_cls, cr_cls = ((SkMLPClassifier, MLPClassifier) if kind == "classifier"
                      else (SkMLPRegressor, MLPRegressor))
    target = y if kind == "classifier" else X[:, 3]
    X = X if kind == "classifier" else X[:, :3]
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver="adam", epsilon=epsilon,
              learning_rate_init=0.01, shuffle=False, batch_size=40, random_state=0,
              max_iter=1, tol=0.0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, theirs = cr_cls(**kw).fit(X, target), sk_cls(**kw).fit(X, target)
        ours.coefs_, ours.intercepts_ = theirs.coefs_, theirs.intercepts_
        for est in (ours, theirs):
            est.set_params(warm_start=True, max_iter=5).fit(X, target)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize(("learning_rate", "lr0"), [("invscaling", 0.1), ("adaptive", 0.01)])
def test_sgd_learning_rate_rules_match_scikit_learn(learning_rate, lr0):
    X, y = load_digits(return_X_y=True)
    config = dict(hidden_layer_sizes=(50,), solver="sgd", learning_rate=learning_rate,
                  learning_rate_init=lr0, alpha=1e-4, max_iter=200)
    ours, theirs = _mean_scores(X, y, config, range(3), classify=True)
    assert ours >= theirs - 0.01, (learning_rate, ours, theirs)


@pytest.mark.parametrize("how", ["list", "items"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_assigned_coefficients_predict_as_scikit_learn(iris, kind, how):
    """``coefs_ = [...]`` / ``coefs_[i] = W`` write into the network, as in scikit-learn.

    chainrule's network is given scikit-learn's fitted coefficients (the whole lists, or one
    layer at a time) and must then predict what scikit-learn predicts with them.
    """
    X, y = iris
    if kind == "classifier":
        ours, theirs = MLPClassifier, SkMLPClassifier
    else:
        ours, theirs, y = MLPRegressor, SkMLPRegressor, X[:, 0] * 2 - X[:, 1] ** 2
    kw = dict(hidden_layer_sizes=(6, 4), activation="tanh", solver="lbfgs", max_iter=50,
              random_state=0)
    sk, cr_est = theirs(**kw).fit(X, y), ours(**kw).fit(X, y)
    if how == "list":
        cr_est.coefs_ = sk.coefs_
        cr_est.intercepts_ = sk.intercepts_
    else:
        for i in range(3):
            cr_est.coefs_[i] = sk.coefs_[i]
            cr_est.intercepts_[i] = sk.intercepts_[i]
    for mine, skl in zip(cr_est.coefs_ + cr_est.intercepts_, sk.coefs_ + sk.intercepts_,
                         strict=True):
        np.testing.assert_array_equal(mine, skl)
        assert not np.shares_memory(mine, skl)  # copied in, not aliased
    if kind == "classifier":
        np.testing.assert_allclose(cr_est.predict_proba(X), sk.predict_proba(X), rtol=1e-12)
    np.testing.assert_allclose(cr_est.predict(X), sk.predict(X), rtol=1e-12, atol=1e-12)


def test_assigning_coefficients_checks_them(iris):
    X, y = iris
    clf = MLPClassifier((5,), solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
    before = clf.network_.params.copy()
    with pytest.raises(ValueError, match=r"coefs_\[0\] must have shape \(4, 5\).*got shape "
                                         r"\(5, 4\)"):
        clf.coefs_[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"intercepts_\[1\] must hold finite numbers"):
        clf.intercepts_ = [np.zeros(5), np.array([0.0, np.nan, 0.0])]
    with pytest.raises(ValueError, match=r"coefs_ must be a list of 2 arrays.*got 1"):
        clf.coefs_ = [np.zeros((4, 5))]
    with pytest.raises(TypeError, match=r"intercepts_\[1\] must hold real numbers"):
        clf.intercepts_[-1] = ["a", "b", "c"]
    with pytest.raises(TypeError, match="its length cannot change"):
        clf.coefs_.append(np.zeros((5, 3)))
    np.testing.assert_array_equal(clf.network_.params, before)  # nothing changed
    with pytest.raises(AttributeError, match="only be assigned to a fitted MLPClassifier"):
        MLPClassifier().coefs_ = [np.zeros((4, 5)), np.zeros((5, 3))]


def test_regressor_takes_scikit_learns_loss_parameter(tmp_path):
    """``loss="squared_error"`` as in scikit-learn 1.9 (before: TypeError); unknown ones refused.

    Every parameter of scikit-learn's MLPRegressor is one of chainrule's, and the fit with
    ``loss="squared_error"`` is the default fit.
    """
    assert set(SkMLPRegressor().get_params()) <= set(MLPRegressor().get_params())
    assert MLPRegressor().get_params()["loss"] == SkMLPRegressor().get_params()["loss"]
    X, y = make_regression(60, 3, noise=0.1, random_state=0)
    kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=20, random_state=0)
    a = MLPRegressor(loss="squared_error", **kw).fit(X, y)
    b = MLPRegressor(**kw).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert clone(a).loss == "squared_error"
    assert load_estimator(a.save(tmp_path / "reg.npz")).loss == "squared_error"
    with pytest.raises(ValueError, match=r"The 'loss' parameter of MLPRegressor must be a str "
                                         r"among \{'absolute_error', 'huber', 'poisson', "
                                         r"'squared_error'\}\. Got 'quantile' instead\."):
        MLPRegressor(loss="quantile", **kw).fit(X, y)
    assert "loss" not in MLPClassifier().get_params()  # as in scikit-learn


def test_a_registered_name_in_a_worker_says_to_pass_the_object(iris, monkeypatch):
    """What a joblib worker meets: a name registered only in the parent process.

    The worker's registry lacks the name (as here after unregistering it) and the process
    has a parent (patched here; the slow test below runs real workers); the message says
    why and names the remedy.  In the main process the message stays short.
    """
    import multiprocessing

    X, y = iris
    act = chainrule.register_activation("softsign_worker", lambda z: z / (1 + np.abs(z)),
                                        lambda z: 1 / (1 + np.abs(z)) ** 2, overwrite=True)
    unregister_activation("softsign_worker")
    est = MLPClassifier((3,), activation="softsign_worker", max_iter=2)
    with pytest.raises(ValueError, match="unknown activation") as err:
        est.fit(X, y)
    assert "worker process" not in str(err.value)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
    with pytest.raises(ValueError, match=r"\(unknown activation 'softsign_worker'.*"
                                         r"This is a worker process.*n_jobs > 1.*pass the "
                                         r"Activation object"):
        est.fit(X, y)
    # the object itself needs no registry
    clf = MLPClassifier((3,), activation=act, solver="lbfgs", max_iter=20, random_state=0)
    assert clf.fit(X, y).network_.layers[0].activation is act


@pytest.mark.slow  # starting the worker processes takes seconds
def test_a_custom_activation_object_reaches_parallel_workers(iris):
    """n_jobs=2: the object gives the serial scores; the name fails, saying why."""
    from sklearn.model_selection import cross_val_score

    X, y = iris
    act = chainrule.register_activation("softsign_par", lambda z: z / (1 + np.abs(z)),
                                        lambda z: 1 / (1 + np.abs(z)) ** 2, overwrite=True)
    try:
        est = MLPClassifier((5,), activation=act, solver="lbfgs", max_iter=30, random_state=0)
        serial = cross_val_score(est, X, y, cv=3, n_jobs=1)
        parallel = cross_val_score(est, X, y, cv=3, n_jobs=2, error_score="raise")
        np.testing.assert_array_equal(parallel, serial)
        by_name = est.set_params(activation="softsign_par")
        with pytest.raises(ValueError, match=r"This is a worker process.*pass the Activation"):
            cross_val_score(by_name, X, y, cv=3, n_jobs=2, error_score="raise")
    finally:
        unregister_activation("softsign_par")


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_sparse_input_predicts_as_scikit_learn(kind):
    """CSR input, as scikit-learn's MLP takes it (before: "Sparse data was passed ...").

    Fitting on the CSR matrix is fitting on its dense form (the same model up to the
    rounding of the first layer's sparse products: the mini-batch solvers take the same
    shuffled batches, with early stopping the same validation rows; lbfgs the whole
    matrix), and with scikit-learn's fitted coefficients copied in, predictions on the
    sparse matrix equal scikit-learn's on it.
    """
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(0)
    Xs = sp.random(80, 30, density=0.15, format="csr", random_state=1, dtype=np.float64)
    Xd = Xs.toarray()
    target = Xd @ rng.normal(size=30)
    if kind == "classifier":
        ours, theirs, y = MLPClassifier, SkMLPClassifier, np.digitize(target, [-0.3, 0.3])
    else:
        ours, theirs, y = MLPRegressor, SkMLPRegressor, target
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", max_iter=30, random_state=0)
    for extra in ({"solver": "adam", "batch_size": 16}, {"solver": "lbfgs"},
                  {"solver": "sgd", "early_stopping": True, "validation_fraction": 0.2}):
        a = ours(**extra, **kw).fit(Xs, y)
        b = ours(**extra, **kw).fit(Xd, y)
        # 30 L-BFGS iterations (curvature pairs, line searches) grow the last bits the
        # sparse products round differently to 7e-10 of the weights (measured)
        tol = 1e-8 if extra["solver"] == "lbfgs" else 1e-12
        np.testing.assert_allclose(a.network_.params, b.network_.params, rtol=tol, atol=tol)
        np.testing.assert_allclose(a.predict(Xs), b.predict(Xd), rtol=tol, atol=tol)
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=tol)
    sk = theirs(solver="lbfgs", **kw).fit(Xs, y)
    mine = ours(solver="lbfgs", **kw).fit(Xs, y)
    mine.coefs_, mine.intercepts_ = sk.coefs_, sk.intercepts_
    if kind == "classifier":
        np.testing.assert_allclose(mine.predict_proba(Xs), sk.predict_proba(Xs), rtol=1e-12)
    np.testing.assert_allclose(mine.predict(Xs), sk.predict(Xs), rtol=1e-12, atol=1e-12)


def test_wide_sparse_input_is_densified_in_blocks_of_rows():
    """A block of rows holds about 2**20 values: 32 rows of 2**15 features, 4 blocks here."""
    sp = pytest.importorskip("scipy.sparse")
    Xs = sp.random(100, 2**15, density=1e-3, format="csr", random_state=0)
    y = np.asarray(Xs.sum(axis=1)).ravel()
    reg = MLPRegressor((3,), max_iter=2, random_state=0).fit(Xs, y)
    np.testing.assert_allclose(reg.predict(Xs), reg.predict(Xs.toarray()), rtol=1e-12,
                               atol=1e-15)
    assert reg.predict(Xs.tocsc()).shape == (100,)  # other formats are converted to CSR


def test_poisson_loss_follows_scikit_learn(tmp_path):
    """loss="poisson": scikit-learn's exp output and half Poisson deviance, step for step.

    From scikit-learn's weights (copied in after a one-epoch fit), SGD without shuffling
    gives scikit-learn's loss curve and predictions to 1e-12; the loss is checked by hand
    and its gradient by central differences.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])).astype(float)
    kw = dict(loss="poisson", hidden_layer_sizes=(5,), activation="tanh", solver="sgd",
              learning_rate_init=0.01, shuffle=False, batch_size=40, random_state=0,
              max_iter=1, tol=0.0)
    ours, theirs = MLPRegressor(**kw).fit(X, y), SkMLPRegressor(**kw).fit(X, y)
    assert ours.out_activation_ == theirs.out_activation_ == "exp"
    ours.coefs_, ours.intercepts_ = theirs.coefs_, theirs.intercepts_
    ours._best_loss = theirs.best_loss_ = np.inf
    for est in (ours, theirs):
        est.set_params(warm_start=True, max_iter=6).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-12)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-12)
    # the per-example loss by hand: y log(y / a) - y + a, with 0 log 0 = 0
    a, t = np.array([[0.5], [2.0], [1.0]]), np.array([[0.0], [3.0], [1.0]])
    expected = [0.5, 3 * np.log(1.5) - 1.0, 0.0]
    np.testing.assert_allclose(chainrule.losses.get_loss("poisson").value(a, t), expected,
                               rtol=1e-15)
    net = mlp([4, 3, 1], hidden="tanh", output="exp", loss="poisson", seed=0)
    # exp's curvature: the central differences' error is 2e-9 at eps=1e-4, 100x less at 1e-5
    assert chainrule.gradient_check(net, X[:10], y[:10, None], eps=1e-5).rel_diff < 1e-9
    with pytest.raises(ValueError, match=r"loss='poisson' requires non-negative y, got 1 "
                                         r"negative value\(s\) \(min -1\)"):
        MLPRegressor(loss="poisson", max_iter=2).fit(X, np.r_[-1.0, y[1:]])
    path = ours.save(tmp_path / "poisson.npz")
    np.testing.assert_array_equal(load_estimator(path).predict(X), ours.predict(X))
    meta, arrays = chainrule.io.read_file(path, "chainrule.estimator")
    meta["params"]["loss"] = "squared_error"  # a record that disagrees with its network
    chainrule.io.write_file(path, meta, arrays)
    with pytest.raises(ValueError, match=r"params: loss: expected 'poisson' \(the network's "
                                         r"loss\), found 'squared_error'"):
        load_estimator(path)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_poisson_targets_below_zero_by_rounding_are_fitted_as_zero(solver):
    """As train and the command line take them: a target down to -RANGE_ROUNDING is 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0])).astype(float)
    y[[0, 5]] = [-5e-7, -chainrule.activations.RANGE_ROUNDING]
    kw = dict(hidden_layer_sizes=(4,), loss="poisson", solver=solver, max_iter=5,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPRegressor(**kw).fit(X, y)
        clipped = MLPRegressor(**kw).fit(X, np.clip(y, 0.0, None))
    np.testing.assert_array_equal(ours.network_.params, clipped.network_.params)
    assert ours.loss_curve_ == clipped.loss_curve_
    # train takes the same targets, and so does the network's cost
    net = chainrule.mlp([3, 4, 1], output="exp", loss="poisson", seed=0)
    assert net.loss_value(X, y) == net.loss_value(X, np.clip(y, 0.0, None))
    # past the rounding: refused, naming the allowance
    y[0] = -2e-6
    with pytest.raises(ValueError, match=r"loss='poisson' requires non-negative y, got 1 "
                                         r"negative value\(s\) \(min -2e-06\); values down to "
                                         r"-9.5e-07 \(a rescaler's rounding\) count as 0"):
        MLPRegressor(**kw).fit(X, y)


def test_sparse_training_never_holds_the_dense_matrix():
    """The mini-batch solvers never hold the dense training matrix (here 131 MB).

    tracemalloc's peak over a fit on a 1000 x 2**14 CSR matrix is below two dense
    batches of 200 rows (what densifying each batch took), well below the dense matrix
    (five batches): the first Dense layer multiplies the sparse batches as they are; and
    cr.train on the CSR matrix is cr.train on its dense form, up to rounding.
    """
    import tracemalloc

    sp = pytest.importorskip("scipy.sparse")
    Xs = sp.random(1000, 2**14, density=2e-4, format="csr", random_state=0)
    y = np.asarray(Xs.sum(axis=1)).ravel()
    dense_bytes = Xs.shape[0] * Xs.shape[1] * 8
    reg = MLPRegressor((2,), solver="sgd", max_iter=1, random_state=0)
    tracemalloc.start()
    try:
        reg.fit(Xs, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    batch_bytes = 200 * Xs.shape[1] * 8
    assert peak < 2.5 * batch_bytes, (peak, batch_bytes)  # 54 MB when densified; 159 before
    assert peak < dense_bytes / 2, (peak, dense_bytes)
    small = Xs[:60, :40]
    Y = np.asarray(small.sum(axis=1))
    nets = [mlp([40, 3, 1], hidden="tanh", output="identity", seed=0) for _ in range(2)]
    curves = [train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=7, epochs=3, seed=1,
                    validation_fraction=0.2)["loss"]
              for net, X in zip(nets, (small, small.toarray()), strict=True)]
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-12)
    np.testing.assert_allclose(nets[0].params, nets[1].params, rtol=1e-12, atol=1e-15)



def test_assigning_a_list_that_aliases_the_network_swaps_layers(iris):
    """``coefs_ = [c[1], c[0], c[2]]`` with ``c = coefs_`` (views of the network) swaps.

    The reference is plain list assignment, as in scikit-learn: afterwards each layer holds
    the values the list's item had *before* the assignment.  Copying the items one by one
    into the network overwrote layer 0 before it was read as the new layer 1.
    """
    X, _ = iris
    reg = MLPRegressor((4, 4), solver="lbfgs", max_iter=5, random_state=0).fit(X, X[:, 0])
    before_w = [w.copy() for w in reg.coefs_]
    before_b = [b.copy() for b in reg.intercepts_]
    c, b = reg.coefs_, reg.intercepts_
    reg.coefs_ = [c[1], c[0], c[2]]
    reg.intercepts_ = [b[1], b[0], b[2]]
    for got, want in zip(reg.coefs_ + reg.intercepts_,
                         [before_w[1], before_w[0], before_w[2],
                          before_b[1], before_b[0], before_b[2]], strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("how", ["warm_start", "partial_fit", "save"])
def test_a_loss_set_after_the_fit_is_refused_not_ignored(tmp_path, how):
    """``set_params(loss=...)`` on a fitted MLPRegressor, then a warm start, partial_fit or save.

    The fitted network keeps its loss (its output activation is the loss's), so going on
    with it under another ``loss`` silently trained the old loss, and ``save`` wrote a file
    that load_estimator refuses.  Each now raises, naming ``loss``, and changes nothing: the
    estimator predicts as an untouched clone of it (the reference); once ``loss`` is set
    back, the saved file loads and predicts the same.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = rng.poisson(2.0, size=40).astype(float)
    reg = MLPRegressor((3,), solver="sgd", max_iter=3, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    untouched = pickle.loads(pickle.dumps(reg))
    reg.set_params(loss="poisson")
    action = {"warm_start": lambda: reg.fit(X, y), "partial_fit": lambda: reg.partial_fit(X, y),
              "save": lambda: reg.save(tmp_path / "changed.npz")}[how]
    with pytest.raises(ValueError, match=r"loss: the fitted network was trained with "
                                         r"loss='squared_error', got loss='poisson'"):
        action()
    assert reg.network_.loss.name == "squared_error" and reg.out_activation_ == "identity"
    np.testing.assert_array_equal(reg.predict(X), untouched.predict(X))
    assert not (tmp_path / "changed.npz").exists()
    reg.set_params(loss="squared_error")
    loaded = load_estimator(reg.save(tmp_path / "reg.npz"))
    np.testing.assert_array_equal(loaded.predict(X), untouched.predict(X))


@pytest.mark.parametrize("learning_rate", ["adaptive", "invscaling"])
def test_partial_fit_learning_rate_rules_follow_scikit_learn(learning_rate):
    """partial_fit calls with SGD's rate rules take scikit-learn's steps, call for call.

    scikit-learn counts the calls without improvement in partial_fit too, and "adaptive"
    divides the rate by 5 after more than ``n_iter_no_change`` of them; chainrule skipped
    that count in partial_fit and kept the rate.  From scikit-learn's weights (copied in),
    without shuffling, thirty calls give scikit-learn's loss curve, rate and weights.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X[:, 0] - 2 * X[:, 1] ** 2
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", alpha=1e-3, batch_size=16,
              shuffle=False, solver="sgd", momentum=0.9, learning_rate=learning_rate,
              tol=1e-2, n_iter_no_change=2, random_state=0, learning_rate_init=0.05)
    theirs, ours = SkMLPRegressor(**kw), MLPRegressor(**kw)
    theirs.partial_fit(X, y)
    ours.partial_fit(X, y)
    ours.coefs_, ours.intercepts_ = theirs.coefs_, theirs.intercepts_
    # from here on the same start: new optimizers, no record of the first calls' losses
    del ours._optimizer, theirs._optimizer
    ours._best_loss = theirs.best_loss_ = np.inf
    ours._no_improvement_count = theirs._no_improvement_count = 0
    for _ in range(30):
        theirs.partial_fit(X, y)
        ours.partial_fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-12)
    assert ours._optimizer.lr == pytest.approx(theirs._optimizer.learning_rate, rel=1e-12)
    for mine, skl in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(mine, skl, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("monitor", ["accuracy", "val_accuracy"])
def test_a_plateau_schedule_can_monitor_the_training_accuracy(iris, monitor):
    """``schedule={"name": "plateau", "monitor": "accuracy"}`` works as before.

    The estimators stopped counting the training accuracy, which the plateau schedule
    reads (and "val_accuracy" falls back to it): every such fit raised "monitor 'accuracy'
    is not a metric of this run".  The reference is a fresh ReduceOnPlateau fed the
    recorded accuracies: it must give the recorded rates, which fall at least once.
    """
    from chainrule.schedules import ReduceOnPlateau

    X, y = iris
    settings = {"monitor": monitor, "patience": 1, "factor": 0.5}
    clf = MLPClassifier((5,), max_iter=30, random_state=0, learning_rate_init=0.01,
                        schedule={"name": "plateau", **settings})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    accuracy, lr = clf.history_["accuracy"], clf.history_["lr"]
    assert all(0 <= a <= 1 for a in accuracy)
    reference = ReduceOnPlateau(**settings)
    expected = [0.01] + [reference.lr(i, 0.01, {"accuracy": a})
                         for i, a in enumerate(accuracy[:-1])]
    np.testing.assert_allclose(lr, expected, rtol=1e-15)
    assert min(lr) < 0.01


def test_with_early_stopping_a_plateau_schedule_watches_the_held_out_rows(iris):
    """``early_stopping`` + ``schedule="plateau"`` (monitor "val_loss") reads the held-out rows.

    The held-out rows were scored by the early-stopping rule only; the schedule saw no
    validation data, so "val_loss" and "val_accuracy" silently fell back to the training
    loss and accuracy.  The reference is the weighted cross-entropy (+ the per-sample L2
    term) and the accuracy of the fitted network on the held-out rows, computed here with
    NumPy from ``coefs_`` and ``intercepts_``, and a fresh ReduceOnPlateau fed those losses.
    """
    from chainrule.schedules import ReduceOnPlateau

    X, y = iris
    w = np.linspace(0.5, 2.0, len(y))
    settings = {"patience": 1, "factor": 0.5, "min_delta": 0.05}
    clf = MLPClassifier((5,), max_iter=1, random_state=0, learning_rate_init=0.01, alpha=0.1,
                        early_stopping=True, validation_fraction=0.2,
                        schedule={"name": "plateau", **settings})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=w)  # one epoch: the network is the one it scored
    va = sklearn_held_out(clf, y, 0.2)
    (W0, W1), (b0, b1) = clf.coefs_, clf.intercepts_
    Z = np.maximum(X[va] @ W0 + b0, 0) @ W1 + b1
    log_p = Z - Z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    wv = w[va]
    expected = (-(wv * log_p[np.arange(len(va)), y[va]]).sum() / wv.sum()
                + 0.1 / (2 * wv.sum()) * ((W0 ** 2).sum() + (W1 ** 2).sum()))
    assert clf.history_["val_loss"] == pytest.approx([expected], rel=1e-10)
    # weighted as val_loss (scikit-learn's accuracy_score with sample_weight)
    assert clf.history_["val_accuracy"] == pytest.approx(
        [np.average(Z.argmax(axis=1) == y[va], weights=wv)], rel=1e-12)

    clf.set_params(max_iter=25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=w)
    val_loss, lr = clf.history_["val_loss"], clf.history_["lr"]
    reference = ReduceOnPlateau(**settings)
    rates = [0.01] + [reference.lr(i, 0.01, {"val_loss": v}) for i, v in enumerate(val_loss[:-1])]
    np.testing.assert_allclose(lr, rates, rtol=1e-15)
    assert min(lr) < 0.01


@pytest.mark.parametrize("seed", [np.int64(3), np.uint32(3), True])
def test_save_keeps_a_seed_of_any_integer_type(tmp_path, seed):
    """random_state=np.int64(3) (or a bool, which scikit-learn takes as 0/1) survives save.

    save wrote a NumPy integer as null, losing the seed, and a bool as JSON true, which
    load_estimator refuses as corrupted.  The reference is scikit-learn's own reading of the
    seed, check_random_state: the loaded seed is int(seed), and a clone of the loaded
    estimator refits to the original's predictions.
    """
    X, y = make_regression(40, 3, noise=0.1, random_state=0)
    kw = dict(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(random_state=seed, **kw).fit(X, y)
        loaded = load_estimator(reg.save(tmp_path / "seed.npz"))
        assert loaded.random_state == int(seed)
        from sklearn.utils import check_random_state

        assert check_random_state(loaded.random_state).randint(10**9) == \
            check_random_state(seed).randint(10**9)
        refit = clone(loaded).fit(X, y)
    np.testing.assert_array_equal(refit.predict(X), reg.predict(X))


def test_save_takes_parameters_given_as_numpy_values(tmp_path, iris):
    """What fit takes, save writes: NumPy arrays, integers, floats and bools as parameters."""
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=np.array([5, 3]), activation=np.array(["tanh", "relu"]),
                        dropout=[np.float64(0.1), np.float32(0.0)], shuffle=np.False_,
                        batch_size=np.int64(30), max_iter=3, random_state=0).fit(X, y)
    loaded = load_estimator(clf.save(tmp_path / "np.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    params = loaded.get_params()
    assert params["hidden_layer_sizes"] == (5, 3) and params["activation"] == ["tanh", "relu"]
    assert params["dropout"] == [0.1, 0.0] and params["shuffle"] is False
    assert params["batch_size"] == 30 and type(params["batch_size"]) is int
    # a schedule given as a dict of NumPy numbers: the same schedule, and the same rates
    sched = {"name": "step", "step_size": np.int64(2), "gamma": np.float32(0.5)}
    clf = MLPClassifier((5,), schedule=sched, max_iter=5, random_state=0).fit(X, y)
    loaded = load_estimator(clf.save(tmp_path / "sched.npz"))
    assert loaded.schedule == {"name": "step", "step_size": 2, "gamma": 0.5}
    again = clone(loaded).fit(X, y)
    np.testing.assert_allclose(again.history_["lr"], clf.history_["lr"], rtol=0, atol=0)
    np.testing.assert_allclose(clf.history_["lr"], [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4])


@pytest.mark.parametrize("make", [
    lambda: schedules.StepDecay(step_size=2, gamma=0.3),
    lambda: schedules.Exponential(gamma=0.8),
    lambda: schedules.InverseScaling(power=0.7),
    lambda: schedules.ReduceOnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=1.0),
])
def test_save_takes_a_schedule_object(tmp_path, iris, make):
    """``schedule=StepDecay(...)`` (a Schedule object, which fit takes) is saved as its dict.

    save raised json's "TypeError: Object of type StepDecay is not JSON serializable".
    The reference for the rates is the schedule's formula, worked here per epoch.
    """
    X, y = iris
    clf = MLPClassifier((5,), schedule=make(), max_iter=5, learning_rate_init=0.01,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        loaded = load_estimator(clf.save(tmp_path / "sched.npz"))
        again = clone(loaded).fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert isinstance(loaded.schedule, dict) and loaded.schedule["name"] == make().name
    s, lr = make(), clf.history_["lr"]
    if isinstance(s, schedules.StepDecay):
        expected = [0.01 * 0.3 ** (e // 2) for e in range(5)]
    elif isinstance(s, schedules.Exponential):
        expected = [0.01 * 0.8 ** e for e in range(5)]
    elif isinstance(s, schedules.InverseScaling):
        expected = [0.01 / (1 + e) ** 0.7 for e in range(5)]
    else:  # min_delta=1: no epoch improves on the first, so the rate halves every epoch
        expected = [0.01, 0.01] + [0.01 * 0.5 ** e for e in range(1, 4)]
    np.testing.assert_allclose(lr, expected, rtol=1e-12)
    np.testing.assert_allclose(again.history_["lr"], lr, rtol=0, atol=0)


def test_fit_changes_no_schedule_object_given_as_a_parameter(iris):
    """fit changed the ReduceOnPlateau object given as ``schedule`` (its best value, its wait,
    its reductions), a parameter: scikit-learn's check_estimators_overwrite_params compares
    ``joblib.hash(get_params())`` before and after fit.  The rates must stay those of the same
    schedule given as a dict (halving every epoch from the third on here)."""
    import joblib

    X, y = iris
    settings = {"monitor": "loss", "patience": 0, "factor": 0.5, "min_delta": 1.0}
    plateau = schedules.ReduceOnPlateau(**settings)
    before = dict(vars(plateau))
    clf = MLPClassifier((5,), schedule=plateau, max_iter=5, learning_rate_init=0.01,
                        random_state=0)
    params = joblib.hash(clf.get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        ref = clone(clf).set_params(schedule={"name": "plateau", **settings}).fit(X, y)
    assert joblib.hash(clf.get_params()) == params
    assert vars(plateau) == before and clf.schedule is plateau
    halving = [0.01, 0.01] + [0.01 * 0.5**e for e in (1, 2, 3)]
    assert clf.history_["lr"] == ref.history_["lr"] == halving


def test_save_refuses_a_schedule_of_your_own_class_by_name(tmp_path, iris):
    class Halving(schedules.Schedule):
        name = "halving"

        def lr(self, epoch, lr0, metrics):
            return lr0 * 0.5 ** epoch

    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((5,), schedule=Halving(), max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"^schedule: a Halving object \(a class of your own\) "
                                         r"cannot be saved as JSON; pass the name or a dict"):
        clf.save(tmp_path / "own.npz")
    assert not (tmp_path / "own.npz").exists()


def test_assigned_values_must_be_finite_in_the_networks_dtype(iris):
    """A float32 network took ``coefs_[0] = 1e300`` as infinity and predicted inf.

    The finiteness check ran on the float64 values before they were cast into the float32
    parameters.  The reference is NumPy's conversion: what np.float32 turns into inf is
    refused (the network unchanged); what fits (up to np.finfo(np.float32).max) is stored
    as np.float32 stores it.
    """
    X, _ = iris
    reg = MLPRegressor((3,), solver="lbfgs", max_iter=5, random_state=0, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, X[:, 0])
    before = reg.network_.params.copy()
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(1e300))
    with pytest.raises(ValueError, match=r"coefs_\[0\] must hold finite numbers within the "
                                         r"network's float32"):
        reg.coefs_[0] = np.full((4, 3), 1e300)
    with pytest.raises(ValueError, match=r"intercepts_\[1\] must hold finite numbers"):
        reg.intercepts_ = [np.zeros(3), np.array([-1e39])]
    np.testing.assert_array_equal(reg.network_.params, before)
    big = float(np.finfo(np.float32).max)
    reg.intercepts_[1] = np.array([big])
    assert reg.intercepts_[1][0] == np.float32(big)


@pytest.mark.parametrize("sparse", [False, True])
def test_prediction_of_values_beyond_float32_by_a_float32_network(sparse):
    """predict on float64 X with 1e39 and a float32 network: finite numbers, silently.

    The block-wise conversion to float32 turned 1e39 into inf and the network's output
    into an arbitrary finite value; then it was refused with a ValueError naming X.  Now
    float64 X goes through the network in float64, as scikit-learn's products promote
    float32 weights times float64 data: the reference is NumPy's forward pass of the
    float32 parameters on the float64 rows, 1e39 included.
    """
    sp = pytest.importorskip("scipy.sparse")
    X = np.random.default_rng(0).uniform(size=(30, 3))
    reg = MLPRegressor((2,), solver="lbfgs", max_iter=3, random_state=0, dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, X.sum(axis=1))
    bad = X.copy()
    bad[0, 0] = 1e39
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(1e39))
    wrap = sp.csr_matrix if sparse else np.asarray
    (W0, W1), (b0, b1) = reg.coefs_, reg.intercepts_
    expected = (np.maximum(bad @ W0 + b0, 0) @ W1 + b1).ravel()
    got = reg.predict(wrap(bad))
    assert got.dtype == np.float64 and W0.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_a_regressor_pickled_before_the_loss_parameter_still_works(tmp_path):
    """An MLPRegressor pickled before ``loss`` existed: get_params, clone, save, warm start.

    Its state has no ``loss``, so each of these raised AttributeError after unpickling
    (predict alone worked).  The state is made here as the old code made it (this
    version's state without ``loss``); the reference is the estimator it came from: the
    restored one has its parameters (loss="squared_error", that of its network), predicts
    as it does, and goes on as it does.
    """
    X, y = make_regression(40, 3, noise=0.1, random_state=0)
    reg = MLPRegressor((3,), solver="lbfgs", max_iter=5, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
        state = reg.__getstate__()
        del state["loss"]
        old = MLPRegressor.__new__(MLPRegressor)
        old.__setstate__(state)
        assert old.get_params() == reg.get_params()
        assert clone(old).get_params()["loss"] == "squared_error"
        np.testing.assert_array_equal(load_estimator(old.save(tmp_path / "old.npz")).predict(X),
                                      reg.predict(X))
        np.testing.assert_array_equal(old.fit(X, y).predict(X), reg.fit(X, y).predict(X))


def _three_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    Y = np.c_[X[:, 0] - X[:, 1], np.sin(X[:, 2]), 0.5 * X[:, 3] ** 2]
    return X, Y


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_several_squared_error_outputs_report_and_stop_as_scikit_learn(solver, weighted):
    """Three outputs: scikit-learn's loss curve (mean over rows and outputs), steps and stop.

    From scikit-learn's weights (copied in after a one-epoch fit), without shuffling,
    both take the same steps (the gradient is a - y per output in both) and report
    ``((y - p)**2).mean() / 2 + alpha/(2m) sum W^2``: chainrule's network cost sums
    the outputs (SPEC 3), which made the curve about 3 times scikit-learn's and
    ``tol`` stop at another epoch.  The last loss is checked by hand too.
    """
    X, Y = _three_outputs()
    sw = np.linspace(0.5, 2.0, X.shape[0]) if weighted else None
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", solver=solver,
              learning_rate_init=0.01, shuffle=False, batch_size=30, random_state=0,
              max_iter=1, alpha=0.01, tol=2e-3, n_iter_no_change=2)
    ours = MLPRegressor(**kw).fit(X, Y, sample_weight=sw)
    theirs = SkMLPRegressor(**kw).fit(X, Y, sample_weight=sw)
    ours.coefs_, ours.intercepts_ = theirs.coefs_, theirs.intercepts_
    ours._best_loss = theirs.best_loss_ = np.inf
    for est in (ours, theirs):
        est.set_params(warm_start=True, max_iter=200).fit(X, Y, sample_weight=sw)
    assert 3 < theirs.n_iter_ < 200  # scikit-learn's rule stopped the run
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-10)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # the loss of one more epoch in a single batch, by hand at the weights it starts from
    w = np.ones(X.shape[0]) if sw is None else sw
    P = ours.predict(X)
    l2 = sum(float((c**2).sum()) for c in ours.coefs_)
    hand = 0.5 * np.average((Y - P) ** 2, axis=0, weights=w).mean() + 0.005 * l2 / w.sum()
    ours.set_params(batch_size=X.shape[0], max_iter=1).fit(X, Y, sample_weight=sw)
    assert ours.loss_curve_[-1] == pytest.approx(hand, rel=1e-12)


def test_several_squared_error_outputs_lbfgs_reports_scikit_learns_loss():
    """lbfgs on three outputs: ``loss_`` on scikit-learn's scale, by hand and against it.

    From the same weights both take the same first iterations (checked: 5).  Later
    they part, and chainrule does not follow: scikit-learn hands L-BFGS-B the mean
    over the outputs as the value but the gradient of their sum (3 times the
    derivative of that value), so its line search works on an inconsistent pair;
    chainrule's network cost and gradient agree (both the sum, SPEC 3).
    """
    X, Y = _three_outputs()
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs", random_state=0,
              max_iter=1, tol=0.0, alpha=0.01)
    ours, theirs = MLPRegressor(**kw).fit(X, Y), SkMLPRegressor(**kw).fit(X, Y)
    ours.coefs_, ours.intercepts_ = theirs.coefs_, theirs.intercepts_
    for est in (ours, theirs):
        est.set_params(warm_start=True, max_iter=5).fit(X, Y)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)
    for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    P = ours.predict(X)
    hand = 0.5 * ((Y - P) ** 2).mean() + 0.01 / (2 * 90) * sum(
        float((c**2).sum()) for c in ours.coefs_)
    assert ours.loss_ == ours.best_loss_ == ours.loss_curve_[-1] == pytest.approx(hand, rel=1e-12)
    # one value per iteration, on that scale (the last one checked above)
    assert len(ours.loss_curve_) == 6 and np.all(np.diff(ours.loss_curve_[1:]) < 0)


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [({"options": [("gtol", 1e-5)]}, TypeError,
      r"options: expected a dict of SciPy solver options or None, got list"),
     ({"tol": "1e-5"}, TypeError, r"tol must be a finite float >= 0, got '1e-5' \(str\)"),
     ({"tol": -1.0}, ValueError, r"tol must be a finite float >= 0, got -1.0"),
     ({"verbose": "yes"}, TypeError, r"verbose must be an int >= 0, got 'yes' \(str\)"),
     # was replaced by maxiter=3 without a word
     ({"options": {"maxiter": 50}}, ValueError,
      r"options: maxiter is minimize's own argument; pass maxiter=50 instead")],
)
def test_minimize_refuses_bad_arguments_by_name_before_it_starts(kw, error, match):
    """Not SciPy's "'list' object is not a mapping" or a ufunc error deep in the solver."""
    X, y = load_iris(return_X_y=True)
    net = mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)
    before = net.params.copy()
    with pytest.raises(error, match=match):
        minimize(net, X, y, maxiter=3, **kw)
    np.testing.assert_array_equal(net.params, before)


def test_minimize_calls_back_with_each_iterate_and_its_cost():
    """``minimize(callback=...)``: each iterate and the cost in ``loss_curve`` at it."""
    X, Y = _three_outputs()
    net = mlp([4, 5, 3], hidden="tanh", output="identity", loss="squared_error", seed=0,
              weight_decay=0.01, decay="per_sample")
    seen = []
    result = minimize(net, X, Y, maxiter=4, callback=lambda t, J: seen.append((t.copy(), J)))
    assert [J for _, J in seen] == result["loss_curve"] and len(seen) == result.nit
    final = net.params.copy()
    for theta, J in seen:
        assert net.cost(theta, X, Y)[0] == pytest.approx(J, rel=1e-13)
    with pytest.raises(TypeError, match=r"callback: expected a callable or None, got 3"):
        minimize(net, X, Y, maxiter=2, callback=3)
    np.testing.assert_array_equal(net.params, final)  # refused before anything changed


def _snapshot(est):
    """Everything a fit could change: the attributes, the lists in them, the network's numbers."""
    state = {k: (list(v) if isinstance(v, list) else v) for k, v in vars(est).items()}
    net = est.network_
    return state, net.params.copy(), net.weight_decay, [
        {k: v.copy() for k, v in layer.buffers().items()} for layer in net.layers]


def _assert_unchanged(est, snap):
    state, params, decay, buffers = snap
    assert set(vars(est)) == set(state)
    for k, v in state.items():  # the same objects, the lists with the same items
        now = vars(est)[k]
        assert now == v if isinstance(v, list) else now is v, k
    np.testing.assert_array_equal(est.network_.params, params)
    assert est.network_.weight_decay == decay
    for layer, values in zip(est.network_.layers, buffers, strict=True):
        for k, v in values.items():
            np.testing.assert_array_equal(layer.buffers()[k], v)


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
@pytest.mark.parametrize(("change", "message"), [
    (dict(hidden_layer_sizes=(7,)), r"hidden_layer_sizes: the fitted network has "
     r"hidden_layer_sizes=\(5,\), got hidden_layer_sizes=\(7,\)"),
    (dict(hidden_layer_sizes=[5, 3]), r"hidden_layer_sizes: the fitted network has "
     r"hidden_layer_sizes=\(5,\), got hidden_layer_sizes=\[5, 3\]"),
    (dict(activation="tanh"), r"activation: the fitted network has activation='relu', got "
     r"activation='tanh'"),
    (dict(batch_norm=True), r"batch_norm: the fitted network has batch_norm=False, got "
     r"batch_norm=True"),
    (dict(dropout=0.2), r"dropout: the fitted network has dropout=0.0, got dropout=0.2"),
])
def test_continuing_with_another_architecture_is_refused_and_loses_nothing(change, message,
                                                                           how):
    """A warm start or partial_fit with other layers: a clear error, and nothing changed.

    Before, the fitted network went on as it was, the new parameters silently ignored.
    """
    X, Y = _three_outputs()
    reg = MLPRegressor((5,), max_iter=3, random_state=0, batch_size=30,
                       warm_start=how == "warm_start").fit(X, Y)
    reg.set_params(**change)
    snap = _snapshot(reg)
    fix = ("fit a new network (warm_start=False)" if how == "warm_start"
           else "fit a new network (fit with warm_start=False)")
    with pytest.raises(ValueError, match=message) as err:
        reg.fit(X, Y) if how == "warm_start" else reg.partial_fit(X, Y)
    assert fix in str(err.value) and "again" in str(err.value)
    _assert_unchanged(reg, snap)
    # the way out the message gives: a new network of the asked architecture
    reg.set_params(warm_start=False).fit(X, Y)
    widths = [layer.n_out for layer in reg.network_.layers if isinstance(layer, Dense)]
    assert widths[:-1] == list(np.atleast_1d(reg.hidden_layer_sizes))


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_continuing_with_other_features_or_outputs_says_what_to_do(how):
    X, Y = _three_outputs()
    reg = MLPRegressor((5,), max_iter=3, random_state=0, warm_start=how == "warm_start")
    reg.fit(X, Y)
    snap = _snapshot(reg)
    go = reg.fit if how == "warm_start" else reg.partial_fit
    lead = "partial_fit" if how == "partial_fit" else r"a warm start \(warm_start=True\)"
    with pytest.raises(ValueError, match=r"^X has 3 features, but MLPRegressor is expecting 4 "
                                         rf"features as input\. \({lead} goes on with the fitted "
                                         r"network; .*fit a new network.*\)$"):
        go(X[:, :3], Y)
    _assert_unchanged(reg, snap)
    with pytest.raises(ValueError, match=r"y has 2 output\(s\) but the fitted network has 3; "
                                         r".*fit a new network"):
        go(X, Y[:, :2])
    _assert_unchanged(reg, snap)


def test_a_warm_start_takes_a_changed_alpha_as_scikit_learn_does():
    """alpha is no architecture: a warm start trains with the new value, as scikit-learn's.

    Before, the network kept the alpha of its first fit (1e-4 here instead of 1.0).
    """
    X, Y = _three_outputs()
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", shuffle=False,
              batch_size=30, random_state=0, max_iter=1, tol=0.0, learning_rate_init=0.01)
    ours, theirs = MLPRegressor(**kw).fit(X, Y[:, 0]), SkMLPRegressor(**kw).fit(X, Y[:, 0])
    ours.coefs_, ours.intercepts_ = theirs.coefs_, theirs.intercepts_
    for est in (ours, theirs):
        est.set_params(warm_start=True, max_iter=4, alpha=1.0).fit(X, Y[:, 0])
    assert ours.network_.weight_decay == 1.0
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("schedule", [
    {"name": "exponential", "gamma": 0.5},
    {"name": "step", "step_size": 2, "gamma": 0.5},
    {"name": "plateau", "monitor": "accuracy", "patience": 0, "factor": 0.5, "min_delta": 0.5},
    "plateau object",  # a Schedule object: the Trainer resets it, partial_fit puts its state back
])
def test_partial_fit_goes_on_with_the_schedule_like_one_fit(schedule):
    """Each partial_fit built a fresh schedule for its one epoch, so the rate never followed
    it: step decay never decayed, a plateau never lowered the rate.  Five calls now give
    the rates and the parameters of one fit of five epochs (unshuffled: the same batches)."""
    from sklearn.datasets import load_digits

    from chainrule import MLPClassifier
    from chainrule.schedules import ReduceOnPlateau

    if schedule == "plateau object":
        schedule = ReduceOnPlateau(monitor="accuracy", patience=0, factor=0.5, min_delta=0.5)
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    kw = dict(hidden_layer_sizes=(20,), solver="sgd", learning_rate_init=0.1,
              schedule=schedule, random_state=0, shuffle=False, tol=0, n_iter_no_change=100)
    whole = MLPClassifier(max_iter=5, **kw).fit(X, y)
    steps = MLPClassifier(**kw)
    rates = []
    for _ in range(5):
        steps.partial_fit(X, y, classes=np.arange(10))
        rates.append(steps.history_["lr"][0])
    assert rates == whole.history_["lr"]
    assert len(set(rates)) > 1  # the schedule did lower the rate
    np.testing.assert_array_equal(steps.network_.params, whole.network_.params)
    # a schedule changed by set_params starts afresh, at learning_rate_init
    steps.set_params(schedule={"name": "exponential", "gamma": 0.9})
    steps.partial_fit(X, y)
    assert steps.history_["lr"] == [0.1]


def test_verbose_2_prints_the_recorded_loss_and_validation_score(capsys):
    """verbose=2's line per epoch shows loss_curve_'s loss (scikit-learn's scale, averaged
    over several squared-error outputs, not the Trainer's sum) and the validation score."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.c_[X.sum(axis=1), X[:, 0], -X[:, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((5,), max_iter=3, verbose=2, random_state=0).fit(X, Y)
        lines = capsys.readouterr().err.strip().splitlines()
        clf = MLPClassifier((5,), max_iter=2, verbose=2, random_state=0,
                            early_stopping=True).fit(X, X[:, 0] > 0)
        clf_lines = capsys.readouterr().err.strip().splitlines()

    def field(line: str, name: str) -> float:
        return float(line.split(f"{name} ")[1].split(",")[0])

    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert [field(line, "loss") for line in lines] == pytest.approx(reg.loss_curve_, rel=1e-4)
    assert [field(line, "loss") for line in clf_lines] == pytest.approx(clf.loss_curve_,
                                                                         rel=1e-4)
    assert [field(line, "validation_score") for line in clf_lines] == pytest.approx(
        clf.validation_scores_, rel=1e-4)


# --- a saved estimator continues training exactly as the unsaved one -------------------------
_CONTINUED = [
    (MLPClassifier, dict(solver="adam"), "partial"),
    (MLPClassifier, dict(solver="sgd", momentum=0.9, learning_rate="adaptive"), "partial"),
    (MLPClassifier, dict(solver="sgd", learning_rate="invscaling", dropout=0.2), "warm"),
    (MLPClassifier, dict(solver="rmsprop", schedule={"name": "plateau", "monitor": "loss",
                                                     "patience": 0}), "partial"),
    (MLPClassifier, dict(solver="adam", early_stopping=True, batch_norm=True), "warm"),
    (MLPRegressor, dict(solver="adagrad", dtype="float32"), "warm"),
    (MLPRegressor, dict(solver="sgd", momentum=0.9, nesterovs_momentum=True), "partial"),
]


@pytest.mark.parametrize("cls, settings, how", _CONTINUED,
                         ids=[f"{c.__name__}-{s['solver']}-{h}" for c, s, h in _CONTINUED])
def test_a_loaded_estimator_continues_exactly_as_the_saved_one(tmp_path, cls, settings, how):
    """save / load_estimator dropped the optimizer's state (Adam's moments, SGD's velocity),
    the rate the rules reached, the stopping counters and the generator: partial_fit or a
    warm start after a reload went elsewhere (probabilities 0.0037 apart with Adam).  The
    reference is the unsaved estimator continued the same way: equal bit for bit."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = ((X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5) if cls is MLPClassifier
         else X[:, 0] - 2 * X[:, 1])
    first = {"classes": [0, 1, 2]} if cls is MLPClassifier else {}
    est = cls((5,), max_iter=4, batch_size=10, n_iter_no_change=1, random_state=0,
              warm_start=how == "warm", **settings)

    def step(e, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            e.partial_fit(X, y, **kwargs) if how == "partial" else e.fit(X, y)

    for _ in range(3):
        step(est, **first)
    back = load_estimator(est.save(tmp_path / "model"))
    for _ in range(3):
        step(est)
        step(back)
    np.testing.assert_array_equal(back.network_.params, est.network_.params)
    assert back.loss_curve_ == est.loss_curve_ and back.t_ == est.t_
    assert back.validation_scores_ == est.validation_scores_
    out = "predict_proba" if cls is MLPClassifier else "predict"
    np.testing.assert_array_equal(getattr(back, out)(X), getattr(est, out)(X))


def test_an_estimator_file_without_a_training_record_still_loads(tmp_path, iris):
    """Files written before the training state was saved (no "training" record, no
    optimizer arrays) load as before: the same network and predictions, and they train
    on, from a new optimizer."""
    X, y = iris
    est = MLPClassifier((5,), solver="adam", max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    path = est.save(tmp_path / "new.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("optimizer/")}
    meta = json.loads(str(arrays.pop("__meta__")))
    assert set(meta["training"]) >= {"rng", "optimizer", "no_improvement_count"}
    del meta["training"]
    np.savez(tmp_path / "old.npz", __meta__=np.array(json.dumps(meta)), **arrays)
    old = load_estimator(tmp_path / "old.npz")
    assert not hasattr(old, "_optimizer")
    np.testing.assert_array_equal(old.predict_proba(X), est.predict_proba(X))
    old.partial_fit(X, y)
    assert old._optimizer.t == int(np.ceil(X.shape[0] / 200))  # one epoch of a new optimizer


@pytest.mark.parametrize("edit, message", [
    (lambda m, a: m["training"].update(extra=1),
     r"training: expected the keys \[.*\] \('rng' at least\), found \[.*'extra'"),
    (lambda m, a: m["training"]["optimizer"].update(t=-1),
     r"training\.optimizer\.t: expected a non-negative integer, found -1"),
    (lambda m, a: a.update({"optimizer/m": a["optimizer/m"][:-1]}),
     r"optimizer/m: expected shape \(\d+,\) and dtype float64, found shape"),
    (lambda m, a: m["training"].update(lr=-1),
     r"training\.lr: expected a positive number, found -1"),
    # the learning-rate rules' rate (not a schedule's, which the optimizer config holds)
    # is never 0; read back as 0, an "adaptive" partial_fit divided by it (_set_rate)
    (lambda m, a: m["training"].update(lr=0.0),
     r"training\.lr: expected a positive number, found 0\.0"),
    (lambda m, a: m["training"].update(optimizer=[1]),
     r"training\.optimizer: expected an object with the keys \['config', 't'\]"),
    (lambda m, a: m["training"].update(rng={"bit_generator": "MT19937"}),
     r"training\.rng: expected the state of a PCG64 generator, found 'MT19937'"),
    (lambda m, a: m["training"].update(rng_layers=[0]),
     r"training\.rng_layers: expected a list of the indices of layers with a random"),
])
def test_a_damaged_training_record_is_refused_by_name(tmp_path, iris, edit, message):
    X, y = iris
    est = MLPClassifier((5,), solver="adam", max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    est._lr = 0.001  # as the learning-rate rules keep it
    path = est.save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    edit(meta, arrays)
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match=rf"^{path}: corrupted estimator file \({message}"):
        load_estimator(path)


@pytest.mark.parametrize("how", ["partial", "warm"])
def test_a_pickled_estimator_with_dropout_continues_exactly(how):
    """The Dropout layers draw their masks from the estimator's own generator, which
    also draws each run's shuffling seed; a pickled copy gave its layers generators of
    their own, so partial_fit or a warm start of the copy drew other masks (0.0007
    apart).  The reference is the original estimator continued the same way."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > X[:, 1]).astype(int)
    est = MLPClassifier((6,), dropout=0.3, solver="adam", max_iter=3, batch_size=8,
                        random_state=0, warm_start=how == "warm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X, y, classes=[0, 1]) if how == "partial" else est.fit(X, y)
        copies = [pickle.loads(pickle.dumps(est)), copy.deepcopy(est)]
        for e in [est, *copies]:
            for _ in range(2):
                e.partial_fit(X, y) if how == "partial" else e.fit(X, y)
    for e in copies:
        np.testing.assert_array_equal(e.network_.params, est.network_.params)
        assert e.loss_curve_ == est.loss_curve_


@pytest.mark.parametrize("seed", [-1, 2**31, 2**40])
def test_a_split_seed_out_of_range_is_refused_when_the_file_is_read(tmp_path, iris, seed):
    """A training record whose early-stopping split seed lay outside 0..2**31 - 1 (the
    range it is drawn from) loaded, and the next warm-start fit failed in scikit-learn's
    train_test_split, reported as a validation split that "cannot be split off".  It is
    refused when the file is read, naming the key; the reference is the seed the saved
    estimator drew, which loads and scores on the same validation rows."""
    X, y = iris
    # (a RandomState: the seed drawn from the estimator's generator; an integer
    # random_state is scikit-learn's seed, up to 2**32 - 1, tests/test_estimators7_*)
    est = MLPClassifier((5,), solver="adam", early_stopping=True, max_iter=2,
                        random_state=np.random.RandomState(0))
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    path = est.save(tmp_path / "model.npz")
    assert load_estimator(path)._split_seed == est._split_seed < 2**31
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["training"]["split_seed"] = seed
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match=rf"^{path}: corrupted estimator file \(training\."
                                         rf"split_seed: expected .*, found {seed}\)"):
        load_estimator(path)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_lbfgs_and_cg_ignore_a_schedule_as_they_ignore_the_step_size(iris, solver):
    """The documented convention for the mini-batch solvers' settings: checked at fit
    whatever the solver, ignored by lbfgs and cg (scikit-learn's "only used when
    solver=...").  A schedule, and a schedule with every other such setting changed,
    train the very network of the defaults; a schedule that cannot be built is refused."""
    X, y = iris
    fit = {"hidden_layer_sizes": (4,), "solver": solver, "max_iter": 30, "random_state": 0}
    plain = MLPClassifier(**fit).fit(X, y)
    for other in ({"schedule": "step"},
                  {"schedule": schedules.Exponential(0.5), "learning_rate_init": 0.5,
                   "momentum": 0.5, "batch_size": 7, "shuffle": False, "beta_1": 0.1,
                   "n_iter_no_change": 1, "early_stopping": True}):
        est = MLPClassifier(**fit, **other).fit(X, y)
        np.testing.assert_array_equal(est.network_.params, plain.network_.params)
        assert est.loss_curve_ == plain.loss_curve_
    with pytest.raises(ValueError, match=r"^The 'schedule' parameter of MLPClassifier must be "
                       r".* Got 'steps' instead\. \(unknown schedule 'steps'"):
        MLPClassifier(**fit, schedule="steps").fit(X, y)
    with pytest.raises(ValueError, match=r"^The 'momentum' parameter of "
                       r"MLPClassifier must be a float in the range \[0\.0, 1\.0\)\. Got 2 "):
        MLPClassifier(**fit, momentum=2).fit(X, y)


def test_verbose_1_prints_the_recorded_loss_where_no_bar_shows(capsys):
    """verbose=1 showed tqdm's bar with disable=None, so with stderr not a terminal (a
    batch job's log) a fit printed nothing.  It now prints verbose=2's line per epoch
    there, with loss_curve_'s loss (several squared-error outputs: scikit-learn's scale)
    and the validation score, once each; verbose=0 stays silent."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    Y = np.c_[X.sum(axis=1), X[:, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((5,), max_iter=3, verbose=1, random_state=0).fit(X, Y)
        lines = capsys.readouterr().err.strip().splitlines()
        clf = MLPClassifier((5,), max_iter=2, verbose=True, random_state=0,
                            early_stopping=True).fit(X, X[:, 0] > 0)
        clf_lines = capsys.readouterr().err.strip().splitlines()
        MLPClassifier((5,), max_iter=2, random_state=0).fit(X, X[:, 0] > 0)
        assert capsys.readouterr().err == ""

    def field(line: str, name: str) -> float:
        return float(line.split(f"{name} ")[1].split(",")[0])

    assert [line.split(":")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert [field(line, "loss") for line in lines] == pytest.approx(reg.loss_curve_, rel=1e-4)
    assert [line.split(":")[0] for line in clf_lines] == ["epoch 1/2", "epoch 2/2"]
    assert [field(line, "loss") for line in clf_lines] == pytest.approx(clf.loss_curve_,
                                                                         rel=1e-4)
    assert [field(line, "validation_score") for line in clf_lines] == pytest.approx(
        clf.validation_scores_, rel=1e-4)


@pytest.mark.parametrize("Est, SkEst", [(MLPClassifier, SkMLPClassifier),
                                        (MLPRegressor, SkMLPRegressor)])
@pytest.mark.parametrize("form", ["column", "dataframe"])
def test_a_column_vector_y_warns_as_scikit_learn_does(Est, SkEst, form):
    """A y of shape (n, 1), or a DataFrame of one column, was taken as a 1-D y without a
    word, where scikit-learn's MLPClassifier and MLPRegressor raise DataConversionWarning
    ("A column-vector y was passed when a 1d array was expected") and fit one target.
    Both now warn (fit and partial_fit), and the fit is the 1-D y's: the same
    predictions, of shape (n,), and one output."""
    from sklearn.exceptions import DataConversionWarning

    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int) if Est is MLPClassifier else X @ [1.0, -0.5, 0.2]
    column = pd.DataFrame({"t": y}) if form == "dataframe" else y[:, None]
    settings = dict(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    match = r"^A column-vector y was passed when a 1d array was expected"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(DataConversionWarning, match=match):  # the reference's behaviour
            SkEst(**settings).fit(X, column)
        with pytest.warns(DataConversionWarning, match=match) as record:
            est = Est(**settings).fit(X, column)
        flat = Est(**settings).fit(X, y)
        with pytest.warns(DataConversionWarning, match=match):
            Est(**settings).partial_fit(X, column, **(
                {"classes": [0, 1]} if Est is MLPClassifier else {}))
    assert record[0].filename == __file__  # the warning names the caller's line
    assert est.n_outputs_ == 1 and est.predict(X).shape == (40,)
    np.testing.assert_array_equal(est.predict(X), flat.predict(X))
    assert est.loss_curve_ == flat.loss_curve_


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize(("ours", "theirs"), [(MLPClassifier, SkMLPClassifier),
                                              (MLPRegressor, SkMLPRegressor)])
def test_one_ctrl_c_warns_as_scikit_learn_does_and_keeps_the_fit(iris, monkeypatch, method,
                                                                 ours, theirs):
    """A real SIGINT in the 8th mini-batch of fit (epoch 2 of 20, 5 batches of 30 an epoch;
    partial_fit: the 3rd of its one epoch) stopped the fit after the batch and said so on
    stderr alone.  It now also warns as
    scikit-learn's MLP does under the same Ctrl-C (the reference: its warnings, category
    and text); the estimator keeps what it reached (n_iter_ as scikit-learn's), predicts,
    and the warning names the caller's line."""
    import os
    import signal

    from chainrule.training import Trainer

    X, y = iris
    target = y if ours is MLPClassifier else X[:, 0] + 0.5 * y
    extra = {"classes": np.unique(y)} if method == "partial_fit" and ours is MLPClassifier else {}
    at = 8 if method == "fit" else 3

    def ctrl_c_at(cls, name):
        inner, calls = getattr(cls, name), [0]

        def sent(self, *args, **kwargs):
            calls[0] += 1
            if calls[0] == at:
                os.kill(os.getpid(), signal.SIGINT)
            return inner(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, sent)

    results = []
    for cls, step in ((theirs, "_backprop"), (ours, "_step")):
        ctrl_c_at(theirs if cls is theirs else Trainer, step)
        est = cls(hidden_layer_sizes=(5,), batch_size=30, max_iter=20, random_state=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(est, method)(X[:, 1:], target, **extra)
        results.append((est, [(w.category, str(w.message)) for w in caught], caught))
        monkeypatch.undo()
    (sk, sk_warned, _), (est, warned, caught) = results
    assert sk_warned == [(UserWarning, "Training interrupted by user.")]  # the reference
    assert warned == sk_warned
    assert caught[0].filename == __file__
    assert est.n_iter_ == sk.n_iter_ == len(est.loss_curve_)
    # t_ grows at an epoch's end, as scikit-learn's (n_iter_ * rows): the batches of the
    # epoch cut short are in neither's count
    assert est.t_ == sk.t_ == 150 * est.n_iter_
    assert est.predict(X[:, 1:]).shape == sk.predict(X[:, 1:]).shape == y.shape


@pytest.mark.parametrize(("method", "settings"), [
    ("partial_fit", {"solver": "adam", "dropout": 0.2, "batch_norm": True}),
    ("partial_fit", {"solver": "sgd", "learning_rate": "invscaling"}),
    ("fit", {"solver": "adam", "warm_start": True, "schedule": "cosine"}),
    ("fit", {"solver": "lbfgs", "warm_start": True}),
])
def test_a_second_ctrl_c_leaves_the_estimator_as_before_the_call(iris, monkeypatch, method,
                                                                 settings):
    """Two real SIGINTs in the 3rd mini-batch of a partial_fit or a warm start (Ctrl-C
    pressed twice: the second aborts) gave back the estimator's attributes (coefs_ aside,
    n_iter_, loss_curve_) but left its network with the aborted batches' updates and
    its optimizer, schedule and generators advanced: coefs_ and predict were not those
    of before, and the next partial_fit went on from neither.  The reference is a copy
    of the estimator taken before the aborted call: after it, the estimator predicts
    as the copy does, and the same partial_fit gives both the same coefs_, bit for bit
    (L-BFGS: SIGINTs in its 3rd evaluation, which minimize does not catch)."""
    import os
    import signal

    from chainrule import scipy_fit
    from chainrule.training import Trainer

    X, y = iris
    est = MLPClassifier(hidden_layer_sizes=(6,), batch_size=30, max_iter=3, random_state=0,
                        **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    reference = copy.deepcopy(est)
    before = [c.copy() for c in est.coefs_]
    cls, name = ((scipy_fit, "_objective") if settings["solver"] == "lbfgs" else
                 (Trainer, "_step"))
    inner, calls = getattr(cls, name), [0]

    def twice():
        calls[0] += 1
        if calls[0] == 3:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)

    if cls is Trainer:
        def sent(self, *args, **kwargs):
            inner(self, *args, **kwargs)
            twice()
    else:
        def sent(*args, **kwargs):
            fun = inner(*args, **kwargs)

            def counted(theta):
                twice()
                return fun(theta)
            return counted

    monkeypatch.setattr(cls, name, sent)
    with pytest.raises(KeyboardInterrupt):
        getattr(est, method)(X, y)
    monkeypatch.undo()
    assert calls[0] >= 3
    for got, was in zip(est.coefs_, before, strict=True):
        np.testing.assert_array_equal(got, was)
    assert est.n_iter_ == reference.n_iter_ and est.loss_curve_ == reference.loss_curve_
    np.testing.assert_array_equal(est.predict_proba(X), reference.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.partial_fit(X, y) if method == "partial_fit" else est.fit(X, y)
        reference.partial_fit(X, y) if method == "partial_fit" else reference.fit(X, y)
    for got, expected in zip(est.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert est.loss_curve_ == reference.loss_curve_


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_partial_fit_snapshot_copies_the_state_not_the_optimizers_work_vectors(iris, solver):
    """What a partial_fit snapshots so that an abort changes nothing (fbf8b1d) deep-copied
    the optimizer's attributes whole, its work vectors too (Adam's direction and m_hat,
    SGD's direction: scratch, written before they are read): 5 vectors the size of the
    parameters for Adam where 3 (the parameters, m and v) are the state, on every call.
    The memory it allocates is now within 10% (plus 16 KiB) of the parameters' and the
    state vectors' bytes (16,000 parameters here), and putting it back still restores those
    bit for bit.  And the copies' buffers are reused by the next call (allocating them anew
    cost a quarter of a partial_fit on a 64-512-512-10 network): a second snapshot after
    the first is released allocates under 10% of them; while one is live, a fit inside it
    takes buffers of its own (ours still restore)."""
    import tracemalloc

    from chainrule._mlp_checked_fit import _in_place_state

    X, y = iris
    est = MLPClassifier(hidden_layer_sizes=(2000,), solver=solver, momentum=0.9,
                        random_state=0).partial_fit(X, y, classes=np.unique(y))
    opt, net = est._optimizer, est.network_
    assert opt._work  # the work vectors exist once a step ran
    state = {k: v.copy() for k, v in opt.state.items()}
    kept = net.params.nbytes + sum(v.nbytes for v in state.values())
    allocated = []
    for _ in range(2):
        tracemalloc.start()
        try:
            put_back, release = _in_place_state(est)
            allocated.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        release(keep=True)
    assert allocated[0] <= 1.1 * kept + 2**14, (allocated, kept)
    assert allocated[1] <= 0.1 * kept, (allocated, kept)  # the released buffers, reused
    put_back, release = _in_place_state(est)
    params = net.params.copy()
    est.partial_fit(X, y)  # moves the parameters, the state and the work vectors
    assert not np.array_equal(net.params, params)
    put_back()
    np.testing.assert_array_equal(net.params, params)
    assert opt.state.keys() == state.keys()
    for k, v in state.items():
        np.testing.assert_array_equal(opt.state[k], v)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_predict_proba_keeps_the_relative_precision_of_both_columns(dtype):
    """The first column of a binary predict_proba was ``1 - sigmoid(z)``: 0 for ``z`` past
    about 37 (float64; 17 in float32) where the probability is e^-z.  Each column is now the
    sigmoid of its own net input, ``expit(-z)`` and ``expit(z)``, against mpmath at 50 digits,
    and they still sum to 1, equal ``exp(predict_log_proba)``, and for moderate ``z`` stay
    within an ulp of ``1 - p``."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).astype(dtype)
    clf = MLPClassifier((), solver="lbfgs", max_iter=20, random_state=0,
                        dtype=np.dtype(dtype).name).fit(X, X[:, 0] > 0)
    clf.coefs_[0][...] = [[1.0], [0.0]]  # z = the first feature, exactly in either dtype
    clf.intercepts_[0][...] = 0.0
    z = np.array([-750, -100, -60, -40, -20, -5, -0.3, 0, 0.3, 5, 20, 40, 60, 100, 750])
    P = clf.predict_proba(np.column_stack([z, np.ones_like(z)]).astype(dtype))
    expected = np.array([[float(1 / (1 + mpmath.exp(mpmath.mpf(v)))),
                          float(1 / (1 + mpmath.exp(-mpmath.mpf(v))))] for v in z])
    info = np.finfo(dtype)
    assert P.dtype == dtype
    # every value to 4 ulps of itself; below the normal range (e^-z < 1.2e-38 in float32,
    # 2.2e-308 in float64) a subnormal or 0
    np.testing.assert_allclose(P, expected, rtol=4 * info.eps, atol=info.tiny)
    assert P[z == 40, 0] > 0 and P[z == -40, 1] > 0  # 1 - p was 0 in both dtypes here
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=2 * info.eps)
    log_p = clf.predict_log_proba(np.column_stack([z, np.ones_like(z)]).astype(dtype))
    normal = expected > info.tiny
    np.testing.assert_allclose(P[normal], np.exp(log_p[normal]), rtol=8 * info.eps)
    # a fitted network, moderate net inputs: the second column is the output unit's value,
    # the first within an ulp of 1 (eps) of 1 - p, the old formula
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, X[:, 0] > 0)
    P, out = clf.predict_proba(X), clf.network_.predict(X)[:, 0]
    np.testing.assert_array_equal(P[:, 1], out)
    np.testing.assert_allclose(P[:, 0], 1 - out, rtol=0, atol=info.eps)


def _interrupted_at(monkeypatch, at, real_sigint=False):
    """Make evaluation ``at`` of the SciPy solvers' objective raise KeyboardInterrupt (or,
    with ``real_sigint``, send the process one SIGINT: one Ctrl-C); returns the count."""
    import os
    import signal

    from chainrule import scipy_fit

    inner, calls = scipy_fit._objective, [0]

    def wrapped(*args, **kwargs):
        fun = inner(*args, **kwargs)

        def counted(theta):
            calls[0] += 1
            if calls[0] == at:
                if not real_sigint:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), signal.SIGINT)
            return fun(theta)
        return counted

    monkeypatch.setattr(scipy_fit, "_objective", wrapped)
    return calls


@pytest.mark.parametrize("real_sigint", [False, True])
@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_one_ctrl_c_stops_lbfgs_and_cg_and_keeps_the_last_iterate(iris, monkeypatch, cls,
                                                                  solver, real_sigint):
    """One Ctrl-C in a fit with solver="lbfgs" or "cg" aborted it (KeyboardInterrupt to
    the caller, the estimator unfitted), while the mini-batch solvers and
    SoftmaxRegression stop, keep what they reached and warn.  Now a KeyboardInterrupt
    raised in the 9th evaluation of the objective stops the run at the last completed
    iterate, and a real SIGINT there after the iteration under way.  The reference is the
    uninterrupted fit with max_iter = the iterations the interrupted one completed: the
    same coefs_, predictions, n_iter_, t_, loss_ and loss_curve_, bit for bit, and one
    UserWarning (no ConvergenceWarning) naming the caller's line."""
    X, y = iris
    target = y if cls is MLPClassifier else np.column_stack([X[:, 0] + 0.5 * y, y])
    settings = {"hidden_layer_sizes": (5,), "solver": solver, "alpha": 1e-3,
                "random_state": 0}
    calls = _interrupted_at(monkeypatch, 9, real_sigint)
    est = cls(max_iter=100, **settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X[:, 1:], target)
    monkeypatch.undo()
    assert calls[0] >= 9
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, "Training interrupted by user.")]
    assert caught[0].filename == __file__
    assert 1 <= est.n_iter_ < 9
    reference = cls(max_iter=est.n_iter_, **settings).fit(X[:, 1:], target)
    for got, expected in zip(est.coefs_ + est.intercepts_,
                             reference.coefs_ + reference.intercepts_, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(est.predict(X[:, 1:]), reference.predict(X[:, 1:]))
    assert (est.n_iter_, est.t_) == (reference.n_iter_, reference.t_)
    assert est.loss_ == reference.loss_ == est.best_loss_
    assert est.loss_curve_ == reference.loss_curve_
    assert len(est.loss_curve_) == est.n_iter_


def test_ctrl_c_in_the_first_lbfgs_evaluation_of_a_warm_start_keeps_the_fit(iris, monkeypatch):
    """A KeyboardInterrupt in the first evaluation of a warm start's L-BFGS (no iteration
    completed) keeps the weights the estimator had, with n_iter_ 0, loss_curve_ as it was
    and loss_ their cost, computed here from coefs_ by hand: softmax cross-entropy plus
    (alpha / 2m) sum W^2."""
    X, y = iris
    est = MLPClassifier((4,), solver="lbfgs", alpha=0.01, max_iter=5, warm_start=True,
                        random_state=0).fit(X, y)
    before, curve = [c.copy() for c in est.coefs_ + est.intercepts_], list(est.loss_curve_)
    _interrupted_at(monkeypatch, 1)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        est.fit(X, y)
    monkeypatch.undo()
    for got, was in zip(est.coefs_ + est.intercepts_, before, strict=True):
        np.testing.assert_array_equal(got, was)
    assert est.n_iter_ == 0 and est.loss_curve_ == curve
    (W1, W2), (b1, b2) = est.coefs_, est.intercepts_
    z = np.maximum(X @ W1 + b1, 0) @ W2 + b2
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    cost = -log_p[np.arange(len(y)), y].mean() + 0.01 / (2 * len(y)) * (
        (W1**2).sum() + (W2**2).sum())
    assert est.loss_ == pytest.approx(cost, rel=1e-12)
    np.testing.assert_allclose(est.predict_proba(X), np.exp(log_p), rtol=1e-12, atol=1e-15)


def test_only_partial_fit_keeps_the_abort_snapshots_buffers(iris):
    """The abort snapshot's buffers (a copy of the parameters and of Adam's moments) are kept
    with the network for the next partial_fit of a loop, which they save a quarter of its
    time; after a fit (and a warm-start fit) they are let go, so a fitted estimator does not
    hold ~3 x its parameters' memory for as long as it lives (the review of 919d465)."""
    from chainrule._mlp_checked_fit import _UNDO_BUFFERS

    X, y = iris
    est = MLPClassifier((20,), max_iter=3, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        est.fit(X, y)  # a warm start trains the same network: a snapshot was taken
    assert est.network_ not in _UNDO_BUFFERS
    est.partial_fit(X, y)
    kept = _UNDO_BUFFERS[est.network_]
    assert kept["params"].shape == est.network_.params.shape
    n = est.network_.params.size
    assert sum(v.size for v in kept.values()) == 3 * n  # the parameters, m and v
