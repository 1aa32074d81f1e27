"""The ordered products of ``_symmetry`` in a few NumPy calls, not one per batch row.

A fit from equal hidden units (SPEC 6's ``zeros`` start) computes its Dense products by
``ordered_matmul`` and its bias sums by ``ordered_row_sum``: every entry the same
sequence of IEEE operations in index order.  They sum over the batch rows with one NumPy
reduction along axis 0 (its inner loop runs along a row, elementwise; its outer loop
over the rows), no longer one ``np.add`` per row.  The references here are plain Python
loops over the scalars, with values chosen so that the order of the additions matters.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import chainrule
import chainrule._symmetry as symmetry
from chainrule import Dense, Network
from chainrule._symmetry import ordered_matmul, ordered_row_sum
from ordered_sums import sums_in_index_order


def _order_matters(m: int, n: int, dtype, seed: int) -> np.ndarray:
    """(m, n) values whose sum depends on the order of the additions: a large value
    first, many small ones, the large one taken back, mixed with random magnitudes."""
    rng = np.random.default_rng(seed)
    big = 1e16 if dtype == np.float64 else 1e8
    x = rng.normal(size=(m, n)) * 10.0 ** rng.integers(-3, 4, size=(m, n))
    x[0] = big
    x[1:m // 2:2] = 1.0
    if m > 4:
        x[m // 2] = -big
    x[rng.random((m, n)) < 0.05] = -0.0
    return x.astype(dtype)


def _sequential_column_sums(x: np.ndarray) -> np.ndarray:
    """``x[0, j] + x[1, j] + ...`` left to right, with scalars of x's dtype."""
    out = np.empty(x.shape[1], x.dtype)
    for j in range(x.shape[1]):
        s = x[0, j]
        for i in range(1, x.shape[0]):
            s = s + x[i, j]
        out[j] = s
    return out


_sums_in_index_order = sums_in_index_order


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("m", "n"), [(9, 2), (64, 3), (300, 10), (1000, 17), (2, 5)])
def test_numpy_reduction_along_axis_0_adds_the_rows_in_order(dtype, m, n):
    """What the ordered products rely on: a C-contiguous (m, n >= 2) array reduced along
    axis 0 adds the rows one after the other for every column (no pairwise summation),
    and ``initial=-0.0`` starts with the first row exactly."""
    x = _order_matters(m, n, dtype, seed=m + n)
    expect = _sequential_column_sums(x)
    got = np.add.reduce(x, axis=0, out=np.empty(n, dtype), initial=-0.0)
    assert got.tobytes() == expect.tobytes()
    column = x[:, 0].copy()  # (while one column alone would be summed pairwise)
    assert np.add.accumulate(column)[-1].tobytes() == expect[0].tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("m", "n"), [(300, 10), (300, 5), (300, 1), (1000, 2), (13, 9), (1, 4)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_ordered_row_sum_is_the_sequential_sum(dtype, m, n, order):
    delta = np.asarray(_order_matters(m, n, dtype, seed=3 * m + n), order=order)
    out = ordered_row_sum(delta, np.empty(n, dtype))
    assert out.tobytes() == _sequential_column_sums(delta).tobytes()
    zeros = np.full((m, n), -0.0, dtype)  # -0.0 + -0.0 + ... stays -0.0
    assert np.signbit(ordered_row_sum(zeros, np.empty(n, dtype))).all()
    # float32 rows into a float64 sum: the rows' exact values added in float64
    if dtype == np.float32:
        wide = ordered_row_sum(delta, np.empty(n))
        assert wide.tobytes() == _sequential_column_sums(delta.astype(np.float64)).tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(2, 300, 10), (10, 300, 5), (5, 300, 1), (1, 300, 2),
                                   (300, 5, 10), (300, 10, 2), (1, 40000, 1), (10, 2000, 5)])
