"""examples/imbalanced_classes.py: its printed scores recomputed, its files scored by the CLI
against sklearn.metrics, its claim over seeds 0-4, and its README row."""

from __future__ import annotations

import json
import runpy
import shlex
import sys
from pathlib import Path

import numpy as np

from chainrule import load_estimator
from chainrule.cli import main as cli_main

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "imbalanced_classes.py"


def _per_class(y: np.ndarray, p: np.ndarray, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Recall and F1 of each class, from the counts written out."""
    tp = np.array([np.sum((y == c) & (p == c)) for c in range(k)])
    recall = tp / np.array([np.sum(y == c) for c in range(k)])
    predicted = np.array([np.sum(p == c) for c in range(k)])
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(k), where=total > 0)
    return recall, f1


def test_imbalanced_example_prints_what_its_classifiers_compute(tmp_path, monkeypatch,
                                                                  capsys):
    """Accuracy, balanced accuracy (mean recall), macro F1 and each class's recall from the
    counts of each model's own predictions; the README row quotes the figures printed."""
    monkeypatch.setattr(sys, "argv", ["imbalanced_classes.py", "--out", str(tmp_path / "p.png")])
    got = runpy.run_path(str(SCRIPT))["main"]()
    out = capsys.readouterr().out
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    d = got["data"]
    assert d["X_test"].shape == (1000, 8) and d["X_train"].shape == (1000, 8)
    shares = np.bincount(d["y_test"]) / 1000
    np.testing.assert_allclose(shares, [0.9, 0.07, 0.03], atol=0.01)
    assert np.abs(np.bincount(d["y_test"]) - np.bincount(d["y_train"])).max() <= 1  # stratified
    figures = {}
    for label, class_weight in (("plain", None), ("balanced", "balanced")):
        model = got[label]["model"]
        assert model.class_weight == class_weight and model.random_state == 0
        p = model.predict(d["X_test"])
        np.testing.assert_array_equal(got[label]["prediction"], p)
        recall, f1 = _per_class(d["y_test"], p)
        row = (np.mean(p == d["y_test"]), recall.mean(), f1.mean())
        np.testing.assert_allclose([got[label][k] for k in ("accuracy", "balanced_accuracy",
                                                          "f1_macro")], row, rtol=1e-12)
        np.testing.assert_allclose(got[label]["recall"], recall, rtol=1e-12)
        assert (f"  {label:12s} {row[0]:9.3f} {row[1]:9.3f} {row[2]:9.3f}   "
                + ", ".join(f"{v:.3f}" for v in recall) + "\n") in out, label
        figures[label] = (*row, recall[2])
    readme = (SCRIPT.parents[1] / "README.md").read_text()
    row = readme.split("**`imbalanced_classes.py`**", 1)[1].split("<br>", 1)[0]
    names = ("accuracy", "balanced accuracy", "macro F1", "recall of the rarest class")
    for name, plain, balanced in zip(names, figures["plain"], figures["balanced"], strict=True):
        assert f"{name} {plain:.2f} to {balanced:.2f}" in row, (name, row)


def test_imbalanced_example_files_score_the_same_through_the_cli(tmp_path, monkeypatch,
                                                                 capsys):
    """The commands the example prints, run through chainrule.cli.main: the CSV file and
    the saved estimators give the scores, report and confusion matrix of sklearn.metrics on
    the estimator's own predictions."""
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        classification_report,
        confusion_matrix,
        f1_score,
    )

    monkeypatch.setattr(sys, "argv", ["imbalanced_classes.py", "--out", str(tmp_path / "p.png"),
                                      "--dir", str(tmp_path / "files")])
    got = runpy.run_path(str(SCRIPT))["main"]()
    out = capsys.readouterr().out
    commands = [shlex.split(line) for line in out.splitlines()
                if line.startswith("  chainrule evaluate ")]
    assert len(commands) == 2
    X, y = got["data"]["X_test"], got["data"]["y_test"]
    for label, argv in zip(("plain", "balanced"), commands, strict=True):
        model, data = argv[2], argv[3]
        assert argv[4:] == ["--report"] and Path(model) == tmp_path / "files" / (
            f"imbalanced_{label}.npz") and Path(data) == tmp_path / "files" / "imbalanced_test.csv"
        p = got[label]["model"].predict(X)
        # the file reads back to the same estimator: the same predictions
        np.testing.assert_array_equal(load_estimator(model).predict(X), p)
        assert cli_main(argv[1:]) == 0
        text = capsys.readouterr().out
        assert text.startswith(f"{data}: 1000 examples\n")
        assert f"accuracy: {accuracy_score(y, p):.6g}\n" in text
        assert f"balanced accuracy: {balanced_accuracy_score(y, p):.6g}\n" in text
        assert cli_main([*argv[1:], "--json"]) == 0
        scores = json.loads(capsys.readouterr().out)
        assert scores["samples"] == 1000 and scores["labels"] == ["0", "1", "2"]
        assert abs(scores["accuracy"] - accuracy_score(y, p)) < 1e-12
        assert abs(scores["balanced_accuracy"] - balanced_accuracy_score(y, p)) < 1e-12
        assert abs(scores["f1_macro"] - f1_score(y, p, average="macro")) < 1e-12
        assert scores["confusion_matrix"] == confusion_matrix(y, p).tolist()
        reference = classification_report(y, p, output_dict=True, zero_division=0)
        for c in ("0", "1", "2"):
            for key in ("precision", "recall", "f1-score", "support"):
                assert abs(scores["report"][c][key] - reference[c][key]) < 1e-12, (c, key)
        np.testing.assert_allclose([scores["report"][c]["recall"] for c in "012"],
                                   got[label]["recall"], rtol=1e-12)


def test_balanced_weights_raise_balanced_accuracy_for_seeds_0_to_4():
    """The docstring's claim, over seeds 0-4: class_weight="balanced" raises the balanced
    accuracy and the recall of the rarest class, and lowers the accuracy."""
    fit_both = runpy.run_path(str(SCRIPT))["fit_both"]
    for seed in range(5):
        got = fit_both(seed)
        y = got["data"]["y_test"]
        plain, balanced = got["plain"]["prediction"], got["balanced"]["prediction"]
        r_plain, r_bal = _per_class(y, plain)[0], _per_class(y, balanced)[0]
        assert r_bal.mean() > r_plain.mean() + 0.02, seed
        assert r_bal[2] > r_plain[2] and r_bal[0] < r_plain[0], seed
        assert np.mean(balanced == y) < np.mean(plain == y), seed
