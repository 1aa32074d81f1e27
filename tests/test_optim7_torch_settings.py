"""PyTorch's settings of its older rules: Adagrad's ``lr_decay`` and
``initial_accumulator_value``, SGD's ``dampening``; their defaults leave every step as
it was.

References: the rules as PyTorch documents them written out in NumPy, and
``torch.optim.Adagrad`` / ``torch.optim.SGD`` (skipped without torch), on one vector and
through :func:`chainrule.train`, float64 and float32.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import optim7_checks as checks
from chainrule.optimizers import SGD, AdaGrad, Optimizer, get_optimizer

ADAGRAD = [{"lr_decay": 0.05}, {"initial_accumulator_value": 0.7},
           {"lr_decay": 0.01, "initial_accumulator_value": 0.1}]
SGDS = [{"momentum": 0.9, "dampening": 0.5}, {"momentum": 0.5, "dampening": 1.0}]


def _adagrad(w, grads, lr, eps, lr_decay=0.0, initial_accumulator_value=0.0):
    s, out = np.full_like(w, initial_accumulator_value), []
    for t, g in enumerate(grads, start=1):
        s = s + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(w)
    return out


def _sgd(w, grads, lr, momentum, dampening):
    b, out = None, []
    for g in grads:
        b = g.copy() if b is None else momentum * b + (1 - dampening) * g
        w = w - lr * b
        out.append(w)
    return out


@pytest.mark.parametrize("kw", ADAGRAD)
def test_adagrad_steps_are_the_documented_algorithm(kw):
    grads = checks.grads()
    w0 = np.random.default_rng(0).normal(size=9)
    opt, w = AdaGrad(lr=0.05, eps=1e-10, **kw), w0.copy()
    for g, e in zip(grads, _adagrad(w0, grads, 0.05, 1e-10, **kw), strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kw", SGDS)
def test_sgd_steps_are_the_documented_algorithm(kw):
    grads = checks.grads()
    w0 = np.random.default_rng(0).normal(size=9)
    opt, w = SGD(lr=0.01, **kw), w0.copy()
    for g, e in zip(grads, _sgd(w0, grads, 0.01, **kw), strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("kw", ADAGRAD)
def test_adagrad_one_and_fifty_steps_are_torchs(dtype, tol, kw):
    torch = pytest.importorskip("torch")
    checks.steps_are_torchs(torch, AdaGrad(lr=0.05, eps=1e-10, **kw),
                            lambda p: torch.optim.Adagrad(p, lr=0.05, eps=1e-10, **kw),
                            dtype, tol)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("kw", SGDS)
def test_sgd_one_and_fifty_steps_are_torchs(dtype, tol, kw):
    torch = pytest.importorskip("torch")
    checks.steps_are_torchs(torch, SGD(lr=0.01, **kw),
                            lambda p: torch.optim.SGD(p, lr=0.01, **kw), dtype, tol)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("rule", ["adagrad", "sgd"])
def test_fifty_steps_of_train_are_torchs(rule, dtype, tol):
    torch = pytest.importorskip("torch")
    if rule == "adagrad":
        kw = {"lr_decay": 0.02, "initial_accumulator_value": 0.3}
        ours, theirs = AdaGrad(lr=0.05, eps=1e-10, **kw), lambda g: torch.optim.Adagrad(
            g, lr=0.05, eps=1e-10, **kw)
    else:
        ours, theirs = SGD(lr=0.05, momentum=0.9, dampening=0.3), lambda g: torch.optim.SGD(
            g, lr=0.05, momentum=0.9, dampening=0.3)
    assert checks.train_is_torchs(torch, ours, theirs, dtype, tol) > 0.05


@pytest.mark.parametrize("rule, keys", [
    (lambda: AdaGrad(0.05, lr_decay=0.1, initial_accumulator_value=0.5), {"sum_sq"}),
    (lambda: SGD(0.02, momentum=0.9, dampening=0.5), {"velocity"}),
])
def test_checkpoint_resumes_bit_for_bit_and_the_guard_restores(rule, keys, tmp_path):
    checks.resumes_bit_for_bit(rule, tmp_path, keys)
    checks.rejected_step_restores(rule)


def test_defaults_leave_the_configs_and_the_steps_as_they_were():
    assert set(AdaGrad().get_config()) == {"name", "lr", "eps", "weight_decay"}
    assert set(SGD(momentum=0.9).get_config()) == {"name", "lr", "momentum", "nesterov",
                                                   "weight_decay"}
    grads = checks.grads()
    for opt, ref in ((AdaGrad(lr=0.05), _adagrad), (SGD(0.01, momentum=0.9), _sgd)):
        w = np.ones(9)
        for g in grads:
            opt.step(w, g)
        args = (0.05, 1e-10) if ref is _adagrad else (0.01, 0.9, 0.0)
        np.testing.assert_allclose(w, ref(np.ones(9), grads, *args)[-1], rtol=1e-12)


def test_by_name_and_config_round_trip():
    opt = get_optimizer("adagrad", lr=0.1, lr_decay=0.1, initial_accumulator_value=0.2)
    assert (opt.lr_decay, opt.initial_accumulator_value) == (0.1, 0.2)
    again = Optimizer.from_config(json.loads(json.dumps(opt.get_config())))
    assert again.get_config() == opt.get_config()
    opt = get_optimizer("sgd", momentum=0.9, dampening=0.25)
    assert Optimizer.from_config(opt.get_config()).dampening == 0.25


@pytest.mark.parametrize("make, name", [
    (lambda: AdaGrad(lr_decay=-1.0), "lr_decay"),
    (lambda: AdaGrad(initial_accumulator_value=-0.1), "initial_accumulator_value"),
    (lambda: SGD(momentum=0.9, dampening=1.5), "dampening"),
    (lambda: SGD(momentum=0.9, dampening=-0.5), "dampening"),
    (lambda: SGD(momentum=0.9, nesterov=True, dampening=0.1), "dampening"),
])
def test_bad_arguments_are_refused_naming_them(make, name):
    with pytest.raises((TypeError, ValueError), match=name):
        make()
