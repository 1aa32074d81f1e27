"""``chainrule train DATA --init-from MODEL --val-data FILE``: FILE is encoded as DATA is,
with MODEL's category lists (a category MODEL never saw as all zeros, warned of, not
refused) and MODEL's ``--impute`` fill values; the reference is pandas' encoding by hand
over MODEL's lists and a NumPy forward pass of the network written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule.cli import main
from finetune_tables import colour_table

_MODEL = ["--hidden", "3", "--epochs", "2", "--val-fraction", "0", "--seed", "1", "-q"]
_FINE = ["--optimizer", "sgd", "--lr", "0.05", "--batch-size", "8", "--epochs", "2",
         "--seed", "7", "-q"]


def _table(path, n, colours, seed, gaps=False):
    return colour_table(path, n, colours, seed, (5, 2) if gaps else None)


def _forward(network, A):
    """Dense layers by hand: A = f(A W + b), relu then identity."""
    for layer in network.layers:
        A = A @ layer.W + layer.b
        if layer.activation.name == "relu":
            A = np.maximum(A, 0.0)
        else:
            assert layer.activation.name == "identity"
    return A


@pytest.mark.parametrize("impute", [False, True])
def test_val_data_of_a_category_the_model_never_saw_is_encoded_as_zeros(tmp_path, impute):
    a = _table(tmp_path / "a.csv", 40, ["red", "green", "blue"], 1, gaps=impute)
    b = _table(tmp_path / "b.csv", 20, ["red", "blue"], 2, gaps=impute)
    v = _table(tmp_path / "v.csv", 15, ["red", "blue", "pink"], 3, gaps=impute)  # pink new
    model, out = str(tmp_path / "M.npz"), str(tmp_path / "F.npz")
    fill = ["--impute", "median", "--missing-indicator"] if impute else []
    assert main(["train", a, *_MODEL, *fill, "-o", model]) == 0
    with pytest.warns(UserWarning) as said:
        assert main(["train", b, "--init-from", model, "--val-data", v, *_FINE,
                     "-o", out]) == 0
    text = " ".join(str(w.message) for w in said)
    assert "--val-data " in text and "('pink')" in text
    assert (f"hold a category that the model of --init-from {model} did not have in its "
            "training data ('pink'); encoded as all zeros, as that model has no input for "
            "it") in text
    assert "the training data did not have" not in text  # DATA is the run's training data
    da, dv = pd.read_csv(a), pd.read_csv(v)
    assert (dv["colour"] == "pink").any() and "pink" not in set(pd.read_csv(b)["colour"])
    kept = ["blue", "green", "red"]  # M's list: a.csv's categories, sorted
    dummies = (dv["colour"].to_numpy()[:, None] == np.array(kept)).astype(float)
    median = da["x"].median()  # M's training rows' (no gap without --impute)
    xa, xv = da["x"].fillna(median), dv["x"].fillna(median)
    columns = [((xv - xa.mean()) / xa.std(ddof=0)).to_numpy(), dummies]
    if impute:  # the missing indicator, last
        columns.append(dv["x"].isna().to_numpy(float)[:, None])
        assert dv["x"].isna().any() and abs(median - pd.read_csv(b)["x"].median()) > 1e-3
    X = np.column_stack(columns)
    t = ((dv["y"] - da["y"].mean()) / da["y"].std(ddof=0)).to_numpy()  # M's scaling
    fine = cr.load_model(out)
    a_v = _forward(fine.network, X)[:, 0]
    expected = np.mean(0.5 * (a_v - t) ** 2)  # squared_error: 1/2 (a - y)^2, row mean
    history = fine.metadata["history"]["val_loss"]
    assert len(history) == 2
    assert history[-1] == pytest.approx(expected, rel=1e-9)
