"""``chainrule predict`` and ``evaluate`` of a classifier run the network once over DATA.

predict of an estimator's file ran it twice (``predict_proba``, then the estimator's
``predict``), where a model file of ``chainrule train`` takes the labels from the
probabilities of its one pass; evaluate ran every classifier twice (its accuracy's
probabilities, then its log loss's), three times for several targets.  The passes are
counted at the network's evaluation pass, which every model's inference enters once per
call; the references are the estimator's own ``predict`` and ``predict_proba`` and
scikit-learn's metrics of them.
"""

from __future__ import annotations

import csv
import io
import json
import warnings

import numpy as np
import pytest
from sklearn import metrics
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule import _network_inference
from chainrule.cli import main


@pytest.fixture
def passes(monkeypatch):
    """The number of evaluation passes over a network since the test began."""
    count, real = [0], _network_inference._EvaluationPass.__enter__

    def counted(self):
        count[0] += 1
        return real(self)

    monkeypatch.setattr(_network_inference._EvaluationPass, "__enter__", counted)
    return count


def _fit(kind: str, X: np.ndarray, y: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kind == "softmax_regression":
            return cr.SoftmaxRegression(max_iter=20).fit(X, y)
        return cr.MLPClassifier((5,), max_iter=30, random_state=0).fit(X, y)


def _data(kind: str):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3))
    if kind == "multilabel":
        y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)
    elif kind == "binary":
        y = np.where(X[:, 0] + 0.3 * rng.normal(size=50) > 0, "yes", "no")
    else:  # three classes
        y = np.digitize(X[:, 0] - X[:, 1], [-0.5, 0.5])
    return X, y


def _write(path, X, y=None) -> None:
    names = ["a", "b", "c"] + ([] if y is None else ["u", "v"] if np.ndim(y) == 2 else ["y"])
    targets = [[]] * len(X) if y is None else np.reshape(y, (len(X), -1)).tolist()
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        writer.writerows([[*map(repr, map(float, x)), *map(str, t)]
                          for x, t in zip(X, targets, strict=True)])


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel", "softmax_regression"])
def test_predict_of_an_estimator_file_is_one_pass_with_its_own_labels(kind, tmp_path,
                                                                       capsys, passes):
    X, y = _data("multiclass" if kind == "softmax_regression" else kind)
    est = _fit(kind, X, y)
    est.save(tmp_path / "est.npz")
    _write(tmp_path / "x.csv", X)
    capsys.readouterr()
    passes[0] = 0
    assert main(["predict", str(tmp_path / "est.npz"), str(tmp_path / "x.csv"),
                 "--proba"]) == 0
    assert passes[0] == 1  # 2 before: predict_proba, then the estimator's predict
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    body = np.array(table[1:], dtype=object)
    labels = np.asarray(est.predict(X))
    k = 1 if labels.ndim == 1 else labels.shape[1]
    np.testing.assert_array_equal(body[:, :k], labels.reshape(len(X), k).astype(str))
    np.testing.assert_allclose(body[:, k:].astype(float), est.predict_proba(X), rtol=1e-15)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_evaluate_of_a_classifier_is_one_pass(kind, tmp_path, capsys, passes):
    X, y = _data(kind)
    est = _fit(kind, X, y)
    est.save(tmp_path / "est.npz")
    _write(tmp_path / "d.csv", X, y)
    target = ["--target", "u", "v"] if kind == "multilabel" else ["--target", "y"]
    capsys.readouterr()
    passes[0] = 0
    assert main(["evaluate", str(tmp_path / "est.npz"), str(tmp_path / "d.csv"), *target,
                 "--json"]) == 0
    assert passes[0] == 1  # 2 before (3 of several targets)
    got = json.loads(capsys.readouterr().out)
    pred, proba = est.predict(X), est.predict_proba(X)
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred), abs=1e-12)
    if kind != "multilabel":
        assert got["log_loss"] == pytest.approx(metrics.log_loss(y, proba, labels=est.classes_),
                                                rel=1e-9)
        assert got["f1_macro"] == pytest.approx(metrics.f1_score(y, pred, average="macro"),
                                                abs=1e-12)


def test_evaluate_of_a_train_model_file_is_one_pass_with_its_report(tmp_path, capsys,
                                                                   passes):
    X, y = _data("multiclass")
    _write(tmp_path / "d.csv", X, y)
    assert main(["train", str(tmp_path / "d.csv"), "--hidden", "4", "--epochs", "3", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    model = cr.load_model(tmp_path / "m.npz")
    capsys.readouterr()
    passes[0] = 0
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--report",
                 "--json"]) == 0
    assert passes[0] == 1  # 2 before: the accuracy's probabilities, the log loss's
    got = json.loads(capsys.readouterr().out)
    proba, y = model.predict_proba(X), y.astype(str)  # its labels: the CSV's text
    labels = np.asarray(model.labels)[proba.argmax(axis=1)]
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y, labels), abs=1e-12)
    assert got["log_loss"] == pytest.approx(
        metrics.log_loss(y, proba, labels=model.labels), rel=1e-9)
