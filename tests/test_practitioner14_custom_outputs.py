"""evaluate (and importance) of a network saved as a classifier whose output layer is no
softmax or sigmoid (identity; several sigmoid units under squared_error): its outputs
are class scores, not probabilities.  evaluate failed with scikit-learn's bare "y_prob
contains values lower than 0" (and importance --scoring roc_auc with "Input contains
NaN", the log of a negative output), or printed the log loss of the outputs divided by
their row sums with scikit-learn's "do not sum to one" warning.  Now the log loss is left
out, saying why; ROC AUC of two classes ranks the examples by the output, as
scikit-learn's roc_auc_score ranks a decision_function; of three or more, the macro
one-vs-rest average of each class's output (as a margin loss's class scores are ranked),
where evaluate had left it out in the words of scikit-learn's multi_class="ovr", which
refuses rows that do not sum to 1."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

import chainrule as cr
from chainrule.cli import main
from chainrule.saved_model import SavedModel, load_model


def _data(tmp_path, k):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    y = np.arange(60) % k  # every class present
    frame = pd.DataFrame(X, columns=["p", "q", "r"])
    frame["t"] = y
    frame.to_csv(tmp_path / "d.csv", index=False)
    return frame, y


def _saved(tmp_path, act, k, loss="squared_error"):
    net = cr.Network([cr.Dense(3, 5, activation="tanh"), cr.Dense(5, k, activation=act)],
                     loss=loss)
    path = tmp_path / f"{act}{k}.npz"
    SavedModel(net, {"task": "classification",
                     "labels": list(range(max(k, 2)))}).save(path)
    return path


def _ovr_auc(y, S, w=None):
    """The macro one-vs-rest ROC AUC of class scores ``S`` (n_samples, n_classes): each
    class's binary AUC of its own column, their mean taken in NumPy."""
    return np.mean([metrics.roc_auc_score(y == j, S[:, j], sample_weight=w)
                    for j in range(S.shape[1])])


def _evaluate(capsys, *args):
    capsys.readouterr()
    assert main(["evaluate", *map(str, args), "--target", "t", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("act, k", [("identity", 1), ("identity", 3), ("sigmoid", 3)])
def test_evaluate_scores_class_scores_without_a_log_loss(tmp_path, capsys, act, k):
    frame, y = _data(tmp_path, max(k, 2))
    path = _saved(tmp_path, act, k)
    A = load_model(path).outputs(frame[["p", "q", "r"]].to_numpy())
    S = np.column_stack([1 - A[:, 0], A[:, 0]]) if k == 1 else A  # the class scores
    assert (S.min() < 0 or S.max() > 1 or not np.allclose(S.sum(axis=1), 1)), "probabilities"
    got = _evaluate(capsys, path, tmp_path / "d.csv")
    pred = S.argmax(axis=1)
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred), abs=1e-12)
    assert got["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(y, pred), abs=1e-12)
    assert got["f1_macro"] == pytest.approx(metrics.f1_score(y, pred, average="macro"),
                                            abs=1e-12)
    if k == 1:  # two classes: the output ranks the examples, as a decision_function
        assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, A[:, 0]), abs=1e-12)
    else:  # each class's output against the others, averaged (was: left out)
        assert got["roc_auc"] == pytest.approx(_ovr_auc(y, A), abs=1e-12)
        assert "roc_auc_left_out" not in got
    assert "log_loss" not in got
    assert got["log_loss_left_out"].startswith("the model's outputs are no probabilities")
    capsys.readouterr()
    assert main(["evaluate", str(path), str(tmp_path / "d.csv"), "--target", "t"]) == 0
    out, err = capsys.readouterr()
    assert "log loss: left out, the model's outputs are no probabilities" in out
    assert "do not sum to one" not in err


def test_importance_of_class_scores(tmp_path, capsys):
    frame, y = _data(tmp_path, 2)
    path = _saved(tmp_path, "identity", 1)
    capsys.readouterr()
    assert main(["importance", str(path), str(tmp_path / "d.csv"), "--target", "t",
                 "--scoring", "roc_auc", "--json", "-q"]) == 0
    got = json.loads(capsys.readouterr().out)
    A = load_model(path).outputs(frame[["p", "q", "r"]].to_numpy())
    assert got["baseline"] == pytest.approx(metrics.roc_auc_score(y, A[:, 0]), abs=1e-12)
    assert main(["importance", str(path), str(tmp_path / "d.csv"), "--target", "t",
                 "--scoring", "log_loss", "-q"]) == 2
    assert "the model's outputs are no probabilities" in capsys.readouterr().err


@pytest.mark.parametrize("act", ["identity", "sigmoid"])
def test_importance_ranks_three_class_scores_one_vs_rest(tmp_path, capsys, act):
    """importance --scoring roc_auc of three classes' raw outputs: the baseline is the
    macro one-vs-rest AUC of each class's output (it refused the score before), and so
    is each shuffle's, weighted where --sample-weight weighs the rows."""
    frame, y = _data(tmp_path, 3)
    path = _saved(tmp_path, act, 3)
    A = load_model(path).outputs(frame[["p", "q", "r"]].to_numpy())
    capsys.readouterr()
    assert main(["importance", str(path), str(tmp_path / "d.csv"), "--target", "t",
                 "--scoring", "roc_auc", "--json", "-q"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["baseline"] == pytest.approx(_ovr_auc(y, A), abs=1e-12)
    w = 1.0 + np.arange(60) % 4
    frame.assign(w=w).to_csv(tmp_path / "w.csv", index=False)
    assert main(["importance", str(path), str(tmp_path / "w.csv"), "--target", "t",
                 "--sample-weight", "w", "--scoring", "roc_auc", "--json", "-q"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["baseline"] == pytest.approx(_ovr_auc(y, A, w), abs=1e-12)


def test_a_softmax_keeps_its_log_loss(tmp_path, capsys):
    frame, y = _data(tmp_path, 3)
    path = _saved(tmp_path, "softmax", 3, "cross_entropy")
    P = load_model(path).predict_proba(frame[["p", "q", "r"]].to_numpy())
    got = _evaluate(capsys, path, tmp_path / "d.csv")
    assert got["log_loss"] == pytest.approx(metrics.log_loss(y, P), rel=1e-12)
    assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, P, multi_class="ovr"),
                                           rel=1e-12)
    assert "log_loss_left_out" not in got


def test_predict_proba_says_the_columns_are_no_probabilities(tmp_path, capsys):
    frame, _ = _data(tmp_path, 3)
    frame[["p", "q", "r"]].to_csv(tmp_path / "x.csv", index=False)
    path = _saved(tmp_path, "identity", 3)
    capsys.readouterr()
    with pytest.warns(UserWarning) as record:
        assert main(["predict", str(path), str(tmp_path / "x.csv"), "--proba"]) == 0
    out = capsys.readouterr().out
    said = [str(w.message) for w in record]
    A = load_model(path).outputs(frame[["p", "q", "r"]].to_numpy())
    written = pd.read_csv(io.StringIO(out))
    np.testing.assert_array_equal(written[["proba_0", "proba_1", "proba_2"]].to_numpy(), A)
    np.testing.assert_array_equal(written["prediction"].to_numpy(), A.argmax(axis=1))
    assert [w for w in said if w.startswith(
        f"--proba: the model's outputs on {tmp_path / 'x.csv'} are no probabilities")], said
    with warnings.catch_warnings():  # a softmax's: no word
        warnings.simplefilter("error")
        assert main(["predict", str(_saved(tmp_path, "softmax", 3, "cross_entropy")),
                     str(tmp_path / "x.csv"), "--proba"]) == 0
