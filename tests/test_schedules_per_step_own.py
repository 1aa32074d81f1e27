"""Per-step schedules beyond the built-in one: a Schedule subclass of one's own with
``per_step = True`` (the protocol README and the Schedule class describe: ``step_lr``,
``check_run``), a subclass of OneCycle, and the one-cycle next to the run's other options
(callbacks that set the rate, early stopping within the cycle), and a partial_fit refused
past the cycle, which changes nothing.

References: the rates written out in NumPy here (and OneCycleLR's in schedule_helpers), the
uninterrupted run (bit for bit), and estimators that never made the refused call.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import chainrule
from chainrule import Callback, io
from chainrule.checkpoints import CHECKPOINT_FORMAT
from chainrule.schedules import Cosine, OneCycle, Schedule
from chainrule.training import Trainer
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net
from schedule_helpers import onecycle_rates as _numpy_rates


class StepWarmup(Schedule):
    """A linear warm-up over the first ``warm_steps`` optimizer steps, then ``lr0``:
    ``lr0 * min(1, (t + 1) / warm_steps)`` for the step after ``t`` steps."""

    name = "step_warmup"
    per_step = True

    def __init__(self, warm_steps: int = 10) -> None:
        self.warm_steps = warm_steps

    def lr(self, epoch, lr0, metrics):  # never asked of a per-step schedule
        raise AssertionError("lr called on a per-step schedule")

    def first_lr(self, lr0):  # neither
        raise AssertionError("first_lr called on a per-step schedule")

    def step_lr(self, step, lr0, steps_per_epoch):
        return lr0 * min(1.0, (step + 1) / self.warm_steps)

    def check_run(self, steps_per_epoch, epochs):
        if epochs * steps_per_epoch < self.warm_steps:
            raise ValueError(f"warm_steps: the run takes {epochs * steps_per_epoch} steps, "
                             f"fewer than warm_steps={self.warm_steps}")


def _warmup_rates(T: int, lr0: float, warm: int) -> np.ndarray:
    return lr0 * np.minimum(1.0, (np.arange(T) + 1.0) / warm)


KW = dict(optimizer="sgd", lr=0.1, momentum=0.9, batch_size=8, seed=3)  # 7 steps an epoch


def test_a_per_step_schedule_of_ones_own_sets_the_rate_of_every_step(step_rates):
    X, Y = _data()
    net = _net()
    trainer = Trainer(net, epochs=3, schedule=StepWarmup(10), **KW)
    h = trainer.fit(X, Y)
    ref = _warmup_rates(21, 0.1, 10)
    np.testing.assert_allclose(step_rates, ref, rtol=0, atol=1e-15)
    # the history's "lr": each epoch's last step's rate; the optimizer ends at the last one
    np.testing.assert_allclose(h["lr"], ref[6::7], rtol=0, atol=1e-15)
    assert trainer.optimizer.lr == pytest.approx(ref[-1], abs=1e-15)


class StepCosine(Cosine):
    """Cosine annealing over ``T_max`` optimizer steps: an epoch schedule made per-step,
    whose inherited ``lr`` (per epoch) the run must not ask."""

    per_step = True

    def step_lr(self, step, lr0, steps_per_epoch):
        cosine = math.cos(math.pi * step / self.T_max)
        return self.eta_min + (lr0 - self.eta_min) * (1 + cosine) / 2


def test_a_per_step_subclass_of_an_epoch_schedule_ends_at_its_last_steps_rate(step_rates):
    X, Y = _data()
    cb = _SetRate(None)
    trainer = Trainer(_net(), epochs=3, schedule=StepCosine(21), callbacks=[cb], **KW)
    h = trainer.fit(X, Y)
    ref = 0.1 * (1 + np.cos(np.pi * np.arange(21) / 21)) / 2
    np.testing.assert_allclose(step_rates, ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(h["lr"], ref[6::7], rtol=0, atol=1e-15)
    # on_epoch_end and after the run: the last step's rate, not Cosine.lr's of the epoch
    ends = [lr for _, lr, _ in (v for v in cb.seen if isinstance(v, tuple))]
    np.testing.assert_allclose(ends, ref[6::7], rtol=0, atol=1e-15)
    assert trainer.optimizer.lr == pytest.approx(ref[-1], abs=1e-15)


def test_check_run_of_ones_own_refuses_the_run_before_it_changes_anything():
    X, Y = _data()
    net = _net()
    before = net.params.copy()
    trainer = Trainer(net, epochs=2, schedule=StepWarmup(15), **KW)
    rng = trainer.rng.bit_generator.state
    with pytest.raises(ValueError, match=r"warm_steps: the run takes 14 steps"):
        trainer.fit(X, Y)
    np.testing.assert_array_equal(net.params, before)
    assert trainer.epoch == 0 and trainer.rng.bit_generator.state == rng
    # the same Trainer, given the epochs the schedule needs, trains as a new one does
    trainer.epochs = 3
    trainer.fit(X, Y)
    other = _net()
    Trainer(other, epochs=3, schedule=StepWarmup(15), **KW).fit(X, Y)
    np.testing.assert_array_equal(net.params, other.params)


def test_ones_own_per_step_schedule_checkpoints_and_resumes_to_the_uninterrupted_run(
        tmp_path, step_clock):
    X, Y = _data()
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=4, schedule=StepWarmup(12), **KW)
    path = tmp_path / "run.ckpt.npz"
    h = chainrule.train(_net(), X, Y, epochs=4, schedule=StepWarmup(12), checkpoint=path,
                        max_time=10, **KW)  # stopped after step 10, within epoch 2
    assert h.stop_reason == "max_time"
    assert io.read_file(path, CHECKPOINT_FORMAT)[0]["epoch"] == 1
    # a class of one's own: the checkpoint names it, and resume needs the object again
    with pytest.raises(ValueError, match=r"schedule: .*StepWarmup"):
        chainrule.resume(path, X, Y)
    for _ in range(5):
        resumed, h_res = chainrule.resume(path, X, Y, schedule=StepWarmup(12), max_time=9)
        if h_res.stop_reason == "epochs":
            break
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    np.testing.assert_allclose(h_full["lr"], _warmup_rates(28, 0.1, 12)[6::7], rtol=0,
                               atol=1e-15)


class _MyOneCycle(OneCycle):
    """A user's subclass of OneCycle that changes nothing."""


