"""`chainrule train` with a margin loss: multiclass_hinge (cs231n's SVM loss) and hinge
(micrograd's, two classes mapped to -1/+1 as scikit-learn's LabelBinarizer(neg_label=-1)
maps them) train identity scores; the model file predicts classes by the scores' argmax /
sign, evaluate scores them (accuracy, ROC AUC of the scores; no log loss), and what needs
probabilities (--proba, predict_proba, a softmax/sigmoid output) is refused saying why.
Checked against scikit-learn's metrics on the model's own scores."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics
from sklearn.preprocessing import LabelBinarizer

from chainrule.cli import main
from chainrule.saved_model import load_model


def _data(tmp_path, k: int) -> tuple[str, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(k)
    X = rng.normal(size=(60, 2))
    if k == 2:
        y = np.where(X[:, 0] + 0.5 * rng.normal(size=60) > 0, "yes", "no")
    else:
        y = np.where(X[:, 0] > 0.4, "c", np.where(X[:, 1] + 0.5 * rng.normal(size=60) > 0,
                                                  "a", "b"))
    path = tmp_path / f"d{k}.csv"
    rows = "".join(f"{float(a)!r},{float(b)!r},{c}\n" for (a, b), c in zip(X, y, strict=True))
    path.write_text("x1,x2,label\n" + rows)
    return str(path), X, y


def _train(tmp_path, data: str, loss: str, *more: str) -> str:
    out = str(tmp_path / f"{loss}.json")
    assert main(["train", data, "--target", "label", "--loss", loss, "--hidden", "8",
                 "--epochs", "15", "--seed", "0", "-o", out, *more]) == 0
    return out + ".npz"


def test_multiclass_hinge_trains_scores_and_is_scored_on_them(tmp_path, capsys):
    data, X, y = _data(tmp_path, 3)
    model_path = _train(tmp_path, data, "multiclass_hinge")
    train_out = capsys.readouterr().out
    assert "log loss" not in train_out and "training accuracy" in train_out
    model = load_model(model_path)
    assert model.network.output_activation.name == "identity"
    assert model.network.n_outputs == 3
    scores = model.class_scores(X)
    np.testing.assert_array_equal(scores, model.outputs(X))
    labels = np.array(model.labels)
    np.testing.assert_array_equal(model.predict(X), labels[scores.argmax(axis=1)])
    assert main(["evaluate", model_path, data, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "log_loss" not in result
    codes = np.searchsorted(labels, y)
    assert result["accuracy"] == pytest.approx(
        metrics.accuracy_score(y, labels[scores.argmax(axis=1)]), abs=1e-15)
    ovr = np.mean([metrics.roc_auc_score(codes == c, scores[:, c]) for c in range(3)])
    assert result["roc_auc"] == pytest.approx(ovr, rel=1e-12)
    assert result["f1_macro"] == pytest.approx(metrics.f1_score(
        codes, scores.argmax(axis=1), average="macro"), rel=1e-12)


def test_hinge_maps_two_classes_to_signs_as_label_binarizer(tmp_path, capsys):
    data, X, y = _data(tmp_path, 2)
    model_path = _train(tmp_path, data, "hinge")
    capsys.readouterr()
    model = load_model(model_path)
    assert model.network.n_outputs == 1
    assert model.network.output_activation.name == "identity"
    lb = LabelBinarizer(neg_label=-1).fit(y)
    signs = lb.transform(y)  # (n, 1) of -1/+1, the second class +1
    s = model.outputs(X)[:, 0]
    # the cost of the network on LabelBinarizer's signs (scaled inputs) is the hinge
    Xs = model._inputs(X, "error")
    cost = model.network.evaluate(Xs, signs.astype(float))
    assert cost["loss"] == pytest.approx(np.mean(np.maximum(0, 1 - signs[:, 0] * s)),
                                         rel=1e-12)
    # SGDClassifier(loss="hinge")'s rule: classes_[1] where the score is > 0
    expected = lb.classes_[(s > 0).astype(int)]
    np.testing.assert_array_equal(model.predict(X), expected)
    assert main(["evaluate", model_path, data, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["accuracy"] == pytest.approx(metrics.accuracy_score(y, expected), abs=1e-15)
    assert result["roc_auc"] == pytest.approx(
        metrics.roc_auc_score(signs[:, 0], s), rel=1e-12)
    assert cost["accuracy"] == pytest.approx(result["accuracy"], abs=1e-15)
    out = str(tmp_path / "p.csv")
    assert main(["predict", model_path, data, "-o", out]) == 0
    written = [line for line in open(out).read().split("\n")[1:] if line]
    assert written == list(expected)


def test_what_needs_probabilities_is_refused(tmp_path, capsys):
    data, X, _ = _data(tmp_path, 2)
    model_path = _train(tmp_path, data, "hinge")
    capsys.readouterr()
    assert main(["predict", model_path, data, "--proba"]) == 2
    assert "class scores, not probabilities" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"margin loss 'hinge'.*not probabilities"):
        load_model(model_path).predict_proba(X)
    assert main(["train", data, "--target", "label", "--loss", "hinge", "--output",
                 "sigmoid", "-o", str(tmp_path / "s.json")]) == 2
    assert "give --output identity" in capsys.readouterr().err
    data3, _, _ = _data(tmp_path, 3)
    assert main(["train", data3, "--target", "label", "--loss", "hinge",
                 "-o", str(tmp_path / "h3.json")]) == 2
    assert "use --loss multiclass_hinge" in capsys.readouterr().err
    assert main(["train", data3, "--target", "label", "--loss", "svm", "--output",
                 "softmax", "-o", str(tmp_path / "s3.json")]) == 2
    assert "give --output identity" in capsys.readouterr().err
