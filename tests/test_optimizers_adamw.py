"""AdamW: Adam whose decoupled weight decay is ``lr_t * weight_decay`` per step, PyTorch's.

References: ``torch.optim.AdamW`` (skipped without torch), one vector stepped 1 and 50
times at a constant rate, and whole runs of :func:`chainrule.train` against a torch model
of the same weights on the same batches under ``CosineAnnealingLR`` (per epoch) and
``OneCycleLR`` (per step); the uninterrupted run for resume, bit for bit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.optimizers import OPTIMIZERS, Adam, AdamW, Optimizer, get_optimizer
from chainrule.schedules import Cosine
from torch_twins import decay_groups, steps_match_torch, torch_run, torch_twin

N, BS = 80, 8  # 10 steps an epoch


def _grads(n=50, size=9, seed=3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(n, size)) * np.geomspace(1e-3, 10.0, size)
    g[10:] *= 0.1  # v falls after 10 steps: AMSGrad's maximum matters
    return g.astype(dtype)


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_one_and_fifty_steps_are_torchs(dtype, tol, amsgrad):
    torch = pytest.importorskip("torch")
    grads = _grads(dtype=dtype)
    w0 = (np.random.default_rng(1).normal(size=9) * 3).astype(dtype)
    ours = AdamW(lr=0.02, beta1=0.85, beta2=0.995, eps=1e-7, weight_decay=2.0,
                 amsgrad=amsgrad)
    w = steps_match_torch(torch, ours, lambda params: torch.optim.AdamW(
        params, lr=0.02, betas=(0.85, 0.995), eps=1e-7, weight_decay=2.0, amsgrad=amsgrad),
        w0, grads, tol)
    # the decay matters here: Adam with the same setting (a fixed fraction) is elsewhere
    plain = w0.copy()
    adam = Adam(lr=0.02, beta1=0.85, beta2=0.995, eps=1e-7, weight_decay=0.5, amsgrad=amsgrad)
    for g in grads:
        adam.step(plain, g.copy())
    assert np.max(np.abs(plain - w)) > 1e-2


def _pair(torch, dtype):
    """A chainrule network and a torch model holding the same weights."""
    net = cr.mlp([5, 6, 2], hidden="tanh", output="identity", seed=0, dtype=dtype)
    return net, torch_twin(torch, net)


def _torch_adamw(torch, model, lr, wd, amsgrad=False):
    """Weights decayed, biases not (as chainrule's training loop does)."""
    return torch.optim.AdamW(decay_groups(model, wd), lr=lr, amsgrad=amsgrad)


def _data(dtype="float64"):
    rng = np.random.default_rng(0)
    return rng.normal(size=(N, 5)).astype(dtype), rng.normal(size=(N, 2)).astype(dtype)


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-5)])
def test_train_under_a_cosine_per_epoch_is_torchs(dtype, tol, amsgrad):
    torch = pytest.importorskip("torch")
    X, Y = _data(dtype)
    lr, wd, epochs = 0.05, 0.5, 6
    net, model = _pair(torch, dtype)
    opt = _torch_adamw(torch, model, lr, wd, amsgrad)
    want = torch_run(torch, model, opt, X, Y, epochs, BS,
                     per_epoch=torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs))
    start = net.params.copy()
    cr.train(net, X, Y, optimizer=AdamW(lr=lr, weight_decay=wd, amsgrad=amsgrad),
             batch_size=BS, epochs=epochs, shuffle=False, schedule=Cosine(epochs))
    np.testing.assert_allclose(net.params, want, rtol=0, atol=tol)
    # Adam(weight_decay=lr * wd), the same at a constant rate, is not under the schedule
    other, _ = _pair(torch, dtype)
    cr.train(other, X, Y, optimizer=Adam(lr=lr, weight_decay=lr * wd, amsgrad=amsgrad),
             batch_size=BS, epochs=epochs, shuffle=False, schedule=Cosine(epochs))
    assert np.max(np.abs(other.params - want)) > 100 * tol
    assert np.max(np.abs(start - want)) > 0.1


