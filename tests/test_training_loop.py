"""SPEC 7 and 11: the training loop (optimizers by name, schedules, clipping, early
stopping, thresholds, callbacks, validation, reproducibility, divergence and interrupt
safety, diagnostics).

References are computed in the tests: update rules written out with numpy, gradients
recomputed at recorded parameters, schedules from their formulas (and PyTorch's
ReduceLROnPlateau when importable), predictions by a plain numpy forward pass.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import re
import signal
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import chainrule
from chainrule import BatchNorm, Callback, Dense, Dropout, Network, TrainingDiverged
from chainrule.schedules import Exponential, ReduceOnPlateau, get_schedule

W_TRUE = np.array([1.0, -2.0, 0.5])


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def _ctrl_c_at(epoch: int, batch: int | None = None) -> type:
    """A callback class that sends this process SIGINT (Ctrl-C) after the given batch
    of the given epoch (after every batch of that epoch when ``batch`` is None)."""

    class CtrlC(Callback):
        def on_batch_end(self, state):
            if state.epoch == epoch and (batch is None or state.batch == batch):
                os.kill(os.getpid(), signal.SIGINT)

    return CtrlC

def regression(m: int = 24, seed: int = 1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    Y = np.column_stack([np.sin(X @ W_TRUE), np.cos(X[:, 0])])
    return X, Y


def classification(m: int = 30, seed: int = 2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8).astype(int)
    return X, y


def reg_net(seed: int = 0, sizes=(3, 5, 2)) -> Network:
    return chainrule.mlp(list(sizes), hidden="tanh", output="identity", seed=seed)


class Recorder(Callback):
    """Records the parameters after every batch and every epoch, and the hook order."""

    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.epoch_params: dict[int, np.ndarray] = {}
        self.batch_params: list[tuple[int, int, np.ndarray]] = []
        self.batches: list[tuple[int, int, np.ndarray]] = []

    def on_train_begin(self, state):
        self.events.append(("begin",))
        self.epoch_params[state.epoch] = state.net.params.copy()

    def on_batch_end(self, state):
        self.events.append(("batch", state.epoch, state.batch))
        self.batch_params.append((state.epoch, state.batch, state.net.params.copy()))
        self.batches.append((state.epoch, state.batch, state.net.layers[0].X.copy()))

    def on_epoch_end(self, state):
        self.events.append(("epoch", state.epoch))
        self.epoch_params[state.epoch] = state.net.params.copy()

    def on_train_end(self, state):
        self.events.append(("end",))


def grad_at(net: Network, theta: np.ndarray, X, Y) -> tuple[float, np.ndarray]:
    """Cost and gradient of ``net``'s architecture at ``theta`` (net left unchanged)."""
    return net.cost(theta, X, Y)


def np_forward_tanh_softmax(params: np.ndarray, sizes: list[int], X: np.ndarray) -> np.ndarray:
    """Plain numpy forward pass of an mlp (tanh hidden, softmax output) from the flat vector
    laid out as each layer's W (fan_in, fan_out) then b, layer by layer."""
    a, off = X, 0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        W = params[off:off + n_in * n_out].reshape(n_in, n_out)
        off += n_in * n_out
        b = params[off:off + n_out]
        off += n_out
        z = a @ W + b
        if i < len(sizes) - 2:
            a = np.tanh(z)
        else:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
    return a


# --------------------------------------------------------------------------------------------
# optimizers by name inside train(): same trajectory as the hand-written rules
# --------------------------------------------------------------------------------------------
def hand_rule(name: str, lr: float):
    s: dict[str, np.ndarray | int] = {"t": 0}

    def step(w, g):
        s["t"] += 1
        t = s["t"]
        if name in ("gd", "sgd"):
            return w - lr * g
        if name == "momentum":
            s["v"] = 0.9 * s.get("v", 0.0) + g
            return w - lr * s["v"]
        if name == "nesterov":
            s["v"] = 0.9 * s.get("v", 0.0) + g
            return w - lr * (g + 0.9 * s["v"])
        if name == "adagrad":
            s["s"] = s.get("s", 0.0) + g * g
            return w - lr * g / (np.sqrt(s["s"]) + 1e-10)  # torch's default eps
        if name == "rmsprop":
            s["s"] = 0.9 * s.get("s", 0.0) + 0.1 * g * g
            return w - lr * g / (np.sqrt(s["s"]) + 1e-8)
        if name == "adam":
            s["m"] = 0.9 * s.get("m", 0.0) + 0.1 * g
            s["v"] = 0.999 * s.get("v", 0.0) + 0.001 * g * g
            mhat = s["m"] / (1 - 0.9**t)
            vhat = s["v"] / (1 - 0.999**t)
            return w - lr * mhat / (np.sqrt(vhat) + 1e-8)
        raise AssertionError(name)

    return step


@pytest.mark.parametrize("name", ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                  "adam", "adam-object"])
def test_train_by_name_follows_the_hand_rule(name):
    X, Y = regression(m=12)
    net = reg_net()
    theta = net.params.copy()
    lr = 0.05
    kwargs: dict = {"lr": lr, "epochs": 4, "seed": 0}
    if name == "gd":
        kwargs["optimizer"] = "gd"
    else:
        kwargs["batch_size"] = 12  # the whole set per update: no shuffling effect
        if name == "momentum":
            kwargs.update(optimizer="sgd", momentum=0.9)
        elif name == "adam-object":
            kwargs = {"optimizer": chainrule.Adam(lr=lr), "epochs": 4, "seed": 0, "batch_size": 12}
        else:
            kwargs["optimizer"] = name
    history = chainrule.train(net, X, Y, **kwargs)
    step = hand_rule("adam" if name == "adam-object" else name, lr)
    losses = []
    for _ in range(4):
        J, g = grad_at(net, theta, X, Y)
        losses.append(J)
        theta = step(theta, g)
    np.testing.assert_allclose(net.params, theta, rtol=1e-11, atol=1e-14)
    # the epoch's loss is the cost of its batch taken before the update
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-12)
    assert history.loss == history["loss"] and history.epochs == 4


def test_minibatches_partition_each_shuffled_epoch():
    X, Y = regression(m=23)
    net = reg_net()
    rec = Recorder()
    chainrule.train(net, X, Y, optimizer="sgd", lr=0.01, batch_size=5, epochs=3, seed=4,
                    callbacks=[rec])
    key = np.lexsort(X.T[::-1])
    orders = []
    for epoch in (1, 2, 3):
        batches = [b for e, _, b in rec.batches if e == epoch]
        assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
        rows = np.concatenate(batches)
        both = rows[np.lexsort(rows.T[::-1])]
        np.testing.assert_array_equal(both, X[key])  # every example once per epoch
        orders.append(rows)
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])


def test_no_shuffle_takes_batches_in_order():
    X, Y = regression(m=11)
    rec = Recorder()
    chainrule.train(reg_net(), X, Y, optimizer="sgd", lr=0.01, batch_size=4, epochs=2,
                    shuffle=False, callbacks=[rec])
    expected = [X[0:4], X[4:8], X[8:11]] * 2
    assert len(rec.batches) == 6
    for (_, _, got), want in zip(rec.batches, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_stochastic_gradient_descent_batch_size_one():
    X, Y = regression(m=6)
    net = reg_net()
    theta = net.params.copy()
    rec = Recorder()
    chainrule.train(net, X, Y, optimizer="sgd", lr=0.1, batch_size=1, epochs=1, seed=3,
                    callbacks=[rec])
    assert len(rec.batches) == 6
    for _, _, row in rec.batches:  # replay the six single-example updates in the same order
        i = int(np.flatnonzero((X == row[0]).all(axis=1))[0])
        _, g = grad_at(net, theta, X[i:i + 1], Y[i:i + 1])
        theta = theta - 0.1 * g
    np.testing.assert_allclose(net.params, theta, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------------
# learning-rate schedules
# --------------------------------------------------------------------------------------------
LR0 = 0.2
SCHEDULE_CASES = [
    ("constant", None, [LR0] * 8),
    ("step", {"name": "step", "step_size": 3, "gamma": 0.5},
     [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05]),
    ("exponential", Exponential(gamma=0.8), [LR0 * 0.8 ** (e - 1) for e in range(1, 9)]),
    ("invscaling", "invscaling", [LR0 / math.sqrt(e) for e in range(1, 9)]),
    # from LR0 down to 0.02 over 5 epochs, then back up (PyTorch's CosineAnnealingLR)
    ("cosine", {"name": "cosine", "T_max": 5, "eta_min": 0.02},
     [0.02 + (LR0 - 0.02) * (1 + math.cos(math.pi * (e - 1) / 5)) / 2 for e in range(1, 9)]),
]


@pytest.mark.parametrize(("name", "schedule", "expected"), SCHEDULE_CASES,
                         ids=[c[0] for c in SCHEDULE_CASES])
def test_schedule_rate_per_epoch(name, schedule, expected):
    """history['lr'][e-1] is the rate used in epoch e; each update uses exactly that rate."""
    X, Y = regression()
    net = reg_net()
    rec = Recorder()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=LR0, epochs=8, schedule=schedule,
                              callbacks=[rec])
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-14)
    for epoch in range(1, 9):
        before, after = rec.epoch_params[epoch - 1], rec.epoch_params[epoch]
        _, g = grad_at(net, before, X, Y)
        np.testing.assert_allclose(before - after, expected[epoch - 1] * g, rtol=1e-9,
                                   atol=1e-15)


def test_plateau_schedule_hand_sequence():
    sched = ReduceOnPlateau(factor=0.5, patience=2, min_lr=0.01, min_delta=0.0)
    metrics = [1.0, 0.8, 0.9, 0.85, 0.81, 0.7, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8,
               0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92]
    # improvement resets the count; the rate halves after 3 (= patience + 1) bad epochs
    expected = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125,
                0.125, 0.125, 0.0625, 0.0625, 0.0625, 0.03125, 0.03125, 0.03125,
                0.015625, 0.015625, 0.015625, 0.01]  # floored at min_lr
    got = [sched.lr(e, 1.0, {"val_loss": v, "loss": 0.0}) for e, v in
           enumerate(metrics, start=1)]
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    # without val_loss it watches the training loss
    fallback = ReduceOnPlateau(factor=0.1, patience=0)
    assert fallback.lr(1, 1.0, {"loss": 2.0}) == 1.0
    assert fallback.lr(2, 1.0, {"loss": 3.0}) == pytest.approx(0.1)


def test_plateau_schedule_takes_numpy_scalars_as_metrics():
    """A metric given as a NumPy scalar (a float32 loss computed by the user's own loop,
    an int64 count) was refused as "a list of one value per layer, not one number per
    epoch", and the message listed no metrics at all.  Given as NumPy scalars, the
    metrics give the rates of the same metrics given as Python floats."""
    metrics = [1.0, 0.8, 0.9, 0.85, 0.81, 0.7, 0.75, 0.76, 0.77, 0.78]
    for kind in (np.float32, np.float64, np.int64):
        values = [kind(v * 100) if kind is np.int64 else kind(v) for v in metrics]
        numpy_sched = ReduceOnPlateau(factor=0.5, patience=1, min_lr=0.01, min_delta=0.0)
        plain_sched = ReduceOnPlateau(factor=0.5, patience=1, min_lr=0.01, min_delta=0.0)
        got = [numpy_sched.lr(e, 1.0, {"val_loss": v, "loss": kind(0)})
               for e, v in enumerate(values, start=1)]
        expected = [plain_sched.lr(e, 1.0, {"val_loss": float(v), "loss": 0.0})
                    for e, v in enumerate(values, start=1)]
        assert got == expected and min(got) < 1.0
    sched = ReduceOnPlateau(monitor="val_los")
    with pytest.raises(ValueError, match=r"'val_los' is not a metric of this run \(did you mean "
                                         r"'val_loss'\?\); the metrics are: loss, val_loss$"):
        sched.lr(1, 1.0, {"loss": np.float32(1.0), "val_loss": np.float64(2.0),
                          "grad_norms": [1.0]})


def test_plateau_schedule_in_training_matches_torch():
    torch = pytest.importorskip("torch")
    X, Y = regression()
    Xv, _ = regression(m=10, seed=7)
    Yv = -np.column_stack([np.sin(Xv @ W_TRUE), np.cos(Xv[:, 0])])  # val loss keeps rising
    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=0.3, epochs=15,
                              validation_data=(Xv, Yv),
                              schedule={"name": "plateau", "factor": 0.5, "patience": 1,
                                        "min_delta": 1e-4, "min_lr": 1e-6})
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.3)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=0.5, patience=1, threshold=1e-4, threshold_mode="abs",
        min_lr=1e-6)
    expected = []
    for v in history["val_loss"]:
        expected.append(opt.param_groups[0]["lr"])
        ref.step(v)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-14)
    assert history["lr"][-1] < 0.3  # it did reduce


