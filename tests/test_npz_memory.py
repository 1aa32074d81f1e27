"""read_data of an NPZ file whose X is float64 already: X as loaded, not copied into
another float64 array (reading peaked at twice X, now once); other dtypes converted as
before."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from chainrule.tabular import read_data


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int16])
def test_a_float64_x_is_taken_as_loaded(tmp_path, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(scale=100, size=(20_000, 20)).astype(dtype)
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=rng.integers(0, 2, size=20_000))
    tracemalloc.start()
    try:
        table = read_data(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    want = np.array(X.tolist(), dtype=np.float64)  # each value as a Python float
    assert table.X.dtype == np.float64 and table.X.tobytes() == want.tobytes()
    floats = X.shape[0] * X.shape[1] * 8
    assert peak <= floats * 1.2 + X.nbytes * (dtype != np.float64), peak / floats
