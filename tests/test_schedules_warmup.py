"""Warmup: a linear warm-up, then another schedule, against PyTorch's LinearLR + SequentialLR.

The references: ``torch.optim.lr_scheduler.LinearLR`` chained to the next
schedule by ``SequentialLR`` (skipped where torch is not installed), the
warm-up's rates worked out by hand, a PyTorch loop stepping ``LinearLR`` and then
``ReduceLROnPlateau`` for a plateau after the warm-up, and the uninterrupted run
for checkpoints, resume and the estimators' files.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import chainrule
from chainrule.schedules import ReduceOnPlateau, Schedule, Warmup, get_schedule
from file_helpers import edit_saved_meta as _edit_meta
from schedule_helpers import regression_data as _data
from schedule_helpers import small_net as _net


def _sequential_rates(n, lr0, k, start_factor, make_after):
    """Each epoch's rate under SequentialLR([LinearLR(...), after], milestones=[k])."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr0)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=start_factor, total_iters=k)
    seq = torch.optim.lr_scheduler.SequentialLR(opt, [warm, make_after(opt)], milestones=[k])
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        seq.step()
    return rates


_AFTERS = {
    "constant": (None, lambda o: __import__("torch").optim.lr_scheduler.ConstantLR(
        o, factor=1.0, total_iters=0)),
    "step": ({"name": "step", "step_size": 3, "gamma": 0.5},
             lambda o: __import__("torch").optim.lr_scheduler.StepLR(o, 3, 0.5)),
    "exponential": ({"name": "exponential", "gamma": 0.9},
                    lambda o: __import__("torch").optim.lr_scheduler.ExponentialLR(o, 0.9)),
    "cosine": ({"name": "cosine", "T_max": 10, "eta_min": 0.001},
               lambda o: __import__("torch").optim.lr_scheduler.CosineAnnealingLR(
                   o, T_max=10, eta_min=0.001)),
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's warnings on its own schedulers
@pytest.mark.parametrize("after", list(_AFTERS))
def test_warmup_in_training_matches_linear_lr_then_sequential_lr(after):
    """The rate of every epoch of a run equals PyTorch's SequentialLR's, warm-up included."""
    spec, make = _AFTERS[after]
    X, Y, _, _ = _data()
    schedule = {"name": "warmup", "epochs": 4, "start_factor": 0.25, "after": spec}
    history = chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=16,
                              seed=3, schedule=schedule)
    expected = _sequential_rates(16, 0.1, 4, 0.25, make)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-13, atol=0)
    # by hand: 0.025, 0.04375, 0.0625, 0.08125, then 0.1 (the rate of ``after`` at its start)
    np.testing.assert_allclose(history["lr"][:5], [0.025, 0.04375, 0.0625, 0.08125, 0.1],
                               rtol=1e-15)


def test_warmup_then_plateau_watches_the_epochs_after_the_warmup():
    """A PyTorch loop: LinearLR stepped for the first k epochs, ReduceLROnPlateau on the
    validation loss of each epoch after them."""
    torch = pytest.importorskip("torch")
    X, Y, Xv, Yv = _data()
    plateau = {"name": "plateau", "factor": 0.5, "patience": 1, "min_lr": 1e-6,
               "threshold_mode": "rel", "cooldown": 1}
    history = chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=14,
                              seed=3, validation_data=(Xv, Yv),
                              schedule={"name": "warmup", "epochs": 3, "start_factor": 0.1,
                                        "after": plateau})
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, min_lr=1e-6,
                                                     threshold=1e-4, threshold_mode="rel",
                                                     cooldown=1)
    expected = []
    for epoch, val_loss in enumerate(history["val_loss"]):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        if epoch < 3:
            warm.step()
        else:
            ref.step(val_loss)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-14)
    assert history["lr"][0] == pytest.approx(0.01) and min(history["lr"][4:]) < 0.1


@pytest.mark.parametrize("stop", [2, 6])
def test_resume_inside_or_after_the_warmup_equals_the_uninterrupted_run(tmp_path, stop):
    X, Y, Xv, Yv = _data()
    schedule = {"name": "warmup", "epochs": 4, "start_factor": 0.2,
                "after": {"name": "plateau", "patience": 0, "cooldown": 2}}
    settings = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3, validation_data=(Xv, Yv),
                    schedule=schedule)
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=11, **settings)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=stop, checkpoint=path, **settings)
    resumed, h_res = chainrule.resume(path, X, Y, validation_data=(Xv, Yv), epochs=11)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    assert h_full["lr"][0] == pytest.approx(0.02) and min(h_full["lr"][5:]) < 0.1


def test_a_checkpoint_missing_a_setting_of_the_wrapped_schedule_is_refused(tmp_path):
    """A setting missing from ``after``'s record would take its default silently."""
    X, Y, _, _ = _data()
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=2, seed=3,
                    checkpoint=path, schedule={"name": "warmup", "after": "step"})
    _edit_meta(path, lambda meta: meta["schedule"]["config"]["after"].pop("gamma"))
    with pytest.raises(ValueError, match=re.escape(
            "schedule.config: expected the keys ['after', 'after.gamma', 'after.name', "
            "'after.step_size', 'epochs', 'name', 'start_factor'], found ['after', "
            "'after.name', 'after.step_size', 'epochs', 'name', 'start_factor']")):
        chainrule.Trainer.from_checkpoint(path)


