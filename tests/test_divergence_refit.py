"""A Trainer fit again after the divergence guard stopped it at the first batch of an epoch.

The loss of that batch is the first one computed at the parameters the last step of
the epoch before left; it was not finite, so that step is rejected and the network
keeps the parameters before it.  A later fit, with a smaller learning rate, goes on
from those (and their average, and restore_best's best epoch is not the rejected
step's either), as a NumPy replay of the steps written out here does.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import Trainer, TrainingDiverged


class _Explode(chainrule.Callback):
    """After the first batch of epoch 1, a rate that sends its last step to ~1e200."""

    def on_batch_end(self, state):
        if state.epoch == 1 and state.batch == 0:
            state.optimizer.lr = 1e200


def _steps(X, y, theta, lr, n_steps):
    """Plain gradient descent on 1/2 mean (X w + b - y)^2 over the batches [0:4], [4:8] in
    turn; the parameters after each step and the loss each batch met (before its step)."""
    seen, losses = [], []
    for k in range(n_steps):
        rows = slice(4 * (k % 2), 4 * (k % 2) + 4)
        r = X[rows] @ theta[:3] + theta[3] - y[rows]
        losses.append(0.5 * np.mean(r * r))
        theta = theta - lr * np.append(X[rows].T @ r, r.sum()) / 4
        seen.append(theta)
    return seen, losses


@pytest.mark.parametrize("case", ["plain", "ema", "restore_best"])
def test_a_fit_after_a_divergence_at_an_epochs_first_batch_goes_on_from_the_kept_ones(case):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([1.0, 2.0, -1.0]) + 0.5
    net = chainrule.mlp([3, 1], output="identity", seed=0)
    theta0 = net.params.copy()  # W (3 entries), then b
    kw = {"ema": 0.5} if case == "ema" else {}
    if case == "restore_best":  # no later epoch counts as better than the first
        kw = {"patience": 10, "min_delta": 1e9}
    trainer = Trainer(net, optimizer="sgd", lr=0.01, batch_size=4, epochs=4, shuffle=False,
                      callbacks=[_Explode()], **kw)
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 0: the loss") as info:
        trainer.fit(X, y)
    (kept,), _ = _steps(X, y, theta0, 0.01, 1)  # the first step; the second was rejected
    np.testing.assert_allclose(net.params, kept, rtol=1e-12)
    _, met = _steps(X, y, theta0, 0.01, 2)  # the losses epoch 1's two batches met
    np.testing.assert_allclose(info.value.history["loss"], [np.mean(met)], rtol=1e-12)
    trainer.optimizer.lr = 0.01
    history = trainer.fit(X, y)  # epochs 2 to 4, from the kept parameters
    seen, losses = _steps(X, y, kept, 0.01, 6)
    assert np.isfinite(history["loss"]).all()
    np.testing.assert_allclose(history["loss"][1:], np.mean(np.reshape(losses, (3, 2)), axis=1),
                               rtol=1e-10)
    if case == "plain":
        np.testing.assert_allclose(net.params, seen[-1], rtol=1e-10)
    elif case == "ema":  # the average of the steps kept: the first, then the refit's six
        avg = kept
        for theta in seen:
            avg = 0.5 * avg + 0.5 * theta
        assert trainer.ema_count == 7
        np.testing.assert_allclose(net.params, avg, rtol=1e-10)
    else:  # the best epoch is the first, whose end the rejected step made: the kept ones
        assert history.best_epoch == 1
        np.testing.assert_allclose(net.params, kept, rtol=1e-12)
        assert np.isfinite(net.loss_value(X, y))