def test_ordered_matmul_over_many_rows_is_the_sum_in_index_order(dtype, shape):
    """The weight gradient's shapes (X.T @ delta: the batch rows summed), the forward
    ones, one block of t or several ((1, 40000, 1), (10, 2000, 5))."""
    m, k, n = shape
    rng = np.random.default_rng(m * k + n)
    a = _order_matters(k, m, dtype, seed=k + m).T  # strided, as X.T
    b = (rng.normal(size=(k, n)) * 10.0 ** rng.integers(-2, 3, size=(k, n))).astype(dtype)
    tmp = np.full(symmetry.ordered_scratch(m, k, n), np.nan, dtype)
    out = ordered_matmul(a, b, np.empty((m, n), dtype), tmp)
    assert out.tobytes() == _sums_in_index_order(a, b).tobytes()
    strided = ordered_matmul(a, b, np.empty((m, 2 * n), dtype)[:, ::2])
    assert np.ascontiguousarray(strided).tobytes() == out.tobytes()


class _CountingUfunc:
    """A ufunc whose calls, and calls of its methods (reduce, accumulate), are counted."""

    def __init__(self, ufunc: np.ufunc, counts: list[int]):
        self._ufunc, self._counts = ufunc, counts

    def __call__(self, *args, **kwargs):
        self._counts[0] += 1
        return self._ufunc(*args, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._ufunc, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            self._counts[0] += 1
            return attr(*args, **kwargs)
        return counted


class _CountingNumpy:
    """numpy, with every ufunc call counted."""

    def __init__(self):
        self.counts = [0]

    def __getattr__(self, name):
        attr = getattr(np, name)
        return _CountingUfunc(attr, self.counts) if isinstance(attr, np.ufunc) else attr


def test_ordered_products_take_a_few_numpy_calls_not_one_per_row(monkeypatch):
    """The symmetry demo's shapes (300 rows, 2-10-5-1): the sums over the batch rows
    are a handful of ufunc calls, not one add per row (300 before)."""
    counting = _CountingNumpy()
    monkeypatch.setattr(symmetry, "np", counting)
    rng = np.random.default_rng(12)
    X, delta = rng.normal(size=(300, 2)), rng.normal(size=(300, 10))
    ordered_matmul(X.T, delta, np.empty((2, 10)))
    assert counting.counts[0] <= 4
    counting.counts[0] = 0
    ordered_row_sum(delta, np.empty(10))
    assert counting.counts[0] <= 2
    counting.counts[0] = 0
    ordered_row_sum(delta[:, :1], np.empty(1))
    assert counting.counts[0] <= 2


def _units_spread(net: Network) -> float:
    """How far the hidden units are apart (0.0: equal to the bit)."""
    return max(max(float(np.abs(low.W - low.W[:, :1]).max()),
                   float(np.abs(low.b - low.b[0]).max()),
                   float(np.abs(up.W - up.W[:1]).max()))
               for low, up in itertools.pairwise(net.layers))


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adagrad"])
def test_a_constant_start_stays_equal_under_adaptive_optimizers(optimizer):
    """Every hidden unit alike (not zero, so that the error reaches every layer), 300
    rows in mini-batches of 64 (and a last one of 44): the units stay equal to the bit
    while they move."""
    rng = np.random.default_rng(13)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] ** 2 + X[:, 1] ** 2 > 1.0).astype(float)
    W1 = np.repeat(rng.normal(size=(2, 1)), 10, axis=1)
    net = Network([Dense(2, 10, "tanh", init=W1), Dense(10, 5, "tanh", init=np.full((10, 5), 0.3)),
                   Dense(5, 1, "sigmoid", init=np.full((5, 1), -0.2))], loss="log_loss")
    start = net.params.copy()
    chainrule.train(net, X, y, optimizer=optimizer, lr=0.01, epochs=3, batch_size=64, seed=0)
    assert all(layer._ordered for layer in net.layers)
    assert _units_spread(net) == 0.0
    assert not np.array_equal(net.params, start)
