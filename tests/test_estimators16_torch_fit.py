"""The estimators' solvers without a scikit-learn twin ("rmsprop", "adagrad", "adamw",
"nadam", "radam", "adamax") against PyTorch, step for step: a fit of the classifier
(binary, multiclass, multi-label) and the regressor (one and two outputs) equals a float64
loop of torch.optim's rule of that name from the same weights on the same shuffled
batches, with scikit-learn's cost, loss_curve_, n_iter_, t_ and stopping rules
(tests/estimators16_torch_loop.py), to rtol 1e-10 after 4 epochs."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from estimators16_torch_loop import (
    BS,
    SETTINGS,
    SOLVERS,
    TASKS,
    orders,
    record_trainers,
    targets,
    twin_of,
)
from estimators16_torch_loop import data as _data
from estimators16_torch_loop import estimator as _estimator
from estimators16_torch_loop import quiet as _quiet
from estimators16_torch_loop import twin_equals_estimator as assert_same

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_a_fit_is_torch_optim_step_for_step(monkeypatch, solver, task):
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    settings = SETTINGS.get(solver, {}) if task in ("multiclass", "regression2") else {}
    est = _quiet(_estimator(task, solver, **settings).fit, X, y)
    twin = twin_of(torch, est, calls[0], task, settings).fit(
        X, targets(task, y), orders(calls[0]["seed"], len(X), BS, 4), BS)
    assert len(calls) == 1 and est.n_iter_ == 4
    assert_same(est, twin)
    assert not np.allclose(est.network_.params, calls[0]["params"], atol=1e-3)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("rule", ["invscaling", "adaptive"])
def test_sgds_learning_rate_rules_leave_them_alone(monkeypatch, solver, rule):
    """scikit-learn's "invscaling" and "adaptive" are SGD's (its Adam ignores them): these
    solvers step at learning_rate_init throughout, and "adaptive" stops them as
    n_iter_no_change stops "constant" (tol=0.05: after n_iter_no_change + 1 epochs without
    a fall of 0.05)."""
    calls = record_trainers(monkeypatch)
    X, y = _data("regression")
    est = _quiet(_estimator("regression", solver, learning_rate=rule, power_t=0.9,
                            max_iter=30, tol=0.05, n_iter_no_change=2).fit, X, y)
    twin = twin_of(torch, est, calls[0], "regression").fit(
        X, targets("regression", y), orders(calls[0]["seed"], len(X), BS, 30), BS,
        tol=0.05, n_iter_no_change=2)
    assert 3 < est.n_iter_ < 30
    assert_same(est, twin)


@pytest.mark.parametrize(("solver", "task"), list(zip(SOLVERS, (*TASKS, "binary"),
                                                      strict=True)))
def test_early_stopping_is_scikit_learns_rule_on_the_twin(monkeypatch, solver, task):
    """early_stopping=True: scikit-learn's held-out rows (RandomState(random_state) after
    its draws of the weights and biases, one number each; stratified for a binary target),
    the validation score after each epoch, n_iter_no_change epochs without a rise of tol,
    and the best parameters restored."""
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    est = _quiet(_estimator(task, solver, early_stopping=True, validation_fraction=0.2,
                            max_iter=40, tol=0.02, n_iter_no_change=2).fit, X, y)
    rs = np.random.RandomState(0)
    rs.uniform(size=calls[0]["params"].size)
    tr, va = train_test_split(np.arange(len(X)), test_size=0.2, random_state=rs,
                              stratify=y if task == "binary" else None)
    twin = twin_of(torch, est, calls[0], task).fit(
        X[tr], targets(task, y)[tr], orders(calls[0]["seed"], len(tr), BS, 40), BS,
        tol=0.02, n_iter_no_change=2, validation=(X[va], y[va]))
    assert est.n_iter_ < 40
    assert_same(est, twin)
    np.testing.assert_allclose(est.validation_scores_, twin.scores, rtol=1e-10)
    assert est.best_validation_score_ == pytest.approx(twin.best_score, rel=1e-12)

