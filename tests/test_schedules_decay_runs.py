""""cosine_restarts", "linear" and "polynomial" in whole runs: train and Trainer, checkpoints
and resume, the estimators' files and the command line.

References: the formulas written out in NumPy (test_schedules_decay), with the run's steps
per epoch worked here, and the uninterrupted run (bit for bit) for a resumed one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.io import load_metadata
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net
from test_schedules_decay import linear_numpy, polynomial_numpy, sgdr_numpy

KW = dict(optimizer="adam", lr=0.02, batch_size=8, seed=4)  # 50 rows: 7 steps an epoch


@pytest.mark.parametrize("schedule, want", [
    ({"name": "cosine_restarts", "T_0": 2, "T_mult": 2, "eta_min": 0.001},
     sgdr_numpy(np.arange(9), 2, 2, 0.001, 0.02)),
    ({"name": "cosine_restarts", "T_0": 3}, sgdr_numpy(np.arange(9), 3, 1, 0.0, 0.02)),
    ("linear", linear_numpy(9, 1 / 3, 1.0, 9, 0.02)),
    ({"name": "linear", "start_factor": 1, "end_factor": 0.1, "total_iters": 5},
     linear_numpy(9, 1.0, 0.1, 5, 0.02)),
    ("polynomial", polynomial_numpy(9, 9, 1.0, 0.02)),
    ({"name": "polynomial", "power": 2.5, "total_iters": 12},
     polynomial_numpy(9, 12, 2.5, 0.02)),
    # a warm-up of 3 epochs from 0.25 * lr, then a linear decay over the 6 after it
    ({"name": "warmup", "epochs": 3, "start_factor": 0.25,
      "after": {"name": "linear", "start_factor": 1, "end_factor": 0}},
     np.concatenate([0.02 * (0.25 + 0.75 * np.arange(3) / 3),
                     linear_numpy(6, 1.0, 0.0, 6, 0.02)])),
    # after it, a "linear" from half the rate: the epoch after the warm-up at 0.5 * lr
    ({"name": "warmup", "epochs": 3, "start_factor": 0.25,
      "after": {"name": "linear", "start_factor": 0.5, "end_factor": 0.1}},
     np.concatenate([0.02 * (0.25 + 0.75 * np.arange(3) / 3),
                     linear_numpy(6, 0.5, 0.1, 6, 0.02)])),
])
def test_each_epoch_trains_at_the_formulas_rate(schedule, want, step_rates):
    X, Y = _data()
    history = chainrule.train(_net(), X, Y, epochs=9, schedule=schedule, **KW)
    np.testing.assert_allclose(history["lr"], want, rtol=1e-15, atol=1e-18)
    # every step of an epoch at its rate, and a Trainer the same
    np.testing.assert_allclose(step_rates, np.repeat(want, 7), rtol=1e-15, atol=1e-18)
    trainer = chainrule.Trainer(_net(), epochs=9, schedule=schedule, **KW)
    assert trainer.fit(X, Y)["lr"] == history["lr"]


def test_per_step_restarts_set_every_steps_rate_from_the_fractional_epoch(step_rates):
    X, Y = _data()
    schedule = {"name": "cosine_restarts", "T_0": 1, "T_mult": 2, "per_step": True}
    history = chainrule.train(_net(), X, Y, epochs=7, schedule=schedule, **KW)
    t = np.arange(49) // 7 + (np.arange(49) % 7) / 7
    want = sgdr_numpy(t, 1, 2, 0.0, 0.02)
    np.testing.assert_allclose(step_rates, want, rtol=1e-15, atol=1e-18)
    assert history["lr"] == step_rates[6::7]  # each epoch's last step's


@pytest.mark.parametrize("schedule", [
    {"name": "cosine_restarts", "T_0": 2, "T_mult": 3, "eta_min": 0.002},
    {"name": "cosine_restarts", "T_0": 2, "T_mult": 2, "per_step": True},
    "linear", {"name": "polynomial", "power": 2},
    {"name": "warmup", "epochs": 2, "after": {"name": "cosine_restarts", "T_0": 3}},
    {"name": "warmup", "epochs": 2, "after": {"name": "linear", "start_factor": 1,
                                               "end_factor": 0}},
])
@pytest.mark.parametrize("stop", [3, 6])
def test_resume_mid_run_is_the_uninterrupted_run(tmp_path, step_clock, schedule, stop):
    """A 10-epoch run stopped by max_time within epoch ``stop + 1`` (the clock counts
    steps) and resumed: a length taken from the run is the 10 epochs, kept."""
    X, Y = _data()
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=10, schedule=schedule, **KW)
    path = tmp_path / "run.ckpt.npz"
    h = chainrule.train(_net(), X, Y, epochs=10, checkpoint=path, schedule=schedule,
                        max_time=7 * stop + 3, **KW)
    assert h.stop_reason == "max_time" and h.epochs == stop
    resumed, h_res = chainrule.resume(path, X, Y)
    assert h_res.stop_reason == "epochs"
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_a_run_resumed_to_more_epochs_keeps_the_length_it_took_from_its_own(tmp_path):
    """"polynomial" by name decays over the first run's 4 epochs: resumed to 6, the rate
    stays 0 (PolynomialLR(total_iters=4) stepped on); "linear" stays at end_factor."""
    X, Y = _data()
    for schedule, tail in (("polynomial", 0.0),
                           ({"name": "linear", "start_factor": 1, "end_factor": 0.5},
                            0.01)):
        path = tmp_path / f"{len(str(schedule))}.ckpt.npz"
        chainrule.train(_net(), X, Y, epochs=4, checkpoint=path, schedule=schedule, **KW)
        # said, as a cosine's T_max is: the epochs past the decay train at its end rate
        with pytest.warns(UserWarning, match=r"resuming to 6 epochs goes past the \w+ "
                          r"schedule's total_iters = 4, where the run ended its decay: "
                          r"epoch 5 and every one after it run at"):
            _, history = chainrule.resume(path, X, Y, epochs=6)
        assert history["lr"][4:] == [tail, tail]
        assert chainrule.Trainer.from_checkpoint(path).schedule.total_iters == 4


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        return est.fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("schedule", [
    {"name": "cosine_restarts", "T_0": 2, "T_mult": 2, "eta_min": 0.001},
    {"name": "cosine_restarts", "T_0": 1, "per_step": True},
    "linear", {"name": "polynomial", "power": 0.5},
])
def test_the_estimators_train_save_and_load_with_the_schedule(solver, schedule, tmp_path,
                                                              step_rates):
    from sklearn.datasets import load_iris

    from chainrule.estimators import MLPClassifier, MLPRegressor, load_estimator
    from chainrule.schedules import get_schedule

    X, y = load_iris(return_X_y=True)  # batch 50: 3 steps an epoch
    settings = dict(solver=solver, learning_rate_init=0.05, max_iter=5, batch_size=50,
                    random_state=0, schedule=schedule)
    steps = np.arange(15)
    t = steps // 3 if not (isinstance(schedule, dict) and schedule.get("per_step")) else (
        steps // 3 + (steps % 3) / 3)
    name = schedule if isinstance(schedule, str) else schedule["name"]
    want = {"cosine_restarts": lambda: sgdr_numpy(t, schedule["T_0"], schedule.get("T_mult", 1),
                                                  schedule.get("eta_min", 0.0), 0.05),
            "linear": lambda: np.repeat(linear_numpy(5, 1 / 3, 1.0, 5, 0.05), 3),
            "polynomial": lambda: np.repeat(polynomial_numpy(5, 5, 0.5, 0.05), 3)}[name]()
    for cls, target in ((MLPClassifier, y), (MLPRegressor, X[:, 0])):
        step_rates.clear()
        est = _fit(cls((6,), **settings), X, target)
        np.testing.assert_allclose(step_rates, want, rtol=1e-15, atol=1e-18)
        loaded = load_estimator(est.save(tmp_path / f"{cls.__name__}.npz"))
        assert loaded.schedule == schedule
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
        # the object given as the schedule is saved as its config, and loads as that
        obj = cls((6,), **{**settings, "schedule": get_schedule(schedule, epochs=5)})
        again = load_estimator(_fit(obj, X, target).save(tmp_path / "obj.npz"))
        assert get_schedule(again.schedule).get_config() == obj.schedule.get_config()
        step_rates.clear()
        _fit(again, X, target)
        np.testing.assert_allclose(step_rates, want, rtol=1e-15, atol=1e-18)


@pytest.mark.parametrize("schedule", ["linear", {"name": "polynomial", "power": 2}])
def test_a_record_with_a_null_total_iters_is_refused_as_it_is_loaded(tmp_path, schedule):
    """A checkpoint's or an estimator file's "linear" / "polynomial" records the length it
    took from the run; one edited to null is refused on loading, naming the key (the
    estimator's partial_fit otherwise restarted the decay from its first rate)."""
    from chainrule.estimators import MLPRegressor, load_estimator
    from file_helpers import edit_saved_meta

    X, Y = _data()
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), X, Y, epochs=3, checkpoint=path, schedule=schedule, **KW)

    def null_run(meta):
        meta["schedule"]["config"]["total_iters"] = None
    edit_saved_meta(path, null_run)
    with pytest.raises(ValueError, match=r"schedule\.config\.total_iters: expected .* found null"):
        chainrule.Trainer.from_checkpoint(path, epochs=5)
    est = MLPRegressor((4,), schedule=schedule, max_iter=3, batch_size=25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter reached
        saved = est.fit(X, Y[:, 0]).save(tmp_path / "est.npz")

    def null_estimator(meta):
        meta["training"]["schedule_run"]["config"]["total_iters"] = None
    edit_saved_meta(saved, null_estimator)
    with pytest.raises(ValueError, match=r"training\.schedule_run\.config\.total_iters: "
                                         r"expected .* found null"):
        load_estimator(saved)


IRIS = ["train", "iris", "--optimizer", "sgd", "--lr", "0.1", "-q"]


def _status(argv) -> int:
    """The command's exit status, argparse's refusals (SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def test_cli_trains_restarts_shows_them_and_resume_keeps_them(tmp_path, capsys):
    ckpt, model = str(tmp_path / "run.ckpt.npz"), str(tmp_path / "m.npz")
    spec = '{"name": "cosine_restarts", "T_0": 2, "T_mult": 2, "eta_min": 0.01}'
    run = [*IRIS, "--checkpoint", ckpt, "-o", model, "--schedule", spec]
    assert main([*run, "--epochs", "4"]) == 0
    capsys.readouterr()
    assert main(["info", model]) == 0
    assert ("schedule={'name': 'cosine_restarts', 'T_0': 2, 'T_mult': 2, 'eta_min': 0.01}"
            in capsys.readouterr().out)
    # --resume to 9 epochs: the same schedule goes on, as one run of 9
    assert main([*run, "--epochs", "9", "--resume"]) == 0
    history = chainrule.Trainer.from_checkpoint(ckpt).history
    np.testing.assert_allclose(history["lr"], sgdr_numpy(np.arange(9), 2, 2, 0.01, 0.1),
                               rtol=1e-15, atol=1e-18)
    # another schedule is refused for the run, naming --schedule
    other = '{"name": "cosine_restarts", "T_0": 3}'
    assert main([*IRIS, "--checkpoint", ckpt, "-o", model, "--schedule", other,
                 "--epochs", "10", "--resume"]) == 2
    assert "--schedule: the run in" in capsys.readouterr().err
    # by name alone: T_0 has no default, as in PyTorch
    assert _status([*IRIS, "--schedule", "cosine_restarts", "-o", model]) == 2
    assert "needs the setting 'T_0'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["linear", "polynomial"])
def test_cli_decays_over_epochs_info_shows_the_length_and_resume_keeps_it(tmp_path, capsys,
                                                                          name):
    ckpt, model = str(tmp_path / "run.ckpt.npz"), str(tmp_path / "m.npz")
    run = [*IRIS, "--checkpoint", ckpt, "-o", model, "--schedule", name]
    assert main([*run, "--epochs", "6"]) == 0
    capsys.readouterr()
    assert main(["info", model]) == 0
    assert f"schedule={name}, total_iters=6," in capsys.readouterr().out
    want = (linear_numpy(6, 1 / 3, 1.0, 6, 0.1) if name == "linear"
            else polynomial_numpy(6, 6, 1.0, 0.1))
    np.testing.assert_allclose(chainrule.Trainer.from_checkpoint(ckpt).history["lr"], want,
                               rtol=1e-15, atol=1e-18)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "polynomial": past its decay (warned, as tested
        assert main([*run, "--epochs", "8", "--resume"]) == 0  # in ..._past_end)
    assert load_metadata(model)["training"]["total_iters"] == 6  # the first command's
    # with a warm-up: the epochs after it
    spec = f'{{"name": "warmup", "epochs": 2, "after": "{name}"}}'
    assert main([*IRIS, "--epochs", "7", "--schedule", spec, "-o", model]) == 0
    assert load_metadata(model)["training"]["total_iters"] == 5
    assert main([*IRIS, "--epochs", "2", "--schedule", spec, "-o", model]) == 2
    assert (f'--epochs 2: the "{name}" after the warm-up of --schedule spans the epochs '
            f"after the warm-up's 2 (its total_iters is --epochs - 2)") in capsys.readouterr().err


def test_cli_refuses_bad_settings_naming_them(capsys):
    for spec, message in (
            ('{"name": "cosine_restarts", "T_0": 2, "T_mult": 0}', "T_mult must be an int >= 1"),
            ('{"name": "cosine_restarts", "T_0": -1}', "T_0 must be an int >= 1"),
            ('{"name": "cosine_restarts", "T_0": 2, "eta_min": -1}', "eta_min must be a finite"),
            ('{"name": "linear", "end_factor": 2}', "end_factor must be a float in [0, 1]"),
            ('{"name": "polynomial", "power": -1}', "power must be a finite float >= 0")):
        assert _status([*IRIS, "--schedule", spec]) == 2
        assert message in capsys.readouterr().err
