"""``chainrule evaluate``'s scores and report of unusual labels: multi-label targets
without a positive, classes named as classification_report's averages, and many classes
of long labels.  The models are built by hand, so that each prediction is known from the
features (a softmax layer of weights 5 I, sigmoid units of weight 1); the references are
counts written out here and scikit-learn's confusion_matrix."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule import Dense, Network
from chainrule.cli import main
from chainrule.saved_model import SavedModel


def _save_three_yes_no_targets(path) -> None:
    """A multi-label model file of three yes/no targets u, v, w, each the sign of its own
    feature p, q, r (a sigmoid of weights I, no biases): its predictions are known."""
    net = Network([Dense(3, 3, "sigmoid")], loss="log_loss")
    net.layers[0].W[...] = np.eye(3)
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "target_names": ["u", "v", "w"],
                     "labels": [["no", "yes"]] * 3,
                     "feature_names": ["p", "q", "r"]}).save(path)


def test_multilabel_macro_f1_of_a_perfect_prediction_is_one(tmp_path, capsys):
    """Before, a target without a positive, true or predicted, scored F1 0 (0 / 0 read as
    0) and a perfect prediction of three targets scored macro F1 2/3; one target leaves
    out the classes neither in the data nor predicted, and so do the targets now."""
    _save_three_yes_no_targets(tmp_path / "ml.npz")
    # w: no positive, none predicted (its feature is negative everywhere)
    (tmp_path / "ml.csv").write_text("p,q,r,u,v,w\n2,-2,-2,yes,no,no\n-2,2,-2,no,yes,no\n"
                                     "-2,-2,-2,no,no,no\n2,2,-2,yes,no,no\n")
    args = ["evaluate", str(tmp_path / "ml.npz"), str(tmp_path / "ml.csv"), "--report"]
    assert main([*args, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # u: TP 2; v: TP 1, FP 1 (row 4) -> F1 2 / 3; w: 0 / 0, left out
    assert got["f1_macro"] == pytest.approx((1.0 + 2 / 3) / 2)
    assert sorted(got["report"]) == ["u", "v"]
    assert got["averages"]["macro avg"]["f1-score"] == pytest.approx((1.0 + 2 / 3) / 2)
    assert got["confusion_matrices"]["w"]["matrix"] == [[4, 0], [0, 0]]
    assert main(args) == 0
    assert "no positive in the data and none predicted (no row): w" in capsys.readouterr().out
    (tmp_path / "ml.csv").write_text("p,q,r,u,v,w\n2,-2,-2,yes,no,no\n-2,2,-2,no,yes,no\n"
                                     "-2,-2,-2,no,no,no\n")
    assert main([*args[:3], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["f1_macro"] == 1.0
    (tmp_path / "ml.csv").write_text("p,q,r,u,v,w\n-2,-2,-2,no,no,no\n")
    assert main([*args, "--json"]) == 0  # no positive at all: every label right
    got = json.loads(capsys.readouterr().out)
    assert got["f1_macro"] == 1.0 and got["averages"]["macro avg"]["f1-score"] == 1.0


def test_classes_named_as_the_averages_keep_their_own_rows(tmp_path, capsys):
    """Before, classification_report's dict of classes named "accuracy", "macro avg" and
    "weighted avg" held the averages under those keys: --json lost the classes' rows."""
    names = ["accuracy", "macro avg", "weighted avg"]
    net = Network([Dense(3, 3, "softmax")], loss="cross_entropy")
    net.layers[0].W[...] = 5 * np.eye(3)
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "labels": names, "target_name": "t",
                     "feature_names": ["a", "b", "c"]}).save(tmp_path / "m.npz")
    # (true, predicted): (0, 0), (1, 0), (1, 1), (2, 2), (2, 1)
    (tmp_path / "d.csv").write_text("a,b,c,t\n1,0,0,accuracy\n1,0,0,macro avg\n"
                                    "0,1,0,macro avg\n0,0,1,weighted avg\n0,1,0,weighted avg\n")
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--report",
                 "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # accuracy: TP 1, FP 1, FN 0; macro avg: TP 1, FP 1, FN 1; weighted avg: TP 1, FN 1
    assert got["report"] == {
        "accuracy": {"precision": 0.5, "recall": 1.0, "f1-score": pytest.approx(2 / 3),
                     "support": 1},
        "macro avg": {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 2},
        "weighted avg": {"precision": 1.0, "recall": 0.5, "f1-score": pytest.approx(2 / 3),
                         "support": 2}}
    assert got["averages"]["accuracy"] == pytest.approx(3 / 5)
    assert got["averages"]["macro avg"]["f1-score"] == pytest.approx((2 / 3 + 0.5 + 2 / 3) / 3)


