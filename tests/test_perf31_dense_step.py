"""The training loop's straight-line step of a plain Dense classifier (_training_dense_step).

Two references: the general path (``Network._loss_and_grad`` through each layer's
``forward`` and ``backward``, the path taken with ``_DenseStep.enabled`` off), which
the new path must give to the bit, in float32 and float64, with SGD momentum,
Nesterov and Adam, with and without weight decay, a last partial batch and a
hidden activation whose derivative has its own buffer (tanh); and a plain NumPy
loop written here (forward, softmax cross-entropy, backward, SGD with momentum).
The divergence guard still trips, with the same message and the same state kept.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule._training_dense_step import _DenseStep
from chainrule.training import TrainingDiverged


def _data(dtype, m: int = 150, n: int = 12, k: int = 4, seed: int = 0):
    """Learnable labels from a fixed linear map of Gaussian inputs (m rows: batches of 32
    leave a last partial batch of 22)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n)).astype(dtype)
    y = np.argmax(X @ rng.standard_normal((n, k)), axis=1)
    return X, y


def _run(enabled: bool, monkeypatch, dtype, sizes, hidden="relu", epochs=3,
         weight_decay=0.0, decay="ufldl", bias=True, **kw):
    """Train a fresh network; its parameters, losses, optimizer state, and the steps the
    straight-line path took."""
    calls = [0]
    real = _DenseStep.__call__

    def counted(self, *args):
        calls[0] += 1
        return real(self, *args)

    monkeypatch.setattr(_DenseStep, "enabled", enabled)
    monkeypatch.setattr(_DenseStep, "__call__", counted)
    X, y = _data(dtype, n=sizes[0], k=sizes[-1])
    net = cr.mlp(sizes, hidden=hidden, output="softmax", seed=1, dtype=dtype,
                 weight_decay=weight_decay, decay=decay, bias=bias)
    hist = cr.train(net, X, y, batch_size=32, epochs=epochs, seed=2, **kw)
    state = {k: v.copy() for k, v in kw.get("optimizer", cr.SGD()).state.items()}
    # what the layers keep of the last batch (the diagnostics read it): its arrays' values
    kept = [{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in vars(layer).items()
             if k in ("X", "Z", "A", "delta", "_lse")} for layer in net.layers]
    names = [sorted(vars(layer)) for layer in net.layers]
    return (net.params.copy(), list(hist["loss"]), list(hist["accuracy"]), state, calls[0],
            kept, names)


