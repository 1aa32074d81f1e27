"""The optimizer state of the solvers "rmsprop", "adagrad", "adamw", "nadam", "radam" and
"adamax" across calls, against a float64 PyTorch loop (tests/estimators16_torch_loop.py):
partial_fit in chunks goes on with one torch.optim rule (its moments, step count, AdaGrad's
sums, Adamax's infinity norm), also through a save and load between two calls (then bit
for bit the run without it); a warm-start fit builds the rule anew, as scikit-learn's MLP
builds its optimizer at each fit, a solver switched under warm_start included; clone +
set_params(solver=...) + fit is a fresh fit of the other solver."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from chainrule.estimators import load_estimator
from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from estimators16_torch_loop import BS, SETTINGS, SOLVERS, orders, record_trainers, targets, twin_of
from estimators16_torch_loop import data as _data
from estimators16_torch_loop import estimator as _estimator
from estimators16_torch_loop import quiet as _quiet
from estimators16_torch_loop import twin_equals_estimator as assert_same

torch = pytest.importorskip("torch")

CHUNKS = (0, 50, 100, 150)  # iris in three chunks of 50 rows (two batches each)


def _partial_fits(est, X, y, task, tmp_path=None):
    """partial_fit on each chunk (classes= on the first call for a classifier); with
    ``tmp_path``, a save and load between the calls.  Returns the estimator at the end."""
    for i, (a, b) in enumerate(itertools.pairwise(CHUNKS)):
        kw = {"classes": np.unique(y)} if i == 0 and task in ("binary", "multiclass") else {}
        est.partial_fit(X[a:b], y[a:b], **kw)
        if tmp_path is not None and i < len(CHUNKS) - 2:
            est.save(tmp_path / f"call{i}.npz")
            est = load_estimator(tmp_path / f"call{i}.npz")
    return est


def _twin_partial(est, calls, task, X, Y, settings=None):
    twin = twin_of(torch, est, calls[0], task, settings)
    for call, a, b in zip(calls, CHUNKS[:-1], CHUNKS[1:], strict=True):
        twin.partial_fit(X[a:b], Y[a:b], orders(call["seed"], b - a, BS, 1)[0], BS)
    return twin


@pytest.mark.parametrize(("solver", "task"), [(s, t) for s in SOLVERS
                                              for t in ("multiclass", "multilabel")])
def test_partial_fit_in_chunks_goes_on_with_one_torch_rule(monkeypatch, solver, task):
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    settings = SETTINGS.get(solver, {}) if task == "multiclass" else {}
    est = _partial_fits(_estimator(task, solver, **settings), X, y, task)
    twin = _twin_partial(est, calls, task, X, targets(task, y), settings)
    assert len(calls) == 3 and est.n_iter_ == 1 and est.t_ == 150
    assert_same(est, twin)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_save_and_load_between_partial_fits_changes_nothing(monkeypatch, tmp_path,
                                                                solver):
    """The file keeps the optimizer's state (moments, step counts, sums, the infinity norm)
    and the estimator's generator: the loaded estimator's next calls are bit for bit those
    of the one never saved, and both are the torch loop's."""
    calls = record_trainers(monkeypatch)
    X, y = _data("multiclass")
    settings = SETTINGS.get(solver, {})
    kept = _partial_fits(_estimator("multiclass", solver, **settings), X, y, "multiclass")
    loaded = _partial_fits(_estimator("multiclass", solver, **settings), X, y,
                           "multiclass", tmp_path)
    assert [c["seed"] for c in calls[:3]] == [c["seed"] for c in calls[3:]]
    np.testing.assert_array_equal(loaded.network_.params, kept.network_.params)
    assert loaded.loss_curve_ == kept.loss_curve_ and loaded.t_ == kept.t_
    assert_same(loaded, _twin_partial(loaded, calls[3:], "multiclass", X,
                                      targets("multiclass", y), settings))


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_warm_start_fit_builds_the_rule_anew(monkeypatch, solver):
    """scikit-learn's MLP builds a new optimizer at each fit (a warm start's included),
    keeping the weights, n_iter_, t_, loss_curve_ and the stopping counts: two warm fits of
    3 epochs are the torch loop's 3 epochs, a new torch.optim rule, 3 more."""
    calls = record_trainers(monkeypatch)
    X, y = _data("regression2")
    est = _estimator("regression2", solver, max_iter=3, warm_start=True)
    _quiet(est.fit, X, y)
    _quiet(est.fit, X, y)
    twin = twin_of(torch, est, calls[0], "regression2")
    Y = targets("regression", y)
    twin.fit(X, Y, orders(calls[0]["seed"], len(X), BS, 3), BS)
    np.testing.assert_allclose(calls[1]["params"], twin.flat(), rtol=1e-10, atol=1e-13)
    twin.new_optimizer()
    twin.fit(X, Y, orders(calls[1]["seed"], len(X), BS, 3), BS)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 6 and est.t_ == 6 * len(X)
    assert_same(est, twin)