def test_plateau_max_mode_for_accuracy_hand_sequence():
    """Accuracy: higher is better (mode inferred), so a rising accuracy keeps the rate."""
    sched = ReduceOnPlateau(factor=0.5, patience=1, min_delta=0.0, monitor="val_accuracy")
    assert sched.mode == "max"
    acc = [0.5, 0.6, 0.7, 0.7, 0.65, 0.8, 0.8, 0.8]
    # rises: no change; 0.7 and 0.65 do not beat 0.7 -> after 2 (= patience + 1) halve once
    expected = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    got = [sched.lr(e, 1.0, {"val_accuracy": a, "loss": 1.0}) for e, a in
           enumerate(acc, start=1)]
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert ReduceOnPlateau(monitor="accuracy").mode == "max"
    assert ReduceOnPlateau(monitor="val_loss").mode == "min"
    assert ReduceOnPlateau(monitor="val_accuracy", mode="min").mode == "min"
    # without validation data, val_accuracy watches the training accuracy
    fallback = ReduceOnPlateau(factor=0.1, patience=0, monitor="val_accuracy")
    assert fallback.lr(1, 1.0, {"loss": 2.0, "accuracy": 0.5}) == 1.0
    assert fallback.lr(2, 1.0, {"loss": 1.0, "accuracy": 0.4}) == pytest.approx(0.1)


def test_plateau_refuses_unknown_mode_and_missing_monitor():
    with pytest.raises(ValueError, match=r"mode must be 'min' or 'max'.*'up'"):
        ReduceOnPlateau(mode="up")
    with pytest.raises(TypeError, match="monitor"):
        ReduceOnPlateau(monitor=3)
    sched = ReduceOnPlateau(monitor="val_los")
    with pytest.raises(ValueError, match=r"'val_los'.*loss, val_loss"):
        sched.lr(1, 1.0, {"loss": 1.0, "val_loss": 2.0})
    X, y = classification()
    with pytest.raises(ValueError, match="monitor 'val_los'"):
        chainrule.train(chainrule.mlp([4, 3, 3], output="softmax", loss="cross_entropy",
                                      seed=0), X, y, epochs=2,
                        schedule={"name": "plateau", "monitor": "val_los"})


def test_plateau_val_accuracy_in_training_matches_torch_max_mode():
    torch = pytest.importorskip("torch")
    X, y = classification(m=40)
    Xv, yv = classification(m=20, seed=9)
    net = chainrule.mlp([4, 6, 3], hidden="tanh", output="softmax", loss="cross_entropy",
                        seed=3)
    history = chainrule.train(net, X, y, optimizer="gd", lr=0.5, epochs=20,
                              validation_data=(Xv, yv),
                              schedule={"name": "plateau", "factor": 0.5, "patience": 1,
                                        "min_delta": 1e-4, "min_lr": 1e-6,
                                        "monitor": "val_accuracy"})
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=0.5, patience=1, threshold=1e-4, threshold_mode="abs",
        min_lr=1e-6)
    expected = []
    for v in history["val_accuracy"]:
        expected.append(opt.param_groups[0]["lr"])
        ref.step(v)
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-14)


def test_plateau_state_round_trips_through_checkpoint_json():
    import json

    sched = ReduceOnPlateau(factor=0.5, patience=0, min_delta=0.0, monitor="accuracy")
    sched.lr(1, 1.0, {"loss": 1.0, "accuracy": 0.6})
    saved = json.loads(json.dumps({"config": sched.get_config(), "state": sched.get_state()}))
    assert saved["config"]["mode"] == "max"
    copy = get_schedule(saved["config"])
    copy.set_state(saved["state"])
    for e, a in enumerate([0.5, 0.7, 0.7], start=2):
        assert copy.lr(e, 1.0, {"accuracy": a}) == sched.lr(e, 1.0, {"accuracy": a})
    assert copy.lr(5, 1.0, {"accuracy": 0.7}) == 0.125
    # a fresh max-mode schedule (best = -inf) survives JSON too
    fresh = ReduceOnPlateau(monitor="val_accuracy")
    state = json.loads(json.dumps(fresh.get_state()))
    assert state["_best"] == -math.inf
    # checkpoints written before ``mode`` existed infer it from the monitor
    old = get_schedule({"name": "plateau", "factor": 0.5, "patience": 5, "min_lr": 1e-6,
                        "monitor": "val_loss", "min_delta": 1e-4})
    assert old.mode == "min"


def test_plateau_max_mode_survives_trainer_checkpoint(tmp_path):
    X, y = classification()
    sched = {"name": "plateau", "monitor": "accuracy", "patience": 0, "factor": 0.5}
    net = chainrule.mlp([4, 3, 3], output="softmax", loss="cross_entropy", seed=0)
    trainer = chainrule.Trainer(net, optimizer="gd", lr=0.5, epochs=3, schedule=sched)
    trainer.fit(X, y)
    trainer.save_checkpoint(tmp_path / "ck.npz")
    back = chainrule.Trainer.from_checkpoint(tmp_path / "ck.npz")
    assert back.schedule.mode == "max"
    assert back.schedule.get_state() == trainer.schedule.get_state()


def test_schedule_refusals():
    with pytest.raises(ValueError, match="unknown schedule"):
        get_schedule("cyclic")
    with pytest.raises(ValueError, match="step_size"):
        get_schedule({"name": "step", "step_size": 0})
    with pytest.raises(ValueError, match="gamma"):
        get_schedule({"name": "exponential", "gamma": -1.0})
    with pytest.raises(ValueError, match="factor"):
        ReduceOnPlateau(factor=1.5)
    with pytest.raises(TypeError, match="schedule"):
        get_schedule(3.5)


@pytest.mark.parametrize("name", [["step"], {"name": "step"}])
def test_a_schedule_name_that_is_no_str_is_refused_by_name(name):
    """schedule={"name": ["step"]} failed with Python's "unhashable type: 'list'"."""
    X, Y = regression(m=10)
    net = reg_net()
    before = net.params.copy()
    # named as train's argument (robust33), then the lookup's words
    with pytest.raises(ValueError, match=rf"^schedule: unknown schedule {re.escape(repr(name))};"
                                         r" valid names are: constant, step, multistep, "
                                         r"exponential, invscaling, cosine, plateau, warmup, "
                                         r"onecycle, cosine_restarts, linear, polynomial, "
                                         r"inverse_time$"):
        chainrule.train(net, X, Y, epochs=2, schedule={"name": name})
    np.testing.assert_array_equal(net.params, before)


# --------------------------------------------------------------------------------------------
# gradient clipping
# --------------------------------------------------------------------------------------------
def test_clip_norm_equals_hand_clipped_step():
    X, Y = regression()
    net = reg_net()
    theta0 = net.params.copy()
    _, g = grad_at(net, theta0, X, Y)
    norm = np.linalg.norm(g)
    clip = 0.1 * norm
    chainrule.train(net, X, Y, optimizer="gd", lr=0.5, epochs=1, clip_norm=clip)
    expected = theta0 - 0.5 * g * (clip / norm)
    np.testing.assert_allclose(net.params, expected, rtol=1e-12, atol=1e-15)
    assert np.linalg.norm(theta0 - net.params) == pytest.approx(0.5 * clip, rel=1e-10)


def test_clip_norm_above_the_norm_changes_nothing():
    X, Y = regression()
    a, b = reg_net(), reg_net()
    _, g = grad_at(a, a.params.copy(), X, Y)
    chainrule.train(a, X, Y, optimizer="gd", lr=0.5, epochs=1)
    chainrule.train(b, X, Y, optimizer="gd", lr=0.5, epochs=1,
                    clip_norm=2.0 * np.linalg.norm(g))
    np.testing.assert_array_equal(a.params, b.params)


def test_clipped_gradient_feeds_the_momentum():
    X, Y = regression()
    net = reg_net()
    w = net.params.copy()
    chainrule.train(net, X, Y, optimizer="gd", lr=0.3, momentum=0.9, epochs=3, clip_norm=0.05)
    v = np.zeros_like(w)
    for _ in range(3):
        _, g = grad_at(net, w, X, Y)
        n = np.linalg.norm(g)
        assert n > 0.05
        v = 0.9 * v + g * (0.05 / n)
        w = w - 0.3 * v
    np.testing.assert_allclose(net.params, w, rtol=1e-11, atol=1e-15)


