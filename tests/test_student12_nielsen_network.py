"""Michael Nielsen's network.py / network2.py (examples/nielsen_network.py): one chainrule
mini-batch step, and an epoch of chainrule.train, equal his update rule from the same
weights; the trace's columns are his backprop equations BP1-BP4.

References: his rules written out here in NumPy, for a whole batch at once (columns of
examples, as his book's matrix form): BP1 delta^L = grad_a C * sigma'(z^L) (a - y for the
cross-entropy), BP2 delta^l = (w^{l+1}.T delta^{l+1}) * sigma'(z^l), BP3 dC/db = delta,
BP4 dC/dw = delta a^{l-1}.T, then w -> (1 - eta lambda / n) w - (eta/m) sum_x dC_x/dw,
b -> b - (eta/m) sum_x dC_x/db, n the training set's size."""

from __future__ import annotations

import itertools
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.layers import Dense
from chainrule.network import Network

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "nielsen_network.py"


@pytest.fixture(scope="module")
def nielsen():
    return runpy.run_path(str(EXAMPLE))


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _backprop(ws, bs, X, Y, cost):
    """Sums over the batch of dC_x/dw and dC_x/db, and the per-layer (z, a, delta)."""
    A, acts, zs = X.T, [X.T], []
    for w, b in zip(ws, bs, strict=True):
        zs.append(w @ A + b)
        A = _sig(zs[-1])
        acts.append(A)
    delta = A - Y.T
    if cost == "quadratic":
        delta = delta * _sig(zs[-1]) * (1 - _sig(zs[-1]))
    deltas = [delta]
    for layer in range(len(ws) - 1, 0, -1):
        delta = (ws[layer].T @ delta) * _sig(zs[layer - 1]) * (1 - _sig(zs[layer - 1]))
        deltas.insert(0, delta)
    nw = [d @ a.T for d, a in zip(deltas, acts[:-1], strict=True)]
    nb = [d.sum(axis=1, keepdims=True) for d in deltas]
    return nw, nb, zs, acts, deltas


def _update(ws, bs, X, Y, eta, cost, lmbda, n):
    nw, nb, *_ = _backprop(ws, bs, X, Y, cost)
    m = X.shape[0]
    return ([(1 - eta * (lmbda / n)) * w - (eta / m) * g for w, g in zip(ws, nw, strict=True)],
            [b - (eta / m) * g for b, g in zip(bs, nb, strict=True)])


