"""``evaluate`` of a multi-label model: each target's ROC AUC and average precision.

evaluate printed each target's accuracy and log loss only, and the ROC AUC of the
targets as one macro average, so that a practitioner could not tell which label the
model ranks poorly.  The references are scikit-learn's ``roc_auc_score`` and
``average_precision_score`` of each column that ``predict --proba`` writes.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from file_helpers import cli_out as _run

TARGETS = ["t0", "t1", "t2"]


def test_each_target_has_its_roc_auc_and_average_precision(tmp_path, capsys):
    rng = np.random.default_rng(5)  # three labels, each a noisy linear rule of X
    X = rng.normal(size=(150, 4))
    T = (X[:, :3] + rng.normal(size=(150, 3)) > [0.0, 0.8, -0.5]).astype(int)
    frame = pd.DataFrame(X, columns=["f0", "f1", "f2", "f3"])
    frame[TARGETS] = T
    frame.to_csv(tmp_path / "d.csv", index=False)
    _run(capsys, ["train", tmp_path / "d.csv", "--target", *TARGETS, "--hidden", "4",
                  "--epochs", "6", "--seed", "0", "-q", "-o", tmp_path / "m.npz"])
    _run(capsys, ["predict", tmp_path / "m.npz", tmp_path / "d.csv", "--proba",
                  "-o", tmp_path / "p.csv"])
    P = pd.read_csv(tmp_path / "p.csv")[[f"proba_{n}" for n in TARGETS]].to_numpy()
    got = json.loads(_run(capsys, ["evaluate", tmp_path / "m.npz", tmp_path / "d.csv",
                                   "--json"]))
    for j, name in enumerate(TARGETS):
        assert got["targets"][name]["roc_auc"] == pytest.approx(
            roc_auc_score(T[:, j], P[:, j]), abs=1e-12)
        assert got["targets"][name]["average_precision"] == pytest.approx(
            average_precision_score(T[:, j], P[:, j]), abs=1e-12)
    text = _run(capsys, ["evaluate", tmp_path / "m.npz", tmp_path / "d.csv"])
    each = got["targets"]["t1"]
    assert (f"target t1: accuracy {each['accuracy']:.6g}, log loss {each['log_loss']:.6g}, "
            f"ROC AUC {each['roc_auc']:.6g}, average precision "
            f"{each['average_precision']:.6g}") in text.splitlines()
    # rows where t2 is always 1: its ranking scores are left out, the others' kept
    ones = frame[frame["t2"] == 1]
    ones.to_csv(tmp_path / "ones.csv", index=False)
    got = json.loads(_run(capsys, ["evaluate", tmp_path / "m.npz", tmp_path / "ones.csv",
                                   "--json"]))
    assert set(got["targets"]["t2"]) == {"accuracy", "log_loss", "brier", "ece"}  # calibrated
    keep = (T[:, 2] == 1)
    assert got["targets"]["t0"]["roc_auc"] == pytest.approx(
        roc_auc_score(T[keep, 0], P[keep, 0]), abs=1e-12)
