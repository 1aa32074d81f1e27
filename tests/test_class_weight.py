"""class_weight: MLPClassifier's parameter, checked against scikit-learn's per-example weights
(``compute_sample_weight``), hand-computed weighted costs, and its refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

import chainrule as cr
from chainrule import MLPClassifier, load_estimator
from chainrule.checkpoints import CHECKPOINT_FORMAT
from estimators7_helpers import sklearn_held_out

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NAMES = np.array(["setosa", "versicolor", "virginica"])


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    keep = np.r_[0:50, 50:70, 100:110]  # 50 / 20 / 10: imbalanced
    return X[keep], NAMES[y[keep]]


def _params(est: MLPClassifier) -> np.ndarray:
    return est.network_.params.copy()


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("class_weight", ["balanced", {"setosa": 0.5, "virginica": 4.0}])
def test_class_weight_is_compute_sample_weight(iris, solver, class_weight):
    X, y = iris
    kw = dict(hidden_layer_sizes=(4,), solver=solver, max_iter=15, random_state=0)
    a = MLPClassifier(class_weight=class_weight, **kw).fit(X, y)
    b = MLPClassifier(**kw).fit(X, y, sample_weight=compute_sample_weight(class_weight, y))
    np.testing.assert_array_equal(_params(a), _params(b))
    assert a.loss_curve_ == b.loss_curve_


def test_class_weight_multiplies_sample_weight(iris):
    X, y = iris
    sw = np.random.default_rng(0).uniform(0.2, 2.0, y.shape[0])
    cw = {"versicolor": 2.5}
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=15, random_state=0)
    a = MLPClassifier(class_weight=cw, **kw).fit(X, y, sample_weight=sw)
    b = MLPClassifier(**kw).fit(X, y, sample_weight=sw * compute_sample_weight(cw, y))
    np.testing.assert_array_equal(_params(a), _params(b))


def _logistic_weights(class_weight, y, sw):
    """The per-example weights of scikit-learn's LogisticRegression(class_weight=...)
    fitted with sample_weight=sw: its class weights count the classes with sw."""
    classes, index = np.unique(y, return_inverse=True)
    return sw * compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sw)[index]


def test_balanced_counts_the_sample_weights_as_logistic_regression_does(iris):
    """"balanced" counted the classes by rows even when sample_weight weighed them, so the
    classes no longer weighed the same (12 rows of weight 1 and 3 gave class totals 6 and
    18, not 10 and 10) and a row of integer weight w was not the row repeated w times (the
    probabilities differed by 0.6).  Now the counts are sums of weights, the weights of
    scikit-learn's LogisticRegression and compute_class_weight(..., sample_weight=)."""
    X, y = iris
    rng = np.random.default_rng(0)
    sw = rng.integers(0, 4, y.shape[0]).astype(float)  # zeros too
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=15, random_state=0)
    a = MLPClassifier(class_weight="balanced", **kw).fit(X, y, sample_weight=sw)
    b = MLPClassifier(**kw).fit(X, y, sample_weight=_logistic_weights("balanced", y, sw))
    np.testing.assert_allclose(_params(a), _params(b), rtol=1e-9, atol=1e-12)
    classes = [(_logistic_weights("balanced", y, sw))[y == c].sum() for c in NAMES]
    np.testing.assert_allclose(classes, sw.sum() / 3)  # every class weighs as much
    # an integer weight is the row repeated (weight 0: the row left out)
    rows = np.repeat(np.arange(y.shape[0]), sw.astype(int))
    c = MLPClassifier(class_weight="balanced", **kw).fit(X[rows], y[rows])
    np.testing.assert_allclose(a.predict_proba(X), c.predict_proba(X), atol=1e-9)
    # the weights' scale does not matter, even near the float maximum (their sum overflows)
    huge = MLPClassifier(class_weight="balanced", **kw).fit(X, y, sample_weight=sw * 1e306)
    np.testing.assert_allclose(huge.predict_proba(X), a.predict_proba(X), atol=1e-4)
    # a class whose rows all weigh 0 is as good as absent: the others share its weight
    sw0 = np.where(y == "virginica", 0.0, sw)
    d = MLPClassifier(class_weight="balanced", **kw).fit(X, y, sample_weight=sw0)
    keep, ref = y != "virginica", np.zeros(y.shape[0])
    ref[keep] = _logistic_weights("balanced", y[keep], sw0[keep])  # 2 classes, not 3
    e = MLPClassifier(**kw).fit(X, y, sample_weight=ref)
    np.testing.assert_allclose(_params(d), _params(e), rtol=1e-9, atol=1e-12)
    # multi-label targets: each column counted with the weights
    Y = (rng.random((y.shape[0], 3)) < [0.2, 0.5, 0.8]).astype(int)
    ref = sw * np.prod([compute_class_weight("balanced", classes=np.array([0, 1]), y=col,
                                             sample_weight=sw)[col] for col in Y.T], axis=0)
    f = MLPClassifier(class_weight="balanced", **kw).fit(X, Y, sample_weight=sw)
    g = MLPClassifier(**kw).fit(X, Y, sample_weight=ref)
    np.testing.assert_allclose(_params(f), _params(g), rtol=1e-9, atol=1e-12)