# --------------------------------------------------------------------------------------------
# early stopping and thresholds
# --------------------------------------------------------------------------------------------
def early_stopping_problem():
    """Validation targets are a shrunken copy of the truth: the validation loss falls, then
    rises as the network fits the training targets."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    Y = np.sin(X @ W_TRUE)[:, None]
    Xv = rng.normal(size=(20, 3))
    Yv = 0.3 * np.sin(Xv @ W_TRUE)[:, None]
    return X, Y, Xv, Yv


def test_early_stopping_restores_best_epoch():
    X, Y, Xv, Yv = early_stopping_problem()
    net = chainrule.mlp([3, 8, 1], hidden="tanh", seed=0)
    rec = Recorder()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=100,
                              seed=0, validation_data=(Xv, Yv), patience=4, callbacks=[rec])
    assert history.stop_reason == "early_stopping"
    assert history.epochs < 100
    val = np.asarray(history["val_loss"])
    best = int(np.argmin(val)) + 1
    assert 1 < best < history.epochs  # a genuine minimum, then patience epochs without one
    assert history.best_epoch == best
    assert history.epochs == best + 4
    assert np.all(val[best:] >= val[best - 1])
    np.testing.assert_array_equal(net.params, rec.epoch_params[best])
    assert not np.array_equal(net.params, rec.epoch_params[history.epochs])
    # the restored parameters give the best validation loss
    assert net.loss_value(Xv, Yv) == pytest.approx(val[best - 1], rel=1e-12)


def test_early_stopping_without_restore_keeps_last_params():
    X, Y, Xv, Yv = early_stopping_problem()
    net = chainrule.mlp([3, 8, 1], hidden="tanh", seed=0)
    rec = Recorder()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=100,
                              seed=0, validation_data=(Xv, Yv), patience=4,
                              restore_best=False, callbacks=[rec])
    assert history.stop_reason == "early_stopping"
    np.testing.assert_array_equal(net.params, rec.epoch_params[history.epochs])


def test_early_stopping_restores_the_whole_best_network_with_batchnorm():
    X, Y, Xv, Yv = early_stopping_problem()
    net = Network([Dense(3, 8, "identity", init="glorot_uniform", seed=0),
                   BatchNorm(8, activation="tanh"),
                   Dense(8, 1, "identity", init="glorot_uniform", seed=2)])
    predictions = {}

    def record(state):
        predictions[state.epoch] = state.net.forward(Xv)

    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=100,
                              seed=0, validation_data=(Xv, Yv), patience=4,
                              callbacks=[record])
    assert history.stop_reason == "early_stopping"
    best = history.best_epoch
    assert best < history.epochs
    np.testing.assert_array_equal(net.forward(Xv), predictions[best])
    assert net.loss_value(Xv, Yv) == pytest.approx(history["val_loss"][best - 1], rel=1e-12)


def test_patience_restores_best_when_epochs_run_out():
    X, Y, Xv, Yv = early_stopping_problem()
    net = chainrule.mlp([3, 8, 1], hidden="tanh", seed=0)
    rec = Recorder()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=7,
                              seed=0, validation_data=(Xv, Yv), patience=50, callbacks=[rec])
    assert history.stop_reason == "epochs"
    best = int(np.argmin(history["val_loss"])) + 1
    assert best < 7 and history.best_epoch == best
    np.testing.assert_array_equal(net.params, rec.epoch_params[best])


def test_loss_threshold_stops_at_first_epoch_below():
    X, Y = regression()
    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=0.3, epochs=500,
                              loss_threshold=0.08)
    assert history.stop_reason == "loss_threshold"
    loss = history["loss"]
    assert 1 < len(loss) < 500
    assert loss[-1] <= 0.08 and all(v > 0.08 for v in loss[:-1])


def test_grad_norm_threshold_uses_the_epoch_gradient_norm():
    X, Y = regression()
    net = reg_net()
    rec = Recorder()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=0.3, epochs=500,
                              grad_norm_threshold=0.05, callbacks=[rec])
    assert history.stop_reason == "grad_norm_threshold"
    norms = history["grad_norm"]
    assert 1 < len(norms) < 500
    assert norms[-1] <= 0.05 and all(v > 0.05 for v in norms[:-1])
    # full batch: the epoch's gradient norm is ||grad J|| at the parameters it started from
    for epoch in (1, 2, len(norms)):
        _, g = grad_at(net, rec.epoch_params[epoch - 1], X, Y)
        assert norms[epoch - 1] == pytest.approx(np.linalg.norm(g), rel=1e-12)


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
def test_callback_hooks_order_and_counts():
    X, Y = regression(m=10)
    rec = Recorder()
    calls = []
    history = chainrule.train(reg_net(), X, Y, optimizer="sgd", lr=0.01, batch_size=4,
                              epochs=3, seed=0, callbacks=[rec, calls.append])
    expected = [("begin",)]
    for epoch in (1, 2, 3):
        expected += [("batch", epoch, b) for b in range(3)] + [("epoch", epoch)]
    expected.append(("end",))
    assert rec.events == expected
    # a plain callable is called at each epoch end with the TrainState
    assert len(calls) == 3
    state = calls[-1]
    assert isinstance(state, chainrule.TrainState)
    assert state.epoch == 3 and state.history is history
    assert state.logs["loss"] == history["loss"][-1]
    assert isinstance(state.net, Network) and isinstance(state.optimizer, chainrule.SGD)


def test_plain_callable_sees_every_epoch():
    X, Y = regression(m=10)
    seen = []

    def cb(state):
        seen.append((state.epoch, state.history.epochs, state.logs["loss"]))

    history = chainrule.train(reg_net(), X, Y, optimizer="gd", lr=0.1, epochs=4, callbacks=[cb])
    assert seen == [(e, e, history["loss"][e - 1]) for e in range(1, 5)]


def test_callback_stop_at_epoch_end():
    X, Y = regression(m=10)
    rec = Recorder()

    def stop_at_3(state):
        if state.epoch == 3:
            state.stop = True

    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=0.1, epochs=50,
                              callbacks=[rec, stop_at_3])
    assert history.stop_reason == "callback" and history.epochs == 3
    np.testing.assert_array_equal(net.params, rec.epoch_params[3])


def test_callback_stop_during_an_epoch():
    X, Y = regression(m=10)
    rec = Recorder()

    class StopMidway(Callback):
        def on_batch_end(self, state):
            if state.epoch == 2 and state.batch == 1:
                state.stop = True

    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.1, batch_size=3, epochs=50,
                              seed=0, callbacks=[rec, StopMidway()])
    assert history.stop_reason == "callback"
    assert history.epochs == 1  # epoch 2 was not completed
    assert rec.batch_params[-1][:2] == (2, 1)
    np.testing.assert_array_equal(net.params, rec.batch_params[-1][2])
    assert rec.events[-1] == ("end",)


def test_bad_callback_is_refused():
    X, Y = regression(m=10)
    with pytest.raises(TypeError, match="callbacks"):
        chainrule.train(reg_net(), X, Y, callbacks=[42])


# --------------------------------------------------------------------------------------------
# validation, accuracy
# --------------------------------------------------------------------------------------------
def test_validation_fraction_split():
    X, Y = regression(m=50)
    net = reg_net()
    rec = Recorder()
    history = chainrule.train(net, X, Y, optimizer="gd", lr=0.1, epochs=3, seed=5,
                              validation_fraction=0.2, callbacks=[rec])
    train_rows = rec.batches[0][2]
    assert train_rows.shape == (40, 3)
    assert all(np.array_equal(b, train_rows) for _, _, b in rec.batches)
    in_train = np.array([(train_rows == x).all(axis=1).any() for x in X])
    assert in_train.sum() == 40  # 40 distinct examples for training, the other 10 held out
    Xv, Yv = X[~in_train], Y[~in_train]
    for epoch in (1, 2, 3):
        J, _ = grad_at(net, rec.epoch_params[epoch], Xv, Yv)
        assert history["val_loss"][epoch - 1] == pytest.approx(J, rel=1e-12)
        J_train, _ = grad_at(net, rec.epoch_params[epoch - 1], X[in_train], Y[in_train])
        assert history["loss"][epoch - 1] == pytest.approx(J_train, rel=1e-12)
    # the same seed holds out the same examples
    rec2 = Recorder()
    chainrule.train(reg_net(), X, Y, optimizer="gd", lr=0.1, epochs=1, seed=5,
                    validation_fraction=0.2, callbacks=[rec2])
    np.testing.assert_array_equal(rec2.batches[0][2], train_rows)


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5, -0.2])
def test_validation_fraction_refused(fraction):
    X, Y = regression(m=10)
    with pytest.raises(ValueError, match="validation_fraction"):
        chainrule.train(reg_net(), X, Y, validation_fraction=fraction)


def test_validation_fraction_too_small_for_the_data():
    X, Y = regression(m=4)
    with pytest.raises(ValueError, match="validation_fraction"):
        chainrule.train(reg_net(), X, Y, validation_fraction=0.05)


def test_validation_data_must_be_a_pair():
    X, Y = regression(m=10)
    with pytest.raises(TypeError, match="validation_data"):
        chainrule.train(reg_net(), X, Y, validation_data=X)


def test_accuracy_metrics():
    X, y = classification(m=30)
    Xv, yv = classification(m=17, seed=9)
    sizes = [4, 6, 3]
    net = chainrule.mlp(sizes, hidden="tanh", output="softmax", seed=1)
    rec = Recorder()
    history = chainrule.train(net, X, y, optimizer="gd", lr=0.5, epochs=5,
                              validation_data=(Xv, yv), callbacks=[rec])
    for epoch in range(1, 6):
        before, after = rec.epoch_params[epoch - 1], rec.epoch_params[epoch]
        acc = np.mean(np.argmax(np_forward_tanh_softmax(before, sizes, X), axis=1) == y)
        val_acc = np.mean(np.argmax(np_forward_tanh_softmax(after, sizes, Xv), axis=1) == yv)
        assert history["accuracy"][epoch - 1] == pytest.approx(acc, abs=1e-15)
        assert history["val_accuracy"][epoch - 1] == pytest.approx(val_acc, abs=1e-15)
        P = np_forward_tanh_softmax(after, sizes, Xv)
        val_loss = -np.mean(np.log(P[np.arange(len(yv)), yv]))
        assert history["val_loss"][epoch - 1] == pytest.approx(val_loss, rel=1e-12)
    assert "accuracy" not in chainrule.train(reg_net(), *regression(), epochs=1)


def test_binary_accuracy_with_one_sigmoid_output():
    X, y = classification(m=30)
    yb = (y > 0).astype(float)
    net = chainrule.mlp([4, 5, 1], hidden="tanh", output="sigmoid", seed=2)
    rec = Recorder()
    history = chainrule.train(net, X, yb, optimizer="gd", lr=0.5, epochs=3, callbacks=[rec])
    assert net.loss.name == "log_loss"
    for epoch in (1, 2, 3):
        theta = rec.epoch_params[epoch - 1]
        W1, b1 = theta[:20].reshape(4, 5), theta[20:25]
        W2, b2 = theta[25:30].reshape(5, 1), theta[30]
        p = 1.0 / (1.0 + np.exp(-(np.tanh(X @ W1 + b1) @ W2 + b2)))
        acc = np.mean((p[:, 0] > 0.5) == (yb > 0.5))
        assert history["accuracy"][epoch - 1] == pytest.approx(acc, abs=1e-15)
        loss = -np.mean(yb * np.log(p[:, 0]) + (1 - yb) * np.log(1 - p[:, 0]))
        assert history["loss"][epoch - 1] == pytest.approx(loss, rel=1e-12)


# --------------------------------------------------------------------------------------------
# reproducibility
# --------------------------------------------------------------------------------------------
def _dropout_net() -> Network:
    return Network([Dense(3, 8, "relu", init="he_normal", seed=0), Dropout(0.3, seed=1),
                    Dense(8, 2, "identity", init="glorot_uniform", seed=2)])


def test_same_seed_same_result():
    X, Y = regression(m=30)
    runs = []
    for _ in range(2):
        net = _dropout_net()
        h = chainrule.train(net, X, Y, optimizer="adam", lr=0.01, batch_size=7, epochs=5,
                            seed=11, validation_fraction=0.2)
        runs.append((net.params.copy(), dict(h)))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    other = _dropout_net()
    chainrule.train(other, X, Y, optimizer="adam", lr=0.01, batch_size=7, epochs=5, seed=12,
                    validation_fraction=0.2)
    assert not np.array_equal(other.params, runs[0][0])


def _unseeded_dropout_net(rate: float = 0.5, seed: int | None = None) -> Network:
    """Seeded weights, a Dropout built as ``Dropout(rate)`` (or with ``seed``)."""
    return Network([Dense(3, 8, "tanh", seed=0), Dropout(rate, seed=seed),
                    Dense(8, 2, "identity", seed=2)])


class _MaskRecorder(Callback):
    def __init__(self) -> None:
        self.masks: list[np.ndarray] = []

    def on_batch_end(self, state):
        self.masks.append(state.net.layers[1].mask.copy())


def test_train_seed_seeds_a_dropout_built_without_one():
    """Dropout(rate) built without a seed drew its masks from fresh entropy: two runs of
    train(..., seed=11) ended with different parameters.  train's seed drives them now."""
    X, Y = regression(m=30)
    runs = []
    for _ in range(2):
        net, rec = _unseeded_dropout_net(), _MaskRecorder()
        h = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=4,
                            seed=11, callbacks=[rec])
        runs.append((net.params.copy(), dict(h), rec.masks))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    assert len(runs[0][2]) == 12
    for a, b in zip(runs[0][2], runs[1][2], strict=True):
        np.testing.assert_array_equal(a, b)
    # the masks are real dropout masks: 0 or 1/(1 - rate), about half of them dropped
    masks = np.concatenate(runs[0][2])
    assert set(np.unique(masks)) == {0.0, 2.0}
    assert 0.4 < np.mean(masks == 0) < 0.6
    # the seed does drive them: same shuffling (shuffle=False), another seed, other masks
    kept = []
    for seed in (11, 12):
        net, rec = _unseeded_dropout_net(), _MaskRecorder()
        chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=1,
                        seed=seed, shuffle=False, callbacks=[rec])
        kept.append(rec.masks[0])
    assert not np.array_equal(kept[0], kept[1])


def test_a_dropout_with_a_seed_of_its_own_keeps_its_stream():
    """Dropout(rate, seed=7): its first mask is the one numpy draws from seed 7, whatever
    train's seed (full batch: the mask of the whole X)."""
    X, Y = regression(m=30)
    for train_seed in (0, 1, None):
        net, rec = _unseeded_dropout_net(0.3, seed=7), _MaskRecorder()
        chainrule.train(net, X, Y, epochs=2, seed=train_seed, callbacks=[rec])
        draws = np.random.default_rng(7)
        for mask in rec.masks:
            expected = (draws.random((30, 8)) >= 0.3) / 0.7
            np.testing.assert_array_equal(mask, expected)


def test_without_a_seed_train_leaves_an_unseeded_dropout_its_generator():
    X, Y = regression(m=30)
    net = _unseeded_dropout_net()
    generator = net.layers[1].rng
    draws = np.random.default_rng()
    draws.bit_generator.state = generator.bit_generator.state  # its stream, copied
    rec = _MaskRecorder()
    chainrule.train(net, X, Y, epochs=1, callbacks=[rec])
    assert net.layers[1].rng is generator
    np.testing.assert_array_equal(rec.masks[0], (draws.random((30, 8)) >= 0.5) / 0.5)


