"""``divergence_threshold``: a run whose loss blows up but stays finite (Adam at lr 1e6 on
iris: losses of 1e13) stops with TrainingDiverged, keeping the last parameters whose
mini-batch loss was not above the threshold, as a loss not finite stops today.

References: the parameters a callback snapshots at each epoch's (or batch's) end, and the
network's own cost of them; a run without the threshold, bit for bit, where the loss
never reaches it.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

import chainrule as cr
from chainrule import TrainingDiverged
from chainrule.cli import main


def _regression(m=48, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(m, 1))
    return X, Y


def _net():
    return cr.mlp([3, 1], output="identity", seed=0)  # a linear model: GD's loss explodes
    # geometrically at a rate above 2 / (the Hessian's largest eigenvalue)


class _Snapshots(cr.Callback):
    """The parameters at each epoch's end (``epochs[0]``: before the first) or batch's."""

    def __init__(self, net, per_batch=False):
        self.epochs, self.batches = [net.params.copy()], [net.params.copy()]
        self.per_batch = per_batch

    def on_epoch_end(self, state):
        self.epochs.append(state.net.params.copy())

    def on_batch_end(self, state):
        if self.per_batch:
            self.batches.append(state.net.params.copy())


def test_full_batch_keeps_the_parameters_of_the_last_epoch_under_the_threshold():
    """One batch per epoch: epoch k's loss is the cost of the parameters it started from.
    The first epoch above the threshold stops the run; the network keeps the parameters
    of epoch k-1's loss (the start of epoch k-1: the snapshot after epoch k-2)."""
    X, Y = _regression()
    net = _net()
    first = net.cost(net.params, X, Y)[0]
    threshold = 1e4 * first
    snaps = _Snapshots(net)
    with pytest.raises(TrainingDiverged) as info:
        cr.train(net, X, Y, optimizer="gd", lr=1.5, epochs=200, callbacks=[snaps],
                 divergence_threshold=threshold)
    exc = info.value
    k = exc.epoch
    assert exc.batch == 0 and exc.what == "loss" and k >= 4  # some epochs ran under it
    costs = [net.cost(p, X, Y)[0] for p in snaps.epochs]  # costs[j]: epoch j+1's loss
    assert all(c <= threshold for c in costs[:k - 1]) and costs[k - 1] > threshold
    np.testing.assert_allclose(exc.loss, costs[k - 1], rtol=1e-12)
    assert exc.threshold == threshold
    np.testing.assert_array_equal(net.params, snaps.epochs[k - 2])
    assert net.cost(net.params, X, Y)[0] <= threshold
    assert exc.history.stop_reason == "diverged"
    assert (f"training diverged at epoch {k}, batch 0: the loss {exc.loss:.4g} is above "
            f"divergence_threshold={threshold:g}; the network keeps its last parameters "
            "with a loss not above the threshold") in str(exc)
    # the same run without the threshold goes on, its losses finite and rising
    other = _net()
    history = cr.train(other, X, Y, optimizer="gd", lr=1.5, epochs=k + 3)
    assert history.stop_reason == "epochs" and np.isfinite(history.loss).all()
    assert history.loss[-1] > threshold


@pytest.mark.parametrize("rule", ["adagrad", "rmsprop", "adam"])
def test_mini_batches_keep_the_parameters_before_the_last_step(rule):
    """Mini-batches (the replaying guard, no batch callback) and the same run with a
    callback snapshotting each batch (the present guard): the same stop, and the network
    keeps the parameters the last loss under the threshold was computed at (those the
    batch before the last completed one left)."""
    X, Y = _regression(m=64, seed=1)
    kw = dict(optimizer=rule, lr=1e6, batch_size=8, epochs=10, seed=0,
              divergence_threshold=1e3)
    fast = _net()
    with pytest.raises(TrainingDiverged) as fast_info:
        cr.train(fast, X, Y, **kw)
    net = _net()
    snaps = _Snapshots(net, per_batch=True)
    with pytest.raises(TrainingDiverged) as info:
        cr.train(net, X, Y, callbacks=[snaps], **kw)
    assert (info.value.epoch, info.value.batch) == (fast_info.value.epoch,
                                                    fast_info.value.batch)
    np.testing.assert_array_equal(fast.params, net.params)
    np.testing.assert_array_equal(net.params, snaps.batches[-2])
    assert info.value.loss > 1e3
    assert not np.array_equal(net.params, snaps.batches[-1])


