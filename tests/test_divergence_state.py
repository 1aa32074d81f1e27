"""Every optimizer's state after a step the divergence guard rejected: bit for bit the
state before that step (its step count and vectors), as are the parameters and the
moving average, whether the step made the parameters non-finite or the next loss."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import Trainer, TrainingDiverged
from chainrule.optimizers import SGD, AdaGrad, Adam, AdamW, RMSProp

RULES = {
    "sgd": lambda: SGD(0.05), "momentum": lambda: SGD(0.05, momentum=0.9),
    "nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True),
    "adagrad": lambda: AdaGrad(0.05), "rmsprop": lambda: RMSProp(0.01),
    "adam": lambda: Adam(0.01), "adam-decay": lambda: Adam(0.01, weight_decay=0.01),
    "adamw": lambda: AdamW(0.01, weight_decay=0.5, amsgrad=True),
}


class _Snapshot(cr.Callback):
    """After epoch 2's batch 1: copies of the optimizer's state, the parameters and the
    average as they are, then a rate that sends the next step past the float range
    (``inf``: parameters not finite) or to about 1e200 (the next loss infinite)."""

    def __init__(self, trainer_ref: list, lr: float) -> None:
        self.trainer_ref, self.lr, self.seen = trainer_ref, lr, None

    def on_batch_end(self, state):
        if state.epoch == 2 and state.batch == 1:
            opt, trainer = state.optimizer, self.trainer_ref[0]
            average = None if trainer.ema_params is None else trainer.ema_params.copy()
            self.seen = (opt.t, {k: v.copy() for k, v in opt.state.items()},
                         state.net.params.copy(), average, trainer.ema_count)
            opt.lr = self.lr


@pytest.mark.parametrize("ema", [None, 0.9])
@pytest.mark.parametrize(("lr", "what"), [(1e200, "loss"), (np.inf, "parameters")])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_rejected_step_leaves_the_optimizer_as_it_was_before_it(rule, lr, what, ema):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = cr.network_from_layers([cr.Dense(3, 4, activation="relu"), cr.BatchNorm(4),
                                  cr.Dense(4, 2, activation="softmax")],
                                 loss="cross_entropy", seed=0)
    ref: list = []
    snap = _Snapshot(ref, lr)
    trainer = Trainer(net, optimizer=RULES[rule](), batch_size=8, epochs=4, seed=0,
                      callbacks=[snap], ema=ema)
    ref.append(trainer)
    batch = 3 if what == "loss" else 2  # the loss after the step, or the step itself
    with pytest.raises(TrainingDiverged, match=rf"epoch 2, batch {batch}: the {what}"):
        trainer.fit(X, Y)
    t, state, params, average, count = snap.seen
    opt = trainer.optimizer
    assert opt.t == t == 7
    assert sorted(opt.state) == sorted(state)
    for k, v in state.items():
        np.testing.assert_array_equal(opt.state[k], v)
        assert opt.state[k] is not opt._work["kept " + k]
    np.testing.assert_array_equal(net.params, params)
    assert trainer.ema_count == count
    if ema is not None:
        np.testing.assert_array_equal(trainer.ema_params, average)


def test_a_step_outside_the_training_loop_updates_the_state_in_place():
    """Optimizer.step called by the user keeps its state vectors (a reference to
    ``opt.state["m"]`` sees each step), and leaves no copies of them behind."""
    opt = Adam(0.1)
    params, grads = np.ones(4), np.arange(4.0)
    opt.step(params, grads)
    m, v = opt.state["m"], opt.state["v"]
    opt.step(params, grads)
    assert opt.state["m"] is m and opt.state["v"] is v
    np.testing.assert_allclose(m, 0.1 * grads + 0.9 * 0.1 * grads, rtol=1e-15)
    assert not any(k.startswith("kept ") for k in getattr(opt, "_work", {}))
