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
    with pytest.raises(TypeError, match=r"after: a 'cosine' after the warm-up needs its T_max"):
        Warmup(after="cosine")
    with pytest.raises(TypeError, match=r"after: a 'cosine' after the warm-up needs its T_max"):
        get_schedule({"name": "warmup", "after": {"name": "cosine", "eta_min": 0.1}})
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
        # (a TypeError raised while the schedule argument is read is prefixed "schedule: ",
        # which names train's argument, not its epochs: _names.naming)
        message = str(info.value).removeprefix("schedule: ")
        assert message.startswith("Warmup's epochs must be an int >= 1, got ")


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


def _warm_then_cosine(n, lr0, k, start_factor, eta_min, t_max=None):
    """Epoch e's rate (from 1) written out: the warm-up's line, then the cosine over
    ``t_max`` epochs (by default the n - k after the warm-up)."""
    t_max = n - k if t_max is None else t_max
    e = np.arange(1, n + 1, dtype=float)
    warm = lr0 * (start_factor + (1 - start_factor) * (e - 1) / k)
    cosine = eta_min + (lr0 - eta_min) * (1 + np.cos(np.pi * (e - 1 - k) / t_max)) / 2
    return np.where(e <= k, warm, cosine)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's warnings on its own schedulers
@pytest.mark.parametrize("after", ["cosine", {"name": "cosine", "eta_min": 0.002}])
def test_a_cosine_after_a_warmup_anneals_over_the_runs_epochs_after_it(after):
    """train(epochs=60) with a 5-epoch warm-up: the cosine's T_max is 55, as
    SequentialLR([LinearLR(total_iters=5), CosineAnnealingLR(T_max=55)], [5]) over 60
    epochs.  It was refused ("needs the setting 'T_max'") although the run's length is
    known, while "cosine" alone anneals over it."""
    X, Y, _, _ = _data()
    eta_min = 0.0 if after == "cosine" else 0.002
    schedule = {"name": "warmup", "epochs": 5, "start_factor": 0.2, "after": after}
    history = chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=20, epochs=60,
                              seed=3, schedule=schedule)
    expected = _warm_then_cosine(60, 0.1, 5, 0.2, eta_min)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-15, atol=1e-17)
    assert history["lr"][-1] > eta_min and history["lr"][5] == 0.1  # the cosine's top
    torch_rates = _sequential_rates(
        60, 0.1, 5, 0.2, lambda o: __import__("torch").optim.lr_scheduler.CosineAnnealingLR(
            o, T_max=55, eta_min=eta_min))
    np.testing.assert_allclose(history["lr"], torch_rates, rtol=1e-13, atol=1e-17)
    built = get_schedule(schedule, epochs=60)
    assert built.after.T_max == 55 and built.after.eta_min == eta_min


def test_a_run_the_warmup_fills_is_refused_naming_epochs():
    X, Y, _, _ = _data()
    for epochs in (5, 3):
        with pytest.raises(ValueError, match=rf"epochs: a 'cosine' after the warm-up anneals "
                                             rf"over the epochs after it \(T_max = epochs - "
                                             rf"the warm-up's 5\), but the run has {epochs} "):
            chainrule.train(_net(), X, Y, epochs=epochs,
                            schedule={"name": "warmup", "after": "cosine"})
    # a T_max of its own is kept, whatever the run's length
    assert get_schedule({"name": "warmup", "after": {"name": "cosine", "T_max": 7}},
                        epochs=100).after.T_max == 7


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimators_cosine_after_a_warmup_anneals_over_max_iter():
    """partial_fit, one epoch per call: after call k the rate set is epoch k + 1's, with
    T_max = max_iter - 3; the call past max_iter warns, as for "cosine" alone."""
    from chainrule.estimators import MLPRegressor

    X, Y, _, _ = _data()
    est = MLPRegressor((4,), solver="sgd", random_state=0, max_iter=9, learning_rate_init=0.1,
                       schedule={"name": "warmup", "epochs": 3, "start_factor": 0.25,
                                 "after": "cosine"})
    expected = _warm_then_cosine(10, 0.1, 3, 0.25, 0.0, t_max=6)[1:]  # epochs 2..10
    rates = []
    for _ in range(9):
        est.partial_fit(X, Y.ravel())
        rates.append(est._optimizer.lr)
    np.testing.assert_allclose(rates, expected, rtol=1e-15, atol=1e-17)
    assert rates[-1] == 0.0  # epoch 10 = 3 + T_max + 1 runs at eta_min
    with pytest.warns(UserWarning, match="this is call 10, past the 9 epochs"):
        est.partial_fit(X, Y.ravel())


