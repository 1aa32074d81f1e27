"""``chainrule plot pr``: a decision that predicts no example positive is drawn at
precision 1 (the curve's own end; scikit-learn's ``precision_score`` gives 0 by default,
1 with ``zero_division=1.0``), and its legend says so."""

from __future__ import annotations

from sklearn.metrics import (
    precision_score,
)

from file_helpers import cli_out as _run
from file_helpers import cli_proba as _proba
from pr_helpers import FAST, FEATURES
from pr_helpers import pr_data as _data
from pr_helpers import pr_lines as _lines


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