@pytest.mark.parametrize(("first", "second"), list(zip(SOLVERS, SOLVERS[1:] + SOLVERS[:1],
                                                       strict=True)))
def test_a_solver_switched_under_warm_start_or_by_clone(monkeypatch, first, second):
    """set_params(solver=...) then a warm-start fit: the new solver's rule from the
    weights reached, as scikit-learn's MLP does (it builds the optimizer of its solver at
    each fit); partial_fit after the switch goes on with the rule of its first call, as
    scikit-learn's does; clone + set_params(solver=...) + fit is a fresh fit of it."""
    calls = record_trainers(monkeypatch)
    X, y = _data("binary")
    Y = targets("binary", y)
    est = _estimator("binary", first, max_iter=2, warm_start=True)
    _quiet(est.fit, X, y)
    fresh = _quiet(clone(est).set_params(solver=second, warm_start=False).fit, X, y)
    _quiet(est.set_params(solver=second).fit, X, y)
    est.set_params(solver=first).partial_fit(X, y)  # still `second`'s rule
    twin = twin_of(torch, est, calls[0], "binary", solver=first)
    twin.fit(X, Y, orders(calls[0]["seed"], len(X), BS, 2), BS)
    twin.solver = second
    twin.new_optimizer()
    twin.fit(X, Y, orders(calls[2]["seed"], len(X), BS, 2), BS)
    twin.partial_fit(X, Y, orders(calls[3]["seed"], len(X), BS, 1)[0], BS)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 5
    assert_same(est, twin)
    other = twin_of(torch, fresh, calls[1], "binary", solver=second).fit(
        X, Y, orders(calls[1]["seed"], len(X), BS, 2), BS)
    assert_same(fresh, other)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_warm_start_with_early_stopping_keeps_the_best_and_the_count(monkeypatch, solver):
    """Two warm-start fits with early_stopping: each splits anew (RandomState(random_state),
    after the draws of the weights and biases at the first fit only) and builds its rule
    anew; the best validation score, its parameters and the count of epochs without
    improvement go on, as scikit-learn's do."""
    calls = record_trainers(monkeypatch)
    X, y = _data("multiclass")
    Y = targets("multiclass", y)
    kw = dict(early_stopping=True, validation_fraction=0.2, max_iter=15, tol=0.01,
              n_iter_no_change=2, warm_start=True)
    est = _estimator("multiclass", solver, **kw)
    _quiet(est.fit, X, y)
    _quiet(est.fit, X, y)
    twin = twin_of(torch, est, calls[0], "multiclass")
    for i, call in enumerate(calls):
        rs = np.random.RandomState(0)
        rs.uniform(size=call["params"].size if i == 0 else 0)
        tr, va = train_test_split(np.arange(len(X)), test_size=0.2, random_state=rs)
        if i:
            twin.new_optimizer()
        twin.fit(X[tr], Y[tr], orders(call["seed"], len(tr), BS, 15), BS, tol=0.01,
                 n_iter_no_change=2, validation=(X[va], y[va]))
    assert len(calls) == 2 and len(est.validation_scores_) == len(twin.scores) > 3
    assert_same(est, twin)
    np.testing.assert_allclose(est.validation_scores_, twin.scores, rtol=1e-10)


@pytest.mark.parametrize("solver", SOLVERS)
def test_partial_fit_after_a_warm_lbfgs_fit_goes_on_with_the_first_rule(monkeypatch, solver):
    """A warm-start fit of "lbfgs" between them leaves the mini-batch rule of the first fit
    as scikit-learn's MLP leaves its optimizer (its lbfgs fit builds none): partial_fit
    with another mini-batch solver set goes on from lbfgs' weights with that rule and its
    moments, as the torch loop's optimizer goes on."""
    calls = record_trainers(monkeypatch)
    X, y = _data("multiclass")
    Y = targets("multiclass", y)
    est = _estimator("multiclass", solver, max_iter=2, warm_start=True)
    _quiet(est.fit, X, y)
    _quiet(est.set_params(solver="lbfgs", max_iter=5).fit, X, y)
    est.set_params(solver="adagrad" if solver != "adagrad" else "adamax").partial_fit(X, y)
    twin = twin_of(torch, est, calls[0], "multiclass", solver=solver)
    twin.fit(X, Y, orders(calls[0]["seed"], len(X), BS, 2), BS)
    assert not np.allclose(twin.flat(), calls[1]["params"])  # lbfgs moved the weights
    twin.set_flat(calls[1]["params"])
    twin.partial_fit(X, Y, orders(calls[1]["seed"], len(X), BS, 1)[0], BS)
    np.testing.assert_allclose(est.network_.params, twin.flat(), rtol=1e-10, atol=1e-13)
