"""History: its JSON form read back, and what is not that form refused by name."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import chainrule
from chainrule import History

FORM = ("{'metrics': {name: [one value per epoch]}, 'stop_reason': ..., 'best_epoch': ...}")


def test_a_trained_history_comes_back_from_its_json_text():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = X[:, :1] - X[:, 1:]
    net = chainrule.mlp([2, 3, 1], hidden="tanh", output="identity", seed=0)
    h = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=4, patience=2,
                        validation_data=(X, y))
    back = History.from_json(json.loads(json.dumps(h.to_json())))
    assert dict(back) == dict(h) and len(back["loss"]) == 4
    assert (back.stop_reason, back.best_epoch) == (h.stop_reason, h.best_epoch)


@pytest.mark.parametrize("data, error, message", [
    ({}, ValueError, f"data has no 'metrics'; expected a dict as History.to_json returns it "
                     f"({FORM}), got {{}}"),
    ({"stop_reason": "epochs", "best_epoch": None}, ValueError,
     f"data has no 'metrics'; expected a dict as History.to_json returns it ({FORM}), got one "
     "with the keys 'stop_reason', 'best_epoch'"),
    (None, TypeError, f"data must be a dict as History.to_json returns it ({FORM}), got "
                      "NoneType"),
    ([["loss", [1.0]]], TypeError, f"data must be a dict as History.to_json returns it "
                                   f"({FORM}), got list"),
    ({"metrics": None}, TypeError,
     "data['metrics'] must be a dict of metric name -> list of values, got NoneType"),
    ({"metrics": {"loss": 0.5}}, TypeError,
     "data['metrics']['loss'] must be a list of one value per epoch, got float"),
])
def test_from_json_of_what_to_json_does_not_write_says_what_it_expected(data, error, message):
    """History.from_json({}) raised a bare KeyError('metrics'), from_json(None) "TypeError:
    'NoneType' object is not subscriptable", and {"metrics": {"loss": 0.5}} was taken as
    a history whose "loss" is a float, not one value per epoch."""
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        History.from_json(data)


def _regression(m=40):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, 3))
    return X, np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]


class _StopMidEpoch(chainrule.Callback):
    """Sets ``stop`` after batch 1 of epoch 3, keeping the parameters the run stops with."""

    def on_batch_end(self, state):
        if (state.epoch, state.batch) == (3, 1):
            state.stop = True
            self.params = state.net.params.copy()


@pytest.mark.parametrize("fit", ["train", "Trainer"])
def test_a_run_a_callback_stops_mid_epoch_resumes_to_the_network_it_ended_with(tmp_path, fit):
    """A callback's stop ends the run (resume trains nothing) and leaves the network with
    the parameters of the batch it stopped after; resume gave back those of the last
    complete epoch instead (the checkpoint held that epoch's start, for a run that is never
    continued), so the model the run left and the resumed one differed."""
    X, Y = _regression()
    path = tmp_path / "run.npz"
    net, stop = chainrule.mlp([3, 6, 1], hidden="tanh", seed=0), _StopMidEpoch()
    settings = dict(optimizer="sgd", lr=0.1, batch_size=8, epochs=10, seed=0,
                    callbacks=[stop], checkpoint=path)
    if fit == "train":
        history = chainrule.train(net, X, Y, **settings)
    else:
        trainer = chainrule.Trainer(net, **settings)
        history = trainer.fit(X, Y)
    assert history.stop_reason == "callback" and history.epochs == 2
    np.testing.assert_array_equal(net.params, stop.params)
    resumed, again = chainrule.resume(path, X, Y, epochs=20)
    np.testing.assert_array_equal(resumed.params, stop.params)
    assert again.stop_reason == "callback" and dict(again) == dict(history)
    if fit == "Trainer":  # the Trainer's own checkpoint of the finished run: the same
        trainer.save_checkpoint(tmp_path / "again.npz")
        resumed, _ = chainrule.resume(tmp_path / "again.npz", X, Y)
        np.testing.assert_array_equal(resumed.params, stop.params)


class _Epochs(chainrule.Callback):
    """Keeps each epoch's parameters, and those on_train_end sees."""

    def __init__(self):
        self.params = {}

    def on_epoch_end(self, state):
        self.params[state.epoch] = state.net.params.copy()

    def on_train_end(self, state):
        self.at_end = state.net.params.copy()


