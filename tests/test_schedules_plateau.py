"""ReduceOnPlateau's threshold_mode and cooldown, against PyTorch's ReduceLROnPlateau.

The references: ``torch.optim.lr_scheduler.ReduceLROnPlateau`` stepped on the
same values (skipped where torch is not installed), and hand-worked sequences
whose bounds are exact in binary floating point (ties at exactly the threshold).
Then everything that records a schedule: config, checkpoints and resume (a run
stopped inside a cooldown), the estimators' files, older files without the
settings, and the command line.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import chainrule
from chainrule.schedules import ReduceOnPlateau, get_schedule
from file_helpers import edit_saved_meta as _edit_meta
from schedule_helpers import regression_data as _data
from schedule_helpers import small_net as _net


def _torch_rates(values, lr0, **settings):
    """The rate of each epoch after stepping PyTorch's ReduceLROnPlateau on ``values``."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr0)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **settings)
    rates = []
    for v in values:
        ref.step(v)
        rates.append(opt.param_groups[0]["lr"])
    return rates


def _our_rates(values, lr0, **settings):
    sched = ReduceOnPlateau(monitor="loss", **settings)
    return [sched.lr(e, lr0, {"loss": v}) for e, v in enumerate(values, start=1)]


def _sequences(rng, n=300):
    """Long metric sequences of four kinds: a random walk, ties (values on a 0.1 grid),
    plateaus of 10 equal values (negative ones too), and a falling curve nudged by +-1e-4."""
    yield rng.normal(size=n).cumsum() * 0.01 + 5
    yield np.round(rng.uniform(0, 3, size=n), 1)
    yield np.repeat(rng.uniform(-2, 2, size=n // 10), 10)
    yield 1.0 / (1 + np.arange(n)) + rng.choice([0.0, 1e-4, -1e-4], size=n)


def test_plateau_matches_torch_step_by_step_over_long_sequences():
    """Every epoch's rate equals PyTorch's over 400 runs of 300 epochs: both modes, both
    threshold modes, cooldown 0..3, patience 0..3, three factors and min_lr values.

    (min_lr stays >= 1e-6 with lr0 = 0.1, where PyTorch's default eps = 1e-8 skips no
    reduction; eps is tested below.)"""
    rng = np.random.default_rng(0)
    reductions = cooled = 0
    for trial in range(100):
        for values in _sequences(rng):
            values = [float(v) for v in values]
            mode = ("min", "max")[trial % 2]
            threshold_mode = ("abs", "rel")[(trial // 2) % 2]
            factor = float(rng.choice([0.1, 0.5, 0.9]))
            patience, cooldown = int(rng.integers(0, 4)), int(rng.integers(0, 4))
            min_lr = float(rng.choice([1e-6, 1e-3, 0.02]))
            threshold = float(rng.choice([0.0, 1e-4, 0.05, 0.1]))
            ours = _our_rates(values, 0.1, factor=factor, patience=patience, min_lr=min_lr,
                              min_delta=threshold, mode=mode, threshold_mode=threshold_mode,
                              cooldown=cooldown)
            ref = _torch_rates(values, 0.1, mode=mode, factor=factor, patience=patience,
                               threshold=threshold, threshold_mode=threshold_mode,
                               cooldown=cooldown, min_lr=min_lr)
            np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=0)
            reductions += sum(a > b for a, b in zip([0.1, *ours[:-1]], ours, strict=True))
            if cooldown:
                cooled += 1
    assert reductions > 1000 and cooled > 200  # the rule was exercised, not just constant


def test_plateau_cooldown_and_relative_threshold_hand_sequences():
    """Hand-worked: bounds exact in binary floating point, ties at exactly the bound."""
    # rel, min mode, threshold 0.25: the bound is 0.75 * best.  From best 1.0: 0.75 ties
    # (bad), 0.5 improves (bound 0.375 next), 0.375 ties (bad), 0.25 improves.
    sched = ReduceOnPlateau(factor=0.5, patience=1, min_lr=0.0, min_delta=0.25,
                            threshold_mode="rel")
    got = [sched.lr(e, 1.0, {"val_loss": v}) for e, v in
           enumerate([1.0, 0.75, 0.5, 0.375, 0.25, 0.25, 0.25], start=1)]
    assert got == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    # the same values with abs 0.25: 0.75 ties, 0.5 improves, 0.375 and 0.25 do not beat
    # 0.25 below 0.5 (0.25 ties) -> after the 2nd bad one, halve, and so on
    sched = ReduceOnPlateau(factor=0.5, patience=1, min_lr=0.0, min_delta=0.25)
    got = [sched.lr(e, 1.0, {"val_loss": v}) for e, v in
           enumerate([1.0, 0.75, 0.5, 0.375, 0.25, 0.25, 0.25], start=1)]
    assert got == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    # rel, max mode, threshold 0.5: the bound is 1.5 * best: 2 -> 3 ties, 3.5 improves, 5.25 ties
    sched = ReduceOnPlateau(factor=0.5, patience=0, min_lr=0.0, min_delta=0.5, mode="max",
                            threshold_mode="rel", monitor="val_accuracy")
    got = [sched.lr(e, 1.0, {"val_accuracy": v}) for e, v in
           enumerate([2.0, 3.0, 3.5, 5.25, 5.25], start=1)]
    assert got == [1.0, 0.5, 0.5, 0.25, 0.125]
    # cooldown 2, patience 0, a loss that never improves after epoch 1: reduce at 2, two
    # epochs of cooldown (3, 4), reduce at 5, cooldown 6, 7, reduce at 8
    sched = ReduceOnPlateau(factor=0.5, patience=0, min_lr=0.0, min_delta=0.0, cooldown=2)
    got = [sched.lr(e, 1.0, {"loss": 1.0}) for e in range(1, 10)]
    assert got == [1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]
    # an improvement inside the cooldown is the new best; the cooldown runs on
    sched = ReduceOnPlateau(factor=0.5, patience=0, min_lr=0.0, min_delta=0.0, cooldown=2)
    got = [sched.lr(e, 1.0, {"loss": v}) for e, v in
           enumerate([1.0, 2.0, 0.5, 0.6, 0.6], start=1)]
    assert got == [1.0, 0.5, 0.5, 0.5, 0.25] and sched.get_state()["_best"] == 0.5


def test_plateau_nan_counts_as_a_bad_epoch_in_every_mode():
    """A NaN value is no improvement (kept from before threshold_mode); PyTorch agrees."""
    values = [1.0, math.nan, math.nan, 0.5, math.nan, math.nan, math.nan]
    for mode in ("min", "max"):
        for threshold_mode in ("abs", "rel"):
            settings = dict(factor=0.5, patience=1, min_lr=0.0, cooldown=1)
            ours = _our_rates(values, 1.0, min_delta=1e-4, mode=mode,
                              threshold_mode=threshold_mode, **settings)
            ref = _torch_rates(values, 1.0, threshold=1e-4, mode=mode,
                               threshold_mode=threshold_mode, **settings)
            assert ours == ref
            assert ours[2] == 0.5  # the 2 NaNs after the first value reduced the rate


def test_plateau_new_settings_are_checked_and_recorded():
    with pytest.raises(ValueError, match=r"threshold_mode must be 'abs' or 'rel', got 'relative'"):
        ReduceOnPlateau(threshold_mode="relative")
    with pytest.raises(ValueError, match="cooldown"):
        ReduceOnPlateau(cooldown=-1)
    with pytest.raises(TypeError, match="cooldown"):
        ReduceOnPlateau(cooldown=1.5)
    sched = ReduceOnPlateau(threshold_mode="rel", cooldown=3)
    config = sched.get_config()
    assert config["threshold_mode"] == "rel" and config["cooldown"] == 3
    again = get_schedule(json.loads(json.dumps(config)))
    assert again.get_config() == config and again.get_state()["_cooldown_left"] == 0
    # the defaults keep the rule the schedule had before these settings
    default = ReduceOnPlateau()
    assert default.threshold_mode == "abs" and default.cooldown == 0
    assert eval(repr(sched), {"ReduceOnPlateau": ReduceOnPlateau}).get_config() == config


_COOLDOWN_SCHEDULE = {"name": "plateau", "factor": 0.5, "patience": 0, "min_lr": 1e-6,
                      "min_delta": 1e-4, "threshold_mode": "rel", "cooldown": 3}


def test_plateau_cooldown_in_training_matches_torch():
    X, Y, Xv, Yv = _data()
    history = chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=12,
                              seed=3, validation_data=(Xv, Yv), schedule=_COOLDOWN_SCHEDULE)
    ref = _torch_rates(history["val_loss"], 0.1, factor=0.5, patience=0, min_lr=1e-6,
                       threshold=1e-4, threshold_mode="rel", cooldown=3)
    np.testing.assert_allclose(history["lr"][1:], ref[:-1], rtol=1e-14)
    assert history["lr"][0] == 0.1 and min(history["lr"]) < 0.1


def test_resume_stopped_inside_a_cooldown_equals_the_uninterrupted_run(tmp_path):
    """The cooldown counter is state: the checkpoint carries it, bit for bit."""
    X, Y, Xv, Yv = _data()
    settings = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3, validation_data=(Xv, Yv))
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=10, schedule=_COOLDOWN_SCHEDULE, **settings)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=4, schedule=_COOLDOWN_SCHEDULE, checkpoint=path,
                    **settings)
    with np.load(path, allow_pickle=False) as data:
        state = json.loads(str(data["__meta__"]))["schedule"]["state"]
    assert state["_cooldown_left"] > 0  # stopped inside the cooldown
    resumed, h_res = chainrule.resume(path, X, Y, validation_data=(Xv, Yv), epochs=10)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    # the cooldown mattered: without it the rates differ
    h_none = chainrule.train(_net(), X, Y, epochs=10, **settings,
                             schedule={**_COOLDOWN_SCHEDULE, "cooldown": 0})
    assert h_none["lr"] != h_full["lr"]


