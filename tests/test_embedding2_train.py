"""``chainrule train --layers`` starting with an Embedding layer under the default
``--scale standard``: its input columns are indices, left as they are (standardised, they
were fractions that the layer refused), and the model file's predict and evaluate take the
raw indices.  The reference is the saved network's numbers recomputed in plain NumPy."""

from __future__ import annotations

import json

import numpy as np

import chainrule as cr
from file_helpers import cli_out, cli_proba, write_rows_csv

V, DIM, BLOCK = 5, 2, 3
LAYERS = [{"type": "Embedding", "num_embeddings": V, "embedding_dim": DIM},
          {"type": "Dense", "fan_out": 4, "activation": "tanh"}]


def token_csv(path, n=60, seed=0, regression=False):
    """Rows of BLOCK indices in [0, V); target: whether the first two agree (or, for a
    regression, their sum)."""
    idx = np.random.default_rng(seed).integers(0, V, (n, BLOCK))
    y = idx[:, 0] + idx[:, 1] if regression else (idx[:, 0] == idx[:, 1]).astype(int)
    return idx, y, write_rows_csv(path, ["t0", "t1", "t2", "y"], idx, y)


def numpy_forward(net, idx):
    """The network of LAYERS and a sigmoid output, in NumPy: table rows, tanh, sigmoid."""
    C, hidden, out = net.layers[0].W, net.layers[1], net.layers[2]
    emb = C[idx].reshape(len(idx), -1)  # Karpathy's C[X].view(n, -1)
    h = np.tanh(emb @ hidden.W + hidden.b)
    return 1.0 / (1.0 + np.exp(-(h @ out.W + out.b)))


def test_default_scale_leaves_the_indices_and_predict_takes_them_raw(tmp_path, capsys):
    idx, y, data = token_csv(tmp_path / "tokens.csv")
    model = tmp_path / "m.npz"
    out = cli_out(capsys, ["train", data, "--target", "y", "--layers", json.dumps(LAYERS),
                           "--epochs", 3, "--seed", 0, "-o", model])
    assert "the Embedding layer's indices: taken as they are, not standardised" in out
    saved = cr.load_model(model)
    assert "x_mean" not in saved.metadata and "x_scale" not in saved.metadata
    p1 = numpy_forward(saved.network, idx)[:, 0]
    proba = cli_proba(capsys, model, data, tmp_path / "p.csv", ["0", "1"])
    np.testing.assert_allclose(proba[:, 1], p1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(proba[:, 0], 1.0 - p1, rtol=1e-12, atol=1e-15)
    said = cli_out(capsys, ["evaluate", model, data])
    accuracy = np.mean((p1 >= 0.5) == (y == 1))
    assert f"accuracy: {float(f'{accuracy:.6g}')}" in said


def test_a_regression_target_is_still_standardised(tmp_path, capsys):
    _, y, data = token_csv(tmp_path / "sums.csv", regression=True)
    model = tmp_path / "r.npz"
    cli_out(capsys, ["train", data, "--target", "y", "--layers", json.dumps(LAYERS),
                     "--task", "regression", "--val-fraction", 0, "--epochs", 2, "-o", model])
    meta = cr.load_model(model).metadata
    assert "x_mean" not in meta  # the indices as they are, the target standardised:
    np.testing.assert_allclose([meta["y_mean"], meta["y_scale"]], [y.mean(), y.std()],
                               rtol=1e-12)
