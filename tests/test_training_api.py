"""The training API's contract: train() and Trainer's arguments, a Trainer fitted again,
what restore_best restores, and what a callback's exception leaves.

References: one gradient-descent step written here (w - lr * grad, the gradient from
Network.cost on an untouched copy), and the parameters a Recorder callback copies at
each epoch's end.
"""

from __future__ import annotations

import contextlib

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
    # the run ended with its best epoch's parameters (restore_best)
    np.testing.assert_array_equal(kept, rec.params[best])
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


@pytest.mark.parametrize("rule", ["early_stopping", "epochs"])
def test_a_fit_that_trains_nothing_keeps_the_parameters_set_since(tmp_path, rule):
    """Keras's fit starts from the model's current weights: a finished run fitted again
    (nothing left to train) leaves what the user set in between, and restores nothing."""
    X, Y, Xv, Yv = _early_stopping_problem()
    rec = _EpochParams()
    trainer = Trainer(chainrule.mlp([3, 8, 1], hidden="tanh", seed=0), "sgd", lr=0.05,
                      batch_size=10, epochs=200 if rule == "early_stopping" else 8, seed=0,
                      patience=4, callbacks=[rec], checkpoint=tmp_path / "run.ckpt")
    first = trainer.fit(X, Y, (Xv, Yv))
    assert first.stop_reason == rule and first.best_epoch < first.epochs
    np.testing.assert_array_equal(trainer.net.params, rec.params[first.best_epoch])
    trainer.net.layers[0].W[...] = 0.25  # the user's own weights
    edited = trainer.net.params.copy()
    assert not np.array_equal(edited, rec.params[first.best_epoch])
    second = trainer.fit(X, Y, (Xv, Yv))
    assert second.epochs == first.epochs and second.stop_reason == rule
    np.testing.assert_array_equal(trainer.net.params, edited)
    # the run read back from its checkpoint (the parameters reached) still ends restored
    resumed = Trainer.from_checkpoint(tmp_path / "run.ckpt")
    resumed.fit(X, Y, (Xv, Yv))
    np.testing.assert_array_equal(resumed.net.params, rec.params[first.best_epoch])
    resumed.net.layers[0].W[...] = 0.25
    resumed.fit(X, Y, (Xv, Yv))  # and after that, as the Trainer above
    np.testing.assert_array_equal(resumed.net.params, edited)


class _Flaky(chainrule.Callback):
    """Raises once in on_train_begin after ``fail`` is set: a fit that fails before training."""

    fail = False

    def on_train_begin(self, state):
        if self.fail:
            self.fail = False
            raise RuntimeError("flaky")


def test_a_fit_that_raises_before_training_keeps_the_parameters_set_since():
    """A fit of a finished run whose on_train_begin raised forgot that the network held
    its best parameters already, so the next fit, which trains nothing either, put them
    back over the weights the user had set in between."""
    X, Y, Xv, Yv = _early_stopping_problem()

    flaky = _Flaky()
    trainer = Trainer(chainrule.mlp([3, 8, 1], hidden="tanh", seed=0), "sgd", lr=0.05,
                      batch_size=10, epochs=8, seed=0, patience=4, callbacks=[flaky])
    first = trainer.fit(X, Y, (Xv, Yv))
    assert first.stop_reason == "epochs" and first.best_epoch < first.epochs
    best = trainer.net.params.copy()
    trainer.net.layers[0].W[...] = 0.25  # the user's own weights
    edited = trainer.net.params.copy()
    assert not np.array_equal(edited, best)
    flaky.fail = True
    with pytest.raises(RuntimeError, match="flaky"):
        trainer.fit(X, Y, (Xv, Yv))
    assert trainer.history.stop_reason == "error"
    np.testing.assert_array_equal(trainer.net.params, edited)
    trainer.fit(X, Y, (Xv, Yv))  # trains nothing: the user's weights stay
    np.testing.assert_array_equal(trainer.net.params, edited)