def _problem(n=40, sizes=(6, 5, 4), seed=3, scaled=False):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((y, x)) / (np.sqrt(x) if scaled else 1)
          for x, y in itertools.pairwise(sizes)]
    bs = [rng.standard_normal((y, 1)) for y in sizes[1:]]
    X = rng.uniform(0, 1, (n, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return ws, bs, X, Y


def _assert_same(net, ws, bs, atol=1e-12):
    for layer, w, b in zip(net.layers, ws, bs, strict=True):
        np.testing.assert_allclose(layer.W, w.T, rtol=0, atol=atol)
        np.testing.assert_allclose(layer.b, b[:, 0], rtol=0, atol=atol)


@pytest.mark.parametrize("cost, lmbda, eta", [("quadratic", 0.0, 3.0),
                                              ("cross_entropy", 5.0, 0.5),
                                              ("cross_entropy", 0.0, 0.5),
                                              ("quadratic", 2.0, 1.0)])
def test_one_mini_batch_step_is_his_update(nielsen, cost, lmbda, eta):
    ws, bs, X, Y = _problem(scaled=cost == "cross_entropy")
    n, m = len(X), 10  # the L2 term is scaled by the training set's n, not the batch's m
    net = nielsen["chainrule_network"](ws, bs, cost, lmbda, n=n)
    assert net.weight_decay == lmbda / n and net.decay == "ufldl"
    nielsen["chainrule_step"](net, X[:m], Y[:m], eta)
    _assert_same(net, *_update(ws, bs, X[:m], Y[:m], eta, cost, lmbda, n))


def test_the_examples_numpy_rule_is_his(nielsen):
    ws, bs, X, Y = _problem()
    got = nielsen["nielsen_update"](ws, bs, X[:7], Y[:7], 0.5, "cross_entropy", 5.0, 40)
    want = _update(ws, bs, X[:7], Y[:7], 0.5, "cross_entropy", 5.0, 40)
    for g, w in zip(got[0] + got[1], want[0] + want[1], strict=True):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-13)


@pytest.mark.parametrize("decoupled", [False, True])
def test_an_epoch_of_train_is_his_sgd_over_the_mini_batches(decoupled):
    """chainrule.train, batches in order (shuffle=False): his SGD loop, n = len(X), with the
    L2 term as the network's weight decay lambda/n or as SGD's decoupled eta lambda/n."""
    ws, bs, X, Y = _problem(n=40, scaled=True)
    eta, lmbda, n, m = 0.5, 5.0, 40, 10
    net = Network([Dense(6, 5, activation="sigmoid"), Dense(5, 4, activation="sigmoid")],
                  loss="log_loss", weight_decay=0.0 if decoupled else lmbda / n)
    for layer, w, b in zip(net.layers, ws, bs, strict=True):
        layer.W[:], layer.b[:] = w.T, b[:, 0]
    opt = cr.SGD(lr=eta, weight_decay=eta * lmbda / n if decoupled else 0.0)
    cr.train(net, X, Y, optimizer=opt, batch_size=m, epochs=1, shuffle=False)
    for k in range(0, n, m):
        ws, bs = _update(ws, bs, X[k:k + m], Y[k:k + m], eta, "cross_entropy", lmbda, n)
    _assert_same(net, ws, bs)


def test_the_cost_with_l2_is_his_total_cost(nielsen):
    ws, bs, X, Y = _problem(scaled=True)
    lmbda, n = 5.0, len(X)
    net = nielsen["chainrule_network"](ws, bs, "cross_entropy", lmbda, n=n)
    A = X.T
    for w, b in zip(ws, bs, strict=True):
        A = _sig(w @ A + b)
    total = np.sum(-Y.T * np.log(A) - (1 - Y.T) * np.log(1 - A)) / n
    total += 0.5 * (lmbda / n) * sum(np.sum(w ** 2) for w in ws)
    assert net.loss_value(X, Y) == pytest.approx(total, rel=1e-13)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_the_trace_columns_are_bp1_to_bp4(nielsen, cost):
    ws, bs, X, Y = _problem(n=1)
    net = nielsen["chainrule_network"](ws, bs, cost)
    t = cr.trace(net, X[0], Y[0], notation="ufldl")
    _, _, zs, acts, deltas = _backprop(ws, bs, X[:1], Y[:1], cost)
    out, hidden = t.step.layers[1], t.step.layers[0]
    # BP1: delta^L = grad_a C (the dJ/da column) * sigma'(z^L) (the f'(z) column)
    grad_a = acts[-1][:, 0] - Y[0]
    if cost == "quadratic":
        np.testing.assert_allclose(out.dE_da, grad_a, rtol=0, atol=1e-15)
    np.testing.assert_allclose(out.fprime, _sig(zs[-1][:, 0]) * (1 - _sig(zs[-1][:, 0])),
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(out.delta, deltas[-1][:, 0], rtol=0, atol=1e-15)
    # BP2: delta^l = (w^{l+1}.T delta^{l+1}) (the dJ/da column) * sigma'(z^l)
    np.testing.assert_allclose(hidden.dE_da, ws[1].T @ deltas[-1][:, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(hidden.delta, deltas[0][:, 0], rtol=0, atol=1e-15)
    for step, d, a in zip(t.step.layers, deltas, acts[:-1], strict=True):
        np.testing.assert_allclose(step.db, d[:, 0], rtol=0, atol=1e-15)  # BP3
        np.testing.assert_allclose(step.dW.T, d @ a.T, rtol=0, atol=1e-15)  # BP4


def test_main_prints_his_epoch_lines_and_the_step_equality(nielsen, monkeypatch, tmp_path,
                                                           capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--epochs", "2", "--out", str(tmp_path / "p.png")])
    got = nielsen["main"]()
    out = capsys.readouterr().out
    split = got["split"]
    assert split.X_train.shape[1] == 64  # the bundled 8x8 digits, not his 784 inputs
    for diff in got["step_differences"].values():
        assert diff < 1e-12
    for name, run in got["runs"].items():
        ws = [layer.W.T for layer in run["net"].layers]
        bs = [layer.b[:, None] for layer in run["net"].layers]
        A = split.X_test.T
        for w, b in zip(ws, bs, strict=True):  # his feedforward and evaluate()
            A = _sig(w @ A + b)
        correct = int(np.sum(A.argmax(axis=0) == split.y_test))
        assert run["correct"][-1] == correct
        assert f"Epoch 1: {correct} / {len(split.y_test)}" in out.split(name + ":")[-1]
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
