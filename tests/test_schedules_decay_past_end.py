"""A run continued past the end of a "linear" decay or a "polynomial" that spanned it:
warned as a cosine continued past its T_max is (Trainer.fit with epochs raised, resume,
partial_fit past max_iter, the command line's --resume), and not where the end is meant.

References: the rates worked by hand (a polynomial of power 1 over 4 epochs: lr0 * (4 - m)
/ 4, then 0; a linear decay from 1 to 0.5: lr0 * (1 - m / 8), then lr0 / 2).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net

KW = dict(optimizer="adam", lr=0.02, batch_size=8, seed=4)
DECAYS = [("polynomial", [0.02, 0.015, 0.01, 0.005, 0.0, 0.0]),
          ({"name": "linear", "start_factor": 1, "end_factor": 0.5},
           [0.02, 0.0175, 0.015, 0.0125, 0.01, 0.01])]


@pytest.mark.parametrize("schedule, rates", DECAYS)
def test_raising_a_trainers_epochs_past_its_decay_warns(schedule, rates):
    X, Y = _data()
    trainer = chainrule.Trainer(_net(), epochs=4, schedule=schedule, **KW)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(X, Y)  # the run it was built for: no warning
    trainer.epochs = 6
    name = schedule if isinstance(schedule, str) else schedule["name"]
    with pytest.warns(UserWarning, match=rf"fitting to 6 epochs goes past the {name} "
                                         r"schedule's total_iters = 4, where the run ends its "
                                         r"decay: epoch 5 and every one after it run at"):
        history = trainer.fit(X, Y)
    np.testing.assert_allclose(history["lr"], rates, rtol=1e-15, atol=0)
    trainer.epochs = 8  # already past: said once, when the run crossed it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(X, Y)


def test_a_warm_up_then_polynomial_warns_past_the_epochs_after_it(tmp_path):
    X, Y = _data()
    schedule = {"name": "warmup", "epochs": 2, "after": "polynomial"}
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=5, schedule=schedule, checkpoint=path, **KW)
    with pytest.warns(UserWarning, match=r"resuming to 7 epochs goes past the polynomial "
                                         r"schedule's total_iters = 3 \(after the warm-up's 2 "
                                         r"epochs\).*epoch 6 and every one.*rate of 0.*less the "
                                         r"warm-up's 2"):
        _, history = chainrule.resume(path, X, Y, epochs=7)
    assert history["lr"][5:] == [0.0, 0.0]


@pytest.mark.parametrize("schedule", [
    "linear",  # a rise to lr: the rate it stays at is the one meant
    {"name": "polynomial", "power": 0},  # keeps the rate
    {"name": "polynomial", "total_iters": 3},  # its own length, shorter than the run's
])
def test_no_warning_where_the_end_is_meant(schedule, tmp_path):
    X, Y = _data()
    path = tmp_path / "run.ckpt.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.train(_net(), X, Y, epochs=4, schedule=schedule, checkpoint=path, **KW)
        chainrule.resume(path, X, Y, epochs=6)
        trainer = chainrule.Trainer(_net(), epochs=4, schedule=schedule, **KW)
        trainer.fit(X, Y)
        trainer.epochs = 6
        trainer.fit(X, Y)


def test_partial_fit_past_max_iter_calls_warns_for_a_decay_over_max_iter():
    from chainrule.estimators import MLPRegressor

    X, Y = _data()
    est = MLPRegressor((4,), solver="sgd", learning_rate_init=0.02, max_iter=3,
                       batch_size=50, random_state=0, schedule="polynomial")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            est.partial_fit(X, Y[:, 0])
    params = [c.copy() for c in est.coefs_]
    with pytest.warns(UserWarning, match=r"partial_fit: this is call 4, past the 3 epochs "
                                         r"\(max_iter\) over which the schedule's polynomial "
                                         r"decays the learning rate: this epoch and every one "
                                         r"after it run at a learning rate of 0.*own total_iters"):
        est.partial_fit(X, Y[:, 0])
    # the warning's rate: a call at rate 0 leaves the weights as they were
    for before, after in zip(params, est.coefs_, strict=True):
        np.testing.assert_array_equal(before, after)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        est.partial_fit(X, Y[:, 0])


def test_cli_resume_past_a_polynomial_over_epochs_warns(tmp_path, capsys):
    ckpt, model = str(tmp_path / "run.ckpt.npz"), str(tmp_path / "m.npz")
    run = ["train", "iris", "--optimizer", "sgd", "--lr", "0.1", "-q", "--checkpoint", ckpt,
           "-o", model, "--schedule", "polynomial"]
    assert main([*run, "--epochs", "3"]) == 0
    with pytest.warns(UserWarning, match=r"resuming to 5 epochs goes past the polynomial "
                                         r"schedule's total_iters = 3"):
        assert main([*run, "--epochs", "5", "--resume"]) == 0