def _as_older_file(record):
    """A schedule record as written before threshold_mode and cooldown (and eps)."""
    for key in ("threshold_mode", "cooldown", "eps"):
        record["config"].pop(key)
    record["state"].pop("_cooldown_left")


def test_an_older_checkpoint_without_the_new_settings_resumes_its_run(tmp_path):
    """A checkpoint written before threshold_mode and cooldown resumes as "abs" with no
    cooldown (its rule), to the uninterrupted run's parameters; one that lacks only one of
    them, or whose cooldown counter is past its cooldown, is refused."""
    X, Y, Xv, Yv = _data()
    plateau = {"name": "plateau", "factor": 0.5, "patience": 1}
    settings = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3, validation_data=(Xv, Yv),
                    schedule=plateau)
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=9, **settings)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=4, checkpoint=path, **settings)
    _edit_meta(path, lambda meta: _as_older_file(meta["schedule"]))
    resumed, h_res = chainrule.resume(path, X, Y, validation_data=(Xv, Yv), epochs=9)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full) and min(h_full["lr"]) < 0.1
    trainer = chainrule.Trainer.from_checkpoint(path)
    assert trainer.schedule.get_config()["threshold_mode"] == "abs"
    chainrule.train(_net(), X, Y, epochs=4, checkpoint=path, **settings)
    _edit_meta(path, lambda meta: meta["schedule"]["config"].pop("cooldown"))
    with pytest.raises(ValueError, match=re.escape("schedule.config: expected the keys")):
        chainrule.Trainer.from_checkpoint(path)
    chainrule.train(_net(), X, Y, epochs=4, checkpoint=path, **settings)
    _edit_meta(path, lambda meta: meta["schedule"]["state"].update(_cooldown_left=1))
    with pytest.raises(ValueError, match=re.escape(
            "schedule.state._cooldown_left: expected an integer in 0..0 (the cooldown), "
            "found 1")):
        chainrule.Trainer.from_checkpoint(path)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimator_file_keeps_the_cooldown_and_reads_older_files(tmp_path):
    """partial_fit after save/load goes on with the schedule's state (its cooldown counter
    among it) as the estimator that was not saved does; an older file without the new
    settings loads with "abs" and no cooldown."""
    from chainrule.estimators import MLPRegressor, load_estimator

    X, Y, _, _ = _data()
    y = Y.ravel()
    schedule = {"name": "plateau", "monitor": "loss", "patience": 0, "min_delta": 10.0,
                "cooldown": 2}
    est = MLPRegressor((4,), solver="sgd", schedule=schedule, random_state=0, max_iter=5)
    for _ in range(2):
        est.partial_fit(X, y)
    assert est._schedule_run[0].get_state()["_cooldown_left"] == 2
    path = est.save(tmp_path / "reg.npz")
    loaded = load_estimator(path)
    assert loaded._schedule_run[0].get_state() == est._schedule_run[0].get_state()
    for _ in range(3):
        est.partial_fit(X, y)
        loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.coefs_[0], est.coefs_[0])
    older = MLPRegressor((4,), solver="sgd", schedule={"name": "plateau"}, random_state=0,
                         max_iter=5)
    older.partial_fit(X, y)
    path = older.save(tmp_path / "older.npz")
    _edit_meta(path, lambda meta: _as_older_file(meta["training"]["schedule_run"]))
    run = load_estimator(path)._schedule_run[0]
    assert run.get_config() == older._schedule_run[0].get_config()
    assert run.get_state() == older._schedule_run[0].get_state()