def test_balanced_with_non_contiguous_labels_is_the_manual_dict():
    # scikit-learn's check_class_weight_balanced_linear_classifier, for an MLP
    X = np.array([[-1.0, -1.0], [-1.0, 0], [-0.8, -1.0], [1.0, 1.0], [1.0, 0.0]])
    y = np.array([1, 1, 1, -1, -1])
    est = MLPClassifier((3,), solver="lbfgs", max_iter=50, random_state=0)
    balanced = _params(clone(est).set_params(class_weight="balanced").fit(X, y))
    manual = {1: 5 / (3 * 2), -1: 5 / (2 * 2)}
    np.testing.assert_array_equal(
        _params(clone(est).set_params(class_weight=manual).fit(X, y)), balanced)


def test_weighted_cost_is_the_hand_computed_weighted_cross_entropy(iris):
    X, y = iris
    cw = {"setosa": 0.5, "virginica": 3.0}
    alpha = 0.1
    est = MLPClassifier((5,), max_iter=3, batch_size=len(y), shuffle=False, alpha=alpha,
                        random_state=0).fit(X, y)
    P, W = est.predict_proba(X), [c.copy() for c in est.coefs_]
    est.set_params(class_weight=cw).partial_fit(X, y)  # one batch: its loss, before the step
    w = np.array([cw.get(label, 1.0) for label in y])
    index = np.searchsorted(est.classes_, y)
    ce = -np.log(P[np.arange(y.shape[0]), index])
    hand = np.sum(w * ce) / np.sum(w) + alpha / (2 * np.sum(w)) * sum(np.sum(c**2) for c in W)
    assert est.loss_curve_[-1] == pytest.approx(hand, rel=1e-12)


