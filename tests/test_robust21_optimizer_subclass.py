"""A user's optimizer class has its settings checked when a run takes it, as chainrule's
own rules have theirs (robust21).

robust20 rebuilt only chainrule's own rules (exact type) from their current settings:
``class MyAdam(cr.Adam)`` with ``beta1 = 1.0`` assigned ended in a bare
ZeroDivisionError inside the first step, and a rule of the user's own (an
:class:`Optimizer` subclass) with ``weight_decay = 2.0`` assigned trained, each step
flipping the weights' signs.  Now the constructor of the rule a class derives from
checks them (Optimizer's for ``weight_decay``); ``lr`` is checked for every class.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.optimizers import Optimizer
from optimizer_run_checks import assert_run_refuses

RNG = np.random.default_rng(121)
X = RNG.normal(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)


class MyAdam(cr.Adam):
    """A user's Adam (nothing of its own)."""


class PlainGD(Optimizer):
    """A user's rule of its own: w <- (1 - weight_decay) w - lr g (weights), b - lr g."""

    def _direction(self, grads):
        return grads


def _net():
    return cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)


BAD = [  # (rule, setting, value, error, words of the message)
    (lambda: MyAdam(lr=0.01), "beta1", 1.0, ValueError,
     ["optimizer.beta1", "[0, 1)", "1.0", "MyAdam", "Adam"]),
    (lambda: MyAdam(lr=0.01), "eps", -1.0, ValueError, ["optimizer.eps", "-1.0"]),
    (lambda: MyAdam(lr=0.01), "lr", -5, ValueError, ["optimizer.lr", ">= 0", "-5"]),
    (lambda: MyAdam(lr=0.01), "lr", "fast", TypeError, ["optimizer.lr", "'fast'"]),
    (lambda: PlainGD(lr=0.1), "lr", float("nan"), ValueError, ["optimizer.lr", "nan"]),
    (lambda: PlainGD(lr=0.1), "weight_decay", 2.0, ValueError,
     ["optimizer.weight_decay", "[0, 1)", "2.0", "PlainGD", "Optimizer"]),
    (lambda: PlainGD(lr=0.1), "weight_decay", float("nan"), ValueError,
     ["optimizer.weight_decay", "nan"]),
    (lambda: PlainGD(lr=0.1), "weight_decay", "0.1", TypeError,
     ["optimizer.weight_decay", "str"]),
]


@pytest.mark.parametrize(("make", "name", "value", "exc", "words"), BAD,
                         ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD)])
def test_a_subclass_setting_out_of_range_is_refused(make, name, value, exc, words):
    net, opt = _net(), make()
    setattr(opt, name, value)
    assert_run_refuses(net, opt, X, LABELS, exc, words)


def test_a_user_rule_with_an_assigned_decay_in_range_steps_with_it():
    """One full-batch step of PlainGD, weight_decay 0.25 assigned, in NumPy from the
    gradient of the starting parameters: W1 = 0.75 W0 - lr dW, b1 = b0 - lr db."""
    net, opt = _net(), PlainGD(lr=0.1)
    opt.weight_decay = 0.25
    probe = net.copy()
    probe.loss_and_grad(X, LABELS)
    expected = [(0.75 * layer.W - 0.1 * layer.dW, layer.b - 0.1 * layer.db)
                for layer in probe.layers]
    cr.train(net, X, LABELS, optimizer=opt, batch_size="full", epochs=1, shuffle=False)
    for layer, (W, b) in zip(net.layers, expected, strict=True):
        np.testing.assert_allclose(layer.W, W, rtol=0, atol=1e-14)
        np.testing.assert_allclose(layer.b, b, rtol=0, atol=1e-14)


def test_a_subclass_with_settings_of_its_own_is_left_to_them():
    """A subclass whose constructor takes other keywords: only the settings the object
    holds under the base rule's names are compared."""

    class Scaled(cr.SGD):
        def __init__(self, lr=0.1, scale=2.0):
            super().__init__(lr=lr)
            self.scale = scale

    opt = Scaled()
    opt.scale = -1.0  # the subclass's own: not chainrule's to check
    cr.train(_net(), X, LABELS, optimizer=opt, epochs=1)
    opt.momentum = 1.5  # SGD's, which SGD's constructor refuses
    with pytest.raises(ValueError, match=r"optimizer\.momentum.*Scaled.*SGD"):
        cr.train(_net(), X, LABELS, optimizer=opt, epochs=1)
