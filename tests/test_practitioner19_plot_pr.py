"""``chainrule plot pr MODEL DATA``: the precision-recall curve to choose a rare class's
``--threshold`` by.  The lines drawn are read back from the matplotlib Figure, not its
pixels, and compared with scikit-learn's ``precision_recall_curve`` and
``average_precision_score`` of the probabilities ``predict --proba`` writes, the marked
decisions with ``precision_score``/``recall_score`` of those probabilities thresholded in
the test (above 0.5; at or above P, as ``FixedThresholdClassifier`` decides)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    precision_score,
    recall_score,
)

from chainrule.cli import main
from file_helpers import cli_out as _run
from file_helpers import cli_proba as _proba

FAST = ["--hidden", "4", "--epochs", "8", "--seed", "0", "-q"]


def _lines(ax) -> dict:
    return {line.get_gid(): line for line in ax.lines}


def _check_curve(ax, j: int, y: np.ndarray, p: np.ndarray, name: str) -> None:
    lines = _lines(ax)
    precision, recall, _ = precision_recall_curve(y, p)
    curve = lines[f"curve {j}"]
    np.testing.assert_array_equal(curve.get_xdata(), recall)
    np.testing.assert_array_equal(curve.get_ydata(), precision)
    assert curve.get_label() == f"{name}: AP {average_precision_score(y, p):.3f}"
    np.testing.assert_allclose(lines[f"base {j}"].get_ydata(), [y.mean()] * 2, rtol=1e-15)


def _check_point(ax, gid: str, y: np.ndarray, predicted: np.ndarray) -> None:
    point = _lines(ax)[gid]
    assert point.get_xdata()[0] == pytest.approx(recall_score(y, predicted), abs=1e-15)
    # none predicted positive: precision 1, the curve's own point at recall 0
    precision = precision_score(y, predicted, zero_division=1.0)
    assert point.get_ydata()[0] == pytest.approx(precision, abs=1e-15)


def test_a_rare_class_curve_its_decision_and_threshold(tmp_path, capsys, saved_figures):
    X, y = make_classification(240, 4, n_informative=2, n_redundant=0, weights=[0.9],
                               class_sep=0.7, random_state=2)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["kind"] = np.where(y == 1, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.npz"
    _run(capsys, ["train", tmp_path / "d.csv", "--target", "kind", *FAST, "--epochs", "40",
                  "-o", model])
    p = _proba(capsys, model, tmp_path / "d.csv", tmp_path / "p.csv", ["no", "yes"])[:, 1]
    out = _run(capsys, ["plot", "pr", model, tmp_path / "d.csv", "--threshold", "0.3", "-o",
                        tmp_path / "pr.png"])
    assert "pr picture written to" in out and (tmp_path / "pr.png").stat().st_size > 0
    (fig,) = saved_figures
    (ax,) = fig.axes
    assert ax.get_title() == "Precision-recall on d.csv"
    _check_curve(ax, 0, y, p, "kind = yes")
    _check_point(ax, "predicted (above 0.5) 0", y, (p > 0.5).astype(int))
    _check_point(ax, "--threshold 0.3 0", y, (p >= 0.3).astype(int))
    assert (p >= 0.3).sum() > (p > 0.5).sum() > 0  # the two points differ


def test_multilabel_and_three_classes_draw_a_curve_each(tmp_path, capsys, saved_figures):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 4))
    T = (X[:, :3] + rng.normal(size=(150, 3)) > [0.0, 0.8, -0.5]).astype(int)
    frame = pd.DataFrame(X, columns=["f0", "f1", "f2", "f3"])
    frame[["t0", "t1", "t2"]] = T
    frame.to_csv(tmp_path / "ml.csv", index=False)
    _run(capsys, ["train", tmp_path / "ml.csv", "--target", "t0", "t1", "t2", *FAST,
                  "-o", tmp_path / "ml.npz"])
    P = _proba(capsys, tmp_path / "ml.npz", tmp_path / "ml.csv", tmp_path / "q.csv",
               ["t0", "t1", "t2"])
    _run(capsys, ["plot", "pr", tmp_path / "ml.npz", tmp_path / "ml.csv", "--threshold",
                  "0.4", "-o", tmp_path / "ml.png"])
    _run(capsys, ["train", "iris", *FAST, "-o", tmp_path / "iris.npz"])
    names = ["setosa", "versicolor", "virginica"]
    Q = _proba(capsys, tmp_path / "iris.npz", "iris", tmp_path / "i.csv", names)
    _run(capsys, ["plot", "pr", tmp_path / "iris.npz", "iris", "-o", tmp_path / "i.png"])
    ml, iris = (fig.axes[0] for fig in saved_figures)
    for j in range(3):
        _check_curve(ml, j, T[:, j], P[:, j], f"t{j} = 1")
        _check_point(ml, f"predicted (above 0.5) {j}", T[:, j], (P[:, j] > 0.5).astype(int))
        _check_point(ml, f"--threshold 0.4 {j}", T[:, j], (P[:, j] >= 0.4).astype(int))
    from sklearn.datasets import load_iris

    y = load_iris().target  # each class against the others; the decision: argmax
    for j, name in enumerate(names):
        _check_curve(iris, j, (y == j).astype(int), Q[:, j], name)
        _check_point(iris, f"predicted (most probable) {j}", (y == j).astype(int),
                     (Q.argmax(axis=1) == j).astype(int))


def test_refusals_name_the_model_and_the_option(tmp_path, capsys):
    _run(capsys, ["train", "iris", *FAST, "-o", tmp_path / "iris.npz"])
    assert main(["plot", "pr", str(tmp_path / "iris.npz"), "iris", "--threshold", "0.3"]) == 2
    assert "--threshold: " in capsys.readouterr().err  # 3 classes: no single threshold
    _run(capsys, ["train", "diabetes", *FAST, "-o", tmp_path / "r.npz"])
    assert main(["plot", "pr", str(tmp_path / "r.npz"), "diabetes"]) == 2
    assert "holds a regression model" in capsys.readouterr().err
    assert main(["plot", "confusion", str(tmp_path / "iris.npz"), "iris",
                 "--threshold", "0.3"]) == 2
    assert "--threshold: " in capsys.readouterr().err  # confusion decides by it: 3 classes
    assert main(["plot", "loss", str(tmp_path / "iris.npz"), "--threshold", "0.3"]) == 2
    assert ("--threshold is for plot regions, confusion, misclassified, pr and calibration only"
            in capsys.readouterr().err)
    assert main(["plot", "pr", str(tmp_path / "iris.npz")]) == 2
    assert "plot pr needs DATA" in capsys.readouterr().err
