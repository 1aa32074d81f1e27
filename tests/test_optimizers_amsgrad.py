"""Adam's ``amsgrad=True`` (AMSGrad): the denominator takes the largest second moment so far.

References: the rule written out here in NumPy, step by step, and PyTorch's
``torch.optim.Adam(amsgrad=True)`` (skipped without torch), 1 and 50 steps, float64
and float32, through :meth:`Optimizer.step` and through :func:`chainrule.train`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.optimizers import Adam, Optimizer, get_optimizer
from torch_twins import steps_match_torch, torch_run, torch_twin


def _grads(n=50, size=9, seed=3):
    """Gradients that shrink by a factor 10 after 10 steps: v falls, v_max does not."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(n, size)) * np.geomspace(1e-3, 10.0, size)
    g[10:] *= 0.1
    return g


def _hand_amsgrad(w, grads, lr, b1, b2, eps, eps_on="v_hat"):
    """Kingma and Ba's Adam with Reddi et al.'s maximum, as PyTorch writes it."""
    w = w.copy()
    m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    out = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        if eps_on == "v_hat":
            w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v_max / (1 - b2**t)) + eps)
        else:
            w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v_max) + eps)
        out.append(w)
    return out


@pytest.mark.parametrize("eps_on", ["v_hat", "v"])
def test_steps_are_the_formula(eps_on):
    grads = _grads()
    w0 = np.random.default_rng(0).normal(size=9)
    want = _hand_amsgrad(w0, grads, 0.01, 0.9, 0.99, 1e-6, eps_on)
    opt = Adam(lr=0.01, beta2=0.99, eps=1e-6, eps_on=eps_on, amsgrad=True)
    w = w0.copy()
    for g, e in zip(grads, want, strict=True):
        opt.step(w, g.copy())
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-15)
    plain = w0.copy()
    adam = Adam(lr=0.01, beta2=0.99, eps=1e-6, eps_on=eps_on)
    for g in grads:
        adam.step(plain, g.copy())
    assert np.max(np.abs(plain - w)) > 1e-3  # the maximum matters on these gradients
    assert np.all(opt.state["v_max"] >= opt.state["v"])


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("wd", [0.0, 0.003])
def test_one_and_fifty_steps_are_torchs(dtype, tol, wd):
    torch = pytest.importorskip("torch")
    grads = _grads().astype(dtype)
    w0 = np.random.default_rng(1).normal(size=9).astype(dtype)
    lr = 0.02
    # torch's AdamW decays by lr * weight_decay per step; ours by weight_decay
    ours = Adam(lr=lr, beta1=0.85, beta2=0.995, eps=1e-7, weight_decay=wd, amsgrad=True)
    steps_match_torch(torch, ours, lambda params: torch.optim.AdamW(
        params, lr=lr, betas=(0.85, 0.995), eps=1e-7, weight_decay=wd / lr, amsgrad=True)
        if wd else torch.optim.Adam(params, lr=lr, betas=(0.85, 0.995), eps=1e-7,
                                    amsgrad=True), w0, grads, tol)


def test_train_is_torchs_and_resumes_bit_for_bit(tmp_path):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(80, 4)), rng.normal(size=(80, 2))
    net = cr.mlp([4, 5, 2], hidden="tanh", seed=0)
    model = torch_twin(torch, net)
    topt = torch.optim.Adam(model.parameters(), lr=0.05, amsgrad=True)
    want = torch_run(torch, model, topt, X, Y, epochs=4, batch_size=8)
    whole = net.copy()
    cr.train(whole, X, Y, optimizer=Adam(lr=0.05, amsgrad=True), batch_size=8, epochs=4,
             shuffle=False)
    np.testing.assert_allclose(whole.params, want, rtol=0, atol=1e-13)
    # stopped after 2 epochs, its checkpoint holds v_max, and resume ends where one run does
    part = net.copy()
    cr.train(part, X, Y, optimizer=Adam(lr=0.05, amsgrad=True), batch_size=8, epochs=2,
             shuffle=False, checkpoint=tmp_path / "run.ckpt")
    with np.load(tmp_path / "run.ckpt.npz") as saved:
        assert "optimizer/v_max" in saved.files
    resumed, _ = cr.resume(tmp_path / "run.ckpt", X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, whole.params)


def test_config_round_trip_and_plain_adam_config_unchanged():
    opt = Adam(lr=0.02, amsgrad=True)
    config = opt.get_config()
    assert config["amsgrad"] is True
    again = Optimizer.from_config(json.loads(json.dumps(config)))
    assert isinstance(again, Adam) and again.amsgrad is True
    # a plain Adam's configuration is the one files held before the setting existed
    assert set(Adam().get_config()) == {"name", "lr", "beta1", "beta2", "eps", "weight_decay",
                                        "eps_on"}
    assert Optimizer.from_config(Adam().get_config()).amsgrad is False
    assert get_optimizer("adam", amsgrad=True).amsgrad is True
    with pytest.raises(TypeError, match="amsgrad"):
        Adam(amsgrad="yes")
