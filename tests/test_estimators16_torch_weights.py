"""sample_weight and clip_norm of the solvers "rmsprop", "adagrad", "adamw", "nadam",
"radam" and "adamax" against a float64 PyTorch loop of torch.optim's rule of that name
(tests/estimators16_torch_loop.py), to rtol 1e-10 after 4 epochs, as
tests/test_estimators16_torch_fit.py checks the plain fits."""

from __future__ import annotations

import numpy as np
import pytest

from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from estimators16_torch_loop import BS, SOLVERS, TASKS, orders, record_trainers, targets, twin_of
from estimators16_torch_loop import data as _data
from estimators16_torch_loop import estimator as _estimator
from estimators16_torch_loop import quiet as _quiet
from estimators16_torch_loop import twin_equals_estimator as assert_same

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("solver", "task"), list(zip(SOLVERS, TASKS[1:] + TASKS[:2],
                                                      strict=True)))
def test_sample_weight_weighs_the_rows_as_scikit_learn_does(monkeypatch, solver, task):
    """sample_weight: each batch's cost is the weighted mean of its rows' losses plus
    alpha / (2 sum(w)) sum W^2 (scikit-learn's weighting), loss_curve_ included."""
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    sw = np.random.default_rng(0).uniform(0.2, 3.0, len(X))
    est = _quiet(_estimator(task, solver).fit, X, y, sample_weight=sw)
    twin = twin_of(torch, est, calls[0], task).fit(
        X, targets(task, y), orders(calls[0]["seed"], len(X), BS, 4), BS, sw=sw)
    assert_same(est, twin)


@pytest.mark.parametrize(("solver", "task"), list(zip(SOLVERS, TASKS[2:] + TASKS[:3],
                                                      strict=True)))
def test_clip_norm_clips_the_gradient_that_the_torch_rule_steps_on(monkeypatch, solver,
                                                                   task):
    """clip_norm=c: the batch's gradient (its L2 term included, all parameters as one
    vector) times c / ||g|| where ||g|| > c, before the rule's step (TensorFlow's
    clip_by_global_norm; torch's clip_grad_norm_ would divide by ||g|| + 1e-6, a
    difference of 1e-6 relative here, which the README states).  The rows in order
    (shuffle=False)."""
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    est = _quiet(_estimator(task, solver, clip_norm=0.05, shuffle=False).fit, X, y)
    twin = twin_of(torch, est, calls[0], task)
    twin.clip_norm = 0.05
    twin.fit(X, targets(task, y), orders(calls[0]["seed"], len(X), BS, 4, shuffle=False),
             BS)
    assert_same(est, twin)