def test_network_from_layers_without_a_seed_leaves_dropout_to_train():
    layers = [{"type": "Dense", "fan_out": 6, "activation": "tanh"},
              {"type": "Dropout", "rate": 0.5},
              {"type": "Dense", "fan_out": 2, "activation": "identity"}]
    assert not chainrule.network_from_layers(layers, input_shape=3).layers[1].own_seed
    assert chainrule.network_from_layers(layers, input_shape=3, seed=0).layers[1].own_seed
    X, Y = regression(m=30)
    runs = []
    for _ in range(2):
        net = chainrule.network_from_layers(layers, input_shape=3)
        net.set_params(np.linspace(-1.0, 1.0, net.n_params))  # the same start
        chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=10, epochs=3, seed=4)
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_a_pickled_network_keeps_its_unseeded_dropout_to_train():
    """A network sent through pickle (joblib's workers, multiprocessing) came back with its
    Dropout(rate) marked as seeded (the record's generator state), so train(copy, seed=11)
    kept the fresh-entropy stream: not the parameters of train(net, seed=11), and not the
    same in two processes.  A pickled copy now trains as the original and as a deep copy."""
    import copy
    import pickle

    X, Y = regression(m=30)
    kwargs = dict(optimizer="sgd", lr=0.05, batch_size=10, epochs=3, seed=11)
    nets = [_unseeded_dropout_net()]
    nets += [copy.deepcopy(nets[0]), pickle.loads(pickle.dumps(nets[0]))]
    assert [net.layers[1].own_seed for net in nets] == [False, False, False]
    for net in nets:
        chainrule.train(net, X, Y, **kwargs)
    np.testing.assert_array_equal(nets[1].params, nets[0].params)
    np.testing.assert_array_equal(nets[2].params, nets[0].params)
    # a Dropout with a seed of its own stays one: its stream goes on in the copy
    seeded = _unseeded_dropout_net(seed=7)
    assert pickle.loads(pickle.dumps(seeded)).layers[1].own_seed


@pytest.mark.parametrize("interrupt", [False, True])
def test_resume_repeats_a_run_whose_dropout_train_seeds(tmp_path, interrupt):
    """2N epochs == N epochs + checkpoint + N more, with Dropout(rate) seeded by train; also
    after a Ctrl-C in the first epoch (the checkpoint then holds the state before it)."""
    X, Y = regression(m=30)
    kwargs = dict(optimizer="adam", lr=0.01, batch_size=7, seed=3)
    full = _unseeded_dropout_net()
    h_full = chainrule.train(full, X, Y, epochs=6, **kwargs)
    path = tmp_path / "run.npz"
    part = _unseeded_dropout_net()
    chainrule.train(part, X, Y, epochs=6 if interrupt else 3, checkpoint=path,
                    callbacks=[_ctrl_c_at(1, 2)()] if interrupt else [], **kwargs)
    assert chainrule.Trainer.from_checkpoint(path).epoch == (0 if interrupt else 3)
    resumed, h_res = chainrule.resume(path, X, Y, epochs=6)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)
    # the resumed network's Dropout is still one that train seeds: a new run on it, seeded,
    # draws the masks of the same run on the uninterrupted network
    assert resumed.layers[1].own_seed is False
    chainrule.train(full, X, Y, epochs=2, **kwargs)
    chainrule.train(resumed, X, Y, epochs=2, **kwargs)
    np.testing.assert_array_equal(resumed.params, full.params)


# --------------------------------------------------------------------------------------------
# divergence and interrupts
# --------------------------------------------------------------------------------------------
def _diverging_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    return X, np.sin(X[:, :1])


@pytest.mark.parametrize(("optimizer", "batch_size"), [("gd", None), ("sgd", 5)])
def test_nan_loss_raises_and_keeps_last_finite_params(optimizer, batch_size):
    X, Y = _diverging_problem()
    net = chainrule.mlp([2, 8, 1], hidden="tanh", output="identity", seed=0)
    theta0 = net.params.copy()
    rec = Recorder()
    with pytest.raises(TrainingDiverged) as info:
        chainrule.train(net, X, Y, optimizer=optimizer, batch_size=batch_size, lr=1e6,
                        epochs=200, seed=0, callbacks=[rec])
    exc = info.value
    assert isinstance(exc, FloatingPointError)
    assert f"epoch {exc.epoch}" in str(exc) and f"batch {exc.batch}" in str(exc)
    assert np.isfinite(net.params).all()
    # the failing step is the one after the last completed batch
    last = rec.batch_params[-1] if rec.batch_params else (1, -1, theta0)
    n_batches = 1 if batch_size is None else 4
    if last[1] == n_batches - 1:
        assert (exc.epoch, exc.batch) == (last[0] + 1, 0)
    else:
        assert (exc.epoch, exc.batch) == (last[0], last[1] + 1)
    # the network keeps the last parameters whose loss was finite: those before the last
    # completed step when the loss became NaN, those after it when the step itself overflowed
    if "the loss" in str(exc):
        before = rec.batch_params[-2][2] if len(rec.batch_params) > 1 else theta0
        np.testing.assert_array_equal(net.params, before)
    else:
        np.testing.assert_array_equal(net.params, last[2])
    with np.errstate(over="ignore"):
        assert np.isfinite(net.loss_value(X, Y))
    assert exc.history.epochs == exc.epoch - 1
    assert exc.history.stop_reason == "diverged"
    assert exc.history.epochs == 0 or np.isfinite(exc.history["loss"]).all()
    assert rec.events[-1] == ("end",)  # on_train_end still runs


def test_keyboard_interrupt_at_epoch_end_stops_cleanly():
    X, Y = regression(m=12)
    rec = Recorder()

    def interrupt(state):
        if state.epoch == 3:
            raise KeyboardInterrupt

    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=20,
                              seed=0, callbacks=[rec, interrupt])
    assert history.stop_reason == "interrupted" and history.interrupted
    assert history.epochs == 3 and len(history["lr"]) == 3
    np.testing.assert_array_equal(net.params, rec.epoch_params[3])


def test_keyboard_interrupt_during_an_epoch_keeps_params_and_history():
    X, Y = regression(m=12)
    rec = Recorder()

    class Interrupt(Callback):
        def on_batch_end(self, state):
            if state.epoch == 2 and state.batch == 1:
                raise KeyboardInterrupt

    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=20,
                              seed=0, callbacks=[rec, Interrupt()])
    assert history.stop_reason == "interrupted"
    assert history.epochs == 1
    assert rec.batch_params[-1][:2] == (2, 1)
    np.testing.assert_array_equal(net.params, rec.batch_params[-1][2])
    assert rec.events[-1] == ("end",)


def test_ctrl_c_stops_after_the_current_batch():
    """A real SIGINT (what Ctrl-C sends) during a batch: the run ends after that batch."""
    X, Y = regression(m=12)
    rec = Recorder()
    handler_before = signal.getsignal(signal.SIGINT)

    CtrlC = _ctrl_c_at(2, 0)

    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=20,
                              seed=0, callbacks=[CtrlC(), rec])
    assert history.stop_reason == "interrupted"
    assert history.epochs == 1
    assert rec.batch_params[-1][:2] == (2, 0)
    np.testing.assert_array_equal(net.params, rec.batch_params[-1][2])
    assert signal.getsignal(signal.SIGINT) is handler_before  # the handler is put back


def test_a_second_ctrl_c_aborts_the_run():
    """Two real SIGINTs during batch 1 of epoch 2 (Ctrl-C pressed twice in a long batch):
    the first asks to stop after the batch, the second aborts as its message says, with a
    KeyboardInterrupt out of train (it used to be swallowed as a first one and train
    returned); the history keeps the one complete epoch, and the handler is put back."""
    X, Y = regression(m=12)
    handler_before = signal.getsignal(signal.SIGINT)

    class Twice(Callback):
        def on_batch_end(self, state):
            if (state.epoch, state.batch) == (2, 1):
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)

    trainer = chainrule.Trainer(reg_net(), optimizer="sgd", lr=0.05, batch_size=4, epochs=20,
                                seed=0, verbose=0, callbacks=[Twice()])
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(X, Y)
    assert (trainer.history.epochs, trainer.history.stop_reason) == (1, "interrupted")
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_an_ignored_sigint_stays_ignored():
    """A SIGINT the process ignores (a background job of a shell script, trap '' INT)
    reaches no handler of the loop: the run trains all its epochs, to the parameters of
    the run without the signal, and SIGINT is still ignored afterwards."""
    X, Y = regression(m=12)
    reference = reg_net()
    chainrule.train(reference, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=4, seed=0)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        net = reg_net()
        history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=4,
                                  seed=0, callbacks=[_ctrl_c_at(2)()])  # 3 signals
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, old)
    assert (history.stop_reason, history.epochs) == ("epochs", 4)
    np.testing.assert_array_equal(net.params, reference.params)


def test_a_sigint_handler_set_from_c_is_left_alone(monkeypatch):
    """Where the SIGINT handler was set from C (an embedding host: ``getsignal`` gives None
    and ``signal.signal`` returns None), the loop installs none of its own: it could not
    put the host's back, and would leave its flag's handler in place after the run."""
    installed = []
    monkeypatch.setattr(signal, "getsignal",
                        lambda signum: None if signum == signal.SIGINT else signal.SIG_DFL)
    monkeypatch.setattr(signal, "signal", lambda signum, handler: installed.append(handler))
    X, Y = regression(m=12)
    history = chainrule.train(reg_net(), X, Y, optimizer="sgd", lr=0.05, batch_size=4,
                              epochs=2, seed=0)
    assert history.stop_reason == "epochs"
    assert installed == []


def test_the_host_sigint_handler_is_back_after_a_run_that_raises():
    """A host's own SIGINT handler, set before train, is the one in place after a run that
    a callback's error ends (and it never ran)."""
    calls = []

    def host(signum, frame):
        calls.append(signum)

    class Fails(Callback):
        def on_epoch_end(self, state):
            raise RuntimeError("callback failed")

    X, Y = regression(m=12)
    old = signal.signal(signal.SIGINT, host)
    try:
        with pytest.raises(RuntimeError, match="callback failed"):
            chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=4, epochs=3,
                            callbacks=[Fails()])
        assert signal.getsignal(signal.SIGINT) is host
    finally:
        signal.signal(signal.SIGINT, old)
    assert calls == []


def test_a_host_sigint_handler_stays_in_place_and_is_called():
    """A host program's own SIGINT handler, set before train, was replaced for the run by
    the loop's: a Ctrl-C during training never reached it (the host never learnt of it)
    and stopped the run instead.  It now stays in place, as Keras leaves SIGINT alone:
    a real SIGINT in batch 1 of epoch 2 calls it once, and the run, which it does not
    stop, trains all its epochs to the parameters of the run without the signal; the
    handler is the one in place during the run and after it."""
    calls, seen = [], []

    def host(signum, frame):
        calls.append(signum)

    class Send(Callback):
        def on_batch_end(self, state):
            seen.append(signal.getsignal(signal.SIGINT))
            if (state.epoch, state.batch) == (2, 1):
                os.kill(os.getpid(), signal.SIGINT)

    X, Y = regression(m=12)
    reference = reg_net()
    chainrule.train(reference, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=3, seed=0)
    old = signal.signal(signal.SIGINT, host)
    try:
        net = reg_net()
        history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=3,
                                  seed=0, callbacks=[Send()])
        assert signal.getsignal(signal.SIGINT) is host
    finally:
        signal.signal(signal.SIGINT, old)
    assert calls == [signal.SIGINT]
    assert set(seen) == {host} and len(seen) == 9
    assert (history.stop_reason, history.epochs) == ("epochs", 3)
    np.testing.assert_array_equal(net.params, reference.params)


def test_a_host_sigint_handler_that_raises_stops_the_run_as_ctrl_c():
    """A host handler that raises KeyboardInterrupt (to stop what runs) stops the run where
    it lands, as a callback's KeyboardInterrupt does: here after batch 1 of epoch 2, with
    the parameters of that batch (recorded) and one complete epoch; SIG_DFL and SIG_IGN,
    the host's choices too, stay in place for the run."""
    def host(signum, frame):
        raise KeyboardInterrupt

    X, Y = regression(m=12)
    rec = Recorder()
    old = signal.signal(signal.SIGINT, host)
    try:
        net = reg_net()
        history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4,
                                  epochs=5, seed=0, callbacks=[rec, _ctrl_c_at(2, 1)()])
        assert signal.getsignal(signal.SIGINT) is host
        seen = []

        def handler_in_place(state):
            seen.append(signal.getsignal(signal.SIGINT))

        for choice in (signal.SIG_DFL, signal.SIG_IGN):
            signal.signal(signal.SIGINT, choice)
            chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=4, epochs=1,
                            callbacks=[handler_in_place])
            assert seen[-1] is choice and signal.getsignal(signal.SIGINT) is choice
    finally:
        signal.signal(signal.SIGINT, old)
    assert (history.stop_reason, history.epochs) == ("interrupted", 1)
    assert rec.batch_params[-1][:2] == (2, 1)
    np.testing.assert_array_equal(net.params, rec.batch_params[-1][2])


# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------
def test_diagnostics_shapes_and_values():
    X, y = classification(m=25)
    sizes = [4, 6, 5, 3]
    net = chainrule.mlp(sizes, hidden="sigmoid", output="softmax", seed=3)
    net.params[...] *= 4.0  # large weights: some sigmoid units saturate
    rec = Recorder()
    history = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=3, diagnostics=True,
                              callbacks=[rec])
    assert len(history["grad_norms"]) == 3 and len(history["saturation"]) == 3
    for epoch in (1, 2, 3):
        norms, sat = history["grad_norms"][epoch - 1], history["saturation"][epoch - 1]
        assert len(norms) == 3  # one per Dense layer
        assert len(sat) == 2  # hidden layers; softmax has no elementwise derivative
        theta = rec.epoch_params[epoch - 1]
        _, g = grad_at(net, theta, X, y)
        # per-layer norms of the gradient (W then b of each layer)
        off, expected = 0, []
        for n_in, n_out in itertools.pairwise(sizes):
            n = n_in * n_out + n_out
            expected.append(np.linalg.norm(g[off:off + n]))
            off += n
        np.testing.assert_allclose(norms, expected, rtol=1e-12)
        # saturation: fraction of units with sigmoid'(z) = s (1 - s) < 0.01
        a, off, fracs = X, 0, []
        for n_in, n_out in itertools.pairwise(sizes[:-1]):
            W = theta[off:off + n_in * n_out].reshape(n_in, n_out)
            off += n_in * n_out
            z = a @ W + theta[off:off + n_out]
            off += n_out
            s = 1.0 / (1.0 + np.exp(-z))
            fracs.append(np.mean(s * (1 - s) < 0.01))
            a = s
        np.testing.assert_allclose(sat, fracs, rtol=1e-15)
    assert 0 < max(max(s) for s in history["saturation"]) < 1  # a non-trivial fraction


def test_diagnostics_absent_by_default():
    X, Y = regression(m=10)
    history = chainrule.train(reg_net(), X, Y, epochs=2)
    assert "grad_norms" not in history and "saturation" not in history


def test_vanishing_gradients_in_deep_sigmoid_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 8))
    y = rng.integers(0, 3, size=64)
    ratios = {}
    for act in ("sigmoid", "relu"):
        net = chainrule.mlp([8] + [16] * 9 + [3], hidden=act, output="softmax", seed=0)
        assert len(net.layers) == 10
        history = chainrule.train(net, X, y, optimizer="gd", lr=0.01, epochs=1,
                                  diagnostics=True)
        norms = history["grad_norms"][0]
        assert len(norms) == 10
        ratios[act] = norms[0] / norms[-1]
    assert ratios["sigmoid"] < 1e-3  # orders of magnitude smaller at the input side
    assert ratios["relu"] > 0.05
    assert ratios["relu"] > 1e3 * ratios["sigmoid"]


# --------------------------------------------------------------------------------------------
# refusals
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"optimizer": "gd", "batch_size": 8}, ValueError, "batch_size"),
        ({"optimizer": "sgd", "batch_size": 0}, ValueError, "batch_size"),
        ({"optimizer": "lbfgs"}, ValueError, "unknown optimizer"),
        ({"optimizer": "adam", "momentum": 0.9}, ValueError, "momentum"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"clip_norm": 0.0}, ValueError, "clip_norm"),
        ({"patience": 0}, ValueError, "patience"),
        ({"schedule": "cyclic"}, ValueError, "schedule"),
        ({"grad_norm_threshold": -1.0}, ValueError, "grad_norm_threshold"),
    ],
)
def test_training_refusals(kwargs, exc, match):
    X, Y = regression(m=10)
    with pytest.raises(exc, match=match):
        chainrule.train(reg_net(), X, Y, **kwargs)


def test_train_refuses_non_network():
    X, Y = regression(m=10)
    with pytest.raises(TypeError, match="Network"):
        chainrule.train("net", X, Y)


def test_divergence_restores_batchnorm_running_statistics_with_the_parameters(tmp_path):
    # lr=1e200: the first step leaves finite parameters whose next forward pass overflows;
    # that pass updates BatchNorm's running statistics (to inf) before its loss is found to
    # be infinite.  The network keeps the parameters before it (the initial ones) and must
    # keep the running statistics their own forward pass (batch 0) left, computed here by
    # hand: running = 0.9 * running + 0.1 * batch statistic (unbiased variance).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    net = Network([Dense(3, 8, "relu", seed=1), BatchNorm(8), Dense(8, 1, "identity", seed=2)])
    theta0 = net.params.copy()
    W1, b1 = net.layers[0].W.copy(), net.layers[0].b.copy()
    with pytest.raises(TrainingDiverged) as info:
        chainrule.train(net, X, y, optimizer="sgd", lr=1e200, batch_size=16, epochs=5, seed=0)
    assert (info.value.epoch, info.value.batch, info.value.what) == (1, 1, "loss")
    np.testing.assert_array_equal(net.params, theta0)
    rows = np.random.default_rng(0).permutation(64)[:16]  # the first batch of epoch 1
    H = np.maximum(X[rows] @ W1 + b1, 0.0)
    bn = net.layers[1]
    np.testing.assert_allclose(bn.running_mean, 0.1 * H.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * H.var(axis=0, ddof=1), rtol=1e-12)
    # the network is usable: evaluation-mode forward by hand, and it saves and loads
    Hx = np.maximum(X @ W1 + b1, 0.0)
    N = (Hx - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) * bn.gamma + bn.beta
    expected = N @ net.layers[2].W + net.layers[2].b
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-10)
    chainrule.io.save(net, tmp_path / "kept.npz")
    np.testing.assert_array_equal(chainrule.io.load(tmp_path / "kept.npz").forward(X),
                                  net.forward(X))


@pytest.mark.parametrize("hook", ["on_train_begin", "on_batch_end", "on_epoch_end"])
def test_divergence_keeps_the_parameters_a_callback_set_before_the_step(hook):
    # A callback sets the parameters to P (finite loss, a gradient of about 100) and the
    # rate to 1e307, so the next step's update overflows: the run stops there
    # ("parameters") and the network keeps P, the last parameters with a finite loss, not
    # the ones the optimizer had reached before the callback.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    y = X @ W_TRUE + 0.5
    P = np.array([100.0, -100.0, 100.0, 100.0])  # W (3, 1) then b

    class SetThenDiverge(Callback):
        pass

    def set_then_diverge(self, state):
        if hook != "on_batch_end" or (state.epoch, state.batch) == (1, 1):
            state.net.params[...] = P
            state.optimizer.lr = 1e307

    setattr(SetThenDiverge, hook, set_then_diverge)
    net = chainrule.mlp([3, 1], seed=0)
    with pytest.raises(TrainingDiverged) as info:
        chainrule.train(net, X, y, optimizer="sgd", lr=0.01, momentum=0.9, batch_size=4,
                        epochs=3, shuffle=False, callbacks=[SetThenDiverge()])
    where = {"on_train_begin": (1, 0), "on_batch_end": (1, 2), "on_epoch_end": (2, 0)}[hook]
    assert (info.value.epoch, info.value.batch, info.value.what) == (*where, "parameters")
    np.testing.assert_array_equal(net.params, P)
    assert np.isfinite(0.5 * np.mean((X @ P[:3] + P[3] - y) ** 2))


def test_full_batch_patience_on_training_loss_restores_the_parameters_of_the_best_loss():
    # Without validation the epoch's loss is the cost of the parameters *before* its one
    # full-batch update; the restored network must have exactly that (best) cost, computed
    # here by hand for a linear model: J = mean(1/2 (X w + b - y)^2).  A rate that grows by
    # 15 % per epoch makes the loss fall, then rise, so early stopping fires.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.0, -2.0]) + 0.1 * rng.normal(size=30)
    net = chainrule.mlp([2, 1], seed=0)
    starts = {}

    def record(state):
        starts[state.epoch + 1] = state.net.params.copy()  # what the next epoch starts from

    starts[1] = net.params.copy()
    history = chainrule.train(net, X, y, optimizer="gd", lr=0.9, epochs=200, patience=3,
                              schedule={"name": "exponential", "gamma": 1.15},
                              callbacks=[record])

    def hand_cost(theta):
        w, b = theta[:2], theta[2]
        return float(np.mean(0.5 * (X @ w + b - y) ** 2))

    assert history.stop_reason == "early_stopping"
    best = history.best_epoch
    assert best == int(np.argmin(history["loss"])) + 1 and best < history.epochs
    np.testing.assert_array_equal(net.params, starts[best])
    assert hand_cost(net.params) == pytest.approx(min(history["loss"]), rel=1e-12)
    # the parameters after the best epoch's update have a higher cost: not those
    assert hand_cost(starts[best + 1]) > hand_cost(net.params)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"loss_threshold": float("nan")}, ValueError, r"loss_threshold must be a finite float"),
        ({"loss_threshold": "0.1"}, TypeError, r"loss_threshold must be a finite float"),
        ({"verbose": "yes"}, TypeError, r"verbose must be an int >= 0"),
        ({"verbose": -1}, ValueError, r"verbose must be an int >= 0"),
        ({"shuffle": "no"}, TypeError, r"shuffle must be True or False, got 'no'"),
        ({"restore_best": "no"}, TypeError, r"restore_best must be True or False"),
        ({"diagnostics": 1}, TypeError, r"diagnostics must be True or False"),
        ({"callbacks": Callback()}, TypeError, r"callbacks must be a list"),
        ({"callbacks": print}, TypeError, r"callbacks must be a list"),
        ({"schedule": {"name": "step", "stepsize": 3}}, TypeError,
         r"schedule 'step' has no setting 'stepsize'; its settings are: step_size, gamma"),
        ({"validation_fraction": 0.2, "validation_data": "given"}, ValueError,
         r"validation_data and validation_fraction=0.2"),
    ],
)
def test_training_option_refusals_name_the_option(kwargs, exc, match):
    # Each of these was taken silently (bool("no") is True, NaN never stops, the held-out
    # fraction was dropped for validation_data) or failed with a message naming nothing.
    X, Y = regression(m=10)
    if kwargs.get("validation_data") == "given":
        kwargs = {**kwargs, "validation_data": regression(m=5, seed=3)}
    net = reg_net()
    theta0 = net.params.copy()
    with pytest.raises(exc, match=match):
        chainrule.train(net, X, Y, epochs=2, **kwargs)
    np.testing.assert_array_equal(net.params, theta0)  # nothing trained before the error


def test_validation_targets_of_another_length_name_the_validation_inputs():
    """validation_data=(X_val of 7 rows, Y_val of 5) said "validation_data[1] has 5 rows
    but X has 7": the training X has 10 rows; the 7 are those of validation_data[0]."""
    X, Y = regression(m=10)
    Xv, Yv = regression(m=7, seed=3)
    net = reg_net()
    theta0 = net.params.copy()
    with pytest.raises(ValueError, match=r"^validation_data\[1\] has 5 rows but "
                                         r"validation_data\[0\] has 7; they must match$"):
        chainrule.train(net, X, Y, epochs=2, validation_data=(Xv, Yv[:5]))
    np.testing.assert_array_equal(net.params, theta0)
    with pytest.raises(ValueError, match=r"^Y has 9 rows but X has 10; they must match$"):
        chainrule.train(net, X, Y[:9], epochs=2)


def test_a_refused_option_leaves_the_seed_generator_and_schedule_as_they_were():
    """Trainer drew the run's seed from a Generator given as seed, and reset a Schedule
    object, before checking the options after them: train(seed=g, clip_norm=-1) was
    refused with g advanced by a draw and a plateau schedule's state wiped."""
    X, Y = regression(m=10)
    g = np.random.default_rng(5)
    state = g.bit_generator.state
    schedule = ReduceOnPlateau(monitor="loss", cooldown=3)
    schedule.set_state({"_best": 0.5, "_wait": 2, "_scale": 0.25, "_cooldown_left": 1})
    with pytest.raises(ValueError, match=r"^clip_norm must be a finite float > 0, got -1"):
        chainrule.train(reg_net(), X, Y, optimizer="sgd", epochs=2, seed=g, schedule=schedule,
                        clip_norm=-1)
    assert g.bit_generator.state == state
    assert schedule.get_state() == {"_best": 0.5, "_wait": 2, "_scale": 0.25, "_cooldown_left": 1}
    # accepted, the run takes its seed from g as before: one draw of an int below 2**63
    trainer = chainrule.Trainer(reg_net(), "sgd", seed=g, schedule=schedule)
    assert trainer.seed == int(np.random.default_rng(5).integers(2**63))
    assert schedule.get_state() == {"_best": math.inf, "_wait": 0, "_scale": 1.0,
                                    "_cooldown_left": 0}


