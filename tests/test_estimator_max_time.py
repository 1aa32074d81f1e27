"""The estimators' ``max_time``: with the training loop's clock moving 1 s per optimizer
step (``step_clock``) or SciPy's per iteration, the steps a budget allows, the fit it
equals, its warning, early stopping's best parameters, ``partial_fit``, the values
refused, and its parameter life (clone, files, pickles of before it)."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

import chainrule.scipy_fit
from chainrule import MLPClassifier, MLPRegressor
from chainrule.estimators import load_estimator
from chainrule.io import read_file
from estimators7_helpers import sklearn_held_out


def _data(m: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int), np.sin(X @ [1.0, -2.0, 0.5])


def _fit(est, *args):
    """Fit; returns the estimator and the ConvergenceWarnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(*args) if len(args) == 2 else est.partial_fit(*args)
    return est, [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]


_SGD = dict(hidden_layer_sizes=(5,), solver="sgd", learning_rate_init=0.1, momentum=0.0,
            batch_size=10, shuffle=False, tol=0.0, n_iter_no_change=1000, random_state=0)


@pytest.mark.parametrize("solver", ["adam", "sgd", "rmsprop", "adagrad"])
def test_a_budget_spent_at_an_epochs_end_equals_the_fit_of_those_epochs(step_clock, solver):
    X, y, _ = _data()  # 40 rows in batches of 10: 4 steps (seconds) an epoch
    kw = dict(_SGD, solver=solver, shuffle=True)
    timed, said = _fit(MLPClassifier(max_time=8, max_iter=50, **kw), X, y)
    assert step_clock[0] == 8.0  # 8 steps: the budget is spent after the 8th, epoch 2's last
    assert timed.n_iter_ == 2 and len(timed.loss_curve_) == 2 and timed.t_ == 80
    assert timed.history_.stop_reason == "max_time"
    assert len(said) == 1 and "max_time=8 s spent after 2 complete epoch(s)" in said[0]
    assert "n_iter_=2" in said[0] and "mini-batches" not in said[0]
    two, said2 = _fit(MLPClassifier(max_iter=2, **kw), X, y)
    assert len(said2) == 1 and "Maximum iterations (2)" in said2[0]
    np.testing.assert_array_equal(timed.network_.params, two.network_.params)
    assert timed.loss_curve_ == two.loss_curve_ and timed.t_ == two.t_
    # a budget that outlasts the fit changes nothing (the max_iter warning, not its own)
    long, said3 = _fit(MLPClassifier(max_time=1000, max_iter=2, **kw), X, y)
    np.testing.assert_array_equal(long.network_.params, two.network_.params)
    assert said3 == said2


def test_a_budget_spent_within_an_epoch_keeps_its_steps(step_clock):
    X, y, _ = _data()
    timed, said = _fit(MLPClassifier(max_time=6, max_iter=50, **_SGD), X, y)
    assert step_clock[0] == 6.0  # 4 steps of epoch 1 and 2 of epoch 2
    assert timed.n_iter_ == 1 and len(timed.loss_curve_) == 1 and timed.t_ == 40
    assert len(said) == 1
    assert "max_time=6 s spent after 1 complete epoch(s) (n_iter_=1) and 2 of the 4 " \
           "mini-batches of epoch 2" in said[0]
    # the same steps another way: one epoch, then the two first batches of the (unshuffled)
    # rows by partial_fit, whose plain SGD (no momentum, a constant rate) has no state
    ref, _ = _fit(MLPClassifier(max_iter=1, **_SGD), X, y)
    assert ref.loss_curve_ == timed.loss_curve_
    before = ref.network_.params.copy()
    ref.partial_fit(X[:20], y[:20])
    assert not np.array_equal(before, ref.network_.params)
    np.testing.assert_array_equal(timed.network_.params, ref.network_.params)


def test_partial_fit_stops_within_its_epoch_when_the_budget_is_spent(step_clock):
    X, y, _ = _data()
    est, said = _fit(MLPClassifier(max_time=3, **_SGD), X, y, [0, 1])
    assert step_clock[0] == 3.0 and est.n_iter_ == 0 and est.loss_curve_ == [] and est.t_ == 0
    assert len(said) == 1 and "3 of the 4 mini-batches of epoch 1" in said[0]
    # without a budget one call is one whole epoch
    whole, said = _fit(MLPClassifier(**_SGD), X, y, [0, 1])
    assert said == [] and whole.n_iter_ == 1 and whole.t_ == 40


