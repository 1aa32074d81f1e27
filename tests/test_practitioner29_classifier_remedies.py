"""A classifier's note of a network below LogisticRegression names the one option that
made it fire less often over cv's folds (``benchmarks/bench_defaults.py --cv``, README
"Defaults"): ``--weight-decay 0.003``; a regression's note is as before
(``--weight-decay 0.1``, ``--patience 10``, ``--hidden``).

The references are hand-worked (which options each run gave, so which are named), and
in the slow test scikit-learn's LogisticRegression on cv's folds of breast_cancer (seed
0): the option named closes more than half the defaults' log-loss gap to it, where
``--patience 10``, no longer named, leaves more than a third.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from chainrule import _cli_models_baseline as baseline
from file_helpers import cli_ok

_WD = "--weight-decay 0.003 (an L2 penalty on the weights, default 0) may close it"


def _args(**given) -> SimpleNamespace:
    """train's parsed options as their defaults leave them, but for ``given``."""
    return SimpleNamespace(**{"weight_decay": 0.0, "patience": None, "optimizer": "adam",
                              "init_from": None, "layers": None, "hidden": [100], **given})


@pytest.mark.parametrize("given", [
    {}, {"patience": 10}, {"hidden": []}, {"layers": [{"type": "Dense", "fan_out": 8}]},
    {"init_from": "m.npz"}, {"optimizer": "lbfgs"}])
def test_a_classifiers_remedy_is_the_penalty_alone(given):
    assert baseline.remedies(_args(**given), "classification") == _WD


@pytest.mark.parametrize("decay", [0.003, 0.1, 1e-5])
def test_no_classifier_remedy_where_a_penalty_is_given(decay):
    assert baseline.remedies(_args(weight_decay=decay), "classification") is None


def test_regression_remedies_are_as_before():
    assert baseline.remedies(_args()) == (
        "--weight-decay 0.1 (an L2 penalty on the weights, default 0), --patience 10 (keep "
        "the epoch of the lowest validation loss) or --hidden with no width (the linear "
        "model, the output layer alone) may close the gap")


def test_cv_and_tune_notes_of_a_classifier_name_it(capsys):
    """Two epochs of a 2-unit layer on iris: below the line, in cv and in tune."""
    out, _ = cli_ok(capsys, ["cv", "iris", "--hidden", "2", "--epochs", "2", "--folds", "3",
                             "-q"])
    note = [v for v in out.splitlines() if v.startswith("the network's mean")]
    assert len(note) == 1 and note[0].endswith("on these folds; " + _WD), out
    out, _ = cli_ok(capsys, ["tune", "iris", "--hidden", "2", "--epochs", "2", "--folds",
                             "3", "-q", "--grid", "lr=0.001,0.01"])
    note = [v for v in out.splitlines() if v.startswith("the best combination's mean")]
    assert len(note) == 1 and note[0].endswith("on these folds; " + _WD), out


def _cv(capsys, *options) -> float:
    out, _ = cli_ok(capsys, ["cv", "breast_cancer", "-q", "--json", *options])
    return json.loads(out)["mean"]["log_loss"]


@pytest.mark.slow
def test_on_breast_cancer_the_named_penalty_closes_most_of_the_gap(capsys):
    X, y = load_breast_cancer(return_X_y=True)
    line = -cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                            X, y, scoring="neg_log_loss",
                            cv=StratifiedKFold(5, shuffle=True, random_state=0)).mean()
    default = _cv(capsys)
    assert default > 2 * line  # the defaults: well above the line, the note's case
    assert _cv(capsys, "--weight-decay", "0.003") < line + (default - line) / 2
    # what the note no longer names: --patience 10 leaves more than a third of the gap
    assert _cv(capsys, "--patience", "10") > line + (default - line) / 3
