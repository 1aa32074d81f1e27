"""The estimators' extras beyond scikit-learn against PyTorch step for step, on the twin of
tests/estimators16_torch_loop.py (a float64 loop of torch.optim's rule of the solver's
name, scikit-learn's cost, loss_curve_, n_iter_, t_):

* ``schedule=``: torch.optim.lr_scheduler's StepLR, MultiStepLR, ExponentialLR,
  CosineAnnealingLR (T_max = max_iter, as a "cosine" without T_max anneals), LinearLR then
  CosineAnnealingLR in SequentialLR ("warmup"), each stepped once per epoch after the
  epoch's batches; ReduceLROnPlateau stepped on the validation loss with early stopping
  (the network's mean loss on the held-out rows plus alpha / (2 n_val) sum W^2); a
  "cosine" over max_iter partial_fit calls, CosineAnnealingLR stepped once per call;
* ``ema=``: torch.optim.swa_utils.AveragedModel with get_ema_multi_avg_fn(decay),
  updated after every step; the estimator keeps and predicts with the average, its
  loss_curve_ is the steps' (a partial_fit goes on with the same average); with early
  stopping the validation scores are the average's, and the best average is kept;
* float32 data with ``dtype=None``: the network stays float32, and equals a float32 torch
  loop to rtol 1e-5, atol 1e-6 (float32's rounding, 6e-8 an operation, over 20 steps and
  sums of up to 32 rows, differs between NumPy's BLAS and torch's kernels: measured at
  most 1.6e-6 relative on a weight and 6e-8 on loss_curve_, adamw/radam/adamax).

Weights, loss_curve_, n_iter_ and t_ to rtol 1e-10 in float64."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from estimator_helpers import one_blas_thread  # noqa: F401 (autouse)
from estimators16_torch_loop import BS, LR, _float64, orders, record_trainers, targets, twin_of
from estimators16_torch_loop import data as _data
from estimators16_torch_loop import estimator as _estimator
from estimators16_torch_loop import quiet as _quiet
from estimators16_torch_loop import twin_equals_estimator as assert_same

torch = pytest.importorskip("torch")
swa_utils = pytest.importorskip("torch.optim.swa_utils")
lr_scheduler = torch.optim.lr_scheduler

EPOCHS = 6


def _torch_schedule(name: str, opt):
    """The torch scheduler of each schedule's settings below (``SCHEDULES``)."""
    if name == "step":
        return lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    if name == "multistep":
        return lr_scheduler.MultiStepLR(opt, milestones=[2, 5], gamma=0.3)
    if name == "exponential":
        return lr_scheduler.ExponentialLR(opt, gamma=0.7)
    if name == "cosine":  # without T_max: over max_iter epochs
        return lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    # warmup: LinearLR over 2 epochs from lr0 / 3, then a cosine over the 4 left
    return lr_scheduler.SequentialLR(
        opt, [lr_scheduler.LinearLR(opt, start_factor=1 / 3, total_iters=2),
              lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS - 2)], milestones=[2])


SCHEDULES = {
    "step": {"name": "step", "step_size": 2, "gamma": 0.5},
    "multistep": {"name": "multistep", "milestones": [2, 5], "gamma": 0.3},
    "exponential": {"name": "exponential", "gamma": 0.7},
    "cosine": "cosine",
    "warmup": {"name": "warmup", "epochs": 2, "after": "cosine"},
}


def _run(twin, X, Y, seed: int, epochs: int, scheduler=None, step_avg=None):
    """``epochs`` epochs of the twin on its shuffled batches, the scheduler stepped after
    each epoch and ``step_avg`` (the EMA update) after every optimizer step."""
    if step_avg is not None:
        real = twin.opt.step

        def step(*args, **kw):
            out = real(*args, **kw)
            step_avg()
            return out

        twin.opt.step = step
    twin.n_iter = 0
    for order in orders(seed, len(X), BS, epochs):
        twin.epoch(X, Y, order, BS)
        twin.improved(0.0, np.inf)
        if scheduler is not None:
            scheduler.step()
    return twin


@pytest.mark.parametrize("name", list(SCHEDULES))
@pytest.mark.parametrize(("solver", "task"), [("adamw", "multiclass"),
                                              ("rmsprop", "regression2")])
def test_a_schedule_is_torchs_lr_scheduler_stepped_per_epoch(monkeypatch, name, solver,
                                                             task):
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    est = _quiet(_estimator(task, solver, max_iter=EPOCHS, schedule=SCHEDULES[name]).fit,
                 X, y)
    twin = twin_of(torch, est, calls[0], task)
    scheduler = _torch_schedule(name, twin.opt)
    rates = []  # the rate of each epoch, as torch sets it
    real_epoch = twin.epoch

    def epoch(*args, **kw):
        rates.append(twin.opt.param_groups[0]["lr"])
        return real_epoch(*args, **kw)

    twin.epoch = epoch
    _run(twin, X, targets(task, y), calls[0]["seed"], EPOCHS, scheduler)
    assert est.n_iter_ == EPOCHS
    assert_same(est, twin)
    np.testing.assert_allclose(est.history_["lr"], rates, rtol=1e-12)
    assert len(set(np.round(rates, 12))) > 2  # the rate did change


