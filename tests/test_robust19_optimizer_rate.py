"""An optimizer object whose ``lr`` was assigned after it was built is checked when a run
takes it (robust19).

``opt.lr = -5`` (a sign slip) trained without a word: each step climbed the loss.  A NaN
or a string failed, if at all, inside the first step.  The network and the optimizer stay
as they were; a rate of 0 (where cosine annealing ends) still trains, and an assigned rate
is the one the step uses.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(5)
X = RNG.normal(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)


def _net():
    return cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)


BAD = [
    (-5.0, ValueError, ["optimizer.lr", ">= 0", "-5.0"]),
    (np.float64(-0.1), ValueError, ["optimizer.lr", ">= 0", "-0.1"]),
    (float("nan"), ValueError, ["optimizer.lr", "nan"]),
    ("0.1", TypeError, ["optimizer.lr", "a number", "'0.1'"]),
    (None, TypeError, ["optimizer.lr", "None"]),
    (True, TypeError, ["optimizer.lr", "True"]),
]


@pytest.mark.parametrize("make", [cr.SGD, cr.Adam, cr.RMSProp], ids=["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize(("rate", "exc", "words"), BAD, ids=[repr(b[0]) for b in BAD])
def test_an_assigned_rate_out_of_range_is_refused(make, rate, exc, words):
    net, opt = _net(), make(lr=0.1)
    opt.lr = rate
    before = net.params.copy()
    for call in (lambda: cr.train(net, X, LABELS, optimizer=opt, epochs=1),
                 lambda: cr.Trainer(net, optimizer=opt, epochs=1)):
        with pytest.raises(exc) as info:
            call()
        for word in words:
            assert word in str(info.value), (word, str(info.value))
        assert type(opt).__name__ in str(info.value)
    assert np.array_equal(net.params, before)
    assert opt.t == 0 and opt.state == {} and (opt.lr is rate or opt.lr != opt.lr)


def test_an_assigned_rate_is_the_one_the_step_takes():
    """One full-batch step of plain SGD: theta - 0.05 * grad, grad from loss_and_grad."""
    net, opt = _net(), cr.SGD(lr=0.1)
    opt.lr = 0.05
    expected = net.params - 0.05 * net.copy().loss_and_grad(X, LABELS)[1]
    cr.train(net, X, LABELS, optimizer=opt, batch_size="full", epochs=1, shuffle=False)
    np.testing.assert_allclose(net.params, expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("rate", [0.0, 0, np.float32(0.0)])
def test_a_rate_of_zero_still_trains_nothing(rate):
    net, opt = _net(), cr.SGD(lr=0.1)
    opt.lr = rate  # where a cosine schedule ends
    before = net.params.copy()
    cr.train(net, X, LABELS, optimizer=opt, epochs=1)
    assert np.array_equal(net.params, before)
