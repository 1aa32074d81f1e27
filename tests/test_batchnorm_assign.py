"""Assigning BatchNorm's gamma, beta and running statistics writes into the layer's arrays.

``bn.gamma = values`` on a layer of a network used to rebind the attribute to a new
array: the optimizer then updated the network's vector (which a model file saves)
while the layer kept computing with the assigned one, and a float64 array assigned
to a float32 network's running statistics turned its outputs into float64.  Checked
against PyTorch's BatchNorm1d trained by torch.optim.SGD from the assigned values,
and against the normalisation formula in NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import SGD, BatchNorm, Dense, Network, train
from chainrule.io import load, save


def _net(dtype=np.float64):
    return Network([Dense(3, 4, activation="identity", seed=0, dtype=dtype),
                    BatchNorm(4, activation="tanh"),
                    Dense(4, 1, activation="identity", seed=1, dtype=dtype)])


def test_assigned_gamma_and_beta_are_trained_as_pytorch_trains_them(rng, tmp_path):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    net = _net()
    d1, bn, d2 = net.layers
    gamma, beta = rng.uniform(0.5, 2.0, size=4), rng.normal(size=4)
    bn.gamma, bn.beta = gamma, beta
    assert np.shares_memory(bn.gamma, net.params)
    assert np.shares_memory(bn.beta, net.params)

    p = [torch.tensor(a, requires_grad=True) for a in
         (d1.W.T, d1.b, gamma, beta, d2.W.T, d2.b)]
    rm, rv = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    opt = torch.optim.SGD(p, lr=0.1, momentum=0.9)
    for _ in range(3):  # three epochs of one batch (torch's momentum 0.1 is chainrule's 0.9)
        opt.zero_grad()
        h = F.batch_norm(F.linear(torch.tensor(X), p[0], p[1]), rm, rv, p[2], p[3],
                         training=True, momentum=0.1, eps=1e-5)
        out = F.linear(torch.tanh(h), p[4], p[5])
        (0.5 * ((out - torch.tensor(y)) ** 2).sum(1).mean()).backward()  # squared_error
        opt.step()
    train(net, X, y, optimizer=SGD(lr=0.1, momentum=0.9), batch_size=8, epochs=3,
          shuffle=False)
    np.testing.assert_allclose(bn.gamma, p[2].detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.beta, p[3].detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.running_var, rv.numpy(), rtol=1e-12)
    save(net, tmp_path / "bn.npz")  # the file holds what the layer computes with
    np.testing.assert_array_equal(load(tmp_path / "bn.npz").forward(X), net.forward(X))


def test_assigned_running_statistics_keep_a_float32_network_in_float32(rng):
    net = _net(np.float32)
    bn = net.layers[1]
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)  # float64
    bn.running_mean, bn.running_var = mean, var
    X = rng.normal(size=(5, 3)).astype(np.float32)
    A = net.forward(X)
    assert A.dtype == bn.running_mean.dtype == bn.running_var.dtype == np.float32
    Z = X.astype(np.float64) @ net.layers[0].W + net.layers[0].b
    H = np.tanh((Z - mean) / np.sqrt(var + 1e-5) * bn.gamma + bn.beta)
    np.testing.assert_allclose(A, H @ net.layers[2].W + net.layers[2].b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "value", "match"), [
    ("gamma", np.ones(3), r"gamma must have shape \(4,\).*got shape \(3,\)"),
    ("beta", np.ones((4, 1)), r"beta must be 1-D, got an array of shape \(4, 1\)"),
    ("running_mean", [0.0, np.nan, 0.0, 0.0], "running_mean"),
    ("running_var", [1.0, -1.0, 1.0, 1.0], r"running_var must be >= 0"),
])
def test_a_bad_assignment_is_refused_naming_the_array_and_changes_nothing(name, value, match):
    bn = _net().layers[1]
    before = getattr(bn, name).copy()
    with pytest.raises(ValueError, match=match):
        setattr(bn, name, value)
    np.testing.assert_array_equal(getattr(bn, name), before)