def test_plateau_on_the_validation_loss_is_reduce_lr_on_plateau(monkeypatch):
    """early_stopping=True with "plateau" (monitor "val_loss"): ReduceLROnPlateau with the
    same settings (threshold_mode "abs", eps 0) stepped on the held-out rows' loss after
    each epoch; scikit-learn's held-out rows, validation scores and best parameters."""
    calls = record_trainers(monkeypatch)
    task, solver, epochs = "multiclass", "nadam", 12
    X, y = _data(task)
    plateau = {"name": "plateau", "factor": 0.5, "patience": 0, "min_delta": 0.03,
               "min_lr": 1e-4}
    est = _quiet(_estimator(task, solver, max_iter=epochs, schedule=plateau,
                            early_stopping=True, validation_fraction=0.2).fit, X, y)
    rs = np.random.RandomState(0)  # scikit-learn's split (tests/test_estimators16_torch_fit)
    rs.uniform(size=calls[0]["params"].size)
    tr, va = train_test_split(np.arange(len(X)), test_size=0.2, random_state=rs)
    Y = targets(task, y)
    twin = twin_of(torch, est, calls[0], task)
    scheduler = lr_scheduler.ReduceLROnPlateau(
        twin.opt, mode="min", factor=0.5, patience=0, threshold=0.03,
        threshold_mode="abs", cooldown=0, min_lr=1e-4, eps=0.0)
    rates = []
    for order in orders(calls[0]["seed"], len(tr), BS, epochs):
        rates.append(twin.opt.param_groups[0]["lr"])
        twin.epoch(X[tr], Y[tr], order, BS)
        twin.improved(0.0, np.inf, validation=(X[va], y[va]))
        with torch.no_grad(), _float64(torch):
            val_loss = float(twin._losses(X[va], Y[va])[0])  # the network's cost
        scheduler.step(val_loss)
    twin.set_flat(twin.best_params)
    assert est.n_iter_ == epochs
    assert_same(est, twin)
    np.testing.assert_allclose(est.validation_scores_, twin.scores, rtol=1e-10)
    np.testing.assert_allclose(est.history_["lr"], rates, rtol=1e-12)
    assert min(rates) < LR  # reduced at least once


class _Holder(torch.nn.Module):
    """The twin's weights and biases as a Module, for AveragedModel."""

    def __init__(self, twin):
        super().__init__()
        self.w = torch.nn.ParameterList(twin.weights)
        self.b = torch.nn.ParameterList(twin.biases)


def _flat(module) -> np.ndarray:
    """The parameters of a _Holder (or its average) as chainrule's flat vector."""
    return np.concatenate([np.concatenate([w.detach().numpy().T.ravel(), b.detach().numpy()])
                           for w, b in zip(module.w, module.b, strict=True)])


@pytest.mark.parametrize(("solver", "task"), [("rmsprop", "regression"),
                                              ("adamw", "multiclass"),
                                              ("nadam", "multilabel")])