def test_iris_at_lr_1e6_stops_at_the_first_loss_above_it():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    Y = np.eye(3)[y]
    for rule in ("adagrad", "rmsprop", "adam"):
        net = cr.mlp([4, 16, 3], hidden="relu", output="softmax", seed=0)
        start = net.params.copy()
        # without it: ten epochs, losses of 1e9 to 1e13, stop_reason "epochs"
        history = cr.train(net.copy(), X, Y, optimizer=rule, lr=1e6, epochs=10,
                           batch_size=32, seed=0)
        assert history.stop_reason == "epochs" and max(history.loss) > 1e9
        with pytest.raises(TrainingDiverged, match="is above divergence_threshold=100"):
            cr.train(net, X, Y, optimizer=rule, lr=1e6, epochs=10, batch_size=32, seed=0,
                     divergence_threshold=100)
        # the first step blew it up: the parameters the run started from are kept
        np.testing.assert_array_equal(net.params, start)


def test_a_run_under_the_threshold_is_unchanged():
    X, Y = _regression()
    a, b = _net(), _net()
    seen = []

    class Losses(cr.Callback):
        def on_batch_end(self, state):
            seen.append(state.logs["batch_loss"])

    ha = cr.train(a, X, Y, optimizer="adam", lr=0.05, batch_size=8, epochs=5, seed=0,
                  callbacks=[Losses()])
    hb = cr.train(b, X, Y, optimizer="adam", lr=0.05, batch_size=8, epochs=5, seed=0,
                  divergence_threshold=max(seen))  # reached, never passed
    np.testing.assert_array_equal(a.params, b.params)
    assert ha.loss == hb.loss and hb.stop_reason == "epochs"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "big", True])
def test_a_bad_threshold_is_refused(value):
    X, Y = _regression()
    with pytest.raises((TypeError, ValueError), match="divergence_threshold"):
        cr.train(_net(), X, Y, divergence_threshold=value)


def test_the_error_pickles_with_its_loss_and_threshold():
    X, Y = _regression()
    with pytest.raises(TrainingDiverged) as info:
        cr.train(_net(), X, Y, optimizer="gd", lr=1.5, epochs=200, divergence_threshold=50.0)
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.loss, again.threshold, again.epoch) == (info.value.loss, 50.0,
                                                          info.value.epoch)


