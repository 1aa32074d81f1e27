"""``chainrule tune`` prints the linear baseline cv prints, cross-validated on the folds
every combination was scored on and by tune's ``--scoring``, beside the best
combination's mean, and cv's note where the best network does worse than it.

The references: scikit-learn's ``cross_val_score`` of ``make_pipeline(StandardScaler(),
LogisticRegression(max_iter=1000))`` (or ``RidgeCV`` over the baseline's penalties) with
the splitter cv uses (``StratifiedKFold`` / ``KFold``, shuffled with ``--seed``), and of
weighted rows a loop over the same folds with scikit-learn's weighted fit and metrics.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import accuracy_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from chainrule._cli_models_baseline import ALPHAS
from file_helpers import cli_ok

# a small, quick search: the baseline does not depend on the networks
_QUICK = ["--hidden", "4", "--epochs", "2", "--folds", "3", "-q", "--grid",
          "lr=0.001,0.01"]


def _tune(capsys, *argv) -> tuple[str, dict]:
    """``chainrule tune *argv``'s table (stdout) and its ``--json``."""
    out, _ = cli_ok(capsys, ["tune", *argv])
    record = json.loads(cli_ok(capsys, ["tune", *argv, "--json"])[0])
    return out, record


def _baseline_line(out: str) -> str:
    found = [v for v in out.splitlines() if v.startswith("baseline, the same folds")]
    assert len(found) == 1, out
    return found[0]


def _logistic() -> object:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


@pytest.mark.parametrize("data, loader, scoring, sk_scoring, sign", [
    ("iris", load_iris, None, "accuracy", 1.0),
    ("iris", load_iris, "log_loss", "neg_log_loss", -1.0),
    ("breast_cancer", load_breast_cancer, "roc_auc", "roc_auc", 1.0),
    ("breast_cancer", load_breast_cancer, "f1_macro", "f1_macro", 1.0),
    ("iris", load_iris, "roc_auc", "roc_auc_ovr", 1.0),  # evaluate's: one-vs-rest's mean
    ("iris", load_iris, "balanced_accuracy", "balanced_accuracy", 1.0),
])
def test_a_classifier_baseline_is_cross_val_score(capsys, data, loader, scoring,
                                                  sk_scoring, sign):
    X, y = loader(return_X_y=True)
    expected = sign * cross_val_score(
        _logistic(), X, y, scoring=sk_scoring,
        cv=StratifiedKFold(3, shuffle=True, random_state=0))
    argv = [data, *_QUICK, *(["--scoring", scoring] if scoring else [])]
    out, record = _tune(capsys, *argv)
    base = record["baseline"]
    assert base["model"] == "LogisticRegression"
    assert base["scoring"] == (scoring or "accuracy")
    np.testing.assert_allclose(base["per_fold"], expected, rtol=1e-9, atol=1e-12)
    assert base["mean"] == pytest.approx(expected.mean(), rel=1e-12)
    assert base["std"] == pytest.approx(expected.std(), rel=1e-9, abs=1e-15)
    name = {"accuracy": "accuracy", "log_loss": "log loss", "roc_auc": "ROC AUC",
            "f1_macro": "macro F1", "balanced_accuracy": "balanced accuracy"}[scoring or "accuracy"]
    best = record["results"][record["best_index"]]["mean"][scoring or "accuracy"]
    assert _baseline_line(out) == (
        "baseline, the same folds: a linear model (LogisticRegression on the standardised "
        f"features) mean {name} {expected.mean():.6g} (std {expected.std():.6g}); the "
        f"best combination's {best:.6g}")
    # the best: printed last, after the baseline
    assert out.splitlines()[-1].startswith("best: chainrule train " + data)


