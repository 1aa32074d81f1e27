"""``_cli_statistics._constant`` with weights (``--sample-weight``: a feature, target or
image channel constant among the rows of positive weight keeps scale 1): the rows of
weight 0 are masked, not copied out. Against NumPy's ``np.ptp`` of the rows of positive
weight taken out (a NaN in them: not constant), and its peak memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from chainrule._cli_statistics import _constant


def _reference(values: np.ndarray, weights: np.ndarray, axis) -> np.ndarray:
    kept = values[weights > 0].astype(np.float64)
    with np.errstate(invalid="ignore"):
        return np.ptp(kept, axis=axis) == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(4))
def test_weighted_constant_equals_numpy_on_the_positive_rows(dtype, seed):
    rng = np.random.default_rng(seed)
    n = 30
    w = rng.integers(0, 3, size=n).astype(float)
    w[rng.integers(n)] = 1.0  # one positive row at least
    values = rng.normal(size=(n, 8)).astype(dtype)
    zero = w == 0
    values[:, 1] = 2.5  # constant everywhere
    values[:, 2] = np.where(zero, 9.0, 2.5)  # constant among the positive rows alone
    values[:, 3] = np.where(zero, np.nan, -1.0)  # a NaN in a row of weight 0 only
    values[:, 4] = -1.0
    values[np.flatnonzero(~zero)[-1], 4] = np.nan  # a NaN in a positive row
    values[:, 5] = np.where(rng.random(n) < 0.5, 0.0, -0.0)  # zeros of both signs
    values[:, 6] = 1.0
    values[np.flatnonzero(~zero)[0], 6] = 1.0 + np.finfo(dtype).eps  # the first differs
    got = _constant(values, weights=w)
    np.testing.assert_array_equal(got, _reference(values, w, 0))
    assert got[[1, 2, 3, 5]].all() and not got[[0, 4, 6]].any()
    # every weight positive, and unweighted: the plain test
    np.testing.assert_array_equal(_constant(values, weights=np.ones(n)),
                                  _reference(values, np.ones(n), 0))
    # images' channels: (n, C, H*W) over axes (0, 2)
    images = rng.normal(size=(n, 3, 4)).astype(dtype)
    images[:, 1] = np.where(zero[:, None], 5.0, 0.25)
    np.testing.assert_array_equal(_constant(images, axis=(0, 2), weights=w),
                                  _reference(images, w, (0, 2)))


def test_weighted_constant_copies_no_rows():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(20_000, 20)).astype(np.float32)
    w = np.where(rng.random(20_000) < 0.3, 0.0, 1.0)  # the copy: 70% of the rows
    _constant(values, weights=w)
    tracemalloc.start()
    try:
        _constant(values, weights=w)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # booleans of the array's shape (a quarter of float32's bytes), no copy of the rows
    assert peak < 0.4 * values.nbytes