def test_balanced_raises_the_minority_recall():
    X, y = make_classification(600, 6, n_informative=3, weights=[0.9], class_sep=0.8,
                               random_state=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    recall = {}
    for cw in (None, "balanced"):
        est = MLPClassifier((), solver="lbfgs", max_iter=100, random_state=0, class_weight=cw)
        recall[cw] = recall_score(yte, est.fit(Xtr, ytr).predict(Xte))
    assert recall["balanced"] > recall[None] + 0.3, recall  # measured: 0.33 -> 0.85


def test_class_weight_acts_within_each_batch_as_documented():
    # one example per batch: its weighted mean is its loss, so without alpha (whose divisor
    # counts the weights) the weighted run is the unweighted one, parameter for parameter;
    # with the default batches of up to 200 rows it raises the rare class's recall
    X, y = make_classification(300, 6, n_informative=3, weights=[0.9], class_sep=0.8,
                               random_state=1)
    params, recall = {}, {}
    for batch_size in (1, 200):
        for cw in (None, "balanced"):
            est = MLPClassifier((8,), alpha=0.0, batch_size=batch_size, max_iter=5 if
                                batch_size == 1 else 20, learning_rate_init=0.01,
                                random_state=0, class_weight=cw).fit(X, y)
            params[batch_size, cw] = _params(est)
            recall[batch_size, cw] = recall_score(y, est.predict(X))
    np.testing.assert_array_equal(params[1, "balanced"], params[1, None])
    assert recall[200, "balanced"] > recall[200, None] + 0.3, recall


def test_multilabel_balanced_is_compute_sample_weight():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    Y = (rng.random((60, 3)) < [0.2, 0.5, 0.8]).astype(int)
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20, random_state=0)
    a = MLPClassifier(class_weight="balanced", **kw).fit(X, Y)
    b = MLPClassifier(**kw).fit(X, Y, sample_weight=compute_sample_weight("balanced", Y))
    np.testing.assert_array_equal(_params(a), _params(b))
    with pytest.raises(ValueError, match="class_weight: a dict of class weights is ambiguous "
                                         "for multi-label targets"):
        MLPClassifier(class_weight={0: 2.0}, **kw).fit(X, Y)


