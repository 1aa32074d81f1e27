"""The one-cycle schedule in whole runs: checkpoints and resume (also after a stop within an
epoch: max_time, SIGTERM), a Trainer fitted again, the estimators and the command line.

References: the uninterrupted run (bit for bit), and OneCycleLR's formula written out in
NumPy (test_schedules_onecycle._numpy_rates), with the run's steps per epoch worked here.
"""

from __future__ import annotations

import math
import signal
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import io
from chainrule.checkpoints import CHECKPOINT_FORMAT
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.training import Trainer
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net
from schedule_helpers import onecycle_rates as _numpy_rates

KW = dict(optimizer="adam", lr=0.02, batch_size=8, seed=4,
          schedule={"name": "onecycle", "three_phase": True, "anneal_strategy": "linear"})


def test_checkpoint_and_resume_after_a_stop_within_an_epoch_is_the_uninterrupted_run(
        tmp_path, step_clock):
    X, Y = _data()  # 7 steps an epoch
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=5, **KW)
    path = tmp_path / "run.ckpt.npz"
    net = _net()
    h = chainrule.train(net, X, Y, epochs=5, checkpoint=path, max_time=10, **KW)
    assert h.stop_reason == "max_time" and h.epochs == 1  # stopped after step 10, in epoch 2
    assert io.read_file(path, CHECKPOINT_FORMAT)[0]["epoch"] == 1
    # the next parts, each stopped within an epoch too, until the run is done
    for _ in range(5):
        resumed, h_res = chainrule.resume(path, X, Y, max_time=9)
        if h_res.stop_reason == "epochs":
            break
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    # the recorded rates: each epoch's last step's, of a cycle of 35 steps
    np.testing.assert_allclose(h_full["lr"], _numpy_rates(35, 0.02, three=True,
                                                          strategy="linear")[6::7],
                               rtol=0, atol=1e-15)


def test_a_trainer_fitted_again_after_a_stop_within_an_epoch_is_the_uninterrupted_run(step_clock):
    X, Y = _data()
    full, net = _net(), _net()
    chainrule.Trainer(full, epochs=4, **KW).fit(X, Y)
    trainer = chainrule.Trainer(net, epochs=4, max_time=12, **KW)
    assert trainer.fit(X, Y).stop_reason == "max_time"
    trainer.max_time = None
    assert trainer.fit(X, Y).stop_reason == "epochs"
    np.testing.assert_array_equal(net.params, full.params)


def test_a_run_continued_within_its_cycle_is_the_one_run(step_rates):
    """A cycle of total_steps given, trained 2 then 2 more epochs (a Trainer, and resume to
    more epochs), steps as the 4 epochs trained at once."""
    X, Y = _data()
    kw = {**KW, "schedule": {"name": "onecycle", "total_steps": 28}}
    full = _net()
    chainrule.train(full, X, Y, epochs=4, **kw)
    ref = list(step_rates)
    np.testing.assert_allclose(ref, _numpy_rates(28, 0.02), rtol=0, atol=1e-15)
    step_rates.clear()
    trainer = chainrule.Trainer(_net(), epochs=2, **kw)
    trainer.fit(X, Y)
    trainer.epochs = 4
    trainer.fit(X, Y)
    assert step_rates == ref
    np.testing.assert_array_equal(trainer.net.params, full.params)


def test_resuming_past_the_cycle_is_refused_naming_total_steps(tmp_path):
    X, Y = _data()
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=2, checkpoint=path, **KW)
    with pytest.raises(ValueError, match=r"total_steps: the run takes 21 optimizer steps .*"
                                         r"the schedule has 14 \(epochs=2"):
        chainrule.resume(path, X, Y, epochs=3)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_the_estimators_take_onecycle_over_max_iter(solver, step_rates):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)  # 150 rows, batch 32: 5 steps an epoch
    clf = chainrule.MLPClassifier((8,), solver=solver, learning_rate_init=0.05, max_iter=6,
                                  batch_size=32, schedule="onecycle", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        clf.fit(X, y)
    np.testing.assert_allclose(step_rates, _numpy_rates(30, 0.05), rtol=0, atol=1e-15)
    assert clf._optimizer.lr == step_rates[-1]
    reg = chainrule.MLPRegressor((8,), solver=solver, learning_rate_init=0.01, max_iter=3,
                                 batch_size=50, random_state=0,
                                 schedule={"name": "onecycle", "max_lr": 0.03,
                                           "pct_start": 0.5})
    step_rates.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, X[:, 0])
    np.testing.assert_allclose(step_rates, _numpy_rates(9, 0.03, pct=0.5), rtol=0, atol=1e-15)


