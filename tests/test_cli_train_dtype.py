"""``chainrule train --dtype float32``: the run is the library's float32 run.

The CLI trained in float64 whatever the data; ``--dtype float32`` keeps an NPZ file's
float32 features as they are (no float64 copy), converts a CSV file's numbers once,
trains a float32 network and writes it.  The reference is :class:`chainrule.Trainer`
on the same float32 arrays, standardised with NumPy's float32 mean and standard
deviation, with the same seed and options.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from chainrule.network import mlp
from chainrule.saved_model import SavedModel
from chainrule.tabular import read_data

OPTIONS = ["--hidden", "5", "--epochs", "4", "--batch-size", "16", "--lr", "0.02",
           "--seed", "3", "--val-fraction", "0", "-q"]


def _standardised(X32: np.ndarray) -> np.ndarray:
    """(X - mean) / std in float32, NumPy's float32 statistics of every row."""
    return (X32 - X32.mean(axis=0)) / X32.std(axis=0)


@pytest.fixture
def npz32(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(loc=3.0, scale=2.0, size=(90, 4)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    path = tmp_path / "d32.npz"
    np.savez(path, X=X, y=y)
    return path, X, y


def _reference(X32: np.ndarray, T: np.ndarray, output: str, loss: str):
    net = mlp([X32.shape[1], 5, T.shape[1]], hidden="relu", output=output, loss=loss,
              seed=3).astype("float32")
    trainer = chainrule.Trainer(net, optimizer="adam", lr=0.02, batch_size=16, epochs=4,
                                seed=3)
    history = trainer.fit(_standardised(X32), T)
    return net, history


def test_float32_npz_run_is_the_trainers_float32_run(tmp_path, npz32, capsys):
    path, X, y = npz32
    out = tmp_path / "m.npz"
    assert main(["train", str(path), *OPTIONS, "--dtype", "float32", "-o", str(out)]) == 0
    model = SavedModel.load(out)
    net, history = _reference(X, y.astype(np.float64)[:, None], "sigmoid", "log_loss")
    assert model.network.dtype == np.float32
    assert model.network.params.dtype == np.float32
    np.testing.assert_array_equal(model.network.params, net.params)
    assert model.metadata["history"]["loss"] == [float(v) for v in history["loss"]]
    assert model.metadata["training"]["dtype"] == "float32"
    np.testing.assert_array_equal(model.metadata["x_mean"], X.mean(axis=0))
    # predict computes in float32 too: the standardisation as in training, then the net
    proba = model.predict_proba(X)
    expected = net.predict(_standardised(X))
    assert expected.dtype == np.float32
    np.testing.assert_array_equal(proba[:, 1], expected[:, 0])
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "float32" in text.splitlines()[0] and "dtype=float32" in text
    assert main(["info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["dtype"] == "float32" and info["training"]["dtype"] == "float32"


def test_float32_csv_regression_is_the_trainers_run(tmp_path, capsys):
    """A CSV file's numbers parsed as float64, converted to float32 once; the target
    standardised with its float64 statistics (as a float64 run's)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    t = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=60) + 4.0
    data = tmp_path / "r.csv"
    data.write_text("a,b,c,t\n" + "".join(
        ",".join(map(repr, [*row, v])) + "\n" for row, v in zip(X.tolist(), t.tolist(),
                                                            strict=True)))
    out = tmp_path / "r.npz"
    assert main(["train", str(data), *OPTIONS, "--dtype", "float32", "-o", str(out)]) == 0
    model = SavedModel.load(out)
    T = ((t - t.mean()) / t.std())[:, None]
    net, history = _reference(X.astype(np.float32), T, "identity", "squared_error")
    np.testing.assert_array_equal(model.network.params, net.params)
    assert model.network.params.dtype == np.float32
    assert model.metadata["history"]["loss"] == [float(v) for v in history["loss"]]


def test_float64_default_records_no_dtype_and_is_the_float64_run(tmp_path, npz32):
    path, X, y = npz32
    out = tmp_path / "m64.npz"
    assert main(["train", str(path), *OPTIONS, "-o", str(out)]) == 0
    model = SavedModel.load(out)
    assert model.network.params.dtype == np.float64
    assert "dtype" not in model.metadata["training"]
    X64 = X.astype(np.float64)
    net = mlp([4, 5, 1], hidden="relu", output="sigmoid", loss="log_loss", seed=3)
    chainrule.Trainer(net, optimizer="adam", lr=0.02, batch_size=16, epochs=4,
                      seed=3).fit((X64 - X64.mean(axis=0)) / X64.std(axis=0),
                                  y.astype(np.float64)[:, None])
    np.testing.assert_array_equal(model.network.params, net.params)


def test_resume_with_another_dtype_is_refused_naming_both(tmp_path, npz32, capsys):
    path, _, _ = npz32
    ckpt, out = tmp_path / "run.ckpt.npz", tmp_path / "m.npz"
    command = ["train", str(path), *OPTIONS, "--checkpoint", str(ckpt), "-o", str(out)]
    assert main([*command, "--dtype", "float32"]) == 0
    capsys.readouterr()
    assert main([*command, "--resume"]) == 2
    err = capsys.readouterr().err
    assert "--dtype" in err and "float32" in err and "float64" in err
    ckpt.unlink()
    assert main(command) == 0
    capsys.readouterr()
    assert main([*command, "--resume", "--dtype", "float32"]) == 2
    err = capsys.readouterr().err
    assert "started with --dtype float64, got --dtype float32" in err


def test_read_data_keeps_an_npz_files_float32_array(tmp_path):
    """20,000 x 20 float32 (1.6 MB): read as float32, the peak is the array loaded and
    its finiteness masks; a float64 copy would add twice the array (it added 2x)."""
    rng = np.random.default_rng(0)
    n, d = 20_000, 20
    X = rng.normal(size=(n, d)).astype(np.float32)
    path = tmp_path / "big.npz"
    np.savez(path, X=X, y=(X[:, 0] > 0).astype(int))
    read_data(path, dtype="float32")  # imports
    tracemalloc.start()
    try:
        table = read_data(path, dtype="float32")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.X.dtype == np.float32
    np.testing.assert_array_equal(table.X, X)
    assert peak < 2 * X.nbytes, peak / X.nbytes


def test_train_float32_holds_no_float64_copy_of_the_features(tmp_path, capsys):
    """The whole run: the array loaded, its standardised rows and their training split,
    float32 each (about 3.9 times the float32 array); a float64 copy of the features
    beside them would take it past 5 (the float64 run: 6.9)."""
    rng = np.random.default_rng(0)
    n, d = 20_000, 20
    X = rng.normal(loc=5.0, scale=3.0, size=(n, d)).astype(np.float32)
    data = tmp_path / "data.npz"
    np.savez(data, X=X, y=(X[:, 0] + X[:, 1] > 10).astype(int))
    args = ["train", str(data), "--epochs", "1", "--hidden", "4", "--batch-size", "512",
            "--seed", "0", "-q", "--dtype", "float32"]
    assert main([*args, "-o", str(tmp_path / "warm.npz")]) == 0  # imports, caches
    tracemalloc.start()
    try:
        assert main([*args, "-o", str(tmp_path / "m.npz")]) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    capsys.readouterr()
    assert peak < 4.6 * X.nbytes, peak / X.nbytes


def test_read_data_refuses_a_value_beyond_float32(tmp_path):
    path = tmp_path / "wide.npz"
    np.savez(path, X=np.array([[1.0, 2.0], [1e300, 3.0]]), y=np.array([0, 1]))
    with pytest.raises(ValueError, match=r"X\[1, 0\] = 1e\+300 is beyond the range of "
                                         "float32"):
        read_data(path, dtype="float32")
    csv = tmp_path / "wide.csv"
    csv.write_text("a,b,y\n1,2,0\n1e300,3,1\n")
    with pytest.raises(ValueError, match=r"wide\.csv line 3, column 'a': 1e\+300 is beyond"):
        read_data(csv, dtype="float32")
    with pytest.raises(ValueError, match="dtype: expected 'float64' or 'float32', got "
                                         "'float16'"):
        read_data(csv, dtype="float16")