def test_a_fit_continuing_a_run_that_raises_before_training_changes_nothing():
    """A finished run given more epochs, whose next fit raised in on_train_begin: that fit
    had put the parameters the run reached (last epoch) in place of the best ones it
    ended with, and left them there, forgetting them as the point to continue from.

    References: the network's parameters before the failed call, and the same run
    continued by a Trainer whose callback never failed.
    """
    X, Y, Xv, Yv = _early_stopping_problem()

    def trainer(callbacks):
        return Trainer(chainrule.mlp([3, 8, 1], hidden="tanh", seed=0), "sgd", lr=0.05,
                       batch_size=10, epochs=8, seed=0, patience=4, callbacks=callbacks)

    flaky, reference = _Flaky(), trainer([])
    failing = trainer([flaky])
    for t in (failing, reference):
        first = t.fit(X, Y, (Xv, Yv))
        assert first.stop_reason == "epochs" and first.best_epoch < first.epochs
        t.epochs = 12
    best = failing.net.params.copy()
    flaky.fail = True
    with pytest.raises(RuntimeError, match="flaky"):
        failing.fit(X, Y, (Xv, Yv))
    np.testing.assert_array_equal(failing.net.params, best)
    failing.fit(X, Y, (Xv, Yv))
    reference.fit(X, Y, (Xv, Yv))
    assert failing.epoch == reference.epoch > 8
    assert failing.history.stop_reason == reference.history.stop_reason
    np.testing.assert_array_equal(failing.net.params, reference.net.params)


# --- restore_best: what comes back, and after which stops --------------------------------
class _Snapshots(chainrule.Callback):
    """Parameters and BatchNorm running statistics at each epoch's end; stops or interrupts
    the run where asked (after epoch ``at``, or inside epoch ``at`` after its first batch)."""

    def __init__(self, how: str | None = None, at: int = 0) -> None:
        self.how, self.at = how, at
        self.params: dict[int, np.ndarray] = {}
        self.buffers: dict[int, dict[str, np.ndarray]] = {}

    def on_batch_end(self, state):
        if self.how == "callback-mid-epoch" and state.epoch == self.at and state.batch == 0:
            state.stop = True

    def on_epoch_end(self, state):
        self.params[state.epoch] = state.net.params.copy()
        self.buffers[state.epoch] = {k: v.copy()
                                     for k, v in state.net.layers[1].buffers().items()}
        if state.epoch == self.at and self.how == "callback":
            state.stop = True
        if state.epoch == self.at and self.how.startswith("ctrl-c"):
            raise KeyboardInterrupt


def _batchnorm_net() -> chainrule.Network:
    return chainrule.Network([
        chainrule.Dense(3, 8, "identity", init="glorot_uniform", seed=0),
        chainrule.BatchNorm(8, activation="tanh"),
        chainrule.Dense(8, 1, "identity", init="glorot_uniform", seed=2)])


@pytest.mark.parametrize(("how", "restored"), [
    ("early_stopping", True), ("epochs", True), ("loss_threshold", True),
    ("callback", True), ("callback-mid-epoch", True),
    ("ctrl-c", False),  # interrupted: continued later, from the current parameters
    ("ctrl-c-after-the-last-epoch", True),  # interrupted with nothing left to continue
])
def test_restore_best_brings_back_the_best_epoch_with_its_batchnorm_statistics(how, restored):
    X, Y, Xv, Yv = _early_stopping_problem()
    net = _batchnorm_net()
    snap = _Snapshots(how, at=5)  # the best epoch is 3
    last_epoch = how in ("epochs", "ctrl-c-after-the-last-epoch")
    options = {"patience": 3, "epochs": 5 if last_epoch else 200}
    if how == "loss_threshold":  # epoch 5's training loss, found by a run without it
        probe = chainrule.train(_batchnorm_net(), X, Y, optimizer="sgd", lr=0.05,
                                batch_size=10, epochs=5, seed=0)
        options["loss_threshold"] = probe["loss"][-1]
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, seed=0,
                              validation_data=(Xv, Yv), callbacks=[snap], **options)
    reason = {"ctrl-c": "interrupted", "ctrl-c-after-the-last-epoch": "interrupted",
              "callback-mid-epoch": "callback"}.get(how, how)
    assert history.stop_reason == reason
    last, best = max(snap.params), history.best_epoch
    assert best == 1 + int(np.argmin(history["val_loss"])) and best < last
    if how != "callback-mid-epoch":
        assert last == history.epochs == (5 if how != "early_stopping" else best + 3)
    # restored, or kept where the run stopped (mid-epoch: its first batch's update)
    expected = snap.params[best] if restored else snap.params[last]
    np.testing.assert_array_equal(net.params, expected)
    for k, v in net.layers[1].buffers().items():
        np.testing.assert_array_equal(v, snap.buffers[best if restored else last][k])
    if restored:  # the best validation loss comes back with them
        assert net.loss_value(Xv, Yv) == pytest.approx(history["val_loss"][best - 1],
                                                       rel=1e-12)


