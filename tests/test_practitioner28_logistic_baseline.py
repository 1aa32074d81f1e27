"""train and cv of a single-label classifier say where the network scores below a linear
model fitted on the same rows: scikit-learn's LogisticRegression (C = 1, lbfgs) on the
standardised features, with the run's sample and class weights.

``chainrule train breast_cancer`` with the defaults scored a validation log loss of 0.30
against LogisticRegression's 0.11 on the same 57 rows, and nothing said so.  The
references here: StandardScaler, LogisticRegression, accuracy_score and log_loss of
scikit-learn, fitted in the test on train's own split (its ``_split``, recorded as the
run calls it) and cv's own folds (its ``_folds``).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.preprocessing import StandardScaler

from chainrule import _cli_models_baseline_logistic as logistic
from chainrule import _cli_models_train_prepare as train_prepare
from chainrule.saved_model import load_model
from file_helpers import cli_ok

# a classifier's remedy (practitioner29's measurement over cv's folds, README "Defaults"):
# the penalty of 0.003 alone
_REMEDY = "--weight-decay 0.003 (an L2 penalty on the weights, default 0) may close it"


def _line(X, y, tr, te, w=None, class_weight=None):
    """scikit-learn's LogisticRegression of the standardised features (weighted as the
    network), fitted on rows ``tr``: its accuracy and log loss of rows ``te``."""
    w_tr = None if w is None else w[tr]
    scaler = StandardScaler().fit(X[tr], sample_weight=w_tr)
    # the fit's weights (sample times class) to a mean of 1: train's cost divides by their
    # sum, so their scale is no part of the cost, and LogisticRegression's C keeps its
    # unweighted strength
    fit_w = np.ones(len(tr)) if w_tr is None else np.array(w_tr, dtype=float)
    if class_weight is not None:
        fit_w = fit_w * np.array([class_weight.get(int(c), 1.0) for c in y[tr]])
    model = LogisticRegression(max_iter=1000).fit(
        scaler.transform(X[tr]), y[tr],
        sample_weight=None if w is None and class_weight is None
        else fit_w * (len(tr) / fit_w.sum()))
    proba = model.predict_proba(scaler.transform(X[te]))
    w_te = None if w is None else w[te]
    return (accuracy_score(y[te], model.classes_[proba.argmax(axis=1)], sample_weight=w_te),
            log_loss(y[te], proba, labels=model.classes_, sample_weight=w_te))


def _train(monkeypatch, capsys, tmp_path, *argv):
    """``chainrule train *argv -q``: stderr, the model written and train's split, as its
    ``_split`` returned it to the run."""
    split = []

    def recorded(*a, **kw):
        split.append(real(*a, **kw))
        return split[-1]

    real = train_prepare._split
    monkeypatch.setattr(train_prepare, "_split", recorded)
    out = tmp_path / "m.npz"
    _, err = cli_ok(capsys, ["train", *argv, "-q", "-o", out])
    (tr, te), = split
    return err, load_model(out), np.asarray(tr), np.asarray(te)


def _note(err: str) -> str | None:
    found = [v for v in err.splitlines() if "(LogisticRegression" in v]
    assert len(found) <= 1
    return found[0] if found else None


def test_breast_cancer_defaults_note_equals_sklearn(monkeypatch, capsys, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    err, model, tr, te = _train(monkeypatch, capsys, tmp_path, "breast_cancer")
    acc, loss = _line(X, y, tr, te)
    # the network's scores, of the model written (its columns: model.labels' order)
    proba = model.predict_proba(X[te])
    t = np.array([model.labels.index(load_breast_cancer().target_names[c]) for c in y[te]])
    net_acc, net_loss = accuracy_score(t, proba.argmax(axis=1)), log_loss(t, proba)
    note = _note(err)
    assert note is not None
    assert (f"on the {len(te)} validation rows a linear model (LogisticRegression on the "
            f"standardised features, fitted on the {len(tr)} training rows) scores accuracy "
            f"{acc:.4g}, log loss {loss:.4g}, the network accuracy {net_acc:.4g}, "
            f"log loss {net_loss:.4g}: ") in note
    # one row apart in accuracy (of 57): not said; a log loss more than 10 % above: said
    assert round((acc - net_acc) * len(te)) == 1 and net_loss > 1.1 * loss
    assert "its log loss is worse than the linear model's here" in note
    assert _REMEDY in note


@pytest.mark.parametrize("name, loader", [("iris", load_iris)])
def test_no_note_where_the_network_wins(monkeypatch, capsys, tmp_path, name, loader):
    X, y = loader(return_X_y=True)
    err, model, tr, te = _train(monkeypatch, capsys, tmp_path, name)
    acc, loss = _line(X, y, tr, te)
    proba = model.predict_proba(X[te])  # iris: labels 0, 1, 2 as sklearn's
    net_acc = accuracy_score(y[te], proba.argmax(axis=1))
    assert net_acc >= acc and log_loss(y[te], proba) < 1.1 * loss + 0.01  # the case
    assert _note(err) is None


def test_sample_and_class_weights_weigh_the_line(monkeypatch, capsys, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = (X @ [1.0, -1.0, 0.5, 0.0] + 0.8 * rng.normal(size=200) > 0.6).astype(int)
    w = rng.uniform(0.2, 3.0, size=200)
    np.savez(tmp_path / "d.npz", X=X, y=y, w=w)
    # one epoch at a tiny rate: a network well below the line
    err, _, tr, te = _train(monkeypatch, capsys, tmp_path, tmp_path / "d.npz",
                            "--sample-weight", "w", "--class-weight", '{"1": 3}',
                            "--epochs", "1", "--lr", "1e-5")
    acc, loss = _line(X, y, tr, te, w, {0: 1.0, 1: 3.0})
    unweighted = _line(X, y, tr, te)
    assert abs(loss - unweighted[1]) > 1e-3  # the weights change the figures
    note = _note(err)
    assert f"fitted on the {len(tr)} training rows, weighted as the network's" in note
    assert f"scores accuracy {acc:.4g}, log loss {loss:.4g}, the network" in note


def test_over_the_budget_the_line_is_of_a_drawn_subset(monkeypatch):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    tr, te = np.arange(240), np.arange(240, 300)
    monkeypatch.setattr(logistic, "LOGISTIC_FLOPS", 1000.0)  # 100 rows of 5 x 2
    bad = {"accuracy": 0.5, "log_loss": 0.7}
    note = logistic.classifier_note(X, y, tr, te, None, bad, 2, seed=4)
    pick = np.sort(np.random.default_rng(4).choice(240, 100, replace=False))
    acc, loss = _line(X, y, tr[pick], te)
    assert ("fitted on a random 100 of the 240 training rows) scores accuracy "
            f"{acc:.4g}, log loss {loss:.4g}, the network accuracy 0.5, log loss 0.7") in note
    assert logistic.classifier_note(X, y, tr, te, None, bad, 2, seed=4) == note  # the seed's


@pytest.mark.parametrize("net, worse", [
    # 60 rows of weight 1: one row is 1/60 of accuracy
    ({"accuracy": 50 / 60, "log_loss": 0.30}, []),  # one row below; log loss < 10 % above
    ({"accuracy": 49 / 60, "log_loss": 0.30}, ["accuracy"]),  # two rows below
    ({"accuracy": 51 / 60, "log_loss": 0.34}, ["log loss"]),  # 0.34 > 0.3 * 1.1
    ({"accuracy": 53 / 60, "log_loss": 0.60}, []),  # accuracy two rows above
    ({"accuracy": 52 / 60, "log_loss": 0.60}, ["log loss"]),  # one row above: not better
    ({"accuracy": 49 / 60}, ["accuracy"]),  # a margin loss: no log loss
    ({"accuracy": 49 / 60, "log_loss": 0.26}, []),  # log loss lower by 0.04 > 0.03
    ({"accuracy": 49 / 60, "log_loss": 0.28}, ["accuracy"]),  # lower by 0.02 only
])
def test_worse_by_more_than_one_row_or_ten_percent(net, worse):
    line = {"accuracy": 51 / 60, "log_loss": 0.30}
    assert logistic.worse_than_line(net, line, 1 / 60) == worse


def test_small_log_losses_need_a_gap_of_a_hundredth():
    line = {"accuracy": 1.0, "log_loss": 0.01}
    assert logistic.worse_than_line({"accuracy": 1.0, "log_loss": 0.019}, line, 0.05) == []
    assert logistic.worse_than_line({"accuracy": 1.0, "log_loss": 0.021}, line, 0.05) == [
        "log loss"]


def test_fewer_than_20_validation_rows_no_note():
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    bad = {"accuracy": 0.0, "log_loss": 9.0}
    assert logistic.classifier_note(X, y, np.arange(41), np.arange(41, 60), None, bad,
                                    2) is None
    assert logistic.classifier_note(X, y, np.arange(40), np.arange(40, 60), None, bad,
                                    2) is not None


def test_cv_iris_baseline_equals_sklearn_per_fold(capsys):
    from chainrule._cli_models_cv_folds import _folds
    from chainrule.tabular import read_data

    X, y = load_iris(return_X_y=True)
    out, _ = cli_ok(capsys, ["cv", "iris", "--hidden", "2", "--epochs", "1", "--folds", "3",
                             "-q", "--json"])
    got = json.loads(out)
    table = read_data("iris")
    folds = _folds(table, "classification", False, 3, 0)[1]  # cv's own folds
    refs = [_line(X, y, tr, te) for tr, te in folds]
    per_fold = got["baseline"]["logistic"]["per_fold"]
    for (acc, loss), fold in zip(refs, per_fold, strict=True):
        assert fold["accuracy"] == pytest.approx(acc, rel=1e-12)
        assert fold["log_loss"] == pytest.approx(loss, rel=1e-6)
    assert got["baseline"]["logistic"]["mean"]["accuracy"] == pytest.approx(
        np.mean([a for a, _ in refs]), rel=1e-12)
    # one epoch of a 2-unit layer: well below the line, said under the table
    text, _ = cli_ok(capsys, ["cv", "iris", "--hidden", "2", "--epochs", "1", "--folds", "3",
                              "-q"])
    mean_acc = np.mean([r["accuracy"] for r in got["per_fold"]])
    assert re.search(r"the network's mean accuracy [0-9.]+, log loss [0-9.]+: its accuracy "
                     "and log loss are worse than the linear model's on these folds", text)
    assert f"the network's mean accuracy {mean_acc:.6g}" in text
    assert (f"a linear model (LogisticRegression on the standardised features) accuracy "
            f"{np.mean([a for a, _ in refs]):.6g}, log loss "
            f"{np.mean([v for _, v in refs]):.6g}") in text


def test_cv_no_worse_line_where_the_network_wins(capsys):
    text, _ = cli_ok(capsys, ["cv", "moons", "--folds", "3", "-q"])
    assert "a linear model (LogisticRegression" in text
    assert "worse than the linear model's" not in text


def test_the_scale_of_the_weights_is_no_part_of_the_line():
    """train's cost divides by the sum of the weights: weights ten times as large are the
    same weights, and equal weights are none (the line's figures bit for bit)."""
    from types import SimpleNamespace as NS

    rng = np.random.default_rng(5)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=120) > 0).astype(int)
    w = rng.uniform(0.5, 2.0, size=120)

    def fold(weights):
        return logistic.logistic_fold(NS(X=X[:90], y=y[:90], sample_weight=weights[:90]),
                                      NS(X=X[90:], y=y[90:], sample_weight=weights[90:]), 2)

    one, ten = fold(w), fold(10 * w)
    assert one["log_loss"] == pytest.approx(ten["log_loss"], rel=1e-9)
    assert one["accuracy"] == pytest.approx(ten["accuracy"], rel=1e-12)
    none = logistic.logistic_fold(NS(X=X[:90], y=y[:90], sample_weight=None),
                                  NS(X=X[90:], y=y[90:], sample_weight=None), 2)
    assert fold(np.full(120, 3.0)) == none
    # and the weights matter where they differ: the unweighted line is another one
    assert abs(one["log_loss"] - none["log_loss"]) > 1e-4