def test_partial_fit_follows_the_cycle_over_max_iter_calls_then_refuses(step_rates, tmp_path):
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = chainrule.MLPClassifier((8,), solver="sgd", learning_rate_init=0.05, max_iter=3,
                                  batch_size=32, schedule="onecycle", random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(step_rates, _numpy_rates(15, 0.05), rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=r"total_steps: the run takes 20 optimizer steps"):
        clf.partial_fit(X, y)
    # saved and loaded, the estimator keeps its schedule
    clf.save(tmp_path / "clf.npz")
    again = chainrule.load_estimator(tmp_path / "clf.npz")
    assert again.schedule == "onecycle"


def test_partial_fit_on_chunks_of_other_sizes_counts_steps_from_the_epoch(monkeypatch):
    """The documented step count, (epoch - 1) * this call's steps per epoch + batch: each
    call's share of a cycle over max_iter epochs; with total_steps, steps that go back."""
    from chainrule.schedules import OneCycle

    steps, real = [], OneCycle.step_lr

    def recording(self, step, lr0, steps_per_epoch):
        steps.append(step)
        return real(self, step, lr0, steps_per_epoch)

    monkeypatch.setattr(OneCycle, "step_lr", recording)
    X, Y = _data(150)
    for schedule, expected in (
        # written out: call k of n_k batches takes steps (k - 1) * n_k + b, b < n_k
        ({"name": "onecycle", "max_lr": 0.1, "total_steps": 40}, [[*range(10)], [3, 4, 5],
                                                                  [4, 5]]),
        ({"name": "onecycle", "max_lr": 0.1}, [[*range(10)], [3, 4, 5], [4, 5]]),
    ):
        reg = chainrule.MLPRegressor((5,), solver="sgd", batch_size=10, max_iter=3,
                                     schedule=schedule, random_state=0)
        for n, want in zip((100, 30, 20), expected, strict=True):
            steps.clear()
            reg.partial_fit(X[:n], Y[:n, 0])
            assert steps[1:] == want  # steps[0]: the rate set before the first batch
    # spanning max_iter=3 epochs, call k's steps lie in its share [(k-1)/3, k/3) of the cycle
    for k, (n_k, want) in enumerate(zip((10, 3, 2), expected, strict=True), start=1):
        fractions = np.array(want) / (3 * n_k)
        assert np.all((fractions >= (k - 1) / 3) & (fractions < k / 3))


def test_lbfgs_ignores_the_schedule_as_any_other():
    X, Y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = chainrule.MLPRegressor((4,), solver="lbfgs", max_iter=5, random_state=0,
                                     schedule="onecycle").fit(X, Y[:, 0])
    assert math.isfinite(reg.loss_)


IRIS = ["train", "iris", "--hidden", "5", "--batch-size", "16", "--lr", "0.05", "--seed",
        "3", "--schedule", "onecycle", "-q"]


def _status(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def test_cli_sigterm_within_an_epoch_then_resume_is_the_uninterrupted_model(
        tmp_path, monkeypatch, capsys):
    """iris: 135 training rows in batches of 16, 9 steps an epoch; SIGTERM in step 13."""
    import os

    caught = []
    old = signal.signal(signal.SIGTERM, lambda signum, frame: caught.append(signum))
    try:
        assert _status([*IRIS, "--epochs", "4", "-o", tmp_path / "ref"]) == 0
        step, calls = Trainer._step, [0]

        def terminating(self, *args, **kwargs):
            calls[0] += 1
            if calls[0] == 13:
                os.kill(os.getpid(), signal.SIGTERM)
            return step(self, *args, **kwargs)

        monkeypatch.setattr(Trainer, "_step", terminating)
        ckpt, model = tmp_path / "ck.npz", tmp_path / "model.npz"
        command = [*IRIS, "--epochs", "4", "--checkpoint", ckpt, "-o", model]
        assert _status(command) == 128 + signal.SIGTERM
        assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 1
        monkeypatch.setattr(Trainer, "_step", step)
        assert _status([*command, "--resume"]) == 0
    finally:
        signal.signal(signal.SIGTERM, old)
    assert caught == []
    a, b = chainrule.load(model), chainrule.load(tmp_path / "ref.npz")
    np.testing.assert_array_equal(a.params, b.params)
    meta, ref = load_metadata(model), load_metadata(tmp_path / "ref.npz")
    assert meta["history"] == ref["history"]
    assert meta["training"]["total_steps"] == ref["training"]["total_steps"] == 36
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    assert "schedule=onecycle, total_steps=36" in capsys.readouterr().out
    # the run's --schedule given as the dict it means is the same run
    assert _status([*IRIS[:-3], "--schedule", '{"name": "onecycle", "pct_start": 0.3}', "-q",
                    "--epochs", "4", "--checkpoint", ckpt, "-o", model, "--resume"]) == 0


def test_cli_refuses_bad_settings_naming_them(capsys):
    assert _status([*IRIS, "--schedule", '{"name": "onecycle", "div_factor": 0}']) == 2
    assert "div_factor must be a finite float > 0, got 0" in capsys.readouterr().err


def test_train_help_names_every_built_in_schedule(capsys):
    """--schedule's help listed the schedules by hand and left out "onecycle"."""
    from chainrule.schedules import SCHEDULES

    assert _status(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    helped = text[text.index("--schedule NAME|JSON learning-rate"):]
    helped = helped[:helped.index("--patience")]
    for name in SCHEDULES:
        assert name in helped, name