def test_the_note_follows_cvs_rule_for_the_best(capsys):
    """Two epochs of a 4-unit network: well below the line on iris, said with the
    options that may close the gap; the best's own scores in the note."""
    X, y = load_iris(return_X_y=True)
    out, record = _tune(capsys, "iris", *_QUICK)
    best = record["results"][record["best_index"]]["mean"]
    line = cross_val_score(_logistic(), X, y, scoring="accuracy",
                           cv=StratifiedKFold(3, shuffle=True, random_state=0)).mean()
    assert line - best["accuracy"] > 1 / 50  # more than one row of a fold's 50: worse
    note = [v for v in out.splitlines() if v.startswith("the best combination's mean")]
    assert len(note) == 1, out
    assert note[0].startswith(f"the best combination's mean accuracy {best['accuracy']:.6g}, "
                              f"log loss {best['log_loss']:.6g}: its accuracy")
    assert "worse than the linear model's on these folds; " in note[0]
    assert "--hidden with no width" in note[0] or "--weight-decay" in note[0]


def test_no_note_where_the_best_beats_the_line(capsys):
    X, y = load_iris(return_X_y=True)
    out, record = _tune(capsys, "iris", "--epochs", "50", "--folds", "5", "-q", "--grid",
                        "hidden=8,16", "lr=0.01")
    best = record["results"][record["best_index"]]["mean"]["accuracy"]
    line = cross_val_score(_logistic(), X, y, scoring="accuracy",
                           cv=StratifiedKFold(5, shuffle=True, random_state=0)).mean()
    assert best >= line  # the case: the network does as well
    assert record["baseline"]["mean"] == pytest.approx(line, rel=1e-12)
    assert not any(v.startswith("the best combination's") for v in out.splitlines())


def test_a_regression_baseline_is_ridgecv_and_its_note(capsys):
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(3, shuffle=True, random_state=0)
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS))
    out, record = _tune(capsys, "diabetes", "--epochs", "3", "--folds", "3", "-q",
                        "--grid", "lr=0.001,0.01")
    r2 = cross_val_score(ridge, X, y, scoring="r2", cv=cv)
    np.testing.assert_allclose(record["baseline"]["per_fold"], r2, rtol=1e-9)
    best = record["results"][record["best_index"]]["mean"]["r2"]
    assert best < r2.mean()  # three epochs: below the line, said as cv says it
    assert (f"the best combination's mean r2 {best:.6g} is below the linear model's "
            f"{r2.mean():.6g}: on these data it does no better than a line") in out
    # --scoring mae: RidgeCV's mean absolute error of the same folds
    _, record = _tune(capsys, "diabetes", "--epochs", "3", "--folds", "3", "-q",
                      "--grid", "lr=0.001,0.01", "--scoring", "mae")
    mae = -cross_val_score(ridge, X, y, scoring="neg_mean_absolute_error", cv=cv)
    assert record["baseline"]["model"] == "RidgeCV"
    np.testing.assert_allclose(record["baseline"]["per_fold"], mae, rtol=1e-9)


def test_sample_and_class_weights_weigh_the_baseline(capsys, tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 4))
    y = (X @ [1.0, -1.0, 0.5, 0.0] + 0.8 * rng.normal(size=150) > 0.6).astype(int)
    w = rng.uniform(0.2, 3.0, size=150)
    np.savez(tmp_path / "d.npz", X=X, y=y, w=w)
    _, record = _tune(capsys, tmp_path / "d.npz", "--sample-weight", "w",
                      "--class-weight", '{"1": 3}', *_QUICK)
    expected = []
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        scaler = StandardScaler().fit(X[tr], sample_weight=w[tr])
        # the fit's weights, sample times class, to a mean of 1 (as train's cost divides
        # by their sum, so C = 1 keeps its unweighted strength)
        fit_w = w[tr] * np.where(y[tr] == 1, 3.0, 1.0)
        model = LogisticRegression(max_iter=1000).fit(
            scaler.transform(X[tr]), y[tr], sample_weight=fit_w * len(tr) / fit_w.sum())
        expected.append(accuracy_score(y[te], model.predict(scaler.transform(X[te])),
                                       sample_weight=w[te]))
    np.testing.assert_allclose(record["baseline"]["per_fold"], expected, rtol=1e-12)
    unweighted = cross_val_score(_logistic(), X, y, scoring="accuracy",
                                 cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert not np.allclose(unweighted, expected)  # the weights are what makes them
