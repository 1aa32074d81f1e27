"""``chainrule evaluate --report --sample-weight``: the supports of the printed report.

A weighted support is the sum of the weights of a class's examples; scikit-learn's
classification_report prints that float as it is, so that weights of three decimals
summed to ``1.2000000000000002``: the noise of binary addition, not information.  The
text now rounds a support that is not whole to the report's 4 digits; whole supports are
printed as before, and the JSON keeps the sums exact.  The model is built by hand (a
softmax of weights 5 I predicts the class of the feature that is 1); the references are
the weights' sums in exact decimal arithmetic, and scikit-learn's report of the known
predictions.
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
from sklearn import metrics

from chainrule import Dense, Network
from chainrule.cli import main
from chainrule.saved_model import SavedModel

CLASSES = ["cat", "dog", "fox"]
# true class, predicted class, weight (as written in the CSV)
ROWS = [("cat", "cat", "0.1"), ("cat", "cat", "0.2"), ("cat", "dog", "0.9"),
        ("dog", "dog", "0.3"), ("dog", "cat", "0.6"), ("dog", "dog", "0.7"),
        ("fox", "fox", "1.1"), ("fox", "dog", "2.2"), ("fox", "fox", "0.35")]


def _files(tmp_path, weights: list[str]) -> tuple[str, str]:
    net = Network([Dense(3, 3, "softmax")], loss="cross_entropy")
    net.layers[0].W[...] = 5 * np.eye(3)
    net.layers[0].b[...] = 0.0
    SavedModel(net, {"task": "classification", "labels": CLASSES, "target_name": "animal",
                     "feature_names": ["a", "b", "c"]}).save(tmp_path / "m.npz")
    lines = ["a,b,c,w,animal"]
    for (true, pred, _), w in zip(ROWS, weights, strict=True):
        lines.append(",".join([*(str(int(c == pred)) for c in CLASSES), w, true]))
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    return str(tmp_path / "m.npz"), str(tmp_path / "d.csv")


def _table(out: str) -> list[list[str]]:
    """The rows of the printed classification report (those that end in a support)."""
    start = out.index("precision    recall")  # the table's header, not "average precision"
    block = out[start:out.index("confusion matrix (rows")].splitlines()[1:]
    return [line.split() for line in block if line.strip()]


def test_weighted_supports_are_printed_rounded(tmp_path, capsys):
    weights = [w for _, _, w in ROWS]
    model, data = _files(tmp_path, weights)
    exact = {c: sum(Decimal(w) for t, _, w in ROWS if t == c) for c in CLASSES}
    total = sum(exact.values())
    floats = {c: float(np.sum([float(w) for t, _, w in ROWS if t == c])) for c in CLASSES}
    assert repr(floats["cat"]) != str(exact["cat"])  # the noise the text printed before
    assert main(["evaluate", model, data, "--sample-weight", "w", "--report"]) == 0
    rows = _table(capsys.readouterr().out)
    by_name = {row[0]: row for row in rows}
    for c in CLASSES:
        assert by_name[c][-1] == str(exact[c])  # 1.2, 1.6, 3.65
    assert by_name["accuracy"][-1] == str(total)
    assert rows[-1][:2] == ["weighted", "avg"] and rows[-1][-1] == str(total)
    # the scores are scikit-learn's, to its 4 digits
    y = [CLASSES.index(t) for t, _, _ in ROWS]
    pred = [CLASSES.index(p) for _, p, _ in ROWS]
    want = metrics.classification_report(y, pred, digits=4, output_dict=True,
                                         sample_weight=[float(w) for w in weights])
    for j, c in enumerate(CLASSES):
        assert by_name[c][1:4] == [f"{want[str(j)][k]:.4f}"
                                   for k in ("precision", "recall", "f1-score")]
    # the JSON keeps the sums as floats, exactly as scikit-learn's
    assert main(["evaluate", model, data, "--sample-weight", "w", "--report", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    for j, c in enumerate(CLASSES):
        assert got["report"][c]["support"] == want[str(j)]["support"]


def test_whole_supports_are_printed_as_before(tmp_path, capsys):
    """Whole weights: every line of the table is scikit-learn's own text."""
    weights = ["1", "2", "3", "1", "1", "2", "4", "1", "2"]
    model, data = _files(tmp_path, weights)
    assert main(["evaluate", model, data, "--sample-weight", "w", "--report"]) == 0
    out = capsys.readouterr().out
    y = [CLASSES.index(t) for t, _, _ in ROWS]
    pred = [CLASSES.index(p) for _, p, _ in ROWS]
    text = metrics.classification_report(y, pred, digits=4, target_names=CLASSES,
                                         labels=[0, 1, 2],
                                         sample_weight=[float(w) for w in weights])
    assert text.rstrip() in out
    assert _table(out)[0][-1] == "6.0"  # cat: 1 + 2 + 3
