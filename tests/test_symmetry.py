"""Equal hidden units stay equal on any BLAS (SPEC 6's zeros start), see ``_symmetry``.

BLAS may round two entries of a product differently even when their operands are
equal (the main micro-kernel and the edge kernels, a matrix-vector product's
partial sums), and ``axpy`` may fuse the multiply and add in its main loop but
not in its tail; so a network with equal hidden units computes its Dense layers'
products in index order and updates with NumPy for the fit.  These tests first
find a product that this machine's BLAS rounds unevenly, so that they mean
something whatever the CPU's kernels.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import chainrule
from chainrule import Dense, Network, mlp
from chainrule._symmetry import choose_products, equal_units, ordered_matmul, ordered_row_sum
from chainrule.scipy_fit import _objective
from ordered_sums import sums_in_index_order


def _uneven_blas_product(dtype) -> tuple[np.ndarray, np.ndarray]:
    """``a`` (m, k) and ``b`` (k, n) with equal columns whose BLAS product ``a @ b`` has
    unequal columns on this machine (skips the test where none of the shapes tried has)."""
    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 5, 8, 30, 64):
        for k in (2, 3, 5, 9, 30, 60):
            for n in (2, 3, 5, 7, 9, 17):
                a = rng.normal(size=(m, k)).astype(dtype)
                b = np.repeat(rng.normal(size=(k, 1)).astype(dtype), n, axis=1)
                c = a @ b
                if not (c == c[:, :1]).all():
                    return a, b
    pytest.skip(f"this BLAS rounds every {np.dtype(dtype).name} product tried alike in "
                "every column")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ordered_product_keeps_equal_columns_equal_where_blas_does_not(dtype):
    a, b = _uneven_blas_product(dtype)
    m, k = a.shape
    n = b.shape[1]
    out = ordered_matmul(a, b, np.empty((m, n), dtype))
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], n, axis=1))
    # the same sequence written out with the scalars of that dtype: a[i, 0] b[0, j] first,
    # then + a[i, t] b[t, j] for t = 1, 2, ... (each product and sum rounded once)
    by_hand = np.empty((m, n), dtype)
    for i in range(m):
        for j in range(n):
            s = a[i, 0] * b[0, j]
            for t in range(1, k):
                s = s + a[i, t] * b[t, j]
            by_hand[i, j] = s
    np.testing.assert_array_equal(out, by_hand)
    # and the exact sum (fsum of the exact products, as float64 products of float32 values
    # are), within the bound of recursive summation: k eps sum |a_it b_tj|
    eps = np.finfo(dtype).eps
    for i in range(m):
        for j in range(n):
            terms = [float(a[i, t]) * float(b[t, j]) for t in range(k)]
            bound = 2 * k * eps * math.fsum(abs(x) for x in terms)
            assert abs(float(out[i, j]) - math.fsum(terms)) <= bound


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ordered_row_sum_adds_the_rows_in_order(dtype):
    rng = np.random.default_rng(2)
    delta = np.repeat(rng.normal(size=(13, 1)), 9, axis=1).astype(dtype)
    out = ordered_row_sum(delta, np.empty(9, dtype))
    total = delta[0].copy()
    for row in delta[1:]:
        total = total + row
    np.testing.assert_array_equal(out, total)
    assert (out == out[0]).all()
    np.testing.assert_array_equal(ordered_row_sum(delta[:0], np.ones(9, dtype)), np.zeros(9))


def _with_weights(sizes, weights, biases):
    """A sigmoid network with these explicit weights and biases."""
    layers = [Dense(i, o, activation="sigmoid", init=W)
              for i, o, W in zip(sizes[:-1], sizes[1:], weights, strict=True)]
    net = Network(layers, loss="log_loss")
    for layer, b in zip(net.layers, biases, strict=True):
        layer.b = b
    return net


def test_equal_units_finds_units_alike_in_every_weight():
    rng = np.random.default_rng(3)
    assert equal_units(mlp([4, 5, 3, 2], init="zeros"))
    assert not equal_units(mlp([4, 5, 3, 2], seed=0))
    assert not equal_units(mlp([4, 1, 2], init="zeros"))  # one hidden unit: nothing to keep
    W1, W2 = rng.normal(size=(4, 6)), rng.normal(size=(6, 2))
    b1, b2 = rng.normal(size=6), rng.normal(size=2)
    assert not equal_units(_with_weights([4, 6, 2], [W1, W2], [b1, b2]))
    random = W1.copy(), b1.copy(), W2.copy()
    # units 1 and 4 alike: incoming weights, bias and outgoing weights
    W1[:, 4], b1[4], W2[4] = W1[:, 1], b1[1], W2[1]
    assert equal_units(_with_weights([4, 6, 2], [W1, W2], [b1, b2]))
    for differ in ("in", "bias", "out"):  # the same first weights, one number apart
        V1, c1, V2 = W1.copy(), b1.copy(), W2.copy()
        {"in": V1[3], "bias": c1, "out": V2[:, 1]}[differ][4] += 0.5
        assert not equal_units(_with_weights([4, 6, 2], [V1, V2], [c1, b2])), differ
    # three units with the same first weights, two of them (0 and 2) alike in all
    V1, c1, V2 = (a.copy() for a in random)
    V1[0, [0, 2, 5]], c1[[0, 2, 5]], V2[[0, 2, 5], 0] = 0.25, 0.5, -1.0
    V1[1:, 2], V2[2, 1] = V1[1:, 0], V2[0, 1]
    assert equal_units(_with_weights([4, 6, 2], [V1, V2], [c1, b2]))
    V1[2, 2] += 1.0
    assert not equal_units(_with_weights([4, 6, 2], [V1, V2], [c1, b2]))
    # -0.0 and 0.0 are one value; no bias counts as zero biases
    net = mlp([3, 4, 2], init="zeros", bias=False)
    net.layers[0].W[:, 1] = -0.0
    assert equal_units(net)


def test_each_fit_decides_again():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    net = mlp([3, 4, 2], output="softmax", init="zeros")
    trainer = chainrule.Trainer(net, optimizer="adam", lr=0.1, epochs=2, batch_size=5)
    trainer.fit(X, y)
    assert all(layer._ordered for layer in net.layers)
    assert (net.layers[0].W == net.layers[0].W[:, :1]).all()
    net.params[...] = rng.normal(size=net.params.size)
    trainer.epochs = 4
    trainer.fit(X, y)
    assert not any(layer._ordered for layer in net.layers)
    assert not choose_products(net)


def _gradient_by_hand(W1, b1, W2, b2, X, Y):
    """Log loss of a sigmoid 2-layer network, its gradient written out in NumPy."""
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    A2 = 1 / (1 + np.exp(-(A1 @ W2 + b2)))
    m = X.shape[0]
    d2 = (A2 - Y) / m
    d1 = (d2 @ W2.T) * A1 * (1 - A1)
    return X.T @ d1, d1.sum(axis=0), A1.T @ d2, d2.sum(axis=0)


@pytest.mark.parametrize("fold_bias", [True, False])
def test_ordered_gradient_of_a_constant_start_is_the_gradient(fold_bias):
    """A constant start (every hidden unit alike, not zero, so that the error reaches
    the first layer): the ordered products give the gradient of the formula, and
    gradients equal for every hidden unit to the last bit."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(37, 3))
    Y = (rng.random(size=(37, 2)) > 0.5).astype(float)
    W1, W2 = np.full((3, 6), 0.3), np.full((6, 2), -0.2)
    W1[:, :] = rng.normal(size=(3, 1))  # each input its own weight, alike for every unit
    W2[:, 1] = 0.7
    b1, b2 = np.full(6, 0.1), np.array([0.2, -0.4])
    net = _with_weights([3, 6, 2], [W1, W2], [b1, b2])
    fun = _objective(net, X, Y, fold_bias=fold_bias)
    assert all(layer._ordered for layer in net.layers)
    _, grad = fun(net.params.copy())
    hidden, out = net.layers
    assert (hidden.dW == hidden.dW[:, :1]).all() and (hidden.db == hidden.db[0]).all()
    assert (out.dW == out.dW[:1]).all()
    for got, expect in zip((hidden.dW, hidden.db, out.dW, out.db),
                           _gradient_by_hand(W1, b1, W2, b2, X, Y), strict=True):
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(grad, net.grads)


