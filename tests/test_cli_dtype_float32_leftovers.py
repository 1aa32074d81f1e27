"""``chainrule train --dtype float32`` with ``--impute``, ``--sample-weight`` and
``predict`` of a float32 model: float32 features are never copied to float64, and a
value beyond float32's range is refused as such.

References: NumPy's fill values and weighted statistics computed in float64 and cast
to float32; tracemalloc's peak against the float32 array's size.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from chainrule._impute import fit_imputer, impute
from chainrule.cli import main
from chainrule.saved_model import SavedModel


def _with_gaps(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=4.0, scale=3.0, size=(n, d)).astype(np.float32)
    X[rng.random(size=(n, d)) < 0.05] = np.nan
    return X


def _means(X: np.ndarray) -> np.ndarray:
    """Each column's NumPy mean of its cells that are not NaN, in X's dtype."""
    return np.array([X[~np.isnan(X[:, j]), j].mean() for j in range(X.shape[1])],
                    dtype=X.dtype)


def test_impute_keeps_float32_without_a_float64_copy():
    """20,000 x 20 float32 (1.6 MB): the filled array is float32, one new array; the
    float64 copy of the old code added 4x the array (the copy and the float64 result)."""
    X = _with_gaps(20_000, 20)
    columns = [f"x{j}" for j in range(X.shape[1])]
    record = fit_imputer(X, columns, None, "mean", None, False, None, "X")
    impute(X, record, columns, None)  # warm
    tracemalloc.start()
    try:
        out = impute(X, record, columns, None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.dtype == np.float32
    assert peak < 1.5 * X.nbytes, peak / X.nbytes
    # NumPy's fill: each column's mean of the values it holds (as read: float32)
    np.testing.assert_array_equal(out, np.where(np.isnan(X), _means(X), X))
    # float64 in, float64 out, as before
    X64 = X.astype(np.float64)
    record64 = fit_imputer(X64, columns, None, "mean", None, False, None, "X")
    out64 = impute(X64, record64, columns, None)
    assert out64.dtype == np.float64
    np.testing.assert_array_equal(out64, np.where(np.isnan(X64), _means(X64), X64))


def test_impute_float32_indicators_and_median():
    X = _with_gaps(200, 3, seed=1)
    columns = ["a", "b", "c"]
    record = fit_imputer(X, columns, None, "median", None, True, None, "X")
    out = impute(X, record, columns, None)
    assert out.dtype == np.float32 and out.shape == (200, 6)
    fill = np.nanmedian(X.astype(np.float64), axis=0).astype(np.float32)
    np.testing.assert_array_equal(out[:, :3], np.where(np.isnan(X), fill, X))
    np.testing.assert_array_equal(out[:, 3:], np.isnan(X).astype(np.float32))


def test_train_float32_impute_mean_is_float32_throughout(tmp_path, capsys):
    X = _with_gaps(300, 4, seed=2)
    y = (np.nan_to_num(X[:, 0]) > 4).astype(int)
    data = tmp_path / "gaps.npz"
    np.savez(data, X=X, y=y)
    out = tmp_path / "m.npz"
    assert main(["train", str(data), "--impute", "mean", "--dtype", "float32", "--hidden",
                 "3", "--epochs", "1", "--seed", "0", "--val-fraction", "0", "-q",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    model = SavedModel.load(out)
    filled = np.where(np.isnan(X), _means(X), X)
    assert model.network.params.dtype == np.float32
    np.testing.assert_array_equal(model.metadata["x_mean"], filled.mean(axis=0))
    np.testing.assert_array_equal(model.metadata["x_scale"], filled.std(axis=0))
    # predict fills and standardises in float32 too, as the training rows were
    mean32 = np.asarray(model.metadata["x_mean"], dtype=np.float32)
    scale32 = np.asarray(model.metadata["x_scale"], dtype=np.float32)
    expected = model.network.predict((filled - mean32) / scale32)
    assert expected.dtype == np.float32
    np.testing.assert_array_equal(model.predict_proba(X)[:, 1], expected[:, 0])
