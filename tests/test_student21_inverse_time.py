"""The "inverse_time" schedule: Keras's InverseTimeDecay and deeplearning.ai's decay.

References, written out here: Keras's documented formula, ``initial_learning_rate / (1 +
decay_rate * step / decay_steps)``, with ``floor(step / decay_steps)`` when ``staircase``
(tf.keras.optimizers.schedules.InverseTimeDecay); deeplearning.ai course 2 week 2 (2021),
``update_lr``: ``learning_rate0 / (1 + decay_rate * epoch_num)`` and ``schedule_lr_decay``:
``learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval))``, the rate set
after epoch ``epoch_num`` (from 0) for the next, and its expected output 0.3846153846153846
(lr 0.5, decay_rate 0.3, time_interval 100, epoch 100).  The course's 2021 printouts of the
decay runs: examples/dlai_optimization.py's PUBLISHED_2021_DECAY (20 costs, 20 rates).
"""

from __future__ import annotations

import json
import math
import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.schedules import SCHEDULES, InverseTimeDecay, get_schedule
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net

KW = dict(optimizer="adam", lr=0.02, batch_size=8, seed=4)  # 50 rows: 7 steps an epoch
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dlai_optimization.py"


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


def keras(t, lr0, decay_rate, decay_steps, staircase=False):
    """Keras's documented InverseTimeDecay at steps ``t``."""
    p = np.asarray(t, dtype=float) / decay_steps
    if staircase:
        p = np.floor(p)
    return lr0 / (1 + decay_rate * p)


def course(lr0, epoch_num, decay_rate, time_interval=None):
    """deeplearning.ai's update_lr (time_interval None) and schedule_lr_decay."""
    if time_interval is None:
        return lr0 / (1 + decay_rate * epoch_num)
    return lr0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


def test_registered_by_name_with_kerass_defaults_where_it_has_them():
    assert SCHEDULES["inverse_time"] is InverseTimeDecay
    s = get_schedule("inverse_time")
    assert s.get_config() == {"name": "inverse_time", "decay_rate": 1.0, "decay_steps": 1,
                              "staircase": False, "delay": 0, "per_step": False}
    assert get_schedule(s.get_config()).get_config() == s.get_config()
    assert repr(InverseTimeDecay(0.5, 3, staircase=True)) == (
        "InverseTimeDecay(decay_rate=0.5, decay_steps=3, staircase=True, delay=0, "
        "per_step=False)")


@pytest.mark.parametrize("settings", [
    dict(decay_rate=0.5, decay_steps=1),
    dict(decay_rate=0.5, decay_steps=3),
    dict(decay_rate=2.0, decay_steps=3, staircase=True),
    dict(decay_rate=0.7, decay_steps=2.5, staircase=True),
])
def test_each_epoch_trains_at_kerass_formula(settings, step_rates):
    X, Y = _data()
    schedule = {"name": "inverse_time", **settings}
    history = chainrule.train(_net(), X, Y, epochs=9, schedule=schedule, **KW)
    want = keras(np.arange(9), 0.02, settings["decay_rate"], settings["decay_steps"],
                 settings.get("staircase", False))
    np.testing.assert_allclose(history["lr"], want, rtol=1e-15, atol=0)
    np.testing.assert_allclose(step_rates, np.repeat(want, 7), rtol=1e-15, atol=0)
    trainer = chainrule.Trainer(_net(), epochs=9, schedule=InverseTimeDecay(**settings), **KW)
    assert trainer.fit(X, Y)["lr"] == history["lr"]


@pytest.mark.parametrize("staircase", [False, True])
def test_per_step_counts_optimizer_steps_as_keras(staircase, step_rates):
    X, Y = _data()
    schedule = {"name": "inverse_time", "decay_rate": 0.3, "decay_steps": 4,
                "staircase": staircase, "per_step": True}
    history = chainrule.train(_net(), X, Y, epochs=6, schedule=schedule, **KW)
    want = keras(np.arange(42), 0.02, 0.3, 4, staircase)
    np.testing.assert_allclose(step_rates, want, rtol=1e-15, atol=0)
    assert history["lr"] == step_rates[6::7]  # each epoch's last step's


def test_delay_one_is_the_courses_decay_set_after_each_epoch():
    # the course's expected output: schedule_lr_decay(0.5, 100, 0.3, 100)
    assert course(0.5, 100, 0.3, 100) == 0.3846153846153846
    for time_interval, staircase in ((None, False), (1, False), (100, True), (7, True)):
        s = InverseTimeDecay(0.3, time_interval or 1, staircase=staircase, delay=1)
        rates, lr = [], 0.5
        for epoch_num in range(250):  # the course's loop: train, then set the next rate
            rates.append(lr)
            lr = course(0.5, epoch_num, 0.3, time_interval)
        assert [s.lr(e, 0.5, {}) for e in range(250)] == rates


