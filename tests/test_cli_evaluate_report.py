"""``chainrule evaluate``'s balanced accuracy, macro F1 and ROC AUC, and ``--report``.

The models are built by hand, so that each example's prediction is known from its
features: a softmax layer of weights 5 I reads a one-hot row as the class it predicts, and
a sigmoid unit of weight 1 gives the probability sigmoid(x) of the second class.  The
references are the counts of true and false positives and negatives written out here, and
ROC AUC as the Mann-Whitney count: the fraction of (positive, negative) pairs whose
positive has the higher score, a tie counting one half.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dense, Network
from chainrule.cli import main
from chainrule.saved_model import SavedModel, load_model

CLASSES = ["cat", "dog", "fox"]
# (true, predicted) of each example, and how many
PAIRS = {("cat", "cat"): 3, ("cat", "dog"): 1,
         ("dog", "cat"): 2, ("dog", "dog"): 1,
         ("fox", "dog"): 1, ("fox", "fox"): 2}


def _mann_whitney(score, positive) -> float:
    """The fraction of (positive, negative) pairs ranked right, a tie counting 1/2."""
    pos, neg = score[positive], score[~positive]
    wins = sum(1.0 if p > q else 0.5 if p == q else 0.0 for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


@pytest.fixture
def three(tmp_path):
    """A 3-class model that predicts the class of the feature that is 1, and a CSV of
    PAIRS: its features one-hot of the prediction, its target the true class."""
    net = Network([Dense(3, 3, "softmax")], loss="cross_entropy")
    net.layers[0].W[...] = 5 * np.eye(3)
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "labels": CLASSES, "target_name": "animal",
                     "feature_names": ["a", "b", "c"]}).save(tmp_path / "m.npz")
    rows, y, onehot = [], [], []
    for (true, pred), n in PAIRS.items():
        for _ in range(n):
            x = [int(c == pred) for c in CLASSES]
            rows.append(",".join([*map(str, x), true]))
            y.append(CLASSES.index(true))
            onehot.append(x)
    (tmp_path / "d.csv").write_text("a,b,c,animal\n" + "\n".join(rows) + "\n")
    return str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), np.array(y), np.array(onehot)


def test_three_classes_scores_and_report_by_hand(three, capsys):
    """Before, evaluate printed accuracy and log loss alone."""
    model, data, y, onehot = three
    assert main(["evaluate", model, data, "--report", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # counted from PAIRS: cat TP 3 FP 2 FN 1, dog TP 1 FP 2 FN 2, fox TP 2 FP 0 FN 1
    precision = {"cat": 3 / 5, "dog": 1 / 3, "fox": 2 / 2}
    recall = {"cat": 3 / 4, "dog": 1 / 3, "fox": 2 / 3}
    f1 = {"cat": 2 * 3 / (2 * 3 + 2 + 1), "dog": 2 * 1 / (2 * 1 + 2 + 2),
          "fox": 2 * 2 / (2 * 2 + 0 + 1)}
    support = {"cat": 4, "dog": 3, "fox": 3}
    assert got["accuracy"] == pytest.approx(6 / 10)
    assert got["balanced_accuracy"] == pytest.approx((3 / 4 + 1 / 3 + 2 / 3) / 3)
    assert got["f1_macro"] == pytest.approx((2 / 3 + 1 / 3 + 4 / 5) / 3)
    for c in CLASSES:
        row = got["report"][c]
        assert row["precision"] == pytest.approx(precision[c])
        assert row["recall"] == pytest.approx(recall[c])
        assert row["f1-score"] == pytest.approx(f1[c])
        assert row["support"] == support[c]
    assert got["averages"]["macro avg"]["f1-score"] == pytest.approx(np.mean(list(f1.values())))
    assert got["averages"]["weighted avg"]["recall"] == pytest.approx(
        sum(recall[c] * support[c] for c in CLASSES) / 10)
    assert got["labels"] == CLASSES
    assert got["confusion_matrix"] == [[3, 1, 0], [2, 1, 0], [0, 1, 2]]
    # one-vs-rest: each class's probability (high where its feature is 1) against the rest;
    # the model's own (exp(5) / (exp(5) + 2) or 1 / (exp(5) + 2), ties broken in the last
    # bit by the order of the sums)
    proba = load_model(model).predict_proba(onehot.astype(float))
    z = 5 * onehot
    np.testing.assert_allclose(proba, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
                               rtol=1e-14)
    each = [_mann_whitney(proba[:, j], y == j) for j in range(3)]
    assert got["roc_auc"] == pytest.approx(np.mean(each))


def test_the_text_names_the_classes_and_labels_the_matrix(three, capsys):
    model, data, _, _ = three
    assert main(["evaluate", model, data, "--report"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:3] == ["accuracy: 0.6", "log loss: " + out[2].split(": ")[1]]
    assert out[3:6] == [f"balanced accuracy: {(3 / 4 + 1 / 3 + 2 / 3) / 3:.6g}",
                        "macro F1: 0.6", out[5]] and out[5].startswith("ROC AUC: ")
    at = out.index("confusion matrix (rows: true class, columns: predicted class):")
    table = {line.split()[0]: line.split()[1:] for line in out[6:at] if line.strip()}
    assert table["cat"] == ["0.6000", "0.7500", "0.6667", "4"]
    assert table["fox"] == ["1.0000", "0.6667", "0.8000", "3"]
    assert [line.split() for line in out[at + 1:at + 5]] == [
        ["true", "\\", "predicted", "cat", "dog", "fox"],
        ["cat", "3", "1", "0"], ["dog", "2", "1", "0"], ["fox", "0", "1", "2"]]


def test_without_report_the_table_is_not_printed(three, capsys):
    model, data, _, _ = three
    assert main(["evaluate", model, data, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert list(got) == ["samples", "accuracy", "log_loss", "balanced_accuracy", "f1_macro",
                         "roc_auc", "average_precision", "brier", "ece", "calibration"]


def test_roc_auc_is_left_out_of_data_without_each_class(three, tmp_path, capsys):
    model, _, _, _ = three
    (tmp_path / "two.csv").write_text("a,b,c,animal\n1,0,0,cat\n0,1,0,dog\n0,1,0,cat\n")
    assert main(["evaluate", model, str(tmp_path / "two.csv"), "--json", "--report"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert "roc_auc" not in got
    # before, --json left the reason out: "not computed" read as "missing"
    assert got["roc_auc_left_out"] == ("the data hold 2 of the model's 3 classes (none of "
                                       "fox); the one-vs-rest average needs each class")
    # classes in the data or predicted: cat, dog; fox neither (no row or column)
    assert got["labels"] == ["cat", "dog"] and got["confusion_matrix"] == [[1, 1], [0, 1]]
    assert got["balanced_accuracy"] == pytest.approx((1 / 2 + 1) / 2)
    assert main(["evaluate", model, str(tmp_path / "two.csv"), "--report"]) == 0
    out = capsys.readouterr().out
    assert ("ROC AUC: left out, the data hold 2 of the model's 3 classes (none of fox)"
            in out)
    assert "not in the data and never predicted (no row or column): fox" in out


def test_a_label_the_model_does_not_know_is_refused_as_before(three, tmp_path, capsys):
    model, _, _, _ = three
    (tmp_path / "new.csv").write_text("a,b,c,animal\n1,0,0,cat\n0,1,0,owl\n")
    assert main(["evaluate", model, str(tmp_path / "new.csv"), "--report"]) == 2
    assert "'owl' is not one of the model's classes (cat, dog, fox)" in capsys.readouterr().err


@pytest.fixture
def binary(tmp_path):
    """One sigmoid unit of net input x: P(yes) = sigmoid(x); positives and negatives with
    a tie between them (x = 1)."""
    net = Network([Dense(1, 1, "sigmoid")], loss="log_loss")
    net.layers[0].W[...] = 1.0
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "labels": ["no", "yes"], "target_name": "t",
                     "feature_names": ["x"]}).save(tmp_path / "b.npz")
    x = np.array([2.0, 1.0, 0.5, -1.0, 1.0, -0.5, -2.0])
    t = np.array([1, 1, 1, 1, 0, 0, 0])
    (tmp_path / "b.csv").write_text("x,t\n" + "".join(
        f"{v},{'yes' if c else 'no'}\n" for v, c in zip(x, t, strict=True)))
    return str(tmp_path / "b.npz"), str(tmp_path / "b.csv")


def test_binary_roc_auc_is_the_mann_whitney_count(binary, capsys):
    model, data = binary
    assert main(["evaluate", model, data, "--json", "--report"]) == 0
    got = json.loads(capsys.readouterr().out)
    # pairs (positive x, negative x) of 4 x 3: 2 beats all 3; 1 beats -0.5, -2, ties 1;
    # 0.5 beats 2; -1 beats -2: 3 + 2.5 + 2 + 1 = 8.5 of 12
    assert got["roc_auc"] == pytest.approx(8.5 / 12)
    # predicted yes where x > 0: yes TP 3 (2, 1, 0.5), FN 1 (-1), FP 1 (the negative 1)
    assert got["confusion_matrix"] == [[2, 1], [1, 3]] and got["labels"] == ["no", "yes"]
    assert got["report"]["yes"]["precision"] == pytest.approx(3 / 4)
    assert got["report"]["yes"]["recall"] == pytest.approx(3 / 4)
    assert got["report"]["no"]["recall"] == pytest.approx(2 / 3)
    assert got["balanced_accuracy"] == pytest.approx((3 / 4 + 2 / 3) / 2)


def test_binary_data_of_one_class_have_no_roc_auc(binary, tmp_path, capsys):
    model, _ = binary
    (tmp_path / "one.csv").write_text("x,t\n1,yes\n-1,yes\n")
    assert main(["evaluate", model, str(tmp_path / "one.csv")]) == 0
    out = capsys.readouterr().out
    assert "ROC AUC: left out, the data hold one class (yes)" in out
    assert "balanced accuracy: 0.5\n" in out
    assert main(["evaluate", model, str(tmp_path / "one.csv"), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert "roc_auc" not in got and got["roc_auc_left_out"].startswith(
        "the data hold one class (yes); ")


@pytest.fixture
def multilabel(tmp_path):
    """Two sigmoid units, each the probability sigmoid(x_j) of its target's second label."""
    net = Network([Dense(2, 2, "sigmoid")], loss="log_loss")
    net.layers[0].W[...] = np.eye(2)
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "target_names": ["u", "v"],
                     "labels": [["no", "yes"], ["off", "on"]],
                     "feature_names": ["p", "q"]}).save(tmp_path / "ml.npz")
    X = np.array([[2.0, 1.0], [1.0, -1.0], [-1.0, 0.5], [-2.0, -3.0], [0.5, 2.0]])
    U = np.array([1, 0, 0, 0, 1])   # u: yes, no, no, no, yes
    V = np.array([1, 1, 0, 0, 1])   # v: on, on, off, off, on
    (tmp_path / "ml.csv").write_text("p,q,u,v\n" + "".join(
        f"{a},{b},{['no', 'yes'][c]},{['off', 'on'][d]}\n"
        for (a, b), c, d in zip(X, U, V, strict=True)))
    return str(tmp_path / "ml.npz"), str(tmp_path / "ml.csv"), X, U, V


