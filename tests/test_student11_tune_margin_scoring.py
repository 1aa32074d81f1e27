"""``chainrule tune --scoring log_loss`` of a margin loss (multiclass_hinge, alias svm,
and hinge) is refused before any combination trains: such a model gives class scores,
not probabilities, and has no log loss.  The scorings the message names are checked
against the scores ``chainrule evaluate --json`` prints of a margin-loss model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main


def _data(tmp_path) -> str:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] > 0.4, "c", np.where(X[:, 1] > 0, "a", "b"))
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n" + "".join(
        f"{float(a)!r},{float(b)!r},{c}\n" for (a, b), c in zip(X, y, strict=True)))
    return str(path)


def _evaluate_scores(tmp_path, data: str, capsys) -> list[str]:
    """The scores evaluate gives a multiclass_hinge model (the reference)."""
    out = str(tmp_path / "m.json")
    assert main(["train", data, "--target", "label", "--loss", "svm", "--epochs", "2",
                 "-q", "-o", out]) == 0
    capsys.readouterr()
    assert main(["evaluate", out + ".npz", data, "--json"]) == 0
    return [k for k in json.loads(capsys.readouterr().out) if k != "samples"]


@pytest.mark.parametrize("grid", [["--loss", "svm", "--grid", "lr=0.01,0.1"],
                                  ["--grid", "loss=cross_entropy,multiclass_hinge"]])
def test_tune_refuses_log_loss_of_a_margin_loss_before_training(tmp_path, capsys, grid):
    data = _data(tmp_path)
    applies = _evaluate_scores(tmp_path, data, capsys)
    assert "log_loss" not in applies
    code = main(["tune", data, "--target", "label", "--epochs", "3", "--folds", "2",
                 *grid, "--scoring", "log_loss"])
    err = capsys.readouterr().err
    assert code == 2
    assert "combination 1 of" not in err  # nothing trained
    message = err.strip().splitlines()[-1]
    assert "--scoring log_loss" in message and "margin loss" in message
    assert "not probabilities" in message
    named = message.rsplit("the scorings that apply: ", 1)[1].split(", ")
    assert sorted(named) == sorted(applies)
    if "loss=" in grid[-1]:  # the combination of the grid that has the margin loss
        assert "the combination --loss multiclass_hinge" in message


def test_tune_ranks_a_margin_loss_by_a_score_it_has(tmp_path, capsys):
    data = _data(tmp_path)
    assert main(["tune", data, "--target", "label", "--loss", "svm", "--epochs", "3",
                 "--folds", "2", "--grid", "lr=0.1", "--scoring", "f1_macro"]) == 0