def test_the_examples_published_rates_and_first_cost_with_the_builtin_schedule(ex):
    for (_, lr0, interval), (_, rates) in ex["PUBLISHED_2021_DECAY"].items():
        s = get_schedule({"name": "inverse_time", "decay_steps": interval,
                          "staircase": True, "delay": 1})
        got = [s.lr(i + 1, lr0, {}) for i in range(0, 5000, 1000)]  # "after epoch i"
        assert [f"{r:.6f}" for r in got] == [f"{r:.6f}" for r in rates]
    run = ex["model"]("gd", 0.1, 3, ex["course_decay"](1.0, 1))
    assert f"{run['mean'][0]:.6f}" == "0.701091"
    np.testing.assert_array_equal(run["lr"], [0.1, 0.1, 0.05])


@pytest.mark.slow
def test_the_examples_20_published_costs_with_the_builtin_schedule(ex):
    for (name, lr0, interval), (costs, _) in ex["PUBLISHED_2021_DECAY"].items():
        schedule = InverseTimeDecay(1.0, interval, staircase=True, delay=1)
        run = ex["model"](name, lr0, 5000, schedule)
        np.testing.assert_allclose(run["mean"][::1000], costs, atol=5e-7)


@pytest.mark.parametrize("stop", [2, 5])
def test_resume_mid_run_is_the_uninterrupted_run(tmp_path, step_clock, stop):
    X, Y = _data()
    schedule = {"name": "inverse_time", "decay_rate": 0.5, "decay_steps": 3,
                "staircase": True, "delay": 1}
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=8, schedule=schedule, **KW)
    path = tmp_path / "run.ckpt.npz"
    h = chainrule.train(_net(), X, Y, epochs=8, checkpoint=path, schedule=schedule,
                        max_time=7 * stop + 3, **KW)
    assert h.stop_reason == "max_time" and h.epochs == stop
    resumed, h_res = chainrule.resume(path, X, Y)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    assert chainrule.Trainer.from_checkpoint(path).schedule.get_config() == {
        **schedule, "decay_rate": 0.5, "per_step": False}


def test_an_estimator_trains_saves_and_loads_with_it(tmp_path, step_rates):
    from sklearn.datasets import load_iris

    from chainrule.estimators import MLPClassifier, load_estimator

    X, y = load_iris(return_X_y=True)  # batch 50: 3 steps an epoch
    schedule = {"name": "inverse_time", "decay_rate": 2.0, "decay_steps": 2,
                "staircase": True}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        est = MLPClassifier((6,), solver="sgd", learning_rate_init=0.05, max_iter=5,
                            batch_size=50, random_state=0, schedule=schedule).fit(X, y)
    np.testing.assert_allclose(step_rates, np.repeat(keras(np.arange(5), 0.05, 2.0, 2, True),
                                                     3), rtol=1e-15, atol=0)
    loaded = load_estimator(est.save(tmp_path / "e.npz"))
    assert loaded.schedule == schedule
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_cli_trains_with_it_and_resume_keeps_it(tmp_path, capsys):
    ckpt, model = str(tmp_path / "run.ckpt.npz"), str(tmp_path / "m.npz")
    spec = {"name": "inverse_time", "decay_rate": 1.0, "decay_steps": 2, "staircase": True}
    run = ["train", "iris", "--optimizer", "sgd", "--lr", "0.1", "-q", "--checkpoint", ckpt,
           "-o", model, "--schedule", json.dumps(spec)]
    assert main([*run, "--epochs", "3"]) == 0
    assert main([*run, "--epochs", "7", "--resume"]) == 0
    capsys.readouterr()
    history = chainrule.Trainer.from_checkpoint(ckpt).history
    np.testing.assert_allclose(history["lr"], keras(np.arange(7), 0.1, 1.0, 2, True),
                               rtol=1e-15, atol=0)
    assert main(["info", model]) == 0
    assert "schedule={'name': 'inverse_time', 'decay_rate': 1.0, 'decay_steps': 2" in \
        capsys.readouterr().out


@pytest.mark.parametrize("settings, error, said", [
    (dict(decay_rate=-1.0), ValueError, "decay_rate must be a finite float >= 0, got -1.0"),
    (dict(decay_rate="1"), TypeError, "decay_rate must be a finite float >= 0"),
    (dict(decay_steps=0), ValueError, "decay_steps must be an int >= 1, got 0"),
    (dict(decay_steps=-0.5), ValueError, "decay_steps must be a finite float > 0, got -0.5"),
    (dict(staircase=1), TypeError, "staircase must be True or False"),
    (dict(delay=-1), ValueError, "delay must be an int >= 0, got -1"),
    (dict(delay=1.5), TypeError, "delay must be an int >= 0"),
    (dict(per_step="yes"), TypeError, "per_step must be True or False"),
])
def test_bad_settings_are_refused_by_name(settings, error, said):
    with pytest.raises(error, match=said.replace("(", r"\(").replace(".", r"\.")):
        InverseTimeDecay(**settings)
    with pytest.raises(error, match=r"decay|delay|staircase|per_step"):
        get_schedule({"name": "inverse_time", **settings})
