"""gradcheck of a network with a softmax hidden layer, whose Jacobian is not diagonal:
backpropagation's gradient against PyTorch's autograd, and the note on a softmax over one
hidden unit, always 1, through which no gradient passes."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


def _torch_grad(net: cr.Network, X: np.ndarray, labels: np.ndarray) -> tuple[float, list]:
    """Cost and per-layer (dW, db) by autograd: softmax layers, cross-entropy, (lambda/2)
    sum W^2."""
    torch = pytest.importorskip("torch")
    Ws = [torch.tensor(layer.W, requires_grad=True) for layer in net.layers]
    bs = [torch.tensor(layer.b, requires_grad=True) for layer in net.layers]
    a = torch.tensor(X)
    for W, b in zip(Ws, bs, strict=True):
        a = torch.softmax(a @ W + b, dim=1)
    J = -torch.log(a[torch.arange(len(labels)), torch.tensor(labels)]).mean()
    J = J + net.weight_decay / 2 * sum((W * W).sum() for W in Ws)
    J.backward()
    grads = [(W.grad.numpy(), b.grad.numpy()) for W, b in zip(Ws, bs, strict=True)]
    return float(J.detach()), grads


@pytest.mark.parametrize("sizes", [[4, 5, 3], [3, 4, 4, 2], [4, 1, 3]])
def test_a_softmax_hidden_layers_gradient_is_autograds(sizes, capsys):
    """What `gradcheck --activation softmax` checks, the network's backprop gradient, is
    the gradient autograd computes through the full softmax Jacobian; the command PASSes."""
    net = cr.mlp(sizes, hidden="softmax", output="softmax", init="ufldl", seed=3,
                 weight_decay=0.1)
    rng = np.random.default_rng(4)
    X, labels = rng.uniform(size=(5, sizes[0])), rng.integers(0, sizes[-1], size=5)
    J_t, grads_t = _torch_grad(net, X, labels)
    J = net.loss_value(X, labels)
    net.loss_and_grad(X, labels)
    assert J == pytest.approx(J_t, rel=1e-12)
    for layer, (gW, gb) in zip(net.layers, grads_t, strict=True):
        np.testing.assert_allclose(layer.dW, gW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(layer.db, gb, rtol=1e-10, atol=1e-14)
    args = ["gradcheck", "--sizes", *map(str, sizes), "--activation", "softmax"]
    assert main(args) == 0
    assert "PASS" in capsys.readouterr().out


def test_a_softmax_over_one_hidden_unit_is_noted(capsys):
    """A softmax over 1 hidden unit is always 1: autograd gives its layer a zero gradient
    without decay, so the PASS said nothing about it; the output layer's case is refused
    by Network, the hidden one was checked without a word."""
    net = cr.mlp([4, 1, 3], hidden="softmax", output="softmax", init="ufldl", seed=0)
    rng = np.random.default_rng(1)
    X, labels = rng.uniform(size=(5, 4)), rng.integers(0, 3, size=5)
    _, grads_t = _torch_grad(net, X, labels)
    assert not np.any(grads_t[0][0]) and not np.any(grads_t[0][1])  # nothing reaches layer 0
    assert main(["gradcheck", "--sizes", "4", "1", "3", "--activation", "softmax",
                 "--weight-decay", "0"]) == 0
    out = capsys.readouterr().out
    assert "note: layers[0] is a softmax over 1 unit, which is always 1: no gradient" in out
    for sizes in (["4", "2", "3"], ["4", "1", "3"]):
        act = "softmax" if sizes[1] == "2" else "tanh"
        assert main(["gradcheck", "--sizes", *sizes, "--activation", act]) == 0
        assert "note" not in capsys.readouterr().out
