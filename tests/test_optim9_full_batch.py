"""batch_size="full": one update per epoch on the whole training set with any rule, an
Optimizer object included (``SGD(momentum=, dampening=)``), checked against PyTorch's
optimizers stepping on the full-batch gradient (skipped without torch); batch_size=None
keeps its documented meaning (full batch for "gd", 32 rows for every other rule)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.optimizers import SGD
from chainrule.training import Trainer
from torch_twins import torch_run, torch_twin


def _data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(50, 4)), rng.normal(size=(50, 2))


def test_full_batch_sgd_dampening_is_torchs():
    torch = pytest.importorskip("torch")
    X, Y = _data()
    net = cr.mlp([4, 6, 2], hidden="tanh", seed=1)
    model = torch_twin(torch, net)
    topt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, dampening=0.5)
    want = torch_run(torch, model, topt, X, Y, epochs=6, batch_size=len(X))
    history = cr.train(net, X, Y, optimizer=SGD(lr=0.05, momentum=0.9, dampening=0.5),
                       batch_size="full", epochs=6, shuffle=False)
    np.testing.assert_allclose(net.params, want, rtol=0, atol=1e-12)
    assert len(history["loss"]) == 6


def test_full_batch_adam_by_name_is_torchs():
    torch = pytest.importorskip("torch")
    X, Y = _data()
    net = cr.mlp([4, 6, 2], hidden="tanh", seed=2)
    model = torch_twin(torch, net)
    topt = torch.optim.Adam(model.parameters(), lr=0.01)
    want = torch_run(torch, model, topt, X, Y, epochs=5, batch_size=len(X))
    cr.train(net, X, Y, optimizer="adam", lr=0.01, batch_size="full", epochs=5,
             shuffle=True, seed=0)  # one batch of all rows: the order changes no sum's terms
    np.testing.assert_allclose(net.params, want, rtol=0, atol=1e-12)


def test_full_batch_is_one_batch_of_all_rows_by_hand():
    """No torch: the full-batch momentum SGD steps of a linear network by NumPy."""
    X, Y = _data()
    net = cr.mlp([4, 2], output="identity", seed=0)
    W, b = net.layers[0].W.copy(), net.layers[0].b.copy()
    lr, mu, d = 0.1, 0.9, 0.5
    vW, vb = None, None
    for _ in range(4):
        R = (X @ W + b - Y) / len(X)  # half the squared error, mean over all rows
        gW, gb = X.T @ R, R.sum(0)
        vW, vb = (gW, gb) if vW is None else (mu * vW + (1 - d) * gW, mu * vb + (1 - d) * gb)
        W, b = W - lr * vW, b - lr * vb
    cr.train(net, X, Y, optimizer=SGD(lr=lr, momentum=mu, dampening=d), batch_size="full",
             epochs=4, shuffle=False)
    np.testing.assert_allclose(net.layers[0].W, W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.layers[0].b, b, rtol=0, atol=1e-12)


def test_none_keeps_its_meaning_and_full_is_gd_with_gd():
    net = cr.mlp([4, 6, 2], hidden="tanh", seed=1)
    # the documented default of the mini-batch rules, an Optimizer object's included
    assert Trainer(net, optimizer=SGD(momentum=0.9, dampening=0.5)).batch_size == 32
    assert not Trainer(net, optimizer="sgd").full_batch
    assert Trainer(net).full_batch and Trainer(net).batch_size is None
    full = Trainer(net, optimizer=SGD(momentum=0.9), batch_size="full")
    assert full.full_batch and full.batch_size is None
    X, Y = _data()
    a, b = net.copy(), net.copy()
    cr.train(a, X, Y, optimizer="gd", epochs=3, shuffle=False)
    cr.train(b, X, Y, optimizer="gd", batch_size="full", epochs=3, shuffle=False)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize("bad", ["all", "Full", "32"])
def test_other_strings_refused(bad):
    net = cr.mlp([4, 2], seed=0)
    with pytest.raises(ValueError, match=r"batch_size.*\"full\".*" + repr(bad)):
        Trainer(net, optimizer="sgd", batch_size=bad)


def test_full_batch_object_run_resumes_bit_for_bit(tmp_path):
    X, Y = _data()
    net = cr.mlp([4, 6, 2], hidden="tanh", seed=4)
    whole, part = net.copy(), net.copy()
    cr.train(whole, X, Y, optimizer=SGD(lr=0.05, momentum=0.9, dampening=0.5),
             batch_size="full", epochs=4, shuffle=False)
    cr.train(part, X, Y, optimizer=SGD(lr=0.05, momentum=0.9, dampening=0.5),
             batch_size="full", epochs=2, shuffle=False, checkpoint=tmp_path / "run.ckpt")
    resumed, _ = cr.resume(tmp_path / "run.ckpt", X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, whole.params)