def test_a_matrix_of_many_long_labels_numbers_its_columns(tmp_path, capsys):
    """Before, 12 classes of 20-character labels gave a matrix 284 characters wide, each
    column headed by its label; now the columns are numbered, the rows numbered and named."""
    from sklearn.metrics import confusion_matrix

    k = 12
    names = [f"a rather long name{i:02d}" for i in range(k)]
    assert {len(v) for v in names} == {20}
    net = Network([Dense(k, k, "softmax")], loss="cross_entropy")
    net.layers[0].W[...] = 5 * np.eye(k)
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "labels": names, "target_name": "t",
                     "feature_names": [f"x{j}" for j in range(k)]}).save(tmp_path / "m.npz")
    rng = np.random.default_rng(3)
    true = np.arange(60) % k
    pred = np.where(rng.random(60) < 0.6, true, rng.integers(0, k, 60))
    (tmp_path / "d.csv").write_text(",".join([*(f"x{j}" for j in range(k)), "t"]) + "\n" + "".join(
        ",".join([*("1" if j == p else "0" for j in range(k)), names[t]]) + "\n"
        for t, p in zip(true, pred, strict=True)))
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--report"]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("confusion matrix"):].splitlines()[1:k + 3]
    assert max(len(v) for v in lines) <= 100
    assert lines[0].split()[3:] == [str(i) for i in range(1, k + 1)]
    reference = confusion_matrix(true, pred, labels=range(k))
    for i, line in enumerate(lines[1:k + 1]):
        assert line.startswith(f"{i + 1:>2} {names[i]}  ")
        assert [int(c) for c in line[len(f"{i + 1:>2} {names[i]}"):].split()] == list(
            reference[i])
    assert lines[k + 1] == "(columns: the predicted class by the number of its row)"


def test_multilabel_samples_avg_says_how_it_counts_an_empty_example(tmp_path, capsys):
    """The samples avg row is scikit-learn's per-example mean, where an example with no
    label true or predicted scores 0 / 0 read as 0: a perfect prediction of 3 examples, one
    all-negative, reads 2/3 there beside macro F1 1; the table says why."""
    _save_three_yes_no_targets(tmp_path / "ml.npz")
    (tmp_path / "ml.csv").write_text("p,q,r,u,v,w\n2,-2,-2,yes,no,no\n-2,2,-2,no,yes,no\n"
                                     "-2,-2,-2,no,no,no\n")
    args = ["evaluate", str(tmp_path / "ml.npz"), str(tmp_path / "ml.csv"), "--report"]
    assert main([*args, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # examples 1 and 2: F1 1 each; example 3: no label true or predicted, 0
    assert got["averages"]["samples avg"]["f1-score"] == pytest.approx((1 + 1 + 0) / 3)
    assert got["f1_macro"] == 1.0
    assert main(args) == 0
    out = capsys.readouterr().out
    assert ("(samples avg: the mean over the examples, 1 of the 3 with no label true or "
            "predicted counted as 0)") in out
    (tmp_path / "ml.csv").write_text("p,q,r,u,v,w\n2,-2,-2,yes,no,no\n-2,2,-2,no,yes,no\n")
    assert main(args) == 0  # no empty example: nothing to say
    assert "(samples avg" not in capsys.readouterr().out