def test_callbacks_none_is_no_callbacks():
    X, Y = regression(m=10)
    a, b = reg_net(), reg_net()
    ha = chainrule.train(a, X, Y, optimizer="sgd", batch_size=4, epochs=3, seed=1,
                         callbacks=None)
    hb = chainrule.train(b, X, Y, optimizer="sgd", batch_size=4, epochs=3, seed=1)
    np.testing.assert_array_equal(a.params, b.params)
    assert ha["loss"] == hb["loss"]


def test_resume_refuses_fewer_epochs_than_already_trained(tmp_path):
    X, Y = regression(m=10)
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, epochs=3, seed=1, checkpoint=path)
    with pytest.raises(ValueError, match=r"already trained 3 epochs.*got 2"):
        chainrule.resume(path, X, Y, epochs=2)
    _, history = chainrule.resume(path, X, Y, epochs=3)  # the total already reached: done
    assert history.epochs == 3


class _Halving(chainrule.schedules.Schedule):
    """A schedule of the user's own: lr0 / 2**epoch (its name is the base's, "constant")."""

    def lr(self, epoch, lr0, metrics):
        return lr0 * 0.5**epoch


def test_resume_with_a_schedule_of_ones_own_class(tmp_path):
    # The checkpoint recorded such a schedule as its config {"name": "constant"}, and resume
    # silently went on at the constant lr0: 0.1, 0.1 instead of 0.00625, 0.003125.
    X, Y = regression(m=20)
    whole = reg_net()
    h = chainrule.train(whole, X, Y, optimizer="sgd", batch_size=8, epochs=6, seed=0,
                        schedule=_Halving())
    assert h["lr"] == [0.1 * 0.5**e for e in range(6)]  # by hand
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3, seed=0,
                    schedule=_Halving(), checkpoint=path)
    with pytest.raises(ValueError, match=r"schedule: .*its own class .*_Halving.*schedule="):
        chainrule.resume(path, X, Y, epochs=6)
    with pytest.raises(ValueError, match=r"schedule: .*used .*_Halving.*; got exponential"):
        chainrule.resume(path, X, Y, epochs=6, schedule=Exponential(0.5))
    net, history = chainrule.resume(path, X, Y, epochs=6, schedule=_Halving())
    assert history["lr"] == h["lr"]
    np.testing.assert_array_equal(net.params, whole.params)


def test_resume_refuses_a_builtin_schedule_with_other_settings(tmp_path):
    X, Y = regression(m=20)
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3, seed=0,
                    schedule=Exponential(0.5), checkpoint=path)
    with pytest.raises(ValueError, match=r"'gamma': 0.5.*'gamma': 0.9"):
        chainrule.resume(path, X, Y, epochs=6, schedule=Exponential(0.9))
    whole = reg_net()
    h = chainrule.train(whole, X, Y, optimizer="sgd", batch_size=8, epochs=6, seed=0,
                        schedule=Exponential(0.5))
    for given in (None, Exponential(0.5)):
        net, history = chainrule.resume(path, X, Y, epochs=6, schedule=given)
        assert history["lr"] == h["lr"] == [0.1 * 0.5**e for e in range(6)]
        np.testing.assert_array_equal(net.params, whole.params)


def test_ctrl_c_in_the_last_batch_of_an_epoch_keeps_that_complete_epoch(tmp_path):
    # Full-batch "gd" has one batch per epoch: a Ctrl-C during it used to drop the epoch
    # from the history (and the checkpoint) although its update was made, so that the
    # network was one step ahead of its history.  The three steps are computed by hand:
    # w <- w - lr X.T (X w + b - y) / m, b <- b - lr mean(X w + b - y).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([1.0, -2.0]) + 0.5
    net = chainrule.mlp([2, 1], seed=0)
    w, b = net.params[:2].copy(), net.params[2]
    losses = []
    for _ in range(3):
        r = X @ w + b - y
        losses.append(float(np.mean(0.5 * r**2)))
        w, b = w - 0.1 * X.T @ r / 30, b - 0.1 * r.mean()

    CtrlC = _ctrl_c_at(3)

    path = tmp_path / "run.npz"
    history = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=10,
                              callbacks=[CtrlC()], checkpoint=path)
    assert history.stop_reason == "interrupted"
    assert history.epochs == 3
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-12)
    np.testing.assert_allclose(net.params, [*w, b], rtol=1e-12)
    # the checkpoint holds the state after those 3 epochs: resumed, the run is the
    # uninterrupted one
    whole = chainrule.mlp([2, 1], seed=0)
    full = chainrule.train(whole, X, y, optimizer="gd", lr=0.1, epochs=6)
    resumed, h = chainrule.resume(path, X, y, epochs=6)
    np.testing.assert_array_equal(resumed.params, whole.params)
    assert h["loss"] == full["loss"]


def test_ctrl_c_in_the_last_minibatch_of_an_epoch_records_it():
    X, Y = regression(m=12)
    rec = Recorder()

    CtrlC = _ctrl_c_at(2, 2)  # the last of 3 batches of 4

    net = reg_net()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=4, epochs=20,
                              seed=0, callbacks=[CtrlC(), rec])
    assert history.stop_reason == "interrupted"
    assert history.epochs == 2
    np.testing.assert_array_equal(net.params, rec.epoch_params[2])


def test_diagnostics_grad_norms_are_the_backprop_gradient_before_clipping():
    # With clip_norm the per-layer norms were read from the clipped vector (their total was
    # clip_norm), while "grad_norm" is the gradient's own norm.  Reference: PyTorch autograd
    # at the initial parameters (one full-batch epoch).
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3))
    y = 5 * rng.normal(size=(16, 1))
    net = chainrule.mlp([3, 4, 1], hidden="tanh", seed=0)
    W1, b1, W2, b2 = (torch.tensor(a.copy(), requires_grad=True)
                      for a in (net.layers[0].W, net.layers[0].b, net.layers[1].W,
                                net.layers[1].b))
    out = torch.tanh(torch.tensor(X) @ W1 + b1) @ W2 + b2
    (0.5 * ((out - torch.tensor(y)) ** 2).sum(dim=1)).mean().backward()
    layer_norms = [float(torch.sqrt((W1.grad**2).sum() + (b1.grad**2).sum())),
                   float(torch.sqrt((W2.grad**2).sum() + (b2.grad**2).sum()))]
    total = float(np.hypot(*layer_norms))
    assert total > 0.3  # so that clipping acts
    h = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=1, clip_norm=0.3,
                        diagnostics=True)
    np.testing.assert_allclose(h["grad_norms"][0], layer_norms, rtol=1e-10)
    assert h["grad_norm"][0] == pytest.approx(total, rel=1e-10)


def test_plateau_min_lr_above_the_initial_rate_does_not_raise_it():
    # It used to return max(lr0 * scale, min_lr): 0.05 from the first epoch on, five times
    # the initial 0.01, although nothing had plateaued.  PyTorch keeps 0.01.
    torch = pytest.importorskip("torch")
    values = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    schedule = ReduceOnPlateau(factor=0.5, patience=1, min_delta=0.0, monitor="loss",
                               min_lr=0.05)
    ours = [schedule.lr(e, 0.01, {"loss": v}) for e, v in enumerate(values, 1)]
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.01)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, threshold=0.0,
                                                     threshold_mode="abs", min_lr=0.05)
    theirs = []
    for v in values:
        ref.step(v)
        theirs.append(opt.param_groups[0]["lr"])
    assert ours == theirs == [0.01] * 6


def test_resume_needs_the_runs_validation_data_and_refuses_other(tmp_path):
    # Resumed without its validation data, a run with patience went on comparing the
    # training loss with the best validation loss, and history["val_loss"] kept 3 values
    # for 6 epochs.  With the data given again it is the uninterrupted run, bit for bit.
    X, Y = regression(m=20)
    Xv, Yv = regression(m=8, seed=5)
    options = dict(optimizer="sgd", batch_size=8, seed=0, patience=2)
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, epochs=3, validation_data=(Xv, Yv), checkpoint=path,
                    **options)
    with pytest.raises(ValueError, match=r"validation_data: .* needs the same validation data"):
        chainrule.resume(path, X, Y, epochs=6)
    whole = reg_net()
    h = chainrule.train(whole, X, Y, epochs=6, validation_data=(Xv, Yv), **options)
    net, history = chainrule.resume(path, X, Y, epochs=6, validation_data=(Xv, Yv))
    np.testing.assert_array_equal(net.params, whole.params)
    assert history["val_loss"] == h["val_loss"] and len(history["val_loss"]) == h.epochs
    # and the other way: a run without validation data is not continued with some
    plain = tmp_path / "plain.npz"
    chainrule.train(reg_net(), X, Y, epochs=3, checkpoint=plain, **options)
    with pytest.raises(ValueError, match=r"validation_data: .* without validation data"):
        chainrule.resume(plain, X, Y, epochs=6, validation_data=(Xv, Yv))


def test_a_plateau_schedule_object_given_to_a_second_run_starts_afresh():
    # The object kept the first run's best loss and reduced rate, so the same run repeated
    # with it got 0.1, 0.00625, ... instead of the hand sequence: epoch 1 improves on
    # nothing (inf), the next ones never by min_delta=10, and with patience 0 each of them
    # halves the rate for the epoch after it.
    X, Y = regression(m=20)
    schedule = ReduceOnPlateau(factor=0.5, patience=0, monitor="loss", min_delta=10.0)
    runs = []
    for _ in range(2):
        net = reg_net()
        h = chainrule.train(net, X, Y, optimizer="gd", lr=0.1, epochs=4, schedule=schedule)
        runs.append((h["lr"], net.params.copy()))
    assert runs[0][0] == runs[1][0] == [0.1, 0.1, 0.05, 0.025]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_a_learning_rate_set_by_a_callback_lasts_without_a_schedule():
    """A callback that set state.optimizer.lr = 0.01 once (after epoch 2) got it for one
    epoch only: without any schedule the loop put back the initial rate at the next
    epoch's end, and the history read 0.5, 0.5, 0.01, 0.5, 0.5.  The reference is a
    plain gradient-descent loop over the same (unshuffled) batches."""
    X, Y = regression(m=12)

    def slow_down(state):
        if state.epoch == 2:
            state.optimizer.lr = 0.01

    net = reg_net()
    theta = net.params.copy()
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.5, batch_size=5, epochs=5,
                              shuffle=False, callbacks=[slow_down])
    rates = [0.5, 0.5] + [0.01] * 3
    assert history["lr"] == rates
    hand = reg_net()
    for lr in rates:
        for start in range(0, 12, 5):
            hand.params[...] = theta
            _, grad = hand.loss_and_grad(X[start:start + 5], Y[start:start + 5])
            theta = theta - lr * grad
    np.testing.assert_allclose(net.params, theta, rtol=1e-12, atol=1e-14)
    # a schedule sets the rate from the initial one at each epoch's end, as documented
    h = chainrule.train(reg_net(), X, Y, optimizer="sgd", lr=0.5, batch_size=5, epochs=4,
                        callbacks=[slow_down], schedule={"name": "exponential", "gamma": 0.5})
    assert h["lr"] == [0.5, 0.25, 0.01, 0.0625]


def test_an_optimizer_object_given_to_a_second_run_starts_afresh():
    # The object kept the first run's step count, state vectors and the rate its schedule
    # had left in it: the same run repeated with it got the rates 0.0005, 5e-05, ... where
    # the hand sequence lr0 * gamma**epoch is 0.5, 0.05, 0.005; and Adam's second run, on a
    # network of another size, started from step 16 (bias correction) with zero moments.
    from chainrule.optimizers import SGD, Adam

    X, Y = regression(m=20)
    sgd = SGD(lr=0.5, momentum=0.9)
    runs = []
    for _ in range(2):
        net = reg_net()
        h = chainrule.train(net, X, Y, optimizer=sgd, batch_size=7, epochs=3, seed=1,
                            schedule={"name": "step", "step_size": 1, "gamma": 0.1})
        runs.append((h["lr"], net.params.copy()))
        assert sgd.lr == 0.5 and sgd.t == 3 * 3  # its own rate back; 3 steps per epoch
    hand = [0.5 * 0.1**epoch for epoch in range(3)]
    np.testing.assert_allclose(runs[0][0], hand, rtol=1e-15)
    assert runs[1][0] == runs[0][0]
    np.testing.assert_array_equal(runs[1][1], runs[0][1])

    adam = Adam(lr=0.01)
    chainrule.train(reg_net(), X, Y, optimizer=adam, batch_size=4, epochs=3, seed=1)
    again, fresh = reg_net(sizes=(3, 7, 2)), reg_net(sizes=(3, 7, 2))
    chainrule.train(again, X, Y, optimizer=adam, batch_size=4, epochs=2, seed=2)
    chainrule.train(fresh, X, Y, optimizer=Adam(lr=0.01), batch_size=4, epochs=2, seed=2)
    np.testing.assert_array_equal(again.params, fresh.params)
    # a run refused for its data leaves the object as the last run left it
    kept = {k: v.copy() for k, v in adam.state.items()}
    with pytest.raises(ValueError, match=r"^Y has 5 rows but X has 20"):
        chainrule.train(reg_net(), X, Y[:5], optimizer=adam, batch_size=4, epochs=2)
    assert adam.t == 2 * 5 and adam.lr == 0.01
    assert kept.keys() == adam.state.keys()
    for key, value in kept.items():
        np.testing.assert_array_equal(adam.state[key], value)


