"""An optimizer object's settings other than ``lr``, assigned after it was built, are
checked when a run takes it, as its constructor checks them (robust20).

``opt.momentum = 1.5`` trained without a word (each step's velocity grew); ``Adam.beta1 =
1.0`` ended in a bare ZeroDivisionError inside the first step.  The message names the
setting, what it must be and the value; the network and the optimizer stay as they were,
bit for bit, and an assigned setting in range is the one the steps use.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from optimizer_run_checks import assert_run_refuses

RNG = np.random.default_rng(20)
X = RNG.normal(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)


def _net():
    return cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)


BAD = [  # (rule, setting, value, error, key words of the message)
    (lambda: cr.SGD(lr=0.1, momentum=0.9), "momentum", 1.5, ValueError,
     ["optimizer.momentum", "[0, 1)", "1.5", "SGD"]),
    (lambda: cr.SGD(lr=0.1, momentum=0.9), "momentum", -0.1, ValueError,
     ["optimizer.momentum", ">= 0", "-0.1"]),
    (lambda: cr.SGD(lr=0.1), "nesterov", True, ValueError,
     ["optimizer.nesterov", "momentum > 0"]),
    (lambda: cr.SGD(lr=0.1, momentum=0.9), "dampening", 2.0, ValueError,
     ["optimizer.dampening", "[0, 1]", "2.0"]),
    (lambda: cr.SGD(lr=0.1), "weight_decay", 1.0, ValueError,
     ["optimizer.weight_decay", "[0, 1)", "1.0"]),
    (lambda: cr.Adam(), "beta1", 1.0, ValueError, ["optimizer.beta1", "[0, 1)", "1.0", "Adam"]),
    (lambda: cr.Adam(), "beta2", float("nan"), ValueError, ["optimizer.beta2", "nan"]),
    (lambda: cr.Adam(), "eps", 0.0, ValueError, ["optimizer.eps", "> 0", "0.0"]),
    (lambda: cr.Adam(), "eps_on", "v_hat_sqrt", ValueError, ["optimizer.eps_on", "v_hat_sqrt"]),
    (lambda: cr.Adam(), "amsgrad", "yes", TypeError, ["optimizer.amsgrad", "True or False"]),
    (lambda: cr.RMSProp(), "rho", 1.0, ValueError, ["optimizer.rho", "[0, 1)", "RMSProp"]),
    (lambda: cr.RMSProp(), "momentum", "0.9", TypeError, ["optimizer.momentum", "'0.9'"]),
    (lambda: cr.AdamW(), "beta2", 1.2, ValueError, ["optimizer.beta2", "[0, 1)", "AdamW"]),
    (lambda: cr.NAdam(), "beta1", -1.0, ValueError, ["optimizer.beta1", "-1.0", "NAdam"]),
]


@pytest.mark.parametrize(("make", "name", "value", "exc", "words"), BAD,
                         ids=[f"{i}-{b[1]}" for i, b in enumerate(BAD)])
def test_an_assigned_setting_out_of_range_is_refused(make, name, value, exc, words):
    net, opt = _net(), make()
    setattr(opt, name, value)
    assert_run_refuses(net, opt, X, LABELS, exc, words)
    assert getattr(opt, name) is value


def test_an_assigned_momentum_in_range_is_the_one_the_steps_take():
    """Two full-batch steps of SGD with momentum 0.5, written in NumPy: v1 = g1 (PyTorch's
    first velocity), w1 = w0 - lr v1; v2 = 0.5 v1 + g2, w2 = w1 - lr v2."""
    net, opt = _net(), cr.SGD(lr=0.1, momentum=0.9)
    opt.momentum = 0.5
    w0 = net.params.copy()
    g1 = net.copy().loss_and_grad(X, LABELS)[1]
    w1 = w0 - 0.1 * g1
    probe = net.copy()
    probe.set_params(w1)
    g2 = probe.loss_and_grad(X, LABELS)[1]
    expected = w1 - 0.1 * (0.5 * g1 + g2)
    cr.train(net, X, LABELS, optimizer=opt, batch_size="full", epochs=2, shuffle=False)
    np.testing.assert_allclose(net.params, expected, rtol=0, atol=1e-14)
