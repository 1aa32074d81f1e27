"""NAdam: PyTorch's ``torch.optim.NAdam`` (Dozat's Adam with Nesterov momentum).

References: the algorithm of PyTorch's documentation written out in NumPy, and
``torch.optim.NAdam`` itself (skipped without torch), on one vector and through
:func:`chainrule.train`, float64 and float32.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.optimizers import OPTIMIZERS, NAdam, Optimizer, get_optimizer


def _hand(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8, psi=4e-3, wd=0.0):
    """PyTorch's documented NAdam (decoupled weight decay ``wd``), step by step."""
    m, v, prod, out = np.zeros_like(w), np.zeros_like(w), 1.0, []
    for t, g in enumerate(grads, start=1):
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod *= mu
        w = w * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = mu_next * m / (1 - prod * mu_next) + (1 - mu) * g / (1 - prod)
        w = w - lr * m_hat / (np.sqrt(v / (1 - b2**t)) + eps)
        out.append(w)
    return out


@pytest.mark.parametrize("kw", [{}, {"psi": 0.02, "wd": 0.3}])
def test_steps_are_the_documented_algorithm(kw):
    grads = checks.grads()
    w0 = np.random.default_rng(0).normal(size=9)
    opt = NAdam(lr=0.01, momentum_decay=kw.get("psi", 4e-3), weight_decay=kw.get("wd", 0.0),
                decoupled_weight_decay="wd" in kw)
    w = w0.copy()
    for g, e in zip(grads, _hand(w0, grads, 0.01, **kw), strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("kw", [{}, {"momentum_decay": 0.05, "betas": (0.8, 0.99),
                                    "weight_decay": 0.2, "decoupled_weight_decay": True}])
def test_one_and_fifty_steps_are_torchs(dtype, tol, kw):
    torch = pytest.importorskip("torch")
    ours = {k: v for k, v in kw.items() if k != "betas"}
    b1, b2 = kw.get("betas", (0.9, 0.999))
    checks.steps_are_torchs(
        torch, NAdam(lr=0.01, beta1=b1, beta2=b2, **ours),
        lambda params: torch.optim.NAdam(params, lr=0.01, **kw), dtype, tol)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_fifty_steps_of_train_are_torchs(dtype, tol):
    torch = pytest.importorskip("torch")
    moved = checks.train_is_torchs(torch, NAdam(lr=0.01),
                                   lambda g: torch.optim.NAdam(g, lr=0.01), dtype, tol)
    assert moved > 0.05


def test_torchs_l2_weight_decay_is_the_networks_penalty():
    torch = pytest.importorskip("torch")
    checks.train_is_torchs(torch, NAdam(lr=0.01), lambda g: torch.optim.NAdam(g, lr=0.01),
                           np.float64, 1e-12, weight_decay=0.05)


def test_checkpoint_resumes_bit_for_bit(tmp_path):
    checks.resumes_bit_for_bit(lambda: NAdam(0.02, momentum_decay=0.05), tmp_path, {"m", "v"})


def test_a_rejected_step_restores_the_state():
    checks.rejected_step_restores(lambda: NAdam(0.02))


def test_the_momentum_schedules_product_follows_the_step_count():
    """mu_product is a function of t: after t is set back (the guard, a checkpoint) the next
    step takes the product of its own step, equal bit for bit to the uninterrupted one's."""
    g = checks.grads(n=12)
    a, b = NAdam(0.01), NAdam(0.01)
    wa, wb = np.ones(9), np.ones(9)
    for i in range(10):
        a.step(wa, g[i])
        b.step(wb, g[i])
    kept = (b.t, {k: v.copy() for k, v in b.state.items()}, wb.copy())
    b.step(wb, g[11])  # a step taken back:
    b.t, b.state, wb = kept[0], {k: v.copy() for k, v in kept[1].items()}, kept[2].copy()
    a.step(wa, g[10])
    b.step(wb, g[10])
    np.testing.assert_array_equal(wa, wb)
    c = NAdam(0.01)
    c.t, c.state, wc = 10, {k: v.copy() for k, v in kept[1].items()}, kept[2].copy()
    c.step(wc, g[10])  # a fresh object (a checkpoint's): the product again from t
    np.testing.assert_array_equal(wa, wc)


def test_by_name_in_the_library_and_config_round_trip():
    assert OPTIMIZERS["nadam"] is NAdam and cr.NAdam is NAdam
    opt = get_optimizer("nadam", lr=0.02, momentum_decay=0.01)
    assert isinstance(opt, NAdam) and (opt.lr, opt.momentum_decay) == (0.02, 0.01)
    config = json.loads(json.dumps(opt.get_config()))
    again = Optimizer.from_config(config)
    assert again.get_config() == opt.get_config()
    assert (NAdam().lr, NAdam().momentum_decay) == (0.002, 0.004)  # PyTorch's defaults
    with pytest.raises(ValueError, match="momentum"):
        get_optimizer("nadam", momentum=0.9)  # a setting it does not take


@pytest.mark.parametrize("kwargs, name", [
    ({"beta1": 1.0}, "beta1"), ({"beta2": -0.1}, "beta2"), ({"eps": 0.0}, "eps"),
    ({"momentum_decay": -1.0}, "momentum_decay"), ({"weight_decay": 1.0}, "weight_decay"),
    ({"decoupled_weight_decay": 1}, "decoupled_weight_decay"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        NAdam(**kwargs)


def test_the_command_line_takes_nadam(tmp_path):
    def hand(w, grad, lr, steps):
        b1, b2, eps, psi = 0.9, 0.999, 1e-8, 4e-3
        m, v, prod = np.zeros_like(w), np.zeros_like(w), 1.0
        for t in range(1, steps + 1):
            g = grad(w)
            mu, mu_next = (b1 * (1 - 0.5 * 0.96 ** (s * psi)) for s in (t, t + 1))
            prod *= mu
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            step = mu_next * m / (1 - prod * mu_next) + (1 - mu) * g / (1 - prod)
            w = w - lr * step / (np.sqrt(v / (1 - b2**t)) + eps)
        return w

    checks.cli_is_the_rule(tmp_path, "nadam", hand)
