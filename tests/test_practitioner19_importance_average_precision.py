"""``chainrule importance --scoring average_precision``: the worsening of average precision
(the area under the precision-recall curve, the score of a rare class) when a feature is
shuffled.

The reference is scikit-learn's ``permutation_importance(..., scoring="average_precision")``
on the model file run in NumPy (``test_cli_importance._FileClassifier``), the same shuffles
(``random_state``); each shuffle's value is scikit-learn's ``average_precision_score``.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.inspection import permutation_importance
from sklearn.metrics import average_precision_score

from chainrule.cli import main
from test_cli_importance import _by_name, _FileClassifier, _importance, _write


class _Binary(_FileClassifier):
    """A sigmoid output's probability p of the second class as scikit-learn's two columns."""

    def predict_proba(self, X):
        p = self._outputs(X)
        return p if p.shape[1] == 2 else np.hstack([1 - p, p])


def _model(folder, X, y, hidden: str = "4") -> tuple[str, str]:
    names = [f"x{j}" for j in range(X.shape[1])]
    _write(folder / "d.csv", [*names, "y"], X, y)
    model = folder / "m.npz"
    assert main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", hidden,
                 "--epochs", "20", "--seed", "0", "-q", "-o", str(model)]) == 0
    return str(model), str(folder / "d.csv")


def test_a_rare_class_importance_by_average_precision_is_sklearns(tmp_path, capsys):
    # one row in ten of the positive class; 2 informative features of 4
    X, y = make_classification(200, 4, n_informative=2, n_redundant=0, weights=[0.9],
                               class_sep=0.8, shuffle=False, random_state=4)
    model, data = _model(tmp_path, X, y)
    estimator = _Binary(model).fit(X, y)
    want = permutation_importance(estimator, X, y, scoring="average_precision",
                                  n_repeats=3, random_state=2)
    got = _importance(capsys, model, data, "--scoring", "average_precision", "--repeats",
                      "3", "--seed", "2")
    assert got["scoring"] == "average_precision" and got["greater_is_better"]
    proba = estimator.predict_proba(X)
    assert got["baseline"] == pytest.approx(average_precision_score(y, proba[:, -1]),
                                            abs=1e-12)
    mean, std = _by_name(got, ["x0", "x1", "x2", "x3"])
    np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(std, want.importances_std, rtol=0, atol=1e-12)
    assert mean[:2].min() > mean[2:].max()  # the informative ones (shuffle=False: first)


def test_three_classes_take_the_macro_average_and_the_name_is_listed(tmp_path, capsys):
    X, y = make_classification(150, 3, n_informative=3, n_redundant=0, n_classes=3,
                               n_clusters_per_class=1, random_state=1)
    model, data = _model(tmp_path, X, y)
    want = permutation_importance(_FileClassifier(model).fit(X, y), X, y,
                                  scoring="average_precision", n_repeats=2, random_state=0)
    got = _importance(capsys, model, data, "--scoring", "average-precision", "--repeats", "2")
    mean, _ = _by_name(got, ["x0", "x1", "x2"])
    np.testing.assert_allclose(mean, want.importances_mean, rtol=0, atol=1e-12)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["importance", model, data, "--scoring", "nope"])
    assert "average_precision" in capsys.readouterr().err


def test_data_of_one_class_is_refused_naming_the_scores_left(tmp_path, capsys):
    """Average precision is left out with ROC AUC (rows of one class): refused, and ROC AUC
    is not offered in its place."""
    X, y = make_classification(60, 2, n_informative=2, n_redundant=0, random_state=0)
    model, _ = _model(tmp_path, X, y)
    _write(tmp_path / "zeros.csv", ["x0", "x1", "y"], X[y == 0], y[y == 0])
    capsys.readouterr()
    assert main(["importance", model, str(tmp_path / "zeros.csv"), "--scoring",
                 "average_precision"]) == 2
    err = capsys.readouterr().err
    assert "--scoring average_precision: evaluate leaves it out of these data" in err
    assert err.strip().endswith("choose another with --scoring: accuracy, log_loss, "
                                "balanced_accuracy, f1_macro")