OPTIMIZERS = {
    "momentum": lambda: cr.SGD(lr=0.1, momentum=0.9),
    "nesterov": lambda: cr.SGD(lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda: cr.Adam(lr=0.01),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rule", sorted(OPTIMIZERS))
@pytest.mark.parametrize("weight_decay, decay", [(0.0, "ufldl"), (1e-3, "ufldl"),
                                                  (1e-2, "per_sample")])
@pytest.mark.parametrize("sizes, hidden, bias", [
    ([12, 16, 8, 4], "relu", True), ([12, 10, 4], "tanh", True), ([12, 4], "relu", True),
    ([12, 16, 4], "relu", False)])
def test_the_straight_line_step_trains_as_the_general_path_to_the_bit(
        monkeypatch, dtype, rule, weight_decay, decay, sizes, hidden, bias):
    runs = []
    for enabled in (False, True):
        opt = OPTIMIZERS[rule]()
        runs.append(_run(enabled, monkeypatch, dtype, sizes, hidden, optimizer=opt,
                         weight_decay=weight_decay, decay=decay, bias=bias))
    (p0, loss0, acc0, st0, calls0, kept0, names0), (p1, loss1, acc1, st1, calls1, kept1,
                                                     names1) = runs
    assert names1 == names0  # the layers hold the same attributes
    for a, b in zip(kept1, kept0, strict=True):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert calls0 == 0 and calls1 == 3 * 5  # 5 batches an epoch, the last of 22 rows
    assert p1.dtype == dtype
    np.testing.assert_array_equal(p1, p0)
    assert loss1 == loss0 and acc1 == acc0
    assert st1.keys() == st0.keys()
    for k in st0:
        np.testing.assert_array_equal(st1[k], st0[k])


def _numpy_momentum_run(X, y, Ws, bs, lr, mu, epochs):
    """Plain NumPy: a ReLU network with a softmax output, mean cross-entropy, mini-batches
    in the data's order, SGD with momentum (v <- mu v + g, w <- w - lr v); returns the
    parameters and each epoch's mean batch loss."""
    Ws = [w.copy() for w in Ws]
    vs = [np.zeros_like(w) for w in Ws]
    k = Ws[-2].shape[1]
    Y = np.eye(k, dtype=X.dtype)[y]
    losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, X.shape[0], bs):
            xb, yb = X[start:start + bs], Y[start:start + bs]
            m = xb.shape[0]
            acts = [xb]
            for i in range(0, len(Ws), 2):  # (W, b) pairs
                z = acts[-1] @ Ws[i] + Ws[i + 1]
                acts.append(np.maximum(z, 0) if i + 2 < len(Ws) else z)
            z = acts.pop()
            top = z.max(axis=1, keepdims=True)
            e = np.exp(z - top)
            s = e.sum(axis=1, keepdims=True)
            p = e / s
            total += float(np.mean(np.log(s[:, 0]) + top[:, 0] - (yb * z).sum(axis=1))) * m
            delta = (p - yb) / m
            grads = [None] * len(Ws)
            for i in range(len(Ws) - 2, -1, -2):
                a = acts[i // 2]
                grads[i], grads[i + 1] = a.T @ delta, delta.sum(axis=0)
                if i:
                    delta = (delta @ Ws[i].T) * (a > 0)
            for w, v, g in zip(Ws, vs, grads, strict=True):
                v *= mu
                v += g
                w -= lr * v
        losses.append(total / X.shape[0])
    return Ws, losses


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-14)])
def test_the_straight_line_step_follows_a_plain_numpy_momentum_loop(monkeypatch, dtype, rtol):
    # (not to the bit: the library sums the softmax's rows and the biases' gradient as
    # BLAS products with ones, and its update may round lr * v + w once where NumPy
    # rounds twice; the general path, above, is the bit-for-bit reference)
    X, y = _data(dtype)
    net = cr.mlp([12, 16, 8, 4], hidden="relu", output="softmax", seed=1, dtype=dtype)
    Ws = [a for layer in net.layers for a in (layer.W, layer.b)]
    want, want_loss = _numpy_momentum_run(X, y, Ws, 32, 0.1, 0.9, 3)
    calls = [0]
    real = _DenseStep.__call__

    def counted(self, *args):
        calls[0] += 1
        return real(self, *args)

    monkeypatch.setattr(_DenseStep, "__call__", counted)
    hist = cr.train(net, X, y, optimizer=cr.SGD(lr=0.1, momentum=0.9), batch_size=32,
                    epochs=3, shuffle=False)
    assert calls[0] == 15
    got = [a for layer in net.layers for a in (layer.W, layer.b)]
    for g, w in zip(got, want, strict=True):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(hist["loss"], want_loss, rtol=10 * rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_diverging_run_stops_as_the_general_path_stops(monkeypatch, dtype):
    outcomes = []
    for enabled in (False, True):
        monkeypatch.setattr(_DenseStep, "enabled", enabled)
        X, y = _data(dtype)
        X[100] = np.finfo(dtype).max / 4  # a huge row: its products overflow
        net = cr.mlp([12, 16, 8, 4], hidden="relu", output="softmax", seed=1, dtype=dtype)
        opt = cr.SGD(lr=0.1, momentum=0.9)
        with pytest.raises(TrainingDiverged, match="training diverged at epoch 1") as err:
            cr.train(net, X, y, optimizer=opt, batch_size=32, epochs=3, shuffle=False)
        assert np.isfinite(net.params).all()  # the last good parameters kept
        outcomes.append((str(err.value), err.value.batch, net.params.copy(), opt.t,
                         opt.state["velocity"].copy()))
    (msg0, b0, p0, t0, v0), (msg1, b1, p1, t1, v1) = outcomes
    assert (msg1, b1, t1) == (msg0, b0, t0) and b1 in (3, 4)
    np.testing.assert_array_equal(p1, p0)
    np.testing.assert_array_equal(v1, v0)


def test_other_networks_and_batches_take_the_general_path(monkeypatch):
    X, y = _data(np.float64)
    # a Dropout layer, a sigmoid output, sample weights: no straight-line step
    assert _DenseStep.for_run(cr.mlp([12, 4], output="sigmoid", loss="log_loss"),
                              True, False, False) is None
    net = cr.Network([cr.Dense(12, 8), cr.Dropout(0.5), cr.Dense(8, 4, activation="softmax")])
    assert _DenseStep.for_run(net, True, False, False) is None
    plain = cr.mlp([12, 8, 4], output="softmax")
    assert _DenseStep.for_run(plain, True, False, False) is not None
    assert _DenseStep.for_run(plain, False, False, False) is None  # targets not one-hot
    assert _DenseStep.for_run(plain, True, True, False) is None  # sparse inputs
    assert _DenseStep.for_run(plain, True, False, True) is None  # products in index order
    weighted = []
    for enabled in (False, True):
        monkeypatch.setattr(_DenseStep, "enabled", enabled)
        net = cr.mlp([12, 8, 4], output="softmax", seed=0)
        cr.train(net, X, y, optimizer="sgd", lr=0.1, batch_size=32, epochs=2, seed=0,
                 sample_weight=np.linspace(0.5, 2, X.shape[0]))
        weighted.append(net.params)
    np.testing.assert_array_equal(weighted[1], weighted[0])
