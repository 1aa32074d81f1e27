"""``chainrule plot pr --sample-weight COLUMN``: the curve, average precision, base
rate and marked points weighted, against scikit-learn's ``precision_recall_curve``,
``average_precision_score``, ``precision_score`` and ``recall_score`` with
``sample_weight`` of the probabilities ``predict --proba`` writes; the weights refused
as evaluate refuses them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    precision_score,
    recall_score,
)

from chainrule.cli import main
from file_helpers import cli_out as _run
from file_helpers import cli_proba as _proba
from pr_helpers import FAST, FEATURES
from pr_helpers import pr_data as _data
from pr_helpers import pr_lines as _lines


def test_sample_weight_weighs_the_curve_ap_base_rate_and_points(tmp_path, capsys,
                                                                saved_figures):
    y, w = _data(tmp_path / "d.csv")
    model = tmp_path / "m.npz"
    _run(capsys, ["train", tmp_path / "d.csv", "--target", "kind", *FEATURES, *FAST,
                  "-o", model])
    p = _proba(capsys, model, tmp_path / "d.csv", tmp_path / "p.csv", ["no", "yes"])[:, 1]
    _run(capsys, ["plot", "pr", model, tmp_path / "d.csv", "--sample-weight", "w",
                  "--threshold", "0.3", "-o", tmp_path / "pr.png"])
    lines = _lines(saved_figures[0])
    precision, recall, _ = precision_recall_curve(y, p, sample_weight=w)
    np.testing.assert_allclose(lines["curve 0"].get_xdata(), recall, rtol=1e-12)
    np.testing.assert_allclose(lines["curve 0"].get_ydata(), precision, rtol=1e-12)
    ap = average_precision_score(y, p, sample_weight=w)
    assert abs(ap - average_precision_score(y, p)) > 5e-4  # the weights matter
    assert lines["curve 0"].get_label() == f"kind = yes: AP {ap:.3f}"
    base = np.sum(w * y) / np.sum(w)  # the weighted share of the positive class
    np.testing.assert_allclose(lines["base 0"].get_ydata(), [base] * 2, rtol=1e-12)
    for gid, predicted in (("predicted (above 0.5) 0", p > 0.5),
                           ("--threshold 0.3 0", p >= 0.3)):
        point = lines[gid]
        assert point.get_xdata()[0] == pytest.approx(
            recall_score(y, predicted, sample_weight=w), abs=1e-12)
        assert point.get_ydata()[0] == pytest.approx(
            precision_score(y, predicted, sample_weight=w), abs=1e-12)


def test_sample_weight_refusals_are_evaluates(tmp_path, capsys):
    _data(tmp_path / "d.csv")
    model = tmp_path / "m.npz"
    _run(capsys, ["train", tmp_path / "d.csv", "--target", "kind", *FEATURES, *FAST,
                  "-o", model])
    bad = pd.read_csv(tmp_path / "d.csv")
    bad.loc[3, "w"] = -1.0
    bad.to_csv(tmp_path / "bad.csv", index=False)
    for argv in (["bad.csv", "--sample-weight", "w"], ["d.csv", "--sample-weight", "a"],
                 ["d.csv", "--sample-weight", "kind"], ["d.csv", "--sample-weight", "nope"]):
        data, *rest = argv
        assert main(["evaluate", str(model), str(tmp_path / data), *rest]) == 2
        said = capsys.readouterr().err
        assert main(["plot", "pr", str(model), str(tmp_path / data), *rest,
                     "-o", str(tmp_path / "x.png")]) == 2
        assert capsys.readouterr().err.replace("plot", "evaluate") == said.replace(
            "plot", "evaluate"), argv
        assert "--sample-weight" in said
    assert main(["plot", "confusion", str(model), str(tmp_path / "d.csv"),
                 "--sample-weight", "w"]) == 2
    assert "--sample-weight is for plot pr and calibration only" in capsys.readouterr().err
