"""What a user of scikit-learn 1.9's MLPClassifier / MLPRegressor would hit, side by side
with chainrule's estimators on the same data: empty input, sparse X (CSR, CSC, COO, the
sparse arrays), a pandas DataFrame's feature names, ``set_output``, ``get_params`` /
``set_params`` / ``clone`` round trips, the counters after ``partial_fit`` and warm starts
(``n_iter_``, ``t_``, ``loss_curve_``) and early stopping's record (``best_loss_`` None,
``validation_scores_``).  Where chainrule differs on purpose (a ``y`` of one class, a warm
start with other hidden sizes, negative sample weights, ``partial_fit`` with lbfgs, the
``verbose`` lines) the test pins both behaviours; the README's "As a scikit-learn
estimator" says so."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.preprocessing import StandardScaler

from chainrule import MLPClassifier, MLPRegressor
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)

KINDS = ("classifier", "regressor")


def _data(kind: str):
    """Scaled iris: the classes (150,), or the petal width from the other three."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return (X, y) if kind == "classifier" else (X[:, :3], X[:, 3])


def _pair(kind: str, **kw):
    """(scikit-learn's estimator, chainrule's) with the same parameters."""
    kw = {"hidden_layer_sizes": (4,), "random_state": 0, **kw}
    if kind == "classifier":
        return SkClassifier(**kw), MLPClassifier(**kw)
    return SkRegressor(**kw), MLPRegressor(**kw)