class _StopAtBegin(chainrule.Callback):
    def on_train_begin(self, state):
        state.stop = True


def test_a_second_fit_after_restore_best_goes_on_from_the_parameters_reached(tmp_path):
    """restore_best gives the first fit's network its best epoch (3 of 8); raising epochs,
    the next fit goes on from epoch 8's parameters and BatchNorm statistics, as one fit of
    12 epochs does and as resume does from the checkpoint of epoch 8."""
    X, Y, Xv, Yv = _early_stopping_problem()
    options = {"optimizer": "sgd", "lr": 0.05, "batch_size": 10, "seed": 0, "patience": 50}
    whole_snap, split_snap = _Snapshots(), _Snapshots()
    whole = Trainer(_batchnorm_net(), epochs=12, callbacks=[whole_snap], **options)
    reference = whole.fit(X, Y, (Xv, Yv))
    split = Trainer(_batchnorm_net(), epochs=8, callbacks=[split_snap],
                    checkpoint=tmp_path / "run.ckpt", **options)
    first = split.fit(X, Y, (Xv, Yv))
    best = first.best_epoch
    assert first.stop_reason == "epochs" and best < 8 and best == reference.best_epoch
    np.testing.assert_array_equal(split.net.params, whole_snap.params[best])  # restored
    (tmp_path / "run.ckpt.npz").rename(tmp_path / "epoch8.ckpt.npz")
    split.epochs = 12
    # a callback's stop in on_train_begin: that call trains nothing and changes nothing
    split.callbacks.append(_StopAtBegin())
    assert split.fit(X, Y, (Xv, Yv)).stop_reason == "callback"
    np.testing.assert_array_equal(split.net.params, whole_snap.params[best])
    split.callbacks.pop()
    history = split.fit(X, Y, (Xv, Yv))
    assert history["val_loss"] == reference["val_loss"]
    for epoch in range(9, 13):  # epoch by epoch as the single run
        np.testing.assert_array_equal(split_snap.params[epoch], whole_snap.params[epoch])
        for k, v in split_snap.buffers[epoch].items():
            np.testing.assert_array_equal(v, whole_snap.buffers[epoch][k])
    np.testing.assert_array_equal(split.net.params, whole.net.params)
    resumed, again = chainrule.resume(tmp_path / "epoch8.ckpt", X, Y, (Xv, Yv), epochs=12)
    assert again["val_loss"] == reference["val_loss"]
    np.testing.assert_array_equal(resumed.params, whole.net.params)
    # a fit that trains nothing more leaves the best epoch's parameters, as the first did
    split.fit(X, Y, (Xv, Yv))
    np.testing.assert_array_equal(split.net.params, whole_snap.params[history.best_epoch])


