"""A Callback whose hooks a run could not call, or that defines an ``on_...`` method a run
never calls, is refused before the first step (robust19).

Before, Keras' ``on_epoch_begin`` or a misspelt ``on_epoch_ends`` was silently never
called, and a Keras-style ``on_epoch_end(self, epoch, logs)`` failed with Python's
"missing 1 required positional argument: 'logs'" at the end of the first epoch, the
network already trained by it.  The network and optimizer stay as they were.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(4)
X = RNG.normal(size=(10, 4))
LABELS = RNG.integers(0, 3, 10)


class EpochBegin(cr.Callback):
    def on_epoch_begin(self, state):
        pass


class BatchBegin(cr.Callback):
    def on_batch_begin(self, state):
        pass


class Misspelt(cr.Callback):
    def on_epoch_ends(self, state):
        pass


class KerasEnd(cr.Callback):
    def on_epoch_end(self, epoch, logs):
        pass


class NoState(cr.Callback):
    def on_train_begin(self):
        pass


class TwoStates(cr.Callback):
    def on_batch_end(self, state, extra, more=None):
        pass


BAD = [
    (EpochBegin, ["callbacks[0]", "EpochBegin defines on_epoch_begin", "never calls",
                  "on_train_begin", "on_epoch_end"]),
    (BatchBegin, ["BatchBegin defines on_batch_begin", "never calls", "on_batch_end"]),
    (Misspelt, ["Misspelt defines on_epoch_ends", "did you mean 'on_epoch_end'?"]),
    (KerasEnd, ["KerasEnd.on_epoch_end(epoch, logs)", "TrainState", "state.epoch",
                "def on_epoch_end(self, state)"]),
    (NoState, ["NoState.on_train_begin()", "TrainState"]),
    (TwoStates, ["TwoStates.on_batch_end(state, extra, more=None)", "TrainState"]),
]


@pytest.mark.parametrize(("cls", "words"), BAD, ids=[b[0].__name__ for b in BAD])
def test_a_callback_a_run_cannot_call_is_refused_first(cls, words):
    net, opt = cr.mlp([4, 5, 3], output="softmax", seed=0), cr.Adam(lr=0.01)
    before = net.params.copy()
    for call in (lambda: cr.train(net, X, LABELS, optimizer=opt, epochs=2, callbacks=[cls()]),
                 lambda: cr.Trainer(net, optimizer=opt, callbacks=[cr.Callback(), cls()])):
        with pytest.raises(TypeError) as info:
            call()
        for word in words:
            assert word in str(info.value).replace("callbacks[1]", "callbacks[0]"), (
                word, str(info.value))
    assert np.array_equal(net.params, before)
    assert opt.t == 0 and opt.state == {}


class Fine(cr.Callback):
    """Hooks with defaults after the state, static ones, helpers that are not on_..."""

    seen: list

    def __init__(self):
        self.seen = []

    def on_epoch_end(self, state, logs=None):
        self.seen.append(state.epoch)

    @staticmethod
    def on_train_end(state):
        state.logs["done"] = True

    def _on_helper(self):
        pass

    on_flag = True  # not callable: not a hook


def test_callbacks_a_run_can_call_still_run():
    cb = Fine()
    cr.train(cr.mlp([4, 5, 3], output="softmax", seed=0), X, LABELS, epochs=3, callbacks=[cb])
    assert cb.seen == [1, 2, 3]