def test_the_cli_takes_the_new_settings_as_json():
    from chainrule.cli_args import schedule_spec

    spec = schedule_spec('{"name": "plateau", "threshold_mode": "rel", "cooldown": 2}')
    assert get_schedule(spec).get_config()["cooldown"] == 2
    with pytest.raises(Exception, match="threshold_mode must be 'abs' or 'rel'"):
        schedule_spec('{"name": "plateau", "threshold_mode": "pct"}')


def test_eps_skips_the_reductions_torch_skips():
    """ReduceOnPlateau(factor=0.1, patience=10, min_lr=0, min_delta=1e-4,
    threshold_mode="rel", eps=1e-8) is ReduceLROnPlateau(optimizer) with all its defaults,
    as the docstring says (without eps it was not: torch's eps=1e-8 stops the rate at 1e-8,
    this schedule went on to 1e-9, 1e-10, ...).  By hand: from 1e-5, a loss that never
    improves after the first epoch reduces after epochs 12, 23, 34 (the 11th bad epoch in a
    row each time), to 1e-6, 1e-7, 1e-8; the next would lower it by 9e-9 <= eps: skipped."""
    values = [1.0] * 80
    defaults = dict(factor=0.1, patience=10, min_lr=0.0, min_delta=1e-4, threshold_mode="rel")
    ours = _our_rates(values, 1e-5, eps=1e-8, **defaults)
    # the rate set after each epoch: reduced after epochs 12, 23 and 34, then no more
    scale = np.repeat([1.0, 0.1, 0.01, 1e-3], [11, 11, 11, 47])
    np.testing.assert_allclose(ours, 1e-5 * scale, rtol=1e-15)
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1e-5)
    assert torch.optim.lr_scheduler.ReduceLROnPlateau(opt).eps == 1e-8  # torch's default
    np.testing.assert_allclose(ours, _torch_rates(values, 1e-5), rtol=1e-15, atol=0)
    # eps 0 (the default): every reduction is made
    assert _our_rates(values, 1e-5, **defaults)[-1] == pytest.approx(1e-12, rel=1e-12)
    # a larger eps than a reduction: none is made, and the count starts again as torch's
    for eps in (1e-6, 5e-6):
        np.testing.assert_allclose(_our_rates(values, 1e-5, eps=eps, **defaults),
                                   _torch_rates(values, 1e-5, eps=eps), rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match="eps must be a finite float >= 0, got -1"):
        ReduceOnPlateau(eps=-1)


