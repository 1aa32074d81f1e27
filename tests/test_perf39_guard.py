"""perf39: the replaying guard stops where the present guard does.

Written for a guard that tested the parameters after every 16th middle step only
(measured slower, not kept: benchmarks/HISTORY.md, perf39); kept as checks of the
replaying guard as it is.  A step that makes the parameters infinite while its loss
stays finite, or a huge row, must stop the run at that very step, with the parameters,
optimizer state and history of the present guard (``Trainer._replay_guard = False``,
which keeps copies at every step), the step worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.training import Trainer


class _SGDBreaking(cr.SGD):
    """SGD momentum whose step number ``bad_t`` writes -inf into the first weight (the
    first input's weight into the first hidden unit).  With that input positive in every
    row, that unit's net input is -inf, its ReLU output 0 and its gradient 0: the loss
    stays finite, and only a test of the parameters finds the -inf."""

    def __init__(self, bad_t: int) -> None:
        super().__init__(lr=0.01, momentum=0.9)
        self.bad_t = bad_t

    def step(self, params, grads, decay=None):
        super().step(params, grads, decay)
        if self.t == self.bad_t:
            params[0] = -np.inf


def _data(m=160, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 5)).astype(np.float32)
    X[:, 0] = np.abs(X[:, 0]) + 0.1
    return X, rng.integers(0, 3, m)


def _run(X, y, replay, opt, **kw):
    net = cr.mlp([5, 7, 3], output="softmax", dtype=np.float32, seed=4)
    assert net.layers[0].W[0, 0] == net.params[0]  # (the weight the optimizer breaks)
    trainer = Trainer(net, opt, batch_size=4, epochs=2, seed=0, **kw)
    trainer._replay_guard = replay
    with pytest.raises(cr.TrainingDiverged) as err:
        trainer.fit(X, y)
    return net, trainer, err.value


@pytest.mark.parametrize("bad_step", [6, 17, 33, 39, 45])
@pytest.mark.parametrize("ema", [None, 0.9])
def test_parameters_made_infinite_with_a_finite_loss_stop_at_that_step(bad_step, ema):
    X, y = _data()  # 40 batches of 4 an epoch: step 45 is the second epoch's batch 4
    (net_a, tr_a, err_a), (net_b, tr_b, err_b) = [
        _run(X, y, replay, _SGDBreaking(bad_step), ema=ema) for replay in (True, False)]
    where = ((bad_step - 1) // 40 + 1, (bad_step - 1) % 40)  # (epoch, batch) of that step
    assert (err_a.epoch, err_a.batch, err_a.what) == (*where, "parameters")
    assert str(err_a) == str(err_b) and (err_b.epoch, err_b.batch) == where
    # the parameters before that step, finite; the optimizer's state before it
    assert np.array_equal(net_a.params, net_b.params) and np.isfinite(net_a.params).all()
    opt_a, opt_b = tr_a.optimizer, tr_b.optimizer
    assert opt_a.t == opt_b.t == bad_step - 1
    assert opt_a.state.keys() == opt_b.state.keys()
    assert all(np.array_equal(opt_a.state[k], opt_b.state[k]) for k in opt_b.state)
    assert dict(tr_a.history) == dict(tr_b.history) and tr_a.epoch == tr_b.epoch


@pytest.mark.parametrize("scale", [1e25, 1e36])
@pytest.mark.parametrize("bad_batch", [5, 17, 38])
def test_a_huge_row_stops_as_the_present_guard_does(scale, bad_batch):
    X, y = _data()
    X[4 * bad_batch + 1] = scale
    (net_a, tr_a, err_a), (net_b, tr_b, err_b) = [
        _run(X, y, replay, cr.SGD(lr=0.01, momentum=0.9), shuffle=False)
        for replay in (True, False)]
    assert str(err_a) == str(err_b) and err_a.what == err_b.what
    assert (err_a.epoch, err_a.batch) == (err_b.epoch, err_b.batch)
    assert np.array_equal(net_a.params, net_b.params)
    assert tr_a.optimizer.t == tr_b.optimizer.t
    assert all(np.array_equal(tr_a.optimizer.state[k], tr_b.optimizer.state[k])
               for k in tr_b.optimizer.state)


def test_finite_runs_train_to_the_same_bits_as_the_present_guard():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(200, 5)).astype(np.float32), rng.integers(0, 3, 200)
    out = []
    for replay in (True, False):
        net = cr.mlp([5, 7, 3], output="softmax", dtype=np.float32, seed=4)
        trainer = Trainer(net, cr.Adam(lr=0.01), batch_size=8, epochs=3, seed=0)
        trainer._replay_guard = replay
        out.append((net.params.copy(), trainer.fit(X, y)["loss"]))
    assert np.array_equal(out[0][0], out[1][0]) and out[0][1] == out[1][1]
