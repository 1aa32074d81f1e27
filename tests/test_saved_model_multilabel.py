"""A network saved by chainrule.io.save (no task recorded) whose output is several
sigmoid units trained with log_loss is a multi-label classifier, as Network.evaluate
takes it: evaluate scores it by subset accuracy, hamming loss and log loss (checked
against scikit-learn on the same probabilities), predict writes 0/1 labels and, with
--proba, the probabilities, and info says classification.  Before, the CLI took it for
a regression of its probabilities: evaluate printed their MSE and R^2 against the 0/1
targets, plot confusion called it a regression model and predict --proba was refused.
Sigmoid outputs of another loss (squared_error) stay a regression of bounded values."""

import csv
import json

import numpy as np
import pytest
from sklearn import metrics

import chainrule as cr
from chainrule.cli import main
from chainrule.saved_model import SavedModel


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def multilabel(tmp_path):
    rng = np.random.default_rng(3)
    net = cr.mlp([3, 5, 2], hidden="tanh", output="sigmoid", loss="log_loss", seed=0)
    path = str(net.save(tmp_path / "net.npz"))
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)
    data = tmp_path / "data.csv"
    with open(data, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "c", "t1", "t2"])
        w.writerows([[*map(repr, x), *y] for x, y in zip(X.tolist(), Y.tolist(), strict=True)])
    features = tmp_path / "x.csv"
    with open(features, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b", "c"])
        w.writerows([list(map(repr, x)) for x in X.tolist()])
    # the network's probabilities by hand: tanh hidden layer, sigmoid outputs
    hidden, out = net.layers
    P = _sigmoid(np.tanh(X @ hidden.W + hidden.b) @ out.W + out.b)
    return path, str(data), str(features), Y, P


def test_evaluate_scores_it_as_a_multilabel_classifier(multilabel, capsys):
    path, data, _, Y, P = multilabel
    assert main(["evaluate", path, data, "--target", "t1", "t2", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    pred = (P > 0.5).astype(int)
    assert scores["accuracy"] == pytest.approx(metrics.accuracy_score(Y, pred), abs=1e-12)
    assert scores["hamming_loss"] == pytest.approx(metrics.hamming_loss(Y, pred), abs=1e-12)
    per_target = [metrics.log_loss(Y[:, j], P[:, j], labels=[0, 1]) for j in range(2)]
    assert scores["log_loss"] == pytest.approx(np.mean(per_target), rel=1e-9)
    assert scores["targets"]["t2"]["log_loss"] == pytest.approx(per_target[1], rel=1e-9)
    assert scores["roc_auc"] == pytest.approx(metrics.roc_auc_score(Y, P), rel=1e-9)
    assert "mse" not in scores and "r2" not in scores
    # no --target: the file names no target columns, and evaluate asks for them
    assert main(["evaluate", path, data]) == 2
    err = capsys.readouterr().err
    assert "the model predicts 2 labels per example, and names no target columns" in err


def test_predict_writes_labels_and_probabilities(multilabel, tmp_path, capsys):
    path, _, features, _, P = multilabel
    out = tmp_path / "p.csv"
    assert main(["predict", path, features, "--proba", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["prediction_0", "prediction_1", "proba_prediction_0",
                       "proba_prediction_1"]
    cells = np.array(rows[1:], dtype=float)
    np.testing.assert_array_equal(cells[:, :2], (P > 0.5).astype(float))
    np.testing.assert_allclose(cells[:, 2:], P, rtol=1e-12)


def test_info_and_plot_confusion_say_what_it_is(multilabel, tmp_path, capsys):
    path, data, _, _, _ = multilabel
    assert main(["info", path]) == 0
    out = capsys.readouterr().out
    assert "task: classification" in out
    assert "classes of each target: output 0 (0/1), output 1 (0/1)" in out
    assert main(["plot", "confusion", path, data, "-o", str(tmp_path / "c.png")]) == 2
    assert "holds a multi-label classifier" in capsys.readouterr().err


def test_sigmoid_outputs_of_squared_error_stay_a_regression(tmp_path):
    net = cr.mlp([3, 5, 2], hidden="tanh", output="sigmoid", loss="squared_error", seed=0)
    model = SavedModel.load(net.save(tmp_path / "net.npz"))
    assert model.task == "regression" and not model.multilabel
    net = cr.mlp([3, 5, 2], hidden="tanh", output="sigmoid", loss="log_loss", seed=0)
    model = SavedModel.load(net.save(tmp_path / "net.npz"))
    assert model.task == "classification" and model.multilabel
    assert model.labels == [[0, 1], [0, 1]]