def test_resuming_a_warmup_and_cosine_run_keeps_its_t_max_and_warns(tmp_path):
    X, Y, _, _ = _data()
    path = tmp_path / "run.npz"
    schedule = {"name": "warmup", "epochs": 3, "after": "cosine"}
    chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=20, epochs=10, seed=1,
                    schedule=schedule, checkpoint=path)
    with pytest.warns(UserWarning, match=r"T_max = 7 \(after the warm-up's 3 epochs\), where "
                                         r"the run ended its annealing: epoch 11 runs at eta_min"
                      ) as caught:
        _, history = chainrule.resume(path, X, Y, epochs=14)
    # the advice is the T_max that anneals over a 14-epoch run after its 3-epoch warm-up:
    # 11, the epochs after the warm-up (14 would end the run 3 epochs short of eta_min)
    assert str(caught[0].message).endswith(
        "To anneal over a longer run, train it from the start with T_max set to its epochs "
        "less the warm-up's 3 (the default of a 'cosine' after a warm-up given by name or "
        "dict)")
    e = np.arange(11, 15)  # past T_max the cosine goes on, back up
    np.testing.assert_allclose(history["lr"][10:], 0.1 * (1 + np.cos(np.pi * (e - 4) / 7)) / 2,
                               rtol=1e-15, atol=1e-17)


def test_the_cli_anneals_a_cosine_after_a_warmup_over_the_epochs_after_it(tmp_path, capsys):
    from chainrule.cli import main

    path = tmp_path / "run.npz"
    spec = '{"name": "warmup", "epochs": 2, "after": "cosine"}'
    run = ["train", "iris", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "8", "-q",
           "--checkpoint", str(path), "-o", str(tmp_path / "m.npz"), "--schedule"]
    assert main([*run, spec]) == 0
    trainer = chainrule.Trainer.from_checkpoint(path)
    assert trainer.schedule.after.T_max == 6
    np.testing.assert_allclose(trainer.history["lr"], _warm_then_cosine(8, 0.1, 2, 1 / 3, 0.0),
                               rtol=1e-15, atol=1e-17)
    # the same run's options again, the cosine written as a dict: --resume takes them
    same = '{"name": "warmup", "epochs": 2, "after": {"name": "cosine", "eta_min": 0}}'
    assert main([*run, same, "--resume"]) == 0
    other = '{"name": "warmup", "epochs": 2, "after": {"name": "cosine", "T_max": 9}}'
    assert main([*run, other, "--resume"]) == 2
    assert "--schedule: the run in" in capsys.readouterr().err


@pytest.mark.parametrize("epochs", ["2", "1"])
def test_the_cli_names_epochs_when_the_warmup_fills_the_run(tmp_path, capsys, epochs):
    """--epochs at or under the warm-up's leaves its cosine no epoch: the message names the
    command's options, and comes before the data are read or a model described."""
    from chainrule.cli import main

    spec = '{"name": "warmup", "epochs": 2, "after": "cosine"}'
    assert main(["train", "iris", "--epochs", epochs, "-q", "--schedule", spec,
                 "-o", str(tmp_path / "m.npz")]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # refused before the data's summary
    assert (f"--epochs {epochs}: the \"cosine\" after the warm-up of --schedule anneals over "
            f"the epochs after the warm-up's 2 (its T_max is --epochs - 2), and --epochs "
            f"{epochs} leaves none; give --epochs above 2, or the cosine its own T_max in "
            f"--schedule") in err
    assert "max_iter" not in err and not (tmp_path / "m.npz").exists()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("max_iter, epochs, after", [
    (5, None, "cosine"), (3, 5, {"name": "cosine"}), (2, 2, "cosine")])
def test_an_estimator_names_max_iter_when_the_warmup_fills_it(max_iter, epochs, after):
    """An estimator has max_iter, not epochs: its message leads with max_iter (warm-up of 5
    epochs by default), before the fit changes anything; a warm-up wrong for itself keeps
    its own message, and train() keeps "epochs"."""
    from chainrule.estimators import MLPClassifier, MLPRegressor

    X, Y, _, _ = _data()
    spec = {"name": "warmup", "after": after, **({} if epochs is None else {"epochs": epochs})}
    warm = 5 if epochs is None else epochs
    for est, y, classes in (
            (MLPRegressor((4,), max_iter=max_iter, schedule=spec), Y.ravel(), {}),
            (MLPClassifier((4,), max_iter=max_iter, schedule=spec), Y.ravel() > 0,
             {"classes": [False, True]})):
        for fit, kwargs in ((est.fit, {}), (est.partial_fit, classes)):
            with pytest.raises(ValueError) as info:
                fit(X, y, **kwargs)
            assert str(info.value) == (
                f"The 'max_iter' parameter of {type(est).__name__} must be an int in the range "
                f"[{warm + 1}, inf) with schedule={spec!r}. Got {max_iter} instead. (the "
                f"'cosine' after the warm-up anneals over the epochs after the warm-up's {warm} "
                f"(its T_max is max_iter - {warm}), and max_iter={max_iter} leaves none; give "
                f"max_iter above {warm}, or the cosine its own T_max in schedule)")
            assert not hasattr(est, "coefs_")
    bad = MLPRegressor((4,), max_iter=5, schedule={"name": "warmup", "epochs": 0,
                                                   "after": "cosine"})
    with pytest.raises(ValueError, match="Warmup's epochs must be an int >= 1, got 0"):
        bad.fit(X, Y.ravel())
    MLPRegressor((4,), max_iter=warm + 1, schedule=spec).fit(X, Y.ravel())  # one epoch after