def test_multilabel_balanced_of_a_sparse_indicator_matrix_is_that_of_the_dense_one():
    """fit takes a multi-label y as a sparse (CSR) matrix, as scikit-learn does, but
    class_weight="balanced" weighed its columns as sparse matrices: np.unique saw the
    matrix, not its 0s and 1s, and every row got the weight 64000 (the weights of the
    dense matrix run from 0.37 to 4.9), so the fit differed from the dense one.

    Reference: compute_sample_weight("balanced") of the dense matrix.
    """
    import scipy.sparse

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = (rng.random((40, 3)) < [0.2, 0.5, 0.8]).astype(int)
    kw = dict(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    ref = MLPClassifier(**kw).fit(X, Y, sample_weight=compute_sample_weight("balanced", Y))
    est = MLPClassifier(class_weight="balanced", **kw).fit(X, scipy.sparse.csr_matrix(Y))
    np.testing.assert_array_equal(_params(est), _params(ref))


def test_partial_fit_takes_a_dict_and_refuses_balanced(iris):
    X, y = iris
    classes = np.unique(y)
    cw = dict(zip(classes, compute_class_weight("balanced", classes=classes, y=y),
                  strict=True))
    kw = dict(hidden_layer_sizes=(4,), batch_size=len(y), shuffle=False, random_state=0)
    a = MLPClassifier(class_weight=cw, **kw).partial_fit(X, y, classes=classes)
    b = MLPClassifier(**kw).partial_fit(X, y, classes=classes,
                                        sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_array_equal(_params(a), _params(b))
    before = _params(a)
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported by "
                                         "partial_fit"):
        a.set_params(class_weight="balanced").partial_fit(X, y)
    np.testing.assert_array_equal(_params(a), before)


def test_early_stopping_scores_the_held_out_rows_without_class_weight(iris):
    X, y = iris
    est = MLPClassifier((6,), early_stopping=True, validation_fraction=0.3, max_iter=30,
                        learning_rate_init=0.05, random_state=0,
                        class_weight={"virginica": 10.0}).fit(X, y)
    # the split the estimator drew: the best parameters are restored, so their plain
    # accuracy on the held-out rows is the best validation score
    va = sklearn_held_out(est, y, 0.3)
    plain = accuracy_score(y[va], est.predict(X[va]))
    assert est.best_validation_score_ == pytest.approx(plain, rel=1e-12)
    weighted = accuracy_score(y[va], est.predict(X[va]),
                              sample_weight=compute_sample_weight(est.class_weight, y[va]))
    assert plain != weighted  # the check tells the two apart


@pytest.mark.parametrize("class_weight", [
    "balanced", {"setosa": 0.5, "virginica": 3}, {}])
def test_save_and_load_keep_class_weight(iris, tmp_path, class_weight):
    X, y = iris
    est = MLPClassifier((4,), max_iter=3, random_state=0, class_weight=class_weight).fit(X, y)
    back = load_estimator(est.save(tmp_path / "m.npz"))
    assert back.get_params() == est.get_params()
    if isinstance(class_weight, dict):  # a second fit from the file trains the same
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            np.testing.assert_array_equal(_params(back.fit(X, y)), _params(est.fit(X, y)))


def test_save_and_load_keep_integer_labels(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.r_[np.zeros(20, int), np.full(10, 7)]
    est = MLPClassifier((3,), max_iter=3, random_state=0,
                        class_weight={np.int64(7): 2.5}).fit(X, y)
    back = load_estimator(est.save(tmp_path / "m.npz"))
    assert back.class_weight == {7: 2.5}
    assert type(next(iter(back.class_weight))) is int  # not the text "7" of a JSON key


def test_load_refuses_class_weight_labels_that_are_no_classes(iris, tmp_path):
    X, y = iris
    est = MLPClassifier((4,), max_iter=3, random_state=0, class_weight={"setosa": 2}).fit(X, y)
    est.set_params(class_weight={"rose": 2})  # set after the fit: saved as it is
    with pytest.raises(ValueError, match=r"corrupted estimator file.*class_weight: unknown "
                                         r"class label\(s\) \['rose'\]"):
        load_estimator(est.save(tmp_path / "m.npz"))


@pytest.mark.parametrize(("class_weight", "error", "message"), [
    ({"rose": 2.0}, ValueError,
     r"class_weight: unknown class label\(s\) \['rose'\]; the classes are \['setosa', "),
    ({0: 2.0}, ValueError, r"class_weight: unknown class label\(s\) \[0\]"),
    ({"setosa": -1.0}, ValueError,
     r"^The 'class_weight' parameter of MLPClassifier must be a str among \{'balanced'\}, an "
     r"instance of 'dict' or None\. Got \{'setosa': -1\.0\} instead\. \(the weight of class "
     r"'setosa', -1\.0, is no finite float in the range \[0\.0, inf\)\)$"),
    ({"setosa": np.nan}, ValueError, "the weight of class 'setosa', nan, is no finite"),
    ({"setosa": np.inf}, ValueError, "the weight of class 'setosa', inf, is no finite"),
    ({"setosa": "2"}, ValueError, "the weight of class 'setosa', '2', is no finite"),
    ({"setosa": True}, ValueError, "the weight of class 'setosa', True, is no finite"),
    ("balance", ValueError, r"^The 'class_weight' parameter of MLPClassifier must be .* Got "
                            r"'balance' instead\.$"),
    ([1.0, 2.0, 3.0], TypeError,
     r"^The 'class_weight' parameter of MLPClassifier must be .* Got \[1\.0, 2\.0, 3\.0\] "
     r"instead\.$"),
    ({"setosa": 0, "versicolor": 0, "virginica": 0}, ValueError,
     "class_weight: every example gets weight 0"),
])
def test_bad_class_weight_is_refused_before_anything_changes(iris, class_weight, error,
                                                              message):
    X, y = iris
    est = MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    before, curve = _params(est), list(est.loss_curve_)
    with pytest.raises(error, match=message):
        est.set_params(class_weight=class_weight).fit(X, y)
    np.testing.assert_array_equal(_params(est), before)
    assert est.loss_curve_ == curve
    fresh = MLPClassifier((4,), max_iter=3, class_weight=class_weight)
    with pytest.raises(error, match=message):
        fresh.fit(X, y)
    assert not hasattr(fresh, "network_") and not hasattr(fresh, "n_features_in_")


# --- chainrule.train(..., class_weight=...) ----------------------------------------------------
def _labels_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.r_[np.zeros(25, int), np.ones(10, int), np.full(5, 2)]
    return X, y


def _softmax_net(**kw):
    return cr.mlp([3, 5, 3], hidden="tanh", output="softmax", seed=1, **kw)


@pytest.mark.parametrize("class_weight", ["balanced", {2: 4.0, 0: 0.5}])
def test_train_class_weight_is_compute_sample_weight(class_weight):
    X, y = _labels_problem()
    a, b, c = _softmax_net(), _softmax_net(), _softmax_net()
    kw = dict(optimizer="adam", lr=0.01, batch_size=8, epochs=4, seed=0)
    ha = cr.train(a, X, y, class_weight=class_weight, **kw)
    hb = cr.train(b, X, y, sample_weight=compute_sample_weight(class_weight, y), **kw)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha["loss"] == hb["loss"]
    cr.train(c, X, np.eye(3)[y], class_weight=class_weight, **kw)  # one-hot rows: the same
    np.testing.assert_array_equal(c.params, a.params)


def test_train_class_weight_multiplies_sample_weight_and_covers_sigmoid_outputs():
    X, y = _labels_problem()
    sw = np.random.default_rng(1).uniform(0.2, 2.0, y.shape[0])
    a, b = _softmax_net(), _softmax_net()
    cr.train(a, X, y, epochs=3, sample_weight=sw, class_weight={1: 3.0})
    cr.train(b, X, y, epochs=3, sample_weight=sw * compute_sample_weight({1: 3.0}, y))
    np.testing.assert_array_equal(a.params, b.params)
    a, b = _softmax_net(), _softmax_net()  # "balanced" counts the classes with sample_weight
    cr.train(a, X, y, epochs=3, sample_weight=sw, class_weight="balanced")
    cr.train(b, X, y, epochs=3, sample_weight=_logistic_weights("balanced", y, sw))
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9, atol=1e-12)
    # one sigmoid output: labels 0 and 1; several: multi-label, "balanced" per output
    yb = (y > 0).astype(int)
    Y = (np.random.default_rng(2).random((40, 3)) < [0.2, 0.5, 0.8]).astype(float)
    for sizes, targets in (([3, 4, 1], yb), ([3, 4, 3], Y)):
        a = cr.mlp(sizes, hidden="tanh", output="sigmoid", seed=1)
        b = a.copy()
        cr.train(a, X, targets, epochs=3, class_weight="balanced")
        cr.train(b, X, targets, epochs=3,
                 sample_weight=compute_sample_weight("balanced", targets))
        np.testing.assert_array_equal(a.params, b.params)


def test_train_cost_is_the_hand_computed_weighted_cross_entropy():
    X, y = _labels_problem()
    lam, cw = 0.3, {0: 0.2, 2: 3.0}
    net = _softmax_net(weight_decay=lam, decay="per_sample")
    P, W = net.predict(X), [layer.W.copy() for layer in net.layers]
    # "gd": one batch per epoch, its cost taken before the update
    history = cr.train(net.copy(), X, y, optimizer="gd", epochs=1, class_weight=cw)
    w = np.array([cw.get(c, 1.0) for c in y])
    ce = -np.log(P[np.arange(y.shape[0]), y])
    hand = np.sum(w * ce) / np.sum(w) + lam / (2 * np.sum(w)) * sum(np.sum(v**2) for v in W)
    assert history["loss"][0] == pytest.approx(hand, rel=1e-12)


def test_train_validation_fraction_holds_out_rows_without_class_weight():
    X, y = _labels_problem()
    net = _softmax_net()
    seed = 5
    history = cr.train(net, X, y, optimizer="gd", epochs=1, seed=seed, validation_fraction=0.25,
                       class_weight={2: 50.0})
    # the held-out rows of train's split (a permutation fixed by the seed)
    held = np.random.default_rng([seed, 1]).permutation(40)[:10]
    assert np.any(y[held] == 2)  # a class-weighted row among them: weighting would show
    P = net.predict(X[held])
    plain = np.mean(-np.log(P[np.arange(10), y[held]]))
    assert history["val_loss"][0] == pytest.approx(plain, rel=1e-12)


def test_resume_continues_a_class_weighted_run(tmp_path):
    X, y = _labels_problem()
    kw = dict(optimizer="adam", lr=0.01, batch_size=8, seed=3, class_weight={2: 5.0})
    full = _softmax_net()
    h_full = cr.train(full, X, y, epochs=6, **kw)
    path = tmp_path / "run.npz"
    cr.train(_softmax_net(), X, y, epochs=3, checkpoint=path, **kw)
    assert cr.Trainer.from_checkpoint(path).class_weight == {2: 5.0}
    resumed, h_res = cr.resume(path, X, y, epochs=6)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_resume_compares_the_sample_weights_given_not_those_times_class_weight(tmp_path):
    """The checkpoint recorded as "sample_weighted" the training weights times the class
    weights: a class-weighted run without sample_weight counted as weighted, so resuming it
    with sample_weight=w trained another run without a word, and a run with both resumed
    without w went on with the class weights alone.  Both are refused, as for a run
    without class_weight; the run resumed as it was trained is the uninterrupted one.

    Reference: the uninterrupted run, and the refusals of a run without class_weight.
    """
    X, y = _labels_problem()
    w = np.random.default_rng(4).uniform(0.2, 2.0, y.shape[0])
    kw = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3)
    for class_weight in (None, {2: 5.0}):
        plain, both = tmp_path / f"plain{class_weight}.npz", tmp_path / f"both{class_weight}.npz"
        cr.train(_softmax_net(), X, y, epochs=2, checkpoint=plain, class_weight=class_weight,
                 **kw)
        cr.train(_softmax_net(), X, y, epochs=2, checkpoint=both, class_weight=class_weight,
                 sample_weight=w, **kw)
        before = [p.read_bytes() for p in (plain, both)]
        with pytest.raises(ValueError, match="holds a run trained without sample weights"):
            cr.resume(plain, X, y, epochs=4, sample_weight=w)
        with pytest.raises(ValueError, match="holds a run trained with sample weights"):
            cr.resume(both, X, y, epochs=4)
        assert [p.read_bytes() for p in (plain, both)] == before  # nothing trained
        full = _softmax_net()
        cr.train(full, X, y, epochs=4, class_weight=class_weight, sample_weight=w, **kw)
        resumed, _ = cr.resume(both, X, y, epochs=4, sample_weight=w)
        np.testing.assert_array_equal(resumed.params, full.params)


