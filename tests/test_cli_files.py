"""What predict and evaluate read and write: the numbers of the CSV, and estimator files.

Run in-process through ``chainrule.cli.main``.  The references are computed
here: a saved network's forward pass, the estimator's own ``predict`` /
``predict_proba`` / ``score`` and scikit-learn's metrics.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


def _read_csv(path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _significant_digits(text: str) -> int:
    mantissa = text.lower().split("e")[0].lstrip("-").replace(".", "")
    return len(mantissa.lstrip("0").rstrip("0")) or 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["identity", "softmax"])
def test_predict_writes_numbers_that_read_back_to_the_models_values(tmp_path, capsys, dtype,
                                                                    output):
    """``predict`` wrote 9 significant digits: a float64 prediction such as
    0.30000000000000004 came back from the CSV as another number (0.3), and a
    float32 one took 9 digits where fewer read back to it (0.1 as 0.100000001).
    Each number is now the shortest text that reads back, in the model's dtype,
    to the value the network computed; class labels stay as they were."""
    rng = np.random.default_rng(3)
    net = cr.mlp([3, 5, 3], hidden="tanh", output=output, seed=0, dtype=dtype)
    net.save(tmp_path / "net.npz")
    X = rng.normal(size=(20, 3))
    np.savez(tmp_path / "x.npz", X=X)
    argv = ["predict", str(tmp_path / "net.npz"), str(tmp_path / "x.npz"),
            "-o", str(tmp_path / "p.csv")]
    assert main(argv + (["--proba"] if output == "softmax" else [])) == 0, \
        capsys.readouterr().err
    header, rows = _read_csv(tmp_path / "p.csv")
    A = cr.load(tmp_path / "net.npz").forward(X)  # the bare network, no metadata
    assert A.dtype == dtype
    if output == "softmax":
        assert header == ["prediction", "proba_0", "proba_1", "proba_2"]
        assert [r[0] for r in rows] == [str(i) for i in A.argmax(axis=1)]  # labels as before
        cells = [r[1:] for r in rows]
    else:
        assert header == ["prediction_0", "prediction_1", "prediction_2"]
        cells = rows
    back = np.array([[dtype(c) for c in row] for row in cells])
    np.testing.assert_array_equal(back, A)  # exactly, not to 9 digits
    for row, values in zip(cells, A, strict=True):
        for text, value in zip(row, values, strict=True):
            d = _significant_digits(text)
            # the shortest: one digit fewer reads back to another number
            assert d == 1 or dtype(f"{float(value):.{d - 2}e}") != value, (text, value)