@pytest.mark.parametrize(("optimizer", "batch_size"), [("gd", None), ("sgd", 7)])
def test_multilabel_accuracy_is_subset_accuracy(optimizer, batch_size):
    # With several sigmoid outputs and log loss each output is a label; the history took the
    # argmax of the 0/1 target rows as a class (0 for a row with no label): 0.575 here, where
    # scikit-learn's accuracy_score of the thresholded outputs is 0.15.
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = (X > 0).astype(float)
    net = chainrule.mlp([3, 6, 3], output="logistic", seed=0)
    theta0 = net.params.copy()
    h = chainrule.train(net, X, Y, optimizer=optimizer, batch_size=batch_size, lr=1e-12,
                        epochs=1, seed=0, validation_data=(X[:15], Y[:15]))
    net.params[...] = theta0  # the accuracy is of the predictions before the (tiny) steps
    predicted = (net.forward(X) > 0.5).astype(float)
    assert h["accuracy"][0] == pytest.approx(accuracy_score(Y, predicted), abs=1e-12)
    assert h["val_accuracy"][0] == pytest.approx(accuracy_score(Y[:15], predicted[:15]),
                                                 abs=1e-12)
    assert h["accuracy"][0] != pytest.approx(np.mean(predicted.argmax(1) == Y.argmax(1)))


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_validation_fraction_keeps_the_held_out_weights(decay):
    # The training loss is the weighted mean of the examples' losses, but the held-out part
    # of a weighted run was scored unweighted, so early stopping compared another cost.
    # Reference by hand for a linear model: sum_i w_i (x_i w + b - y_i)^2 / 2 / sum_i w_i
    # plus (lambda/2) sum W^2 (divided by sum_i w_i for the per-sample decay).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = X @ np.array([1.0, -2.0]) + 0.3 * rng.normal(size=40)
    w = rng.integers(0, 4, size=40).astype(float)
    net = chainrule.mlp([2, 1], seed=0, weight_decay=0.05, decay=decay)
    rec = Recorder()
    h = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=3, seed=7,
                        validation_fraction=0.25, sample_weight=w, callbacks=[rec])
    train_rows = rec.batches[0][2]  # the full batch: the examples not held out
    held = ~np.array([(train_rows == x).all(axis=1).any() for x in X])
    assert held.sum() == 10
    Xv, yv, wv = X[held], y[held], w[held]
    for epoch, value in enumerate(h["val_loss"], 1):
        theta = rec.epoch_params[epoch]
        r = Xv @ theta[:2] + theta[2] - yv
        decay_term = 0.5 * 0.05 * float(theta[:2] @ theta[:2])
        if decay == "per_sample":
            decay_term /= wv.sum()
        assert value == pytest.approx(float(wv @ (0.5 * r**2)) / wv.sum() + decay_term,
                                      rel=1e-12)


@pytest.mark.parametrize(("damage", "match"), [
    ({"class": 5}, r"schedule\.class: expected a class name or null, found 5"),
    ({"config": [1]}, r"schedule\.config: expected a dict, found \[1\]"),
])
def test_resume_refuses_a_damaged_schedule_record_even_with_a_schedule(tmp_path, damage,
                                                                       match):
    import json

    X, Y = regression(m=10)
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, epochs=2, checkpoint=path)
    meta, arrays = chainrule.io.read_file(path, "chainrule.checkpoint")
    meta = json.loads(json.dumps(meta))
    meta["schedule"].update(damage)
    chainrule.io.write_file(tmp_path / "damaged.npz", meta, arrays)
    for given in (None, Exponential(0.5)):
        with pytest.raises(ValueError, match="corrupted checkpoint .*" + match):
            chainrule.resume(tmp_path / "damaged.npz", X, Y, epochs=3, schedule=given)


def test_an_unwritable_checkpoint_path_is_refused_before_training(tmp_path):
    """A reviewer's checkpoint under a file failed when the first epoch's checkpoint was
    written, and train()'s history was lost; it is refused before any epoch now."""
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    (tmp_path / "afile").write_text("")
    (tmp_path / "folder.npz").mkdir()
    for bad, error, match in (
        (tmp_path / "afile" / "run.npz", NotADirectoryError, r"afile is a file, not a folder"),
        (tmp_path / "afile" / "sub" / "run", NotADirectoryError, r"run\.npz: .*afile is a"),
        (tmp_path / "folder", IsADirectoryError, r"folder\.npz is a folder, not a file"),
    ):
        net = chainrule.mlp([3, 4, 2], seed=0)
        before = net.params.copy()
        with pytest.raises(error, match=r"^checkpoint: .*" + match):
            chainrule.train(net, X, y, optimizer="sgd", epochs=3, checkpoint=bad)
        np.testing.assert_array_equal(net.params, before)  # no epoch was run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "folder.npz"]
    # missing folders are made, as writing would make them, and the run checkpoints there
    net = chainrule.mlp([3, 4, 2], seed=0)
    chainrule.train(net, X, y, optimizer="sgd", epochs=2, checkpoint=tmp_path / "a" / "b" / "r")
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["r.npz"]


@pytest.mark.parametrize(
    ("bad", "exc", "match"),
    [
        (3, TypeError, r"must be a file path \(str or os\.PathLike\), got 3 \(int\)"),
        (b"run.npz", TypeError, r"must be a file path .*got b'run\.npz' \(bytes\)"),
        ("", ValueError, r"must be a file path, got '' \(no file name in it\)"),
        (".", ValueError, r"must be a file path, got '\.' \(no file name in it\)"),
    ],
)
def test_a_checkpoint_path_that_is_no_file_path_is_refused_by_name(tmp_path, monkeypatch, bad,
                                                                    exc, match):
    """train(checkpoint=3) and resume(3, ...) failed with pathlib's "expected str, bytes or
    os.PathLike object, not int", naming no argument; "" was taken for the current folder
    and failed as "PosixPath('.') has an empty name"."""
    monkeypatch.chdir(tmp_path)
    X, Y = regression(m=10)
    net = reg_net()
    theta0 = net.params.copy()
    with pytest.raises(exc, match=r"^checkpoint " + match):
        chainrule.train(net, X, Y, epochs=2, checkpoint=bad)
    np.testing.assert_array_equal(net.params, theta0)
    with pytest.raises(exc, match=r"^path " + match):
        chainrule.resume(bad, X, Y)
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"verbose": "a"}, TypeError, r"^verbose must be an int >= 0, got 'a' \(str\)$"),
        ({"verbose": -1}, ValueError, r"^verbose must be an int >= 0, got -1$"),
        ({"callbacks": 5}, TypeError, r"^callbacks must be a list \(or tuple\) of Callback "),
        ({"callbacks": [5]}, TypeError, r"^callbacks: expected Callback objects or callables, "
                                        r"got 5$"),
    ],
)
def test_resume_names_its_own_bad_arguments_not_the_checkpoint(tmp_path, kwargs, exc, match):
    """resume(path, X, Y, verbose="a") said "path: corrupted checkpoint (the 'trainer'
    record: verbose must be ...)": the caller's argument was blamed on a sound file."""
    X, Y = regression(m=10)
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=4, epochs=2, seed=1,
                    checkpoint=path)
    written = path.read_bytes()
    with pytest.raises(exc, match=match):
        chainrule.resume(path, X, Y, epochs=4, **kwargs)
    with pytest.raises(exc, match=match):
        chainrule.Trainer.from_checkpoint(path, **kwargs)
    with pytest.raises(TypeError, match=r"^checkpoint must be a file path .*got 3 \(int\)$"):
        chainrule.Trainer.from_checkpoint(path, checkpoint=3)
    assert path.read_bytes() == written  # the checkpoint is as it was
    # the same file resumes, with the arguments put right: the run of 4 epochs
    net, history = chainrule.resume(path, X, Y, epochs=4)
    whole = reg_net()
    chainrule.train(whole, X, Y, optimizer="sgd", batch_size=4, epochs=4, seed=1)
    np.testing.assert_array_equal(net.params, whole.params)
    assert history.epochs == 4


def test_a_refused_run_makes_no_checkpoint_folders_and_keeps_its_state(tmp_path):
    """The checkpoint's missing folders were made before the last checks of fit: a run
    refused for its plateau monitor left tmp_path/new/sub behind, and the Trainer had
    already taken the weighting of the refused data as the run's."""
    X, y = classification()
    net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
    before = net.params.copy()
    trainer = chainrule.Trainer(net, "sgd", epochs=2, checkpoint=tmp_path / "new" / "sub" / "c",
                                schedule=ReduceOnPlateau(monitor="val_acc"))
    with pytest.raises(ValueError, match=r"monitor 'val_acc' is not a metric of this run"):
        trainer.fit(X, y, sample_weight=np.linspace(0.5, 2, len(y)))
    assert list(tmp_path.iterdir()) == []
    assert trainer.sample_weighted is None and trainer.history.epochs == 0
    np.testing.assert_array_equal(net.params, before)