def test_a_random_start_trains_as_without_the_check(monkeypatch):
    """The check finds no equal units in a random start, and the fit is the BLAS one."""
    import chainrule._training_loop as loop

    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 3, 40)

    def fit():
        net = mlp([5, 8, 6, 3], hidden="tanh", output="softmax", seed=1)
        chainrule.train(net, X, y, optimizer="adam", lr=0.01, epochs=3, batch_size=8, seed=0)
        return net

    checked = fit()
    assert not any(layer._ordered for layer in checked.layers)
    monkeypatch.setattr(loop, "choose_products", lambda net: False)
    np.testing.assert_array_equal(checked.params, fit().params)


# --- the autoencoders' own L-BFGS fit (autoencoder._base._fit_scipy) ------------------------

def _sparse_cost_by_hand(W1, b1, W2, b2, X, rho, beta, lam):
    """UFLDL's sparse autoencoder cost (identity decoder) written out in NumPy."""
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    out = A1 @ W2 + b2
    r = A1.mean(axis=0)
    kl = rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))
    return (0.5 * np.sum((out - X) ** 2) / X.shape[0] + 0.5 * lam * (np.sum(W1 ** 2)
            + np.sum(W2 ** 2)) + beta * kl.sum())


def _units_spread(net):
    """How far the hidden units of a net of Dense layers are apart (0.0: equal to the bit)."""
    layers = net.layers
    return max(max(float(np.abs(low.W - low.W[:, :1]).max()),
                   float(np.abs(low.b - low.b[0]).max()),
                   float(np.abs(up.W - up.W[:1]).max()))
               for low, up in itertools.pairwise(layers))