def test_multilabel_report_has_a_row_and_a_matrix_per_target(multilabel, capsys):
    model, data, X, U, V = multilabel
    assert main(["evaluate", model, data, "--report", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # u predicted yes where p > 0: rows 1, 2, 5; true yes: 1, 5 -> TP 2, FP 1, FN 0, TN 2
    # v predicted on where q > 0: rows 1, 3, 5; true on: 1, 2, 5 -> TP 2, FP 1, FN 1, TN 1
    assert got["confusion_matrices"] == {
        "u": {"labels": ["no", "yes"], "matrix": [[2, 1], [0, 2]]},
        "v": {"labels": ["off", "on"], "matrix": [[1, 1], [1, 2]]}}
    assert got["report"]["u"]["precision"] == pytest.approx(2 / 3)
    assert got["report"]["u"]["recall"] == pytest.approx(1.0)
    assert got["report"]["v"]["f1-score"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    assert got["report"]["v"]["support"] == 3
    f1_u = 2 * 2 / (2 * 2 + 1 + 0)
    assert got["f1_macro"] == pytest.approx((f1_u + 2 / 3) / 2)
    each = [_mann_whitney(X[:, 0], U == 1), _mann_whitney(X[:, 1], V == 1)]
    assert got["roc_auc"] == pytest.approx(np.mean(each))
    assert "balanced_accuracy" not in got
    assert main(["evaluate", model, data, "--report"]) == 0
    out = capsys.readouterr().out
    assert "a row per target, of its second label: u yes, v on" in out
    assert "target v: confusion matrix (rows: true label, columns: predicted label):" in out


def test_report_of_a_regression_model_is_refused(tmp_path, capsys):
    net = Network([Dense(1, 1, "identity")], loss="squared_error")
    SavedModel(net, {"task": "regression", "target_name": "t",
                     "feature_names": ["x"]}).save(tmp_path / "r.npz")
    (tmp_path / "r.csv").write_text("x,t\n1,2\n2,3\n")
    assert main(["evaluate", str(tmp_path / "r.npz"), str(tmp_path / "r.csv"),
                 "--report"]) == 2
    err = capsys.readouterr().err
    assert "--report:" in err and "is a regression model" in err


def test_an_estimator_file_reports_the_same(tmp_path, capsys):
    """An MLPClassifier's file: the scores against scikit-learn's of its own predictions."""
    from sklearn import metrics
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] + 0.5 * rng.normal(size=40) > 0, "b", "a")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = cr.MLPClassifier((4,), max_iter=40, random_state=0).fit(X, y)
    est.save(tmp_path / "e.npz")
    (tmp_path / "e.csv").write_text("x1,x2,t\n" + "".join(
        f"{float(a)!r},{float(b)!r},{c}\n" for (a, b), c in zip(X, y, strict=True)))
    assert main(["evaluate", str(tmp_path / "e.npz"), str(tmp_path / "e.csv"), "--report",
                 "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    pred = est.predict(X)
    positive = (y == "b")
    assert got["roc_auc"] == pytest.approx(_mann_whitney(est.predict_proba(X)[:, 1], positive))
    assert got["balanced_accuracy"] == pytest.approx(np.mean(
        [np.mean(pred[y == c] == c) for c in ("a", "b")]))
    assert got["confusion_matrix"] == metrics.confusion_matrix(y, pred, labels=["a", "b"]).tolist()


def test_outputs_that_are_no_probabilities_rank_one_vs_rest(tmp_path, capsys):
    """Three sigmoid units of a Network.save'd classifier: rows that do not sum to 1, which
    roc_auc_score's one-vs-rest refuses (evaluate left ROC AUC out in its words): each
    class's output is ranked against the others, as a margin loss's class scores are."""
    from sklearn import metrics

    net = Network([Dense(3, 3, "sigmoid")], loss="log_loss")
    SavedModel(net, {"task": "classification", "labels": CLASSES, "target_name": "t",
                     "feature_names": ["a", "b", "c"]}).save(tmp_path / "s.npz")
    (tmp_path / "s.csv").write_text("a,b,c,t\n1,0,0,cat\n0,1,0,dog\n0,0,1,fox\n1,1,0,cat\n")
    with warnings.catch_warnings():  # log_loss's "do not sum to one"
        warnings.simplefilter("ignore", UserWarning)
        assert main(["evaluate", str(tmp_path / "s.npz"), str(tmp_path / "s.csv")]) == 0
    out = capsys.readouterr().out
    assert "left out" not in out.split("ROC AUC")[1].splitlines()[0]
    X = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=float)
    y = np.array([0, 1, 2, 0])
    layer = net.layers[0]
    S = 1 / (1 + np.exp(-(X @ layer.W + layer.b)))  # the sigmoid outputs, in NumPy
    want = np.mean([metrics.roc_auc_score(y == j, S[:, j]) for j in range(3)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert main(["evaluate", str(tmp_path / "s.npz"), str(tmp_path / "s.csv"),
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["roc_auc"] == pytest.approx(want, abs=1e-12)


def test_data_of_one_class_all_predicted_right_give_no_warning(binary, tmp_path, capsys):
    """Before, --report passed on scikit-learn's warning of a 1 x 1 confusion matrix,
    which told the user to pass a 'labels' parameter that evaluate had already given."""
    model, _ = binary
    (tmp_path / "yes.csv").write_text("x,t\n1,yes\n2,yes\n3,yes\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["evaluate", model, str(tmp_path / "yes.csv"), "--report", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # every x > 0: P(yes) = sigmoid(x) > 0.5, all three right
    assert got["labels"] == ["yes"] and got["confusion_matrix"] == [[3]]
    assert got["report"]["yes"]["recall"] == 1.0 and got["report"]["yes"]["support"] == 3


def _evaluated(tmp_path, labels, y_values, capsys):
    """evaluate --report --json of a random softmax model of ``labels`` (in that order, as
    its outputs) on random features and targets ``y_values``, with its predict_proba."""
    rng = np.random.default_rng(7)
    k, n = len(labels), len(y_values)
    net = Network([Dense(3, k, "softmax")], loss="cross_entropy")
    net.layers[0].W[...] = rng.normal(size=(3, k))
    SavedModel(net, {"task": "classification", "labels": labels, "target_name": "t",
                     "feature_names": ["a", "b", "c"]}).save(tmp_path / "o.npz")
    X = np.round(rng.normal(size=(n, 3)), 3)
    (tmp_path / "o.csv").write_text("a,b,c,t\n" + "".join(
        f"{p},{q},{r},{v}\n" for (p, q, r), v in zip(X, y_values, strict=True)))
    assert main(["evaluate", str(tmp_path / "o.npz"), str(tmp_path / "o.csv"), "--report",
                 "--json"]) == 0
    return json.loads(capsys.readouterr().out), load_model(tmp_path / "o.npz").predict_proba(X)


def test_whole_number_labels_keep_the_model_s_order_not_the_text_s(tmp_path, capsys):
    """Labels 2, 3, 10 (sorted as text: 10, 2, 3): every score against scikit-learn given
    the label values themselves, in the model's order, from predict_proba."""
    from sklearn import metrics

    labels = [2, 3, 10]
    y = np.random.default_rng(8).choice(labels, 40)
    got, proba = _evaluated(tmp_path, labels, y, capsys)
    pred = np.array(labels)[proba.argmax(axis=1)]
    assert got["labels"] == ["2", "3", "10"]
    assert got["confusion_matrix"] == metrics.confusion_matrix(y, pred, labels=labels).tolist()
    assert got["balanced_accuracy"] == pytest.approx(metrics.balanced_accuracy_score(y, pred))
    assert got["f1_macro"] == pytest.approx(metrics.f1_score(y, pred, average="macro"))
    assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, proba, multi_class="ovr",
                                                                  labels=labels))
    p, r, f, s = metrics.precision_recall_fscore_support(y, pred, labels=labels,
                                                         zero_division=0)
    for j, c in enumerate(labels):
        row = got["report"][str(c)]
        assert (row["precision"], row["recall"], row["f1-score"], row["support"]) == (
            pytest.approx(p[j]), pytest.approx(r[j]), pytest.approx(f[j]), s[j])


def test_binary_roc_auc_is_of_the_second_label_s_column(tmp_path, capsys):
    """A model whose outputs are labels 10 then 2 (not sorted): ROC AUC ranks the examples
    of 2, the second label, by its column; scikit-learn would take 10 for the positive."""
    from sklearn import metrics

    y = np.random.default_rng(9).choice([10, 2], 30)
    got, proba = _evaluated(tmp_path, [10, 2], y, capsys)
    assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(y == 2, proba[:, 1]))
    assert got["labels"] == ["10", "2"]
    pred = np.array([10, 2])[proba.argmax(axis=1)]
    assert got["confusion_matrix"] == metrics.confusion_matrix(y, pred, labels=[10, 2]).tolist()
