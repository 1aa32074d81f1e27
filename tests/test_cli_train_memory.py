"""chainrule train's memory: the features standardised by dividing the difference where
it is (no third array of the data's size), the full standardised table let go once the
training and validation rows are taken from it, and those let go once trained, before
the scores of the raw rows: the run holds about three times the data at its peak."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.saved_model import SavedModel


@pytest.mark.parametrize("val", ["0.1", "0"])
def test_train_holds_the_data_about_three_times_at_most(tmp_path, capsys, val):
    """20,000 x 20 floats (3.2 MB): train peaked at 5.1 times them (tracemalloc), now at
    3.4; its standardisation is NumPy's mean and standard deviation of the rows."""
    rng = np.random.default_rng(0)
    n, d = 20_000, 20
    X = rng.normal(loc=5.0, scale=3.0, size=(n, d))
    y = (X[:, 0] + X[:, 1] > 10).astype(int)
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=y)
    args = ["train", str(data), "--epochs", "1", "--hidden", "4", "--batch-size", "512",
            "--val-fraction", val, "--seed", "0"]
    assert main([*args, "-q", "-o", str(tmp_path / "warm.npz")]) == 0  # imports, caches
    capsys.readouterr()
    tracemalloc.start()
    try:
        assert main([*args, "-o", str(tmp_path / "m.npz")]) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out = capsys.readouterr().out
    n_val = int(np.ceil(float(val) * n))
    assert f"{n - n_val} for training, {n_val} for validation" in out
    assert peak <= 3.8 * n * d * 8, peak / (n * d * 8)
    meta = SavedModel.load(tmp_path / "m.npz").metadata
    if val == "0":  # every row trains: the statistics of X
        np.testing.assert_allclose(meta["x_mean"], X.mean(axis=0), rtol=1e-13)
        np.testing.assert_allclose(meta["x_scale"], X.std(axis=0), rtol=1e-13)