def test_ema_is_averaged_model_with_ema_multi_avg_fn(monkeypatch, solver, task):
    """The fitted network (coefs_, predictions) is AveragedModel's average of the steps,
    the first copying them; loss_curve_, n_iter_ and t_ are the steps'.  A partial_fit
    after the fit goes on with the same average (one more epoch)."""
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    decay = 0.8
    est = _quiet(_estimator(task, solver, ema=decay).fit, X, y)
    twin = twin_of(torch, est, calls[0], task)
    held = _Holder(twin)
    with _float64(torch):
        avg = swa_utils.AveragedModel(held, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(decay))
    Y = targets(task, y)
    _run(twin, X, Y, calls[0]["seed"], 4, step_avg=lambda: avg.update_parameters(held))
    np.testing.assert_allclose(est.network_.params, _flat(avg.module), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(est.loss_curve_, twin.loss_curve, rtol=1e-10)
    assert (est.n_iter_, est.t_) == (twin.n_iter, twin.t) == (4, 4 * len(X))
    # the average predicts: its output layer's net input, as the estimator's
    with torch.no_grad():
        z = _output(avg.module, X)
    out = est.predict(X) if task == "regression" else est.predict_proba(X)
    expected = {"regression": z[:, 0], "multiclass": _softmax(z)}.get(task, 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-13)
    # (the average is not the last step's weights)
    assert not np.allclose(_flat(avg.module), twin.flat(), rtol=1e-3)
    # partial_fit: one more epoch, the average going on
    _quiet(est.partial_fit, X, y)
    _run(twin, X, Y, calls[1]["seed"], 1)
    np.testing.assert_allclose(est.network_.params, _flat(avg.module), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(est.loss_curve_, twin.loss_curve, rtol=1e-10)


def _output(module, X: np.ndarray) -> np.ndarray:
    a = torch.from_numpy(X)
    for i, (w, b) in enumerate(zip(module.w, module.b, strict=True)):
        a = a @ w.T + b
        if i < len(module.w) - 1:
            a = torch.tanh(a)
    return a.numpy()


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.mark.parametrize(("solver", "task"), [("adamw", "multiclass"),
                                              ("radam", "regression"),
                                              ("adamax", "binary")])
def test_float32_data_trains_a_float32_network_as_a_float32_torch_loop(monkeypatch, solver,
                                                                      task):
    """dtype=None keeps float32 X's dtype: float32 weights, every step in float32, equal
    to a float32 torch loop of the same rule to rtol 1e-5 (see the module's docstring)."""
    calls = record_trainers(monkeypatch)
    X, y = _data(task)
    X32 = X.astype(np.float32)
    est = _quiet(_estimator(task, solver).fit, X32, y)
    assert est.network_.dtype == np.float32 and est.coefs_[0].dtype == np.float32
    assert calls[0]["params"].dtype == np.float32
    twin = twin_of(torch, est, calls[0], task)
    assert twin.weights[0].dtype == torch.float32
    Y32 = targets(task, y).astype(np.float32)
    ones = np.ones(len(X), np.float32)  # float32 row weights: the cost stays float32
    twin.n_iter = 0
    for order in orders(calls[0]["seed"], len(X), BS, 4):
        twin.epoch(X32, Y32, order, BS, ones)
        twin.improved(0.0, np.inf)
    got, want = est.network_.params.astype(np.float64), twin.flat().astype(np.float64)
    assert not np.array_equal(got, want)  # two float32 computations, not one
    np.testing.assert_allclose(est.network_.params, twin.flat(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.loss_curve_, twin.loss_curve, rtol=1e-5)
    assert (est.n_iter_, est.t_) == (twin.n_iter, twin.t) == (4, 4 * len(X))


@pytest.mark.parametrize("solver", ["adamax", "radam"])
def test_partial_fit_steps_a_cosine_once_per_call(monkeypatch, solver):
    """"cosine" without T_max anneals over max_iter partial_fit calls (one epoch each):
    CosineAnnealingLR(T_max=max_iter) stepped after each call, one torch rule throughout."""
    calls = record_trainers(monkeypatch)
    task = "multiclass"
    X, y = _data(task)
    est = _estimator(task, solver, max_iter=4, schedule="cosine")
    est.partial_fit(X, y, classes=np.unique(y))
    for _ in range(3):
        est.partial_fit(X, y)
    twin = twin_of(torch, est, calls[0], task)
    scheduler = lr_scheduler.CosineAnnealingLR(twin.opt, T_max=4)
    for call in calls:
        twin.partial_fit(X, targets(task, y), orders(call["seed"], len(X), BS, 1)[0], BS)
        scheduler.step()
    assert len(calls) == 4 and (est.n_iter_, est.t_) == (1, 4 * len(X))
    assert_same(est, twin)


def test_ema_with_early_stopping_scores_and_keeps_the_average(monkeypatch):
    """ema with early_stopping: the validation scores are the average's (AveragedModel's
    after each epoch), and the fit ends with the average of the best score."""
    calls = record_trainers(monkeypatch)
    task, decay, epochs = "multiclass", 0.8, 8
    X, y = _data(task)
    est = _quiet(_estimator(task, "adamw", ema=decay, max_iter=epochs, early_stopping=True,
                            validation_fraction=0.2).fit, X, y)
    rs = np.random.RandomState(0)  # scikit-learn's split (tests/test_estimators16_torch_fit)
    rs.uniform(size=calls[0]["params"].size)
    tr, va = train_test_split(np.arange(len(X)), test_size=0.2, random_state=rs)
    Y = targets(task, y)
    twin = twin_of(torch, est, calls[0], task)
    held = _Holder(twin)
    with _float64(torch):
        avg = swa_utils.AveragedModel(held, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(decay))
    real = twin.opt.step

    def step(*args, **kw):
        out = real(*args, **kw)
        avg.update_parameters(held)
        return out

    twin.opt.step = step
    for order in orders(calls[0]["seed"], len(tr), BS, epochs):
        twin.epoch(X[tr], Y[tr], order, BS)
        steps = twin.flat()
        twin.set_flat(_flat(avg.module))  # scored (and kept if best): the average
        twin.improved(0.0, np.inf, validation=(X[va], y[va]))
        twin.set_flat(steps)
    twin.set_flat(twin.best_params)
    assert est.n_iter_ == epochs
    assert_same(est, twin)
    np.testing.assert_allclose(est.validation_scores_, twin.scores, rtol=1e-10)