def test_a_checkpoint_with_a_bad_class_weight_record_is_refused(tmp_path):
    X, y = _labels_problem()
    path = tmp_path / "run.npz"
    cr.train(_softmax_net(), X, y, epochs=1, checkpoint=path, class_weight={2: 5.0})
    meta, arrays = cr.io.read_file(path, CHECKPOINT_FORMAT)
    meta["trainer"]["class_weight"] = [[7, 5.0]]
    cr.io.write_file(tmp_path / "bad.npz", meta, arrays)
    with pytest.raises(ValueError, match=r"corrupted checkpoint .*class_weight: unknown class "
                                         r"label\(s\) \[7\]"):
        cr.resume(tmp_path / "bad.npz", X, y)


@pytest.mark.parametrize(("make", "targets", "class_weight", "message"), [
    (lambda: cr.mlp([3, 4, 1], hidden="tanh", seed=1), "x0", "balanced",
     "class_weight: class weights need class targets, a network whose loss is "
     "'cross_entropy' .* this network's loss is 'squared_error' \\(a regression\\)"),
    (_softmax_net, "y", {3: 1.0},
     r"class_weight: unknown class label\(s\) \[3\]; the classes of this network's targets "
     r"are the integers \[0, 1, 2\]"),
    (_softmax_net, "y", {"a": 1.0}, r"class_weight: unknown class label\(s\) \['a'\]"),
    (_softmax_net, "y", {0: -1.0}, "class_weight: the weight of class 0 must be a finite "
                                   "number >= 0, got -1.0"),
    (_softmax_net, "y", "x", "class_weight must be None, 'balanced' or a dict"),
    (_softmax_net, "soft", "balanced", "class_weight: class weights need class targets: "
                                       "integer labels or one-hot rows"),
    (lambda: cr.mlp([3, 4, 3], hidden="tanh", output="sigmoid", seed=1), "multi", {0: 1.0},
     "class_weight: a dict of class weights is ambiguous for multi-label targets"),
    (_softmax_net, "y", {0: 0, 1: 0, 2: 0}, "class_weight: every training example gets "
                                            "weight 0"),
])
def test_train_refuses_bad_class_weight_and_trains_nothing(make, targets, class_weight,
                                                           message):
    X, y = _labels_problem()
    rng = np.random.default_rng(4)
    Y = {"x0": X[:, 0], "y": y, "soft": rng.dirichlet([1.0, 1.0, 1.0], 40),
         "multi": (rng.random((40, 3)) < 0.5).astype(float)}[targets]
    net = make()
    before = net.params.copy()
    with pytest.raises(ValueError, match=message):
        cr.train(net, X, Y, epochs=1, class_weight=class_weight)
    np.testing.assert_array_equal(net.params, before)