def test_sparse_autoencoder_fit_keeps_equal_units_equal():
    """A constant start whose first product ``X @ W1`` this BLAS rounds unevenly (the
    shapes and numbers of ``_uneven_blas_product``): the fit's products are ordered,
    the units stay equal, and its cost is the formula's at the parameters it ends at."""
    from chainrule.autoencoder import KLSparsity
    from chainrule.autoencoder._base import _fit_scipy

    a, b = _uneven_blas_product(np.float64)  # a @ b: unequal columns here
    k, n = b.shape
    up = np.repeat(np.random.default_rng(7).normal(size=(1, k)), n, axis=0)  # equal rows
    net = Network([Dense(k, n, "sigmoid", init=b), Dense(n, k, "identity", init=up)],
                  loss="squared_error", weight_decay=1e-3)
    result = _fit_scipy(net, a, a, {0: KLSparsity(0.1, 3.0)}, "L-BFGS-B", 40, "test")
    assert _units_spread(net) == 0.0
    assert all(layer._ordered for layer in net.layers)
    hidden, out = net.layers
    expect = _sparse_cost_by_hand(hidden.W, hidden.b, out.W, out.b, a, 0.1, 3.0, 1e-3)
    np.testing.assert_allclose(result.fun, expect, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_autoencoder_estimators_keep_a_zeros_start_equal(monkeypatch):
    """SparseAutoencoder.fit from a zeros start, and StackedAutoencoder.fine_tune with
    sample weights (the weighted means of its KL penalties) from one: every unit alike
    to the bit, where this BLAS rounds some product unevenly (else skipped)."""
    import chainrule.autoencoder._sparse_fitting as sparse_fitting
    from chainrule.autoencoder import SparseAutoencoder, StackedAutoencoder

    _uneven_blas_product(np.float64)  # skips where this BLAS keeps every column alike
    rng = np.random.default_rng(8)
    X = rng.random((40, 8))
    y, weights = rng.integers(0, 3, 40), rng.integers(1, 4, 40).astype(float)
    stack = StackedAutoencoder(hidden_sizes=(6, 5), max_iter=3, softmax_max_iter=3,
                               fine_tune_iter=3, random_state=0).fit(X, y)
    stack.network_.params[...] = 0.0
    stack.fine_tune(X, y, max_iter=40, sample_weight=weights)
    assert _units_spread(stack.network_) == 0.0
    monkeypatch.setattr(sparse_fitting, "_ufldl_dense",
                        lambda i, o, act, rng: Dense(i, o, act, init="zeros"))
    auto = SparseAutoencoder(n_hidden=5, max_iter=60, random_state=0).fit(X[:30])
    assert _units_spread(auto.network_) == 0.0


# --- a sparse first-layer input (CSR batches) ---------------------------------------------------

@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_ordered_product_of_a_sparse_matrix_is_that_of_its_dense_rows(layout):
    """A sparse ``a`` (a first layer's batch, or its transpose in the weight gradient):
    every entry the sum in index order over all of ``k``, its zeros included, as the
    scalars written out give it: the dense product's sequence, by construction."""
    import scipy.sparse as sp

    rng = np.random.default_rng(9)
    a = sp.random(6, 11, density=0.4, format=layout, random_state=rng)
    b = np.repeat(rng.normal(size=(11, 1)), 5, axis=1)
    out = ordered_matmul(a, b, np.empty((6, 5)))
    dense = a.toarray()
    by_hand = np.empty((6, 5))
    for i in range(6):
        for j in range(5):
            s = dense[i, 0] * b[0, j]
            for t in range(1, 11):
                s = s + dense[i, t] * b[t, j]
            by_hand[i, j] = s
    np.testing.assert_array_equal(out, by_hand)
    np.testing.assert_array_equal(out, np.repeat(out[:, :1], 5, axis=1))


def test_a_sparse_input_keeps_a_zeros_start_equal_as_the_dense_one():
    """A zeros start trained on CSR data, mini-batches (train) and whole (minimize):
    its units stay equal, and the mini-batch fit is the dense data's bit for bit."""
    import scipy.sparse as sp

    rng = np.random.default_rng(10)
    X = sp.random(45, 12, density=0.3, format="csr", random_state=rng)
    y = rng.integers(0, 3, 45)

    def fit(data):
        net = mlp([12, 7, 3], hidden="sigmoid", output="softmax", init="zeros")
        chainrule.train(net, data, y, optimizer="adam", lr=0.05, epochs=3, batch_size=8,
                        seed=0)
        return net

    sparse, dense = fit(X), fit(X.toarray())
    assert all(layer._ordered for layer in sparse.layers)
    assert _units_spread(sparse) == 0.0 and (sparse.layers[0].W != 0).any()
    np.testing.assert_array_equal(sparse.params, dense.params)
    net = mlp([12, 7, 3], hidden="sigmoid", output="softmax", init="zeros")
    chainrule.minimize(net, X, y, maxiter=30)
    assert _units_spread(net) == 0.0 and (net.layers[0].W != 0).any()


_sums_in_index_order = sums_in_index_order


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 13, 4), (5, 11, 2), (4, 9, 3), (3, 7, 9), (1, 6, 1)])
def test_ordered_product_in_blocks_is_the_sum_in_index_order(monkeypatch, dtype, shape):
    """The terms computed a block of t at a time (blocks of 2 and 3 t here, the last one
    shorter; laid out (t, i, j) where m <= n, (t, j, i) where m > n; one t at a time where
    a block holds one slab): the same sums in index order, bit for bit."""
    import chainrule._symmetry as symmetry

    monkeypatch.setattr(symmetry, "_BLOCK_TERMS", 24)
    rng = np.random.default_rng(11)
    m, k, n = shape
    a = rng.normal(size=(k, m)).astype(dtype).T  # a strided a, as X.T in dW = X.T @ delta
    b = rng.normal(size=(k, n)).astype(dtype)
    tmp = np.full(symmetry.ordered_scratch(m, k, n), np.nan, dtype)
    out = ordered_matmul(a, b, np.empty((m, n), dtype), tmp)
    np.testing.assert_array_equal(out, _sums_in_index_order(a, b))
    np.testing.assert_array_equal(ordered_matmul(a, b, np.empty((m, n), dtype)), out)