def test_on_train_end_sees_the_restored_network_and_cannot_undo_the_runs_end():
    """Early stopping (patience 3, restore_best) on a validation loss that rises: the run
    ends with its best epoch's parameters and is finished.  on_train_end ran before that
    end, so (1) it saw the last epoch's parameters, not the ones the run leaves (a callback
    saving the final model there saved another one, unlike Keras's EarlyStopping listed
    first, which restores in its own on_train_end), and (2) an error it raised skipped the
    end: the network kept the last epoch's parameters and a later fit trained on a run
    early stopping had ended."""
    X, Y = _regression()
    Xv, Yv = X[:12], -Y[:12]  # the validation loss rises as the training loss falls

    class BadEnd(chainrule.Callback):
        def on_train_end(self, state):
            raise RuntimeError("saving failed")

    for failing in (False, True):
        net, seen = chainrule.mlp([3, 6, 1], hidden="tanh", seed=0), _Epochs()
        trainer = chainrule.Trainer(net, "sgd", lr=0.1, batch_size=8, epochs=100, seed=0,
                                    patience=3, callbacks=[seen, *[BadEnd()] * failing])
        if failing:
            with pytest.raises(RuntimeError, match=r"^saving failed$"):
                trainer.fit(X, Y, validation_data=(Xv, Yv))
        else:
            trainer.fit(X, Y, validation_data=(Xv, Yv))
        history = trainer.history
        best = int(np.argmin(history["val_loss"])) + 1
        assert history.stop_reason == "early_stopping" and history.epochs == best + 3
        assert history.best_epoch == best
        np.testing.assert_array_equal(net.params, seen.params[best])
        np.testing.assert_array_equal(seen.at_end, seen.params[best])
        trainer.callbacks = []
        again = trainer.fit(X, Y, validation_data=(Xv, Yv))  # finished: trains nothing
        assert again.epochs == best + 3
        np.testing.assert_array_equal(net.params, seen.params[best])


def test_hooks_order_state_and_history_against_numpy():
    """The hooks of a 3-epoch run of 3 batches (16, 16, 8 rows, no shuffling) with a step
    schedule: what each sees, and every loss of the history recomputed with NumPy from the
    parameters the batches left (each batch's cost taken before its update, the epoch's
    loss their mean weighted by rows; val_loss at the epoch's end)."""
    X, Y = _regression()
    Xv, Yv = X[:10] + 0.5, Y[:10]
    events, params = [], []

    class Record(chainrule.Callback):
        def on_train_begin(self, state):
            events.append(("begin", state.epoch, state.history.epochs, state.optimizer.lr))
            params.append(state.net.params.copy())

        def on_batch_end(self, state):
            events.append(("batch", state.epoch, state.batch, state.history.epochs,
                           state.optimizer.lr, sorted(state.logs)))
            params.append(state.net.params.copy())

        def on_epoch_end(self, state):
            events.append(("epoch", state.epoch, state.history.epochs, state.optimizer.lr,
                           state.logs["lr"]))

        def on_train_end(self, state):
            events.append(("end", state.epoch, state.history.stop_reason))

    net = chainrule.mlp([3, 5, 1], hidden="tanh", seed=2)
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.2, batch_size=16, epochs=3,
                              shuffle=False, validation_data=(Xv, Yv), callbacks=[Record()],
                              schedule={"name": "step", "step_size": 1, "gamma": 0.5})
    expected = [("begin", 0, 0, 0.2)]
    for epoch, lr in ((1, 0.2), (2, 0.1), (3, 0.05)):
        expected += [("batch", epoch, b, epoch - 1, lr, ["batch_loss"]) for b in range(3)]
        expected.append(("epoch", epoch, epoch, lr / 2, lr))
    assert events == [*expected, ("end", 3, "epochs")]

    def cost(theta, Xb, Yb):  # tanh hidden layer, identity output, (1/2) squared error
        (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in net.layers]
        keep = net.params.copy()
        net.params[...] = theta  # W and b are views of the flat vector
        out = np.tanh(Xb @ W1 + b1) @ W2 + b2
        net.params[...] = keep
        return float(np.mean(0.5 * np.sum((out - Yb) ** 2, axis=1)))

    rows = [slice(0, 16), slice(16, 32), slice(32, 40)]
    losses = [sum(cost(params[3 * e + b], X[r], Y[r]) * (r.stop - r.start)
                  for b, r in enumerate(rows)) / 40 for e in range(3)]
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-13)
    np.testing.assert_allclose(history["val_loss"],
                               [cost(params[3 * e + 3], Xv, Yv) for e in range(3)], rtol=1e-13)
    assert history["lr"] == [0.2, 0.1, 0.05]
