"""A step the divergence guard rejects at an epoch's first batch is the last step of the
epoch recorded before it: that epoch's validation metrics and early stopping's best
value are then those of the parameters kept (computed here with NumPy), and the run's
checkpoint holds them.  What a refit after a divergence trains, and what the message
says of a fit whose first loss is not finite."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import chainrule as cr
from chainrule import Trainer, TrainingDiverged

# one training row with a huge input: the first full-batch step takes the weight to about
# 1e100, where that row's squared error overflows (the next loss is infinite) while the
# validation rows' errors, about 1e200, do not
X = np.array([[1.0], [2.0], [1e60]])
Y = np.zeros(3)
X_VAL = np.array([[1.0], [2.0]])
Y_VAL = np.array([0.5, -1.0])


def _mse(params: np.ndarray) -> float:
    """The validation rows' mean squared error of the linear model (w, b) = params."""
    w, b = params
    return float(np.mean((X_VAL[:, 0] * w + b - Y_VAL) ** 2))


@pytest.mark.parametrize("ema", [None, 0.5])
def test_the_recorded_epoch_is_valued_at_the_parameters_kept(ema):
    net = cr.mlp([1, 1], output="identity", loss="mse", seed=0)
    start = net.params.copy()
    trainer = Trainer(net, "gd", lr=1e-20, epochs=5, patience=3, ema=ema)
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss"):
        trainer.fit(X, Y, validation_data=(X_VAL, Y_VAL))
    np.testing.assert_array_equal(net.params, start)  # the step of epoch 1 rejected
    expected = _mse(start)
    assert trainer.history["val_loss"] == [pytest.approx(expected, rel=1e-12)]
    assert trainer.history.best_epoch == 1
    assert trainer.best_value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(trainer.best_params, start)
    # the rejected step's own validation loss, which these replaced, was about 1e200
    assert expected < 10



class _BlowUp(cr.Callback):
    """At epoch 1's next-to-last batch, a rate that takes the last step's parameters to
    about 1e200: finite, but epoch 2's first loss is not."""

    def on_batch_end(self, state):
        if state.epoch == 1 and state.batch == 2:
            state.optimizer.lr = 1e200


def _run(tmp_path, ema):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = cr.network_from_layers([cr.Dense(3, 6, activation="relu"), cr.Dropout(0.3),
                                  cr.Dense(6, 2, activation="softmax")],
                                 loss="cross_entropy", seed=0)
    trainer = Trainer(net, optimizer=cr.optimizers.Adam(0.01), batch_size=8, epochs=3,
                      seed=0, callbacks=[_BlowUp()], checkpoint=tmp_path / "run.npz",
                      ema=ema)
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss"):
        trainer.fit(X, Y)
    return trainer, X, Y


@pytest.mark.parametrize("ema", [None, 0.5])
def test_the_checkpoint_holds_the_kept_state_as_the_trainer_goes_on_from_it(tmp_path, ema):
    """From the checkpoint a smaller rate trains on as the Trainer itself does after the
    divergence, bit for bit; before, the checkpoint held the rejected step's
    parameters, whose loss is infinite, and any rate diverged at once."""
    trainer, X, Y = _run(tmp_path, ema)
    kept = trainer.net.params.copy()
    resumed = Trainer.from_checkpoint(tmp_path / "run.npz", checkpoint=tmp_path / "b.npz")
    np.testing.assert_array_equal(resumed.net.params, kept)
    assert resumed.optimizer.t == trainer.optimizer.t == 3
    for k, v in trainer.optimizer.state.items():
        np.testing.assert_array_equal(resumed.optimizer.state[k], v)
    trainer.optimizer.lr = resumed.optimizer.lr = 0.01
    trainer.fit(X, Y)
    resumed.fit(X, Y)
    np.testing.assert_array_equal(resumed.net.params, trainer.net.params)
    assert resumed.history["loss"] == trainer.history["loss"]
    assert len(trainer.history["loss"]) == 3


def test_a_resumed_checkpoint_at_an_infinite_loss_is_not_told_to_lower_the_rate(tmp_path):
    """A checkpoint whose parameters' loss is not finite (written at an epoch's end
    before a crash, or by a version that kept the rejected step's): resume keeps them
    and says so, without advising a rate or clipping that no step used."""
    net = cr.mlp([1, 1], output="identity", loss="mse", seed=0)
    trainer = Trainer(net, "gd", lr=1e-20, epochs=3, checkpoint=tmp_path / "c.npz")
    trainer.epochs = 1
    trainer.fit(X, Y)  # the state after epoch 1: the weight about 1e100
    written = Trainer.from_checkpoint(tmp_path / "c.npz").net.params.copy()
    assert np.abs(written).max() > 1e90
    resumed = Trainer.from_checkpoint(tmp_path / "c.npz", epochs=3)
    with pytest.raises(TrainingDiverged) as info:
        resumed.fit(X, Y)
    np.testing.assert_array_equal(resumed.net.params, written)  # the checkpoint's kept
    text = str(info.value)
    assert "epoch 2, batch 0: the loss" in text
    assert "keeps the parameters this fit started from" in text
    assert "Try a smaller learning rate" not in text and "No step was taken" in text


class _InfRate(cr.Callback):
    """Once, after epoch 2's batch 1: an infinite rate, which makes the next step's
    parameters non-finite (rejected within the epoch)."""

    done = False

    def on_batch_end(self, state):
        if state.epoch == 2 and state.batch == 1 and not self.done:
            state.optimizer.lr, self.done = np.inf, True


def test_a_refit_after_a_divergence_within_an_epoch_redraws_its_dropout_masks(tmp_path):
    """The generators go back to the epoch's start with the rest: the refit at a smaller
    rate is, bit for bit, the run resumed at that rate from the epoch's start."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = cr.network_from_layers([cr.Dense(3, 6, activation="relu"), cr.Dropout(0.3),
                                  cr.Dense(6, 2, activation="softmax")],
                                 loss="cross_entropy", seed=0)
    first = copy.deepcopy(net)
    trainer = Trainer(net, optimizer=cr.optimizers.Adam(0.01), batch_size=8, epochs=3,
                      seed=0, callbacks=[_InfRate()])
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 2: the parameters"):
        trainer.fit(X, Y)
    trainer.optimizer.lr = 0.001
    trainer.fit(X, Y)
    Trainer(first, optimizer=cr.optimizers.Adam(0.01), batch_size=8, epochs=1, seed=0,
            checkpoint=tmp_path / "e1.npz").fit(X, Y)
    fresh = Trainer.from_checkpoint(tmp_path / "e1.npz", epochs=3)
    fresh.optimizer.lr = 0.001
    fresh.fit(X, Y)
    np.testing.assert_array_equal(trainer.net.params, fresh.net.params)
    assert trainer.history["loss"] == fresh.history["loss"]
