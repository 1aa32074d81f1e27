"""Adamax: PyTorch's ``torch.optim.Adamax`` (Adam with the infinity norm).

References: the algorithm of PyTorch's documentation written out in NumPy, and
``torch.optim.Adamax`` itself (skipped without torch), on one vector and through
:func:`chainrule.train`, float64 and float32; gradients of the size of ``eps`` show
where ``eps`` goes (inside the maximum, with ``|g|``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.optimizers import OPTIMIZERS, Adamax, Optimizer, get_optimizer
from torch_twins import steps_match_torch


def _hand(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8, eps_inside=True):
    """PyTorch's documented Adamax, step by step (``eps_inside=False``: the other place
    ``eps`` could go, ``m / (u + eps)`` with ``u = max(b2 u, |g|)``)."""
    m, u, out = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + (eps if eps_inside else 0.0))
        w = w - lr / (1 - b1**t) * m / (u if eps_inside else u + eps)
        out.append(w)
    return out


@pytest.mark.parametrize("scale", [1.0, 1e-8])
def test_steps_are_the_documented_algorithm(scale):
    grads = checks.grads() * scale
    w0 = np.random.default_rng(0).normal(size=9)
    opt = Adamax(lr=0.01, beta2=0.99)
    w = w0.copy()
    for g, e in zip(grads, _hand(w0, grads, 0.01, b2=0.99), strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)
    if scale < 1:  # gradients of eps's size: eps in the denominator would step elsewhere
        other = _hand(w0, grads, 0.01, b2=0.99, eps_inside=False)[-1]
        assert np.max(np.abs(other - w)) > 1e-3


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("kw", [{}, {"betas": (0.8, 0.99), "eps": 1e-3}])
def test_one_and_fifty_steps_are_torchs(dtype, tol, kw):
    torch = pytest.importorskip("torch")
    b1, b2 = kw.get("betas", (0.9, 0.999))
    checks.steps_are_torchs(torch, Adamax(lr=0.01, beta1=b1, beta2=b2, eps=kw.get("eps", 1e-8)),
                            lambda params: torch.optim.Adamax(params, lr=0.01, **kw), dtype, tol)


def test_tiny_gradients_are_torchs():
    """Gradients of 1e-8 and less: the steps hang on where eps is added."""
    torch = pytest.importorskip("torch")
    g = checks.grads() * 1e-8
    w0 = np.random.default_rng(1).normal(size=9)
    steps_match_torch(torch, Adamax(lr=0.01), lambda p: torch.optim.Adamax(p, lr=0.01), w0,
                      g, 1e-12)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_fifty_steps_of_train_are_torchs(dtype, tol):
    torch = pytest.importorskip("torch")
    moved = checks.train_is_torchs(torch, Adamax(lr=0.01),
                                   lambda g: torch.optim.Adamax(g, lr=0.01), dtype, tol)
    assert moved > 0.05


def test_torchs_l2_weight_decay_is_the_networks_penalty():
    torch = pytest.importorskip("torch")
    checks.train_is_torchs(torch, Adamax(lr=0.01), lambda g: torch.optim.Adamax(g, lr=0.01),
                           np.float64, 1e-12, weight_decay=0.05)


def test_checkpoint_resumes_bit_for_bit(tmp_path):
    checks.resumes_bit_for_bit(lambda: Adamax(0.02), tmp_path, {"m", "u"})


def test_a_rejected_step_restores_the_state():
    checks.rejected_step_restores(lambda: Adamax(0.02))


def test_by_name_in_the_library_and_config_round_trip():
    assert OPTIMIZERS["adamax"] is Adamax and cr.Adamax is Adamax
    opt = get_optimizer("adamax", lr=0.02, beta2=0.99)
    assert isinstance(opt, Adamax) and (opt.lr, opt.beta2) == (0.02, 0.99)
    again = Optimizer.from_config(json.loads(json.dumps(opt.get_config())))
    assert again.get_config() == opt.get_config()
    assert Adamax().lr == 0.002  # PyTorch's default
    with pytest.raises(ValueError, match="momentum"):
        get_optimizer("adamax", momentum=0.9)


@pytest.mark.parametrize("kwargs, name", [
    ({"beta1": 1.0}, "beta1"), ({"beta2": -0.5}, "beta2"), ({"eps": 0.0}, "eps"),
    ({"weight_decay": 2.0}, "weight_decay"), ({"lr": 0.0}, "lr"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        Adamax(**kwargs)


def test_the_command_line_takes_adamax(tmp_path):
    def hand(w, grad, lr, steps):
        b1, b2, eps = 0.9, 0.999, 1e-8
        m, u = np.zeros_like(w), np.zeros_like(w)
        for t in range(1, steps + 1):
            g = grad(w)
            m = b1 * m + (1 - b1) * g
            u = np.maximum(b2 * u, np.abs(g) + eps)
            w = w - lr / (1 - b1**t) * m / u
        return w

    checks.cli_is_the_rule(tmp_path, "adamax", hand)
