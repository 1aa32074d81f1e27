"""``chainrule evaluate EST.npz DATA --target a b`` of an estimator fitted on an indicator
matrix: the 0/1 columns named are its labels, scored as a multi-label model of
``chainrule train`` is.

The references are scikit-learn's ``accuracy_score`` and ``hamming_loss`` of the
estimator's own ``predict`` and the binary log loss of its ``predict_proba`` written out
in NumPy, averaged over the targets.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn import metrics
from sklearn.exceptions import ConvergenceWarning

import chainrule as cr
from chainrule.cli import main


@pytest.fixture
def fitted(tmp_path):
    """An MLPClassifier fitted on two 0/1 targets (no feature names), its file, and a CSV
    of its three features followed by the two target columns u and v."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.column_stack([X[:, 0] + 0.5 * rng.normal(size=60) > 0,
                         X[:, 1] - X[:, 2] + 0.5 * rng.normal(size=60) > 0]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = cr.MLPClassifier((6,), max_iter=30, random_state=0).fit(X, Y)
    est.save(tmp_path / "est.npz")
    rows = [",".join([*(repr(float(v)) for v in x), *(str(t) for t in y)])
            for x, y in zip(X, Y, strict=True)]
    (tmp_path / "d.csv").write_text("a,b,c,u,v\n" + "\n".join(rows) + "\n")
    return est, X, Y, tmp_path


def test_evaluate_scores_the_named_columns_as_the_estimators_labels(fitted, capsys):
    """Refused before ("evaluate scores one target column"), though evaluate scores the
    targets of a multi-label model that train wrote, and --target names an estimator's
    regression outputs."""
    est, X, Y, d = fitted
    capsys.readouterr()
    assert main(["evaluate", str(d / "est.npz"), str(d / "d.csv"), "--target", "u", "v",
                 "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    pred, proba = est.predict(X), est.predict_proba(X)
    each = [-np.mean(Y[:, j] * np.log(proba[:, j]) + (1 - Y[:, j]) * np.log(1 - proba[:, j]))
            for j in range(2)]
    assert got["samples"] == 60
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(Y, pred), abs=1e-12)
    assert got["hamming_loss"] == pytest.approx(metrics.hamming_loss(Y, pred), abs=1e-12)
    assert got["log_loss"] == pytest.approx(np.mean(each), rel=1e-9)
    assert got["targets"]["v"]["accuracy"] == pytest.approx(np.mean(pred[:, 1] == Y[:, 1]))
    assert got["targets"]["u"]["log_loss"] == pytest.approx(each[0], rel=1e-9)


def test_evaluate_without_target_names_asks_for_them(fitted, capsys):
    _, _, _, d = fitted
    assert main(["evaluate", str(d / "est.npz"), str(d / "d.csv")]) == 2
    err = capsys.readouterr().err
    assert "--target NAME1 ... NAME2" in err


def test_a_label_other_than_0_or_1_is_refused_naming_its_line(fitted, capsys):
    _, _, _, d = fitted
    text = (d / "d.csv").read_text().splitlines()
    text[3] = ",".join([*text[3].split(",")[:4], "yes"])
    (d / "d.csv").write_text("\n".join(text) + "\n")
    assert main(["evaluate", str(d / "est.npz"), str(d / "d.csv"), "--target", "u",
                 "v"]) == 2
    err = capsys.readouterr().err
    assert "line 4" in err and "'v'" in err and "yes" in err, err
