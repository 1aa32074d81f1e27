"""chainrule.minimize's full-batch objective a block of rows at a time (_network_blocks).

The blocked cost and gradient against the one-pass call (``block=0``) and against a plain
NumPy objective written here: float64 to 1e-12 relative, float32 to 1e-5 (relative to the
cost and to the largest gradient entry), for block sizes that do not divide the rows, one
block larger than the data, sample weights, both weight decays and every loss.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule import _network_blocks
from chainrule._network_blocks import block_rows
from chainrule.scipy_fit import _objective

TOL = {np.float64: 1e-12, np.float32: 1e-5}
# the loss, the output activation and the targets' kind of each pair the objective takes
PAIRS = {
    "cross_entropy": ("softmax", "labels"), "log_loss": ("sigmoid", "binary"),
    "squared_error": ("identity", "values"), "mean_squared_error": ("tanh", "values"),
    "poisson": ("exp", "counts"), "huber": ("identity", "values"),
    "mean_absolute_error": ("identity", "values"), "multiclass_hinge": ("identity", "labels"),
    "hinge": ("identity", "signs"),
}


def _data(kind: str, m: int, k: int, dtype: type, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, 7)).astype(dtype)
    if kind == "labels":
        return X, rng.integers(0, k, m)
    if kind == "binary":
        return X, rng.integers(0, 2, (m, k)).astype(dtype)
    if kind == "counts":
        return X, rng.poisson(1.5, (m, k)).astype(dtype)
    if kind == "signs":
        return X, rng.choice([-1.0, 1.0], (m, k)).astype(dtype)
    return X, (0.5 * rng.standard_normal((m, k))).astype(dtype)


def _net(loss: str, k: int, dtype: type, **kw) -> cr.Network:
    return cr.mlp([7, 9, 6, k], hidden=["relu", "tanh"], output=PAIRS[loss][0], loss=loss,
                  seed=3, dtype=dtype, **kw)


def _both(net: cr.Network, X, Y, sw, block: int, theta: np.ndarray):
    Xc, Yc = net._check_xy(X, Y)
    swc = net.check_sample_weight(sw, X.shape[0])
    one = _objective(net.copy(), Xc, Yc, swc, block=0)(theta)
    blocked = _objective(net.copy(), Xc, Yc, swc, block=block)(theta)
    return one, blocked


def _close(a: tuple, b: tuple, tol: float) -> None:
    assert abs(a[0] - b[0]) <= tol * abs(b[0])
    assert np.max(np.abs(a[1] - b[1])) <= tol * np.max(np.abs(b[1]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", list(PAIRS))
def test_every_loss_blocked_is_the_one_pass_call(loss, dtype):
    k = 1 if loss == "hinge" else 3
    X, Y = _data(PAIRS[loss][1], 301, k, dtype)
    net = _net(loss, k, dtype)
    sw = np.random.default_rng(5).uniform(0.0, 3.0, 301)
    theta = net.params.astype(np.float64)
    for block in (64, 100, 301, 1000):  # not dividing 301; all of it; more than all of it
        for weights in (None, sw):
            one, blocked = _both(net, X, Y, weights, block, theta)
            _close(blocked, one, TOL[dtype])


def _plain(theta, sizes, X, labels, w, lam, per_sample, out):
    """The cost and gradient of a ReLU-tanh MLP written out in NumPy (float64): softmax +
    cross-entropy (``labels``), identity + squared error (``labels`` the targets), sample
    weights ``w`` (the weighted mean) and the L2 decay of the weights alone."""
    Ws, bs, at = [], [], 0
    for a, b in itertools.pairwise(sizes):
        Ws.append(theta[at:at + a * b].reshape(a, b))
        bs.append(theta[at + a * b:at + a * b + b])
        at += a * b + b
    X = X.astype(np.float64)
    Z1 = X @ Ws[0] + bs[0]
    A1 = np.maximum(Z1, 0)
    A2 = np.tanh(A1 @ Ws[1] + bs[1])
    Z3 = A2 @ Ws[2] + bs[2]
    if out == "softmax":
        Y = np.eye(sizes[-1])[labels]
        s = Z3 - Z3.max(axis=1, keepdims=True)
        lse = np.log(np.exp(s).sum(axis=1, keepdims=True))
        L = -(Y * (s - lse)).sum(axis=1)
        D3 = np.exp(s - lse) - Y
    else:
        L = 0.5 * ((Z3 - labels) ** 2).sum(axis=1)
        D3 = Z3 - labels
    W = np.ones(len(X)) if w is None else w.astype(np.float64)
    total = W.sum()
    c = lam / total if per_sample else lam
    J = (W @ L) / total + 0.5 * c * sum((Wl ** 2).sum() for Wl in Ws)
    D3 = D3 * (W / total)[:, None]
    D2 = (D3 @ Ws[2].T) * (1 - A2 ** 2)
    D1 = (D2 @ Ws[1].T) * (Z1 > 0)
    grads = []
    for Wl, A, D in zip(Ws, (X, A1, A2), (D1, D2, D3), strict=True):
        grads += [(A.T @ D + c * Wl).ravel(), D.sum(axis=0)]
    return J, np.concatenate(grads)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
@pytest.mark.parametrize("loss", ["cross_entropy", "squared_error"])
def test_blocked_is_a_plain_numpy_objective(loss, decay, dtype):
    k = 4
    X, Y = _data(PAIRS[loss][1], 517, k, dtype, seed=1)
    net = cr.mlp([7, 9, 6, k], hidden=["relu", "tanh"], output=PAIRS[loss][0], loss=loss,
                 seed=3, dtype=dtype, weight_decay=0.03, decay=decay)
    sw = np.random.default_rng(2).uniform(0.0, 2.0, 517).astype(dtype)
    theta = net.params.astype(np.float64)
    for weights in (None, sw):
        Xc, Yc = net._check_xy(X, Y)
        fun = _objective(net.copy(), Xc, Yc, net.check_sample_weight(weights, 517), block=50)
        J, grad = fun(theta)
        ref = _plain(net.params.astype(np.float64), [7, 9, 6, k], X, Y, weights, 0.03,
                     decay == "per_sample", PAIRS[loss][0])
        _close((J, grad), ref, 1e-12 if dtype is np.float64 else 2e-5)


def test_zero_weight_blocks_and_a_frozen_layer():
    """Blocks whose weights are all 0 add nothing; frozen parameters are left out."""
    X, Y = _data("labels", 400, 3, np.float64)
    sw = np.ones(400)
    sw[:150] = 0.0
    net = _net("cross_entropy", 3, np.float64)
    theta = net.params.astype(np.float64)
    one, blocked = _both(net, X, Y, sw, 64, theta)
    _close(blocked, one, 1e-12)
    rest = _both(net, X[150:], Y[150:], None, 0, theta)[0]
    _close(blocked, rest, 1e-12)
    net.layers[0].trainable = False
    from chainrule.scipy_fit import _trainable_mask
    keep = _trainable_mask(net)
    Xc, Yc = net._check_xy(X, Y)
    J, g = _objective(net, Xc, Yc, keep=keep, block=77)(theta[keep])
    J0, g0 = _objective(net.copy(), Xc, Yc, keep=keep, block=0)(theta[keep])
    _close((J, g), (J0, g0), 1e-12)
    assert g.shape == (keep.sum(),)


def test_the_default_blocks_large_data_alone():
    """2 MiB of the widest layer's outputs per block: 2,048 rows of 256 float32 (the
    MNIST-shaped 784-256-128-10), none for the digits' 1,347 rows (64-100-10), none for
    a network with a layer other than Dense, nor for sparse data."""
    big = cr.mlp([784, 256, 128, 10], output="softmax", dtype=np.float32)
    assert block_rows(big, np.empty((60000, 784), np.float32)) == 2048
    assert block_rows(big, np.empty((8191, 784), np.float32)) is None  # < 4 blocks
    assert block_rows(big.astype("float64"), np.empty((60000, 784))) == 1024
    digits = cr.mlp([64, 100, 10], output="softmax")
    assert block_rows(digits, np.empty((1347, 64))) is None
    dropped = cr.Network([cr.Dense(784, 256), cr.Dropout(0.5), cr.Dense(256, 10)])
    assert block_rows(dropped, np.empty((60000, 784))) is None
    sparse = pytest.importorskip("scipy.sparse")
    assert block_rows(big, sparse.csr_matrix((60000, 784), dtype=np.float32)) is None
    huge = np.full(60000, np.finfo(np.float64).max)  # a sum past the float range
    assert block_rows(big.astype("float64"), np.empty((60000, 784)), huge) is None


def test_the_first_layers_folded_bias_is_used_block_by_block():
    """A first layer whose bias goes into its product with [X, 1] (n_in + 1 <= n_out):
    each block gets its rows of [X, 1], the same cost and gradient."""
    X, Y = _data("labels", 333, 3, np.float64)
    net = cr.mlp([7, 30, 3], output="softmax", seed=1)
    theta = net.params.astype(np.float64)
    Xc, Yc = net._check_xy(X, Y)
    folded = _objective(net.copy(), Xc, Yc, block=40)(theta)
    plain = _objective(net.copy(), Xc, Yc, fold_bias=False, block=0)(theta)
    _close(folded, plain, 1e-12)


def test_peak_memory_of_a_call_drops():
    X, Y = _data("labels", 8000, 3, np.float64)
    net = cr.mlp([7, 200, 100, 3], output="softmax", seed=1)
    theta = net.params.astype(np.float64)
    Xc, Yc = net._check_xy(X, Y)
    peaks = {}
    for block in (0, 1024):
        fun = _objective(net.copy(), Xc, Yc, block=block)
        tracemalloc.start()
        fun(theta)
        fun(theta)
        peaks[block] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[1024] < 0.25 * peaks[0]  # one pass: 8,000 x 300 x 8 bytes of Z, A, delta


def test_lbfgs_on_the_digits_reaches_the_same_fit_blocked(monkeypatch):
    d = cr.datasets.load_digits_split(validation_size=0, seed=0, dtype=np.float64)
    fits = {}
    for nbytes in (None, 100 * 8 * 128):  # the default (one pass); blocks of 128 rows
        if nbytes:
            monkeypatch.setattr(_network_blocks, "BLOCK_BYTES", nbytes)
        net = cr.mlp([64, 100, 10], output="softmax", seed=0)
        result = cr.minimize(net, d.X_train, d.y_train, maxiter=15)
        fits[nbytes] = (result.fun, np.mean(net.predict(d.X_train).argmax(1) == d.y_train))
    (J0, acc0), (J1, acc1) = fits.values()
    assert abs(J1 - J0) <= 1e-6 * J0 and abs(acc1 - acc0) <= 1 / 1347