def _quiet(method, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return method(*args, **kw)


def _first_partial_fit(est, X, y):
    if isinstance(est, (SkClassifier, MLPClassifier)):
        return est.partial_fit(X, y, classes=np.unique(y))
    return est.partial_fit(X, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("shape", "how"), [((0, 3), "fit"), ((5, 0), "fit"),
                                            ((0, 3), "partial_fit")])
def test_empty_input_is_refused_with_scikit_learns_error(kind, shape, how):
    X = np.empty(shape)
    y = np.arange(shape[0]) % 2
    errors = []
    for est in _pair(kind):
        with pytest.raises(ValueError) as err:
            if how == "fit":
                est.fit(X, y)
            else:
                _first_partial_fit(est, X, y)
        errors.append(str(err.value))
    # the same words from fit (validate_data's), led by the argument they refuse (robust31);
    # scikit-learn's classifier.partial_fit says "y has 0 samples" (from its check of
    # classes), chainrule's X's words again
    lead = f"X must have at least one {'row' if shape[0] == 0 else 'column'}: "
    assert errors[1] == lead + errors[0] or (how, kind) == ("partial_fit", "classifier")
    assert errors[1].startswith(lead)
    assert ("0 sample(s)" if shape[0] == 0 else "0 feature(s)") in errors[1]


@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_a_y_of_one_class_is_refused_where_scikit_learn_fits_it(how):
    """Documented difference: scikit-learn fits one class (and predicts it); chainrule
    refuses it, naming the class, as a classifier of one class learns nothing."""
    X, _ = _data("classifier")
    y = np.zeros(len(X), int)
    theirs, ours = _pair("classifier", max_iter=3)
    _quiet(_first_partial_fit if how == "partial_fit" else theirs.__class__.fit, theirs, X, y)
    assert set(theirs.predict(X)) == {0}
    with pytest.raises(ValueError, match=r"y has 1 class \(0\); a classifier needs at least 2"):
        _quiet(_first_partial_fit if how == "partial_fit" else ours.__class__.fit, ours, X, y)
    assert not hasattr(ours, "network_")


SPARSE = [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("sparse", SPARSE, ids=lambda f: f.__name__)
def test_sparse_x_is_taken_as_scikit_learn_takes_it(kind, solver, sparse):
    """scikit-learn's MLP takes any scipy.sparse X (accept_sparse=["csr", "csc", "coo"]
    for fit, CSR for predict) and so does chainrule: the fit on sparse X equals the fit on
    the same dense X (same random_state), and predictions of sparse rows equal those of
    the dense ones."""
    X, y = _data(kind)
    X = np.where(np.abs(X) < 0.5, 0.0, X)  # a third of the values are zeros
    theirs, ours = _pair(kind, solver=solver, max_iter=5)
    _quiet(theirs.fit, sparse(X), y)
    assert theirs.predict(sparse(X)).shape == y.shape
    dense = _quiet(clone(ours).fit, X, y)
    _quiet(ours.fit, sparse(X), y)
    np.testing.assert_allclose(ours.network_.params, dense.network_.params, rtol=1e-9,
                               atol=1e-12)
    assert ours.n_iter_ == dense.n_iter_ and ours.t_ == dense.t_
    out = ours.predict_proba if kind == "classifier" else ours.predict
    np.testing.assert_allclose(out(sparse(X)), out(X), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_a_dataframes_feature_names_are_kept_and_checked_as_scikit_learn_does(kind):
    X, y = _data(kind)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    pair = [_quiet(est.fit, df, y) for est in _pair(kind, max_iter=2)]
    np.testing.assert_array_equal(pair[0].feature_names_in_, pair[1].feature_names_in_)
    assert pair[1].feature_names_in_.dtype == object
    for est in pair:  # a plain array after a DataFrame: scikit-learn's warning
        with pytest.warns(UserWarning, match="X does not have valid feature names, but "
                          f"{type(est).__name__} was fitted with feature names"):
            est.predict(X[:3])
    renamed, reordered = df.rename(columns={"f0": "z"}), df[df.columns[::-1]]
    for bad in (renamed, reordered):
        messages = []
        for est in pair:
            with pytest.raises(ValueError, match="feature names should match") as err:
                est.predict(bad)
            messages.append(str(err.value))
        assert messages[0] == messages[1]
    # integer column names: no feature names, in both
    ints = [_quiet(est.fit, pd.DataFrame(X), y) for est in _pair(kind, max_iter=2)]
    assert not any(hasattr(est, "feature_names_in_") for est in ints)


@pytest.mark.parametrize("kind", KINDS)
def test_set_output_and_parameters_round_trip_as_in_scikit_learn(kind):
    """No set_output in either (they are no transformers); scikit-learn's parameters are
    chainrule's, with the same defaults; set_params(**get_params()) and clone give the
    same parameters back, chainrule's extras included."""
    theirs, ours = _pair(kind)
    assert not hasattr(theirs, "set_output") and not hasattr(ours, "set_output")
    sk_params, params = theirs.get_params(), ours.get_params()
    assert set(sk_params) <= set(params)
    assert {k: params[k] for k in sk_params} == sk_params
    extras = {"schedule": {"name": "step", "step_size": 2}, "ema": 0.9, "dtype": "float32",
              "activation": ["relu", "tanh"], "hidden_layer_sizes": (3, 2),
              "clip_norm": 1.0, "dropout": 0.1, "solver": "adamw", "decoupled_decay": 0.02,
              "batch_size": 10}  # 30 steps in 2 epochs: enough for ema=0.9
    ours.set_params(**extras)
    again = type(ours)().set_params(**ours.get_params())
    assert again.get_params() == ours.get_params()
    assert clone(ours).get_params() == ours.get_params()
    X, y = _data(kind)
    fitted = _quiet(clone(ours).set_params(max_iter=2).fit, X, y)
    assert [c.shape for c in fitted.coefs_] == [(X.shape[1], 3), (3, 2),
                                                (2, fitted.n_outputs_)]


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
@pytest.mark.parametrize("kind", KINDS)
def test_other_hidden_sizes_on_a_fitted_network(kind, how):
    """Documented difference: scikit-learn keeps training the fitted (4,) network and
    silently ignores hidden_layer_sizes=(5,); chainrule refuses, naming it, and leaves the
    estimator as it was."""
    X, y = _data(kind)
    theirs, ours = _pair(kind, max_iter=2, warm_start=how == "warm_start")
    for est in (theirs, ours):
        _quiet(est.fit, X, y)
        est.set_params(hidden_layer_sizes=(5,))
    refit = (lambda est: est.fit(X, y)) if how == "warm_start" else (
        lambda est: est.partial_fit(X, y))
    _quiet(refit, theirs)
    assert theirs.coefs_[0].shape == (X.shape[1], 4)
    before = ours.network_.params.copy(), ours.n_iter_, list(ours.loss_curve_)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes: the fitted network has "
                       r"hidden_layer_sizes=\(4,\), got hidden_layer_sizes=\(5,\)"):
        _quiet(refit, ours)
    np.testing.assert_array_equal(ours.network_.params, before[0])
    assert (ours.n_iter_, ours.loss_curve_) == before[1:]


@pytest.mark.parametrize("kind", KINDS)
def test_counters_after_partial_fit_and_warm_starts_are_scikit_learns(kind):
    """n_iter_ (this call's epochs), t_ (rows seen, all calls) and loss_curve_ (all
    calls) after: partial_fit x 3, a fit then a partial_fit, warm starts with and without
    early stopping (whose t_ counts the training rows of the split)."""
    X, y = _data(kind)
    runs = {
        "partial_fit x 3": ({"max_iter": 7}, lambda e: [
            _first_partial_fit(e, X, y), e.partial_fit(X, y), e.partial_fit(X, y)]),
        "fit, partial_fit": ({"max_iter": 3}, lambda e: [e.fit(X, y), e.partial_fit(X, y)]),
        "warm x 2": ({"max_iter": 3, "warm_start": True},
                     lambda e: [e.fit(X, y), e.fit(X, y)]),
        "warm early x 2": ({"max_iter": 3, "warm_start": True, "early_stopping": True},
                           lambda e: [e.fit(X, y), e.fit(X, y)]),
    }
    for name, (kw, run) in runs.items():
        record = []
        for est in _pair(kind, **kw):
            _quiet(run, est)
            scores = getattr(est, "validation_scores_", None)
            record.append((est.n_iter_, est.t_, len(est.loss_curve_),
                           None if scores is None else len(scores),
                           est.best_loss_ is None))
        assert record[0] == record[1], name


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_early_stoppings_record_is_scikit_learns(kind, early_stopping):
    """early_stopping=True: best_loss_ None, validation_scores_ a list of n_iter_ floats,
    best_validation_score_ their maximum; without: both None and best_loss_ the least of
    loss_curve_, in both libraries."""
    X, y = _data(kind)
    for est in _pair(kind, max_iter=6, early_stopping=early_stopping):
        _quiet(est.fit, X, y)
        if early_stopping:
            assert est.best_loss_ is None
            assert isinstance(est.validation_scores_, list)
            assert len(est.validation_scores_) == est.n_iter_ == 6
            assert est.best_validation_score_ == max(est.validation_scores_)
        else:
            assert est.validation_scores_ is None and est.best_validation_score_ is None
            assert est.best_loss_ == min(est.loss_curve_)


def test_negative_sample_weights_are_refused_where_scikit_learn_fits_them():
    """Documented difference: scikit-learn's MLP fits negative weights (a loss that then
    has no minimum); chainrule refuses them, naming sample_weight."""
    X, y = _data("regressor")
    w = np.ones(len(X))
    w[3] = -1.0
    theirs, ours = _pair("regressor", max_iter=2)
    _quiet(theirs.fit, X, y, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        ours.fit(X, y, sample_weight=w)


@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_with_lbfgs(kind):
    """scikit-learn's MLPClassifier has no partial_fit with lbfgs (AttributeError); its
    MLPRegressor has one (its availability check passes the method, not its result) that
    runs a whole lbfgs fit.  chainrule's two have none, as the classifier's."""
    X, y = _data(kind)
    theirs, ours = _pair(kind, solver="lbfgs", max_iter=3)
    assert hasattr(theirs, "partial_fit") == (kind == "regressor")
    assert not hasattr(ours, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit"):
        ours.partial_fit(X, y)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_writes_a_line_per_epoch_on_stderr(capsys, early_stopping):
    """Documented difference: scikit-learn prints "Iteration i, loss = ..." (and
    "Validation score: ...") on stdout; chainrule writes a line per epoch on stderr (when
    stderr is no terminal), with loss_curve_'s loss and the validation score."""
    X, y = _data("classifier")
    theirs, ours = _pair("classifier", max_iter=3, verbose=True,
                         early_stopping=early_stopping)
    _quiet(theirs.fit, X, y)
    sk_out = capsys.readouterr()
    assert sk_out.err == "" and sk_out.out.startswith("Iteration 1, loss = ")
    assert ("Validation score: " in sk_out.out) == early_stopping
    _quiet(ours.fit, X, y)
    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert out.out == "" and len(lines) == 3
    for i, (line, loss) in enumerate(zip(lines, ours.loss_curve_, strict=True), 1):
        assert line.startswith(f"epoch {i}/3: loss {loss:.5g}")
        assert ("validation_score" in line) == early_stopping


@pytest.mark.parametrize("kind", KINDS)
def test_metadata_routing_routes_sample_weight_as_to_scikit_learns(kind):
    """With metadata routing on, set_fit_request / set_score_request route
    sample_weight through cross_validate; partial_fit consumes sample_weight and classes
    (classifier), as scikit-learn's estimators declare them."""
    from sklearn import config_context
    from sklearn.model_selection import cross_validate

    X, y = _data(kind)
    w = np.where(np.arange(len(X)) % 3 == 0, 2.0, 1.0)
    consumed = {"sample_weight", "classes"} if kind == "classifier" else {"sample_weight"}
    with config_context(enable_metadata_routing=True):
        for est in _pair(kind, max_iter=3):
            est.set_partial_fit_request(**dict.fromkeys(consumed, True))
            assert est.get_metadata_routing().consumes(
                "partial_fit", ["sample_weight", "classes"]) == consumed
            est.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
            scores = _quiet(cross_validate, est, X, y, params={"sample_weight": w}, cv=2)
            assert scores["test_score"].shape == (2,)
