"""A Trainer copied or pickled between two calls of fit goes on as the original does.

Its lists of the network's layers (those with running statistics or a state, and the
start of an epoch a fit stopped within) named the original's layers: a deep copy got
copies of its own, unlinked from its network, into which the next fit put the running
statistics of the epoch's start, and pickle refused the layers (each holds a weak
reference to its network).
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import chainrule as cr
from chainrule import Callback
from chainrule.training import Trainer


class _StopOnce(Callback):
    """Ctrl-C after the second batch of epoch 3, once."""

    def __init__(self) -> None:
        self.armed = True

    def on_batch_end(self, state):
        if self.armed and state.epoch == 3 and state.batch == 1:
            self.armed = False
            raise KeyboardInterrupt


def _interrupted_trainer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = cr.Network([cr.Dense(4, 8, "tanh", seed=0), cr.BatchNorm(8),
                      cr.Dense(8, 2, "softmax", seed=1)])
    trainer = Trainer(net, optimizer="sgd", lr=0.1, batch_size=16, epochs=6, seed=0,
                      callbacks=[_StopOnce()])
    trainer.fit(X, y)  # stops during epoch 3
    return trainer, X, y


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copy_of_an_interrupted_trainer_goes_on_as_the_original(how):
    original, X, y = _interrupted_trainer()
    assert original.history.stop_reason == "interrupted"
    other = (copy.deepcopy(original) if how == "deepcopy"
             else pickle.loads(pickle.dumps(original)))  # pickle: was a TypeError
    original.fit(X, y)
    other.fit(X, y)
    assert other.epoch == original.epoch == 6
    np.testing.assert_array_equal(other.net.params, original.net.params)
    # the running statistics of epoch 3's start, put back into the copy's own network
    # (the deep copy's differed: they went into copies of the layers)
    for name in ("running_mean", "running_var"):
        np.testing.assert_array_equal(getattr(other.net.layers[1], name),
                                      getattr(original.net.layers[1], name))
    assert other.net.layers[1] is not original.net.layers[1]
