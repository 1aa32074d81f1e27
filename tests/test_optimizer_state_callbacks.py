"""What a callback reads of ``optimizer.state`` within the training loop, as the
Optimizer's and TrainState's docstrings say: looked up at each call, the state vector is
the step's own (here momentum's velocity, ``(w_before - w_after) / lr``, computed with
NumPy from the parameters); an array kept from an earlier call is another vector."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule import Trainer
from chainrule.optimizers import SGD


class _Reader(cr.Callback):
    def __init__(self) -> None:
        self.params, self.looked_up, self.held, self.held_then = [], [], None, None

    def on_train_begin(self, state):
        self.params.append(state.net.params.copy())

    def on_batch_end(self, state):
        self.params.append(state.net.params.copy())
        self.looked_up.append(state.optimizer.state["velocity"].copy())
        if self.held is None:
            self.held = state.optimizer.state["velocity"]
            self.held_then = self.held.copy()


def test_the_velocity_looked_up_at_each_batch_is_the_steps_own():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = cr.mlp([3, 4, 2], hidden="tanh", output="softmax", seed=0)
    reader = _Reader()
    lr = 0.05
    Trainer(net, SGD(lr, momentum=0.9), batch_size=8, epochs=2, seed=0,
            callbacks=[reader]).fit(X, Y)
    assert len(reader.looked_up) == 6
    for before, after, v in zip(reader.params, reader.params[1:], reader.looked_up,
                                strict=False):
        np.testing.assert_allclose(v, (before - after) / lr, rtol=1e-9, atol=1e-12)
    # the array held since the first batch has been written over by later steps: the
    # documented warning (copy what you keep), which the copy taken then escapes
    np.testing.assert_array_equal(reader.held_then, reader.looked_up[0])
    assert not np.allclose(reader.held, reader.looked_up[0])