# --- a callback that raises -----------------------------------------------------------------
@pytest.mark.parametrize("hook", ["on_epoch_end", "on_batch_end"])
def test_a_callback_that_raises_leaves_the_history_so_far_and_the_current_network(
        hook, tmp_path):
    X, Y, Xv, Yv = _early_stopping_problem()
    snap = _Snapshots()
    ended = []

    class Broken(chainrule.Callback):
        def on_train_begin(self, state):
            self.history = state.history

        def on_train_end(self, state):
            ended.append((state.epoch, state.history.stop_reason))

    def fail(self, state):
        if state.epoch == 5 and (hook == "on_epoch_end" or state.batch == 1):
            self.params = state.net.params.copy()
            raise RuntimeError("the callback failed")

    setattr(Broken, hook, fail)
    broken = Broken()
    trainer = Trainer(_batchnorm_net(), "sgd", lr=0.05, batch_size=10, epochs=200, seed=0,
                      patience=10, callbacks=[snap, broken], checkpoint=tmp_path / "run.ckpt")
    with pytest.raises(RuntimeError, match="the callback failed"):
        trainer.fit(X, Y, (Xv, Yv))
    done = 5 if hook == "on_epoch_end" else 4  # a broken epoch is left out
    # the history says why the run ended, on_train_end already
    assert ended == [(5, "error")] and trainer.history.epochs == done
    assert broken.history is trainer.history and trainer.history.stop_reason == "error"
    # the checkpoint holds epoch 4, the last one written (epoch 5's comes after its
    # callbacks), and a run to be continued
    resumed = Trainer.from_checkpoint(tmp_path / "run.ckpt")
    assert resumed.epoch == 4 and resumed._stopped is None
    np.testing.assert_array_equal(resumed.net.params, snap.params[4])
    np.testing.assert_allclose(trainer.history["val_loss"],
                               [_val_loss(snap, e, Xv, Yv) for e in range(1, done + 1)],
                               rtol=1e-12)
    # not restored: the parameters the callback saw (best_epoch 3 is earlier)
    assert trainer.history.best_epoch == 3
    np.testing.assert_array_equal(trainer.net.params, broken.params)


class _StopsOnce(chainrule.Callback):
    """Raises ``error`` once: after batch 1 of epoch 3 (``where="batch"``: the epoch cut
    short) or at the end of epoch 3 (``"epoch"``: the epoch complete), recording the
    parameters after each batch."""

    def __init__(self, error: BaseException, where: str) -> None:
        self.error, self.where, self.armed, self.batches = error, where, True, []

    def on_batch_end(self, state):
        self.batches.append(state.net.params.copy())
        if self.armed and self.where == "batch" and (state.epoch, state.batch) == (3, 1):
            self.armed = False
            raise self.error

    def on_epoch_end(self, state):
        if self.armed and self.where == "epoch" and state.epoch == 3:
            self.armed = False
            raise self.error


@pytest.mark.parametrize("where", ["batch", "epoch"])
@pytest.mark.parametrize("error", [RuntimeError("callback failed"), KeyboardInterrupt()],
                         ids=["error", "ctrl-c"])
def test_a_fit_after_a_run_that_raised_goes_on_as_its_checkpoint_does(tmp_path, error, where):
    """A callback's error (or a KeyboardInterrupt: Ctrl-C) inside epoch 3 left the network
    with that epoch's first batches, the optimizer's and the dropout's state advanced and
    the rows' permutation drawn, while the checkpoint holds epoch 2: a second fit then
    started epoch 3 anew on top of them, and ended 0.06 away from the uninterrupted run
    and from resume.  It now goes back to the epoch's start, as resume does: the two
    fits, and resume from the checkpoint, end with the uninterrupted run's parameters and
    history, bit for bit (the reference: that run).  Raised at the end of epoch 3, the
    epoch is complete and kept (epoch 3 in memory, 2 in the checkpoint, which resume
    trains again to the same numbers).  Between the fits the network keeps the parameters
    of the last batch run, and a network changed since is not put back."""
    X, Y = _regression()

    def net():
        return chainrule.Network([
            chainrule.Dense(3, 6, "tanh", init="glorot_uniform", seed=0),
            chainrule.Dropout(0.2, seed=1),
            chainrule.Dense(6, 1, "identity", init="glorot_uniform", seed=2)])

    options = dict(optimizer="adam", lr=0.02, batch_size=5, epochs=5, seed=0)
    full = net()
    h_full = chainrule.train(full, X, Y, **options)
    # a callback's KeyboardInterrupt stops the run as Ctrl-C does; its other errors go on
    raises = isinstance(error, RuntimeError)

    def first_fit(trainer):
        with pytest.raises(type(error)) if raises else contextlib.nullcontext():
            trainer.fit(X, Y)

    cb = _StopsOnce(error, where)
    trainer = Trainer(net(), callbacks=[cb], checkpoint=tmp_path / "run.ckpt", **options)
    first_fit(trainer)
    done = 3 if where == "epoch" else 2
    assert trainer.epoch == trainer.history.epochs == done
    assert trainer.history.stop_reason == ("error" if isinstance(error, RuntimeError)
                                           else "interrupted")
    np.testing.assert_array_equal(trainer.net.params, cb.batches[-1])  # the last batch's
    resumed, h_resumed = chainrule.resume(tmp_path / "run.ckpt", X, Y)
    history = trainer.fit(X, Y)
    for params, hist in ((trainer.net.params, history), (resumed.params, h_resumed)):
        np.testing.assert_array_equal(params, full.params)
        assert hist["loss"] == h_full["loss"] and hist.stop_reason == "epochs"
    if where == "batch":  # a network changed since: the second fit goes on from it
        changed = Trainer(net(), callbacks=[_StopsOnce(error, where)], **options)
        first_fit(changed)
        changed.net.params[...] = changed.net.params * 0.5
        changed.fit(X, Y)
        assert not np.allclose(changed.net.params, full.params)


