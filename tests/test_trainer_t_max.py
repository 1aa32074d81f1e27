"""A Trainer continued by raising trainer.epochs: a warning past the cosine schedule it
annealed over (as resume gives), and a value that is no count of epochs refused."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import chainrule as cr


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int)


def _cosine(epoch, t_max, lr0=0.1):
    return lr0 * (1 + math.cos(math.pi * epoch / t_max)) / 2


@pytest.mark.parametrize("schedule", ["cosine", {"name": "cosine"}])
def test_raising_epochs_past_a_cosine_by_name_warns(schedule):
    X, y = _data()
    trainer = cr.Trainer(cr.mlp([3, 4, 2], seed=0), optimizer="sgd", schedule=schedule,
                         epochs=4, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(X, y)  # the run it was built for: no warning
    trainer.epochs = 8
    with pytest.warns(UserWarning, match=r"fitting to 8 epochs goes past the cosine "
                                         r"schedule's T_max = 4.*epoch 5 runs at eta_min"):
        trainer.fit(X, y)
    # the rate the warning describes: the cosine goes on past T_max, back towards lr
    assert trainer.history["lr"] == pytest.approx([_cosine(e, 4) for e in range(8)],
                                                  abs=1e-15)
    trainer.epochs = 10  # already past T_max: said once, when the run crossed it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(X, y)


def test_a_warmup_then_cosine_by_name_warns_past_its_annealing():
    X, y = _data()
    schedule = {"name": "warmup", "epochs": 2, "after": "cosine"}
    trainer = cr.Trainer(cr.mlp([3, 4, 2], seed=0), optimizer="sgd", schedule=schedule,
                         epochs=6, seed=0)
    trainer.fit(X, y)
    trainer.epochs = 9
    with pytest.warns(UserWarning, match=r"T_max = 4 \(after the warm-up's 2 epochs\)"):
        trainer.fit(X, y)


def test_no_warning_where_the_cosine_is_not_the_runs_own_or_already_extended(tmp_path):
    X, y = _data()
    # an explicit T_max shorter than the run is what was asked for (train does not warn)
    trainer = cr.Trainer(cr.mlp([3, 4, 2], seed=0), optimizer="sgd",
                         schedule={"name": "cosine", "T_max": 3}, epochs=4, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer.fit(X, y)
        trainer.epochs = 6
        trainer.fit(X, y)
    # from_checkpoint(epochs=...) warns itself; its fit does not say it again
    path = tmp_path / "run.npz"
    cr.train(cr.mlp([3, 4, 2], seed=0), X, y, optimizer="sgd", schedule="cosine", epochs=4,
             seed=0, checkpoint=path)
    with pytest.warns(UserWarning, match="resuming to 6 epochs") as record:
        resumed = cr.Trainer.from_checkpoint(path, epochs=6)
        resumed.fit(X, y)
    assert len(record) == 1


def test_a_trainer_epochs_set_to_no_count_is_refused_before_training(tmp_path):
    X, y = _data()
    path = tmp_path / "run.npz"
    trainer = cr.Trainer(cr.mlp([3, 4, 2], output="softmax", seed=0), optimizer="sgd",
                         epochs=2, seed=0, checkpoint=path)
    trainer.fit(X, y)
    params = trainer.net.params.copy()
    trainer.epochs = 2.5  # trained 3 epochs, and wrote a checkpoint no reader took back
    with pytest.raises(TypeError, match=r"epochs must be an int >= 1, got 2\.5"):
        trainer.fit(X, y)
    trainer.epochs = 1  # below the 2 trained: a call that silently trained nothing
    with pytest.raises(ValueError, match=r"epochs: this Trainer's run has already trained 2 "
                                         r"epochs; .* got 1"):
        trainer.fit(X, y)
    trainer.epochs = "5"
    with pytest.raises(TypeError, match=r"epochs must be an int >= 1, got '5'"):
        trainer.fit(X, y)
    # nothing trained, and the checkpoint is the run's, read back
    assert trainer.epoch == 2 and np.array_equal(trainer.net.params, params)
    assert len(trainer.history["loss"]) == 2
    resumed = cr.Trainer.from_checkpoint(path)
    assert resumed.epoch == 2 and np.array_equal(resumed.net.params, params)
    trainer.epochs = np.int64(3)  # a NumPy integer is a count
    assert len(trainer.fit(X, y)["loss"]) == 3 and trainer.epochs == 3