# --- chainrule.minimize(..., class_weight=...) -------------------------------------------------
@pytest.mark.parametrize("class_weight", ["balanced", {2: 4.0, 0: 0.5}])
def test_minimize_class_weight_is_compute_sample_weight(class_weight):
    X, y = _labels_problem()
    a, b, c = _softmax_net(), _softmax_net(), _softmax_net()
    ra = cr.minimize(a, X, y, maxiter=15, class_weight=class_weight)
    rb = cr.minimize(b, X, y, maxiter=15, sample_weight=compute_sample_weight(class_weight, y))
    np.testing.assert_array_equal(a.params, b.params)
    assert ra.loss_curve == rb.loss_curve
    cr.minimize(c, X, np.eye(3)[y], maxiter=15, class_weight=class_weight)  # one-hot rows
    np.testing.assert_array_equal(c.params, a.params)
    # times sample_weight, as train takes them ("balanced" counting the classes with it)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, y.shape[0])
    a, b = _softmax_net(), _softmax_net()
    cr.minimize(a, X, y, maxiter=15, sample_weight=sw, class_weight=class_weight)
    cr.minimize(b, X, y, maxiter=15, sample_weight=_logistic_weights(class_weight, y, sw))
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("make", "class_weight", "message"), [
    (lambda: cr.mlp([3, 4, 1], hidden="tanh", output="identity", seed=1), "balanced",
     "class_weight: class weights need class targets, a network whose loss is "
     "'cross_entropy' .* this network's loss is 'squared_error' \\(a regression\\)"),
    (_softmax_net, {3: 1.0}, r"class_weight: unknown class label\(s\) \[3\]"),
    (_softmax_net, {0: 0, 1: 0, 2: 0}, "class_weight: every example gets weight 0"),
])
def test_minimize_refuses_bad_class_weight_and_changes_nothing(make, class_weight, message):
    X, y = _labels_problem()
    net = make()
    before = net.params.copy()
    with pytest.raises(ValueError, match=message):
        cr.minimize(net, X, y if net.n_outputs > 1 else X[:, 0], maxiter=3,
                    class_weight=class_weight)
    np.testing.assert_array_equal(net.params, before)


def test_class_weight_times_huge_sample_weights_keeps_their_ratios(iris):
    """Class weights times sample weights near 1e308 passed the float range: the fit was
    refused with "sample_weight contains NaN or infinite value(s)", though every weight
    given was finite.  The sample weights are scaled by their largest first (the same
    ratios), as SoftmaxRegression, train and minimize take them (one shared function)."""
    X, y = iris
    cw = {"setosa": 10.0, "virginica": 0.5}
    kw = dict(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=15, random_state=0)
    a = MLPClassifier(class_weight=cw, **kw).fit(X, y, sample_weight=np.full(y.shape, 1e308))
    b = MLPClassifier(**kw).fit(X, y, sample_weight=compute_sample_weight(cw, y))
    np.testing.assert_allclose(_params(a), _params(b), rtol=1e-9, atol=1e-12)
