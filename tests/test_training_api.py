"""The training API's contract: train() and Trainer's arguments, a Trainer fitted again,
what restore_best restores, and what a callback's exception leaves.

References: one gradient-descent step written here (w - lr * grad, the gradient from
Network.cost on an untouched copy), and the parameters a Recorder callback copies at
each epoch's end.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import SGD, Adam, Trainer


def _regression(m: int = 24, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]


def _net(seed: int = 0) -> chainrule.Network:
    return chainrule.mlp([3, 5, 1], hidden="tanh", output="identity", seed=seed)


# --- lr and momentum next to an Optimizer object ------------------------------------------
@pytest.mark.parametrize("entry", ["train", "Trainer"])
@pytest.mark.parametrize(("optimizer", "given"), [
    (Adam(lr=0.001), {"lr": 0.1}),
    (SGD(lr=0.01), {"momentum": 0.9}),
    (SGD(lr=0.01, momentum=0.5), {"lr": 0.01}),  # even the same value: one source only
])
def test_lr_or_momentum_next_to_an_optimizer_object_is_refused(entry, optimizer, given):
    X, Y = _regression()
    net = _net()
    theta = net.params.copy()
    name = next(iter(given))
    before = (optimizer.lr, getattr(optimizer, "momentum", None))
    expected = (f"{name}: the optimizer object {optimizer!r} brings its own settings, got "
                f"{name}={given[name]!r} as well")
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        if entry == "train":
            chainrule.train(net, X, Y, optimizer=optimizer, epochs=2, **given)
        else:
            Trainer(net, optimizer, epochs=2, **given)
    # nothing changed: neither the network nor the optimizer
    np.testing.assert_array_equal(net.params, theta)
    assert (optimizer.lr, getattr(optimizer, "momentum", None)) == before


def test_an_optimizer_object_alone_steps_with_its_own_rate():
    X, Y = _regression()
    net = _net()
    w = net.params.copy()
    chainrule.train(net, X, Y, optimizer=SGD(lr=0.05), batch_size=len(X), epochs=3)
    for _ in range(3):
        _, g = net.cost(w, X, Y)
        w = w - 0.05 * g
    np.testing.assert_allclose(net.params, w, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_by_name_the_default_rate_is_still_0_1(optimizer):
    X, Y = _regression()
    net = _net()
    history = chainrule.train(net, X, Y, optimizer=optimizer, epochs=2)
    assert history["lr"] == [0.1, 0.1]
    assert Trainer(_net(), optimizer).optimizer.lr == 0.1


# --- Trainer.fit called again -------------------------------------------------------------
def _early_stopping_problem() -> tuple[np.ndarray, ...]:
    """Validation targets a shrunken copy of the truth: the validation loss falls, then rises."""
    rng = np.random.default_rng(1)
    w = np.array([1.0, -2.0, 0.5])
    X, Xv = rng.normal(size=(40, 3)), rng.normal(size=(20, 3))
    return X, np.sin(X @ w)[:, None], Xv, 0.3 * np.sin(Xv @ w)[:, None]


class _EpochParams(chainrule.Callback):
    """The network's parameters at each epoch's end, and the epochs each fit trained."""

    def __init__(self) -> None:
        self.params: dict[int, np.ndarray] = {}
        self.trained: list[int] = []

    def on_epoch_end(self, state):
        self.params[state.epoch] = state.net.params.copy()
        self.trained.append(state.epoch)


@pytest.mark.parametrize("rule", ["early_stopping", "loss_threshold", "callback"])
def test_a_second_fit_of_a_run_that_stopped_itself_trains_nothing(tmp_path, rule):
    X, Y, Xv, Yv = _early_stopping_problem()
    rec = _EpochParams()
    options = {"patience": 4, "callbacks": [rec], "checkpoint": tmp_path / "run.ckpt"}
    if rule == "loss_threshold":
        options["loss_threshold"] = 0.175  # at epoch 7; the best is 5
    if rule == "callback":
        options["callbacks"] = [rec, lambda state: setattr(state, "stop", state.epoch == 7)]
    trainer = Trainer(chainrule.mlp([3, 8, 1], hidden="tanh", seed=0), "sgd", lr=0.05,
                      batch_size=10, epochs=200, seed=0, **options)
    first = trainer.fit(X, Y, (Xv, Yv))
    assert first.stop_reason == rule
    n, best = first.epochs, first.best_epoch
    assert rec.trained == list(range(1, n + 1)) and 1 <= best < n
    val_loss, kept = list(first["val_loss"]), trainer.net.params.copy()
    generator = trainer.rng.bit_generator.state
    rec.trained.clear()
    second = trainer.fit(X, Y, (Xv, Yv))
    # nothing trained: the same history, the same network, the generator untouched
    assert rec.trained == [] and second is first and second.stop_reason == rule
    assert second["val_loss"] == val_loss and second.best_epoch == best
    assert trainer.epoch == n and trainer.rng.bit_generator.state == generator
    np.testing.assert_array_equal(trainer.net.params, kept)
    # early stopping ended the run with its best epoch's parameters; the other rules keep
    # the last epoch's
    np.testing.assert_array_equal(kept, rec.params[best if rule == "early_stopping" else n])
    # as resume does from the run's checkpoint
    resumed = Trainer.from_checkpoint(tmp_path / "run.ckpt")
    again = resumed.fit(X, Y, (Xv, Yv))
    assert again.epochs == n and again.stop_reason == rule
    np.testing.assert_array_equal(resumed.net.params, kept)


def test_a_second_fit_with_more_epochs_continues_the_early_stopping_count():
    X, Y, Xv, Yv = _early_stopping_problem()
    options = {"optimizer": "sgd", "lr": 0.05, "batch_size": 10, "seed": 0, "patience": 4,
               "restore_best": False}
    whole = Trainer(chainrule.mlp([3, 8, 1], hidden="tanh", seed=0), epochs=200, **options)
    reference = whole.fit(X, Y, (Xv, Yv))
    assert reference.stop_reason == "early_stopping"
    stop = reference.epochs
    # the same run in two calls, the first ending inside the patience window
    split = Trainer(chainrule.mlp([3, 8, 1], hidden="tanh", seed=0), epochs=stop - 2,
                    **options)
    assert split.fit(X, Y, (Xv, Yv)).stop_reason == "epochs" and split.wait == 2
    split.epochs = 200
    history = split.fit(X, Y, (Xv, Yv))
    assert history.stop_reason == "early_stopping" and history.epochs == stop
    assert history.best_epoch == reference.best_epoch
    np.testing.assert_array_equal(split.net.params, whole.net.params)
