"""Whole training runs against PyTorch: the same network, weights and batches.

A 5-6-2 tanh network on half the squared error is trained by :func:`chainrule.train`
(the training loop, its BLAS updates and its weight slices) with ``shuffle=False``,
and by a ``torch.nn.Sequential`` of the same weights stepped by ``torch.optim`` on the
same batches in order; the weights after 50 steps are compared.  Skipped without torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.optimizers import SGD, AdaGrad, Adam, RMSProp
from chainrule.schedules import Cosine
from torch_twins import decay_groups, torch_run, torch_twin

torch = pytest.importorskip("torch")

N, BS = 400, 8  # 50 steps of one epoch


def _data(n=N):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)), rng.normal(size=(n, 2))


def _pair(dtype="float64", weight_decay=0.0):
    """A chainrule network and a torch model holding the same weights."""
    net = cr.mlp([5, 6, 2], hidden="tanh", output="identity", seed=0, dtype=dtype,
                 weight_decay=weight_decay)
    return net, torch_twin(torch, net)


T = torch.optim
CASES = {
    "sgd": (lambda: SGD(lr=0.1), lambda g: T.SGD(g, lr=0.1)),
    "momentum": (lambda: SGD(lr=0.05, momentum=0.9), lambda g: T.SGD(g, lr=0.05, momentum=0.9)),
    "nesterov": (lambda: SGD(lr=0.05, momentum=0.9, nesterov=True),
                 lambda g: T.SGD(g, lr=0.05, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: AdaGrad(lr=0.05, eps=1e-10), lambda g: T.Adagrad(g, lr=0.05, eps=1e-10)),
    "rmsprop": (lambda: RMSProp(lr=0.01, rho=0.8), lambda g: T.RMSprop(g, lr=0.01, alpha=0.8)),
    "adam": (lambda: Adam(lr=0.01, beta1=0.8, beta2=0.99), lambda g: T.Adam(g, lr=0.01,
                                                                           betas=(0.8, 0.99))),
}


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-13), ("float32", 2e-6)])
@pytest.mark.parametrize("case", sorted(CASES))
def test_fifty_steps_of_train_are_torchs(case, dtype, tol):
    ours, theirs = CASES[case]
    X, Y = _data()
    net, model = _pair(dtype)
    want = torch_run(torch, model, theirs(decay_groups(model, 0.0)), X, Y, 1, BS)
    cr.train(net, X.astype(dtype), Y.astype(dtype), optimizer=ours(), batch_size=BS, epochs=1,
             shuffle=False)
    np.testing.assert_allclose(net.params, want, rtol=0, atol=tol)


@pytest.mark.parametrize("case", ["momentum", "nesterov", "rmsprop", "adam", "adagrad"])
def test_torchs_coupled_weight_decay_is_the_networks_l2_penalty(case):
    """PyTorch's ``weight_decay=wd`` of SGD, RMSprop, Adagrad and Adam (not AdamW) adds
    ``wd * w`` to the gradient, before momentum and moments: the network's L2 penalty
    ``mlp(..., weight_decay=wd)`` ((wd / 2) sum W^2), not the optimizer's decoupled one."""
    ours, theirs = CASES[case]
    X, Y = _data()
    net, model = _pair(weight_decay=0.05)
    want = torch_run(torch, model, theirs(decay_groups(model, 0.05)), X, Y, 1, BS)
    cr.train(net, X, Y, optimizer=ours(), batch_size=BS, epochs=1, shuffle=False)
    np.testing.assert_allclose(net.params, want, rtol=0, atol=1e-13)


def test_adamw_under_a_schedule_needs_the_decay_to_follow_the_rate():
    """torch's AdamW shrinks the weights by ``lr_t * wd`` at a step of rate ``lr_t``;
    ``Adam(weight_decay=lam)`` by ``lam`` whatever the rate.  Equal at a constant rate
    with ``lam = lr * wd``; under a schedule the callback of the docs, which sets
    ``weight_decay = optimizer.lr * wd`` at each epoch's end, makes them equal again."""
    X, Y = _data(80)
    lr, wd, epochs = 0.05, 0.5, 6
    net, model = _pair()
    opt = T.AdamW(decay_groups(model, wd), lr=lr)
    want = torch_run(torch, model, opt, X, Y, epochs, BS,
                     per_epoch=T.lr_scheduler.CosineAnnealingLR(opt, epochs))

    def follow(state):
        state.optimizer.weight_decay = state.optimizer.lr * wd

    for callbacks, close in (([], False), ([follow], True)):
        net, _ = _pair()
        cr.train(net, X, Y, optimizer=Adam(lr=lr, weight_decay=lr * wd), batch_size=BS,
                 epochs=epochs, shuffle=False, schedule=Cosine(epochs), callbacks=callbacks)
        assert np.allclose(net.params, want, rtol=0, atol=1e-13) == close
