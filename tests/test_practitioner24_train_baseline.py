"""train of a regression says on stderr when a linear model, scikit-learn's RidgeCV
fitted on its training rows, scores a higher R^2 than the network on its validation
rows.  --time-ordered makes the validation rows the last ceil(0.1 n), so that the test
fits the same reference itself, with R^2 in plain NumPy."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import StandardScaler

from file_helpers import cli_ok


def _ridge_r2(X: np.ndarray, y: np.ndarray, n_val: int) -> float:
    scaler = StandardScaler().fit(X[:-n_val])
    pred = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(
        scaler.transform(X[:-n_val]), y[:-n_val]).predict(scaler.transform(X[-n_val:]))
    t = y[-n_val:]
    return float(1.0 - np.sum((t - pred) ** 2) / np.sum((t - t.mean()) ** 2))


def test_train_says_a_line_does_better_on_the_validation_rows(capsys, tmp_path):
    X, y = load_diabetes(return_X_y=True)
    n_val = int(np.ceil(0.1 * len(y)))  # 45
    ref = _ridge_r2(X, y, n_val)
    out, err = cli_ok(capsys, ["train", "diabetes", "--time-ordered", "--hidden", "2",
                             "--epochs", "1", "-q", "-o", tmp_path / "m.npz"])
    net = float(out.split("validation ")[-1].split("r2 ")[-1].split()[0])
    assert net < ref  # one epoch of two units
    assert (f"note: on the {n_val} validation rows a linear model (RidgeCV on the "
            f"standardised features, fitted on the {len(y) - n_val} training rows) scores "
            f"r2 {ref:.4g}, the network {net:.4g}") in err


def test_no_note_where_the_network_beats_the_line(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(200, 1))
    y = np.sin(2.5 * X[:, 0]) + 0.05 * rng.normal(size=200)
    np.savez(tmp_path / "s.npz", X=X, y=y)
    out, err = cli_ok(capsys, ["train", tmp_path / "s.npz", "--time-ordered", "--hidden", "32",
                             "--activation", "tanh", "--epochs", "60", "-q", "-o",
                             tmp_path / "m.npz"])
    net = float(out.split("validation ")[-1].split("r2 ")[-1].split()[0])
    assert net > _ridge_r2(X, y, 20)
    assert "linear model" not in err


def test_no_note_of_fewer_than_20_validation_rows(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=100)  # a line fits it
    np.savez(tmp_path / "l.npz", X=X, y=y)
    base = ["train", tmp_path / "l.npz", "--time-ordered", "--hidden", "2", "--epochs", "1",
            "-q", "-o", tmp_path / "m.npz"]
    _, err = cli_ok(capsys, [*base, "--val-fraction", "0.19"])  # ceil(0.19 x 100) = 19 rows
    assert "linear model" not in err
    out, err = cli_ok(capsys, [*base, "--val-fraction", "0.2"])  # 20 rows: compared
    net = float(out.split("validation ")[-1].split("r2 ")[-1].split()[0])
    ref = _ridge_r2(X, y, 20)
    assert net < ref and "on the 20 validation rows" in err
    assert f"scores r2 {ref:.4g}, the network {net:.4g}" in err
