"""A callback the first epoch's end could not call is refused before the run, naming its
place in ``callbacks``: a callable taking no argument (or two), a class given for its
instance.  Before, the run trained a whole epoch, then stopped with Python's own
"<lambda>() takes 0 positional arguments but 1 was given" (or, for ``[History]``,
"'TrainState' object is not iterable"), the network left one epoch on."""

import functools

import numpy as np
import pytest

import chainrule as cr

X = np.random.default_rng(0).normal(size=(8, 2))
Y = X @ np.array([[1.0], [-1.0]])


class Counting(cr.Callback):
    def __init__(self):
        self.ends = 0

    def on_epoch_end(self, state):
        self.ends += 1


@pytest.mark.parametrize("cb, message", [
    (lambda: None, r"^callbacks\[1\]: a callable callback is called at each epoch end with "
                   r"one argument, the TrainState; .*<lambda>\(\) cannot take it"),
    (lambda a, b: None, r"^callbacks\[1\]: .*<lambda>\(a, b\) cannot take it"),
    (Counting, r"^callbacks\[1\] is the class Counting, not an object: give Counting\(\.\.\.\)"),
    (cr.History, r"^callbacks\[1\] is the class History, not an object: give a Callback"),
], ids=["no-argument", "two-arguments", "Callback-class", "other-class"])
def test_a_callback_that_cannot_be_called_is_refused_before_any_step(cb, message):
    net = cr.mlp([2, 3, 1], seed=0)
    before = net.params.copy()
    with pytest.raises(TypeError, match=message):
        cr.train(net, X, Y, epochs=2, callbacks=[Counting(), cb])
    np.testing.assert_array_equal(net.params, before)  # nothing trained


def test_a_mapping_is_no_list_of_callbacks():
    with pytest.raises(TypeError, match=r"^callbacks must be a list .* got History"):
        cr.train(cr.mlp([2, 1], seed=0), X, Y, epochs=1, callbacks=cr.History())


class _Method:
    def __init__(self):
        self.seen = []

    def at_end(self, state):
        self.seen.append(state.epoch)


def test_callables_of_one_argument_are_called_once_per_epoch():
    seen = []
    holder = _Method()
    counting = Counting()
    cr.train(cr.mlp([2, 1], seed=0), X, Y, epochs=3, callbacks=[
        counting, lambda s: seen.append(s.epoch), lambda s, extra=1: None,
        lambda *args: None, holder.at_end, functools.partial(lambda tag, s: None, "tag"),
    ])
    assert seen == [1, 2, 3] and holder.seen == [1, 2, 3] and counting.ends == 3
