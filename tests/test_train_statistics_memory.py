"""train --impute: the standardising statistics of the training rows taken a block of rows
at a time (no copy of them, nor NumPy's std's copy of their deviations) and the filled copy
standardised where it is; the statistics are NumPy's mean and std of the rows to the bit."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from chainrule import _cli_models_categorical as _categorical
from chainrule import _train_statistics
from chainrule._cli_statistics import _standardise
from chainrule.cli import main


def _csv(path, X, y, gaps):
    lines = [",".join([f"x{j}" for j in range(X.shape[1])] + ["y"])]
    for row, gap, target in zip(X, gaps, y, strict=True):
        lines.append(",".join("" if g else repr(float(v)) for v, g in zip(row, gap, strict=True))
                     + f",{target}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mean_std_of_rows_is_numpys_of_their_copy(rng, monkeypatch, dtype):
    for block in (1, 40, 1000, 1 << 22):  # a row at a time ... all of them at once
        monkeypatch.setattr(_train_statistics, "BLOCK_BYTES", block)
        for n, d in ((1, 2), (257, 3), (1000, 17)):
            X = rng.normal(rng.normal() * 1e3, 10.0, size=(n, d)).astype(dtype)
            rows = rng.permutation(n)[: max(1, 9 * n // 10)]
            for k in (2, d):
                mean, std = _train_statistics.mean_std(X, rows, k)
                assert mean.dtype == std.dtype == dtype
                np.testing.assert_array_equal(mean, X[rows, :k].mean(axis=0))
                np.testing.assert_array_equal(std, X[rows, :k].std(axis=0))


def _reference(monkeypatch):
    """The computation before: the statistics of the copy X[rows, :n], then
    ``_standardise``'s new array."""
    monkeypatch.setattr(_train_statistics, "feature_statistics",
                        lambda X, rows, table, w, n=None: _categorical.feature_statistics(
                            X[rows, : X.shape[1] if n is None else n], table, w))
    monkeypatch.setattr(_train_statistics, "standardise_owned", _standardise)


@pytest.mark.parametrize("extra", [[], ["--missing-indicator"], ["--sample-weight", "x5"]])
def test_models_trained_with_gaps_are_the_same_to_the_bit(tmp_path, rng, monkeypatch,
                                                          capsys, extra):
    n, d = 300, 6
    X = rng.normal(3.0, 2.0, size=(n, d))
    X[:, 5] = rng.integers(1, 4, size=n)  # a weight column, when it is one
    X[:, 4] = 7.0  # a constant column: only centred
    gaps = rng.random((n, d)) < 0.05
    gaps[:, 5] = False
    y = (X[:, 0] > 3).astype(int)
    data = tmp_path / "gaps.csv"
    _csv(data, X, y, gaps)
    args = ["train", str(data), "--target", "y", "--hidden", "4", "--epochs", "3",
            "--batch-size", "32", "--seed", "1", "--impute", "mean", *extra]
    monkeypatch.setattr(_train_statistics, "BLOCK_BYTES", 100)  # a few rows at a time
    assert main([*args, "-o", str(tmp_path / "new.npz")]) == 0
    new_out = capsys.readouterr().out
    with monkeypatch.context() as m:
        _reference(m)
        assert main([*args, "-o", str(tmp_path / "old.npz")]) == 0
    old_out = capsys.readouterr().out
    drop = ("trained", "model written")  # the time taken, the file's name
    assert ([s for s in new_out.splitlines() if not s.startswith(drop)]
            == [s for s in old_out.splitlines() if not s.startswith(drop)])
    new, old = np.load(tmp_path / "new.npz"), np.load(tmp_path / "old.npz")
    assert sorted(new.files) == sorted(old.files)
    for key in new.files:
        if key != "__meta__":
            np.testing.assert_array_equal(new[key], old[key], err_msg=key)
    import json

    meta_new, meta_old = (json.loads(str(f["__meta__"]))["metadata"] for f in (new, old))
    for meta in (meta_new, meta_old):
        meta["training"].pop("seconds")
    assert meta_new == meta_old
    assert meta_new["x_scale"][4] == 1.0


def test_a_column_too_large_is_refused_as_before(tmp_path, capsys):
    """Standardised in the filled copy (--impute constant: 0, a fill without statistics,
    which would overflow), the column is named with its values as read."""
    X = np.c_[np.arange(30.0), np.where(np.arange(30) < 20, 1.7e308, -1.7e308)]
    gaps = np.zeros_like(X, dtype=bool)
    gaps[0, 0] = True
    data = tmp_path / "big.csv"
    _csv(data, X, np.arange(30) % 2, gaps)
    assert main(["train", str(data), "--target", "y", "--epochs", "1", "--impute",
                 "constant", "--val-fraction", "0", "-o", str(tmp_path / "m.npz")]) != 0
    err = capsys.readouterr().err
    assert ("feature 'x1': values up to 1.7e+308 are too large to standardise (their "
            "mean or standard deviation overflows float64)") in err


def test_train_impute_holds_no_copy_of_the_training_rows(tmp_path, capsys):
    """20,000 x 20 floats with 2 % gaps: train --impute mean peaked at 4.0 times them
    (the read table, its filled copy, the training rows' copy and std's deviations of
    them at once), now at 3.55, as without gaps (the training rows taken for the fit)."""
    rng = np.random.default_rng(0)
    n, d = 20_000, 20
    X = rng.normal(5.0, 3.0, size=(n, d)).round(3)
    _csv(tmp_path / "gaps.csv", X, (X[:, 0] > 5).astype(int), rng.random((n, d)) < 0.02)
    args = ["train", str(tmp_path / "gaps.csv"), "--target", "y", "--epochs", "1",
            "--hidden", "4", "--batch-size", "512", "--impute", "mean", "-q"]
    assert main([*args, "-o", str(tmp_path / "warm.npz")]) == 0  # imports, caches
    tracemalloc.start()
    try:
        assert main([*args, "-o", str(tmp_path / "m.npz")]) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    capsys.readouterr()
    assert peak <= 3.8 * n * d * 8, peak / (n * d * 8)
