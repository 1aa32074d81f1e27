"""AdaGrad's default ``eps`` is torch.optim.Adagrad's, 1e-10 (it was 1e-8); a checkpoint of
a run of the old default resumes with the eps it recorded.

References: ``torch.optim.Adagrad`` at its defaults (skipped without torch), and AdaGrad
written out in NumPy (``s <- s + g^2``, ``w <- w - lr g / (sqrt(s) + eps)``).
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.cli import main


def _hand(w, grads, lr, eps):
    s = np.zeros_like(w)
    for g in grads:
        s = s + g * g
        w = w - lr * g / (np.sqrt(s) + eps)
    return w


def test_the_default_eps_is_torchs():
    torch = pytest.importorskip("torch")
    assert cr.AdaGrad().eps == torch.optim.Adagrad([torch.zeros(1)]).defaults["eps"]
    # by default, fifty steps as torch's default Adagrad: gradients down to 1e-3 make the
    # two eps differ by ~3e-10 relative (1e-8 fails this check)
    checks.steps_are_torchs(torch, cr.AdaGrad(lr=0.05),
                            lambda p: torch.optim.Adagrad(p, lr=0.05), np.float64, 1e-13)


def test_the_default_steps_with_eps_1e_10():
    g = checks.grads(n=30, size=9)
    g[:, 0] *= 1e-7  # a coordinate whose sqrt(s) is near eps: the eps shows
    w0 = np.random.default_rng(1).normal(size=9)
    w = w0.copy()
    opt = cr.AdaGrad(lr=0.05)
    for row in g:
        opt.step(w, row)
    np.testing.assert_allclose(w, _hand(w0, g, 0.05, 1e-10), rtol=1e-13, atol=0)
    assert abs(_hand(w0, g, 0.05, 1e-8)[0] - w[0]) > 1e-6 * abs(w0[0] - w[0])
    assert inspect.signature(cr.AdaGrad).parameters["eps"].default == 1e-10


def test_a_checkpoint_of_the_old_default_resumes_with_its_eps(tmp_path):
    """A run of the old default recorded eps 1e-8 in its checkpoint's configuration: resumed
    now, it steps with 1e-8 (the uninterrupted run of eps=1e-8, bit for bit), not 1e-10."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 5))
    Y = rng.normal(size=(80, 2)) * 1e-4  # small gradients: the eps matters
    kw = dict(batch_size=8, shuffle=False, seed=0)
    whole = cr.mlp([5, 6, 2], hidden="tanh", output="identity", seed=0)
    part, new = whole.copy(), whole.copy()
    cr.train(whole, X, Y, optimizer=cr.AdaGrad(lr=0.05, eps=1e-8), epochs=4, **kw)
    cr.train(part, X, Y, optimizer=cr.AdaGrad(lr=0.05, eps=1e-8), epochs=2,
             checkpoint=tmp_path / "run.ckpt", **kw)
    resumed, _ = cr.resume(tmp_path / "run.ckpt", X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, whole.params)
    cr.train(new, X, Y, optimizer="adagrad", lr=0.05, epochs=4, **kw)  # the new default
    assert not np.array_equal(new.params, whole.params)


def test_a_cli_checkpoint_resumes_with_the_eps_it_recorded(tmp_path):
    """``chainrule train --optimizer adagrad --resume`` of a checkpoint whose configuration
    says eps 1e-8 (a run of before) goes on with 1e-8: its optimizer is the checkpoint's."""
    ck = tmp_path / "ck.npz"
    base = ["train", "iris", "--hidden", "4", "--seed", "3", "-q", "--optimizer", "adagrad",
            "--checkpoint", str(ck)]
    assert main([*base, "--epochs", "2", "-o", str(tmp_path / "a")]) == 0
    trainer = cr.Trainer.from_checkpoint(ck)
    assert trainer.optimizer.eps == 1e-10
    with np.load(ck) as saved:
        arrays = {k: saved[k] for k in saved.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["optimizer"]["config"]["eps"] = 1e-8
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(ck, **arrays)
    assert cr.Trainer.from_checkpoint(ck).optimizer.eps == 1e-8
