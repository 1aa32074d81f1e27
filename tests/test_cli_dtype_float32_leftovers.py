"""``chainrule train --dtype float32`` with ``--impute``, ``--sample-weight`` and
``predict`` of a float32 model: float32 features are never copied to float64, and a
value beyond float32's range is refused as such.

References: NumPy's fill values and weighted statistics computed in float64 and cast
to float32; tracemalloc's peak against the float32 array's size.
"""

from __future__ import annotations

import re
import tracemalloc

import numpy as np
import pytest

from chainrule._cli_statistics import _mean_std
from chainrule._impute import fit_imputer, impute
from chainrule.cli import main
from chainrule.saved_model import SavedModel
from chainrule.tabular import read_data


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


def _weighted_reference(X32: np.ndarray, w: np.ndarray, axis) -> tuple:
    """NumPy's float64 weighted mean and standard deviation of the float32 values, cast
    to float32."""
    X64 = X32.astype(np.float64)
    W = np.broadcast_to(w.reshape((-1,) + (1,) * (X32.ndim - 1)), X32.shape)
    mean = np.average(X64, weights=W, axis=axis)
    centred = X64 - np.expand_dims(mean, axis)
    std = np.sqrt(np.average(centred ** 2, weights=W, axis=axis))
    return mean.astype(np.float32), std.astype(np.float32)


def test_weighted_statistics_of_float32_hold_no_float64_copy():
    """20,000 x 20 float32: the old code divided the values by a float64 unit (a float64
    copy, 2x the array) and weighed them in float64 (more such arrays)."""
    rng = np.random.default_rng(4)
    X = rng.normal(loc=5.0, scale=3.0, size=(20_000, 20)).astype(np.float32)
    w = rng.uniform(0.1, 3.0, size=len(X))
    _mean_std(X[:10], weights=w[:10])  # warm
    tracemalloc.start()
    try:
        mean, std = _mean_std(X, weights=w)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * X.nbytes, peak / X.nbytes
    assert mean.dtype == std.dtype == np.float32
    ref_mean, ref_std = _weighted_reference(X, w, 0)
    np.testing.assert_array_equal(mean, ref_mean)
    np.testing.assert_array_equal(std, ref_std)
    # images' channels: axes (0, 2), as image_statistics asks
    images = X[:600].reshape(600, 4, 5)
    mean, std = _mean_std(images, axis=(0, 2), weights=w[:600])
    ref_mean, ref_std = _weighted_reference(images, w[:600], (0, 2))
    np.testing.assert_array_equal(mean, ref_mean)
    np.testing.assert_array_equal(std, ref_std)


def test_weighted_statistics_of_float64_are_as_before():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 3)) * np.array([1.0, 1e160, 1e-3])
    w = rng.uniform(0.1, 3.0, size=len(X))
    mean, std = _mean_std(X, weights=w)
    assert mean.dtype == std.dtype == np.float64
    for j in range(3):  # the large column by a power of 2, exactly
        unit = 2.0 ** np.frexp(np.abs(X[:, j]).max())[1] if j == 1 else 1.0
        m = np.average(X[:, j] / unit, weights=w)
        s = np.sqrt(np.average((X[:, j] / unit - m) ** 2, weights=w))
        np.testing.assert_allclose([mean[j], std[j]], [m * unit, s * unit], rtol=1e-13)


def test_train_float32_sample_weight_standardises_in_float32(tmp_path, capsys):
    rng = np.random.default_rng(6)
    X = rng.normal(loc=5.0, scale=3.0, size=(300, 4)).astype(np.float32)
    w = rng.uniform(0.5, 2.0, size=len(X))
    data = tmp_path / "w.npz"
    np.savez(data, X=X, y=(X[:, 0] > 5).astype(int), w=w)
    out = tmp_path / "m.npz"
    assert main(["train", str(data), "--sample-weight", "w", "--dtype", "float32",
                 "--hidden", "3", "--epochs", "1", "--seed", "0", "--val-fraction", "0",
                 "-q", "-o", str(out)]) == 0
    capsys.readouterr()
    model = SavedModel.load(out)
    ref_mean, ref_std = _weighted_reference(X, w, 0)
    np.testing.assert_array_equal(model.metadata["x_mean"], ref_mean)
    np.testing.assert_array_equal(model.metadata["x_scale"], ref_std)


LIMIT = f"{float(np.finfo(np.float32).max):.7g}"  # 3.402823e+38
LIMIT_RE = re.escape(LIMIT)


def test_float32_model_refuses_a_value_beyond_float32_naming_it(tmp_path, capsys):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    data = tmp_path / "s.npz"
    np.savez(data, X=X, y=(X[:, 0] > 0).astype(int))
    model_path = tmp_path / "m.npz"
    assert main(["train", str(data), "--dtype", "float32", "--hidden", "2", "--epochs",
                 "1", "-q", "-o", str(model_path)]) == 0
    model = SavedModel.load(model_path)
    wide = X.astype(np.float64)
    wide[3, 1] = 1e300
    beyond = (r"X row 3 \(from 0\), feature 1 \('x1'\): 1e\+300 is beyond the range of "
              rf"float32 \(magnitudes up to {LIMIT_RE}\)")
    with pytest.raises(ValueError, match=beyond):
        model.predict(wide)
    text = wide.astype(str)  # text of numbers
    text[3, 1] = "-5e39"
    with pytest.raises(ValueError, match=r"row 3 .*feature 1 .*-5e\+39 is beyond the range"):
        model.predict_proba(text)
    wide[3, 1] = np.inf  # infinite as given: not a matter of float32's range
    with pytest.raises(ValueError, match="not a finite number: inf"):
        model.predict(wide)
    wide[3, 1] = 1e300
    path = tmp_path / "wide.npz"
    np.savez(path, X=wide)
    capsys.readouterr()
    assert main(["predict", str(model_path), str(path)]) != 0
    assert f"1e+300 is beyond the range of float32 (magnitudes up to {LIMIT})" in (
        capsys.readouterr().err)
    # a float64 model takes it
    m64 = tmp_path / "m64.npz"
    assert main(["train", str(data), "--hidden", "2", "--epochs", "1", "-q", "-o",
                 str(m64)]) == 0
    assert np.isfinite(SavedModel.load(m64).predict_proba(wide)).all()


def test_read_data_float32_refusal_names_float32s_limit(tmp_path):
    csv = tmp_path / "wide.csv"
    csv.write_text("a,b,y\n1,2,0\n1,-1e40,1\n")
    with pytest.raises(ValueError, match=r"wide\.csv line 3, column 'b': -1e\+40 is beyond "
                                         rf"the range of float32 \(magnitudes up to {LIMIT_RE}\)"):
        read_data(csv, dtype="float32")
