"""``chainrule plot pr``: a decision that predicts no example positive is drawn at
precision 1 (the curve's own end; scikit-learn's ``precision_score`` gives 0 by default,
1 with ``zero_division=1.0``), and its legend says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.metrics import (
    precision_score,
)

from file_helpers import cli_out as _run
from file_helpers import cli_proba as _proba

FAST = ["--hidden", "4", "--epochs", "60", "--seed", "0", "-q"]
FEATURES = ["--features", "a", "b", "c", "d"]


def _data(path, n: int = 200, flip: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(n, 4, n_informative=2, n_redundant=0, weights=[0.8],
                               class_sep=1.0, flip_y=flip, random_state=2)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["kind"] = np.where(y == 1, "yes", "no")
    frame["w"] = np.random.default_rng(1).uniform(0.1, 3.0, n).round(3)
    frame.to_csv(path, index=False)
    return y, frame["w"].to_numpy()


def _lines(fig) -> dict:
    return {line.get_gid(): line for line in fig.axes[0].lines}


def test_no_positive_predicted_is_precision_1_and_said(tmp_path, capsys, saved_figures):
    y, _ = _data(tmp_path / "d.csv")
    model = tmp_path / "m.npz"
    _run(capsys, ["train", tmp_path / "d.csv", "--target", "kind", *FEATURES, *FAST,
                  "-o", model])
    p = _proba(capsys, model, tmp_path / "d.csv", tmp_path / "p.csv", ["no", "yes"])[:, 1]
    assert p.max() < 0.999  # none at or above the threshold
    _run(capsys, ["plot", "pr", model, tmp_path / "d.csv", "--threshold", "0.999",
                  "-o", tmp_path / "pr.png"])
    point = _lines(saved_figures[0])["--threshold 0.999 0"]
    none = p >= 0.999
    # scikit-learn's precision_score gives 0 by default here, 1 with zero_division=1.0:
    # the plot draws the curve's end, precision 1, and says so
    assert precision_score(y, none, zero_division=0.0) == 0.0
    assert point.get_ydata()[0] == precision_score(y, none, zero_division=1.0) == 1.0
    assert point.get_xdata()[0] == 0.0
    assert "none predicted positive: precision 1" in point.get_label()
