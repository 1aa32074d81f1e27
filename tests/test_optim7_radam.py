"""RAdam: PyTorch's ``torch.optim.RAdam`` (Liu et al.'s rectified Adam).

References: the algorithm of PyTorch's documentation written out in NumPy, and
``torch.optim.RAdam`` itself (skipped without torch), on one vector and through
:func:`chainrule.train`, float64 and float32, across the step where the rectification
starts (``rho_t > 5``: from step 6 on for ``beta2`` 0.999 and 0.99).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.optimizers import OPTIMIZERS, Optimizer, RAdam, get_optimizer


def _rho(t, b2):
    rho_inf = 2 / (1 - b2) - 1
    return rho_inf, rho_inf - 2 * t * b2**t / (1 - b2**t)


def _hand(w, grads, lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    """PyTorch's documented RAdam (decoupled weight decay ``wd``), step by step; also the
    steps that were rectified."""
    m, v, out, rectified = np.zeros_like(w), np.zeros_like(w), [], []
    for t, g in enumerate(grads, start=1):
        w = w * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho_inf, rho_t = _rho(t, b2)
        if rho_t > 5:
            ell = np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            w = w - lr * m_hat * r * ell
            rectified.append(t)
        else:
            w = w - lr * m_hat
        out.append(w)
    return out, rectified


def test_the_first_five_steps_are_not_rectified():
    """rho_t for beta2 = 0.999: 1, 1.999, 2.999, 3.997, 4.996, then 5.994 at step 6."""
    assert [round(_rho(t, 0.999)[1], 3) for t in range(1, 7)] == [
        1.0, 1.999, 2.999, 3.997, 4.996, 5.994]
    opt = RAdam()
    assert all(opt._rectifier(t) is None for t in range(1, 6))
    assert opt._rectifier(6) is not None


@pytest.mark.parametrize("kw", [{}, {"b2": 0.99, "wd": 0.3}])
def test_steps_are_the_documented_algorithm(kw):
    grads = checks.grads()
    w0 = np.random.default_rng(0).normal(size=9)
    opt = RAdam(lr=0.01, beta2=kw.get("b2", 0.999), weight_decay=kw.get("wd", 0.0),
                decoupled_weight_decay="wd" in kw)
    want, rectified = _hand(w0, grads, 0.01, **kw)
    assert 1 < rectified[0] < 10 and rectified == list(range(rectified[0], 51))
    w = w0.copy()
    for g, e in zip(grads, want, strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("kw", [{}, {"betas": (0.8, 0.99), "weight_decay": 0.2,
                                    "decoupled_weight_decay": True}])
def test_steps_across_the_switch_are_torchs(dtype, tol, kw):
    torch = pytest.importorskip("torch")
    b1, b2 = kw.get("betas", (0.9, 0.999))
    ours = {k: v for k, v in kw.items() if k != "betas"}
    first = min(t for t in range(1, 50) if _rho(t, b2)[1] > 5)
    for n in (first - 1, first, first + 1, 50):  # the last SGD step, the first two rectified
        checks.steps_are_torchs(torch, RAdam(lr=0.01, beta1=b1, beta2=b2, **ours),
                                lambda params: torch.optim.RAdam(params, lr=0.01, **kw),
                                dtype, tol, n=n)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
def test_fifty_steps_of_train_are_torchs(dtype, tol):
    torch = pytest.importorskip("torch")
    moved = checks.train_is_torchs(torch, RAdam(lr=0.01),
                                   lambda g: torch.optim.RAdam(g, lr=0.01), dtype, tol)
    assert moved > 0.05


def test_torchs_l2_weight_decay_is_the_networks_penalty():
    torch = pytest.importorskip("torch")
    checks.train_is_torchs(torch, RAdam(lr=0.01), lambda g: torch.optim.RAdam(g, lr=0.01),
                           np.float64, 1e-12, weight_decay=0.05)


def test_checkpoint_resumes_bit_for_bit(tmp_path):
    checks.resumes_bit_for_bit(lambda: RAdam(0.02), tmp_path, {"m", "v"})


def test_a_rejected_step_restores_the_state():
    checks.rejected_step_restores(lambda: RAdam(0.02))


def test_by_name_in_the_library_and_config_round_trip():
    assert OPTIMIZERS["radam"] is RAdam and cr.RAdam is RAdam
    opt = get_optimizer("radam", lr=0.02, beta2=0.99)
    assert isinstance(opt, RAdam) and (opt.lr, opt.beta2) == (0.02, 0.99)
    again = Optimizer.from_config(json.loads(json.dumps(opt.get_config())))
    assert again.get_config() == opt.get_config()
    with pytest.raises(ValueError, match="momentum"):
        get_optimizer("radam", momentum=0.9)


@pytest.mark.parametrize("kwargs, name", [
    ({"beta1": 1.0}, "beta1"), ({"beta2": 1.5}, "beta2"), ({"eps": -1.0}, "eps"),
    ({"weight_decay": 1.0}, "weight_decay"), ({"decoupled_weight_decay": "yes"},
                                              "decoupled_weight_decay"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        RAdam(**kwargs)


def test_the_command_line_takes_radam(tmp_path):
    def hand(w, grad, lr, steps):
        b1, b2, eps = 0.9, 0.999, 1e-8
        m, v = np.zeros_like(w), np.zeros_like(w)
        for t in range(1, steps + 1):
            g = grad(w)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            rho_inf, rho_t = _rho(t, b2)
            step = m / (1 - b1**t)
            if rho_t > 5:
                step = step * np.sqrt(1 - b2**t) / (np.sqrt(v) + eps) * np.sqrt(
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            w = w - lr * step
        return w

    checks.cli_is_the_rule(tmp_path, "radam", hand, epochs=9)