def _val_loss(snap: _Snapshots, epoch: int, Xv: np.ndarray, Yv: np.ndarray) -> float:
    """The validation loss of the network at the end of ``epoch``, recomputed."""
    net = _batchnorm_net()
    net.params[...] = snap.params[epoch]
    net.layers[1].set_buffers(snap.buffers[epoch])
    return net.loss_value(Xv, Yv)


@pytest.mark.parametrize(("error", "reason"), [(ValueError, "error"),
                                               (KeyboardInterrupt, "interrupted")])
def test_an_exception_in_on_train_begin_says_why_the_run_ended(error, reason):
    X, Y = _regression()
    net = _net()
    theta = net.params.copy()

    def fail(state):
        raise error("before the first batch")

    begin = chainrule.Callback()
    begin.on_train_begin = fail
    trainer = Trainer(net, "sgd", lr=0.05, epochs=3, callbacks=[begin])
    with pytest.raises(error, match="before the first batch"):
        trainer.fit(X, Y)
    assert trainer.history.stop_reason == reason and trainer.history.epochs == 0
    np.testing.assert_array_equal(net.params, theta)


def test_only_a_trainer_that_may_fit_again_keeps_each_epochs_start(monkeypatch):
    """What a later fit goes back to (the parameters and the optimizer's state at each
    epoch's start, a copy per epoch) is kept only by a Trainer the caller holds: train(),
    whose Trainer is fit once and never handed out, copies nothing (its time and peak
    memory as before), and trains to the same numbers as Trainer(...).fit."""
    from chainrule._training_epochs import _EpochSteps

    taken = []
    original = _EpochSteps._epoch_start

    def counting(self):
        taken.append(self.epoch)
        return original(self)

    monkeypatch.setattr(_EpochSteps, "_epoch_start", counting)
    X, Y = _regression()
    options = dict(optimizer="sgd", lr=0.05, momentum=0.9, batch_size=4, epochs=3, seed=0)
    by_train = chainrule.mlp([3, 4, 1], hidden="tanh", output="identity", seed=0)
    h_train = chainrule.train(by_train, X, Y, **options)
    assert taken == []
    held = chainrule.mlp([3, 4, 1], hidden="tanh", output="identity", seed=0)
    h_held = chainrule.Trainer(held, **options).fit(X, Y)
    assert taken == [0, 1, 2]
    np.testing.assert_array_equal(held.params, by_train.params)
    assert h_held["loss"] == h_train["loss"]


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
@pytest.mark.parametrize("error", [RuntimeError("callback failed"), KeyboardInterrupt()],
                         ids=["error", "ctrl-c"])
