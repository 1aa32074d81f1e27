"""``chainrule plot`` of a model file that ``tune-threshold -o`` wrote: ``plot pr`` marks
the file's threshold (its precision and recall, the legend saying where it came from),
and ``plot confusion`` and ``plot regions`` decide the classes by it, as ``predict``
does; ``--threshold none`` leaves it aside (the most probable class).

The references: the network run in NumPy (test_cli_importance's ``_FileClassifier``),
its decision at the file's threshold computed here (scikit-learn's
``FixedThresholdClassifier(threshold=t, response_method="predict_proba")`` rule: the
second class where its probability is at or above t), and ``sklearn.metrics``'
``precision_score``, ``recall_score`` and ``confusion_matrix`` of it.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from chainrule import plots
from chainrule.cli import main
from pr_helpers import FEATURES, pr_data, pr_lines
from test_cli_importance import _FileClassifier

FAST = ["--hidden", "4", "--epochs", "30", "--seed", "0", "-q", "--target", "kind"]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """A tuned model of features a..d and one of a, b (for regions), their thresholds,
    DATA's features, classes (0/1) and the NumPy network's probabilities of 'yes'."""
    d = tmp_path_factory.mktemp("tuned")
    y, _ = pr_data(d / "d.csv")
    frame = pd.read_csv(d / "d.csv")
    found = {}
    for name, features in (("t", FEATURES), ("ab", ["--features", "a", "b"])):
        text = io.StringIO()
        with contextlib.redirect_stdout(text), contextlib.redirect_stderr(io.StringIO()):
            assert main(["tune-threshold", str(d / "d.csv"), *FAST, *features, "--folds",
                         "3", "--json", "-o", str(d / f"{name}.npz")]) == 0
        columns = features[1:]
        X = frame[columns].to_numpy()
        # one sigmoid unit: the probability of yes
        proba = _FileClassifier(str(d / f"{name}.npz")).predict_proba(X)[:, -1]
        found[name] = (json.loads(text.getvalue().splitlines()[0])["value"], X, proba)
    return d, y, found


def _run(capsys, argv) -> None:
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 0, capsys.readouterr().err


def test_plot_pr_marks_the_file_s_threshold(tuned, capsys, saved_figures):
    d, y, found = tuned
    t, _, p = found["t"]
    assert 0.05 < t < 0.95 and np.any((p >= t) != (p >= 0.5))  # a threshold that matters
    _run(capsys, ["plot", "pr", d / "t.npz", d / "d.csv", "-o", d / "pr.png"])
    lines = pr_lines(saved_figures[-1])
    point = lines[f"file's threshold {t:.4g} (tune-threshold) 0"]
    decided = (p >= t).astype(int)
    assert point.get_xdata()[0] == pytest.approx(recall_score(y, decided), abs=1e-15)
    assert point.get_ydata()[0] == pytest.approx(precision_score(y, decided), abs=1e-15)
    legend = [text.get_text() for text in saved_figures[-1].axes[0].get_legend().get_texts()]
    assert any("tune-threshold" in text and f"recall {recall_score(y, decided):.3f}" in text
               for text in legend), legend
    half = lines["most probable (above 0.5) 0"]  # the argmax's point is still drawn
    assert half.get_xdata()[0] == pytest.approx(recall_score(y, p > 0.5), abs=1e-15)
    # --threshold none leaves the file's threshold out
    _run(capsys, ["plot", "pr", d / "t.npz", d / "d.csv", "-o", d / "pr.png",
                  "--threshold", "none"])
    gids = set(pr_lines(saved_figures[-1]))
    assert "predicted (above 0.5) 0" in gids and not any("tune-threshold" in g for g in gids)


@pytest.fixture
def drawn(monkeypatch) -> list:
    """The (y_true, y_pred) of each confusion matrix drawn."""
    calls, draw = [], plots.plot_confusion_matrix

    def keep(y_true, y_pred, *args, **kwargs):
        calls.append((np.asarray(y_true), np.asarray(y_pred)))
        return draw(y_true, y_pred, *args, **kwargs)

    monkeypatch.setattr(plots, "plot_confusion_matrix", keep)
    return calls


def test_plot_confusion_decides_at_the_file_s_threshold(tuned, capsys, drawn,
                                                         saved_figures):
    d, y, found = tuned
    t, _, p = found["t"]
    names = np.array(["no", "yes"])
    _run(capsys, ["plot", "confusion", d / "t.npz", d / "d.csv", "-o", d / "c.png"])
    true, pred = drawn[-1]
    np.testing.assert_array_equal(true, names[y])
    np.testing.assert_array_equal(pred, names[(p >= t).astype(int)])
    np.testing.assert_array_equal(confusion_matrix(true, pred),
                                  confusion_matrix(y, (p >= t).astype(int)))
    assert "tune-threshold" in saved_figures[-1].axes[0].get_title()
    _run(capsys, ["plot", "confusion", d / "t.npz", d / "d.csv", "-o", d / "c.png",
                  "--threshold", "none"])
    np.testing.assert_array_equal(drawn[-1][1], names[(p > 0.5).astype(int)])
    _run(capsys, ["plot", "confusion", d / "t.npz", d / "d.csv", "-o", d / "c.png",
                  "--threshold", "0.7"])
    np.testing.assert_array_equal(drawn[-1][1], names[(p >= 0.7).astype(int)])


def test_plot_regions_decides_at_the_file_s_threshold(tuned, capsys, monkeypatch):
    d, _, found = tuned
    t, X, _ = found["ab"]
    panels, draw = [], plots.plot_decision_regions

    def keep(given, *args, **kwargs):
        panels.append(given[0])
        return draw(given, *args, **kwargs)

    monkeypatch.setattr(plots, "plot_decision_regions", keep)
    _run(capsys, ["plot", "regions", d / "ab.npz", d / "d.csv", "-o", d / "r.png"])
    title, model, _, _ = panels[-1]
    assert "tune-threshold" in title
    rng = np.random.default_rng(0)  # points of the plane beyond DATA's too
    grid = np.vstack([X, rng.uniform(-4, 4, size=(300, 2))])
    q = _FileClassifier(str(d / "ab.npz")).predict_proba(grid)[:, -1]
    np.testing.assert_array_equal(np.asarray(model.predict(grid)),
                                  np.array(["no", "yes"])[(q >= t).astype(int)])
    assert np.any((q >= t) != (q > 0.5))


@pytest.mark.slow  # a training and a picture of images: some seconds
def test_plot_misclassified_decides_at_the_threshold(tmp_path, capsys, monkeypatch,
                                                     saved_figures):
    """misclassified's predicted labels are decided as confusion's (the same decider);
    here by --threshold P, a model of images being quicker to train than to tune."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = (digits.target == 3) | (digits.target == 8)
    np.savez(tmp_path / "img.npz", X=digits.images[keep][:, None],
             y=(digits.target[keep] == 8).astype(int))
    _run(capsys, ["train", tmp_path / "img.npz", "--hidden", "8", "--epochs", "3",
                  "--seed", "0", "-q", "-o", tmp_path / "m.npz"])
    p = _FileClassifier(str(tmp_path / "m.npz")).predict_proba(
        digits.images[keep].reshape(-1, 64))[:, -1]
    assert np.any((p >= 0.95) != (p > 0.5))
    drawn, draw = [], plots.plot_misclassified

    def kept(images, y_true, y_pred, *args, **kwargs):
        drawn.append(np.asarray(y_pred))
        return draw(images, y_true, y_pred, *args, **kwargs)

    monkeypatch.setattr(plots, "plot_misclassified", kept)
    _run(capsys, ["plot", "misclassified", tmp_path / "m.npz", tmp_path / "img.npz",
                  "-o", tmp_path / "m.png", "--threshold", "0.95", "--max-images", "2"])
    np.testing.assert_array_equal(drawn[-1].astype(int), (p >= 0.95).astype(int))
    assert "at --threshold 0.95" in saved_figures[-1]._suptitle.get_text()
