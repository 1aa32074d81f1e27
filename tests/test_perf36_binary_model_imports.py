"""``chainrule predict``, ``predict --proba`` and ``evaluate`` of a binary classifier's
model file (one sigmoid output unit) import no scikit-learn: the sigmoid rows and the
pass in blocks that they need live in ``chainrule._proba_rows``, which imports none.
What the commands print is checked against a forward pass written here in NumPy and
against scikit-learn's metric functions of its probabilities."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as sk

import chainrule
from chainrule.cli import main
from file_helpers import fresh_python


def _numpy_proba(model: Path, X: np.ndarray) -> np.ndarray:
    """[1 - p, p] of the model file by hand: standardised X, ReLU hidden layer, one
    sigmoid unit, each column as 1 / (1 + exp(-+z))."""
    saved = chainrule.load_model(str(model))
    hidden, top = saved.network.layers
    assert hidden.activation.name == "relu" and top.activation.name == "sigmoid"
    S = (X - np.array(saved.metadata["x_mean"])) / np.array(saved.metadata["x_scale"])
    z = (np.maximum(S @ hidden.W + hidden.b, 0) @ top.W + top.b)[:, 0]
    return np.column_stack([1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))])


@pytest.mark.slow  # a fresh Python process: seconds on a busy machine
def test_binary_model_predict_and_evaluate_import_no_scikit_learn(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    y = (X[:, 0] - X[:, 2] + 0.5 * rng.normal(size=240) > 0).astype(int)
    data, model = tmp_path / "d.npz", tmp_path / "m.npz"
    proba_csv, labels_csv = tmp_path / "p.csv", tmp_path / "l.csv"
    np.savez(data, X=X, y=y)
    assert main(["train", str(data), "--hidden", "5", "--epochs", "3", "-q",
                 "-o", str(model)]) == 0
    code = ("import sys; from chainrule.cli import main; "
            f"assert main(['predict', {str(model)!r}, {str(data)!r}, '--proba', "
            f"'-o', {str(proba_csv)!r}]) == 0; "
            f"assert main(['predict', {str(model)!r}, {str(data)!r}, "
            f"'-o', {str(labels_csv)!r}]) == 0; "
            f"assert main(['evaluate', {str(model)!r}, {str(data)!r}, '--json']) == 0; "
            "print('sklearn' in sys.modules)")
    lines = fresh_python(code)
    assert lines[-1] == "False"  # scikit-learn never imported
    P = _numpy_proba(model, X)
    with open(proba_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    written = np.array([[float(r["proba_0"]), float(r["proba_1"])] for r in rows])
    np.testing.assert_allclose(written, P, rtol=1e-12, atol=0)
    with open(labels_csv, newline="") as f:
        labels = np.array([int(r["y"]) for r in csv.DictReader(f)])
    np.testing.assert_array_equal(labels, P.argmax(axis=1))
    np.testing.assert_array_equal(np.array([int(r["y"]) for r in rows]), P.argmax(axis=1))
    said = [line for line in lines[:-1] if " predictions written to " not in line]
    scores = json.loads("\n".join(said))
    pred = P.argmax(axis=1)
    assert scores["samples"] == 240
    assert scores["accuracy"] == sk.accuracy_score(y, pred)
    assert scores["balanced_accuracy"] == pytest.approx(sk.balanced_accuracy_score(y, pred))
    assert scores["f1_macro"] == pytest.approx(sk.f1_score(y, pred, average="macro"))
    assert scores["log_loss"] == pytest.approx(sk.log_loss(y, P), rel=1e-12)
    assert scores["roc_auc"] == pytest.approx(sk.roc_auc_score(y, P[:, 1]), rel=1e-12)
    assert scores["average_precision"] == pytest.approx(
        sk.average_precision_score(y, P[:, 1]), rel=1e-12)


def test_the_estimators_and_model_files_share_one_copy_of_the_row_functions():
    from chainrule import _estimators_classifier, _proba_rows, _saved_model_outputs

    for name in ("_sigmoid_binary", "_log_sigmoid_binary", "_log_softmax_rows"):
        assert getattr(_estimators_classifier, name) is getattr(_proba_rows, name)
        assert getattr(_saved_model_outputs, name) is getattr(_proba_rows, name)
    assert _estimators_classifier._log_sigmoid is _proba_rows._log_sigmoid


def test_sigmoid_rows_keep_each_columns_digits():
    """[sigmoid(-z), sigmoid(z)] and their logs against math's exp and log1p: each column
    to its own relative precision, where 1 - sigmoid(z) rounds to 0 (z = 700)."""
    import math

    from chainrule._proba_rows import _log_sigmoid_binary, _sigmoid_binary

    z = np.array([[0.0], [2.0], [-3.5], [700.0], [-700.0]])
    expected = np.array([[1 / (1 + math.exp(v)), 1 / (1 + math.exp(-v))] for v in z[:, 0]])
    np.testing.assert_allclose(_sigmoid_binary(z), expected, rtol=4e-16, atol=0)
    assert _sigmoid_binary(z)[3, 0] > 0  # e^-700 / (1 + e^-700), not 1 - 1 = 0
    # log(1 + e^v) = max(v, 0) + log1p(e^-|v|)
    softplus = [max(v, 0) + math.log1p(math.exp(-abs(v))) for v in z[:, 0]]
    softplus_neg = [max(-v, 0) + math.log1p(math.exp(-abs(v))) for v in z[:, 0]]
    np.testing.assert_allclose(_log_sigmoid_binary(z), -np.column_stack([softplus, softplus_neg]),
                               rtol=4e-16, atol=0)
