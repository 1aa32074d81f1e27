"""The line ``chainrule train --sample-weight COL`` ends with says its scores are weighted.

They were scikit-learn's metrics given ``sample_weight=`` already, but the line read
"training accuracy 0.5734, log loss 0.6229" as a plain score would; it now reads
"weighted training accuracy ...".  The reference: sklearn.metrics of the saved model's
predictions with the column's weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("weighted_line")
    rng = np.random.default_rng(0)
    n = 80
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["y"] = np.where(frame.a + 0.8 * rng.normal(size=n) > 0, "p", "n")
    frame["r"] = 2 * frame.a + rng.normal(size=n)
    frame["w"] = rng.uniform(0.1, 3.0, size=n)
    frame.to_csv(path / "d.csv", index=False)
    return path, frame


def _line(capsys) -> str:
    return next(s for s in capsys.readouterr().out.splitlines() if s.startswith("trained "))


def test_classification_line_says_weighted_and_gives_sklearn_weighted_scores(data, capsys):
    path, frame = data
    capsys.readouterr()
    assert main(["train", str(path / "d.csv"), "--target", "y", "--features", "a", "b",
                 "--sample-weight", "w", "--hidden", "3", "--epochs", "5", "--seed", "1",
                 "--val-fraction", "0", "-o", str(path / "c.npz")]) == 0
    line = _line(capsys)
    model = cr.load_model(path / "c.npz")
    proba = model.predict_proba(frame[["a", "b"]])
    labels = list(model.classes_) if hasattr(model, "classes_") else model.metadata["labels"]
    y = np.array([labels.index(v) for v in frame.y])
    pred = proba.argmax(axis=1) if proba.shape[1] > 1 else (proba[:, 0] > 0.5).astype(int)
    w = frame.w.to_numpy()
    accuracy = metrics.accuracy_score(y, pred, sample_weight=w)
    assert accuracy != pytest.approx(metrics.accuracy_score(y, pred))  # they differ here
    log_loss = metrics.log_loss(y, proba if proba.shape[1] > 1 else proba[:, 0],
                                sample_weight=w)
    assert f"; weighted training accuracy {accuracy:.4g}, log loss {log_loss:.4g}" in line


def test_regression_line_says_weighted_and_unweighted_does_not(data, capsys):
    path, frame = data
    capsys.readouterr()
    base = ["train", str(path / "d.csv"), "--target", "r", "--features", "a", "b",
            "--hidden", "3", "--epochs", "5", "--seed", "1", "--val-fraction", "0"]
    assert main([*base, "--sample-weight", "w", "-o", str(path / "r.npz")]) == 0
    line = _line(capsys)
    pred = cr.load_model(path / "r.npz").predict(frame[["a", "b"]]).reshape(-1)
    mse = metrics.mean_squared_error(frame.r, pred, sample_weight=frame.w)
    assert f"; weighted training mean squared error {mse:.4g}, " in line
    assert main([*base, "-o", str(path / "u.npz")]) == 0
    line = _line(capsys)
    assert "weighted" not in line and "; training mean squared error " in line
