"""``chainrule hessian MODEL DATA --sample-weight COLUMN``: the curvature of the weighted cost.

References independent of the command's weighting: the full Hessian stacked from ``H e_i``
of the rows *repeated* as many times as their integer weight (no weights at all) and
``np.linalg.eigvalsh``; the cost written out in NumPy as the weighted mean log loss; and
:func:`chainrule.hessian_eigenvalues` given ``sample_weight=w``.  A weight column of integers
equals repeating the rows (the house's check of a weighted cost).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import chainrule
from chainrule.hessian import hessian_vector_products
from chainrule.saved_model import SavedModel
from file_helpers import cli_fails, cli_out, write_rows_csv
from test_hessian2_cli import _full_hessian, _scaled


def _weighted_csv(path, X, y, w):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "w", "t"])
        for row, wi, target in zip(X, w, y, strict=True):
            writer.writerow([*map(repr, map(float, row)), int(wi), target])
    return str(path)


@pytest.fixture(scope="module")
def weighted(tmp_path_factory):
    """A model trained on 30 rows, the rows with integer weights 0..3, and the rows
    repeated as many times as their weight."""
    tmp = tmp_path_factory.mktemp("hw")
    rng = np.random.default_rng(11)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    w = rng.integers(0, 4, size=30)
    w[:2] = (2, 3)  # both classes weighted
    data = _weighted_csv(tmp / "w.csv", X, y, w)
    repeated = write_rows_csv(tmp / "r.csv", ["a", "b", "t"], np.repeat(X, w, axis=0),
                              np.repeat(y, w))
    model = tmp / "m.npz"
    from chainrule.cli import main

    assert main(["train", data, "--target", "t", "--features", "a", "b", "--hidden", "3",
                 "--activation", "tanh", "--epochs", "4", "--weight-decay", "0.02", "-q",
                 "-o", str(model)]) == 0
    return str(model), data, repeated, X, y, w


def test_weighted_figures_equal_the_repeated_rows_and_numpy(weighted, capsys):
    model, data, repeated, X, y, w = weighted
    f = json.loads(cli_out(capsys, ["hessian", model, data, "--sample-weight", "w", "--k",
                                    "3", "--trace", "--probes", "4", "--json"]))
    net = SavedModel.load(model).network
    Xs = _scaled(model, X)
    # the stacked Hessian of the repeated rows, no weights: eigvalsh, largest first
    Xr, Yr = np.repeat(Xs, w, axis=0), np.repeat(y, w).astype(float)[:, None]
    exact = np.linalg.eigvalsh(_full_hessian(net, Xr, Yr))[::-1]
    np.testing.assert_allclose(f["eigenvalues"], exact[:3], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(
        f["eigenvalues"], chainrule.hessian_eigenvalues(net, Xs, y, k=3, sample_weight=w),
        rtol=1e-12)
    assert f["lr_bound"] == pytest.approx(2.0 / exact[0], rel=1e-7)
    # J in NumPy: the weighted mean log loss + (0.02 / 2) sum W^2 (ufldl's decay)
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in net.layers]
    p = 1.0 / (1.0 + np.exp(-(np.tanh(Xs @ W1 + b1) @ W2 + b2)))[:, 0]
    losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    J = np.sum(w * losses) / np.sum(w) + 0.01 * (np.sum(W1**2) + np.sum(W2**2))
    assert f["J"] == pytest.approx(J, rel=1e-10)
    assert (f["sample_weight"], f["weights_sum"], f["samples"]) == ("w", float(w.sum()), 30)
    # the trace's estimate: its probes are of the weighted Hessian (each H e_i weighted)
    trace = chainrule.hessian_trace(net, Xs, y, n_probes=4, sample_weight=w, seed=0)
    assert f["trace"]["estimate"] == pytest.approx(trace.trace, rel=1e-12)
    # the whole output equals that of the repeated rows, without weights
    g = json.loads(cli_out(capsys, ["hessian", model, repeated, "--k", "3", "--trace",
                                    "--probes", "4", "--json"]))
    for key in ("J", "grad_norm", "lambda_max", "lr_bound"):
        assert f[key] == pytest.approx(g[key], rel=1e-9), key
    np.testing.assert_allclose(f["eigenvalues"], g["eigenvalues"], rtol=1e-8)
    np.testing.assert_allclose(np.trace(_full_hessian(net, Xr, Yr)),
                               np.trace(hessian_vector_products(
                                   net, Xs, y.astype(float)[:, None], np.eye(net.n_params),
                                   sample_weight=w)), rtol=1e-10)


def test_text_says_the_cost_is_weighted(weighted, capsys):
    model, data, *_ , w = weighted
    text = cli_out(capsys, ["hessian", model, data, "--sample-weight", "w"])
    assert (f"(mean log_loss weighted by the column 'w' (--sample-weight; the weights sum "
            f"to {w.sum()}) + weight decay 0.02, as training computes it)") in text
    plain = cli_out(capsys, ["hessian", model, data])
    assert "weighted" not in plain


def test_weights_unlike_them_change_the_figures(weighted, capsys):
    model, data, *_ = weighted
    f = json.loads(cli_out(capsys, ["hessian", model, data, "--sample-weight", "w", "--json"]))
    g = json.loads(cli_out(capsys, ["hessian", model, data, "--json"]))
    assert f["J"] != pytest.approx(g["J"], rel=1e-6)  # the weights do weigh
    assert g["sample_weight"] is None and "weights_sum" not in g


@pytest.mark.parametrize("column, words", [
    ("a", "--sample-weight a: the column is a feature of"),
    ("t", "--sample-weight t: the column is the target"),
    ("nope", "--sample-weight nope: "),  # (as evaluate says it: "w.csv has no column")
])
def test_a_bad_weight_column_is_refused_as_evaluate_refuses_it(weighted, capsys, column,
                                                               words):
    model, data, *_ = weighted
    err = cli_fails(capsys, ["hessian", model, data, "--sample-weight", column])
    assert words in err
    assert err == cli_fails(capsys, ["evaluate", model, data, "--sample-weight", column])