def test_a_subclass_of_onecycle_steps_as_onecycle_and_resumes_given_again(tmp_path, step_rates):
    X, Y = _data()
    net = _net()
    chainrule.train(net, X, Y, epochs=3, schedule=_MyOneCycle(total_steps=21), **KW)
    np.testing.assert_allclose(step_rates, _numpy_rates(21, 0.1), rtol=0, atol=1e-15)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=2, schedule=_MyOneCycle(total_steps=21),
                    checkpoint=path, **KW)
    with pytest.raises(ValueError, match=r"schedule: .*_MyOneCycle"):
        chainrule.resume(path, X, Y, epochs=3)
    resumed, _ = chainrule.resume(path, X, Y, epochs=3, schedule=_MyOneCycle(total_steps=21))
    np.testing.assert_array_equal(resumed.params, net.params)


class _SetRate(Callback):
    """Sets the rate at each epoch's end (unless None), and records the rate after each step
    and at each epoch's end (with the epoch's logged one)."""

    def __init__(self, rate: float | None) -> None:
        self.rate, self.seen = rate, []

    def on_batch_end(self, state) -> None:
        self.seen.append(state.optimizer.lr)

    def on_epoch_end(self, state) -> None:
        self.seen.append(("epoch end", state.optimizer.lr, state.logs["lr"]))
        if self.rate is not None:
            state.optimizer.lr = self.rate


def test_a_rate_a_callback_sets_is_replaced_at_the_next_step_of_a_per_step_schedule():
    X, Y = _data()
    cb = _SetRate(5.0)
    h = chainrule.train(_net(), X, Y, epochs=3, schedule="onecycle", callbacks=[cb], **KW)
    ref = _numpy_rates(21, 0.1)
    steps = [v for v in cb.seen if not isinstance(v, tuple)]
    np.testing.assert_allclose(steps, ref, rtol=0, atol=1e-15)  # 5.0 never taken
    # at on_epoch_end, optimizer.lr is the epoch's last step's rate, logs["lr"]
    ends = [v for v in cb.seen if isinstance(v, tuple)]
    for (_, lr, logged), last in zip(ends, ref[6::7], strict=True):
        assert lr == logged == pytest.approx(last, abs=1e-15)
    np.testing.assert_allclose(h["lr"], ref[6::7], rtol=0, atol=1e-15)


def test_a_rate_a_callback_sets_is_the_next_epochs_with_an_epoch_schedule():
    X, Y = _data()
    cb = _SetRate(0.05)
    h = chainrule.train(_net(), X, Y, epochs=3, schedule={"name": "step", "step_size": 1,
                                                            "gamma": 0.5},
                        callbacks=[cb], **KW)
    ends = [v for v in cb.seen if isinstance(v, tuple)]
    # at on_epoch_end, optimizer.lr is the next epoch's rate already: 0.1 * 0.5 ** epoch
    assert [lr for _, lr, _ in ends] == pytest.approx([0.05, 0.025, 0.0125], abs=1e-15)
    assert h["lr"] == pytest.approx([0.1, 0.05, 0.05], abs=1e-15)  # 0.05: the callback's


def test_early_stopping_within_the_cycle_restores_the_best_epoch():
    """A cycle of 70 steps (10 epochs of 7), stopped early: the network is that of the run
    of best_epoch epochs along the same cycle."""
    rng = np.random.default_rng(5)
    X, Y = _data()
    Xv = rng.normal(size=(20, 3))
    Yv = -np.column_stack([np.sin(Xv[:, 0] - Xv[:, 1]), np.cos(Xv[:, 2])])  # rises
    sched = {"name": "onecycle", "total_steps": 70, "max_lr": 0.3}
    net = _net()
    h = chainrule.train(net, X, Y, epochs=10, schedule=sched, validation_data=(Xv, Yv),
                        patience=2, **KW)
    assert h.stop_reason == "early_stopping" and h.epochs < 10
    best = _net()
    chainrule.train(best, X, Y, epochs=h.best_epoch, schedule=sched,
                    validation_data=(Xv, Yv), **KW)
    np.testing.assert_array_equal(net.params, best.params)


def test_a_partial_fit_refused_past_the_cycle_changes_nothing():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)

    def made(calls: int):
        clf = chainrule.MLPClassifier((8,), solver="adam", learning_rate_init=0.05,
                                      max_iter=2, batch_size=32, schedule="onecycle",
                                      random_state=0)
        for _ in range(calls):
            clf.partial_fit(X, y, classes=[0, 1, 2])
        return clf

    refused, other = made(2), made(2)
    before = pickle.dumps(refused)
    with pytest.raises(ValueError, match=r"total_steps: the run takes 15 optimizer steps"):
        refused.partial_fit(X, y)
    assert pickle.dumps(refused) == before
    # the next call, without the schedule, trains as it does without the refused call
    for clf in (refused, other):
        clf.set_params(schedule=None)
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(refused.network_.params, other.network_.params)
    assert refused.loss_curve_ == other.loss_curve_ and refused.t_ == other.t_ == 3 * 150