@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-5)])
def test_train_under_a_one_cycle_per_step_is_torchs(dtype, tol):
    torch = pytest.importorskip("torch")
    X, Y = _data(dtype)
    lr, wd, epochs = 0.05, 0.5, 5
    net, model = _pair(torch, dtype)
    opt = _torch_adamw(torch, model, lr, wd)
    cycle = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * N // BS,
                                                cycle_momentum=False)
    want = torch_run(torch, model, opt, X, Y, epochs, BS, per_step=cycle)
    cr.train(net, X, Y, optimizer=AdamW(lr=lr, weight_decay=wd), batch_size=BS,
             epochs=epochs, shuffle=False, schedule="onecycle")
    np.testing.assert_allclose(net.params, want, rtol=0, atol=tol)


@pytest.mark.parametrize("schedule", [Cosine(4), {"name": "onecycle", "total_steps": 40}])
def test_checkpoint_and_resume_are_the_uninterrupted_run(tmp_path, schedule):
    X, Y = _data()
    kw = dict(batch_size=BS, shuffle=False, seed=0, schedule=schedule)
    whole = cr.mlp([5, 6, 2], hidden="tanh", output="identity", seed=0)
    part = whole.copy()
    cr.train(whole, X, Y, optimizer=AdamW(0.05, weight_decay=0.5, amsgrad=True), epochs=4,
             **kw)
    cr.train(part, X, Y, optimizer=AdamW(0.05, weight_decay=0.5, amsgrad=True), epochs=2,
             checkpoint=tmp_path / "run.ckpt", **kw)
    resumed, _ = cr.resume(tmp_path / "run.ckpt", X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, whole.params)


def test_by_name_and_config_round_trip():
    assert OPTIMIZERS["adamw"] is AdamW and cr.AdamW is AdamW
    opt = get_optimizer("adamw", lr=0.02, weight_decay=0.1, amsgrad=True)
    assert isinstance(opt, AdamW) and (opt.lr, opt.weight_decay, opt.amsgrad) == (0.02, 0.1, True)
    config = json.loads(json.dumps(opt.get_config()))
    assert config["name"] == "adamw"
    again = Optimizer.from_config(config)
    assert type(again) is AdamW and again.get_config() == opt.get_config()
    # PyTorch's defaults; train(optimizer="adamw") takes them (its own default rate 0.1)
    assert (AdamW().lr, AdamW().weight_decay) == (0.001, 0.01)
    X, Y = _data()
    trainer = cr.Trainer(cr.mlp([5, 3, 2], seed=0), optimizer="adamw", epochs=1)
    assert isinstance(trainer.optimizer, AdamW) and trainer.optimizer.weight_decay == 0.01
    with pytest.raises(ValueError, match="'adamw' takes no 'momentum'"):
        cr.train(cr.mlp([5, 3, 2], seed=0), X, Y, optimizer="adamw", momentum=0.9)
    # Adam's weight_decay keeps its meaning: a fixed fraction, refused from 1 on
    w = np.array([1.0, -2.0])
    Adam(lr=0.1, weight_decay=0.5).step(w, np.zeros(2))
    np.testing.assert_array_equal(w, [0.5, -1.0])
    w = np.array([1.0, -2.0])
    AdamW(lr=0.1, weight_decay=0.5).step(w, np.zeros(2))
    np.testing.assert_allclose(w, [0.95, -1.9], rtol=1e-15)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"weight_decay": -0.1}, "weight_decay"), ({"weight_decay": float("nan")}, "weight_decay"),
    ({"weight_decay": float("inf")}, "weight_decay"), ({"weight_decay": "0.1"}, "weight_decay"),
    ({"lr": 0}, "lr"), ({"beta1": 1.0}, "beta1"), ({"beta2": -0.5}, "beta2"),
    ({"eps": 0}, "eps"), ({"eps_on": "m"}, "eps_on"), ({"amsgrad": "yes"}, "amsgrad"),
])
def test_bad_arguments_are_refused_naming_them(kwargs, name):
    with pytest.raises((TypeError, ValueError), match=name):
        AdamW(**kwargs)
