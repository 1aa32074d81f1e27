"""``chainrule importance`` computes, of each shuffle, the one score it is asked for.

evaluate's scores of a classifier are several (accuracy, log loss, balanced accuracy, macro
F1, ROC AUC), and a shuffle needs one: the others' scikit-learn calls cost more than the
model's forward pass (a log loss as long as the pass itself on digits, ROC AUC five times
it).  Each scikit-learn metric that the score asked for does not use is made to fail here;
the figures are still scikit-learn's ``permutation_importance``'s, computed before.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
import sklearn.metrics
from sklearn.datasets import load_iris
from sklearn.inspection import permutation_importance

from chainrule.cli import main
from test_cli_importance import (
    _by_name,
    _FileClassifier,
    _FileMultiOutput,
    _FileRegressor,
    _importance,
    _write,
)

_METRICS = ("log_loss", "balanced_accuracy_score", "f1_score", "roc_auc_score",
            "mean_squared_error", "mean_absolute_error", "r2_score", "hamming_loss",
            "accuracy_score")


def _unused(monkeypatch, used: tuple[str, ...]) -> None:
    """Make each metric of scikit-learn but those ``used`` fail when called."""
    def fail(name):
        def called(*args, **kwargs):
            raise AssertionError(f"sklearn.metrics.{name} computed, not asked for")
        return called

    for name in _METRICS:
        if name not in used:
            monkeypatch.setattr(sklearn.metrics, name, fail(name))


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scores")
    X, y = load_iris(return_X_y=True)
    _write(folder / "iris.csv", ["a", "b", "c", "d", "y"], X, y)
    model = folder / "m.npz"
    assert main(["train", str(folder / "iris.csv"), "--hidden", "5", "--epochs", "30",
                 "--seed", "2", "-q", "-o", str(model)]) == 0
    return model, folder / "iris.csv", X, y


@pytest.mark.parametrize(("scoring", "sklearn_scoring", "used"), [
    (None, None, ()), ("log_loss", "neg_log_loss", ("log_loss",)),
    ("balanced_accuracy", "balanced_accuracy", ("balanced_accuracy_score",)),
    ("f1_macro", "f1_macro", ("f1_score",)), ("roc_auc", "roc_auc_ovr", ("roc_auc_score",))])
def test_a_classifier_computes_the_one_score(iris, capsys, monkeypatch, scoring,
                                             sklearn_scoring, used):
    model, data, X, y = iris
    want = permutation_importance(_FileClassifier(str(model)).fit(X, y), X, y,
                                  scoring=sklearn_scoring, n_repeats=3, random_state=1)
    _unused(monkeypatch, used)
    got = _importance(capsys, str(model), str(data), "--repeats", "3", "--seed", "1",
                      *(["--scoring", scoring] if scoring else []))
    mean, std = _by_name(got, ["a", "b", "c", "d"])
    np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, want.importances_std, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("scoring", "sklearn_scoring", "used"), [
    (None, None, ("r2_score",)), ("mae", "neg_mean_absolute_error", ("mean_absolute_error",)),
    ("rmse", "neg_root_mean_squared_error", ("mean_squared_error",))])
def test_a_regression_computes_the_one_score(tmp_path, capsys, monkeypatch, scoring,
                                             sklearn_scoring, used):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 2))
    y = X[:, 0] - 2 * X[:, 1]
    _write(tmp_path / "d.csv", ["u", "v", "y"], X, y)
    model = tmp_path / "r.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "4",
                 "--epochs", "30", "--seed", "0", "-q", "-o", str(model)]) == 0
    want = permutation_importance(_FileRegressor(str(model)), X, y, scoring=sklearn_scoring,
                                  n_repeats=2, random_state=3)
    _unused(monkeypatch, used)
    got = _importance(capsys, str(model), str(tmp_path / "d.csv"), "--repeats", "2",
                      "--seed", "3", *(["--scoring", scoring] if scoring else []))
    mean, _ = _by_name(got, ["u", "v"])
    np.testing.assert_allclose(mean, want.importances_mean, rtol=1e-12, atol=1e-12)


def test_a_multilabel_classifier_computes_the_one_score(tmp_path, capsys, monkeypatch):
    """Hamming loss of three yes/no targets: no target's log loss is computed."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(90, 3))
    Y = (X + 0.3 * rng.normal(size=X.shape) > 0).astype(int)
    with open(tmp_path / "d.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "c", "s", "t", "u"])
        writer.writerows([*map(repr, map(float, x)), *map(str, t)]
                         for x, t in zip(X, Y, strict=True))
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--target", "s", "t", "u", "--hidden", "4",
                 "--epochs", "30", "--seed", "0", "-q", "-o", str(model)]) == 0
    scorer = sklearn.metrics.make_scorer(sklearn.metrics.hamming_loss, greater_is_better=False)
    want = permutation_importance(_FileMultiOutput(str(model)), X, Y, scoring=scorer,
                                  n_repeats=5, random_state=0)
    _unused(monkeypatch, ("hamming_loss",))
    got = _importance(capsys, str(model), str(tmp_path / "d.csv"), "--scoring", "hamming_loss")
    mean, _ = _by_name(got, ["a", "b", "c"])
    np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12)
    assert np.all(mean > 0)  # each feature is the one of a target