def test_an_interrupt_names_the_checkpoint_file_it_wrote(tmp_path, capsys):
    """Given without .npz, the checkpoint is written as run.npz, and the message says so."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.arange(40) % 2

    CtrlC = _ctrl_c_at(2, 1)

    net = chainrule.mlp([3, 4, 2], seed=0)
    history = chainrule.train(net, X, y, optimizer="sgd", batch_size=8, epochs=5,
                              callbacks=[CtrlC()], checkpoint=tmp_path / "run")
    assert history.stop_reason == "interrupted" and history.epochs == 1
    err = capsys.readouterr().err
    assert f"checkpoint {tmp_path / 'run.npz'} holds the state after epoch 1" in err


def test_softmax_with_log_loss_counts_accuracy_by_class_not_per_output():
    """Multi-label scoring (each output a label, cut at 0.5) is for sigmoid outputs; a
    softmax trained with log_loss still predicts one class per row, whose probability may
    be below 0.5.  Such rows were counted wrong (accuracy 0.33 where argmax gives 1.0)."""
    X = np.array([[1.0, 0], [0, 1], [-1, -1]] * 4)
    y = np.array([0, 1, 2] * 4)
    net = Network([Dense(2, 3, "softmax", seed=0)], loss="log_loss")
    before = net.copy()
    h = chainrule.train(net, X, y, optimizer="gd", lr=0.3, epochs=3, seed=0,
                        validation_data=(X, y))
    P = net.forward(X)
    assert P.max(axis=1).min() < 0.5  # rows whose predicted class has p < 0.5
    assert h["val_accuracy"][-1] == np.mean(P.argmax(axis=1) == y) == 1.0
    # the first epoch's training accuracy is that of the initial parameters (gd: one step)
    assert h["accuracy"][0] == np.mean(before.forward(X).argmax(axis=1) == y)


def test_a_plateau_monitor_that_is_no_metric_of_the_run_is_refused_before_training():
    """ReduceOnPlateau(monitor="val_acc") trained a whole epoch, then failed: the
    parameters had moved and the history was lost.  The metric names a run records are
    now known before its first epoch (Trainer._metric_names), and checked against the
    history of real runs of every kind here, so the two cannot drift apart."""
    from chainrule import Trainer, mlp, train

    rng = np.random.default_rng(0)
    X, labels, t = rng.normal(size=(40, 3)), rng.integers(0, 2, 40), rng.normal(size=(40, 1))
    net = mlp([3, 4, 2], output="softmax", seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match="ReduceOnPlateau monitor 'val_acc' is not a metric "
                                         "of this run; the metrics are: loss, accuracy, lr"):
        train(net, X, labels, epochs=3, schedule=ReduceOnPlateau(monitor="val_acc"))
    np.testing.assert_array_equal(net.params, before)
    for classify, val, diagnostics, threshold in itertools.product([True, False], repeat=4):
        net = (mlp([3, 4, 2], output="softmax", seed=0) if classify
               else mlp([3, 4, 1], output="identity", seed=0))
        y = labels if classify else t
        trainer = Trainer(net, "sgd", epochs=1, batch_size=8, diagnostics=diagnostics,
                          grad_norm_threshold=1e-12 if threshold else None,
                          **({"validation_fraction": 0.25} if val else {}))
        history = trainer.fit(X, y)
        assert sorted(trainer._metric_names(classify, val)) == sorted(history), (
            classify, val, diagnostics, threshold)


@pytest.mark.parametrize(("monitor", "what"), [
    ("grad_norms", "is a list"),
    ("saturation", "is a list"),
    ("val_grad_norms", "falls back to 'grad_norms', which is a list"),
])
def test_a_plateau_monitor_of_a_per_layer_metric_is_refused_before_training(monitor, what):
    """monitor="grad_norms" (a diagnostic: one value per layer) passed the check made before
    the first epoch, whose stand-in metrics were all numbers, then failed after that epoch
    with "'<' not supported between instances of 'list' and 'float'": the parameters had
    moved, the history was lost, and nothing named the monitor."""
    X, y = classification()
    net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=rf"^ReduceOnPlateau monitor '{monitor}' {what} of "
                                         r"one value per layer, not one number per epoch; the "
                                         r"metrics are: loss, accuracy, grad_norm, lr$"):
        chainrule.train(net, X, y, optimizer="sgd", epochs=3, diagnostics=True,
                        schedule=ReduceOnPlateau(monitor=monitor))
    np.testing.assert_array_equal(net.params, before)
    # the run's own per-layer values are lists indeed: one per Dense layer
    history = chainrule.train(net, X, y, optimizer="sgd", epochs=1, diagnostics=True)
    assert len(history["grad_norms"][0]) == 2 and len(history["saturation"][0]) == 1



def test_a_checkpoint_path_holding_another_file_is_refused_not_overwritten(tmp_path):
    """checkpoint= overwrote whatever lay at the path at the first epoch: a saved model
    given there by mistake was lost.  A file that is no checkpoint is refused before
    training; an earlier checkpoint is replaced, as a resumed run needs."""
    X, y = classification()
    model = tmp_path / "model.npz"
    saved = chainrule.mlp([4, 5, 3], output="softmax", seed=1)
    saved.save(model)
    notes = tmp_path / "notes.npz"
    notes.write_text("my notes")
    for path, found in ((model, "found format 'chainrule.network'"),
                        (notes, "not a readable chainrule file")):
        written = path.read_bytes()
        net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
        before = net.params.copy()
        with pytest.raises(FileExistsError, match=rf"^checkpoint: {re.escape(str(path))} "
                           rf"exists and is not a chainrule checkpoint \(.*{found}"):
            chainrule.train(net, X, y, optimizer="sgd", epochs=2, checkpoint=path)
        assert path.read_bytes() == written
        np.testing.assert_array_equal(net.params, before)
    np.testing.assert_array_equal(chainrule.io.load(model).params, saved.params)
    # a checkpoint at the path is replaced by the new run's
    run = tmp_path / "run.npz"
    chainrule.train(chainrule.mlp([4, 5, 3], output="softmax", seed=0), X, y,
                    optimizer="sgd", epochs=1, checkpoint=run)
    net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
    chainrule.train(net, X, y, optimizer="sgd", epochs=3, checkpoint=run)
    resumed, history = chainrule.resume(run, X, y)
    assert history.epochs == 3
    np.testing.assert_array_equal(resumed.params, net.params)


def test_a_stop_in_on_train_begin_trains_nothing_and_an_error_there_closes_the_run():
    """state.stop = True set in on_train_begin still trained one batch; an exception in
    on_train_begin skipped on_train_end (and left verbose=1's progress bar open)."""
    X, y = classification()
    calls = []

    class StopAtOnce(Callback):
        def on_train_begin(self, state):
            state.stop = True

        def on_batch_end(self, state):
            calls.append("batch")

        def on_train_end(self, state):
            calls.append("end")

    net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
    before = net.params.copy()
    history = chainrule.train(net, X, y, optimizer="sgd", epochs=3, callbacks=[StopAtOnce()])
    assert calls == ["end"] and history.epochs == 0 and history.stop_reason == "callback"
    np.testing.assert_array_equal(net.params, before)

    class Broken(Callback):
        def on_train_begin(self, state):
            raise RuntimeError("broken callback")

        def on_train_end(self, state):
            calls.append("end after error")

    with pytest.raises(RuntimeError, match="broken callback"):
        chainrule.train(net, X, y, optimizer="sgd", epochs=3, verbose=1, callbacks=[Broken()])
    assert calls[-1] == "end after error"
    np.testing.assert_array_equal(net.params, before)


def test_resume_runs_callbacks_given_by_a_generator(tmp_path):
    """08e5a3d checked resume's callbacks before reading the file (check_callbacks), then
    handed the same object to the Trainer, which read it again: a generator was empty by
    then, and the resumed run went on without its callbacks, silently (train reads it
    once and runs them).  The callbacks now run for every resumed epoch, and the run is
    the uninterrupted one: each epoch's parameters, seen by the callback, are those of a
    plain run of 4 epochs."""
    X, Y = regression(m=20)
    path = tmp_path / "run.npz"
    chainrule.train(reg_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=6, epochs=2, seed=3,
                    checkpoint=path)
    seen = {}

    def record(state):
        seen[state.epoch] = state.net.params.copy()

    chainrule.resume(path, X, Y, epochs=4, callbacks=(cb for cb in [record]))
    assert sorted(seen) == [3, 4]
    whole = {}
    chainrule.train(reg_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=6, epochs=4, seed=3,
                    callbacks=[lambda s: whole.__setitem__(s.epoch, s.net.params.copy())])
    for epoch in (3, 4):
        np.testing.assert_array_equal(seen[epoch], whole[epoch])


@pytest.mark.parametrize("diagnostics, validated", [(False, False), (True, True)])
@pytest.mark.parametrize("hook", ["on_train_begin", "on_batch_end"])
def test_a_run_stopped_before_its_first_epoch_ends_has_its_metrics_empty(hook, diagnostics,
                                                                        validated):
    """A callback stopping the run during its first epoch left a History with no keys:
    ``history["loss"]`` raised KeyError.  The run's metrics are there, empty.  The
    reference is the same run left to complete two epochs: the same keys in the same
    order, each holding one value per epoch; and the metrics the epochs write, listed
    by hand."""
    X, y = classification()
    validation = (X[:10], y[:10]) if validated else None

    def stop(self, state):
        state.stop = True

    Stop = type("Stop", (Callback,), {hook: stop})  # only the hook under test stops the run

    def run(callbacks, epochs=3):
        net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
        return chainrule.train(net, X, y, optimizer="sgd", epochs=epochs, batch_size=10,
                               seed=0, diagnostics=diagnostics, validation_data=validation,
                               callbacks=callbacks)

    stopped, complete = run([Stop()]), run([], epochs=2)
    expected = ["loss", "accuracy"]
    if diagnostics:
        expected += ["grad_norms", "saturation", "grad_norm"]
    if validated:
        expected += ["val_loss", "val_accuracy"]
    expected.append("lr")
    assert list(complete) == expected and all(len(v) == 2 for v in complete.values())
    assert stopped.stop_reason == "callback" and stopped.epochs == 0
    assert list(stopped) == expected and all(v == [] for v in stopped.values())
    assert stopped["loss"] == [] and stopped.loss == []
    assert json.loads(json.dumps(stopped.to_json()))["metrics"] == {k: [] for k in expected}


def test_a_fit_after_one_that_completed_no_epoch_records_only_its_own_metrics(tmp_path):
    """A first fit with validation data stopped before its first epoch ended left
    ``val_loss: []`` in the history; a second fit without validation data kept it, empty
    beside its epochs' losses, so its checkpoint was refused as corrupted ("val_loss:
    expected a list of 2 finite numbers") and a third fit was refused as continuing a run
    "evaluated on validation data".  The reference is the same second fit on a fresh
    Trainer: the same keys and values, a checkpoint that loads, and a third fit that goes on.
    """
    X, y = classification()

    def stop(self, state):
        state.stop = True

    Stop = type("Stop", (Callback,), {"on_train_begin": stop})

    def trainer(path):
        net = chainrule.mlp([4, 5, 3], output="softmax", seed=0)
        return chainrule.Trainer(net, optimizer="sgd", epochs=2, batch_size=10, seed=0,
                                 checkpoint=path)

    reused = trainer(tmp_path / "reused.npz")
    reused.callbacks = [Stop()]
    first = reused.fit(X, y, validation_data=(X[:10], y[:10]))
    assert first.epochs == 0 and "val_loss" in first
    reused.callbacks = []
    fresh = trainer(tmp_path / "fresh.npz")
    second, reference = reused.fit(X, y), fresh.fit(X, y)
    assert list(second) == list(reference) and "val_loss" not in second
    for key in reference:
        np.testing.assert_array_equal(second[key], reference[key])
    restored = chainrule.Trainer.from_checkpoint(tmp_path / "reused.npz")
    assert restored.epoch == 2 and list(restored.history) == list(reference)
    reused.epochs = 3
    assert reused.fit(X, y).epochs == 3


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, as an interactive session's is."""

    def isatty(self) -> bool:
        return True


def _epoch_fields(err: str) -> list[dict[str, float]]:
    """The numbers of each "epoch i/n: name value, ..." line of ``err``, with "epoch" = i."""
    rows = []
    for line in err.splitlines():
        head, _, text = line.partition(": ")
        if re.fullmatch(r"epoch \d+/\d+", head):
            fields = dict(item.split(" ") for item in text.split(", "))
            rows.append({"epoch": int(head.split()[1].split("/")[0]),
                         **{k: float(v) for k, v in fields.items()}})
    return rows


def test_verbose_1_prints_a_line_per_epoch_where_no_bar_shows(capsys, monkeypatch):
    """verbose=1 drew a tqdm bar with disable=None, which prints nothing where stderr is
    not a terminal: a batch job's log (stderr sent to a file) had no progress at all.
    There, verbose=1 now prints verbose=2's line per epoch, whose numbers are the
    history's; on a terminal it keeps the bar (no lines), verbose=2 prints each line once,
    and verbose=0 stays silent."""
    X, Y = regression(m=24)
    val = regression(m=8, seed=5)
    history = chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3,
                              seed=0, verbose=1, validation_data=val)
    rows = _epoch_fields(capsys.readouterr().err)
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    for name in ("loss", "val_loss", "lr"):
        assert [row[name] for row in rows] == pytest.approx(history[name], rel=1e-4)
    # verbose=2: the same lines, once each; verbose=0: nothing
    chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3, seed=0,
                    verbose=2, validation_data=val)
    assert _epoch_fields(capsys.readouterr().err) == rows
    chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3, seed=0,
                    verbose=0, validation_data=val)
    assert capsys.readouterr().err == ""
    # on a terminal: the bar (tqdm's "training: ...|..| 0/3"), and no lines
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3, seed=0,
                    verbose=1)
    assert "training:" in terminal.getvalue() and "/3 [" in terminal.getvalue()
    assert _epoch_fields(terminal.getvalue()) == []


def test_without_a_stderr_the_verbose_lines_go_nowhere(capsys, monkeypatch):
    """sys.stderr is None under pythonw and in some services: print(file=None) wrote the
    epoch lines (and the stop messages) to stdout, into the program's own output.  Now
    they go nowhere, the run is the same, and nothing crashes."""
    X, Y = regression(m=24)
    quiet = chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3, seed=0)
    monkeypatch.setattr(sys, "stderr", None)
    for verbose in (1, 2):
        history = chainrule.train(reg_net(), X, Y, optimizer="sgd", batch_size=8, epochs=3,
                                  seed=0, verbose=verbose, callbacks=[
                                      lambda state: setattr(state, "stop", state.epoch == 2)])
        assert history.stop_reason == "callback"
        assert history["loss"] == quiet["loss"][:2]
    est = chainrule.MLPRegressor(hidden_layer_sizes=(3,), solver="sgd", max_iter=2,
                                 random_state=0, verbose=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    assert len(est.loss_curve_) == 2
    assert capsys.readouterr().out == ""
