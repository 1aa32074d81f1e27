"""Checks every optimizer added after AdamW goes through (the tests of optim7's items):
torch's steps on one vector and through :func:`chainrule.train`, a checkpoint resumed bit
for bit, the divergence guard's rejected step, and ``chainrule train --optimizer NAME``."""

from __future__ import annotations

import contextlib

import numpy as np

import chainrule as cr
from chainrule import Trainer, TrainingDiverged
from torch_twins import decay_groups, steps_match_torch, torch_run, torch_twin

N, BS = 400, 8  # 50 steps of one epoch


def grads(n=50, size=9, seed=4, dtype=np.float64):
    """``n`` gradients of ``size`` entries spanning four decades, with a drift (not 0 mean)."""
    rng = np.random.default_rng(seed)
    return (rng.normal(0.3, 1.0, size=(n, size)) * np.geomspace(1e-3, 10.0, size)).astype(dtype)


@contextlib.contextmanager
def torch_default_dtype(torch, dtype):
    """torch's default dtype ``dtype`` within the block: the dtype of the scalars some rules
    keep as tensors (NAdam's ``mu_product``), float32 unless set."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


def steps_are_torchs(torch, ours, make_theirs, dtype, tol, n=50):
    """``ours`` and torch's ``make_theirs`` on one vector, ``n`` steps (see steps_match_torch)."""
    g = grads(n=n, dtype=dtype)
    w0 = np.random.default_rng(1).normal(size=g.shape[1]).astype(dtype)
    with torch_default_dtype(torch, dtype):
        return steps_match_torch(torch, ours, make_theirs, w0, g, tol)


def train_is_torchs(torch, ours, make_theirs, dtype, tol, epochs=1, weight_decay=0.0):
    """:func:`chainrule.train` of a 5-6-2 tanh network with ``ours`` against torch's
    ``make_theirs(param_groups)`` on the same batches in order (biases never decayed);
    returns the largest difference from the initial weights (that they moved)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(N, 5)).astype(dtype), rng.normal(size=(N, 2)).astype(dtype)
    net = cr.mlp([5, 6, 2], hidden="tanh", output="identity", seed=0, dtype=dtype,
                 weight_decay=weight_decay)
    start = net.params.copy()
    model = torch_twin(torch, net)
    with torch_default_dtype(torch, dtype):
        want = torch_run(torch, model, make_theirs(decay_groups(model, weight_decay)), X, Y,
                         epochs, BS)
    cr.train(net, X, Y, optimizer=ours, batch_size=BS, epochs=epochs, shuffle=False)
    np.testing.assert_allclose(net.params, want, rtol=0, atol=tol)
    return float(np.max(np.abs(start - want)))


def resumes_bit_for_bit(rule, tmp_path, state_keys):
    """A run of 4 epochs, and one checkpointed at 2 and resumed to 4: equal bit for bit;
    the checkpoint holds the state vectors ``state_keys``."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(80, 5)), rng.normal(size=(80, 2))
    kw = dict(batch_size=BS, shuffle=False, seed=0)
    whole = cr.mlp([5, 6, 2], hidden="tanh", output="identity", seed=0)
    part = whole.copy()
    cr.train(whole, X, Y, optimizer=rule(), epochs=4, **kw)
    cr.train(part, X, Y, optimizer=rule(), epochs=2, checkpoint=tmp_path / "run.ckpt", **kw)
    with np.load(tmp_path / "run.ckpt.npz") as saved:
        assert {f"optimizer/{k}" for k in state_keys} == {
            k for k in saved.files if k.startswith("optimizer/")}
    resumed, _ = cr.resume(tmp_path / "run.ckpt", X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, whole.params)
    assert not np.array_equal(part.params, whole.params)


class _Snapshot(cr.Callback):
    """After epoch 2's batch 1: the optimizer's state and the parameters, then a rate of
    ``inf`` (the next step's parameters not finite)."""

    seen = None

    def on_batch_end(self, state):
        if state.epoch == 2 and state.batch == 1:
            opt = state.optimizer
            self.seen = (opt.t, {k: v.copy() for k, v in opt.state.items()},
                         state.net.params.copy())
            opt.lr = np.inf


def rejected_step_restores(rule):
    """The divergence guard's rejected step leaves ``rule()``'s state as before it; the
    step after it is then the step the run would have taken from there."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = cr.mlp([3, 4, 2], hidden="tanh", output="softmax", seed=0)
    snap = _Snapshot()
    trainer = Trainer(net, optimizer=rule(), batch_size=8, epochs=4, seed=0, callbacks=[snap])
    try:
        trainer.fit(X, Y)
    except TrainingDiverged as exc:
        assert "epoch 2, batch 2: the parameters" in str(exc)
    else:
        raise AssertionError("the step at rate inf was not rejected")
    t, state, params = snap.seen
    opt = trainer.optimizer
    assert opt.t == t == 7 and sorted(opt.state) == sorted(state)
    for k, v in state.items():
        np.testing.assert_array_equal(opt.state[k], v)
    np.testing.assert_array_equal(net.params, params)
    # a step from the restored state is the step of a fresh copy of the run's state
    g = np.random.default_rng(5).normal(size=net.n_params)
    fresh = type(opt).from_config(opt.get_config())
    fresh.lr = opt.lr = 0.01
    fresh.t, fresh.state = t, {k: v.copy() for k, v in state.items()}
    a, b = params.copy(), params.copy()
    opt.step(a, g)
    fresh.step(b, g)
    np.testing.assert_array_equal(a, b)


def cli_data(tmp_path):
    """The CSV of :func:`cli_is_the_rule` (40 rows, features a and b, a 0/1 target y) in
    ``tmp_path``: ``(path, X, y)``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)) * [1.0, 3.0] + [0.5, -1.0]
    y = (X[:, 0] - X[:, 1] / 3 > 0.6).astype(int)
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "".join(f"{float(a)!r},{float(b)!r},{t}\n"
                                        for (a, b), t in zip(X, y, strict=True)))
    return path, X, y


def cli_is_the_rule(tmp_path, name, hand, extra=(), lr=0.05, epochs=6):
    """``chainrule train --optimizer NAME`` (full batch: one step per epoch) against ``hand``
    (``hand(params, grad, lr, steps)``, the rule written out in NumPy) on the standardised
    features from the network's seeded initial weights; returns the model's record."""
    from chainrule.cli import main
    from chainrule.io import load_metadata

    path, X, y = cli_data(tmp_path)
    model = tmp_path / "m.npz"
    assert main(["train", str(path), "--target", "y", "--hidden", "3", "--optimizer", name,
                 "--lr", str(lr), "--batch-size", "40", "--val-fraction", "0", "--epochs",
                 str(epochs), "--seed", "2", "-q", "-o", str(model), *extra]) == 0
    meta = load_metadata(model)
    assert meta["training"]["optimizer"] == name
    net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)
    Xs = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    Y = y[:, None].astype(float)

    def grad(theta):
        return net.cost(theta, Xs, Y)[1]

    expected = hand(net.params.copy(), grad, lr, epochs)
    np.testing.assert_allclose(cr.load(model).params, expected, rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(expected - net.params)) > 1e-3  # the steps moved the weights
    return meta