def test_eps_with_min_lr_and_cooldown_matches_torch_over_long_sequences():
    rng = np.random.default_rng(5)
    skipped = 0
    for trial in range(40):
        for values in _sequences(rng, n=120):
            values = [float(v) for v in values]
            settings = dict(factor=float(rng.choice([0.1, 0.5])), patience=int(trial % 3),
                            cooldown=int(trial % 2), min_lr=float(rng.choice([0.0, 2e-7])),
                            eps=float(rng.choice([1e-8, 1e-7, 1e-6])),
                            threshold_mode=("abs", "rel")[trial % 2])
            ours = _our_rates(values, 1e-5, min_delta=1e-4, **settings)
            ref = _torch_rates(values, 1e-5, threshold=1e-4, **settings)
            np.testing.assert_allclose(ours, ref, rtol=1e-15, atol=0)
            skipped += min(ours) > max(settings["min_lr"], 1e-5 * 1e-7)
    assert skipped > 20  # runs whose rate eps stopped above min_lr


def test_a_checkpoint_written_before_eps_resumes_its_run(tmp_path):
    """A plateau record with threshold_mode and cooldown but no eps (and one inside a
    warm-up) resumes with eps 0, its rule, to the uninterrupted run's parameters."""
    X, Y, Xv, Yv = _data()
    for schedule in ({"name": "plateau", "factor": 0.5, "patience": 1},
                     {"name": "warmup", "epochs": 2,
                      "after": {"name": "plateau", "factor": 0.5, "patience": 1}}):
        settings = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3,
                        validation_data=(Xv, Yv), schedule=schedule)
        full = _net()
        h_full = chainrule.train(full, X, Y, epochs=10, **settings)
        path = tmp_path / "run.ckpt.npz"
        chainrule.train(_net(), X, Y, epochs=5, checkpoint=path, **settings)

        def drop_eps(meta, nested=schedule["name"] == "warmup"):
            config = meta["schedule"]["config"]
            (config["after"] if nested else config).pop("eps")

        _edit_meta(path, drop_eps)
        resumed, h_res = chainrule.resume(path, X, Y, validation_data=(Xv, Yv), epochs=10)
        np.testing.assert_array_equal(resumed.params, full.params)
        assert dict(h_res) == dict(h_full) and min(h_full["lr"]) < 0.1
        path.unlink()
