"""all_finite (chainrule._validation_arrays) against NumPy's own test,
``bool(np.isfinite(x).all())``, over sizes on both sides of its thresholds, dtypes,
memory orders, NaN and infinities at the start, middle and end, finite values whose
squares overflow, empty, integer, boolean, complex and object arrays; and its BLAS dots
kept at most 10,000 entries each (OpenBLAS runs a longer dot on its worker threads)."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import _validation_arrays
from chainrule._validation_arrays import all_finite

SIZES = [1, 4096, 4097, 8192, 8193, 10_001, 16_384 + 17, 50_000]


def _reference(x: np.ndarray) -> bool:
    return bool(np.isfinite(x).all())


def _layouts(flat: np.ndarray):
    """``flat`` as 1-D, C order, Fortran order and every second column (not contiguous)."""
    yield flat
    if flat.size % 2 == 0 and flat.size > 2:
        two = flat.reshape(2, -1)
        yield two
        yield np.asfortranarray(two)
        yield np.concatenate([two, two])[:, ::2]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.longdouble])
@pytest.mark.parametrize("n", SIZES)
def test_matches_isfinite(dtype, n):
    rng = np.random.default_rng(n)
    base = rng.standard_normal(n).astype(dtype)
    for bad in (None, np.nan, np.inf, -np.inf):
        for where in (0, n // 2, n - 1):  # the start, the middle, the last (the tail) entry
            flat = base.copy()
            if bad is not None:
                flat[where] = bad
            for x in _layouts(flat):
                assert all_finite(x) is _reference(x), (x.shape, x.dtype, bad, where)


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e200), (np.float32, 1e30),
                                        (np.float64, np.finfo(np.float64).max)])
def test_finite_values_whose_squares_overflow_are_finite(dtype, big):
    # 1e200**2 and 1e30**2 (float32) overflow to inf, and max + max = inf: the sum of
    # squares is not finite, yet every entry is
    x = np.full(20_000, big, dtype=dtype)
    x[::3] *= -1
    assert all_finite(x) is True and _reference(x) is True
    x[-1] = np.nan
    assert all_finite(x) is False


@pytest.mark.parametrize("x", [
    np.empty((0, 5)), np.empty(0, dtype=np.float32), np.arange(20_000),
    np.arange(20_000, dtype=np.uint8), np.ones(20_000, dtype=bool),
    np.array(np.nan), np.array(2.5),
    np.ones(20_000, dtype=complex), np.array([1 + 1j, complex(np.nan, 0)]),
    np.array([1.0, complex(0, np.inf)]), np.ones((30, 40, 50), dtype=np.float32)[:, ::3, 1:],
])
def test_empty_integer_boolean_complex_and_0d(x):
    assert all_finite(x) is _reference(x)


def test_object_arrays_are_refused_as_numpy_refuses_them():
    x = np.array([1.0, np.nan, 2.0], dtype=object)
    with pytest.raises(TypeError):
        _reference(x)
    with pytest.raises(TypeError):
        all_finite(x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_no_blas_dot_longer_than_10000(monkeypatch, dtype, order):
    lengths = []
    dot, row_dots = np.dot, getattr(_validation_arrays, "_row_dots", None)

    def dot_spy(a, b, *args, **kwargs):
        lengths.append(np.size(a))
        return dot(a, b, *args, **kwargs)

    def rows_spy(a, b):
        lengths.append(a.shape[-1])
        return row_dots(a, b)

    monkeypatch.setattr(np, "dot", dot_spy)
    monkeypatch.setattr(_validation_arrays, "_row_dots", rows_spy, raising=False)
    x = np.asarray(np.random.default_rng(0).standard_normal((2_003, 100)), dtype, order=order)
    assert all_finite(x) is True
    assert max(lengths, default=0) <= 10_000, lengths


@pytest.mark.parametrize("n", [10_001, 8192 * 3, 8192 * 3 + 5, 200_003])
def test_row_dots_sum_every_square(n):
    # the dots cover every entry once: their sum of squares is x . x, summed in float64 here
    x = np.random.default_rng(n).standard_normal(n)
    total = _validation_arrays._sum_of_squares(x)
    assert total == pytest.approx(float(np.sum(x * x)), rel=1e-12)