def test_early_stopping_keeps_the_best_parameters_when_the_budget_ends_the_fit(step_clock):
    X, _, y = _data(60)
    kw = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.3, momentum=0.9,
              batch_size=9, early_stopping=True, validation_fraction=0.2, tol=0.0,
              n_iter_no_change=1000, random_state=2, max_iter=100)
    est, said = _fit(MLPRegressor(max_time=33, **kw), X, y)  # 6 steps an epoch: 5.5 epochs
    assert step_clock[0] == 33.0 and est.n_iter_ == 5 and len(est.validation_scores_) == 5
    scores = est.validation_scores_
    assert int(np.argmax(scores)) < 4  # the best is not the last: restoring it shows
    assert "the network has the parameters of the best validation score" in said[0]
    # the held-out rows, split as the estimator splits them, score the best epoch's value
    va = sklearn_held_out(est, y, 0.2)
    assert r2_score(y[va], est.predict(X[va])) == pytest.approx(max(scores), abs=1e-12)
    # as the fit of those 5 epochs restores them
    five, _ = _fit(MLPRegressor(**{**kw, "max_iter": 5}), X, y)
    np.testing.assert_array_equal(est.network_.params, five.network_.params)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_a_scipy_solver_stops_after_the_iteration_that_spends_the_budget(monkeypatch, solver):
    X, _, y = _data()
    calls = [-1.0]

    def clock() -> float:  # 0 when minimize starts, then 1 s more at each iteration's check
        calls[0] += 1.0
        return calls[0]

    monkeypatch.setattr(chainrule.scipy_fit, "_clock", clock)
    kw = dict(hidden_layer_sizes=(4,), solver=solver, random_state=0, tol=0.0)
    timed, said = _fit(MLPRegressor(max_time=5, max_iter=200, **kw), X, y)
    assert timed.n_iter_ == 5 and len(timed.loss_curve_) == 5 and timed.t_ == 5 * 40
    assert len(said) == 1
    assert f"max_time=5 s spent after 5 {solver} iteration(s) (n_iter_=5)" in said[0]
    five, said5 = _fit(MLPRegressor(max_iter=5, **kw), X, y)
    assert len(said5) == 1 and "max_iter=5" in said5[0]
    np.testing.assert_array_equal(timed.network_.params, five.network_.params)
    assert timed.loss_curve_ == five.loss_curve_ and timed.loss_ == five.loss_


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), "5", True])
def test_a_budget_that_is_no_number_of_seconds_is_refused(value):
    X, y, _ = _data()
    for est in (MLPClassifier(max_time=value), MLPRegressor(max_time=value, solver="lbfgs")):
        with pytest.raises(ValueError, match=rf"^The 'max_time' parameter of {type(est).__name__} "
                           r"must be None or a finite float in the range \(0\.0, inf\) "
                           rf"\(seconds\)\. Got {re.escape(repr(value))} instead\.$"):
            est.fit(X, y)
        assert not hasattr(est, "network_")


def test_the_parameter_clones_saves_and_loads(tmp_path):
    X, y, _ = _data()
    est = MLPClassifier((4,), max_time=30.5, max_iter=2, random_state=0)
    assert est.get_params()["max_time"] == 30.5 and clone(est).max_time == 30.5
    assert est.set_params(max_time=None).max_time is None
    est.set_params(max_time=30.5)
    _fit(est, X, y)
    est.save(tmp_path / "a.npz")
    assert read_file(tmp_path / "a.npz", "chainrule.estimator")[0]["params"]["max_time"] == 30.5
    assert load_estimator(tmp_path / "a.npz").max_time == 30.5
    assert pickle.loads(pickle.dumps(est)).max_time == 30.5
    # left out of a file while None, as files of before it are: they load with None
    est.set_params(max_time=None).save(tmp_path / "b.npz")
    assert "max_time" not in read_file(tmp_path / "b.npz", "chainrule.estimator")[0]["params"]
    assert load_estimator(tmp_path / "b.npz").max_time is None
    state = est.__getstate__()
    del state["max_time"]  # a pickle of before it
    older = MLPClassifier.__new__(MLPClassifier)
    older.__setstate__(state)
    assert older.get_params()["max_time"] is None
    np.testing.assert_array_equal(older.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("name", ["max_time", "alpha", "learning_rate_init", "clip_norm"])
def test_an_int_beyond_floats_range_is_refused_by_name(name):
    """10**400 is a real number that no float holds: the check's math.isfinite raised an
    OverflowError ("int too large to convert to float") that named no parameter."""
    X, y, _ = _data()
    est = MLPClassifier((3,), max_iter=1, **{name: 10**400})
    with pytest.raises(ValueError, match=rf"^({name} must be (None or )?a finite number|The "
                                         rf"'{name}' parameter of MLPClassifier must be "
                                         rf"(None or )?a finite float in the range)"):
        est.fit(X, y)
    assert not hasattr(est, "network_")