def test_resume_after_the_stop_is_as_after_a_loss_not_finite(tmp_path):
    """The checkpoint records the threshold (one of before has none and resumes with
    none).  The stop at epoch k's first batch rejects epoch k-1's step, as a loss not
    finite there does (the same guard): the checkpoint then holds the state after epoch
    k-1 with the parameters kept; resumed, the run takes that step again and stops one
    epoch on, the same parameters kept."""
    X, Y = _regression()
    net = _net()
    threshold = 1e4 * net.cost(net.params, X, Y)[0]
    ck = tmp_path / "run.ckpt"
    with pytest.raises(TrainingDiverged) as first:
        cr.train(net, X, Y, optimizer="gd", lr=10.0, epochs=200, checkpoint=ck,
                 divergence_threshold=threshold)
    k = first.value.epoch
    trainer = cr.Trainer.from_checkpoint(ck)
    assert trainer.divergence_threshold == threshold
    assert trainer.epoch == k - 1
    np.testing.assert_array_equal(trainer.net.params, net.params)
    with pytest.raises(TrainingDiverged) as again:
        trainer.fit(X, Y)
    assert (again.value.epoch, again.value.batch) == (k + 1, 0)
    np.testing.assert_array_equal(trainer.net.params, net.params)
    # the same run without it, whose loss overflows at last (epoch 139): the same
    net, ck = _net(), tmp_path / "overflow.ckpt"
    with pytest.raises(TrainingDiverged, match="became NaN or infinite") as first:
        cr.train(net, X, Y, optimizer="gd", lr=10.0, epochs=5000, checkpoint=ck)
    k = first.value.epoch
    assert (first.value.batch, first.value.what, first.value.loss) == (0, "loss", None)
    trainer = cr.Trainer.from_checkpoint(ck)
    assert trainer.divergence_threshold is None and trainer.epoch == k - 1
    np.testing.assert_array_equal(trainer.net.params, net.params)
    with pytest.raises(TrainingDiverged) as again:
        trainer.fit(X, Y)
    assert (again.value.epoch, again.value.batch) == (k + 1, 0)
    np.testing.assert_array_equal(trainer.net.params, net.params)
    # the run of a checkpoint without it (written before the option) has none
    plain = tmp_path / "plain.ckpt"
    cr.train(_net(), X, Y, checkpoint=plain, optimizer="adam", lr=0.01, batch_size=8,
             epochs=2, seed=0)
    with np.load(tmp_path / "plain.ckpt.npz") as saved:
        assert "divergence_threshold" not in json.loads(str(saved["__meta__"]))["trainer"]
    assert cr.Trainer.from_checkpoint(plain).divergence_threshold is None


def _status(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def test_the_command_line_stops_and_says_where(tmp_path, capsys):
    model = tmp_path / "m.npz"
    argv = ["train", "iris", "--optimizer", "adam", "--lr", "1e6", "--epochs", "10", "-q",
            "-o", model]
    assert _status(argv) == 0  # today: ten epochs of losses up to 1e13, a model written
    model.unlink()
    capsys.readouterr()
    assert _status([*argv, "--divergence-threshold", "100"]) == 1
    err = capsys.readouterr().err
    assert "training diverged: the loss " in err
    assert "was above --divergence-threshold 100 in epoch 1, batch 2; no model was " in err
    assert not model.exists()
    # an ordinary run under it: trained as without it, the threshold recorded
    base = ["train", "iris", "--hidden", "4", "--epochs", "3", "-q"]
    assert _status([*base, "-o", tmp_path / "a"]) == 0
    assert _status([*base, "--divergence-threshold", "10", "-o", tmp_path / "b"]) == 0
    from chainrule.io import load_metadata
    assert load_metadata(tmp_path / "b.npz")["training"]["divergence_threshold"] == 10.0
    np.testing.assert_array_equal(np.load(tmp_path / "a.npz")["params"],
                                  np.load(tmp_path / "b.npz")["params"])


def test_the_command_line_refuses_it_with_lbfgs_and_a_changed_one_on_resume(tmp_path,
                                                                              capsys):
    assert _status(["train", "missing.csv", "--target", "y", "--optimizer", "lbfgs",
                    "--divergence-threshold", "5"]) == 2
    assert "--optimizer lbfgs takes no --divergence-threshold" in capsys.readouterr().err
    ck = tmp_path / "ck.npz"
    base = ["train", "iris", "--hidden", "4", "-q", "--checkpoint", ck]
    assert _status([*base, "--epochs", "2", "--divergence-threshold", "10",
                    "-o", tmp_path / "a"]) == 0
    capsys.readouterr()
    assert _status([*base, "--epochs", "3", "--resume", "-o", tmp_path / "b"]) == 2
    assert (f"--divergence-threshold: the run in {ck} was started with "
            "--divergence-threshold 10.0, got no --divergence-threshold"
            in capsys.readouterr().err)
    assert _status([*base, "--epochs", "3", "--divergence-threshold", "10", "--resume",
                    "-o", tmp_path / "b"]) == 0