def test_save_checkpoint_after_a_stop_within_an_epoch_writes_that_epochs_start(
        tmp_path, error, optimizer):
    """trainer.save_checkpoint after a fit stopped after batch 1 of epoch 3 wrote the
    network, optimizer, running statistics and generators as that batch left them,
    labelled as epoch 2 (the last complete one), while the next fit goes back to epoch
    3's start: resume from that file trained epoch 3 again on top of its first batches
    and ended 0.085 (Adam) or 0.48 (momentum) away from the uninterrupted run.  It now
    writes the epoch's
    start, which the next fit goes back to: resume from the file and the second fit
    both end on the uninterrupted run's parameters, running statistics and loss
    history, bit for bit (the reference: that run), and saving leaves the trainer's
    network with its last batch's parameters.  Parameters set since (which the next fit
    goes on from) are written as they are."""
    X, Y = _regression()

    def net():
        return chainrule.Network([
            chainrule.Dense(3, 8, "identity", init="glorot_uniform", seed=0),
            chainrule.BatchNorm(8, activation="tanh"),
            chainrule.Dropout(0.2, seed=1),
            chainrule.Dense(8, 1, "identity", init="glorot_uniform", seed=2)])

    options = dict(optimizer="sgd", momentum=0.9, lr=0.05) if optimizer == "momentum" else (
        dict(optimizer="adam", lr=0.02))
    options.update(batch_size=5, epochs=5, seed=0)
    full = net()
    h_full = chainrule.train(full, X, Y, **options)
    cb = _StopsOnce(error, "batch")
    trainer = Trainer(net(), callbacks=[cb], **options)
    with pytest.raises(RuntimeError) if isinstance(error, RuntimeError) else (
            contextlib.nullcontext()):
        trainer.fit(X, Y)
    assert trainer.epoch == 2
    trainer.save_checkpoint(tmp_path / "saved.ckpt")
    np.testing.assert_array_equal(trainer.net.params, cb.batches[-1])  # as it was
    resumed, h_resumed = chainrule.resume(tmp_path / "saved.ckpt", X, Y)
    history = trainer.fit(X, Y)
    for got, hist in ((trainer.net, history), (resumed, h_resumed)):
        np.testing.assert_array_equal(got.params, full.params)
        for key, value in full.layers[1].buffers().items():
            np.testing.assert_array_equal(got.layers[1].buffers()[key], value)
        assert hist["loss"] == h_full["loss"] and hist.stop_reason == "epochs"
    changed = Trainer(net(), callbacks=[_StopsOnce(error, "batch")], **options)
    with pytest.raises(RuntimeError) if isinstance(error, RuntimeError) else (
            contextlib.nullcontext()):
        changed.fit(X, Y)
    changed.net.params[...] = changed.net.params * 0.5
    changed.save_checkpoint(tmp_path / "changed.ckpt")
    read = Trainer.from_checkpoint(tmp_path / "changed.ckpt")
    np.testing.assert_array_equal(read.net.params, changed.net.params)


@pytest.mark.parametrize("error", [RuntimeError("callback failed"), KeyboardInterrupt()],
                         ids=["error", "ctrl-c"])
def test_a_fit_after_a_stop_within_an_epoch_of_class_targets_goes_on(tmp_path, error):
    """With three classes (a softmax output, whose accuracy the loop counts per epoch from
    each batch's predicted classes) the loop kept each batch's first row in the variable
    that holds the epoch's starting state, so a Trainer stopped after batch 1 of epoch 3
    recorded an int as that state, and the next fit (or save_checkpoint) failed with
    "TypeError: 'int' object is not subscriptable".  Now both go on as after a
    regression's stop: the second fit and resume from the saved checkpoint end on the
    uninterrupted run's parameters and loss history, bit for bit (the reference: that
    run, trained by train())."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 3))
    y = rng.integers(0, 3, size=30)

    def net():
        return chainrule.mlp([3, 5, 3], hidden="tanh", output="softmax", seed=0)

    options = dict(optimizer="sgd", lr=0.1, momentum=0.9, batch_size=7, epochs=5, seed=0)
    full = net()
    h_full = chainrule.train(full, X, y, **options)
    trainer = Trainer(net(), callbacks=[_StopsOnce(error, "batch")], **options)
    with pytest.raises(RuntimeError) if isinstance(error, RuntimeError) else (
            contextlib.nullcontext()):
        trainer.fit(X, y)
    assert trainer.epoch == 2
    trainer.save_checkpoint(tmp_path / "saved.ckpt")
    resumed, h_resumed = chainrule.resume(tmp_path / "saved.ckpt", X, y)
    history = trainer.fit(X, y)
    for got, hist in ((trainer.net, history), (resumed, h_resumed)):
        np.testing.assert_array_equal(got.params, full.params)
        assert hist["loss"] == h_full["loss"] and hist["accuracy"] == h_full["accuracy"]
        assert hist.stop_reason == "epochs"