def test_warmup_settings_are_checked_and_recorded():
    sched = Warmup(epochs=3, start_factor=0.5, after={"name": "plateau", "cooldown": 2})
    config = sched.get_config()
    assert config["after"]["cooldown"] == 2 and config["after"]["name"] == "plateau"
    again = get_schedule(json.loads(json.dumps(config)))
    assert isinstance(again, Warmup) and again.get_config() == config
    assert isinstance(again.after, ReduceOnPlateau)
    assert Warmup().get_config() == {"name": "warmup", "epochs": 5, "start_factor": 1 / 3,
                                     "after": {"name": "constant"}}
    assert get_schedule("warmup").get_config() == Warmup().get_config()
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\], got 1.5"):
        Warmup(start_factor=1.5)
    with pytest.raises(ValueError, match="start_factor must be a finite float > 0, got 0"):
        Warmup(start_factor=0)
    with pytest.raises(ValueError, match="epochs must be an int >= 1, got 0"):
        Warmup(epochs=0)
    with pytest.raises(TypeError, match=r"after: schedule 'cosine' needs the setting 'T_max'"):
        Warmup(after="cosine")
    with pytest.raises(ValueError, match="after must be a schedule other than 'warmup'"):
        Warmup(after={"name": "warmup"})

    class Mine(Schedule):
        name = "mine"

    with pytest.raises(TypeError, match=r"after must be a built-in schedule.*got a Mine object"):
        Warmup(after=Mine())


def test_the_first_epoch_of_a_warmup_is_lowered_once_per_run():
    """A Trainer's second fit() continues the run: the warm-up does not start again."""
    X, Y, _, _ = _data()
    trainer = chainrule.Trainer(_net(), "sgd", lr=0.1, batch_size=8, epochs=3, seed=3,
                                schedule={"name": "warmup", "epochs": 4, "start_factor": 0.5})
    trainer.fit(X, Y)
    trainer.epochs = 6
    history = trainer.fit(X, Y)
    np.testing.assert_allclose(history["lr"], [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1],
                               rtol=1e-15)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimator_warms_up_and_its_file_goes_on_with_the_run(tmp_path):
    from chainrule.estimators import MLPRegressor, load_estimator

    X, Y, _, _ = _data()
    y = Y.ravel()
    schedule = {"name": "warmup", "epochs": 3, "start_factor": 0.25,
                "after": {"name": "step", "step_size": 2, "gamma": 0.5}}
    est = MLPRegressor((4,), solver="sgd", schedule=schedule, random_state=0, max_iter=5,
                       learning_rate_init=0.1)
    est.partial_fit(X, y)
    assert est._optimizer.lr == pytest.approx(0.05)  # the 2nd epoch's rate
    est.partial_fit(X, y)
    loaded = load_estimator(est.save(tmp_path / "reg.npz"))
    for _ in range(4):
        est.partial_fit(X, y)
        loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.coefs_[0], est.coefs_[0])
    # epochs 1..6 at 0.025, 0.05, 0.075, 0.1, 0.1, 0.05: the 7th's rate is now set
    assert est._optimizer.lr == pytest.approx(0.05)


def test_the_cli_takes_a_warmup_as_json():
    from chainrule.cli_args import schedule_spec

    spec = schedule_spec('{"name": "warmup", "epochs": 2, "after": {"name": "exponential"}}')
    assert get_schedule(spec).get_config()["after"] == {"name": "exponential", "gamma": 0.95}
    with pytest.raises(Exception, match="start_factor must be in"):
        schedule_spec('{"name": "warmup", "start_factor": 2}')


def test_a_deeply_nested_warmup_is_refused_with_a_message_not_a_recursion_error():
    from chainrule.cli_args import schedule_spec

    # a warm-up after a warm-up is refused; one nested 400 deep (JSON reads it) was built
    # level by level before that check, down to a RecursionError traceback
    spec = {"name": "constant"}
    for _ in range(400):
        spec = {"name": "warmup", "after": spec}
    with pytest.raises(ValueError, match="other than 'warmup'"):
        get_schedule(spec)
    with pytest.raises(Exception, match="other than 'warmup'"):
        schedule_spec(json.dumps(spec))
    for after in ("warmup", {"name": "warmup"}, Warmup()):
        with pytest.raises(ValueError, match="other than 'warmup'"):
            Warmup(after=after)


def test_a_bad_warmup_length_is_named_as_the_warmups_not_the_runs():
    X, Y, _, _ = _data()
    # train's own epochs=10 is right: the message must not read as if it were refused
    for bad, kind in ((0, ValueError), (-3, ValueError), (2.5, TypeError)):
        with pytest.raises(kind) as info:
            chainrule.train(_net(), X, Y, epochs=10,
                            schedule={"name": "warmup", "epochs": bad})
        assert str(info.value).startswith("Warmup's epochs must be an int >= 1, got ")


def test_every_built_in_schedule_is_named_where_the_schedule_parameter_is_documented():
    from chainrule.estimators import MLPClassifier
    from chainrule.schedules import SCHEDULES

    # the estimators' schedule parameter (MLPRegressor's refers to MLPClassifier's) and
    # train's options list the names a user can give; "warmup" was left out of the former
    doc = MLPClassifier.__doc__
    estimator_doc = doc[doc.index("schedule : "):doc.index("dtype : ")]
    train_doc = chainrule.train.__doc__
    train_doc = train_doc[train_doc.index("``schedule``"):train_doc.index("``clip_norm``")]
    for name in SCHEDULES:
        if name != "constant":  # None there
            assert f'"{name}"' in estimator_doc, name
        assert f'"{name}"' in train_doc, name
