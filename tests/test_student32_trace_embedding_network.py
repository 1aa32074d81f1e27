"""The network trace of ``Embedding -> Dense -> Dense``: the lookup shown as the first step,
the table's gradient rows as sums of the dJ/dA slices that looked them up, and the update,
against PyTorch autograd (nn.Embedding, Linear, tanh, cross-entropy, one SGD step) and the
positions worked out here by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dense, Embedding, Network

TABLE = [[0.0, 1.0], [2.0, -1.0], [0.5, 0.5], [-1.0, 0.3]]


def _net():
    rng = np.random.default_rng(0)
    d1, d2 = Dense(4, 3, activation="tanh"), Dense(3, 2, activation="softmax")
    d1.W, d1.b = rng.normal(size=(4, 3)) * 0.5, rng.normal(size=3) * 0.1
    d2.W, d2.b = rng.normal(size=(3, 2)), rng.normal(size=2) * 0.1
    return Network([Embedding(4, 2, block_size=2, init=TABLE), d1, d2])


def _torch_step(torch, net, X, y, lr):
    """PyTorch's loss, gradients and one SGD step of the same network on rows X of indices."""
    emb, d1, d2 = net.layers
    E = torch.nn.Embedding(4, 2).double()
    L1, L2 = torch.nn.Linear(4, 3).double(), torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        E.weight.copy_(torch.tensor(emb.W))
        for lin, d in ((L1, d1), (L2, d2)):
            lin.weight.copy_(torch.tensor(d.W.T))
            lin.bias.copy_(torch.tensor(d.b))

    def loss_of(Xt):
        A = E(Xt).view(Xt.shape[0], -1)
        return A, torch.nn.functional.cross_entropy(L2(torch.tanh(L1(A))), torch.tensor(y))

    Xt = torch.tensor(X)
    A, loss = loss_of(Xt)
    loss.backward()
    opt = torch.optim.SGD([E.weight, L1.weight, L1.bias, L2.weight, L2.bias], lr=lr)
    grads = [p.grad.numpy().copy() for p in (E.weight, L1.weight, L2.weight)]
    opt.step()
    with torch.no_grad():
        _, after = loss_of(Xt)
    return A.detach().numpy(), loss.item(), grads, E.weight.detach().numpy(), after.item()


@pytest.mark.parametrize("X, y", [([[2, 1]], [1]), ([[2, 1], [1, 1], [0, 3]], [1, 0, 1])])
def test_the_embedding_step_equals_pytorch_autograd(X, y):
    torch = pytest.importorskip("torch")
    net = _net()
    A, loss, (gE, g1, g2), W_new, after = _torch_step(torch, net, np.array(X), y, 0.5)
    x_in, y_in = (X[0], y[0]) if len(X) == 1 else (X, y)
    t = cr.tracing.trace(net, x_in, y_in, lr=0.5, notation="ufldl")
    s = t.step
    np.testing.assert_allclose(s.embedding.A, A, rtol=0, atol=1e-15)  # the rows looked up
    np.testing.assert_allclose(s.embedding.dW, gE, rtol=0, atol=1e-15)
    np.testing.assert_allclose(s.W_new, W_new, rtol=0, atol=1e-15)
    dense = s.dense.layers
    np.testing.assert_allclose(dense[0].dW, g1.T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(dense[1].dW, g2.T, rtol=0, atol=1e-15)
    assert s.cost == pytest.approx(loss, abs=1e-14)
    assert s.cost_new == pytest.approx(after, abs=1e-14)  # the whole network, table updated
    np.testing.assert_array_equal(net.layers[0].W, TABLE)  # the network is not changed
    # the whole network after the step predicts with the new table
    np.testing.assert_allclose(s.network_after.layers[0].W, W_new, rtol=0, atol=1e-15)


def test_each_row_of_dW_is_the_sum_of_the_slices_that_looked_it_up():
    X = [[2, 1], [1, 1], [0, 3]]
    t = cr.tracing.trace(_net(), X, [1, 0, 1], lr=0.5)
    e = t.step.embedding
    # by hand: index 1 at (0, 1), (1, 0), (1, 1); 2 at (0, 0); 0 at (2, 0); 3 at (2, 1)
    assert e.rows == {0: [(2, 0)], 1: [(0, 1), (1, 0), (1, 1)], 2: [(0, 0)], 3: [(2, 1)]}
    d = e.dout
    np.testing.assert_allclose(e.dW[1], d[0, 2:4] + d[1, 0:2] + d[1, 2:4], rtol=0, atol=1e-16)
    # dJ/dA of each example: the first Dense layer's W times that example's delta, over m
    for n, ex in enumerate(t.step.dense.examples):
        np.testing.assert_allclose(d[n], ex.layers[0].W @ ex.layers[0].delta / 3,
                                   rtol=0, atol=1e-16)
    text = t.text()
    assert text.index("the lookup") < text.index("Forward") < text.index("table's gradient")
    assert "A[0] = W[2] | W[1] = [0.5, 0.5, 2, -1]" in text
    assert "dW[1] = dJ/dA[0,2:4] + dJ/dA[1,0:2] + dJ/dA[1,2:4] = " in text
    assert "dW[0] = dJ/dA[2,0:2] = " in text
    md = t.markdown()
    assert "A_{0} = W[2] | W[1]" in md
    record = json.loads(t.to_json())
    assert record["embedding"]["X"] == X
    np.testing.assert_allclose(record["embedding"]["W_new"],
                               np.array(TABLE) - 0.5 * e.dW, rtol=0, atol=1e-15)
    assert record["cost_after"] == pytest.approx(t.step.cost_new, abs=0)


def test_a_frozen_table_is_kept_and_what_is_not_traced_is_refused_by_name():
    net = _net()
    net.layers[0].trainable = False
    t = cr.tracing.trace(net, [2, 1], 1, lr=0.5)
    np.testing.assert_array_equal(t.step.W_new, TABLE)
    assert "the table is frozen" in t.text()
    with pytest.raises(ValueError, match=r"plot: .*Embedding"):
        t.plot()
    net = _net()
    net.weight_decay = 0.1
    with pytest.raises(ValueError, match=r"weight_decay: .*Embedding"):
        cr.tracing.trace(net, [2, 1], 1)
    with pytest.raises(ValueError, match=r"X must hold indices in \[0, 4\)"):
        cr.tracing.trace(_net(), [2, 4], 1)
    net = Network([Embedding(4, 2, block_size=2), cr.BatchNorm(4), Dense(4, 1)])
    with pytest.raises(ValueError, match=r"net.layers\[1\]: .*BatchNorm\(4\)"):
        cr.tracing.trace(net, [2, 1], [1])
    with pytest.raises(ValueError, match="notation"):
        cr.tracing.trace(_net(), [[2, 1], [0, 0]], [1, 0], notation="netout")
