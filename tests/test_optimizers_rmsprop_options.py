"""RMSProp's ``momentum`` and ``centered``: PyTorch's ``RMSprop(momentum=..., centered=...)``.

References: the rule written out here in NumPy, step by step, and PyTorch's
``torch.optim.RMSprop`` (skipped without torch), 1 and 50 steps, float64 and float32,
through :meth:`Optimizer.step` and through :func:`chainrule.train`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.optimizers import Optimizer, RMSProp, get_optimizer
from torch_twins import steps_match_torch, torch_run, torch_twin

OPTIONS = [(0.0, True), (0.9, False), (0.7, True)]


def _grads(n=50, size=9, seed=4):
    rng = np.random.default_rng(seed)
    return rng.normal(0.3, 1.0, size=(n, size)) * np.geomspace(1e-3, 10.0, size)


def _hand(w, grads, lr, rho, eps, mu, centered):
    """PyTorch's documented RMSprop, written out."""
    w = w.copy()
    s, gbar, b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    out = []
    for g in grads:
        s = rho * s + (1 - rho) * g * g
        if centered:
            gbar = rho * gbar + (1 - rho) * g
            scaled = g / (np.sqrt(s - gbar * gbar) + eps)
        else:
            scaled = g / (np.sqrt(s) + eps)
        if mu:
            b = mu * b + scaled
            w = w - lr * b
        else:
            w = w - lr * scaled
        out.append(w)
    return out


@pytest.mark.parametrize("mu, centered", OPTIONS)
def test_steps_are_the_formula(mu, centered):
    grads = _grads()
    w0 = np.random.default_rng(0).normal(size=9)
    opt = RMSProp(lr=0.01, rho=0.8, eps=1e-6, momentum=mu, centered=centered)
    w = w0.copy()
    for g, e in zip(grads, _hand(w0, grads, 0.01, 0.8, 1e-6, mu, centered), strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)
    plain = w0.copy()
    other = RMSProp(lr=0.01, rho=0.8, eps=1e-6)
    for g in grads:
        other.step(plain, g.copy())
    assert np.max(np.abs(plain - w)) > 1e-2  # the options change the steps


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("mu, centered", OPTIONS)
def test_one_and_fifty_steps_are_torchs(mu, centered, dtype, tol):
    torch = pytest.importorskip("torch")
    grads = _grads().astype(dtype)
    w0 = np.random.default_rng(1).normal(size=9).astype(dtype)
    ours = RMSProp(lr=0.01, rho=0.85, eps=1e-7, momentum=mu, centered=centered)
    steps_match_torch(torch, ours, lambda params: torch.optim.RMSprop(
        params, lr=0.01, alpha=0.85, eps=1e-7, momentum=mu, centered=centered),
        w0, grads, tol)


def test_train_is_torchs_and_resumes_bit_for_bit(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(80, 4)), rng.normal(size=(80, 2))
    net = cr.mlp([4, 5, 2], hidden="tanh", seed=0)
    model = torch_twin(torch, net)
    topt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, momentum=0.8,
                               centered=True)  # alpha: torch defaults to 0.99, rho to 0.9
    want = torch_run(torch, model, topt, X, Y, epochs=4, batch_size=8)

    def rule():
        return RMSProp(lr=0.01, momentum=0.8, centered=True)

    whole = net.copy()
    cr.train(whole, X, Y, optimizer=rule(), batch_size=8, epochs=4, shuffle=False)
    np.testing.assert_allclose(whole.params, want, rtol=0, atol=1e-13)
    part = net.copy()
    cr.train(part, X, Y, optimizer=rule(), batch_size=8, epochs=2, shuffle=False,
             checkpoint=tmp_path / "run.ckpt")
    with np.load(tmp_path / "run.ckpt.npz") as saved:
        assert {"optimizer/grad_mean", "optimizer/velocity"} <= set(saved.files)
    resumed, _ = cr.resume(tmp_path / "run.ckpt", X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, whole.params)


def test_settings_configs_and_names():
    opt = RMSProp(momentum=0.5, centered=True)
    config = opt.get_config()
    again = Optimizer.from_config(json.loads(json.dumps(config)))
    assert (again.momentum, again.centered) == (0.5, True)
    # a plain RMSProp's configuration is the one files held before the settings existed
    assert set(RMSProp().get_config()) == {"name", "lr", "rho", "eps", "weight_decay"}
    # train(optimizer="rmsprop", momentum=...) reaches the rule, as torch's RMSprop takes it
    assert get_optimizer("rmsprop", momentum=0.9).momentum == 0.9
    with pytest.raises(ValueError, match="momentum"):
        RMSProp(momentum=1.0)
    with pytest.raises(TypeError, match="centered"):
        RMSProp(centered=1)
